import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BuoyObservation, DeviceHealth, VesselFix } from '../../core/records.js';
import type { SeriesStore } from '../../gateway/store/types.js';

/**
 * What every SeriesStore must do (gateway/store/types.ts). Each implementation's test file calls
 * storeContract with a function that opens an empty store; every test gets its own.
 *
 * Semantics pinned here: latestFixes picks each vessel's newest fix among the wanted sources and
 * vessels, then keeps it when it is inside the box and not older than `since`. A bbox whose
 * minLon > maxLon crosses the antimeridian. An empty `vessels` or `sources` list matches nothing.
 */

export interface OpenedStore {
  store: SeriesStore;
  cleanup: () => Promise<void>;
}

/** Recent times (InfluxDB's latestFixes looks back 30 days by default), with milliseconds. */
const T0 = Math.floor(Date.now() / 3600_000) * 3600_000 - 24 * 3600_000 + 123;
const MIN = 60_000;

function fix(vessel: string, time: number, extra: Partial<VesselFix> = {}): VesselFix {
  return { kind: 'vessel-fix', source: 'ais', key: `key-of:${vessel}`, vessel, time, lat: 35.35, lon: 119.6, ...extra };
}

function observation(deviceId: string, time: number, extra: Partial<BuoyObservation> = {}): BuoyObservation {
  return { kind: 'buoy-observation', deviceId, time, variable: 'sea_surface_temperature', value: 17.25, unit: 'degC', depth: 0, sensorIndex: 0, qc: 1, ...extra };
}

function health(deviceId: string, time: number, extra: Partial<DeviceHealth> = {}): DeviceHealth {
  return { kind: 'device-health', deviceId, time, ...extra };
}

const byVessel = (fixes: VesselFix[]) => [...fixes].sort((a, b) => ((a.vessel as string) < (b.vessel as string) ? -1 : 1));

/** Deterministic shuffle (tests must not depend on write order, and must fail the same way twice). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 48271) % 2147483647;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export function storeContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`SeriesStore contract: ${name}`, () => {
    let store: SeriesStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('reads back what it wrote: every field and unit intact, optional fields absent (not null or 0)', async () => {
      const full = fix('vessel:LU-RI-YU-60123', T0, {
        source: 'ais',
        key: 'mmsi:412345678',
        lat: 35.123456789,
        lon: 119.987654321,
        sog: 8.2,
        cog: 92.5,
        heading: 93,
        navStatus: 7,
        station: 'rizhao-1',
        suspect: 'position_jump',
        rxTime: T0 + 450,
      });
      const bare: VesselFix = { kind: 'vessel-fix', source: 'bds-rdss', key: 'bds:4207733', vessel: 'vessel:LU-RI-YU-60123', time: T0 + MIN + 1, lat: -0.5, lon: -179.25 };
      await store.write([full, bare]);
      await expect(store.track({ vessel: 'vessel:LU-RI-YU-60123', from: T0 - MIN, to: T0 + 10 * MIN })).resolves.toStrictEqual([full, bare]);
      await expect(store.latestFixes()).resolves.toStrictEqual([bare]);
    });

    it('stores a fix without a vessel under its identifier key', async () => {
      const { vessel: _, ...unbound } = fix('unused', T0, { key: 'mmsi:412000001' });
      await store.write([unbound]);
      await expect(store.latestFixes()).resolves.toStrictEqual([{ ...unbound, vessel: 'mmsi:412000001' }]);
    });

    it('is idempotent: the same batch written twice is stored once', async () => {
      const batch = [
        fix('vessel:a', T0),
        fix('vessel:a', T0 + MIN, { sog: 3 }),
        fix('vessel:b', T0, { source: 'bds-rnss', key: 'bds:1' }),
        observation('BUOY-1', T0),
        observation('BUOY-1', T0, { variable: 'sea_water_temperature', depth: 5 }),
        observation('BUOY-1', T0, { variable: 'sea_water_temperature', depth: 5, sensorIndex: 1 }),
        health('BUOY-1', T0, { battery: 12.6 }),
      ];
      await store.write(batch);
      await store.write(batch);
      await store.write(shuffled(batch));
      expect(await store.count('vessel-fix')).toBe(3);
      expect(await store.count('buoy-observation')).toBe(3);
      expect(await store.count('device-health')).toBe(1);
      expect(await store.track({ vessel: 'vessel:a', from: T0, to: T0 + 2 * MIN })).toHaveLength(2);
    });

    it('the same time from two identifier keys of one vessel is two fixes', async () => {
      await store.write([fix('vessel:a', T0, { key: 'mmsi:1' }), fix('vessel:a', T0, { key: 'mmsi:2' })]);
      expect(await store.count('vessel-fix')).toBe(2);
    });

    it('latestFixes: one fix per vessel, the newest, whatever the write order', async () => {
      const fixes = ['vessel:a', 'vessel:b', 'vessel:c'].flatMap((v, i) => [0, 1, 2, 3].map((m) => fix(v, T0 + m * MIN + i, { lat: 35 + m / 100, sog: m })));
      const newest = fixes.filter((f) => f.sog === 3);
      // Newest first in one batch, older ones in a later batch: an older write never wins.
      await store.write(newest);
      await store.write(shuffled(fixes.filter((f) => f.sog !== 3)));
      expect(byVessel(await store.latestFixes())).toStrictEqual(newest);
    });

    it('latestFixes: the newest fix across sources; a field an older fix had stays missing', async () => {
      await store.write([
        fix('vessel:a', T0, { source: 'ais', key: 'mmsi:1', sog: 5, station: 'old' }),
        fix('vessel:a', T0 + MIN, { source: 'bds-rdss', key: 'bds:1' }),
        fix('vessel:b', T0, { sog: 5, cog: 90, navStatus: 0, station: 'old', suspect: 'position_jump', rxTime: T0 }),
        fix('vessel:b', T0 + MIN),
      ]);
      expect(byVessel(await store.latestFixes())).toStrictEqual([fix('vessel:a', T0 + MIN, { source: 'bds-rdss', key: 'bds:1' }), fix('vessel:b', T0 + MIN)]);
    });

    describe('latestFixes filters', () => {
      const inside = fix('vessel:inside', T0 + 5 * MIN, { lat: 35.2, lon: 119.5 });
      const movedOut = [fix('vessel:moved-out', T0, { lat: 35.2, lon: 119.5 }), fix('vessel:moved-out', T0 + 6 * MIN, { lat: 36.5, lon: 119.5 })];
      const old = fix('vessel:old', T0 - 60 * MIN, { lat: 35.3, lon: 119.7 });
      const rdss = [fix('vessel:two-sources', T0 + 2 * MIN, { source: 'bds-rdss', key: 'bds:9' }), fix('vessel:two-sources', T0 + 3 * MIN, { source: 'ais', key: 'mmsi:9' })];
      const all = [inside, ...movedOut, old, ...rdss];
      const box = [119, 35, 120, 36] as const;

      beforeEach(async () => {
        await store.write(shuffled(all));
      });

      it('bbox applies to the newest fix: a vessel that left the box is not in it', async () => {
        expect(byVessel(await store.latestFixes({ bbox: box }))).toStrictEqual([inside, old, rdss[1]]);
      });

      it('bbox edges are inclusive', async () => {
        expect(byVessel(await store.latestFixes({ bbox: [119.5, 35.2, 119.5, 35.2] }))).toStrictEqual([inside]);
      });

      it('since keeps vessels whose newest fix is at or after it', async () => {
        expect(byVessel(await store.latestFixes({ since: T0 + 5 * MIN }))).toStrictEqual([inside, movedOut[1]]);
        expect(byVessel(await store.latestFixes({ since: T0 }))).toStrictEqual([inside, movedOut[1], rdss[1]]);
      });

      it('sources choose which fixes count: the newest fix from those sources', async () => {
        expect(await store.latestFixes({ sources: ['bds-rdss'] })).toStrictEqual([rdss[0]]);
        expect(byVessel(await store.latestFixes({ sources: ['bds-rdss', 'bds-rnss'] }))).toStrictEqual([rdss[0]]);
        expect(await store.latestFixes({ sources: ['protobuf'] })).toStrictEqual([]);
      });

      it('vessels selects vessels; unknown ones are ignored', async () => {
        expect(byVessel(await store.latestFixes({ vessels: ['vessel:old', 'vessel:inside', 'vessel:nobody'] }))).toStrictEqual([inside, old]);
      });

      it('an empty vessels or sources list matches nothing', async () => {
        await expect(store.latestFixes({ vessels: [] })).resolves.toStrictEqual([]);
        await expect(store.latestFixes({ sources: [] })).resolves.toStrictEqual([]);
      });

      it('filters combine', async () => {
        expect(await store.latestFixes({ bbox: box, since: T0, sources: ['ais'], vessels: ['vessel:two-sources', 'vessel:old'] })).toStrictEqual([rdss[1]]);
      });
    });

    it('a bbox with minLon > maxLon crosses the antimeridian', async () => {
      const east = fix('vessel:east', T0, { lat: 1, lon: 179.5 });
      const west = fix('vessel:west', T0, { lat: -1, lon: -179.5 });
      const greenwich = fix('vessel:greenwich', T0, { lat: 0, lon: 0 });
      await store.write([east, west, greenwich]);
      expect(byVessel(await store.latestFixes({ bbox: [170, -10, -170, 10] }))).toStrictEqual([east, west]);
    });

    describe('track', () => {
      const fixes = [0, 1, 2, 3, 4, 5].map((m) => fix('vessel:a', T0 + m * MIN, { sog: m, source: m % 2 ? 'ais' : 'bds-rnss', key: m % 2 ? 'mmsi:1' : 'bds:1' }));

      beforeEach(async () => {
        await store.write([...shuffled(fixes), fix('vessel:b', T0 + MIN), fix('vessel:b', T0 + 2 * MIN)]);
      });

      it('is the vessel’s fixes from every source, oldest first', async () => {
        await expect(store.track({ vessel: 'vessel:a', from: T0 - MIN, to: T0 + 10 * MIN })).resolves.toStrictEqual(fixes);
      });

      it('covers [from, to): a fix at `from` is in, a fix at `to` is out', async () => {
        await expect(store.track({ vessel: 'vessel:a', from: T0 + MIN, to: T0 + 4 * MIN })).resolves.toStrictEqual(fixes.slice(1, 4));
        await expect(store.track({ vessel: 'vessel:a', from: T0 + MIN + 1, to: T0 + 4 * MIN + 1 })).resolves.toStrictEqual(fixes.slice(2, 5));
      });

      it('limit keeps the oldest', async () => {
        await expect(store.track({ vessel: 'vessel:a', from: T0, to: T0 + 10 * MIN, limit: 2 })).resolves.toStrictEqual(fixes.slice(0, 2));
        await expect(store.track({ vessel: 'vessel:a', from: T0, to: T0 + 10 * MIN, limit: 0 })).resolves.toStrictEqual([]);
      });

      it('is empty for an unknown vessel or an empty range', async () => {
        await expect(store.track({ vessel: 'vessel:nobody', from: T0, to: T0 + 10 * MIN })).resolves.toStrictEqual([]);
        await expect(store.track({ vessel: 'vessel:a', from: T0 + MIN, to: T0 + MIN })).resolves.toStrictEqual([]);
        await expect(store.track({ vessel: 'vessel:a', from: T0 + 2 * MIN, to: T0 + MIN })).resolves.toStrictEqual([]);
      });
    });

    it('stores observations and health, a health report without values included', async () => {
      await store.write([
        observation('BUOY-RZ-007', T0),
        observation('BUOY-RZ-007', T0 + MIN),
        observation('BUOY-RZ-007', T0, { variable: 'sea_water_salinity', value: 31.2, unit: '1e-3', depth: 1.5, qc: 3 }),
        health('BUOY-RZ-007', T0, { battery: 12.6, internalTemperature: 21.5, rssi: -71, firmwareBuild: 1042, uptime: 86_400 }),
        health('BUOY-RZ-007', T0 + MIN),
      ]);
      expect(await store.count('buoy-observation')).toBe(3);
      expect(await store.count('device-health')).toBe(2);
      expect(await store.count('vessel-fix')).toBe(0);
    });

    it('an empty batch is fine', async () => {
      await store.write([]);
      expect(await store.count('vessel-fix')).toBe(0);
    });

    it('round-trips a large batch (20,000 fixes of 50 vessels)', async () => {
      const vessels = Array.from({ length: 50 }, (_, v) => `vessel:${String(v).padStart(3, '0')}`);
      const batch = vessels.flatMap((vessel, v) => Array.from({ length: 400 }, (_, i) => fix(vessel, T0 + i * 1000 + v, { lat: 35 + i / 1e4, lon: 119 + v / 100, sog: i / 10, rxTime: T0 + i * 1000 + 500 })));
      await store.write(batch);
      expect(await store.count('vessel-fix')).toBe(20_000);
      const latest = byVessel(await store.latestFixes());
      expect(latest).toHaveLength(50);
      expect(latest).toStrictEqual(batch.filter((_, i) => i % 400 === 399));
      await expect(store.track({ vessel: 'vessel:017', from: T0, to: T0 + 400 * 1000 })).resolves.toStrictEqual(batch.slice(17 * 400, 18 * 400));
    });

    it('keeps unicode, commas, quotes, spaces and equals signs in ids and string fields; an empty string field is absent', async () => {
      const odd = [
        fix('vessel:鲁日渔60123', T0, { key: 'bds:鲁日渔 60123', station: '日照 东港, "1号" 站 = main\\', suspect: 'position_jump, 12.5 km "fast" \\ a=b' }),
        fix('vessel:a b,c=d"e', T0, { key: 'mmsi:1 2,3=4', station: ' leading and trailing ', suspect: "it's" }),
        fix('vessel:emoji 🚢', T0, { station: '🚢', suspect: '' }),
      ];
      const { suspect: _, ...emptyDropped } = odd[2];
      await store.write(odd);
      expect(byVessel(await store.latestFixes())).toStrictEqual(byVessel([odd[0], odd[1], emptyDropped]));
      for (const f of [odd[0], odd[1], emptyDropped]) await expect(store.track({ vessel: f.vessel as string, from: T0, to: T0 + 1 })).resolves.toStrictEqual([f]);
      await expect(store.latestFixes({ vessels: ['vessel:鲁日渔60123'] })).resolves.toStrictEqual([odd[0]]);
    });

    it('stores query-injection attempts in ids literally and matches them exactly', async () => {
      const hostile = ['") |> drop()', 'x" or r.vessel != "', '" + "', '${vessel}', 'a\\b', '\\"', "'; DROP TABLE fix; --", 'x") or (r.vessel =~ /.*/'];
      const fixes = hostile.map((vessel, i) => fix(vessel, T0 + i, { key: vessel, station: vessel, suspect: vessel }));
      const bystander = fix('vessel:bystander', T0);
      await store.write([...fixes, bystander]);
      expect(byVessel(await store.latestFixes())).toStrictEqual(byVessel([...fixes, bystander]));
      for (const f of fixes) {
        await expect(store.track({ vessel: f.vessel as string, from: T0, to: T0 + 100 })).resolves.toStrictEqual([f]);
        await expect(store.latestFixes({ vessels: [f.vessel as string] })).resolves.toStrictEqual([f]);
      }
      expect(await store.count('vessel-fix')).toBe(hostile.length + 1);
    });

    it('ping resolves while the store is up', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
