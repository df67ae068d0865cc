import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/server.js';
import { silentLogger } from '../../core/log.js';
import { AlertStore } from '../../gateway/alerts/store.js';
import { createToken } from '../../gateway/auth/tokens.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';
import { GatewayMetrics } from '../../gateway/metrics.js';
import { VesselRegistry } from '../../gateway/registry/registry.js';
import { EmbeddedSeriesStore } from '../../gateway/store/index.js';
import { ZoneStore } from '../../gateway/zones/store.js';

/** The API process serving the built map (api/viewer.ts) and telling it who is signed in (GET /api/v1/me). */

let root: string;
let db: ConfigDb;
let store: EmbeddedSeriesStore;
let server: Server;
let base: string;

function serve(viewer: { root: string; style?: string }): Promise<string> {
  server = createServer(
    createApi({ db, registry: new VesselRegistry(db), store, zones: new ZoneStore(db), alerts: new AlertStore(db), metrics: new GatewayMetrics(), logger: silentLogger, version: 'test', corsOrigins: [], viewer }).callback(),
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tidewatch-viewer-static-'));
  mkdirSync(join(root, 'assets'));
  mkdirSync(join(root, 'glyphs', 'Noto Sans Regular'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Tidewatch</title>');
  writeFileSync(join(root, 'assets', 'main-ABCD1234.js'), 'console.log(1)');
  writeFileSync(join(root, 'glyphs', 'Noto Sans Regular', '0-255.pbf'), Buffer.from([10, 0]));
  db = openConfigDbFile(':memory:');
  store = new EmbeddedSeriesStore(':memory:');
  base = await serve({ root, style: 'https://tiles.example.org/style.json' });
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await store.close();
  db.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the map served by the API process', () => {
  it('serves index.html at / with a policy that keeps the page on this server and the deployment’s style host', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self' https://tiles.example.org");
    expect(await response.text()).toContain('<title>Tidewatch</title>');
  });

  it('gives hashed bundles a long cache life and every file its content type', async () => {
    const js = await fetch(`${base}/assets/main-ABCD1234.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    const glyphs = await fetch(`${base}/glyphs/Noto%20Sans%20Regular/0-255.pbf`);
    expect(glyphs.status).toBe(200);
    expect(glyphs.headers.get('content-type')).toBe('application/x-protobuf');
    expect(glyphs.headers.get('cache-control')).toBe('public, max-age=3600');
    // fetch() adds Cache-Control: no-cache to a conditional request unless told otherwise.
    const again = await fetch(`${base}/assets/main-ABCD1234.js`, { headers: { 'If-Modified-Since': js.headers.get('last-modified')!, 'Cache-Control': 'max-age=0' } });
    expect(again.status).toBe(304);
  });

  it('tells the page which style to load', async () => {
    expect(await (await fetch(`${base}/viewer-config.json`)).json()).toEqual({ style: 'https://tiles.example.org/style.json' });
  });

  it('serves nothing outside its folder, and leaves unknown API paths a JSON 404', async () => {
    expect((await fetch(`${base}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    const api = await fetch(`${base}/api/v1/nothing-here`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).not.toContain('text/html');
  });

  it('answers GET /api/v1/me with the token’s name, role and permissions; 401 without a token, 403 for a device', async () => {
    const regulator = createToken(db, { role: 'regulator', name: 'duty-officer' }).token;
    const researcher = createToken(db, { role: 'researcher', name: 'lab' }).token;
    const device = createToken(db, { role: 'device', name: 'BUOY-1' }).token;
    const me = (token?: string) => fetch(`${base}/api/v1/me`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    expect(await (await me(regulator)).json()).toEqual({ name: 'duty-officer', role: 'regulator', permissions: { read: true, manageZones: true, triageAlerts: true, manageVessels: false } });
    expect((await (await me(researcher)).json()) as object).toMatchObject({ permissions: { manageZones: false, triageAlerts: false } });
    expect((await me()).status).toBe(401);
    expect((await me(device)).status).toBe(403);
  });

  it('says the map is not built when it is not', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tidewatch-viewer-empty-'));
    const other = await new Promise<{ url: string; close: () => Promise<void> }>((resolve) => {
      const s = createServer(createApi({ db, registry: new VesselRegistry(db), store, zones: new ZoneStore(db), alerts: new AlertStore(db), metrics: new GatewayMetrics(), logger: silentLogger, version: 'test', corsOrigins: [], viewer: { root: empty } }).callback());
      s.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => new Promise((r) => s.close(() => r())) }));
    });
    const response = await fetch(`${other.url}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build');
    await other.close();
    rmSync(empty, { recursive: true, force: true });
  });
});
