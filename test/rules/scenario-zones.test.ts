import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import { createToken } from '../../gateway/auth/tokens.js';
import { runRules } from '../../gateway/cli/rules.js';
import { startGateway, type RunningGateway } from '../../gateway/cli/serve.js';
import { replayHistory } from '../../gateway/rules/replay.js';
import { ZoneStore } from '../../gateway/zones/store.js';
import { MINUTE, SECOND } from './behaviour-support.js';
import { aisPositionLine, until, wholeSecond } from './scenario-support.js';
import { freePort } from '../support/net.js';

/**
 * Issue 5 §4 with real AIS sentences over the NMEA TCP port (tag blocks give station and event time):
 * a trawler entering a no-fishing zone raises one alert although it runs along the edge, keeps it
 * across a gateway restart, and closes it on leaving; a vessel's port visits are listed; a replay
 * after a zone is added raises that zone's alerts once, and a second replay adds none.
 */

const TRAWLER = { id: '鲁日渔60123', mmsi: 412325670 };
const COASTER = { id: '鲁日渔60124', mmsi: 412325671 };
const PORT = { lat: 35.37, lon: 119.56 };
const NORTH_EDGE = 35.4;
/** ≈ 33 m of latitude, either side of the line. */
const WOBBLE = 0.0003;

describe('scenario: a trawler, a no-fishing zone and a port', () => {
  let dir: string;
  let nmeaPort: number;
  let gw: RunningGateway;
  let token: string;
  const zone: Record<string, number> = {};
  let sent = 0;
  // Event times: the last three hours (fixes may not lie in the future).
  const T0 = wholeSecond(Date.now()) - 3 * 60 * MINUTE;

  const start = async () => {
    gw = await startGateway(loadConfig({ TIDEWATCH_DATA_DIR: dir, TIDEWATCH_HTTP_PORT: '0', TIDEWATCH_NMEA_PORT: String(nmeaPort) }), silentLogger);
  };
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${gw.url}${path}`, { ...init, headers: { 'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const createZone = async (geometry: unknown, properties: Record<string, unknown>) => {
    const res = await api(`/api/v1/geofences?effectiveFrom=${new Date(T0 - 60 * MINUTE).toISOString()}`, { method: 'POST', body: JSON.stringify({ type: 'Feature', geometry, properties }) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as number;
  };
  /** AIS reports of one vessel at (event time, lat, lon), sent over TCP; resolves once the engine evaluated them. */
  const report = async (mmsi: number, points: [number, number, number][]) => {
    const engine = gw.rules.engine;
    const target = engine.stats.fixes + engine.stats.lateFixes + points.length;
    const socket = connect(nmeaPort, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.end(`${points.map(([t, lat, lon]) => aisPositionLine(t, { mmsi, navStatus: 7, lat, lon, sog: 8, cog: 90, heading: 90 })).join('\r\n')}\r\n`);
    await until(`${points.length} fixes evaluated`, () => engine.stats.fixes + engine.stats.lateFixes >= target);
    sent += points.length;
  };
  const alerts = async (query: string) => (await api(`/api/v1/alerts?${query}`)).body.alerts as any[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidewatch-zones-'));
    nmeaPort = await freePort();
    await start();
    token = createToken(gw.db, { role: 'regulator', name: 'harbour-office' }).token;
    gw.registry.upsert({ id: TRAWLER.id, gearType: 'trawl', identifiers: [{ key: `mmsi:${TRAWLER.mmsi}` }] });
    gw.registry.upsert({ id: COASTER.id, gearType: 'gillnet', identifiers: [{ key: `mmsi:${COASTER.mmsi}` }] });
    const rectangle = (w: number, s: number, e: number, n: number) => ({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] });
    zone.noFishing = await createZone(rectangle(119.6, 35.3, 119.75, NORTH_EDGE), { name: '日照港航道禁渔区', kind: 'no_fishing', severity: 'critical', vesselFilter: { gearTypes: ['trawl'] } });
    zone.port = await createZone({ type: 'Circle', center: [PORT.lon, PORT.lat], radius: 1500 }, { name: '日照港', kind: 'port', severity: 'info' });
  });

  afterAll(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one zone_enter for a trawler running along the zone’s edge, citing the zone, its version and severity', async () => {
    // Down from the north, then 40 reports 30 s apart along the edge, each on the other side of it.
    const approach: [number, number, number][] = [0, 1, 2].map((i) => [T0 + i * MINUTE, NORTH_EDGE + 0.01 - i * 0.004, 119.62]);
    const edge: [number, number, number][] = Array.from({ length: 40 }, (_, i) => [T0 + 3 * MINUTE + i * 30 * SECOND, NORTH_EDGE + (i % 2 === 0 ? -WOBBLE : WOBBLE), 119.622 + i * 0.002]);
    await report(TRAWLER.mmsi, [...approach, ...edge]);
    const entered = await alerts(`type=zone_enter&zone=${zone.noFishing}`);
    expect(entered).toHaveLength(1);
    expect(entered[0]).toMatchObject({ vessel: TRAWLER.id, severity: 'critical', zone: { id: zone.noFishing, version: 1 }, ongoing: true, startTime: new Date(edge[0][0]).toISOString(), details: { zoneName: '日照港航道禁渔区', trigger: 'entered' } });
    expect(await alerts('type=zone_exit')).toEqual([]);
  });

  it('keeps the incident across a restart, and closes it with one zone_exit when the trawler leaves', async () => {
    await gw.stop();
    await start();
    const t = T0 + 25 * MINUTE;
    await report(TRAWLER.mmsi, [[t, 35.38, 119.71], [t + MINUTE, 35.385, 119.72]]);
    expect(await alerts(`type=zone_enter&zone=${zone.noFishing}`)).toHaveLength(1);
    // 1.1 km north of the line, 3 km on at 16 kn.
    const left = t + 11 * MINUTE;
    await report(TRAWLER.mmsi, [[left, NORTH_EDGE + 0.01, 119.73]]);
    const [exit] = await alerts('type=zone_exit');
    expect(exit).toMatchObject({ vessel: TRAWLER.id, zone: { id: zone.noFishing }, ongoing: false, startTime: new Date(left).toISOString() });
    const [enter] = await alerts(`type=zone_enter&zone=${zone.noFishing}`);
    expect(enter).toMatchObject({ ongoing: false, endTime: new Date(left).toISOString(), details: { ended: 'exited' } });
  });

  it('lists a vessel’s port visits: one ended, one going on', async () => {
    // In port, out to sea for an hour, back in.
    const points: [number, number, number][] = Array.from({ length: 13 }, (_, i) => {
      const out = i >= 2 && i <= 10 ? 0.05 : 0;
      return [T0 + 30 * MINUTE + i * 10 * MINUTE, PORT.lat, PORT.lon + out];
    });
    await report(COASTER.mmsi, points);
    const { body } = await api(`/api/v1/port-visits?vessel=${encodeURIComponent(COASTER.id)}`);
    expect(body.visits).toMatchObject([
      { vessel: COASTER.id, port: { id: zone.port, version: 1, name: '日照港' }, arrivalTime: new Date(points[11][0]).toISOString(), inPort: true },
      { vessel: COASTER.id, port: { id: zone.port }, arrivalTime: new Date(points[0][0]).toISOString(), departureTime: new Date(points[2][0]).toISOString(), durationS: 20 * 60, inPort: false },
    ]);
    expect((await alerts(`type=port_arrival,port_departure&vessel=${encodeURIComponent(COASTER.id)}`)).map((a) => a.type)).toEqual(['port_arrival', 'port_departure', 'port_arrival']);
    expect((await api('/api/v1/port-visits?port=0')).status).toBe(400);
  });

  it('a replay after adding a zone raises its alerts once; a second replay adds none', async () => {
    // The replay reads the store, which the spool fills a moment after the engine saw the fixes.
    for (const end = Date.now() + 20_000; (await gw.store.count('vessel-fix')) < sent; ) {
      if (Date.now() > end) throw new Error('timed out waiting for the fixes to be stored');
      await new Promise((r) => setTimeout(r, 100));
    }
    // A protected strip over part of the trawler's run along the edge, in force since before it passed.
    zone.strip = await createZone({ type: 'Polygon', coordinates: [[[119.65, 35.39], [119.7, 35.39], [119.7, 35.41], [119.65, 35.41], [119.65, 35.39]]] }, { name: '岚山海洋保护带', kind: 'protected', severity: 'warning' });
    expect(await alerts(`zone=${zone.strip}`)).toEqual([]);

    const replay = (zoneId?: number) =>
      replayHistory({ store: gw.store, db: gw.db, registry: gw.registry, zones: new ZoneStore(gw.db), alerts: gw.alerts, calendar: gw.rules.calendar, logger: silentLogger, from: T0 - 60 * MINUTE, to: Date.now(), ...(zoneId ? { zoneId } : {}) });
    const first = await replay(zone.strip);
    expect(first).toMatchObject({ fixes: sent, raised: 2, known: 0 });
    const strip = await alerts(`zone=${zone.strip}`);
    expect(strip.map((a) => [a.type, a.vessel, a.zone.version])).toEqual([
      ['zone_exit', TRAWLER.id, 1],
      ['zone_enter', TRAWLER.id, 1],
    ]);
    expect(await replay(zone.strip)).toMatchObject({ raised: 0, known: 2 });

    // Every rule over the whole history: nothing the gateway raised live is raised again.
    const before = { enter: (await alerts('type=zone_enter')).length, port: (await alerts('type=port_arrival,port_departure')).length, visits: (await api('/api/v1/port-visits')).body.visits.length };
    await replay();
    expect(await replay()).toMatchObject({ raised: 0 });
    expect({ enter: (await alerts('type=zone_enter')).length, port: (await alerts('type=port_arrival,port_departure')).length, visits: (await api('/api/v1/port-visits')).body.visits.length }).toEqual(before);
  });

  it('tidewatch rules: usage errors exit with 2', async () => {
    expect(await runRules([])).toBe(2);
    expect(await runRules(['replay', '--from', '2026-05-01'])).toBe(2);
    expect(await runRules(['replay', '--from', '2026-05-02', '--to', '2026-05-01'])).toBe(2);
    expect(await runRules(['replay', '--from', '2026-05-01', '--to', '2026-05-02', '--zone', 'x'])).toBe(2);
  });
});
