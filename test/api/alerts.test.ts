import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertPaths } from '../../api/routes/alerts.js';
import { EVIDENCE_KEPT } from '../../gateway/alerts/store.js';
import { parseZoneFeature } from '../../gateway/zones/schema.js';
import { fix } from '../alerts/fixtures.js';
import { startApiApp, type ApiApp } from '../zones/api-app.js';
import { noFishingOffPort } from '../zones/rizhao.js';

const T0 = Date.parse('2026-06-01T02:00:00Z');
const MIN = 60_000;
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('alerts API', () => {
  let app: ApiApp;
  let clock = T0;
  let zoneId: number;
  beforeAll(async () => {
    app = await startApiApp(() => clock);
    zoneId = app.zones.create(parseZoneFeature(noFishingOffPort), { by: 'regulator-王', effectiveFrom: T0 - H }).zoneId;
    // What the rules engine would raise: one vessel lingering in the zone (merged), an encounter, a hypoxic buoy, a dark vessel.
    for (let i = 0; i < 25; i++) {
      app.alerts.raise({ type: 'zone_enter', severity: 'critical', dedupeKey: `zone_enter:${zoneId}:鲁日渔60123`, vessel: '鲁日渔60123', zoneId, zoneVersion: 1, time: T0 + i * MIN, evidence: [fix(T0 + i * MIN)] });
    }
    app.alerts.raise({ type: 'encounter', severity: 'warning', dedupeKey: 'encounter:鲁日渔60001:鲁日渔60123', vessel: '鲁日渔60001', otherVessel: '鲁日渔60123', time: T0 + H, evidence: [], details: { distanceM: 320 } });
    app.alerts.raise({ type: 'buoy_threshold', severity: 'critical', dedupeKey: 'do:BUOY-RZ-007', device: 'BUOY-RZ-007', time: T0 + 2 * H, evidence: [], details: { variable: 'mass_concentration_of_oxygen_in_sea_water', value: 2.4, threshold: 3 } });
    app.alerts.raise({ type: 'dark', severity: 'warning', dedupeKey: 'dark:鲁日渔60777', vessel: '鲁日渔60777', time: T0 + 3 * H, evidence: [] });
  });
  afterAll(() => app?.close());

  it('lists alerts newest first, merged rather than repeated', async () => {
    const res = await app.call('GET', '/api/v1/alerts', { as: 'researcher' });
    expect(res.status).toBe(200);
    expect(res.body.alerts.map((a: { type: string }) => a.type)).toEqual(['dark', 'buoy_threshold', 'encounter', 'zone_enter']);
    expect(res.body.alerts[3]).toMatchObject({ id: 1, severity: 'critical', status: 'open', vessel: '鲁日渔60123', zone: { id: zoneId, version: 1 }, startTime: iso(T0), endTime: iso(T0 + 24 * MIN), ongoing: true, occurrences: 25, evidenceCount: 25 });
    expect(res.body).not.toHaveProperty('nextCursor');
  });

  it('filters by type, status, vessel, device, zone and time range', async () => {
    const ids = async (query: string) => (await app.call('GET', `/api/v1/alerts?${query}`)).body.alerts.map((a: { id: number }) => a.id);
    expect(await ids('type=dark,encounter')).toEqual([4, 2]);
    expect(await ids('status=open')).toEqual([4, 3, 2, 1]);
    expect(await ids(`vessel=${encodeURIComponent('鲁日渔60123')}`)).toEqual([2, 1]);
    expect(await ids('device=BUOY-RZ-007')).toEqual([3]);
    expect(await ids(`zone=${zoneId}`)).toEqual([1]);
    expect(await ids(`from=${iso(T0 + 90 * MIN)}&to=${encodeURIComponent('2026-06-01T12:30:00+08:00')}`)).toEqual([3]);
  });

  it('pages with limit and cursor', async () => {
    const first = await app.call('GET', '/api/v1/alerts?limit=3');
    expect(first.body.alerts).toHaveLength(3);
    expect(first.body.nextCursor).toBe('2');
    const second = await app.call('GET', `/api/v1/alerts?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.alerts.map((a: { id: number }) => a.id)).toEqual([1]);
    expect(second.body).not.toHaveProperty('nextCursor');
  });

  it('shows one alert with its bounded evidence, times in ISO 8601', async () => {
    const res = await app.call('GET', '/api/v1/alerts/1', { as: 'researcher' });
    expect(res.status).toBe(200);
    expect(res.body.evidence).toHaveLength(2 * EVIDENCE_KEPT);
    expect(res.body.evidenceOmitted).toBe(25 - 2 * EVIDENCE_KEPT);
    expect(res.body.evidence[0]).toEqual({ ...fix(T0), time: iso(T0) });
    expect(res.body.evidence.at(-1).time).toBe(iso(T0 + 24 * MIN));
    expect(res.body.units).toMatchObject({ sog: 'kn' });
    expect((await app.call('GET', '/api/v1/alerts/3')).body.details).toEqual({ variable: 'mass_concentration_of_oxygen_in_sea_water', value: 2.4, threshold: 3 });
    expect((await app.call('GET', '/api/v1/alerts/99')).status).toBe(404);
  });

  it('acknowledge then close, recording who and when; invalid transitions are 409 with a reason', async () => {
    clock = T0 + 4 * H;
    const ack = await app.call('POST', '/api/v1/alerts/1/acknowledge', { as: 'regulator', body: { note: '已通知船长驶离' } });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledged: { by: 'regulator-王', at: iso(T0 + 4 * H), note: '已通知船长驶离' } });
    const again = await app.call('POST', '/api/v1/alerts/1/acknowledge', { as: 'admin' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', message: `alert 1 is already acknowledged by regulator-王 at ${iso(T0 + 4 * H)}; only an open alert can be acknowledged` });
    clock = T0 + 5 * H;
    const closed = await app.call('POST', '/api/v1/alerts/1/close', { as: 'admin' });
    expect(closed.body).toMatchObject({ status: 'closed', ongoing: false, acknowledged: { by: 'regulator-王' }, closed: { by: 'admin-王', at: iso(T0 + 5 * H) } });
    expect(closed.body.closed).not.toHaveProperty('note');
    expect((await app.call('POST', '/api/v1/alerts/1/close')).status).toBe(409);
    expect((await app.call('POST', '/api/v1/alerts/1/acknowledge')).status).toBe(409);
    // An open alert can be closed directly, as a false alarm.
    expect((await app.call('POST', '/api/v1/alerts/4/close', { body: { note: '终端故障，误报' } })).body).toMatchObject({ status: 'closed', closed: { note: '终端故障，误报' } });
    expect((await app.call('GET', '/api/v1/alerts?status=closed')).body.alerts.map((a: { id: number }) => a.id)).toEqual([4, 1]);
    expect((await app.call('POST', '/api/v1/alerts/99/acknowledge')).status).toBe(404);
  });

  it('checks the triage body', async () => {
    const unknown = await app.call('POST', '/api/v1/alerts/2/acknowledge', { body: { note: 'x', status: 'closed' } });
    expect(unknown.status).toBe(400);
    expect((await app.call('POST', '/api/v1/alerts/2/acknowledge', { body: { note: 'x'.repeat(2001) } })).body.error).toMatchObject({ parameter: 'note', message: expect.stringMatching(/at most 2000/) });
    expect((await app.call('POST', '/api/v1/alerts/2/acknowledge', { body: ['note'] })).body.error.message).toMatch(/must be a JSON object/);
    expect((await app.call('POST', '/api/v1/alerts/2/acknowledge', { raw: 'note' })).body.error.code).toBe('bad_body');
    expect((await app.call('GET', '/api/v1/alerts/2')).body.status).toBe('open');
  });

  it('400 naming the parameter', async () => {
    const cases: [string, string, RegExp][] = [
      ['type=zone_entry', 'type', /"zone_entry" is not one of zone_enter, zone_exit/],
      ['status=pending', 'status', /not one of open, acknowledged, closed/],
      ['zone=abc', 'zone', /zone id/],
      ['from=1%20June%202026', 'from', /ISO 8601/],
      [`from=${iso(T0 + H)}&to=${iso(T0)}`, 'to', /to must not be before from/],
      ['limit=0', 'limit', /1 to 1000/],
      ['limit=5000', 'limit', /1 to 1000/],
      ['cursor=abc', 'cursor', /nextCursor/],
    ];
    for (const [query, parameter, message] of cases) {
      const res = await app.call('GET', `/api/v1/alerts?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'bad_parameter', parameter });
      expect(res.body.error.message).toMatch(message);
    }
    expect((await app.call('GET', '/api/v1/alerts/abc')).body.error.parameter).toBe('id');
  });

  it('takes injection attempts in query parameters literally', async () => {
    const q = (s: string) => encodeURIComponent(s);
    expect((await app.call('GET', `/api/v1/alerts?vessel=${q("' OR 1=1 --")}`)).body.alerts).toEqual([]);
    expect((await app.call('GET', `/api/v1/alerts?vessel=${q('鲁日渔%')}`)).body.alerts).toEqual([]);
    expect((await app.call('GET', `/api/v1/alerts?device=${q('BUOY-RZ-007" OR "1"="1')}`)).body.alerts).toEqual([]);
    expect((await app.call('GET', `/api/v1/alerts?type=${q("dark') OR ('1'='1")}`)).status).toBe(400);
    expect((await app.call('GET', `/api/v1/alerts?zone=${q('1 OR 1=1')}`)).status).toBe(400);
    expect((await app.call('GET', `/api/v1/alerts?cursor=${q('5; DROP TABLE alert')}`)).status).toBe(400);
    expect((await app.call('GET', '/api/v1/alerts')).body.alerts).toHaveLength(4);
  });

  it('roles: researchers read but do not triage; devices get nothing', async () => {
    expect((await app.call('GET', '/api/v1/alerts/2', { as: 'researcher' })).status).toBe(200);
    const researcher = await app.call('POST', '/api/v1/alerts/2/acknowledge', { as: 'researcher' });
    expect(researcher.status).toBe(403);
    expect(researcher.body.error.message).toMatch(/needs one of: regulator, admin/);
    expect((await app.call('POST', '/api/v1/alerts/2/close', { as: 'researcher' })).status).toBe(403);
    expect((await app.call('GET', '/api/v1/alerts', { as: 'device' })).status).toBe(403);
    expect((await app.call('GET', '/api/v1/alerts/2', { as: 'device' })).status).toBe(403);
    expect((await app.call('POST', '/api/v1/alerts/2/acknowledge', { as: 'device' })).status).toBe(403);
    expect((await app.call('GET', '/api/v1/alerts', { as: 'tw_nope' })).status).toBe(401);
  });

  it('describes its paths for OpenAPI', () => {
    expect(Object.keys(alertPaths)).toEqual(['/api/v1/alerts', '/api/v1/alerts/{id}', '/api/v1/alerts/{id}/acknowledge', '/api/v1/alerts/{id}/close']);
  });
});
