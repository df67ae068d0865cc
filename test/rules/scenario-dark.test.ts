import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../gateway/auth/tokens.js';
import { HOUR, METRES_PER_NM, MINUTE, offset, SECOND } from './behaviour-support.js';
import { aisPositionLine, startScenarioGateway, wholeSecond, type ScenarioGateway } from './scenario-support.js';

/**
 * Issue 5 §4: "a vessel that goes dark 20 nm out and one that switches off in port", as real AIS
 * sentences from a shore station over the NMEA TCP port, timed by their tag blocks; silence is
 * judged by the engine's tick at event times, not by waiting. Then both kinds of silence across a
 * restart of the gateway.
 */

/** Rizhao port, degrees. */
const PORT = { lat: 35.37, lon: 119.56 };
const TRAWLER = 412000101;
const MOORED = 412000102;
const DARKENED = 412000103;
const SILENCED = 412000104;
const EXCUSED = 412000105;

type Position = { lat: number; lon: number };

/** Class A reports (status 0, under way) every 30 s over [from, to] of a vessel steaming east at 10 kn from `origin`, and its last one. */
function steamingEast(mmsi: number, origin: Position, from: number, to: number): { lines: string[]; last: Position & { time: number } } {
  const lines: string[] = [];
  let last = { time: from, ...origin };
  for (let time = from; time <= to; time += 30 * SECOND) {
    last = { time, ...offset(origin.lat, origin.lon, (10 * METRES_PER_NM * (time - from)) / HOUR, 90) };
    lines.push(aisPositionLine(time, { mmsi, navStatus: 0, lat: last.lat, lon: last.lon, sog: 10, cog: 90, heading: 90 }));
  }
  return { lines, last };
}

describe('scenario: going dark', () => {
  let s: ScenarioGateway;
  // Event times: the last 45 min before now (fixes may not lie in the future).
  const T0 = wholeSecond(Date.now()) - 45 * MINUTE;

  beforeAll(async () => {
    s = await startScenarioGateway('tidewatch-dark-');
    const token = createToken(s.gw.db, { role: 'regulator', name: 'harbour-office' }).token;
    const port = {
      type: 'Feature',
      geometry: { type: 'Circle', center: [PORT.lon, PORT.lat], radius: 1500 },
      properties: { name: '日照港', kind: 'port', severity: 'info' },
    };
    const res = await fetch(`${s.gw.url}/api/v1/geofences?effectiveFrom=${new Date(T0 - HOUR).toISOString()}`, {
      method: 'POST',
      headers: { 'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(port),
    });
    expect(res.status).toBe(201);
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('raises dark for a trawler silent 20 nm out, and closes it with the gap and distance when it reappears', async () => {
    // Steaming east at 10 kn from 15 nm out to 20 nm.
    const { lines, last } = steamingEast(TRAWLER, offset(PORT.lat, PORT.lon, 15 * METRES_PER_NM, 90), T0, T0 + 30 * MINUTE);
    await s.send(lines, lines.length);

    // Past the 10-min coverage floor the vessel is dark. (The gateway's own wall-clock tick may get
    // there first, the event times being in the past: it raises the same incident, same dedupe key.)
    s.gw.rules.engine.tick(last.time + 11 * MINUTE);
    const [dark] = s.alerts('dark');
    expect(dark).toMatchObject({ type: 'dark', vessel: `mmsi:${TRAWLER}`, status: 'open', ongoing: true, startTime: last.time });
    expect(s.gw.alerts.get(dark.id)!.evidence).toMatchObject([{ key: `mmsi:${TRAWLER}`, time: last.time }]);

    // 14 min later, 2.5 nm north-east of where it fell silent.
    const back = offset(last.lat, last.lon, 2.5 * METRES_PER_NM, 45);
    const backTime = last.time + 14 * MINUTE;
    await s.send([aisPositionLine(backTime, { mmsi: TRAWLER, navStatus: 0, lat: back.lat, lon: back.lon, sog: 9, cog: 45, heading: 45 })], 1);
    const closed = s.gw.alerts.get(dark.id)!;
    expect(closed).toMatchObject({ ongoing: false, endTime: backTime, details: { gapS: 14 * 60 } });
    expect(Math.abs(Number(closed.details!.distanceM) - 2.5 * METRES_PER_NM)).toBeLessThan(30);
    expect(s.alerts('dark')).toHaveLength(1);
  });

  it('raises nothing for a vessel that switches off moored in port', async () => {
    const lines: string[] = [];
    // Moored at the quay, reporting every 3 min (ITU-R M.1371 class A, moored), then switched off.
    for (let i = 0; i <= 5; i++) {
      const p = offset(PORT.lat, PORT.lon, 200 + i, 180);
      lines.push(aisPositionLine(T0 + i * (3 * MINUTE + 7 * SECOND), { mmsi: MOORED, navStatus: 5, lat: p.lat, lon: p.lon, sog: 0, cog: 0, heading: 270 }));
    }
    await s.send(lines, lines.length);
    s.gw.rules.engine.tick(T0 + 12 * HOUR);
    expect(s.alerts('dark').filter((a) => a.vessel === `mmsi:${MOORED}`)).toEqual([]);
  });

  it('across a restart: closes a dark alert raised before it, raises dark for a vessel silent since before it, and not for one in port', async () => {
    const darkOf = (mmsi: number) => s.alerts('dark').filter((a) => a.vessel === `mmsi:${mmsi}`);
    // Two trawlers go dark 20 nm out; a regulator closes the alert of one (its terminal is known broken).
    const darkened = steamingEast(DARKENED, offset(PORT.lat, PORT.lon, 18 * METRES_PER_NM, 100), T0, T0 + 10 * MINUTE);
    const excused = steamingEast(EXCUSED, offset(PORT.lat, PORT.lon, 18 * METRES_PER_NM, 80), T0, T0 + 10 * MINUTE);
    // A third falls silent a minute before the restart.
    const now = wholeSecond(Date.now());
    const silenced = steamingEast(SILENCED, offset(PORT.lat, PORT.lon, 16 * METRES_PER_NM, 120), now - 10 * MINUTE, now - MINUTE);
    await s.send([...darkened.lines, ...excused.lines, ...silenced.lines], darkened.lines.length + excused.lines.length + silenced.lines.length);
    s.gw.rules.engine.tick(darkened.last.time + 11 * MINUTE);
    const [darkAlert] = darkOf(DARKENED);
    expect(darkAlert).toMatchObject({ ongoing: true, startTime: darkened.last.time });
    s.gw.alerts.close(darkOf(EXCUSED)[0].id, 'harbour-office', 'terminal under repair');
    expect(darkOf(SILENCED)).toEqual([]);

    await s.restart();
    await s.gw.rules.lastFixesRestored;
    s.gw.rules.engine.tick(silenced.last.time + 9 * MINUTE);
    expect(darkOf(SILENCED)).toEqual([]);
    s.gw.rules.engine.tick(silenced.last.time + 10 * MINUTE + SECOND);
    expect(darkOf(SILENCED)).toMatchObject([{ ongoing: true, startTime: silenced.last.time }]);
    // The closed incident stays closed; the vessel moored in port (the test before) stays quiet.
    expect(darkOf(EXCUSED)).toMatchObject([{ status: 'closed' }]);
    expect(darkOf(MOORED)).toEqual([]);

    // 3 nm north-east of where it fell silent, now.
    const back = offset(darkened.last.lat, darkened.last.lon, 3 * METRES_PER_NM, 45);
    const backTime = wholeSecond(Date.now());
    await s.send([aisPositionLine(backTime, { mmsi: DARKENED, navStatus: 0, lat: back.lat, lon: back.lon, sog: 9, cog: 45, heading: 45 })], 1);
    const closed = s.gw.alerts.get(darkAlert.id)!;
    expect(closed).toMatchObject({ ongoing: false, endTime: backTime, details: { gapS: (backTime - darkened.last.time) / 1000 } });
    expect(Math.abs(Number(closed.details!.distanceM) - 3 * METRES_PER_NM)).toBeLessThan(30);
    expect(darkOf(DARKENED)).toHaveLength(1);
  });
});
