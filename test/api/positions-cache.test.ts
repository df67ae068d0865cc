import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireRole } from '../../api/auth.js';
import { errorMiddleware } from '../../api/errors.js';
import { fixFeature, POSITION_UNITS, positionRoutes } from '../../api/routes/positions.js';
import { silentLogger } from '../../core/log.js';
import type { VesselFix } from '../../core/records.js';
import { createToken } from '../../gateway/auth/tokens.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';
import { LatestPositions } from '../../gateway/pipeline/latest-positions.js';
import { LiveBus } from '../../gateway/pipeline/live-bus.js';
import { VesselRegistry } from '../../gateway/registry/registry.js';
import { EmbeddedSeriesStore } from '../../gateway/store/embedded.js';

/**
 * GET /api/v1/positions/latest keeps each vessel's feature as JSON between requests: every answer
 * must still be what building the FeatureCollection afresh gives, byte for byte, after each kind of
 * change — the clock (age), a new fix, the registry changed through this connection or by another
 * process, an AIS name reported.
 */

const MIN = 60_000;
let now = Date.UTC(2026, 4, 2, 2, 30);
const LU = '鲁日渔60123';
const LU_MMSI = 'mmsi:412325670';
const NAMED = 'mmsi:412000001';
const UNNAMED = 'mmsi:412000002';

const fix = (vessel: string, key: string, minutesAgo: number, extra: Partial<VesselFix> = {}): VesselFix => ({
  kind: 'vessel-fix',
  source: 'ais',
  key,
  vessel,
  time: now - minutesAgo * MIN,
  lat: 35.35,
  lon: 119.6,
  sog: 8.2,
  cog: 92.4,
  ...extra,
});

describe('latest positions served from cached features', () => {
  let dir: string;
  let db: ConfigDb;
  let registry: VesselRegistry;
  let store: EmbeddedSeriesStore;
  let bus: LiveBus;
  let index: LatestPositions;
  let server: Server;
  let url: string;
  let token: string;

  /** A fix as the gateway takes it in: stored, then on the bus (which feeds the in-memory index). */
  const ingest = async (fixes: VesselFix[]) => {
    await store.write(fixes);
    bus.publish(fixes);
  };

  const get = async (query = '') => {
    const res = await fetch(`${url}/api/v1/positions/latest${query}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    return res.text();
  };

  /** The answer built afresh from the store and the registry as they are now (the route before it cached). */
  const expected = async (since?: number) => {
    const fixes = await store.latestFixes(since === undefined ? {} : { since });
    const vessels = new Map(registry.list().map((v) => [v.id, v]));
    const names = registry.staticOf(fixes.map((f) => f.key));
    const features = fixes.map((f) => {
      const vessel = vessels.get(f.vessel ?? f.key);
      const name = vessel ? undefined : names.get(f.key)?.name;
      return fixFeature(f, vessel, now, name ? { name } : {});
    });
    return JSON.stringify({ type: 'FeatureCollection', units: POSITION_UNITS, features });
  };

  const names = (body: string) => (JSON.parse(body).features as { id: string; properties: { name?: string } }[]).map((f) => [f.id, f.properties.name]);

  beforeAll(async () => {
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    dir = mkdtempSync(join(tmpdir(), 'tidewatch-positions-cache-'));
    db = openConfigDbFile(join(dir, 'tidewatch.db'));
    registry = new VesselRegistry(db, { recheckMs: 0 });
    registry.upsert({ id: LU, hullName: LU, name: 'LU RI YU 60123', identifiers: [{ key: LU_MMSI, validFrom: now - 60 * MIN }] });
    registry.recordStatic({ kind: 'vessel-static', key: NAMED, time: now - 90 * MIN, name: 'HAI XING 7' });
    // LU's MMSI also broadcast a name, and reported under its own key before LU was registered.
    registry.recordStatic({ kind: 'vessel-static', key: LU_MMSI, time: now - 90 * MIN, name: 'OLD AIS NAME' });
    store = new EmbeddedSeriesStore(':memory:');
    bus = new LiveBus();
    index = LatestPositions.open(store, bus, silentLogger);
    await index.ready;
    await ingest([fix(LU_MMSI, LU_MMSI, 70), fix(LU, LU_MMSI, 5), fix(NAMED, NAMED, 2, { lat: 35.2 }), fix(UNNAMED, UNNAMED, 20, { lat: 35.0, sog: undefined })]);
    token = createToken(db, { role: 'regulator', name: 'cache-test' }).token;

    const app = new Koa();
    app.use(errorMiddleware(silentLogger));
    const v1 = new Router();
    v1.use(requireRole(db, ['regulator']));
    v1.use(positionRoutes({ db, store, latest: index, registry }).routes());
    app.use(v1.routes());
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await store?.close();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers as built afresh, asked twice', async () => {
    const first = await get();
    expect(first).toBe(await expected());
    expect(await get()).toBe(first);
    expect(await get('?bbox=119,35.1,120,36')).toBe(JSON.stringify({ ...JSON.parse(first), features: JSON.parse(first).features.filter((f: { geometry: { coordinates: number[] } }) => f.geometry.coordinates[1] >= 35.1) }));
  });

  it('a registered vessel shows its registry name, not the AIS name its identifier broadcast under its own series', async () => {
    expect(names(await get())).toStrictEqual([
      [NAMED, 'HAI XING 7'],
      [UNNAMED, undefined],
      [LU_MMSI, 'OLD AIS NAME'],
      [LU, 'LU RI YU 60123'],
    ]);
  });

  it('ages every feature as the clock moves', async () => {
    now += 7 * MIN + 400;
    const body = await get();
    expect(body).toBe(await expected());
    expect(JSON.parse(body).features.find((f: { id: string }) => f.id === NAMED).properties.age).toBe(9 * 60 + 0);
  });

  it('shows a new fix of a vessel', async () => {
    await ingest([fix(NAMED, NAMED, 0, { lat: 35.25, lon: 119.65, sog: 2.5, station: 'RZ-AIS-02' })]);
    const body = await get();
    expect(body).toBe(await expected());
    expect(JSON.parse(body).features.find((f: { id: string }) => f.id === NAMED).geometry.coordinates).toStrictEqual([119.65, 35.25]);
  });

  it('shows a registry change made through this connection', async () => {
    registry.upsert({ id: LU, hullName: LU, name: 'LU RI YU 60123 (renamed)', identifiers: [{ key: LU_MMSI, validFrom: now - 60 * MIN }] });
    const body = await get();
    expect(body).toBe(await expected());
    expect(names(body)).toContainEqual([LU, 'LU RI YU 60123 (renamed)']);
  });

  it('shows an AIS name reported for an unregistered vessel', async () => {
    registry.recordStatic({ kind: 'vessel-static', key: UNNAMED, time: now, name: 'YUAN DA 3' });
    const body = await get();
    expect(body).toBe(await expected());
    expect(names(body)).toContainEqual([UNNAMED, 'YUAN DA 3']);
  });

  it('shows a registry change made by another process (another connection to the file)', async () => {
    const other = openConfigDbFile(join(dir, 'tidewatch.db'));
    try {
      const otherRegistry = new VesselRegistry(other);
      otherRegistry.upsert({ id: LU, hullName: '鲁日渔60123号', identifiers: [{ key: LU_MMSI, validFrom: now - 60 * MIN }] });
      otherRegistry.recordStatic({ kind: 'vessel-static', key: NAMED, time: now, name: 'HAI XING 8' });
    } finally {
      other.close();
    }
    const body = await get();
    expect(body).toBe(await expected());
    expect(names(body)).toContainEqual([NAMED, 'HAI XING 8']);
    expect(JSON.parse(body).features.find((f: { id: string }) => f.id === LU).properties).toMatchObject({ hullName: '鲁日渔60123号', registered: true });
  });

  it('shows a vessel deleted from the registry as unregistered', async () => {
    registry.delete(LU);
    const body = await get();
    expect(body).toBe(await expected());
    expect(JSON.parse(body).features.find((f: { id: string }) => f.id === LU).properties.registered).toBe(false);
  });
});
