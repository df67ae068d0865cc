import { describe, expect, it } from 'vitest';
import { LoiteringRule } from '../../gateway/rules/loitering.js';
import type { VesselFix } from '../../core/records.js';
import { context, HOUR, MINUTE, RecordingSink, SEA, T0, track } from './behaviour-support.js';

const V = '鲁日渔60123';
const CARD = 'bds:0312345';

function run(fixes: VesselFix[], inPort = false): { rule: LoiteringRule; sink: RecordingSink } {
  const rule = new LoiteringRule();
  const sink = new RecordingSink();
  let previous: VesselFix | undefined;
  for (const f of fixes) {
    rule.onFix(f, context(V, { inPort, previous }), sink);
    previous = f;
  }
  return { rule, sink };
}

const slow = (start: number, durationMs: number, sogKn = 1) => track(CARD, { start, ...SEA, sogKn, bearingDeg: 30, intervalMs: 3 * MINUTE, durationMs });

describe('loitering', () => {
  it('raises after 2 h below 2 kn at sea, merges into one alert and ends when the speed picks up', () => {
    const drifting = slow(T0, 3 * HOUR);
    const last = drifting[drifting.length - 1];
    const away = track(CARD, { start: last.time + 3 * MINUTE, lat: last.lat, lon: last.lon, sogKn: 9, bearingDeg: 270, intervalMs: 3 * MINUTE, durationMs: 30 * MINUTE });
    const { sink } = run([...drifting, ...away]);
    expect(sink.incidents()).toEqual([`loitering:${V}:${T0}`]);
    expect(sink.raised[0]).toMatchObject({ type: 'loitering', vessel: V, time: T0, evidence: [drifting[0], drifting[40]] });
    // Refreshed every 15 min, not at every fix.
    expect(sink.raised.length).toBe(5);
    expect(sink.resolved).toEqual([{ dedupeKey: `loitering:${V}:${T0}`, time: last.time, details: { durationS: 3 * 3600 } }]);
  });

  it('does not end on one fast fix, nor on hauling at 2–3 kn', () => {
    const fixes = slow(T0, 4 * HOUR).map((f, i) => (i === 50 ? { ...f, sog: 7 } : i > 60 ? { ...f, sog: 2.6 } : f));
    const { sink } = run(fixes);
    expect(sink.incidents()).toHaveLength(1);
    expect(sink.resolved).toEqual([]);
  });

  it('stays quiet in port, below 2 h, and across a long silence', () => {
    expect(run(slow(T0, 6 * HOUR), true).sink.raised).toEqual([]);
    expect(run(slow(T0, 110 * MINUTE)).sink.raised).toEqual([]);
    const beforeGap = slow(T0, HOUR);
    const afterGap = slow(T0 + 3 * HOUR, HOUR + 30 * MINUTE);
    expect(run([...beforeGap, ...afterGap]).sink.raised).toEqual([]);
  });

  it('ends when the vessel enters port', () => {
    const rule = new LoiteringRule();
    const sink = new RecordingSink();
    const drifting = slow(T0, 2 * HOUR + 30 * MINUTE);
    for (const f of drifting) rule.onFix(f, context(V), sink);
    const last = drifting[drifting.length - 1];
    rule.onFix({ ...last, time: last.time + 3 * MINUTE }, context(V, { inPort: true }), sink);
    expect(sink.resolved.map((r) => r.time)).toEqual([last.time]);
  });

  it('ends on the clock, at its last fix, when the vessel is not heard for 90 min', () => {
    const drifting = slow(T0, 3 * HOUR);
    const last = drifting[drifting.length - 1];
    const { rule, sink } = run(drifting);
    rule.onTick(last.time + 89 * MINUTE, sink);
    expect(sink.ongoing()).toEqual([`loitering:${V}:${T0}`]);
    rule.onTick(last.time + 91 * MINUTE, sink);
    expect(sink.resolved).toEqual([{ dedupeKey: `loitering:${V}:${T0}`, time: last.time, details: { durationS: 3 * 3600 } }]);
    expect(sink.ongoing()).toEqual([]);
  });
});

describe('loitering across a restart', () => {
  /** Feeds one vessel's fixes, each with the one before as the engine's previous fix. */
  function feed(rule: LoiteringRule, sink: RecordingSink, fixes: VesselFix[]): void {
    fixes.forEach((f, i) => rule.onFix(f, context(V, { previous: fixes[i - 1] }), sink));
  }

  it('goes on under the same alert, raises no second one, and ends it when the speed picks up', () => {
    const sink = new RecordingSink();
    const before = slow(T0, 2 * HOUR + 30 * MINUTE);
    feed(new LoiteringRule(), sink, before);
    const key = `loitering:${V}:${T0}`;
    expect(sink.ongoing()).toEqual([key]);

    // Still drifting for 2.5 h after the restart: long enough to raise a new incident of its own.
    const after = slow(T0 + 2 * HOUR + 33 * MINUTE, 2 * HOUR + 30 * MINUTE);
    const last = after[after.length - 1];
    const away = track(CARD, { start: last.time + 3 * MINUTE, lat: last.lat, lon: last.lon, sogKn: 9, bearingDeg: 270, intervalMs: 3 * MINUTE, durationMs: 10 * MINUTE });
    feed(sink.restartInto(new LoiteringRule()), sink, [...after, ...away]);
    expect(sink.incidents()).toEqual([key]);
    expect(sink.raised.filter((r) => r.time > before[before.length - 1].time).length).toBeGreaterThan(0);
    expect(sink.resolved).toEqual([{ dedupeKey: key, time: last.time, details: { durationS: (last.time - T0) / 1000 } }]);
  });

  it('ends a taken-over episode after a silence, at its last refresh', () => {
    const sink = new RecordingSink();
    // Refreshed at 2 h, 2 h 15 and 2 h 30; the fixes after that are not in the alert.
    feed(new LoiteringRule(), sink, slow(T0, 2 * HOUR + 39 * MINUTE));
    const [alert] = sink.alertsAtRestart();
    expect(alert.endTime).toBe(T0 + 2 * HOUR + 30 * MINUTE);
    feed(sink.restartInto(new LoiteringRule()), sink, slow(T0 + 6 * HOUR, HOUR));
    expect(sink.resolved).toEqual([{ dedupeKey: alert.dedupeKey, time: alert.endTime, details: { durationS: 9000 } }]);
    expect(sink.incidents()).toEqual([alert.dedupeKey]);
  });
});
