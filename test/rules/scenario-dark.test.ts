import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../gateway/auth/tokens.js';
import { HOUR, METRES_PER_NM, MINUTE, offset, SECOND } from './behaviour-support.js';
import { aisPositionLine, startScenarioGateway, wholeSecond, type ScenarioGateway } from './scenario-support.js';

/**
 * Issue 5 §4: "a vessel that goes dark 20 nm out and one that switches off in port", as real AIS
 * sentences from a shore station over the NMEA TCP port, timed by their tag blocks; silence is
 * judged by the engine's tick at event times, not by waiting.
 */

/** Rizhao port, degrees. */
const PORT = { lat: 35.37, lon: 119.56 };
const TRAWLER = 412000101;
const MOORED = 412000102;

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
    // Steaming east at 10 kn from 15 nm out to 20 nm, a class A report every 30 s (under fishing status 7).
    const start = offset(PORT.lat, PORT.lon, 15 * METRES_PER_NM, 90);
    const lines: string[] = [];
    let last = { time: T0, ...start };
    for (let t = 0; t <= 30 * MINUTE; t += 30 * SECOND) {
      const p = offset(start.lat, start.lon, (10 * METRES_PER_NM * t) / HOUR, 90);
      last = { time: T0 + t, ...p };
      lines.push(aisPositionLine(T0 + t, { mmsi: TRAWLER, navStatus: 0, lat: p.lat, lon: p.lon, sog: 10, cog: 90, heading: 90 }));
    }
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
});
