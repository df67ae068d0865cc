import { describe, expect, it } from 'vitest';
import type { VesselFix } from '../../core/records.js';
import { BuoyThresholdRule, DEFAULT_BUOY_THRESHOLD_CONFIG } from '../../gateway/rules/buoy-threshold.js';
import { DeviceOfflineRule } from '../../gateway/rules/device-offline.js';
import { createRuleSet, loadBanCalendar, NOT_TAKEN_OVER, RESTORED_TYPES } from '../../gateway/rules/index.js';
import { LoiteringRule } from '../../gateway/rules/loitering.js';
import { context, HOUR, MINUTE, observation, RecordingSink, SEA, T0, track } from './behaviour-support.js';

/** The rule set's start after a restart (createRuleSet's `restore`), over the alerts the rules raised before it. */

const V = '鲁日渔60123';
const CARD = 'bds:0312345';
const BUOY = 'BUOY-RZ-001';
const SST = 'sea_surface_temperature';

const assemble = (only?: 'zones') => createRuleSet({ calendar: loadBanCalendar(undefined), visits: { arrived() {}, departed() {} }, ...(only ? { only } : {}) });

/** A vessel loitering at sea for 2.5 h from `start`: one ongoing alert. */
function loiter(sink: RecordingSink, start: number): VesselFix[] {
  const fixes = track(CARD, { start, ...SEA, sogKn: 1, bearingDeg: 30, intervalMs: 3 * MINUTE, durationMs: 150 * MINUTE });
  const rule = new LoiteringRule();
  for (const f of fixes) rule.onFix(f, context(V), sink);
  return fixes;
}

describe('rule set: taking over at start', () => {
  it('resolves an alert its rule cannot take over where it ended, saying the gateway restarted; takes over the rest', () => {
    const sink = new RecordingSink();
    // A sea-temperature threshold the bureau has since taken out of the settings, and a buoy offline.
    const sst = new BuoyThresholdRule({ ...DEFAULT_BUOY_THRESHOLD_CONFIG, thresholds: [{ variable: SST, unit: 'degC', direction: 'above', limit: 28, clearAt: 27, holdMs: 10 * MINUTE, severity: 'warning' }] });
    for (let i = 0; i < 8; i++) sst.onObservation(observation(BUOY, T0 + i * 2 * MINUTE, SST, 30, 'degC'), sink);
    const offline = new DeviceOfflineRule();
    offline.onObservation(observation('BUOY-RZ-002', T0, SST, 21, 'degC'), sink);
    offline.onTick(T0 + HOUR, sink);
    const atRestart = sink.alertsAtRestart();
    expect(atRestart.map((a) => a.type)).toEqual(['buoy_threshold', 'device_offline']);
    expect(atRestart.every((a) => RESTORED_TYPES.includes(a.type))).toBe(true);

    assemble().restore(atRestart, [], sink);
    const [orphan] = atRestart;
    expect(sink.resolved).toEqual([{ dedupeKey: orphan.dedupeKey, time: orphan.endTime, details: NOT_TAKEN_OVER }]);
    expect(sink.ongoing()).toEqual([atRestart[1].dedupeKey]);
  });

  it('of two alerts for one incident (a duplicate raised after a restart that lost the first), takes over the newer and resolves the older', () => {
    const sink = new RecordingSink();
    loiter(sink, T0 - 24 * HOUR);
    const fixes = loiter(sink, T0);
    // Oldest first, as the store lists them.
    const atRestart = sink.alertsAtRestart();
    const [older, newer] = atRestart;
    const assembled = assemble();
    assembled.restore(atRestart, [], sink);
    expect(sink.resolved).toEqual([{ dedupeKey: older.dedupeKey, time: older.endTime, details: NOT_TAKEN_OVER }]);

    // The newer goes on with the loitering rule of the set: it ends when the vessel steams off.
    const loitering = assembled.rules.fix.find((r) => r.name === 'loitering')!;
    const last = fixes[fixes.length - 1];
    for (const f of track(CARD, { start: last.time + 3 * MINUTE, lat: last.lat, lon: last.lon, sogKn: 9, bearingDeg: 270, intervalMs: 3 * MINUTE, durationMs: 6 * MINUTE })) loitering.onFix(f, context(V), sink);
    expect(sink.resolved.map((r) => [r.dedupeKey, r.time])).toEqual([
      [older.dedupeKey, older.endTime],
      [newer.dedupeKey, last.time],
    ]);
  });

  it('with the zone rules only (`rules replay --zone`), neither takes over nor ends the other rules’ incidents', () => {
    const sink = new RecordingSink();
    loiter(sink, T0);
    assemble('zones').restore(sink.alertsAtRestart(), [], sink);
    expect(sink.resolved).toEqual([]);
  });
});
