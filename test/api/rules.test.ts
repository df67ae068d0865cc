import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMiddleware } from '../../api/errors.js';
import { ruleRoutes } from '../../api/routes/rules.js';
import { silentLogger } from '../../core/log.js';
import { createToken, ROLES, type Role } from '../../gateway/auth/tokens.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';
import { PortVisitStore } from '../../gateway/rules/ports.js';
import { parseZoneFeature } from '../../gateway/zones/schema.js';
import { ZoneStore } from '../../gateway/zones/store.js';

/** The rules routes (port visits, ban calendar, daily headcount) over a real config database and real tokens. */

/** ms of a Beijing time (UTC+8) on a day of 2026. */
const beijing = (day: string, hhmm: string) => Date.parse(`2026-${day}T${hhmm}:00+08:00`);

describe('rules API: port visits, ban calendar, daily headcount', () => {
  let db: ConfigDb;
  let server: Server;
  let base: string;
  const tokens = {} as Record<Role, string>;
  const port: Record<string, number> = {};

  const call = async (path: string, as: Role | 'nobody' = 'researcher') => {
    const res = await fetch(`${base}${path}`, { headers: as === 'nobody' ? {} : { Authorization: `Bearer ${tokens[as]}` } });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    db = openConfigDbFile(':memory:');
    for (const role of ROLES) tokens[role] = createToken(db, { role, name: `${role}-1` }).token;
    const zones = new ZoneStore(db);
    const circle = (name: string, lon: number) =>
      zones.create(parseZoneFeature({ type: 'Feature', geometry: { type: 'Circle', center: [lon, 35.37], radius: 1500 }, properties: { name, kind: 'port' } }), { by: 'test', effectiveFrom: Date.parse('2026-01-01') }).zoneId;
    port.rizhao = circle('日照港', 119.56);
    port.lanshan = circle('岚山港', 119.4);
    const visits = new PortVisitStore(db);
    // A: out of Rizhao on the ban's first morning, into Lanshan in the evening. B: in Rizhao all along.
    visits.arrived({ vessel: 'A', zoneId: port.rizhao, zoneVersion: 1, arrivalTime: beijing('04-30', '18:00') });
    visits.departed({ vessel: 'A', zoneId: port.rizhao, arrivalTime: beijing('04-30', '18:00'), departureTime: beijing('05-01', '10:00') });
    visits.arrived({ vessel: 'A', zoneId: port.lanshan, zoneVersion: 1, arrivalTime: beijing('05-01', '18:00') });
    visits.arrived({ vessel: 'B', zoneId: port.rizhao, zoneVersion: 1, arrivalTime: beijing('04-20', '09:00') });
    // Written twice, as a replay would: kept once.
    visits.arrived({ vessel: 'B', zoneId: port.rizhao, zoneVersion: 1, arrivalTime: beijing('04-20', '09:00') });

    const app = new Koa();
    app.use(errorMiddleware(silentLogger));
    const router = ruleRoutes({ db, zones });
    app.use(router.routes());
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    db?.close();
  });

  it('lists visits per vessel and per port, newest arrival first, with the port’s name and the duration in seconds', async () => {
    const a = await call('/api/v1/port-visits?vessel=A');
    expect(a.status).toBe(200);
    expect(a.body.visits).toMatchObject([
      { vessel: 'A', port: { id: port.lanshan, version: 1, name: '岚山港' }, arrivalTime: '2026-05-01T10:00:00.000Z', inPort: true },
      { vessel: 'A', port: { id: port.rizhao, name: '日照港' }, arrivalTime: '2026-04-30T10:00:00.000Z', departureTime: '2026-05-01T02:00:00.000Z', durationS: 16 * 3600, inPort: false },
    ]);
    expect(a.body.visits[0].departureTime).toBeUndefined();
    expect((await call(`/api/v1/port-visits?port=${port.rizhao}`)).body.visits.map((v: { vessel: string }) => v.vessel)).toEqual(['A', 'B']);
    // Visits going on in [from, to).
    expect((await call('/api/v1/port-visits?from=2026-05-01T03:00:00Z&to=2026-05-01T09:00:00Z')).body.visits.map((v: { vessel: string }) => v.vessel)).toEqual(['B']);
    expect((await call('/api/v1/port-visits?limit=1&offset=1')).body.visits).toHaveLength(1);
  });

  it('counts per port at 12:00 Beijing time: in port, and at sea since leaving it', async () => {
    const { body } = await call('/api/v1/ban-calendar/daily-counts?from=2026-05-01&to=2026-05-02');
    expect(body).toEqual({
      timezone: 'Asia/Shanghai',
      headcountTime: '12:00',
      days: [
        { date: '2026-05-01', time: '2026-05-01T04:00:00.000Z', ban: true, ports: [{ id: port.rizhao, name: '日照港', inPort: 1, atSea: 1 }] },
        {
          date: '2026-05-02',
          time: '2026-05-02T04:00:00.000Z',
          ban: true,
          ports: [
            { id: port.rizhao, name: '日照港', inPort: 1, atSea: 0 },
            { id: port.lanshan, name: '岚山港', inPort: 1, atSea: 0 },
          ],
        },
      ],
    });
    expect((await call(`/api/v1/ban-calendar/daily-counts?from=2026-04-30&to=2026-04-30&port=${port.lanshan}`)).body.days).toEqual([{ date: '2026-04-30', time: '2026-04-30T04:00:00.000Z', ban: false, ports: [] }]);
  });

  it('serves the default calendar and its seasons for a year', async () => {
    const { body } = await call('/api/v1/ban-calendar?year=2027');
    expect(body.year).toBe(2027);
    expect(body.calendar).toMatchObject({ timezone: 'Asia/Shanghai', permits: [] });
    expect(body.seasons).toContainEqual(expect.objectContaining({ area: 'yellow-east-china-sea-35n-to-26-30n', gears: ['beam-trawl', 'pot', 'gillnet', 'light-purse-seine'], start: '2027-05-01T04:00:00.000Z', end: '2027-08-01T04:00:00.000Z' }));
  });

  it('needs a reader’s token', async () => {
    expect((await call('/api/v1/port-visits', 'nobody')).status).toBe(401);
    expect((await call('/api/v1/ban-calendar', 'device')).status).toBe(403);
    for (const role of ['regulator', 'researcher', 'admin'] as const) expect((await call('/api/v1/ban-calendar/daily-counts?from=2026-05-01&to=2026-05-01', role)).status).toBe(200);
  });

  it.each([
    ['/api/v1/port-visits?port=abc', 'port'],
    ['/api/v1/port-visits?limit=0', 'limit'],
    ['/api/v1/port-visits?from=yesterday', 'from'],
    ['/api/v1/port-visits?from=2026-05-02&to=2026-05-01', 'to'],
    ['/api/v1/ban-calendar?year=1066', 'year'],
    ['/api/v1/ban-calendar/daily-counts?from=2026-13-01', 'from'],
    ['/api/v1/ban-calendar/daily-counts?from=2026-05-01&to=2028-05-01', 'to'],
  ])('%s is a 400 naming %s', async (path, parameter) => {
    const res = await call(path);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'bad_parameter', parameter });
  });
});
