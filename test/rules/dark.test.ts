import { getPreciseDistance } from 'geolib';
import { describe, expect, it } from 'vitest';
import { aisReportIntervalMs, DarkRule, DEFAULT_DARK_CONFIG } from '../../gateway/rules/dark.js';
import { simulatedTerminalIntervals, TERMINAL_MODELS } from '../../gateway/simulator/fleet.js';
import { context, fix, HOUR, METRES_PER_NM, MINUTE, offset, RecordingSink, SEA, SECOND, T0, track } from './behaviour-support.js';

const V = '鲁日渔60123';
const MMSI = 'mmsi:412325670';
const CARD = 'bds:0312345';

function feed(rule: DarkRule, sink: RecordingSink, fixes: ReturnType<typeof track>, extra: Parameters<typeof context>[1] = {}): void {
  for (const f of fixes) rule.onFix(f, context(V, extra), sink);
}

describe('dark', () => {
  it('raises when a class A trawler falls silent 20 nm out, and closes with the gap and distance when it reappears', () => {
    const rule = new DarkRule();
    const sink = new RecordingSink();
    const before = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: 10 * SECOND, durationMs: 30 * MINUTE, extra: { navStatus: 7 } });
    feed(rule, sink, before);
    const last = before[before.length - 1];
    // Shore coverage holes of a few minutes are not darkness.
    rule.onTick(last.time + 9 * MINUTE, sink);
    expect(sink.raised).toEqual([]);
    rule.onTick(last.time + 10 * MINUTE + SECOND, sink);
    expect(sink.raised).toHaveLength(1);
    const alert = sink.raised[0];
    expect(alert).toMatchObject({ type: 'dark', dedupeKey: `dark:${V}:${last.time}`, vessel: V, time: last.time, evidence: [last] });
    // Later ticks do not repeat it.
    rule.onTick(last.time + 2 * HOUR, sink);
    expect(sink.raised).toHaveLength(1);

    const back = offset(last.lat, last.lon, 20 * METRES_PER_NM, 45);
    const reappeared = fix(MMSI, last.time + 3 * HOUR, back.lat, back.lon, { sog: 9, navStatus: 7 });
    rule.onFix(reappeared, context(V), sink);
    expect(sink.resolved).toHaveLength(1);
    const { dedupeKey, time, details } = sink.resolved[0];
    expect(dedupeKey).toBe(alert.dedupeKey);
    expect(time).toBe(reappeared.time);
    expect(details!.gapS).toBe(3 * 3600);
    expect(details!.distanceM).toBe(getPreciseDistance({ latitude: last.lat, longitude: last.lon }, { latitude: back.lat, longitude: back.lon }));
    expect(Math.abs(Number(details!.distanceM) - 20 * METRES_PER_NM)).toBeLessThan(100);
  });

  it('does not raise for a vessel that switches off in port, but counts it', () => {
    const rule = new DarkRule();
    const sink = new RecordingSink();
    const moored = track(MMSI, { start: T0, ...SEA, sogKn: 0, bearingDeg: 0, intervalMs: 3 * MINUTE, durationMs: HOUR, extra: { navStatus: 5 } });
    feed(rule, sink, moored, { inPort: true });
    rule.onTick(T0 + 12 * HOUR, sink);
    expect(sink.raised).toEqual([]);
    expect([...rule.switchedOffInPort()]).toEqual([V]);
    rule.onFix(fix(MMSI, T0 + 13 * HOUR, SEA.lat, SEA.lon, { sog: 0, navStatus: 5 }), context(V, { inPort: true }), sink);
    expect(rule.switchedOffInPort().size).toBe(0);
    expect(sink.resolved).toEqual([]);
  });

  it('waits for the slowest active channel: AIS and an RDSS terminal reporting every 5 min', () => {
    const rule = new DarkRule({ ...DEFAULT_DARK_CONFIG, terminalIntervalMs: simulatedTerminalIntervals() });
    const sink = new RecordingSink();
    const model = TERMINAL_MODELS.rdss.model;
    const ais = track(MMSI, { start: T0, ...SEA, sogKn: 8, bearingDeg: 0, intervalMs: 10 * SECOND, durationMs: HOUR, extra: { navStatus: 7 } });
    const rdss = track(CARD, { start: T0, ...SEA, sogKn: 8, bearingDeg: 0, intervalMs: 5 * MINUTE, durationMs: HOUR });
    const merged = [...ais.map((f) => ({ f, model: undefined })), ...rdss.map((f) => ({ f, model }))].sort((a, b) => a.f.time - b.f.time);
    for (const { f, model: terminalModel } of merged) rule.onFix(f, context(V, { terminalModel }), sink);
    const lastTime = T0 + HOUR;
    rule.onTick(lastTime + 14 * MINUTE, sink);
    expect(sink.raised).toEqual([]);
    rule.onTick(lastTime + 15 * MINUTE + SECOND, sink);
    expect(sink.raised).toHaveLength(1);
    expect(sink.raised[0].details).toMatchObject({ expectedIntervalS: 300, thresholdS: 900 });
  });

  it('is not dark while one channel still reports (AIS in a coverage hole, Beidou on)', () => {
    const rule = new DarkRule();
    const sink = new RecordingSink();
    feed(rule, sink, track(MMSI, { start: T0, ...SEA, sogKn: 8, bearingDeg: 0, intervalMs: 10 * SECOND, durationMs: HOUR, extra: { navStatus: 7 } }));
    const rdss = track(CARD, { start: T0 + HOUR, ...SEA, sogKn: 8, bearingDeg: 0, intervalMs: 3 * MINUTE, durationMs: 6 * HOUR });
    for (const f of rdss) {
      rule.onFix(f, context(V), sink);
      rule.onTick(f.time + 2 * MINUTE, sink);
    }
    expect(sink.raised).toEqual([]);
  });

  it('raises and closes at once when a fix arrives after a gap no tick saw (replay)', () => {
    const rule = new DarkRule();
    const sink = new RecordingSink();
    rule.onFix(fix(CARD, T0, SEA.lat, SEA.lon, { sog: 6 }), context(V), sink);
    rule.onFix(fix(CARD, T0 + 2 * HOUR, SEA.lat + 0.1, SEA.lon, { sog: 6 }), context(V), sink);
    expect(sink.incidents()).toEqual([`dark:${V}:${T0}`]);
    expect(sink.resolved).toMatchObject([{ dedupeKey: `dark:${V}:${T0}`, time: T0 + 2 * HOUR, details: { gapS: 7200 } }]);
    expect(sink.ongoing()).toEqual([]);
  });

  it('takes over an ongoing dark alert at a restart, and closes it with the gap and distance when the vessel reappears', () => {
    const sink = new RecordingSink();
    const before = new DarkRule();
    const sea = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: 10 * SECOND, durationMs: 30 * MINUTE, extra: { navStatus: 7 } });
    feed(before, sink, sea);
    const last = sea[sea.length - 1];
    before.onTick(last.time + HOUR, sink);
    expect(sink.incidents()).toEqual([`dark:${V}:${last.time}`]);

    const restarted = sink.restartInto(new DarkRule());
    // Neither the clock nor a last fix from before the restart raises it again.
    restarted.restoreLastFix(last, context(V));
    restarted.onTick(last.time + 2 * HOUR, sink);
    expect(sink.raised).toHaveLength(1);
    const back = offset(last.lat, last.lon, 12 * METRES_PER_NM, 45);
    const reappeared = fix(MMSI, last.time + 3 * HOUR, back.lat, back.lon, { sog: 9, navStatus: 7 });
    restarted.onFix(reappeared, context(V), sink);
    expect(sink.resolved).toMatchObject([{ dedupeKey: `dark:${V}:${last.time}`, time: reappeared.time, details: { gapS: 3 * 3600, reappearedIdentifier: MMSI } }]);
    expect(sink.resolved[0].details!.distanceM).toBe(getPreciseDistance({ latitude: last.lat, longitude: last.lon }, { latitude: back.lat, longitude: back.lon }));
    expect(sink.ongoing()).toEqual([]);
  });

  it('judges a vessel silent since before a restart from its last fixes, one per channel', () => {
    const rule = new DarkRule({ ...DEFAULT_DARK_CONFIG, terminalIntervalMs: simulatedTerminalIntervals() });
    const sink = new RecordingSink();
    const model = TERMINAL_MODELS.rdss.model;
    // The newest AIS fix and the newest fix of an RDSS terminal reporting every 5 min, oldest first.
    const rdss = fix(CARD, T0 - 2 * MINUTE, SEA.lat, SEA.lon, { sog: 8 });
    const ais = fix(MMSI, T0, SEA.lat, SEA.lon + 0.01, { sog: 8, navStatus: 0 });
    rule.restoreLastFix(rdss, context(V, { terminalModel: model }));
    rule.restoreLastFix(ais, context(V));
    rule.onTick(T0 + 14 * MINUTE, sink);
    expect(sink.raised).toEqual([]);
    rule.onTick(T0 + 15 * MINUTE + SECOND, sink);
    expect(sink.raised).toMatchObject([{ type: 'dark', dedupeKey: `dark:${V}:${T0}`, vessel: V, time: T0, evidence: [ais], details: { expectedIntervalS: 300, identifiers: `${CARD},${MMSI}` } }]);
  });

  it('counts a vessel whose last fix before a restart was in port as switched off, not dark', () => {
    const rule = new DarkRule();
    const sink = new RecordingSink();
    rule.restoreLastFix(fix(MMSI, T0, SEA.lat, SEA.lon, { sog: 0, navStatus: 5 }), context(V, { inPort: true }));
    rule.onTick(T0 + 12 * HOUR, sink);
    expect(sink.raised).toEqual([]);
    expect([...rule.switchedOffInPort()]).toEqual([V]);
  });

  it('knows AIS cadence: class A from its navigational status, class B otherwise', () => {
    // With the coverage floor off, the threshold is 3 × the ITU-R M.1371 interval.
    const rule = new DarkRule({ ...DEFAULT_DARK_CONFIG, minGapMs: 0 });
    const sink = new RecordingSink();
    rule.onFix(fix('mmsi:1', T0, SEA.lat, SEA.lon, { sog: 10, navStatus: 0 }), context('a'), sink);
    rule.onFix(fix('mmsi:2', T0, SEA.lat, SEA.lon, { sog: 10 }), context('b'), sink);
    rule.onTick(T0 + 31 * SECOND, sink);
    expect(sink.raised.map((r) => r.vessel)).toEqual(['a']);
    rule.onTick(T0 + 91 * SECOND, sink);
    expect(sink.raised.map((r) => r.vessel)).toEqual(['a', 'b']);
  });

  it('uses the ITU-R M.1371 reporting intervals', () => {
    const at = (sog: number | undefined, navStatus?: number) => fix(MMSI, T0, SEA.lat, SEA.lon, { sog, navStatus });
    expect(aisReportIntervalMs(at(0, 1), true)).toBe(3 * MINUTE);
    expect(aisReportIntervalMs(at(0, 5), true)).toBe(3 * MINUTE);
    expect(aisReportIntervalMs(at(4, 5), true)).toBe(10 * SECOND);
    expect(aisReportIntervalMs(at(0, 7), true)).toBe(10 * SECOND);
    expect(aisReportIntervalMs(at(18, 0), true)).toBe(6 * SECOND);
    expect(aisReportIntervalMs(at(30, 0), true)).toBe(2 * SECOND);
    expect(aisReportIntervalMs(at(1.5), false)).toBe(3 * MINUTE);
    expect(aisReportIntervalMs(at(undefined), false)).toBe(3 * MINUTE);
    expect(aisReportIntervalMs(at(8), false)).toBe(30 * SECOND);
  });
});
