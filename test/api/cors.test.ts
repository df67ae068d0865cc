import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { requireRole } from '../../api/auth.js';
import { corsMiddleware } from '../../api/cors.js';
import { errorMiddleware } from '../../api/errors.js';
import { ConfigError, loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import { createToken } from '../../gateway/auth/tokens.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';

const MAP = 'https://map.example.org';

let server: Server | undefined;
let db: ConfigDb | undefined;

afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  db?.close();
  server = db = undefined;
});

/** An app laid out as createApi: CORS first, then errors, then a token-protected /api/v1 route. */
async function start(origins: readonly string[]): Promise<{ base: string; token: string }> {
  db = openConfigDbFile(':memory:');
  const token = createToken(db, { role: 'regulator', name: 'bureau' }).token;
  const app = new Koa();
  app.use(corsMiddleware(origins));
  app.use(errorMiddleware(silentLogger));
  const v1 = new Router();
  v1.use(requireRole(db, ['regulator']));
  v1.get('/api/v1/positions/latest', (ctx) => {
    ctx.body = { type: 'FeatureCollection', features: [] };
  });
  app.use(v1.routes());
  app.use(v1.allowedMethods());
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token };
}

const preflight = (base: string, origin: string) =>
  fetch(`${base}/api/v1/positions/latest`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } });

describe('CORS', () => {
  it('lets a listed origin read responses, without credentials', async () => {
    const { base, token } = await start([MAP, 'http://10.1.2.3:3000']);
    const res = await fetch(`${base}/api/v1/positions/latest`, { headers: { Origin: MAP, Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(MAP);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  it('answers a listed origin’s preflight without a token', async () => {
    const { base } = await start([MAP]);
    const res = await preflight(base, MAP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(MAP);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(res.headers.get('access-control-allow-methods')).toMatch(/GET/);
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('lets a listed origin read errors too, so its page can show them', async () => {
    const { base } = await start([MAP]);
    const res = await fetch(`${base}/api/v1/positions/latest`, { headers: { Origin: MAP } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(MAP);
  });

  it.each([
    ['an unlisted origin', [MAP], 'https://evil.example.com'],
    ['a listed host on another scheme', [MAP], 'http://map.example.org'],
    ['a listed host on another port', [MAP], 'https://map.example.org:8443'],
    ['any origin when none is listed (same-origin only)', [], MAP],
  ])('gives no CORS headers to %s', async (_what, origins, origin) => {
    const { base, token } = await start(origins);
    const get = await fetch(`${base}/api/v1/positions/latest`, { headers: { Origin: origin, Authorization: `Bearer ${token}` } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await preflight(base, origin);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-headers')).toBeNull();
  });
});

describe('TIDEWATCH_CORS_ORIGINS', () => {
  it('is empty by default and a trimmed list otherwise', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ TIDEWATCH_CORS_ORIGINS: ` ${MAP}, http://10.1.2.3:3000 ,` }).corsOrigins).toEqual([MAP, 'http://10.1.2.3:3000']);
  });

  it.each(['https://map.example.org/', 'https://map.example.org/viewer', 'map.example.org', 'ftp://map.example.org', 'https://Map.Example.org', '*'])(
    'rejects %s with a message naming the setting',
    (origin) => {
      const load = () => loadConfig({ TIDEWATCH_CORS_ORIGINS: origin });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/TIDEWATCH_CORS_ORIGINS: .* is not a web origin .* e\.g\. https:\/\/map\.example\.org/);
    },
  );
});
