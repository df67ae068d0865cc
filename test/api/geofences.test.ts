import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geofencePaths } from '../../api/routes/geofences.js';
import { startApiApp, type ApiApp } from '../zones/api-app.js';
import { feature, marineRanch, noFishingOffPort, rectangle, reefs, wreckCircle } from '../zones/rizhao.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('geofences API', () => {
  let app: ApiApp;
  let clock = T0;
  beforeAll(async () => {
    app = await startApiApp(() => clock);
  });
  afterAll(() => app?.close());

  const ids: Record<string, number> = {};

  it('creates the Rizhao zones and gives each back as sent', async () => {
    for (const [name, f] of Object.entries({ noFishingOffPort, marineRanch, reefs, wreckCircle })) {
      const res = await app.call('POST', '/api/v1/geofences', { as: 'regulator', body: f });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.headers.get('location')).toBe(`/api/v1/geofences/${res.body.id}`);
      expect(res.body).toMatchObject({ type: 'Feature', geometry: f.geometry, properties: { ...f.properties, version: 1, status: 'active', effectiveFrom: iso(T0), createdBy: 'regulator-王' }, warnings: [] });
      ids[name] = res.body.id;
      const got = await app.call('GET', `/api/v1/geofences/${res.body.id}`, { as: 'researcher' });
      expect(got.status).toBe(200);
      expect(got.body.geometry).toEqual(f.geometry);
      expect(got.body.properties).toMatchObject(f.properties);
      expect(got.body.versions).toHaveLength(1);
    }
    const created = await app.call('GET', `/api/v1/geofences/${ids.noFishingOffPort}`);
    expect(created.body.properties.windows).toEqual([{ yearly: { start: '05-01', end: '09-16' }, timezone: 'Asia/Shanghai' }]);
    expect(created.body.properties.areaKm2).toBeGreaterThan(145);
    expect(created.body.bbox).toEqual([119.6, 35.3, 119.75, 35.4]);
  });

  it('lists the zones in force as a FeatureCollection, by kind and bbox; circles as polygons on request', async () => {
    const all = await app.call('GET', '/api/v1/geofences');
    expect(all.body).toMatchObject({ type: 'FeatureCollection', at: iso(T0), units: { radius: 'm', areaKm2: 'km²' } });
    expect(all.body.features.map((f: { id: number }) => f.id)).toEqual(Object.values(ids));
    const ranches = await app.call('GET', '/api/v1/geofences?kind=marine_ranch');
    expect(ranches.body.features.map((f: { properties: { name: string } }) => f.properties.name)).toEqual(['前三岛海洋牧场']);
    const nearWreck = await app.call('GET', '/api/v1/geofences?bbox=119.6,35.0,119.66,35.06&circles=polygon');
    expect(nearWreck.body.features).toHaveLength(1);
    const ring = nearWreck.body.features[0].geometry.coordinates[0];
    expect(nearWreck.body.features[0].geometry.type).toBe('Polygon');
    expect(ring).toHaveLength(65);
    expect(ring[0]).toEqual(ring[64]);
  });

  it('answers bad geometry with 400, the reason and where', async () => {
    const R = rectangle(119.6, 35.3, 119.75, 35.4);
    const cases: [unknown, RegExp, string][] = [
      [{ type: 'Polygon', coordinates: [R.slice(0, 4)] }, /ring 0 \(outer\) is not closed/, 'geometry.coordinates.0.3'],
      [{ type: 'Polygon', coordinates: [[[119.6, 35.3], [119.7, 35.4], [119.7, 35.3], [119.6, 35.4], [119.6, 35.3]]] }, /crosses or touches/, 'geometry.coordinates.0.0'],
      [{ type: 'Polygon', coordinates: [R, rectangle(119.8, 35.3, 119.85, 35.35)] }, /ring 1 \(hole\) is not inside ring 0 \(outer\)/, 'geometry.coordinates.1'],
      [{ type: 'Polygon', coordinates: [R.map(([x, y]) => [y, x])] }, /latitude 119\.6 is outside -90\.\.90/, 'geometry.coordinates.0.0.1'],
      [{ type: 'Polygon', coordinates: [rectangle(119.6, 35.3, 119.60005, 35.30005)] }, /at least 100 m²/, 'geometry.coordinates'],
      [{ type: 'Circle', center: [119.65, 35.05], radius: 600_000 }, /radius is 600000 m; it must be 10 m to 500 km/, 'geometry.radius'],
      [{ type: 'Point', coordinates: [119.6, 35.3] }, /geometry type must be Polygon, MultiPolygon or Circle/, 'geometry.type'],
    ];
    for (const [geometry, message, parameter] of cases) {
      const res = await app.call('POST', '/api/v1/geofences', { body: feature(geometry) });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_geometry', parameter });
      expect(res.body.error.message).toMatch(message);
    }
    const noName = await app.call('POST', '/api/v1/geofences', { body: feature({ type: 'Polygon', coordinates: [R] }, { kind: 'port' }) });
    expect(noName.status).toBe(400);
    expect(noName.body.error).toMatchObject({ code: 'bad_parameter', parameter: 'properties.name' });
  });

  it('refuses bodies that are not a JSON Feature', async () => {
    expect((await app.call('POST', '/api/v1/geofences', { raw: '{"type": "Feature",' })).body.error).toMatchObject({ code: 'bad_body', message: expect.stringMatching(/not valid JSON/) });
    expect((await app.call('POST', '/api/v1/geofences', { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' })).status).toBe(415);
    const empty = await app.call('POST', '/api/v1/geofences');
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/GeoJSON Feature/);
    const huge = await app.call('POST', '/api/v1/geofences', { raw: `"${'x'.repeat(3 * 1024 * 1024)}"` });
    expect(huge.status).toBe(413);
    const geoJson = await app.call('POST', '/api/v1/geofences', { body: wreckCircle, contentType: 'application/geo+json' });
    expect(geoJson.status).toBe(201);
  });

  it('versions: an update makes version 2, ?at= before it gives version 1, delete retires and keeps history', async () => {
    const id = ids.marineRanch;
    const widened = feature({ type: 'Polygon', coordinates: [rectangle(119.7, 35.1, 119.9, 35.2)] }, { name: '前三岛海洋牧场（二期）', kind: 'marine_ranch' });
    clock = T0 + DAY;
    const v2 = await app.call('PUT', `/api/v1/geofences/${id}`, { as: 'regulator', body: widened });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ id, properties: { version: 2, status: 'active', effectiveFrom: iso(T0 + DAY), name: '前三岛海洋牧场（二期）' } });

    const before = await app.call('GET', `/api/v1/geofences/${id}?at=${iso(T0 + DAY / 2)}`);
    expect(before.body.properties).toMatchObject({ version: 1, status: 'active', name: '前三岛海洋牧场', effectiveTo: iso(T0 + DAY) });
    expect(before.body.versions.map((v: { properties: { status: string } }) => v.properties.status)).toEqual(['active', 'scheduled']);
    const listBefore = await app.call('GET', `/api/v1/geofences?kind=marine_ranch&at=${encodeURIComponent('2026-03-01T20:00:00+08:00')}`);
    expect(listBefore.body.features[0].properties.version).toBe(1);
    const now = await app.call('GET', `/api/v1/geofences/${id}`);
    expect(now.body.properties.version).toBe(2);

    // A served Feature, edited, can be sent back as it is: read-only properties are ignored.
    const edited = { ...now.body, properties: { ...now.body.properties, severity: 'critical' } };
    clock = T0 + 2 * DAY;
    expect((await app.call('PUT', `/api/v1/geofences/${id}?effectiveFrom=${iso(T0 + 3 * DAY)}`, { body: edited })).body.properties).toMatchObject({ version: 3, status: 'scheduled', severity: 'critical' });
    const tooEarly = await app.call('PUT', `/api/v1/geofences/${id}`, { body: edited });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body.error.message).toMatch(/version 3 of zone \d+ takes effect at 2026-03-04T00:00:00.000Z; a change must take effect after that/);

    clock = T0 + 4 * DAY;
    const retired = await app.call('DELETE', `/api/v1/geofences/${id}`, { as: 'regulator' });
    expect(retired.body.properties).toMatchObject({ version: 4, status: 'retired' });
    expect((await app.call('GET', '/api/v1/geofences?kind=marine_ranch')).body.features).toEqual([]);
    const history = await app.call('GET', `/api/v1/geofences/${id}`);
    expect(history.body.properties.status).toBe('retired');
    expect(history.body.versions.map((v: { properties: { version: number; status: string } }) => `${v.properties.version} ${v.properties.status}`)).toEqual(['1 superseded', '2 superseded', '3 superseded', '4 retired']);
    expect((await app.call('GET', `/api/v1/geofences?kind=marine_ranch&at=${iso(T0 + DAY / 2)}`)).body.features).toHaveLength(1);
    expect((await app.call('PUT', `/api/v1/geofences/${id}`, { body: widened })).status).toBe(409);
    expect((await app.call('DELETE', `/api/v1/geofences/${id}`)).status).toBe(409);
  });

  it('a zone announced ahead is scheduled until it takes effect', async () => {
    const res = await app.call('POST', `/api/v1/geofences?effectiveFrom=${iso(clock + 7 * DAY)}`, { body: noFishingOffPort });
    expect(res.body.properties).toMatchObject({ status: 'scheduled', effectiveFrom: iso(clock + 7 * DAY) });
    expect((await app.call('GET', `/api/v1/geofences/${res.body.id}`)).body.properties.status).toBe('scheduled');
  });

  it('404 for an unknown zone, 400 for a bad id or parameter', async () => {
    expect((await app.call('GET', '/api/v1/geofences/999')).status).toBe(404);
    expect((await app.call('PUT', '/api/v1/geofences/999', { body: noFishingOffPort })).status).toBe(404);
    expect((await app.call('DELETE', '/api/v1/geofences/999')).status).toBe(404);
    const badId = await app.call('GET', '/api/v1/geofences/abc');
    expect(badId.body.error).toMatchObject({ code: 'bad_parameter', parameter: 'id' });
    expect((await app.call('GET', '/api/v1/geofences?at=yesterday')).body.error).toMatchObject({ parameter: 'at', message: expect.stringMatching(/ISO 8601/) });
    expect((await app.call('GET', '/api/v1/geofences?circles=square')).body.error.parameter).toBe('circles');
  });

  it('takes injection attempts in query parameters literally', async () => {
    const kind = await app.call('GET', `/api/v1/geofences?kind=${encodeURIComponent("no_fishing' OR '1'='1")}`);
    expect(kind.status).toBe(400);
    expect(kind.body.error.parameter).toBe('kind');
    const bbox = await app.call('GET', `/api/v1/geofences?bbox=${encodeURIComponent('119,35,120,36); DROP TABLE zone_version; --')}`);
    expect(bbox.body.error.parameter).toBe('bbox');
    const id = await app.call('GET', `/api/v1/geofences/${encodeURIComponent('1 OR 1=1')}`);
    expect(id.status).toBe(400);
    expect((await app.call('GET', '/api/v1/geofences')).body.features.length).toBeGreaterThan(0);
  });

  it('roles: researchers read, regulators and admins manage, devices nothing', async () => {
    expect((await app.call('GET', '/api/v1/geofences', { as: 'researcher' })).status).toBe(200);
    const researcher = await app.call('POST', '/api/v1/geofences', { as: 'researcher', body: noFishingOffPort });
    expect(researcher.status).toBe(403);
    expect(researcher.body.error.message).toMatch(/the researcher role may not do this; it needs one of: regulator, admin/);
    expect((await app.call('PUT', `/api/v1/geofences/${ids.reefs}`, { as: 'researcher', body: reefs })).status).toBe(403);
    expect((await app.call('DELETE', `/api/v1/geofences/${ids.reefs}`, { as: 'researcher' })).status).toBe(403);
    expect((await app.call('GET', '/api/v1/geofences', { as: 'device' })).status).toBe(403);
    expect((await app.call('POST', '/api/v1/geofences', { as: 'device', body: noFishingOffPort })).status).toBe(403);
    expect((await app.call('GET', '/api/v1/geofences', { as: 'tw_not-a-token' })).status).toBe(401);
    expect((await app.call('POST', '/api/v1/geofences', { as: 'admin', body: reefs })).status).toBe(201);
  });

  it('describes its paths for OpenAPI', () => {
    expect(Object.keys(geofencePaths)).toEqual(['/api/v1/geofences', '/api/v1/geofences/{id}']);
    expect(Object.keys(geofencePaths['/api/v1/geofences/{id}'])).toEqual(['get', 'put', 'delete']);
  });
});
