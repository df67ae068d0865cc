import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertType } from '../../gateway/alerts/model.js';
import { silentLogger } from '../../core/log.js';
import { createToken } from '../../gateway/auth/tokens.js';
import { encodeEnvelope, type PayloadInput } from '../../gateway/decoders/protobuf/encode.js';
import { DEFAULT_ENCOUNTER_CONFIG } from '../../gateway/rules/encounter.js';
import { replayHistory } from '../../gateway/rules/replay.js';
import { ZoneStore } from '../../gateway/zones/store.js';
import { HOUR, METRES_PER_NM, MINUTE, offset, SECOND } from './behaviour-support.js';
import { aisPositionLine, startScenarioGateway, wholeSecond, type ScenarioGateway } from './scenario-support.js';

/**
 * "A restart of Tidewatch loses nothing": incidents going on when the gateway stops — a vessel
 * loitering, two encounters, a cloned MMSI (an identity clash and position jumps), a hypoxic buoy, a
 * buoy offline — are taken over by the gateway started next on the same data: the same alerts are
 * updated and closed when the condition ends, none is raised twice, and an encounter whose vessels
 * never report again, or a clone no longer heard, is closed by the clock at its last fix or hop. A replay
 * begun in the middle of an incident takes it over the same way. AIS from a shore station over the
 * NMEA TCP port, buoy frames over the WebSocket, timed by their own clocks.
 */

const LOITERER = 412000201;
/** Two encounters: one goes on after the restart, the other's vessels are never heard again. */
const PAIR = [412000211, 412000212];
const SILENT_PAIR = [412000213, 412000214];
const CLONED = 412000221;
const HYPOXIC = 'BUOY-RZ-101';
const SILENT_BUOY = 'BUOY-RZ-102';
const DO = 'mass_concentration_of_oxygen_in_sea_water';

type Position = { lat: number; lon: number };
/** An AIS line and the fix it carries. */
type Report = Position & { time: number; line: string };

/** Class A reports of one vessel every `everyMs` over [from, to], at `sogKn` on `bearingDeg` from `origin`. */
function reports(mmsi: number, origin: Position, from: number, to: number, everyMs: number, sogKn: number, bearingDeg: number): Report[] {
  const out: Report[] = [];
  for (let time = from; time <= to; time += everyMs) {
    const { lat, lon } = offset(origin.lat, origin.lon, (sogKn * METRES_PER_NM * (time - from)) / HOUR, bearingDeg);
    out.push({ time, lat, lon, line: aisPositionLine(time, { mmsi, navStatus: 7, lat, lon, sog: sogKn, cog: bearingDeg, heading: bearingDeg }) });
  }
  return out;
}

/** The lines of these reports in time order (one vessel's fixes out of order would be late, not evaluated), within [from, to). */
function lines(reported: readonly Report[][], from = -Infinity, to = Infinity): string[] {
  return reported
    .flat()
    .filter((r) => r.time >= from && r.time < to)
    .sort((a, b) => a.time - b.time)
    .map((r) => r.line);
}

const last = <T>(items: readonly T[]): T => items[items.length - 1];

describe('scenario: ongoing incidents across a restart', () => {
  let s: ScenarioGateway;
  // Event times: the last hours before now (fixes may not lie in the future).
  const N = wholeSecond(Date.now());
  const tokens: Record<string, string> = {};
  let seq = 0;
  /** AIS lines sent, each one fix. */
  let sent = 0;
  const send = async (aisLines: string[]) => {
    await s.send(aisLines, aisLines.length);
    sent += aisLines.length;
  };
  const frame = (deviceId: string, time: number, payload: PayloadInput) => encodeEnvelope({ deviceId, bootId: 1, seq: ++seq, sentTime: time, payload });
  const oxygen = (time: number, value: number) => frame(HYPOXIC, time, { type: 'buoy-batch', observations: [{ time, variable: DO, value }] });
  const health = (time: number) => frame(SILENT_BUOY, time, { type: 'health', health: { battery: 12.4 } });
  const alertsOf = (type: AlertType, subject: string): Alert[] => s.alerts(type).filter((a) => a.vessel === subject || a.device === subject);
  const mmsi = (n: number) => `mmsi:${n}`;

  // Loitering: 1 kn for 2 h 39 before the restart (refreshed at 2 h, 2 h 15, 2 h 30), 9 min after it, then off at 9 kn.
  const loiterStart = N - 3 * HOUR;
  const drifting = reports(LOITERER, { lat: 35.1, lon: 119.9 }, loiterStart, loiterStart + 171 * MINUTE, 3 * MINUTE, 1, 30);
  const steamingOff = reports(LOITERER, last(drifting), loiterStart + 174 * MINUTE, N, 3 * MINUTE, 9, 270);
  const loiterRestart = loiterStart + 160 * MINUTE;

  // Encounters (0.5 kn, 200 m apart, the second vessel 15 s after the first): together from 24 min before now.
  const together = (pair: number[], origin: Position, to: number) => [
    reports(pair[0], origin, N - 24 * MINUTE, to, 30 * SECOND, 0.5, 60),
    reports(pair[1], offset(origin.lat, origin.lon, 200, 0), N - 24 * MINUTE + 15 * SECOND, to + 15 * SECOND, 30 * SECOND, 0.5, 60),
  ];
  const pairRestart = N - 17 * MINUTE;
  const [pairA, pairB] = together(PAIR, { lat: 35.0, lon: 119.7 }, N - 9 * MINUTE);
  const pairBOff = reports(PAIR[1], last(pairB), last(pairB).time + 30 * SECOND, N - 5 * MINUTE, 30 * SECOND, 12, 200);
  const [silentA, silentB] = together(SILENT_PAIR, { lat: 34.95, lon: 119.75 }, N - 12 * MINUTE);

  // A cloned MMSI: the genuine vessel at 9 kn and a second hull 30 nm away, both every 10 s for 14 min; then the genuine one alone.
  // All within the last half hour: the 30-min window in which the gateway's own wall-clock tick leaves a clone open.
  const cloneRestart = N - 20 * MINUTE;
  const genuineStart = { lat: 35.25, lon: 119.75 };
  const genuine = reports(CLONED, genuineStart, N - 26 * MINUTE, N - 12 * MINUTE, 10 * SECOND, 9, 80);
  const genuineAlone = reports(CLONED, last(genuine), N - 11 * MINUTE, N - MINUTE, MINUTE, 9, 80);
  const clone = reports(CLONED, offset(genuineStart.lat, genuineStart.lon, 30 * METRES_PER_NM, 160), N - 26 * MINUTE + 5 * SECOND, N - 12 * MINUTE + 5 * SECOND, 10 * SECOND, 7, 300);
  /** The last hop: back home, at the genuine vessel's first fix after the clone's last. */
  const lastHop = genuineAlone[0].time;

  // Dissolved oxygen every 2 min: 2.4 mg/L for 14 min before the restart, 2.6 for 18 min after, then back past 3.5.
  const oxygenBefore = Array.from({ length: 8 }, (_, i) => N - 40 * MINUTE + i * 2 * MINUTE);
  const oxygenAfter = Array.from({ length: 10 }, (_, i) => N - 24 * MINUTE + i * 2 * MINUTE);

  beforeAll(async () => {
    // Encounters of 5 min rather than 2 h, ended by 30 min of silence rather than 15: all of it then lies
    // in the last half hour, where the gateway's own wall-clock tick leaves a pair alone.
    s = await startScenarioGateway('tidewatch-restart-', { rules: { encounter: { ...DEFAULT_ENCOUNTER_CONFIG, minDurationMs: 5 * MINUTE, updateEveryMs: 4 * MINUTE, maxFixAgeMs: 30 * MINUTE } } });
    for (const buoy of [HYPOXIC, SILENT_BUOY]) tokens[buoy] = createToken(s.gw.db, { role: 'device', name: buoy }).token;
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('before the restart: each incident is raised and going on', async () => {
    const before = [...lines([drifting], -Infinity, loiterRestart), ...lines([pairA, pairB], -Infinity, pairRestart), ...lines([silentA, silentB]), ...lines([genuine, clone], -Infinity, cloneRestart)];
    await send(before);
    await s.sendFrames(tokens[HYPOXIC], oxygenBefore.map((t) => oxygen(t, 2.4)), oxygenBefore.length);
    await s.sendFrames(tokens[SILENT_BUOY], [90, 80, 70, 60].map((m) => health(N - m * MINUTE)), 4);
    s.gw.rules.engine.tick(Date.now());

    for (const [type, subject] of [
      ['loitering', mmsi(LOITERER)],
      ['encounter', mmsi(PAIR[0])],
      ['encounter', mmsi(SILENT_PAIR[0])],
      ['identity_clash', mmsi(CLONED)],
      ['buoy_threshold', HYPOXIC],
      ['device_offline', SILENT_BUOY],
    ] as const) {
      expect(alertsOf(type, subject), `${type} of ${subject}`).toMatchObject([{ ongoing: true }]);
    }
    // The clone's first hops were a position jump, ended once the identity clash explained them.
    expect(alertsOf('position_jump', mmsi(CLONED))).toMatchObject([{ ongoing: false, details: { explainedBy: 'identity_clash' } }]);
  });

  it('after the restart: the loitering goes on under its alert, which closes when the vessel steams off', async () => {
    await s.restart();
    await s.gw.rules.lastFixesRestored;
    await send(lines([drifting, steamingOff], loiterRestart));
    const [alert] = alertsOf('loitering', mmsi(LOITERER));
    expect(alertsOf('loitering', mmsi(LOITERER))).toHaveLength(1);
    // Refreshed after the restart, ended at the last slow fix.
    expect(alert).toMatchObject({ ongoing: false, startTime: loiterStart, endTime: last(drifting).time, details: { durationS: 171 * 60 } });
    expect(alert.occurrences).toBe(4);
  });

  it('after the restart: the encounter goes on under its alert, raises no second one, and closes when one vessel leaves', async () => {
    await send(lines([pairA, pairB, pairBOff], pairRestart));
    const encounters = alertsOf('encounter', mmsi(PAIR[0]));
    expect(encounters).toHaveLength(1);
    expect(encounters[0]).toMatchObject({ otherVessel: mmsi(PAIR[1]), ongoing: false, startTime: N - 24 * MINUTE + 15 * SECOND });
    expect(encounters[0].endTime).toBeGreaterThan(last(pairB).time);
    expect(encounters[0].occurrences).toBeGreaterThan(1);
  });

  it('after the restart: the cloned MMSI stays one identity clash, and its hops raise no position jump', async () => {
    const jumpBefore = alertsOf('position_jump', mmsi(CLONED));
    await send(lines([genuine, clone, genuineAlone], cloneRestart));
    const alerts = alertsOf('identity_clash', mmsi(CLONED));
    expect(alerts).toHaveLength(1);
    // Refreshed by the hops after the restart; still open: the last hop is less than 30 min ago.
    expect(alerts[0]).toMatchObject({ ongoing: true });
    expect(alerts[0].endTime).toBeGreaterThan(cloneRestart);
    expect(alerts[0].endTime).toBeLessThanOrEqual(lastHop);
    expect(alertsOf('position_jump', mmsi(CLONED))).toEqual(jumpBefore);
  });

  it('after the restart: the hypoxia goes on under its alert, which clears past 3.5 mg/L; the offline buoy’s alert closes when it reports', async () => {
    const cleared = N - 2 * MINUTE;
    await s.sendFrames(tokens[HYPOXIC], [...oxygenAfter.map((t) => oxygen(t, 2.6)), oxygen(N - 4 * MINUTE, 3.2), oxygen(cleared, 3.8)], oxygenAfter.length + 2);
    const hypoxia = alertsOf('buoy_threshold', HYPOXIC);
    expect(hypoxia).toHaveLength(1);
    expect(hypoxia[0]).toMatchObject({ ongoing: false, startTime: oxygenBefore[0], endTime: cleared, details: { clearedValue: 3.8, extremeValue: 2.4 } });
    expect(hypoxia[0].occurrences).toBe(2);

    await s.sendFrames(tokens[SILENT_BUOY], [health(N)], 1);
    expect(alertsOf('device_offline', SILENT_BUOY)).toMatchObject([{ ongoing: false, startTime: N - HOUR, endTime: N, details: { silenceS: 3600 } }]);
  });

  it('after the restart: an encounter whose vessels are never heard again is closed by the clock, at their last fix before the restart', async () => {
    const lastFix = last(silentB).time;
    s.gw.rules.engine.tick(lastFix + 29 * MINUTE);
    expect(alertsOf('encounter', mmsi(SILENT_PAIR[0]))).toMatchObject([{ ongoing: true }]);
    s.gw.rules.engine.tick(lastFix + 30 * MINUTE + SECOND);
    expect(alertsOf('encounter', mmsi(SILENT_PAIR[0]))).toMatchObject([{ ongoing: false, endTime: lastFix }]);
  });

  it('after the restart: the clone no longer heard is closed by the clock 30 min after its last hop, at that hop', async () => {
    s.gw.rules.engine.tick(lastHop + 29 * MINUTE);
    expect(alertsOf('identity_clash', mmsi(CLONED))).toMatchObject([{ ongoing: true }]);
    s.gw.rules.engine.tick(lastHop + 30 * MINUTE + SECOND);
    expect(alertsOf('identity_clash', mmsi(CLONED))).toMatchObject([{ ongoing: false, endTime: lastHop }]);
    const [jump] = alertsOf('position_jump', mmsi(CLONED));
    expect(jump).toMatchObject({ ongoing: false });
    expect(jump.endTime).toBeLessThanOrEqual(lastHop);
  });

  it('a replay begun in the middle of the clone takes its incidents over: it raises neither again', async () => {
    // The replay reads the store, which the spool fills a moment after the engine saw the fixes.
    for (const end = Date.now() + 20_000; (await s.gw.store.count('vessel-fix')) < sent; ) {
      if (Date.now() > end) throw new Error('timed out waiting for the fixes to be stored');
      await new Promise((r) => setTimeout(r, 100));
    }
    const summary = await replayHistory({ store: s.gw.store, db: s.gw.db, registry: s.gw.registry, zones: new ZoneStore(s.gw.db), alerts: s.gw.alerts, calendar: s.gw.rules.calendar, logger: silentLogger, from: cloneRestart, to: Date.now() });
    expect(summary.known).toBeGreaterThan(0);
    for (const type of ['identity_clash', 'position_jump'] as const) expect(alertsOf(type, mmsi(CLONED)), type).toHaveLength(1);
  });
});
