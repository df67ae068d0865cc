import { describe, expect, it } from 'vitest';
import type { VesselFix } from '../../core/records.js';
import { IdentityClashRule } from '../../gateway/rules/identity-clash.js';
import { context, HOUR, METRES_PER_NM, MINUTE, offset, RecordingSink, SEA, SECOND, T0, track } from './behaviour-support.js';

const V = '鲁日渔60123';
const MMSI = 'mmsi:412325670';
const CARD = 'bds:0312345';

/** Feeds fixes merged in time order, each under its vessel (registered `V`, else its own key). */
function run(fixes: VesselFix[], vesselOf: (f: VesselFix) => string = () => V): { rule: IdentityClashRule; sink: RecordingSink } {
  const rule = new IdentityClashRule();
  const sink = new RecordingSink();
  for (const f of [...fixes].sort((a, b) => a.time - b.time)) rule.onFix(f, context(vesselOf(f)), sink);
  return { rule, sink };
}

describe('identity clash: cloned MMSI', () => {
  const genuine = track(MMSI, { start: T0, ...SEA, sogKn: 9, bearingDeg: 90, intervalMs: 10 * SECOND, durationMs: HOUR, extra: { navStatus: 7 } });
  const cloneStart = offset(SEA.lat, SEA.lon, 30 * METRES_PER_NM, 180);
  const clone = track(MMSI, { start: T0 + 5 * SECOND, ...cloneStart, sogKn: 7, bearingDeg: 300, intervalMs: 10 * SECOND, durationMs: 20 * MINUTE, extra: { navStatus: 7 } });

  it('raises one critical alert for one MMSI heard from two places 30 nm apart, and closes 30 min after the clone stops', () => {
    const { sink } = run([...genuine, ...clone]);
    expect(sink.incidents()).toHaveLength(1);
    const first = sink.raised[0];
    expect(first).toMatchObject({ type: 'identity_clash', severity: 'critical', vessel: V, details: { clash: 'clone', identifier: MMSI } });
    expect(first.dedupeKey).toMatch(/^identity_clash:clone:mmsi:412325670:/);
    expect(Math.abs(Number(first.details!.distanceM) - 30 * METRES_PER_NM)).toBeLessThan(500);
    // Raised within the first half minute of the clone, refreshed every 5 min while it lasts.
    expect(first.time).toBeLessThanOrEqual(T0 + 30 * SECOND);
    expect(sink.raised.length).toBe(4);
    expect(sink.resolved).toHaveLength(1);
    expect(sink.resolved[0].time).toBe(clone[clone.length - 1].time + 5 * SECOND);
  });

  it('does not take one bad fix, or a few scattered ones, for a clone', () => {
    const spiked = genuine.map((f, i) => (i % 40 === 20 ? { ...f, ...offset(f.lat, f.lon, 20_000 + i * 100, i) } : f));
    expect(run(spiked).sink.raised).toEqual([]);
  });

  it('closes on the clock, at the last hop, when the MMSI is not heard again for 30 min', () => {
    const cut = (fixes: VesselFix[]) => fixes.filter((f) => f.time <= T0 + 20 * MINUTE);
    const { rule, sink } = run([...cut(genuine), ...cut(clone)]);
    expect(sink.ongoing()).toHaveLength(1);
    const lastHop = Math.max(...cut(genuine).concat(cut(clone)).map((f) => f.time));
    rule.onTick(lastHop + 29 * MINUTE, sink);
    expect(sink.resolved).toEqual([]);
    rule.onTick(lastHop + 31 * MINUTE, sink);
    expect(sink.resolved).toHaveLength(1);
    expect(sink.resolved[0].time).toBe(lastHop);
  });
});

describe('identity clash: AIS and Beidou disagree', () => {
  const ais = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: 10 * SECOND, durationMs: HOUR });

  it('raises when the Beidou terminal reports from 8 km away, and closes when they agree again', () => {
    const elsewhere = offset(SEA.lat, SEA.lon, 8000, 0);
    const away = track(CARD, { start: T0 + 20 * SECOND, ...elsewhere, sogKn: 10, bearingDeg: 90, intervalMs: 3 * MINUTE, durationMs: 20 * MINUTE });
    const back = track(CARD, { start: T0 + 30 * MINUTE + 20 * SECOND, ...offset(SEA.lat, SEA.lon, (10 * METRES_PER_NM) / 2, 90), sogKn: 10, bearingDeg: 90, intervalMs: 3 * MINUTE, durationMs: 10 * MINUTE });
    const { sink } = run([...ais, ...away, ...back]);
    expect(sink.incidents()).toEqual([`identity_clash:divergence:${V}:${away[1].time}`]);
    expect(sink.raised[0]).toMatchObject({ severity: 'warning', vessel: V, details: { clash: 'divergence', aisIdentifier: MMSI, beidouIdentifier: CARD } });
    expect(Number(sink.raised[0].details!.distanceM)).toBeGreaterThan(7000);
    expect(sink.resolved.map((r) => r.time)).toEqual([back[0].time]);
  });

  it('closes on the clock 30 min after the last disagreement when the Beidou terminal falls silent', () => {
    const away = track(CARD, { start: T0 + 20 * SECOND, ...offset(SEA.lat, SEA.lon, 8000, 0), sogKn: 10, bearingDeg: 90, intervalMs: 3 * MINUTE, durationMs: 20 * MINUTE });
    const { rule, sink } = run([...ais, ...away]);
    expect(sink.incidents()).toHaveLength(1);
    // The AIS fixes after the terminal's last cannot be compared (more than 5 min apart): no agreement ends it.
    expect(sink.ongoing()).toHaveLength(1);
    const lastBeidou = away[away.length - 1].time;
    rule.onTick(lastBeidou + 29 * MINUTE, sink);
    expect(sink.resolved).toEqual([]);
    rule.onTick(lastBeidou + 5 * MINUTE + 31 * MINUTE, sink);
    expect(sink.resolved).toHaveLength(1);
    // At the newest fix of the last disagreeing pair: the terminal's last, or an AIS fix up to 5 min after it.
    expect(sink.resolved[0].time).toBeGreaterThanOrEqual(lastBeidou);
    expect(sink.resolved[0].time).toBeLessThanOrEqual(lastBeidou + 5 * MINUTE);
  });

  it('allows for the distance run between an AIS fix and an older Beidou fix', () => {
    // A Beidou fix 4.5 min old at 12 kn is ~1.7 km behind; even 6 km apart is within 5 km + that.
    const fast = track(MMSI, { start: T0, ...SEA, sogKn: 12, bearingDeg: 0, intervalMs: 10 * SECOND, durationMs: HOUR });
    const lagging = fast.filter((_, i) => i % 18 === 0).map((f) => ({ ...f, key: CARD, source: 'bds-rdss' as const, time: f.time - 270 * SECOND, ...offset(f.lat, f.lon, 6000, 180) }));
    expect(run([...fast, ...lagging]).sink.raised).toEqual([]);
  });

  it('compares nothing for unregistered vessels, whose one identifier is the vessel', () => {
    const unregistered = track(CARD, { start: T0, ...offset(SEA.lat, SEA.lon, 9000, 0), sogKn: 10, bearingDeg: 90, intervalMs: 3 * MINUTE, durationMs: HOUR });
    expect(run([...ais, ...unregistered], (f) => f.key).sink.raised).toEqual([]);
  });
});

describe('identity clash: one bad Beidou fix', () => {
  it('needs two disagreements in a row', () => {
    const ais = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: 10 * SECOND, durationMs: HOUR });
    const rdss = ais.filter((_, i) => i % 18 === 5).map((f, i) => ({ ...f, key: CARD, source: 'bds-rdss' as const, ...(i === 3 ? offset(f.lat, f.lon, 12_000, 10) : {}) }));
    expect(run([...ais, ...rdss]).sink.raised).toEqual([]);
  });
});

describe('identity clash across a restart', () => {
  /** Feeds fixes merged in time order into `rule`, each under V. */
  function feed(rule: IdentityClashRule, sink: RecordingSink, fixes: VesselFix[]): void {
    for (const f of [...fixes].sort((a, b) => a.time - b.time)) rule.onFix(f, context(V), sink);
  }

  it('a clone going on after the restart stays one alert, closed 30 min after the clone stops', () => {
    const sink = new RecordingSink();
    const genuine = track(MMSI, { start: T0, ...SEA, sogKn: 9, bearingDeg: 90, intervalMs: 10 * SECOND, durationMs: HOUR, extra: { navStatus: 7 } });
    const clone = track(MMSI, { start: T0 + 5 * SECOND, ...offset(SEA.lat, SEA.lon, 30 * METRES_PER_NM, 180), sogKn: 7, bearingDeg: 300, intervalMs: 10 * SECOND, durationMs: 20 * MINUTE, extra: { navStatus: 7 } });
    const restartAt = T0 + 10 * MINUTE;
    const before = (f: VesselFix) => f.time < restartAt;
    feed(new IdentityClashRule(), sink, [...genuine, ...clone].filter(before));
    const [key] = sink.ongoing();
    expect(key).toMatch(/^identity_clash:clone:mmsi:412325670:/);

    feed(sink.restartInto(new IdentityClashRule()), sink, [...genuine, ...clone].filter((f) => !before(f)));
    expect(sink.incidents()).toEqual([key]);
    expect(sink.raised.filter((r) => r.time >= restartAt).length).toBeGreaterThan(0);
    expect(sink.resolved).toEqual([{ dedupeKey: key, time: clone[clone.length - 1].time + 5 * SECOND, details: undefined }]);
  });

  it('a divergence going on after the restart stays one alert, closed when the channels agree again', () => {
    const sink = new RecordingSink();
    const ais = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: 10 * SECOND, durationMs: HOUR });
    const away = track(CARD, { start: T0 + 20 * SECOND, ...offset(SEA.lat, SEA.lon, 8000, 0), sogKn: 10, bearingDeg: 90, intervalMs: 3 * MINUTE, durationMs: 30 * MINUTE });
    const back = track(CARD, { start: T0 + 40 * MINUTE + 20 * SECOND, ...offset(SEA.lat, SEA.lon, (10 * METRES_PER_NM * 2) / 3, 90), sogKn: 10, bearingDeg: 90, intervalMs: 3 * MINUTE, durationMs: 10 * MINUTE });
    const restartAt = T0 + 10 * MINUTE;
    const all = [...ais, ...away, ...back];
    feed(new IdentityClashRule(), sink, all.filter((f) => f.time < restartAt));
    const key = `identity_clash:divergence:${V}:${away[1].time}`;
    expect(sink.ongoing()).toEqual([key]);

    feed(sink.restartInto(new IdentityClashRule()), sink, all.filter((f) => f.time >= restartAt));
    expect(sink.incidents()).toEqual([key]);
    expect(sink.raised.filter((r) => r.time >= restartAt).length).toBeGreaterThan(0);
    expect(sink.resolved.map((r) => [r.dedupeKey, r.time])).toEqual([[key, back[0].time]]);
  });
});
