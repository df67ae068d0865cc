import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BuoyObservation, DeviceHealth, VesselFix } from '../../core/records.js';
import { StoreUnavailableError, trackLineOf, type ObservationRow, type SeriesStore, type TrackQuery } from '../../gateway/store/types.js';

/**
 * What every SeriesStore must do (gateway/store/types.ts). Each implementation's test file calls
 * storeContract with a function that opens an empty store; every test gets its own.
 *
 * Semantics pinned here: latestFixes picks each vessel's newest fix among the wanted sources and
 * vessels, then keeps it when it is inside the box and not older than `since`. A bbox whose
 * minLon > maxLon crosses the antimeridian. An empty `vessels` or `sources` list matches nothing.
 * Observation buckets are epoch-aligned [k·every, (k+1)·every), stamped with their start; only
 * observations in [from, to) that pass the qc filter count.
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

/** The bucketed form of an observation: what `observations` answers with `every`. */
function bucketRow(o: BuoyObservation, time: number, value: number, count: number): ObservationRow {
  return { time, variable: o.variable, value, unit: o.unit, depth: o.depth, sensorIndex: o.sensorIndex, count };
}

/** The raw form of an observation. */
function rawRow(o: BuoyObservation): ObservationRow {
  return { time: o.time, variable: o.variable, value: o.value, unit: o.unit, depth: o.depth, sensorIndex: o.sensorIndex, qc: o.qc };
}

const bySeries = (observations: BuoyObservation[]) =>
  [...observations].sort((a, b) => `${a.deviceId}|${a.variable}|${a.depth}|${a.sensorIndex}`.localeCompare(`${b.deviceId}|${b.variable}|${b.depth}|${b.sensorIndex}`));
const byDevice = <T extends { deviceId: string }>(items: T[]) => [...items].sort((a, b) => a.deviceId.localeCompare(b.deviceId));

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
      const line = await store.trackLine({ vessel: 'vessel:LU-RI-YU-60123', from: T0 - MIN, to: T0 + 10 * MIN });
      expect(line).toStrictEqual(trackLineOf([full, bare]));
      expect([line.sog[1], line.cog[1], line.suspect[0], line.suspect[1]]).toStrictEqual([Number.NaN, Number.NaN, 'position_jump', undefined]);
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

      /** track() gives `expected`, and trackLine() the same fixes as columns. */
      async function expectTrack(query: TrackQuery, expected: VesselFix[]): Promise<void> {
        await expect(store.track(query)).resolves.toStrictEqual(expected);
        await expect(store.trackLine(query)).resolves.toStrictEqual(trackLineOf(expected));
      }

      beforeEach(async () => {
        await store.write([...shuffled(fixes), fix('vessel:b', T0 + MIN), fix('vessel:b', T0 + 2 * MIN)]);
      });

      it('is the vessel’s fixes from every source, oldest first', async () => {
        await expectTrack({ vessel: 'vessel:a', from: T0 - MIN, to: T0 + 10 * MIN }, fixes);
      });

      it('covers [from, to): a fix at `from` is in, a fix at `to` is out', async () => {
        await expectTrack({ vessel: 'vessel:a', from: T0 + MIN, to: T0 + 4 * MIN }, fixes.slice(1, 4));
        await expectTrack({ vessel: 'vessel:a', from: T0 + MIN + 1, to: T0 + 4 * MIN + 1 }, fixes.slice(2, 5));
      });

      it('limit keeps the oldest', async () => {
        await expectTrack({ vessel: 'vessel:a', from: T0, to: T0 + 10 * MIN, limit: 2 }, fixes.slice(0, 2));
        await expectTrack({ vessel: 'vessel:a', from: T0, to: T0 + 10 * MIN, limit: 0 }, []);
      });

      it('is empty for an unknown vessel or an empty range', async () => {
        await expectTrack({ vessel: 'vessel:nobody', from: T0, to: T0 + 10 * MIN }, []);
        await expectTrack({ vessel: 'vessel:a', from: T0 + MIN, to: T0 + MIN }, []);
        await expectTrack({ vessel: 'vessel:a', from: T0 + 2 * MIN, to: T0 + MIN }, []);
      });
    });

    describe('fixesBetween', () => {
      // Two vessels interleaved in time, one tie at the same ms broken by source then key.
      const a = [0, 2, 4].map((m) => fix('vessel:a', T0 + m * MIN, { sog: m }));
      const b = [1, 2, 3].map((m) => fix('vessel:b', T0 + m * MIN, { sog: m, source: 'bds-rdss', key: 'bds:1' }));

      beforeEach(async () => {
        await store.write(shuffled([...a, ...b]));
      });

      it('is every vessel’s fixes in [from, to), by time, then source, then key', async () => {
        await expect(store.fixesBetween({ from: T0, to: T0 + 10 * MIN })).resolves.toStrictEqual([a[0], b[0], a[1], b[1], b[2], a[2]]);
        await expect(store.fixesBetween({ from: T0 + MIN, to: T0 + 3 * MIN })).resolves.toStrictEqual([b[0], a[1], b[1]]);
      });

      it('is empty for an empty range or one without fixes', async () => {
        await expect(store.fixesBetween({ from: T0 + MIN, to: T0 + MIN })).resolves.toStrictEqual([]);
        await expect(store.fixesBetween({ from: T0 + 20 * MIN, to: T0 + 30 * MIN })).resolves.toStrictEqual([]);
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

    it('round-trips a large batch (20,000 fixes of 50 vessels, written in no order) to the last bit', async () => {
      const vessels = Array.from({ length: 50 }, (_, v) => `vessel:${String(v).padStart(3, '0')}`);
      // Coordinates and speeds with every significant digit a double has (35 + i / 3e4 is no short decimal).
      const batch = vessels.flatMap((vessel, v) =>
        Array.from({ length: 400 }, (_, i) => fix(vessel, T0 + i * 1000 + v, { lat: 35 + i / 3e4, lon: 119 + v / 7, sog: i / 30, ...(i % 3 ? { cog: (i * 0.9) % 360 } : {}), rxTime: T0 + i * 1000 + 500 })),
      );
      await store.write(shuffled(batch));
      expect(await store.count('vessel-fix')).toBe(20_000);
      const latest = byVessel(await store.latestFixes());
      expect(latest).toHaveLength(50);
      expect(latest).toStrictEqual(batch.filter((_, i) => i % 400 === 399));
      const query = { vessel: 'vessel:017', from: T0, to: T0 + 400 * 1000 };
      await expect(store.track(query)).resolves.toStrictEqual(batch.slice(17 * 400, 18 * 400));
      await expect(store.trackLine(query)).resolves.toStrictEqual(trackLineOf(batch.slice(17 * 400, 18 * 400)));
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
      for (const f of [odd[0], odd[1], emptyDropped]) {
        await expect(store.track({ vessel: f.vessel as string, from: T0, to: T0 + 1 })).resolves.toStrictEqual([f]);
        await expect(store.trackLine({ vessel: f.vessel as string, from: T0, to: T0 + 1 })).resolves.toStrictEqual(trackLineOf([f]));
      }
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

    describe('observations', () => {
      // H is a whole hour (so a whole 10-minute bucket); series: a = surface sensor 0, b = 1.5 m,
      // c = surface sensor 1, wind = another variable.
      const H = T0 - 123;
      const BUCKET = 10 * MIN;
      const sst = (time: number, value: number, extra: Partial<BuoyObservation> = {}) => observation('BUOY-RZ-007', time, { value, ...extra });
      const a = [sst(H, 10), sst(H + 5 * MIN, 11), sst(H + BUCKET - 1, 12, { qc: 3 }), sst(H + BUCKET, 20), sst(H + 25 * MIN, 30, { qc: 4 })];
      const b = sst(H + MIN, 5.5, { variable: 'sea_water_temperature', depth: 1.5 });
      const c = sst(H + 2 * MIN, 7, { sensorIndex: 1 });
      const wind = sst(H + 3 * MIN, 3.5, { variable: 'wind_speed', unit: 'm s-1', qc: 2 });
      const other = observation('BUOY-RZ-008', H + MIN, { value: 99 });
      const range = { deviceId: 'BUOY-RZ-007', from: H, to: H + 30 * MIN };

      beforeEach(async () => {
        await store.write(shuffled([...a, b, c, wind, other]));
      });

      it('raw: every field intact, ordered by time, then variable, depth and sensor', async () => {
        await expect(store.observations(range)).resolves.toStrictEqual([a[0], b, c, wind, a[1], a[2], a[3], a[4]].map(rawRow));
      });

      it('raw: covers [from, to)', async () => {
        await expect(store.observations({ ...range, from: H + 5 * MIN, to: H + BUCKET })).resolves.toStrictEqual([a[1], a[2]].map(rawRow));
        await expect(store.observations({ ...range, from: H + BUCKET - 1, to: H + 25 * MIN + 1 })).resolves.toStrictEqual([a[2], a[3], a[4]].map(rawRow));
      });

      it('raw: variables, qc and limit filters', async () => {
        await expect(store.observations({ ...range, variables: ['wind_speed', 'sea_water_temperature', 'no_such_variable'] })).resolves.toStrictEqual([b, wind].map(rawRow));
        await expect(store.observations({ ...range, qc: [3, 4] })).resolves.toStrictEqual([a[2], a[4]].map(rawRow));
        await expect(store.observations({ ...range, variables: ['sea_surface_temperature'], qc: [1] })).resolves.toStrictEqual([a[0], c, a[1], a[3]].map(rawRow));
        await expect(store.observations({ ...range, limit: 5 })).resolves.toStrictEqual([a[0], b, c, wind, a[1]].map(rawRow));
      });

      it('is empty for an unknown device, an empty range, empty lists or limit 0', async () => {
        await expect(store.observations({ ...range, deviceId: 'BUOY-NOBODY' })).resolves.toStrictEqual([]);
        await expect(store.observations({ ...range, to: H })).resolves.toStrictEqual([]);
        await expect(store.observations({ ...range, from: H + MIN, to: H })).resolves.toStrictEqual([]);
        await expect(store.observations({ ...range, variables: [] })).resolves.toStrictEqual([]);
        await expect(store.observations({ ...range, qc: [] })).resolves.toStrictEqual([]);
        await expect(store.observations({ ...range, limit: 0 })).resolves.toStrictEqual([]);
        await expect(store.observations({ ...range, every: BUCKET, variables: [] })).resolves.toStrictEqual([]);
        await expect(store.observations({ ...range, every: BUCKET, from: H + 40 * MIN, to: H + 50 * MIN })).resolves.toStrictEqual([]);
      });

      it('bucketed: one row per series and bucket, stamped with the bucket start, for each fn', async () => {
        const expected = (surface: [number, number, number]) => [
          bucketRow(a[0], H, surface[0], 3),
          bucketRow(c, H, 7, 1),
          bucketRow(b, H, 5.5, 1),
          bucketRow(wind, H, 3.5, 1),
          bucketRow(a[3], H + BUCKET, surface[1], 1),
          bucketRow(a[4], H + 2 * BUCKET, surface[2], 1),
        ];
        await expect(store.observations({ ...range, every: BUCKET })).resolves.toStrictEqual(expected([11, 20, 30]));
        await expect(store.observations({ ...range, every: BUCKET, fn: 'mean' })).resolves.toStrictEqual(expected([11, 20, 30]));
        await expect(store.observations({ ...range, every: BUCKET, fn: 'min' })).resolves.toStrictEqual(expected([10, 20, 30]));
        await expect(store.observations({ ...range, every: BUCKET, fn: 'max' })).resolves.toStrictEqual(expected([12, 20, 30]));
        // The newest value of the bucket (H + 10 min − 1 ms), not the last written.
        await expect(store.observations({ ...range, every: BUCKET, fn: 'last' })).resolves.toStrictEqual(expected([12, 20, 30]));
      });

      it('bucketed: buckets are epoch-aligned and partial at the ends of [from, to); qc and variables apply before aggregating', async () => {
        // from inside the first bucket: the bucket keeps its start time and counts only what is in range.
        await expect(store.observations({ ...range, from: H + 5 * MIN, to: H + 25 * MIN, every: BUCKET })).resolves.toStrictEqual([
          bucketRow(a[1], H, 11.5, 2),
          bucketRow(a[3], H + BUCKET, 20, 1),
        ]);
        await expect(store.observations({ ...range, every: BUCKET, qc: [1], variables: ['sea_surface_temperature'] })).resolves.toStrictEqual([
          bucketRow(a[0], H, 10.5, 2),
          bucketRow(c, H, 7, 1),
          bucketRow(a[3], H + BUCKET, 20, 1),
        ]);
        // 7 minutes does not divide an hour: boundaries are multiples of 7 min since 1970, on both stores.
        const every = 7 * MIN;
        const bucketOf = (t: number) => Math.floor(t / every) * every;
        const rows = await store.observations({ ...range, every, variables: ['sea_surface_temperature'], fn: 'max' });
        const expected = new Map<string, ObservationRow>();
        for (const o of [...a, c]) {
          const key = `${bucketOf(o.time)}|${o.sensorIndex}`;
          const seen = expected.get(key);
          expected.set(key, bucketRow(o, bucketOf(o.time), Math.max(seen?.value ?? -Infinity, o.value), (seen?.count ?? 0) + 1));
        }
        expect(rows).toStrictEqual([...expected.values()].sort((x, y) => x.time - y.time || x.sensorIndex - y.sensorIndex));
      });

      it('bucketed: day buckets are UTC days; limit keeps the oldest buckets', async () => {
        const DAY = 86_400_000;
        const midnight = Math.floor(H / DAY) * DAY;
        const around = [midnight - DAY, midnight - 1, midnight, midnight + DAY - 1].map((t, i) => observation('BUOY-DAY', t, { value: 2 * i }));
        await store.write(around);
        await expect(store.observations({ deviceId: 'BUOY-DAY', from: midnight - DAY, to: midnight + DAY, every: DAY })).resolves.toStrictEqual([
          bucketRow(around[0], midnight - DAY, 1, 2),
          bucketRow(around[2], midnight, 5, 2),
        ]);
        await expect(store.observations({ ...range, every: BUCKET, limit: 5 })).resolves.toHaveLength(5);
        await expect(store.observations({ ...range, every: BUCKET, limit: 5 }).then((rows) => rows.map((r) => r.time))).resolves.toStrictEqual([H, H, H, H, H + BUCKET]);
      });

      it('refuses a bucket width that is not a positive whole number of milliseconds, as a caller error', async () => {
        for (const every of [0, -MIN, 1.5, Number.NaN]) {
          const error = await store.observations({ ...range, every }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(Error);
          expect(error).not.toBeInstanceOf(StoreUnavailableError);
          expect(String(error)).toMatch(/positive whole number of milliseconds/);
        }
      });

      it('latestObservations: the newest of each device × variable × depth × sensor, whatever the write order', async () => {
        await expect(store.latestObservations().then(bySeries)).resolves.toStrictEqual(bySeries([a[4], b, c, wind, other]));
        await expect(store.latestObservations({ deviceIds: ['BUOY-RZ-008', 'BUOY-NOBODY'] })).resolves.toStrictEqual([other]);
        await expect(store.latestObservations({ deviceIds: [] })).resolves.toStrictEqual([]);
        await expect(store.latestObservations({ since: H + 3 * MIN }).then(bySeries)).resolves.toStrictEqual(bySeries([a[4], wind]));
        // An older observation written later does not replace the newest.
        await store.write([sst(H - MIN, -1)]);
        await expect(store.latestObservations({ deviceIds: ['BUOY-RZ-007'], since: H + 20 * MIN })).resolves.toStrictEqual([a[4]]);
      });

      it('buoys: every device that sent observations, with its newest time', async () => {
        await store.write([health('BUOY-HEALTH-ONLY', H), fix('vessel:not-a-buoy', H)]);
        await expect(store.buoys().then(byDevice)).resolves.toStrictEqual([
          { deviceId: 'BUOY-RZ-007', lastTime: a[4].time },
          { deviceId: 'BUOY-RZ-008', lastTime: other.time },
        ]);
        await expect(store.buoys({ deviceIds: ['BUOY-RZ-008', 'BUOY-NOBODY'] })).resolves.toStrictEqual([{ deviceId: 'BUOY-RZ-008', lastTime: other.time }]);
        await expect(store.buoys({ deviceIds: [] })).resolves.toStrictEqual([]);
      });
    });

    it('observation queries on an empty store answer nothing', async () => {
      await expect(store.buoys()).resolves.toStrictEqual([]);
      await expect(store.latestObservations()).resolves.toStrictEqual([]);
      await expect(store.observations({ deviceId: 'BUOY-RZ-007', from: T0, to: T0 + MIN, every: MIN })).resolves.toStrictEqual([]);
    });

    it('stores query-injection attempts in device ids and variables literally and matches them exactly', async () => {
      const hostile = ['") |> drop()', 'x" or r.device != "', '" + "', '${device}', 'a\\b', '\\"', "' OR 1=1 --", "'; DROP TABLE observation; --", 'x") or (r.device =~ /.*/'];
      const observations = hostile.map((id, i) => observation(id, T0 + i, { variable: id, value: i }));
      const bystander = observation('BUOY-RZ-007', T0);
      await store.write([...observations, bystander]);
      for (const [i, o] of observations.entries()) {
        const query = { deviceId: o.deviceId, from: T0, to: T0 + 100 };
        await expect(store.observations(query)).resolves.toStrictEqual([rawRow(o)]);
        await expect(store.observations({ ...query, variables: [o.variable] })).resolves.toStrictEqual([rawRow(o)]);
        await expect(store.observations({ ...query, deviceId: 'BUOY-RZ-007', variables: [o.variable] })).resolves.toStrictEqual([]);
        await expect(store.observations({ ...query, every: MIN, fn: 'last' })).resolves.toStrictEqual([bucketRow(o, Math.floor(o.time / MIN) * MIN, i, 1)]);
        await expect(store.latestObservations({ deviceIds: [o.deviceId] })).resolves.toStrictEqual([o]);
        await expect(store.buoys({ deviceIds: [o.deviceId] })).resolves.toStrictEqual([{ deviceId: o.deviceId, lastTime: o.time }]);
      }
      await expect(store.buoys().then(byDevice)).resolves.toStrictEqual(byDevice([...observations, bystander].map((o) => ({ deviceId: o.deviceId, lastTime: o.time }))));
      expect(await store.count('buoy-observation')).toBe(hostile.length + 1);
    });

    it('ping resolves while the store is up', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
