import { describe, expect, it } from 'vitest';
import type { BuoyObservation } from '../../core/records.js';
import { VARIABLES_BY_NAME } from '../../gateway/decoders/protobuf/variables.js';
import { BuoyThresholdRule, DEFAULT_BUOY_THRESHOLD_CONFIG } from '../../gateway/rules/buoy-threshold.js';
import { MINUTE, observation, RecordingSink, T0 } from './behaviour-support.js';

const BUOY = 'BUOY-RZ-001';
const DO = 'mass_concentration_of_oxygen_in_sea_water';
const HS = 'sea_surface_wave_significant_height';

/** A sample every 2 min (the simulated buoys' cadence) with the given values. */
function series(variable: string, unit: string, values: number[], extra: Partial<BuoyObservation> = {}): BuoyObservation[] {
  return values.map((v, i) => observation(BUOY, T0 + i * 2 * MINUTE, variable, v, unit, extra));
}

function run(observations: BuoyObservation[], rule = new BuoyThresholdRule()): RecordingSink {
  const sink = new RecordingSink();
  for (const o of observations) rule.onObservation(o, sink);
  return sink;
}

describe('buoy threshold', () => {
  it('uses the variable names and units the protobuf decoder emits', () => {
    for (const t of DEFAULT_BUOY_THRESHOLD_CONFIG.thresholds) expect(VARIABLES_BY_NAME.get(t.variable)?.unit).toBe(t.unit);
  });

  it('raises hypoxia after 10 min below 3 mg/L, keeps it through the hysteresis band, clears above 3.5 mg/L', () => {
    const values = [5, 4, 2.9, 2.7, 2.5, 2.4, 2.3, 2.2, 2.6, 3.1, 3.3, 2.9, 3.2, 3.6, 4];
    const obs = series(DO, 'mg L-1', values);
    const sink = run(obs);
    const key = `buoy_threshold:${BUOY}:${DO}:0:${obs[2].time}`;
    expect(sink.incidents()).toEqual([key]);
    expect(sink.raised[0]).toMatchObject({ type: 'buoy_threshold', device: BUOY, time: obs[2].time, details: { limit: 3, unit: 'mg L-1', direction: 'below' } });
    expect(sink.raised[0].evidence).toEqual([obs[2], obs[3], obs[4], obs[7]]);
    expect(sink.resolved).toEqual([{ dedupeKey: key, time: obs[13].time, details: { clearedValue: 3.6, extremeValue: 2.2 } }]);
  });

  it('does not raise for a dip shorter than the hold, nor on QC-failed or other-unit values', () => {
    expect(run(series(DO, 'mg L-1', [5, 2.5, 2.4, 2.6, 2.8, 3.0, 2.5, 2.5, 2.5, 2.5, 3.0])).raised).toEqual([]);
    expect(run(series(DO, 'mg L-1', Array(20).fill(0.5), { qc: 4 })).raised).toEqual([]);
    expect(run(series(DO, 'mg L-1', Array(20).fill(0.5), { qc: 9 })).raised).toEqual([]);
    expect(run(series(DO, 'umol L-1', Array(20).fill(0.5))).raised).toEqual([]);
    expect(run(series('sea_surface_temperature', 'degC', Array(20).fill(40))).raised).toEqual([]);
  });

  it('raises for waves above 4 m and judges each depth on its own', () => {
    const storm = series(HS, 'm', [3, 4.2, 4.5, 4.8, 5.1, 5.0, 4.7]);
    expect(run(storm).incidents()).toEqual([`buoy_threshold:${BUOY}:${HS}:0:${storm[1].time}`]);
    const shallow = series(DO, 'mg L-1', Array(8).fill(2), { depth: 2 });
    const deep = series(DO, 'mg L-1', Array(8).fill(6), { depth: 20 });
    const interleaved = shallow.flatMap((o, i) => [o, deep[i]]);
    expect(run(interleaved).incidents()).toEqual([`buoy_threshold:${BUOY}:${DO}:2:${T0}`]);
  });

  it('lets one buoy have its own limit', () => {
    const rule = new BuoyThresholdRule({
      ...DEFAULT_BUOY_THRESHOLD_CONFIG,
      thresholds: [...DEFAULT_BUOY_THRESHOLD_CONFIG.thresholds, { variable: DO, unit: 'mg L-1', direction: 'below', limit: 5, clearAt: 5.5, holdMs: 10 * MINUTE, severity: 'critical', deviceIds: [BUOY] }],
    });
    const sink = run(series(DO, 'mg L-1', Array(8).fill(4)), rule);
    expect(sink.raised[0]).toMatchObject({ severity: 'critical', details: { limit: 5 } });
    const other = new RecordingSink();
    for (const o of series(DO, 'mg L-1', Array(8).fill(4))) rule.onObservation({ ...o, deviceId: 'BUOY-RZ-002' }, other);
    expect(other.raised).toEqual([]);
  });
});

describe('buoy threshold across a restart', () => {
  it('a breach going on after the restart stays one alert, with its most extreme value, cleared past the hysteresis', () => {
    const obs = series(DO, 'mg L-1', [2.8, 2.5, 2.2, 2.6, 2.7, 2.6, 2.8, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 2.6, 2.7, 2.8, 2.9, 3.2, 3.6]);
    const restartAfter = 7;
    const sink = run(obs.slice(0, restartAfter));
    const key = `buoy_threshold:${BUOY}:${DO}:0:${T0}`;
    expect(sink.ongoing()).toEqual([key]);

    const restarted = sink.restartInto(new BuoyThresholdRule());
    // 18 min more below the limit: long enough to raise a new incident of its own.
    for (const o of obs.slice(restartAfter)) restarted.onObservation(o, sink);
    expect(sink.incidents()).toEqual([key]);
    expect(sink.raised.filter((r) => r.time > obs[restartAfter].time).length).toBeGreaterThan(0);
    expect(sink.resolved).toEqual([{ dedupeKey: key, time: obs[obs.length - 1].time, details: { clearedValue: 3.6, extremeValue: 2.2 } }]);
  });

  it('does not take over an alert whose variable has no threshold any more', () => {
    const rule = new BuoyThresholdRule({ ...DEFAULT_BUOY_THRESHOLD_CONFIG, thresholds: [{ variable: 'sea_surface_temperature', unit: 'degC', direction: 'above', limit: 28, clearAt: 27, holdMs: 10 * MINUTE, severity: 'warning' }] });
    const sink = run(series('sea_surface_temperature', 'degC', Array(8).fill(30)), rule);
    const [alert] = sink.alertsAtRestart();
    expect(alert).toMatchObject({ type: 'buoy_threshold', ongoing: true });
    expect(new BuoyThresholdRule().restore(alert)).toBe(false);
  });
});
