import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VesselFix } from '../../core/records.js';
import { PositionJumpRule } from '../../gateway/rules/position-jump.js';
import { context, fix, HOUR, METRES_PER_NM, MINUTE, offset, RecordingSink, SEA, SECOND, T0, track } from './behaviour-support.js';

const V = '鲁日渔60123';
const MMSI = 'mmsi:412325670';

function run(fixes: VesselFix[]): RecordingSink {
  const rule = new PositionJumpRule();
  const sink = new RecordingSink();
  for (const f of fixes) rule.onFix(f, context(V), sink);
  return sink;
}

describe('position jump', () => {
  it('raises one alert for a fix 30 nm off the track, with implied speed, distance and time', () => {
    const fixes = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: 10 * SECOND, durationMs: 10 * MINUTE });
    const before = fixes[30];
    const far = offset(before.lat, before.lon, 30 * METRES_PER_NM, 0);
    const bad = fix(MMSI, before.time + 5 * SECOND, far.lat, far.lon, { sog: 10 });
    const sink = run([...fixes.slice(0, 31), bad, ...fixes.slice(31)]);
    expect(sink.raised).toHaveLength(1);
    const alert = sink.raised[0];
    expect(alert).toMatchObject({ type: 'position_jump', vessel: V, dedupeKey: `position_jump:${MMSI}:${bad.time}`, evidence: [before, bad] });
    expect(alert.details).toMatchObject({ distanceM: Math.round(30 * METRES_PER_NM), dtS: 5, identifier: MMSI });
    expect(Number(alert.details!.impliedSpeedKn)).toBeCloseTo((30 / 5) * 3600, -2);
  });

  it('closes the incident after 30 min of good fixes', () => {
    const fixes = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: MINUTE, durationMs: HOUR });
    const far = offset(fixes[5].lat, fixes[5].lon, 20_000, 180);
    const bad = fix(MMSI, fixes[5].time + 30 * SECOND, far.lat, far.lon);
    const sink = run([...fixes.slice(0, 6), bad, ...fixes.slice(6)]);
    expect(sink.resolved).toMatchObject([{ dedupeKey: `position_jump:${MMSI}:${bad.time}`, time: bad.time, details: { jumps: 1 } }]);
  });

  it('closes the incident of an identifier not heard again on the clock, 30 min after its last jump', () => {
    const fixes = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: MINUTE, durationMs: 5 * MINUTE });
    const far = offset(fixes[5].lat, fixes[5].lon, 20_000, 180);
    const bad = fix(MMSI, fixes[5].time + 30 * SECOND, far.lat, far.lon);
    const rule = new PositionJumpRule();
    const sink = new RecordingSink();
    for (const f of [...fixes, bad]) rule.onFix(f, context(V), sink);
    rule.onTick(bad.time + 29 * MINUTE, sink);
    expect(sink.resolved).toEqual([]);
    rule.onTick(bad.time + 31 * MINUTE, sink);
    expect(sink.resolved).toMatchObject([{ dedupeKey: `position_jump:${MMSI}:${bad.time}`, time: bad.time, details: { jumps: 1 } }]);
  });

  it('raises nothing for jumps another rule explains (a clone), and ends its incident going on at the last jump, saying why', () => {
    const fixes = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: MINUTE, durationMs: HOUR });
    const away = (i: number) => {
      const far = offset(fixes[i].lat, fixes[i].lon, 30 * METRES_PER_NM, 160);
      return fix(MMSI, fixes[i].time + 30 * SECOND, far.lat, far.lon);
    };
    let clone = false;
    const rule = new PositionJumpRule(undefined, (key) => clone && key === MMSI);
    const sink = new RecordingSink();
    const feed = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        rule.onFix(fixes[i], context(V), sink);
        if (i % 5 === 4) rule.onFix(away(i), context(V), sink);
      }
    };
    const incidents = () => [...new Set(sink.raised.map((r) => r.dedupeKey))];
    feed(0, 10); // two jumps: one incident, raised
    expect(incidents()).toEqual([`position_jump:${MMSI}:${away(4).time}`]);
    const raisedBefore = sink.raised.length;
    clone = true; // identity_clash has raised the clone
    feed(10, 30);
    expect(sink.raised).toHaveLength(raisedBefore);
    expect(sink.resolved).toMatchObject([{ dedupeKey: `position_jump:${MMSI}:${away(4).time}`, time: away(9).time, details: { jumps: 2, explainedBy: 'identity_clash' } }]);
    clone = false; // the clone ended: a jump is a jump again
    feed(30, 35);
    expect(incidents()).toEqual([`position_jump:${MMSI}:${away(4).time}`, `position_jump:${MMSI}:${away(34).time}`]);
  });

  it('ignores GNSS noise: hundreds of metres within a second or two', () => {
    const fixes = track(MMSI, { start: T0, ...SEA, sogKn: 0.3, bearingDeg: 0, intervalMs: 2 * SECOND, durationMs: 10 * MINUTE });
    const noisy = fixes.map((f, i) => (i % 7 === 3 ? { ...f, ...offset(f.lat, f.lon, 600, i * 47) } : f));
    expect(run(noisy).raised).toEqual([]);
  });

  it('follows a terminal whose reference fix was the bad one', () => {
    const far = offset(SEA.lat, SEA.lon, 50_000, 270);
    const real = track(MMSI, { start: T0 + MINUTE, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: MINUTE, durationMs: HOUR });
    const sink = run([fix(MMSI, T0, far.lat, far.lon), ...real]);
    expect(sink.raised).toHaveLength(1);
  });

  it('never fires for a physically possible track', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dtS: fc.integer({ min: 1, max: 600 }), sogKn: fc.double({ min: 0, max: 49, noNaN: true }), bearingDeg: fc.integer({ min: 0, max: 359 }) }), { minLength: 1, maxLength: 60 }),
        (legs) => {
          let { lat, lon } = SEA;
          let time = T0;
          const fixes = [fix(MMSI, time, lat, lon)];
          for (const leg of legs) {
            ({ lat, lon } = offset(lat, lon, (leg.sogKn * METRES_PER_NM * leg.dtS) / 3600, leg.bearingDeg));
            time += leg.dtS * SECOND;
            fixes.push(fix(MMSI, time, lat, lon, { sog: leg.sogKn }));
          }
          expect(run(fixes).raised).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('position jump across a restart', () => {
  it('jumps after the restart join the incident going on, which closes after 30 min of good fixes', () => {
    const fixes = track(MMSI, { start: T0, ...SEA, sogKn: 10, bearingDeg: 90, intervalMs: MINUTE, durationMs: HOUR });
    const jumpAt = (i: number) => {
      const far = offset(fixes[i].lat, fixes[i].lon, 20_000, 180);
      return fix(MMSI, fixes[i].time + 30 * SECOND, far.lat, far.lon);
    };
    const [first, second] = [jumpAt(5), jumpAt(15)];
    const sink = new RecordingSink();
    const before = new PositionJumpRule();
    for (const f of [...fixes.slice(0, 6), first, ...fixes.slice(6, 11)]) before.onFix(f, context(V), sink);
    const key = `position_jump:${MMSI}:${first.time}`;
    expect(sink.ongoing()).toEqual([key]);

    const restarted = sink.restartInto(new PositionJumpRule());
    for (const f of [...fixes.slice(11, 16), second, ...fixes.slice(16)]) restarted.onFix(f, context(V), sink);
    expect(sink.incidents()).toEqual([key]);
    expect(sink.resolved).toEqual([{ dedupeKey: key, time: second.time, details: { jumps: 2 } }]);
  });
});
