import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LINE_POINTS, simplifyTrack } from '../../api/routes/tracks.js';
import type { VesselFix } from '../../core/records.js';
import { startTestApi, type TestApi } from '../registry/support/api.js';

const HOUR = 3_600_000;
const NOW = Date.now();
const T0 = Date.UTC(2026, 4, 1); // 2026-05-01T00:00:00Z
/** metres per degree of latitude (mean Earth radius) */
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;

const fix = (vessel: string, time: number, lat: number, lon: number, extra: Partial<VesselFix> = {}): VesselFix => ({
  kind: 'vessel-fix',
  source: 'ais',
  key: 'mmsi:412325670',
  vessel,
  time,
  lat,
  lon,
  sog: 8,
  cog: 90,
  ...extra,
});

type Body = Record<string, any>;
const json = async (r: Response): Promise<Body> => (await r.json()) as Body;
const track = (id: string, query = '') => `/api/v1/vessels/${encodeURIComponent(id)}/track${query}`;

/** simplifyTrack over points given as objects: their latitudes and longitudes as columns. */
const simplify = (points: { lat: number; lon: number }[], toleranceM: number) =>
  simplifyTrack(
    points.map((p) => p.lat),
    points.map((p) => p.lon),
    toleranceM,
  );

describe('simplifyTrack', () => {
  // Due east along 35°N, one fix a minute; the middle fix 100 m north of the line.
  const line = Array.from({ length: 11 }, (_, i) => ({ lat: 35, lon: 119.5 + i * 0.01 }));
  line[5] = { lat: 35 + 100 / M_PER_DEG, lon: line[5].lon };

  it('keeps a fix farther from the line than the tolerance in metres, and drops those nearer', () => {
    expect(simplify(line, 90)).toEqual([0, 5, 10]);
    expect(simplify(line, 110)).toEqual([0, 10]);
    expect(simplify(line, 0)).toHaveLength(11);
  });

  it('keeps the far end of an out-and-back run', () => {
    const outAndBack = [...Array.from({ length: 6 }, (_, i) => ({ lat: 35, lon: 119.5 + i * 0.01 })), ...Array.from({ length: 5 }, (_, i) => ({ lat: 35, lon: 119.54 - i * 0.01 }))];
    expect(simplify(outAndBack, 10)).toEqual([0, 5, 10]);
  });

  it('handles tracks across the antimeridian and degenerate ones', () => {
    expect(simplify([{ lat: 0, lon: 179.99 }, { lat: 0, lon: -179.995 }, { lat: 0, lon: -179.98 }], 10)).toEqual([0, 2]);
    expect(simplify([{ lat: 1, lon: 1 }, { lat: 1, lon: 1 }, { lat: 1, lon: 1 }], 10)).toEqual([0, 2]);
    expect(simplify([{ lat: 1, lon: 1 }], 10)).toEqual([0]);
  });
});

describe('track API', () => {
  let api: TestApi;
  const vessel = '鲁日渔60123';

  beforeAll(async () => {
    api = await startTestApi();
    api.registry.upsert({ id: vessel, hullName: vessel, owner: '张三', identifiers: [{ key: 'mmsi:412325670' }] });
    await api.store.write([
      // Last night, every 10 minutes, heading east; one position jump flagged by the pipeline.
      ...Array.from({ length: 12 }, (_, i) => fix(vessel, NOW - 3 * HOUR + i * 600_000, 35.3, 119.5 + i * 0.01, { sog: 6 + i / 10 })),
      fix(vessel, NOW - 3 * HOUR + 65 * 60_000, 36.9, 121.0, { suspect: 'position_jump' }),
      // Two days ago: outside the default 24 h.
      fix(vessel, NOW - 48 * HOUR, 35.0, 119.0),
      // Before the vessel was registered its MMSI was tracked under its own key.
      fix('mmsi:412325670', T0, 35.1, 119.4, { sog: 5 }),
      fix('mmsi:412325670', T0 + HOUR, 35.2, 119.5, { sog: 5.5 }),
      // A vessel nobody registered.
      fix('mmsi:412000001', NOW - HOUR, 35.25, 119.55, { key: 'mmsi:412000001', sog: 1.2, cog: 270 }),
    ]);
  });
  afterAll(async () => api.close());

  it('serves the last 24 h as a GeoJSON LineString with per-point times, speeds, courses and sources', async () => {
    const r = await api.call(track(vessel), 'researcher');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    const body = await json(r);
    expect(body).toMatchObject({ type: 'Feature', id: vessel, geometry: { type: 'LineString' } });
    const p = body.properties;
    expect(p).toMatchObject({ vessel, registered: true, hullName: vessel, points: 12, fixes: 13, suspect: 'exclude', suspectExcluded: 1, units: { sog: 'kn', cog: 'degree (true)', times: 'ISO 8601 UTC' } });
    expect(Date.parse(p.to) - Date.parse(p.from)).toBe(24 * HOUR);
    expect(body.geometry.coordinates).toHaveLength(12);
    for (const key of ['times', 'sog', 'cog', 'sources']) expect(p[key]).toHaveLength(12);
    expect(body.geometry.coordinates[0]).toEqual([119.5, 35.3]);
    expect(p.times[0]).toBe(new Date(NOW - 3 * HOUR).toISOString());
    expect(p.sog[11]).toBeCloseTo(7.1, 5);
    expect(p.sources[0]).toBe('ais');
    expect(JSON.stringify(body)).not.toContain('张三');
  });

  it('includes suspect fixes on request, saying why each is suspect', async () => {
    const p = (await json(await api.call(track(vessel, '?suspect=include'), 'regulator'))).properties;
    expect(p.points).toBe(13);
    expect(p.suspectReasons.filter(Boolean)).toEqual(['position_jump']);
    expect(p.suspectReasons).toHaveLength(13);
  });

  it('simplifies by a tolerance in metres, keeping the arrays aligned with the kept points', async () => {
    const body = await json(await api.call(track(vessel, '?tolerance=50'), 'regulator'));
    expect(body.geometry.coordinates).toHaveLength(2);
    expect(body.properties).toMatchObject({ points: 2, simplified: { tolerance: 50, pointsBefore: 12 } });
    expect(body.properties.times).toEqual([new Date(NOW - 3 * HOUR).toISOString(), new Date(NOW - 3 * HOUR + 11 * 600_000).toISOString()]);
    expect(body.properties.sog).toEqual([6, 7.1]);
  });

  it('includes fixes its identifiers reported before the vessel was registered, and serves an identifier’s own track', async () => {
    const range = `?from=2026-05-01&to=${encodeURIComponent('2026-05-01T08:30:00+08:00')}`;
    const registered = await json(await api.call(track(vessel, range), 'regulator'));
    expect(registered.properties).toMatchObject({ from: '2026-05-01T00:00:00.000Z', to: '2026-05-01T00:30:00.000Z', points: 1 });
    expect(registered.geometry).toEqual({ type: 'Point', coordinates: [119.4, 35.1] }); // one fix: a Point
    const wider = await json(await api.call(track(vessel, '?from=2026-05-01&to=2026-05-02'), 'regulator'));
    expect(wider.properties.sog).toEqual([5, 5.5]);
    const byKey = await json(await api.call(track('mmsi:412325670', `?from=${encodeURIComponent(new Date(NOW - 4 * HOUR).toISOString())}`), 'regulator'));
    expect(byKey.properties).toMatchObject({ vessel: 'mmsi:412325670', registered: false, points: 12 });
    const unregistered = await json(await api.call(track('mmsi:412000001'), 'regulator'));
    expect(unregistered.properties).toMatchObject({ registered: false, points: 1, cog: [270] });
  });

  it('merges a vessel’s series with its identifier’s in time order, a fix stored in both once, in GeoJSON and in exports', async () => {
    const other = '鲁日渔60999';
    const mmsi = 'mmsi:412325999';
    api.registry.upsert({ id: other, hullName: other, identifiers: [{ key: mmsi }, { key: 'bds:99' }] });
    const t1 = T0 + 48 * HOUR;
    const min = 60_000;
    await api.store.write([
      fix(mmsi, t1, 35.1, 119.4, { key: mmsi }),
      fix(mmsi, t1 + 20 * min, 35.3, 119.6, { key: mmsi }),
      fix(other, t1 + 10 * min, 35.2, 119.5, { key: mmsi }),
      fix(other, t1 + 15 * min, 35.25, 119.55, { key: 'bds:99', source: 'bds-rnss' }),
      fix(other, t1 + 20 * min, 35.3, 119.6, { key: mmsi }), // the same fix, written again after the registry change
    ]);
    const range = `?from=${new Date(t1).toISOString()}&to=${new Date(t1 + HOUR).toISOString()}`;
    const minutes = (times: string[]) => times.map((t) => (Date.parse(t) - t1) / min);
    const byVessel = await json(await api.call(track(other, range), 'regulator'));
    expect(minutes(byVessel.properties.times)).toEqual([0, 10, 15, 20]);
    expect(byVessel.properties.sources).toEqual(['ais', 'ais', 'bds-rnss', 'ais']);
    expect(byVessel.geometry.coordinates[2]).toEqual([119.55, 35.25]);
    const byKey = await json(await api.call(track(mmsi, range), 'regulator'));
    expect(minutes(byKey.properties.times)).toEqual([0, 10, 20]); // only what arrived under the MMSI
    const csv = await (await api.call(track(other, `${range}&format=csv`), 'regulator')).text();
    expect(csv.trimEnd().split('\r\n').slice(1).map((row) => row.split(',')[8])).toEqual(['ais', 'ais', 'bds-rnss', 'ais']);
  });

  it('writes coordinates to 7 decimal places and speeds and courses to 2, while exports keep every stored digit', async () => {
    const id = 'mmsi:412325888';
    // An AIS position (1/10,000 minute) and a float32 speed, as a double's shortest text: 17 digits each.
    await api.store.write([fix(id, T0 + 72 * HOUR, 21_074_074 / 600_000, 71_717_270 / 600_000, { key: id, sog: Math.fround(5.4), cog: 123.456 })]);
    const range = `?from=${new Date(T0 + 72 * HOUR).toISOString()}&to=${new Date(T0 + 73 * HOUR).toISOString()}`;
    const r = await api.call(track(id, range), 'regulator');
    const text = await r.text();
    expect(text).toContain('"coordinates":[119.5287833,35.1234567]');
    expect(text).toContain('"sog":[5.4],"cog":[123.46]');
    const csv = await (await api.call(track(id, `${range}&format=csv`), 'regulator')).text();
    expect(csv.split('\r\n')[1].split(',').slice(2, 6)).toEqual(['35.12345666666667', '119.52878333333334', '5.400000095367432', '123.456']);
  });

  it('answers an empty range with geometry null, and an unknown id with 404', async () => {
    const empty = await json(await api.call(track(vessel, '?from=2025-01-01&to=2025-01-02'), 'regulator'));
    expect(empty).toMatchObject({ geometry: null, properties: { points: 0, times: [] } });
    const missing = await api.call(track('鲁日渔99999'), 'regulator');
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.message).toMatch(/no vessel "鲁日渔99999" in the registry and no track stored under that id/);
    // A key nobody heard from is not an error: it simply has no fixes.
    expect((await json(await api.call(track('mmsi:412999999'), 'regulator'))).properties.points).toBe(0);
  });

  it.each([
    ['?from=yesterday', 'from', /ISO 8601/],
    ['?to=2026-05-01T00:00:00', 'to', /with a zone/],
    ['?from=2026-05-02&to=2026-05-01', 'from', /must be before to/],
    ['?from=2026-05-01&to=2026-05-01', 'from', /must be before to/],
    ['?from=2026-01-01&to=2026-03-01', 'from', /59\.0 days; ask for at most 31 days/],
    ['?from=2020-01-01', 'from', /days; ask for at most 31 days/],
    ['?tolerance=-1', 'tolerance', /0 or more/],
    ['?tolerance=many', 'tolerance', /number of metres/],
    ['?tolerance=20000', 'tolerance', /at most 10000 m/],
    ['?suspect=maybe', 'suspect', /exclude or include/],
    ['?format=kml', 'format', /format must be one of geojson, json, ndjson, csv, gpx/],
  ])('%s is a 400 naming %s', async (query, parameter, message) => {
    const r = await api.call(track(vessel, query), 'regulator');
    expect(r.status).toBe(400);
    const error = (await json(r)).error;
    expect(error).toMatchObject({ code: 'bad_parameter', parameter });
    expect(error.message).toMatch(message);
  });

  it('refuses bad ids, missing tokens and device tokens', async () => {
    const bad = await api.call(track('mmsi:1'), 'regulator');
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.parameter).toBe('id');
    expect((await api.call(track(vessel), undefined)).status).toBe(401);
    expect((await api.call(track(vessel), 'device')).status).toBe(403);
  });

  it('takes injection attempts in ids literally', async () => {
    const hostile = ['") |> drop()', "'; DROP TABLE fix; --", 'x" or r.vessel != "'];
    const stored = await api.store.count('vessel-fix');
    for (const id of hostile) expect((await api.call(track(id), 'regulator')).status).toBe(404);
    expect(await api.store.count('vessel-fix')).toBe(stored);
    // A vessel whose id looks like an attack is just a vessel.
    api.registry.upsert({ id: hostile[0], identifiers: [] });
    await api.store.write([fix(hostile[0], NOW - HOUR, 35, 119)]);
    expect((await json(await api.call(track(hostile[0]), 'regulator'))).properties).toMatchObject({ vessel: hostile[0], points: 1 });
    api.registry.delete(hostile[0]);
    // Deleted from the registry, its track stays readable.
    expect((await json(await api.call(track(hostile[0]), 'regulator'))).properties).toMatchObject({ registered: false, points: 1 });
  });

  describe('exports', () => {
    const range = `from=${encodeURIComponent(new Date(NOW - 4 * HOUR).toISOString())}&to=${encodeURIComponent(new Date(NOW).toISOString())}`;

    it('CSV with units in the header and a file name', async () => {
      const r = await api.call(track(vessel, `?format=csv&${range}`), 'researcher');
      expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
      const disposition = r.headers.get('content-disposition') ?? '';
      expect(disposition).toMatch(/^attachment; filename="[^"]+\.csv"; filename\*=UTF-8''/);
      expect(decodeURIComponent(disposition.split("''")[1])).toMatch(/^鲁日渔60123_\d{8}T\d{6}Z_\d{8}T\d{6}Z\.csv$/);
      const lines = (await r.text()).trimEnd().split('\r\n');
      expect(lines[0]).toBe('vessel,time (ISO 8601 UTC),lat (degree),lon (degree),sog (kn),cog (degree true),heading (degree true),navStatus,source,key,station,suspect');
      expect(lines).toHaveLength(13);
      expect(lines[1]).toBe(`鲁日渔60123,${new Date(NOW - 3 * HOUR).toISOString()},35.3,119.5,6,90,,,ais,mmsi:412325670,,`);
    });

    it('NDJSON, one fix a line, also chosen by the Accept header', async () => {
      const r = await api.call(track('mmsi:412000001', `?${range}`), 'regulator', { headers: { Accept: 'application/x-ndjson' } });
      expect(r.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      expect(r.headers.get('content-disposition')).toMatch(/filename="mmsi-412000001_/);
      const lines = (await r.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines).toEqual([{ vessel: 'mmsi:412000001', time: new Date(NOW - HOUR).toISOString(), lat: 35.25, lon: 119.55, sog: 1.2, cog: 270, source: 'ais', key: 'mmsi:412000001' }]);
    });

    it('GPX 1.1 with speed in m/s and course in degrees', async () => {
      const r = await api.call(track(vessel, `?format=gpx&${range}&tolerance=50`), 'regulator');
      expect(r.headers.get('content-type')).toMatch(/^application\/gpx\+xml/);
      const gpx = await r.text();
      expect(gpx).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<gpx version="1.1" creator="Tidewatch" xmlns="http:\/\/www.topografix.com\/GPX\/1\/1"/);
      expect(gpx).toContain('<name>鲁日渔60123</name>');
      expect(gpx.match(/<trkpt /g)).toHaveLength(2);
      expect(gpx).toContain(`<trkpt lat="35.3" lon="119.5"><time>${new Date(NOW - 3 * HOUR).toISOString()}</time><extensions><gpxtpx:TrackPointExtension><gpxtpx:speed>3.087</gpxtpx:speed><gpxtpx:course>90</gpxtpx:course>`);
    });
  });

  it(`refuses a GeoJSON track over ${MAX_LINE_POINTS} points, saying to simplify or shorten; tolerance brings it under`, async () => {
    const id = '鲁日渔69999';
    api.registry.upsert({ id, identifiers: [] });
    const start = NOW - 23 * HOUR;
    const dense = Array.from({ length: MAX_LINE_POINTS + 1 }, (_, i) => fix(id, start + i * 1000, 35 + i * 1e-6, 119 + i * 1e-6));
    await api.store.write(dense);
    const r = await api.call(track(id), 'regulator');
    expect(r.status).toBe(400);
    const error = (await json(r)).error;
    expect(error).toMatchObject({ code: 'too_many_points', parameter: 'tolerance' });
    expect(error.message).toMatch(/50001 points; a GeoJSON track holds at most 50000: simplify it with \?tolerance=<metres>.*shorter range/);
    const simplified = await json(await api.call(track(id, '?tolerance=10'), 'regulator'));
    expect(simplified.properties).toMatchObject({ points: 2, fixes: MAX_LINE_POINTS + 1 });
    const csv = await api.call(track(id, '?format=csv'), 'regulator');
    expect(csv.status).toBe(200);
  });
});
