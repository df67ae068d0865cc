import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buoyRoutes, MAX_ROWS } from '../../api/routes/buoys.js';
import { errorMiddleware } from '../../api/errors.js';
import { silentLogger } from '../../core/log.js';
import type { BuoyObservation } from '../../core/records.js';
import { EmbeddedSeriesStore } from '../../gateway/store/embedded.js';
import { ensureDatabase, InfluxSeriesStore } from '../../gateway/store/influx.js';
import type { SeriesStore } from '../../gateway/store/types.js';
import { startInfluxDb, type InfluxHandle } from '../support/influxdb.js';

/**
 * GET /api/v1/buoys and /api/v1/buoys/:id/observations over HTTP, against a real embedded store
 * and a real InfluxDB 1.8: the routes alone in a Koa app with the shared error middleware (the
 * lead wires them into api/server.ts behind the reader roles).
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A whole hour three hours ago: inside the default 24 h range and the list's 30-day lookback. */
const H = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

function observation(deviceId: string, time: number, value: number, extra: Partial<BuoyObservation> = {}): BuoyObservation {
  return { kind: 'buoy-observation', deviceId, time, variable: 'sea_surface_temperature', value, unit: 'degC', depth: 0, sensorIndex: 0, qc: 1, ...extra };
}

const BUOY = 'BUOY-RZ-007';
const DATA: BuoyObservation[] = [
  observation(BUOY, H, 10),
  observation(BUOY, H + 5 * MIN, 11),
  observation(BUOY, H + 9 * MIN, 12, { qc: 3 }),
  observation(BUOY, H + 10 * MIN, 20),
  observation(BUOY, H + 25 * MIN, 30, { qc: 4 }),
  observation(BUOY, H + MIN, 5.5, { variable: 'sea_water_temperature', depth: 1.5 }),
  observation(BUOY, H + 3 * MIN, 3.5, { variable: 'wind_speed', unit: 'm s-1', qc: 2 }),
  observation(BUOY, H + 4 * MIN, 12.6, { variable: 'battery_voltage', unit: 'V', qc: 2 }),
  // Outside the default range (the last 24 h).
  observation(BUOY, H - 25 * HOUR, 1),
  // Silent for 40 days: listed, without latest values.
  observation('BUOY-RZ-OLD', Date.now() - 40 * DAY, 8),
];
const RANGE = `from=${iso(H)}&to=${iso(H + 30 * MIN)}`;

interface Served {
  url: string;
  close: () => Promise<void>;
}

async function serve(store: SeriesStore): Promise<Served> {
  const app = new Koa();
  app.use(errorMiddleware(silentLogger));
  const router = buoyRoutes({ store });
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Records what the routes ask the store, to show input arrives as data, unaltered. */
function recording(store: SeriesStore, calls: { method: string; query: unknown }[]): SeriesStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), query: args[0] });
        return member.apply(target, args);
      };
    },
  });
}

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') rows.push([...row, field]), (row = []), (field = ''), i++;
    else field += ch;
  }
  return rows;
}

type Json = Record<string, unknown> & { observations: Record<string, unknown>[]; error: { code: string; message: string; parameter?: string } };

async function get(served: Served, path: string, headers: Record<string, string> = { accept: 'application/json' }) {
  const response = await fetch(`${served.url}${path}`, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Json };
}

const observationsOf = (served: Served, query: string, id = BUOY) => get(served, `/api/v1/buoys/${encodeURIComponent(id)}/observations?${query}`);

describe('buoy API on the embedded store', () => {
  let dir: string;
  let store: EmbeddedSeriesStore;
  let served: Served;
  const calls: { method: string; query: unknown }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidewatch-buoys-'));
    store = new EmbeddedSeriesStore(join(dir, 'series.db'));
    await store.write(DATA);
    served = await serve(recording(store, calls));
  });
  afterAll(async () => {
    await served?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists buoys with their last report and the latest value of each series, with unit, CF standard name and label', async () => {
    const body = (await get(served, '/api/v1/buoys')).json();
    expect(body.units).toMatchObject({ depth: expect.stringMatching(/^m\b/) });
    expect(body.buoys).toStrictEqual([
      {
        id: BUOY,
        lastReport: iso(H + 25 * MIN),
        latest: [
          { variable: 'battery_voltage', cfStandardName: null, label: 'Battery voltage', value: 12.6, unit: 'V', depth: 0, sensorIndex: 0, time: iso(H + 4 * MIN), qc: 2 },
          { variable: 'sea_surface_temperature', cfStandardName: 'sea_surface_temperature', label: 'Sea surface temperature', value: 30, unit: 'degC', depth: 0, sensorIndex: 0, time: iso(H + 25 * MIN), qc: 4 },
          { variable: 'sea_water_temperature', cfStandardName: 'sea_water_temperature', label: 'Water temperature', value: 5.5, unit: 'degC', depth: 1.5, sensorIndex: 0, time: iso(H + MIN), qc: 1 },
          { variable: 'wind_speed', cfStandardName: 'wind_speed', label: 'Wind speed', value: 3.5, unit: 'm s-1', depth: 0, sensorIndex: 0, time: iso(H + 3 * MIN), qc: 2 },
        ],
      },
      { id: 'BUOY-RZ-OLD', lastReport: iso(DATA[9].time), latest: [] },
    ]);
  });

  it('serves raw observations as JSON with the metadata of each variable', async () => {
    const response = await observationsOf(served, RANGE);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = response.json();
    expect(body).toMatchObject({ buoy: BUOY, from: iso(H), to: iso(H + 30 * MIN) });
    expect(body.every).toBeUndefined();
    expect(body.variables).toStrictEqual({
      battery_voltage: { cfStandardName: null, unit: 'V', label: 'Battery voltage' },
      sea_surface_temperature: { cfStandardName: 'sea_surface_temperature', unit: 'degC', label: 'Sea surface temperature' },
      sea_water_temperature: { cfStandardName: 'sea_water_temperature', unit: 'degC', label: 'Water temperature' },
      wind_speed: { cfStandardName: 'wind_speed', unit: 'm s-1', label: 'Wind speed' },
    });
    expect(body.observations.slice(0, 3)).toStrictEqual([
      { time: iso(H), variable: 'sea_surface_temperature', value: 10, depth: 0, sensorIndex: 0, qc: 1 },
      { time: iso(H + MIN), variable: 'sea_water_temperature', value: 5.5, depth: 1.5, sensorIndex: 0, qc: 1 },
      { time: iso(H + 3 * MIN), variable: 'wind_speed', value: 3.5, depth: 0, sensorIndex: 0, qc: 2 },
    ]);
    expect(body.observations).toHaveLength(8);
  });

  it('defaults to the last 24 hours', async () => {
    const before = Date.now();
    const body = (await observationsOf(served, 'variables=sea_surface_temperature')).json();
    const [from, to] = [Date.parse(body.from as string), Date.parse(body.to as string)];
    expect(to).toBeGreaterThanOrEqual(before - 1000);
    expect(to - from).toBe(DAY);
    expect(body.observations.map((o) => o.value)).toStrictEqual([10, 11, 12, 20, 30]);
  });

  it('filters by variables and qc flags; metadata lists the variables asked for', async () => {
    const body = (await observationsOf(served, `${RANGE}&variables=wind_speed,sea_water_temperature&qc=1,2`)).json();
    expect(Object.keys(body.variables as object)).toStrictEqual(['wind_speed', 'sea_water_temperature']);
    expect(body.qc).toStrictEqual([1, 2]);
    expect(body.observations.map((o) => o.variable)).toStrictEqual(['sea_water_temperature', 'wind_speed']);
    const flagged = (await observationsOf(served, `${RANGE}&qc=3,4`)).json();
    expect(flagged.observations.map((o) => [o.value, o.qc])).toStrictEqual([
      [12, 3],
      [30, 4],
    ]);
  });

  it('buckets with each fn: epoch-aligned buckets stamped with their start, with counts; qc applies before aggregating', async () => {
    const surface = (fn: string, qc = '') => observationsOf(served, `${RANGE}&variables=sea_surface_temperature&every=10m${fn ? `&fn=${fn}` : ''}${qc}`).then((r) => r.json());
    const rows = (body: Json) => body.observations.map((o) => [o.time, o.value, o.count]);
    const expected = (first: number) => [
      [iso(H), first, 3],
      [iso(H + 10 * MIN), 20, 1],
      [iso(H + 20 * MIN), 30, 1],
    ];
    const mean = await surface('');
    expect(mean).toMatchObject({ every: '10m', fn: 'mean' });
    expect(mean.observations[0]).toStrictEqual({ time: iso(H), variable: 'sea_surface_temperature', value: 11, depth: 0, sensorIndex: 0, count: 3 });
    expect(rows(mean)).toStrictEqual(expected(11));
    expect(rows(await surface('min'))).toStrictEqual(expected(10));
    expect(rows(await surface('max'))).toStrictEqual(expected(12));
    expect(rows(await surface('last'))).toStrictEqual(expected(12));
    expect(rows(await surface('mean', '&qc=1'))).toStrictEqual([
      [iso(H), 10.5, 2],
      [iso(H + 10 * MIN), 20, 1],
    ]);
    // A range starting inside a bucket: the bucket keeps its start and counts what is in range.
    const partial = (await observationsOf(served, `from=${iso(H + 5 * MIN)}&to=${iso(H + 30 * MIN)}&variables=sea_surface_temperature&every=1h`)).json();
    expect(rows(partial)).toStrictEqual([[iso(H), (11 + 12 + 20 + 30) / 4, 4]]);
  });

  it('serves CSV for ?format=csv and Accept: text/csv: long format, units in the header and a unit column, as an attachment', async () => {
    const viaQuery = await observationsOf(served, `${RANGE}&format=csv`);
    const viaAccept = await get(served, `/api/v1/buoys/${BUOY}/observations?${RANGE}`, { accept: 'text/csv' });
    for (const response of [viaQuery, viaAccept]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="BUOY-RZ-007_${iso(H).slice(0, 13).replace(/-/g, '')}0000Z_${iso(H + 30 * MIN).slice(0, 13).replace(/-/g, '')}3000Z.csv"`);
    }
    expect(viaAccept.text).toBe(viaQuery.text);
    const [header, ...rows] = parseCsv(viaQuery.text);
    expect(header).toStrictEqual(['time (UTC)', 'variable', 'value', 'unit', 'depth (m)', 'sensorIndex', 'qc']);
    const json = (await observationsOf(served, RANGE)).json();
    const units = json.variables as Record<string, { unit: string }>;
    expect(rows).toStrictEqual(json.observations.map((o) => [o.time, o.variable, String(o.value), units[o.variable as string].unit, String(o.depth), String(o.sensorIndex), String(o.qc)]));

    // What curl, fetch and browsers send by default is answered with JSON.
    for (const accept of ['*/*', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8']) {
      expect((await get(served, `/api/v1/buoys/${BUOY}/observations?${RANGE}`, { accept })).headers.get('content-type')).toMatch(/^application\/json/);
    }

    const bucketed = await observationsOf(served, `${RANGE}&every=30m&fn=max&format=csv`);
    expect(bucketed.headers.get('content-disposition')).toMatch(/_30m_max\.csv"$/);
    const [bucketHeader, ...buckets] = parseCsv(bucketed.text);
    expect(bucketHeader.at(-1)).toBe('count');
    expect(buckets).toContainEqual([iso(H), 'sea_surface_temperature', '30', 'degC', '0', '0', '5']);
  });

  it('names the parameter of every bad request', async () => {
    const cases: [query: string, parameter: string][] = [
      ['variables=sea_surface_temperature,no_such_variable', 'variables'],
      ['variables=', 'variables'],
      ['variables=wind_speed&variables=air_temperature', 'variables'],
      ["variables=sea_surface_temperature,' OR 1=1 --", 'variables'],
      ['variables=") |> drop()', 'variables'],
      ['from=yesterday', 'from'],
      ['from=2026-13-01', 'from'],
      ['from=2026-11-21T08:00:00', 'from'],
      ['from=1960-01-01', 'from'],
      ['to=99999', 'to'],
      [`from=${iso(H)}&to=${iso(H - MIN)}`, 'from'],
      [`from=${iso(H)}&to=${iso(H)}`, 'from'],
      [`from=${iso(H - 367 * DAY)}&to=${iso(H)}`, 'from'],
      ['every=0s', 'every'],
      ['every=500ms', 'every'],
      ['every=10', 'every'],
      ['every=1y', 'every'],
      ['every=-1h', 'every'],
      ['every=400d', 'every'],
      ['every=1h&fn=median', 'fn'],
      ['fn=mean', 'fn'],
      ['qc=5', 'qc'],
      ['qc=1,pass', 'qc'],
      ['format=xml', 'format'],
    ];
    for (const [query, parameter] of cases) {
      const response = await observationsOf(served, query);
      expect({ query, status: response.status }).toStrictEqual({ query, status: 400 });
      const { error } = response.json();
      expect({ query, code: error.code, parameter: error.parameter }).toStrictEqual({ query, code: 'bad_parameter', parameter });
      expect(error.message).toContain(parameter);
    }
  });

  it('refuses bad buoy ids (400 naming id) and answers 404 for unknown ones, passing injection attempts to the store only as literal data', async () => {
    for (const id of ['") |> drop()', "' OR 1=1 --", 'a'.repeat(65), '鲁日渔60123', 'tab\there']) {
      const response = await observationsOf(served, RANGE, id);
      expect({ id, status: response.status, parameter: response.json().error.parameter }).toStrictEqual({ id, status: 400, parameter: 'id' });
    }
    calls.length = 0;
    for (const id of ['")|>drop()', "'OR'1'='1'--", 'x")or(r.device=~/.*/', 'BUOY-NOBODY']) {
      const response = await observationsOf(served, `${RANGE}&every=1h`, id);
      expect({ id, status: response.status, code: response.json().error.code }).toStrictEqual({ id, status: 404, code: 'not_found' });
      expect(response.json().error.message).toContain(JSON.stringify(id));
    }
    expect(calls.filter((c) => c.method === 'observations').map((c) => (c.query as { deviceId: string }).deviceId)).toStrictEqual(['")|>drop()', "'OR'1'='1'--", 'x")or(r.device=~/.*/', 'BUOY-NOBODY']);
    expect(await store.count('buoy-observation')).toBe(DATA.length);
  });

  it('answers a stored id holding quotes and operators with exactly its own data', async () => {
    const literal = observation('x")or(r.device=~/.*/', H, 42);
    await store.write([literal]);
    const body = (await observationsOf(served, RANGE, literal.deviceId)).json();
    expect(body.observations).toStrictEqual([{ time: iso(H), variable: 'sea_surface_temperature', value: 42, depth: 0, sensorIndex: 0, qc: 1 }]);
  });

  it('a known buoy with nothing in the range is an empty answer, not a 404', async () => {
    const response = await observationsOf(served, `from=${iso(H - 10 * DAY)}&to=${iso(H - 9 * DAY)}`);
    expect(response.status).toBe(200);
    expect(response.json().observations).toStrictEqual([]);
  });
});

describe('buoy positions (embedded store)', () => {
  const coordinates = (deviceId: string, time: number, lat: number, lon: number): BuoyObservation[] => [
    observation(deviceId, time, lat, { variable: 'latitude', unit: 'degree_north', qc: 2 }),
    observation(deviceId, time, lon, { variable: 'longitude', unit: 'degree_east', qc: 2 }),
  ];
  const POSITIONED: BuoyObservation[] = [
    observation(BUOY, H, 12.5),
    ...coordinates(BUOY, H - 10 * MIN, 35.4651, 119.6859),
    ...coordinates(BUOY, H, 35.4655, 119.6862),
    observation('BUOY-NO-FIX', H + MIN, 14),
  ];
  let store: EmbeddedSeriesStore;
  let served: Served;
  beforeAll(async () => {
    store = new EmbeddedSeriesStore(':memory:');
    await store.write(POSITIONED);
    served = await serve(store);
  });
  afterAll(async () => {
    await served?.close();
    await store?.close();
  });

  it('gives a buoy position [lon, lat] and positionTime from its newest latitude and longitude; absent without them', async () => {
    const body = (await get(served, '/api/v1/buoys')).json();
    expect(body.units).toMatchObject({ position: expect.stringMatching(/longitude.*latitude/) });
    const [without, withFix] = body.buoys as Record<string, unknown>[]; // sorted by id
    expect(withFix).toMatchObject({ id: BUOY, position: [119.6862, 35.4655], positionTime: iso(H) });
    expect(withFix.latest).toContainEqual({ variable: 'latitude', cfStandardName: 'latitude', label: 'Latitude', value: 35.4655, unit: 'degree_north', depth: 0, sensorIndex: 0, time: iso(H), qc: 2 });
    expect(without).toStrictEqual({ id: 'BUOY-NO-FIX', lastReport: iso(H + MIN), latest: [expect.objectContaining({ variable: 'sea_surface_temperature', value: 14 })] });
  });

  it('serves the buoys with a position as a GeoJSON FeatureCollection for ?format=geojson and Accept: application/geo+json', async () => {
    const viaQuery = await get(served, '/api/v1/buoys?format=geojson');
    const viaAccept = await get(served, '/api/v1/buoys', { accept: 'application/geo+json' });
    for (const response of [viaQuery, viaAccept]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    }
    expect(viaAccept.text).toBe(viaQuery.text);
    const body = viaQuery.json();
    expect(body.type).toBe('FeatureCollection');
    expect(body.features).toStrictEqual([
      {
        type: 'Feature',
        id: BUOY,
        geometry: { type: 'Point', coordinates: [119.6862, 35.4655] },
        properties: { id: BUOY, lastReport: iso(H), positionTime: iso(H), latest: expect.arrayContaining([expect.objectContaining({ variable: 'sea_surface_temperature', value: 12.5, unit: 'degC' })]) },
      },
    ]);
    expect((await get(served, '/api/v1/buoys?format=csv')).json().error).toMatchObject({ code: 'bad_parameter', parameter: 'format' });
  });

  it('serves the coordinates as series with their units and CF names', async () => {
    const body = (await observationsOf(served, `${RANGE}&variables=latitude,longitude`)).json();
    expect(body.variables).toStrictEqual({
      latitude: { cfStandardName: 'latitude', unit: 'degree_north', label: 'Latitude' },
      longitude: { cfStandardName: 'longitude', unit: 'degree_east', label: 'Longitude' },
    });
    expect(body.observations.map((o) => [o.variable, o.value])).toStrictEqual([
      ['latitude', 35.4655],
      ['longitude', 119.6862],
    ]);
  });
});

describe('buoy API limits and upgrades (embedded store)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidewatch-buoys-limits-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`refuses more than ${MAX_ROWS} rows with a 400 suggesting buckets or a shorter range`, async () => {
    const store = new EmbeddedSeriesStore(join(dir, 'busy', 'series.db'));
    const start = H - 2 * DAY;
    await store.write(Array.from({ length: MAX_ROWS + 1 }, (_, i) => observation('BUOY-BUSY', start + i * 1000, i % 40)));
    const served = await serve(store);
    try {
      const over = await observationsOf(served, `from=${iso(start)}&to=${iso(start + 2 * DAY)}`, 'BUOY-BUSY');
      expect(over.status).toBe(400);
      expect(over.json().error).toMatchObject({ code: 'too_many_rows', message: expect.stringMatching(/every=.*shorter range/) });
      const atLimit = await observationsOf(served, `from=${iso(start)}&to=${iso(start + MAX_ROWS * 1000)}`, 'BUOY-BUSY');
      expect(atLimit.status).toBe(200);
      expect(atLimit.json().observations).toHaveLength(MAX_ROWS);
      const hourly = (await observationsOf(served, `from=${iso(start)}&to=${iso(start + 2 * DAY)}&every=1h`, 'BUOY-BUSY')).json();
      expect(hourly.observations.reduce((n, o) => n + (o.count as number), 0)).toBe(MAX_ROWS + 1);
    } finally {
      await served.close();
      await store.close();
    }
  });

  it('a series.db written before buoy queries existed lists its buoys after the upgrade', async () => {
    const path = join(dir, 'upgrade', 'series.db');
    const first = new EmbeddedSeriesStore(path);
    await first.write(DATA);
    await first.close();
    // Back to schema 1: what Tidewatch before migration 2 left on disk.
    const db = new Database(path);
    db.exec('DROP TABLE latest_observation; DROP INDEX observation_device_time; PRAGMA user_version = 1;');
    db.close();
    const upgraded = new EmbeddedSeriesStore(path);
    const served = await serve(upgraded);
    try {
      const body = (await get(served, '/api/v1/buoys')).json();
      expect((body.buoys as { id: string; lastReport: string; latest: unknown[] }[]).map((b) => [b.id, b.lastReport, b.latest.length])).toStrictEqual([
        [BUOY, iso(H + 25 * MIN), 4],
        ['BUOY-RZ-OLD', iso(DATA[9].time), 0],
      ]);
    } finally {
      await served.close();
      await upgraded.close();
    }
  });
});

describe('buoy API on InfluxDB 1.8', () => {
  let influx: InfluxHandle;
  let store: InfluxSeriesStore;
  let embedded: EmbeddedSeriesStore;
  let served: Served;
  let reference: Served;

  beforeAll(async () => {
    influx = await startInfluxDb();
    const connection = { url: influx.url, token: influx.token, org: '', bucket: 'buoys_api/autogen' };
    await ensureDatabase(connection);
    store = new InfluxSeriesStore(connection);
    embedded = new EmbeddedSeriesStore(':memory:');
    await Promise.all([store.write(DATA), embedded.write(DATA)]);
    [served, reference] = await Promise.all([serve(store), serve(embedded)]);
  });
  afterAll(async () => {
    await served?.close();
    await reference?.close();
    await store?.close();
    await embedded?.close();
    await influx?.dispose();
  });

  it('answers exactly as the embedded store: list, raw, every fn, qc and variables filters, JSON and CSV', async () => {
    const paths = [
      '/api/v1/buoys',
      `/api/v1/buoys/${BUOY}/observations?${RANGE}`,
      `/api/v1/buoys/${BUOY}/observations?${RANGE}&variables=sea_surface_temperature,wind_speed&qc=1,2,4`,
      ...['mean', 'min', 'max', 'last'].flatMap((fn) => [`/api/v1/buoys/${BUOY}/observations?${RANGE}&every=10m&fn=${fn}`, `/api/v1/buoys/${BUOY}/observations?from=${iso(H + 5 * MIN)}&to=${iso(H + 26 * MIN)}&every=7m&fn=${fn}&qc=1,3`]),
      `/api/v1/buoys/${BUOY}/observations?${RANGE}&every=1d&format=csv`,
      `/api/v1/buoys/${BUOY}/observations?from=${iso(H - 2 * DAY)}&to=${iso(H + DAY)}&format=csv`,
    ];
    for (const path of paths) {
      const [fromInflux, fromEmbedded] = await Promise.all([get(served, path), get(reference, path)]);
      expect({ path, status: fromInflux.status, body: fromInflux.text }).toStrictEqual({ path, status: 200, body: fromEmbedded.text });
    }
  });

  it('answers 404 for unknown ids and injection attempts, leaving the data as it was', async () => {
    for (const id of ['")|>drop()', 'x"or"1"=="1', 'x")or(r.device=~/.*/', 'BUOY-NOBODY']) {
      const response = await observationsOf(served, RANGE, id);
      expect({ id, status: response.status }).toStrictEqual({ id, status: 404 });
    }
    expect(await store.count('buoy-observation')).toBe(DATA.length);
  });

  it('is a 503 with a message, never a stack trace, while InfluxDB is stopped', async () => {
    await influx.stop();
    try {
      for (const path of ['/api/v1/buoys', `/api/v1/buoys/${BUOY}/observations?${RANGE}`, `/api/v1/buoys/${BUOY}/observations?${RANGE}&every=1h&format=csv`]) {
        const response = await get(served, path);
        expect({ path, status: response.status }).toStrictEqual({ path, status: 503 });
        const { error } = response.json();
        expect(error.code).toBe('store_unavailable');
        expect(error.message).toMatch(/store is unavailable: InfluxDB at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
        expect(response.text).not.toMatch(/\n\s+at |\.ts:\d+/);
      }
    } finally {
      await influx.start();
    }
    expect((await observationsOf(served, RANGE)).status).toBe(200);
  });
});
