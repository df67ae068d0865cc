import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertChange, AlertRaise } from '../../gateway/alerts/model.js';
import { AlertStore, AlertTransitionError, EVIDENCE_KEPT } from '../../gateway/alerts/store.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';
import { fix } from './fixtures.js';

const T0 = Date.parse('2026-06-01T02:00:00Z');
const MIN = 60_000;

const inZone = (time: number, extra: Partial<AlertRaise> = {}): AlertRaise => ({
  type: 'zone_enter',
  severity: 'warning',
  dedupeKey: 'zone_enter:1:鲁日渔60123',
  vessel: '鲁日渔60123',
  time,
  evidence: [fix(time)],
  ...extra,
});

describe('AlertStore', () => {
  let db: ConfigDb;
  let clock: number;
  let alerts: AlertStore;
  beforeEach(() => {
    db = openConfigDbFile(':memory:');
    clock = T0 + 1000;
    alerts = new AlertStore(db, () => clock);
  });
  afterEach(() => db.close());

  it('raises an alert with its evidence', () => {
    const { alert, created } = alerts.raise(inZone(T0, { details: { distanceM: 120 } }));
    expect(created).toBe(true);
    expect(alert).toMatchObject({ id: 1, type: 'zone_enter', severity: 'warning', status: 'open', vessel: '鲁日渔60123', startTime: T0, endTime: T0, ongoing: true, occurrences: 1, evidenceCount: 1, details: { distanceM: 120 }, createdAt: T0 + 1000 });
    expect(alerts.get(alert.id)?.evidence).toEqual([fix(T0)]);
  });

  it('merges a repeat of the same condition instead of repeating it', () => {
    alerts.raise(inZone(T0));
    const later = alerts.raise(inZone(T0 + 5 * MIN, { severity: 'critical', details: { insideMin: 5 } }));
    const earlier = alerts.raise(inZone(T0 - MIN, { severity: 'info' }));
    expect(later.created).toBe(false);
    expect(earlier.alert).toMatchObject({ id: 1, startTime: T0 - MIN, endTime: T0 + 5 * MIN, occurrences: 3, severity: 'critical', details: { insideMin: 5 }, evidenceCount: 3 });
    expect(alerts.raise(inZone(T0, { dedupeKey: 'zone_enter:2:鲁日渔60123' })).alert.id).toBe(2);
    expect(alerts.list({ limit: 10 }).alerts).toHaveLength(2);
  });

  it(`keeps the first and last ${EVIDENCE_KEPT} evidence records`, () => {
    for (let i = 0; i < 30; i++) alerts.raise(inZone(T0 + i * MIN));
    const a = alerts.get(1);
    expect(a?.evidenceCount).toBe(30);
    expect(a?.evidence.map((e) => (e.time - T0) / MIN)).toEqual([...Array(10).keys(), ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
    // Many records in one raise are trimmed the same way.
    const big = alerts.raise(inZone(T0, { dedupeKey: 'dark:x', evidence: Array.from({ length: 25 }, (_, i) => fix(T0 + i)) })).alert;
    expect(alerts.get(big.id)?.evidence).toHaveLength(2 * EVIDENCE_KEPT);
  });

  it('a resolved condition ends the alert; the next detection opens a new one', () => {
    const first = alerts.raise(inZone(T0, { type: 'dark', dedupeKey: 'dark:鲁日渔60123' })).alert;
    const resolved = alerts.resolve('dark:鲁日渔60123', T0 + 3 * 3_600_000);
    expect(resolved).toMatchObject({ id: first.id, ongoing: false, endTime: T0 + 3 * 3_600_000, status: 'open' });
    expect(alerts.resolve('dark:鲁日渔60123', T0)).toBeUndefined();
    expect(alerts.raise(inZone(T0 + 5 * 3_600_000, { type: 'dark', dedupeKey: 'dark:鲁日渔60123' })).created).toBe(true);
  });

  it('acknowledge and close record who and when; invalid transitions are refused with a reason', () => {
    const { alert } = alerts.raise(inZone(T0));
    clock = T0 + 10 * MIN;
    expect(alerts.acknowledge(alert.id, '王科长', '已联系船长')).toMatchObject({ status: 'acknowledged', acknowledged: { by: '王科长', at: T0 + 10 * MIN, note: '已联系船长' }, ongoing: true });
    expect(() => alerts.acknowledge(alert.id, 'someone')).toThrow(AlertTransitionError);
    expect(() => alerts.acknowledge(alert.id, 'someone')).toThrow('alert 1 is already acknowledged by 王科长 at 2026-06-01T02:10:00.000Z; only an open alert can be acknowledged');
    // An acknowledged alert still absorbs detections.
    expect(alerts.raise(inZone(T0 + 11 * MIN)).alert).toMatchObject({ id: 1, status: 'acknowledged', occurrences: 2 });
    clock = T0 + 20 * MIN;
    expect(alerts.close(alert.id, '李主任')).toMatchObject({ status: 'closed', closed: { by: '李主任', at: T0 + 20 * MIN }, ongoing: false });
    expect(() => alerts.close(alert.id, 'x')).toThrow(/already closed by 李主任 at .*; it cannot be closed again/);
    expect(() => alerts.acknowledge(alert.id, 'x')).toThrow(/already closed/);
    // Closed means closed: the same condition again is a new alert.
    expect(alerts.raise(inZone(T0 + 21 * MIN)).alert.id).toBe(2);
    // An open alert may be closed directly (a false alarm).
    expect(alerts.close(2, '李主任', '误报')).toMatchObject({ status: 'closed', closed: { note: '误报' } });
    expect(alerts.acknowledge(99, 'x')).toBeUndefined();
    expect(alerts.close(99, 'x')).toBeUndefined();
  });

  it('lists by type, status, either vessel, device, zone and time, newest first, a page at a time', () => {
    const H = 3_600_000;
    alerts.raise(inZone(T0, { zoneId: undefined })); // 1
    alerts.raise({ type: 'encounter', severity: 'warning', dedupeKey: 'enc:a:b', vessel: '鲁日渔60001', otherVessel: '鲁日渔60123', time: T0 + H, evidence: [] }); // 2
    alerts.raise({ type: 'buoy_threshold', severity: 'critical', dedupeKey: 'do:BUOY-RZ-007', device: 'BUOY-RZ-007', time: T0 + 2 * H, evidence: [] }); // 3
    alerts.raise({ type: 'dark', severity: 'info', dedupeKey: 'dark:鲁日渔60777', vessel: '鲁日渔60777', time: T0 + 3 * H, evidence: [] }); // 4
    alerts.acknowledge(2, 'x');
    const ids = (f: Parameters<AlertStore['list']>[0]) => alerts.list(f).alerts.map((a) => a.id);
    expect(ids({ limit: 10 })).toEqual([4, 3, 2, 1]);
    expect(ids({ limit: 10, types: ['dark', 'encounter'] })).toEqual([4, 2]);
    expect(ids({ limit: 10, statuses: ['acknowledged'] })).toEqual([2]);
    expect(ids({ limit: 10, vessel: '鲁日渔60123' })).toEqual([2, 1]);
    expect(ids({ limit: 10, device: 'BUOY-RZ-007' })).toEqual([3]);
    expect(ids({ limit: 10, from: T0 + H, to: T0 + 2 * H })).toEqual([3, 2]);
    expect(ids({ limit: 10, from: T0 + 4 * H })).toEqual([]);

    const first = alerts.list({ limit: 3 });
    expect(first.alerts.map((a) => a.id)).toEqual([4, 3, 2]);
    expect(first.next).toBe(2);
    const second = alerts.list({ limit: 3, after: first.next });
    expect(second).toEqual({ alerts: [expect.objectContaining({ id: 1 })] });
  });

  it('filters by zone', () => {
    db.prepare('INSERT INTO zone (id) VALUES (7)').run();
    alerts.raise(inZone(T0, { zoneId: 7, zoneVersion: 2 }));
    alerts.raise(inZone(T0, { dedupeKey: 'other' }));
    expect(alerts.list({ limit: 10, zoneId: 7 }).alerts).toEqual([expect.objectContaining({ id: 1, zoneId: 7, zoneVersion: 2 })]);
  });

  it('tells listeners every change, in order', () => {
    const seen: string[] = [];
    alerts.onChange(() => {
      throw new Error('listener bug');
    });
    alerts.onChange((c: AlertChange) => seen.push(`${c.change} ${c.alert.id} ${c.alert.status}`));
    alerts.raise(inZone(T0));
    alerts.raise(inZone(T0 + MIN));
    alerts.acknowledge(1, 'x');
    alerts.resolve('zone_enter:1:鲁日渔60123', T0 + 2 * MIN);
    alerts.close(1, 'x');
    expect(seen).toEqual(['raised 1 open', 'updated 1 open', 'acknowledged 1 acknowledged', 'resolved 1 acknowledged', 'closed 1 closed']);
  });

  describe('batch', () => {
    const other = (time: number) => inZone(time, { dedupeKey: 'zone_enter:1:鲁日渔60555', vessel: '鲁日渔60555' });

    it('stores every change of its work in one commit and tells listeners after it, in order', () => {
      const seen: string[] = [];
      const commitsSeen: number[] = [];
      alerts.onChange((c: AlertChange) => {
        seen.push(`${c.change} ${c.alert.id}`);
        commitsSeen.push(db.inTransaction ? 0 : 1);
      });
      const result = alerts.batch(() => {
        alerts.raise(inZone(T0));
        alerts.batch(() => alerts.raise(other(T0))); // nested: part of the same transaction
        alerts.resolve('zone_enter:1:鲁日渔60123', T0 + MIN);
        expect(db.inTransaction).toBe(true);
        expect(seen).toEqual([]);
        return 'done';
      });
      expect(result).toBe('done');
      expect(seen).toEqual(['raised 1', 'raised 2', 'resolved 1']);
      expect(commitsSeen).toEqual([1, 1, 1]);
      expect(alerts.list({ limit: 10 }).alerts.map((a) => [a.id, a.ongoing])).toEqual([
        [2, true],
        [1, false],
      ]);
    });

    it('stores and tells nothing when its work throws; a failure caught inside undoes only its own raise', () => {
      const seen: string[] = [];
      alerts.onChange((c: AlertChange) => seen.push(`${c.change} ${c.alert.id}`));
      expect(() =>
        alerts.batch(() => {
          alerts.raise(inZone(T0));
          throw new Error('a rule failed');
        }),
      ).toThrow('a rule failed');
      expect(seen).toEqual([]);
      expect(alerts.list({ limit: 10 }).alerts).toEqual([]);

      // Evidence JSON cannot hold fails after the alert row is written: that raise is rolled back alone.
      const unstorable = { ...other(T0), evidence: [{ ...fix(T0), extra: 1n }] } as unknown as AlertRaise;
      alerts.batch(() => {
        alerts.raise(inZone(T0));
        expect(() => alerts.raise(unstorable)).toThrow(TypeError);
        alerts.raise(inZone(T0 + MIN));
      });
      expect(seen).toEqual(['raised 1', 'updated 1']);
      expect(alerts.list({ limit: 10 }).alerts.map((a) => [a.id, a.vessel, a.occurrences])).toEqual([[1, '鲁日渔60123', 2]]);
    });
  });

  it('merges how a condition ended into its details, and remembers every dedupe key ever used', () => {
    alerts.raise(inZone(T0, { details: { zoneName: '禁渔区' } }));
    alerts.raise(inZone(T0, { type: 'ban_at_sea', dedupeKey: 'ban_at_sea:鲁日渔60123:1' }));
    expect(alerts.ongoing(['zone_enter']).map((a) => a.dedupeKey)).toEqual(['zone_enter:1:鲁日渔60123']);
    expect(alerts.resolve('zone_enter:1:鲁日渔60123', T0 + MIN, { ended: 'exited', exitDistanceM: 240 })?.details).toEqual({ zoneName: '禁渔区', ended: 'exited', exitDistanceM: 240 });
    expect(alerts.ongoing(['zone_enter', 'ban_at_sea']).map((a) => a.type)).toEqual(['ban_at_sea']);
    expect(alerts.hasDedupeKey('zone_enter:1:鲁日渔60123')).toBe(true);
    expect(alerts.hasDedupeKey('zone_enter:2:鲁日渔60123')).toBe(false);
  });
});
