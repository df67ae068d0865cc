import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VesselFix } from '../../core/records.js';
import { startTestApi, type TestApi } from '../registry/support/api.js';

const NOW = Date.now();
const fix = (vessel: string, key: string, minutesAgo: number, extra: Partial<VesselFix> = {}): VesselFix => ({
  kind: 'vessel-fix',
  source: 'ais',
  key,
  vessel,
  time: NOW - minutesAgo * 60_000,
  lat: 35.35,
  lon: 119.6,
  sog: 8.2,
  cog: 92.4,
  ...extra,
});

type Body = Record<string, any>;
const json = async (r: Response): Promise<Body> => (await r.json()) as Body;
const path = (id: string) => `/api/v1/vessels/${encodeURIComponent(id)}`;

describe('vessels API', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    api.registry.upsert({
      id: '鲁日渔60123',
      hullName: '鲁日渔60123',
      registryNo: '(鲁日)船登(籍)(2019)HY-100123号',
      name: 'LU RI YU 60123',
      owner: '张三',
      ownerPhone: '0633-8221234',
      gearType: 'trawl',
      homePort: 'rizhao',
      length: 38.5,
      power: 441,
      identifiers: [{ key: 'mmsi:412325670' }, { key: 'bds:4207733', validFrom: Date.UTC(2026, 4, 1), terminalModel: 'BF01' }],
    });
    api.registry.upsert({ id: '鲁岚渔61234', hullName: '鲁岚渔61234', gearType: 'gillnet', identifiers: [{ key: 'mmsi:412440002' }] });
    api.registry.recordStatic({ kind: 'vessel-static', key: 'mmsi:412000001', time: NOW - 3_600_000, name: 'HAI XING 7', callsign: 'BZZZ1' });
    await api.store.write([
      fix('鲁日渔60123', 'mmsi:412325670', 5),
      fix('鲁岚渔61234', 'mmsi:412440002', 10, { lat: 35.1 }),
      fix('mmsi:412000001', 'mmsi:412000001', 2, { lat: 35.2, sog: 1.4 }),
      fix('bds:998877', 'bds:998877', 20, { source: 'bds-rdss', lat: 35.0 }),
    ]);
  });
  afterAll(async () => api.close());

  describe('list and search', () => {
    it('lists registered vessels, then unregistered ones that reported, with paging and units', async () => {
      const body = await json(await api.call('/api/v1/vessels', 'regulator'));
      expect(body).toMatchObject({ total: 4, limit: 100, offset: 0, units: { length: 'm', power: 'kW', sog: 'kn' } });
      expect(body.vessels.map((v: Body) => v.id)).toEqual(['鲁岚渔61234', '鲁日渔60123', 'bds:998877', 'mmsi:412000001']);
      const registered = body.vessels[1];
      expect(registered).toMatchObject({
        registered: true,
        owner: '张三',
        ownerPhone: '0633-8221234',
        length: 38.5,
        latest: { source: 'ais', sog: 8.2, key: 'mmsi:412325670' },
        identifiers: [{ key: 'bds:4207733', validFrom: '2026-05-01T00:00:00.000Z', terminalModel: 'BF01' }, { key: 'mmsi:412325670' }],
      });
      expect(body.vessels[3]).toMatchObject({ registered: false, identifiers: [{ key: 'mmsi:412000001' }], broadcast: { name: 'HAI XING 7', callsign: 'BZZZ1' }, latest: { sog: 1.4 } });

      const page = await json(await api.call('/api/v1/vessels?limit=2&offset=1', 'regulator'));
      expect(page).toMatchObject({ total: 4, limit: 2, offset: 1 });
      expect(page.vessels.map((v: Body) => v.id)).toEqual(['鲁日渔60123', 'bds:998877']);
      const last = await json(await api.call('/api/v1/vessels?limit=2&offset=3', 'regulator'));
      expect(last.vessels.map((v: Body) => v.id)).toEqual(['mmsi:412000001']);
    });

    it('never shows owners or their phone numbers to researchers', async () => {
      for (const url of ['/api/v1/vessels', '/api/v1/vessels?q=60123', path('鲁日渔60123')]) {
        const text = await (await api.call(url, 'researcher')).text();
        expect(text).toContain('鲁日渔60123');
        expect(text).not.toContain('张三');
        expect(text).not.toContain('8221234');
        expect(text).not.toMatch(/owner/);
      }
    });

    it.each([
      ['60123', ['鲁日渔60123']],
      ['鲁日渔', ['鲁日渔60123']],
      ['６０１２３', ['鲁日渔60123']], // full-width digits, as Chinese input methods type them
      ['lu ri yu', ['鲁日渔60123']], // the AIS name, any case
      ['HY-100123', ['鲁日渔60123']], // registry number
      ['4207733', ['鲁日渔60123']], // Beidou card
      ['41244', ['鲁岚渔61234']], // MMSI digits
      ['412000001', ['mmsi:412000001']], // unregistered, by its MMSI
      ['hai xing', ['mmsi:412000001']], // unregistered, by the name it broadcast
      ['渔', ['鲁岚渔61234', '鲁日渔60123']],
      ['张三', []], // owners are not searchable: researchers may search
      ['nothing like it', []],
    ])('q=%s finds %j', async (q, ids) => {
      const body = await json(await api.call(`/api/v1/vessels?q=${encodeURIComponent(q)}`, 'researcher'));
      expect(body.vessels.map((v: Body) => v.id)).toEqual(ids);
      expect(body.total).toBe(ids.length);
    });

    it('keeps ?mmsi= working as before', async () => {
      const body = await json(await api.call('/api/v1/vessels?mmsi=412325670', 'regulator'));
      expect(body.vessels).toHaveLength(1);
      expect(body.vessels[0]).toMatchObject({ id: '鲁日渔60123', owner: '张三', latest: { source: 'ais' } });
      expect((await json(await api.call('/api/v1/vessels?mmsi=412000001', 'regulator'))).vessels.map((v: Body) => v.id)).toEqual(['mmsi:412000001']);
    });

    it.each([
      ['mmsi=12', 'mmsi'],
      ['limit=0', 'limit'],
      ['limit=5000', 'limit'],
      ['limit=ten', 'limit'],
      ['offset=-1', 'offset'],
      [`q=${'x'.repeat(65)}`, 'q'],
    ])('?%s is a 400 naming %s', async (query, parameter) => {
      const r = await api.call(`/api/v1/vessels?${query}`, 'regulator');
      expect(r.status).toBe(400);
      expect(await json(r)).toMatchObject({ error: { code: 'bad_parameter', parameter } });
    });

    it('treats query-injection attempts in q as text', async () => {
      for (const q of ["'; DROP TABLE vessel; --", '") |> drop()', '%', '_', "' OR '1'='1", 'x" or r.vessel != "']) {
        const r = await api.call(`/api/v1/vessels?q=${encodeURIComponent(q)}`, 'regulator');
        expect(r.status).toBe(200);
        expect((await json(r)).vessels).toEqual([]);
      }
      expect((await json(await api.call('/api/v1/vessels', 'regulator'))).total).toBe(4);
    });
  });

  describe('one vessel', () => {
    it('serves a registered vessel by its Chinese id, URL-encoded', async () => {
      const body = await json(await api.call(path('鲁日渔60123'), 'regulator'));
      expect(body.units).toMatchObject({ length: 'm' });
      expect(body.vessel).toMatchObject({ id: '鲁日渔60123', registered: true, gearType: 'trawl', homePort: 'rizhao', owner: '张三', latest: { lat: 35.35 } });
    });

    it('serves an unregistered vessel by its identifier key, and says where a registered identifier belongs', async () => {
      expect((await json(await api.call(path('mmsi:412000001'), 'researcher'))).vessel).toMatchObject({ id: 'mmsi:412000001', registered: false, broadcast: { name: 'HAI XING 7' } });
      const bound = await json(await api.call(path('bds:4207733'), 'regulator'));
      expect(bound.vessel).toMatchObject({ id: 'bds:4207733', registered: false, boundTo: [{ vessel: '鲁日渔60123', validFrom: '2026-05-01T00:00:00.000Z' }] });
    });

    it('answers 404 with a message for vessels it does not know, and 400 for ids that cannot be one', async () => {
      const missing = await api.call(path('鲁日渔99999'), 'regulator');
      expect(missing.status).toBe(404);
      expect((await json(missing)).error.message).toMatch(/no vessel "鲁日渔99999" in the registry; .*identifier key/);
      const silent = await api.call(path('mmsi:412999999'), 'regulator');
      expect(silent.status).toBe(404);
      expect((await json(silent)).error.message).toMatch(/nothing heard from mmsi:412999999/);
      for (const bad of ['mmsi:12', 'imo:1234567', ' leading-space', 'x'.repeat(65)]) {
        const r = await api.call(path(bad), 'regulator');
        expect(r.status).toBe(400);
        expect(await json(r)).toMatchObject({ error: { code: 'bad_parameter', parameter: 'id' } });
      }
    });

    it('takes injection attempts in ids literally', async () => {
      for (const id of ["'; DROP TABLE vessel; --", '") |> drop()', "x' OR '1'='1"]) {
        expect((await api.call(path(id), 'regulator')).status).toBe(404);
      }
      expect(api.registry.get('鲁日渔60123')).toBeDefined();
    });
  });

  describe('registry writes', () => {
    const put = (id: string, body: unknown, role: 'admin' | 'regulator' | 'researcher' | 'device' = 'admin', type = 'application/json') =>
      api.call(path(id), role, { method: 'PUT', headers: { 'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

    it('lets admins create and replace a vessel, identifiers with ISO periods', async () => {
      const created = await put('鲁日渔60777', {
        hullName: '鲁日渔60777',
        owner: '李四',
        ownerPhone: '+86 138 0533 1234',
        length: 24,
        power: 180,
        registryNo: null,
        identifiers: [{ key: 'mmsi:412777000', validFrom: '2026-01-01', validTo: '2026-06-01T08:00:00+08:00' }, { key: 'bds:0012345', validFrom: null }],
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(path('鲁日渔60777'));
      expect((await json(created)).vessel).toMatchObject({
        id: '鲁日渔60777',
        registered: true,
        ownerPhone: '+86 138 0533 1234',
        identifiers: [{ key: 'bds:12345' }, { key: 'mmsi:412777000', validFrom: '2026-01-01T00:00:00.000Z', validTo: '2026-06-01T00:00:00.000Z' }],
      });
      // The pipeline's registry sees it at once.
      expect(api.registry.resolve('mmsi:412777000', Date.UTC(2026, 2, 1))?.vesselId).toBe('鲁日渔60777');

      const replaced = await put('鲁日渔60777', { id: '鲁日渔60777', hullName: '鲁日渔60777', gearType: 'stow-net', identifiers: [] });
      expect(replaced.status).toBe(200);
      const vessel = (await json(replaced)).vessel;
      expect(vessel).toMatchObject({ gearType: 'stow-net', identifiers: [] });
      expect(vessel.owner).toBeUndefined(); // PUT replaces: what is left out is cleared
      expect(api.registry.resolve('mmsi:412777000', Date.UTC(2026, 2, 1))).toBeUndefined();
    });

    it.each([
      [{ identifiers: [{ key: 'mmsi:12' }] }, 'identifiers.0.key', /mmsi:<9 digits>/],
      [{ identifiers: [{ key: 'mmsi:412777001', validFrom: 'yesterday' }] }, 'identifiers.0.validFrom', /ISO 8601/],
      [{ identifiers: [{ key: 'mmsi:412777001', validFrom: '2026-06-01', validTo: '2026-01-01' }] }, 'identifiers.0.validTo', /after validFrom/],
      [{ identifiers: [{ key: 'mmsi:412777001', until: '2026-01-01' }] }, 'identifiers.0.until', /not a field/],
      [{ lengthM: 24 }, 'lengthM', /not a field here; the fields are hullName/],
      [{ length: -3 }, 'length', /positive number of metres/],
      [{ length: '24' }, 'length', /number/],
      [{ ownerPhone: 'call me' }, 'ownerPhone', /phone number/],
      [{ hullName: '' }, 'hullName', /empty/],
      [{ id: 'someone-else' }, 'id', /path says/],
      [[1, 2], 'body', /JSON object/],
      ['', 'body', /JSON object/],
    ])('refuses %j with a 400 naming %s', async (body, parameter, message) => {
      const r = await put('鲁日渔60888', body);
      expect(r.status).toBe(400);
      const error = (await json(r)).error;
      expect(error).toMatchObject({ code: 'bad_parameter', parameter });
      expect(error.message).toMatch(message);
      expect(api.registry.get('鲁日渔60888')).toBeUndefined();
    });

    it('refuses an identifier another vessel holds for the same time with a 409', async () => {
      const r = await put('鲁日渔60999', { identifiers: [{ key: 'bds:1' }, { key: 'mmsi:412325670', validFrom: '2026-01-01' }] });
      expect(r.status).toBe(409);
      expect((await json(r)).error).toMatchObject({ code: 'conflict', parameter: 'identifiers.1', message: expect.stringMatching(/already bound to vessel "鲁日渔60123"/) });
      // After the other vessel's binding ends, it may be bound.
      const later = await put('鲁日渔60999', { identifiers: [{ key: 'bds:4207733', validTo: '2026-05-01' }] });
      expect(later.status).toBe(201);
    });

    it('refuses what is not JSON, identifier keys as ids, and non-admins', async () => {
      expect((await put('鲁日渔60888', 'hullName=x', 'admin', 'application/x-www-form-urlencoded')).status).toBe(415);
      const broken = await put('鲁日渔60888', '{"hullName": ');
      expect(broken.status).toBe(400);
      expect((await json(broken)).error.message).toMatch(/not valid JSON/);
      expect((await put('鲁日渔60888', { name: 'x'.repeat(70 * 1024) })).status).toBe(413);
      const keyId = await put('mmsi:412000001', { identifiers: [] });
      expect(keyId.status).toBe(400);
      expect((await json(keyId)).error).toMatchObject({ parameter: 'id', message: expect.stringMatching(/identifier key; register the vessel under its own id/) });
      for (const role of ['regulator', 'researcher'] as const) {
        const r = await put('鲁日渔60888', { identifiers: [] }, role);
        expect(r.status).toBe(403);
        expect((await json(r)).error.message).toMatch(new RegExp(`the ${role} role may not do this; it needs one of: admin`));
      }
      expect((await put('鲁日渔60888', { identifiers: [] }, 'device')).status).toBe(403);
      expect((await api.call(path('鲁日渔60888'), undefined, { method: 'PUT', body: '{}' })).status).toBe(401);
      expect(api.registry.get('鲁日渔60888')).toBeUndefined();
    });

    it('stores ids with quotes and SQL in them literally', async () => {
      for (const id of ["'; DROP TABLE vessel; --", '") |> drop()']) {
        expect((await put(id, { name: id, identifiers: [] })).status).toBe(201);
        expect((await json(await api.call(path(id), 'regulator'))).vessel).toMatchObject({ id, name: id });
        expect((await api.call(path(id), 'admin', { method: 'DELETE' })).status).toBe(204);
      }
      expect(api.registry.get('鲁日渔60123')).toBeDefined();
    });

    it('lets admins delete a vessel; its identifiers are free again', async () => {
      await put('鲁日渔61000', { identifiers: [{ key: 'mmsi:412610000' }] });
      expect((await api.call(path('鲁日渔61000'), 'regulator', { method: 'DELETE' })).status).toBe(403);
      expect((await api.call(path('鲁日渔61000'), 'admin', { method: 'DELETE' })).status).toBe(204);
      expect((await api.call(path('鲁日渔61000'), 'regulator')).status).toBe(404);
      expect(api.registry.resolve('mmsi:412610000', NOW)).toBeUndefined();
      const again = await api.call(path('鲁日渔61000'), 'admin', { method: 'DELETE' });
      expect(again.status).toBe(404);
      expect((await json(again)).error.message).toMatch(/no vessel "鲁日渔61000"/);
    });
  });

  it('asks for a token, and refuses device tokens', async () => {
    expect((await api.call('/api/v1/vessels', undefined)).status).toBe(401);
    const r = await api.call('/api/v1/vessels', 'device');
    expect(r.status).toBe(403);
    expect((await json(r)).error.message).toMatch(/device role/);
  });
});
