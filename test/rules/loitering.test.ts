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
});
