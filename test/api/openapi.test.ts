import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMiddleware } from '../../api/errors.js';
import { LIVE_PATH } from '../../api/live.js';
import { buildOpenApiDocument } from '../../api/openapi-document.js';
import { metaRoutes } from '../../api/routes/meta.js';
import { createApi } from '../../api/server.js';
import { silentLogger } from '../../core/log.js';
import { AlertStore } from '../../gateway/alerts/store.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';
import { GatewayMetrics } from '../../gateway/metrics.js';
import { VesselRegistry } from '../../gateway/registry/registry.js';
import { EmbeddedSeriesStore } from '../../gateway/store/index.js';
import { ZoneStore } from '../../gateway/zones/store.js';

const VERSION = '9.8.7-test';
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

type Doc = Record<string, any>;

/** The routers a Koa app dispatches to: @koa/router marks its middleware with `.router`. */
function routersOf(app: Koa): Router[] {
  return app.middleware.flatMap((mw) => {
    const router = (mw as unknown as { router?: Router }).router;
    return router ? [router] : [];
  });
}

/** `GET /api/v1/vessels/{id}` for every route of the routers (nested routers are flattened into their parents' stacks). */
function servedOperations(routers: readonly Router[]): Set<string> {
  const served = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      if (layer.methods.length === 0) continue; // router.use() middleware, not a route
      const path = String(layer.path).replace(/:(\w+)/g, '{$1}');
      // @koa/router answers HEAD for every GET; only a HEAD of its own needs describing.
      for (const method of layer.methods) if (!(method === 'HEAD' && layer.methods.includes('GET'))) served.add(`${method} ${path}`);
    }
  }
  return served;
}

function documentedOperations(doc: Doc): Set<string> {
  return new Set(Object.entries(doc.paths as Record<string, Doc>).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`)));
}

/** What the app serves without a description, and what is described but not served. */
function mismatches(served: Set<string>, documented: Set<string>) {
  return { undocumented: [...served].filter((op) => !documented.has(op)).sort(), unserved: [...documented].filter((op) => !served.has(op)).sort() };
}

let db: ConfigDb;
let store: EmbeddedSeriesStore;
let api: Koa;
let doc: Doc;

/** The app as the gateway builds it. */
function gatewayApi(): Koa {
  return createApi({ db, registry: new VesselRegistry(db), store, zones: new ZoneStore(db), alerts: new AlertStore(db), metrics: new GatewayMetrics(), logger: silentLogger, version: VERSION, corsOrigins: [] });
}

beforeAll(async () => {
  db = openConfigDbFile(':memory:');
  store = new EmbeddedSeriesStore(':memory:');
  api = gatewayApi();
  doc = await buildOpenApiDocument(VERSION);
});

afterAll(async () => {
  await store.close();
  db.close();
});

/**
 * Everything the gateway serves over HTTP: the app's routers, the meta routes (until server.ts
 * mounts them in createApi, the union changes nothing once it does) and the live WebSocket, which
 * is served by an upgrade listener rather than a router.
 */
function servedByGateway(app: Koa): Set<string> {
  return new Set([...servedOperations([...routersOf(app), metaRoutes({ version: VERSION })]), `GET ${LIVE_PATH}`]);
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.0 document', async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc).toMatchObject({ openapi: '3.0.3', info: { title: 'Tidewatch API', version: VERSION } });
  });

  it('documents every route the gateway serves, and serves every documented path', () => {
    expect(mismatches(servedByGateway(api), documentedOperations(doc))).toEqual({ undocumented: [], unserved: [] });
  });

  it('the completeness check fails for a route added without a description', () => {
    const app = gatewayApi();
    const extra = new Router();
    extra.get('/api/v1/vessels/:id/catch', () => {});
    extra.delete('/api/v1/positions/latest', () => {});
    const v1 = new Router();
    v1.use(extra.routes());
    app.use(v1.routes());
    expect(mismatches(servedByGateway(app), documentedOperations(doc)).undocumented).toEqual(['DELETE /api/v1/positions/latest', 'GET /api/v1/vessels/{id}/catch']);
  });

  it('resolves every $ref', () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) if (k === '$ref' && typeof v === 'string') refs.push(v);
        else walk(v);
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    const unresolved = refs.filter((ref) => ref.replace(/^#\//, '').split('/').reduce<any>((n, k) => n?.[k], doc) === undefined);
    expect(unresolved).toEqual([]);
  });

  it('gives every operation a declared tag, a summary, a description and its auth errors', () => {
    const declared = new Set((doc.tags as Array<{ name: string }>).map((t) => t.name));
    const problems: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Doc>)) {
      for (const [method, op] of Object.entries(item).filter(([m]) => METHODS.includes(m))) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!op.tags?.length) problems.push(`${where}: no tag (the docs page groups by tag)`);
        for (const tag of op.tags ?? []) if (!declared.has(tag)) problems.push(`${where}: tag ${tag} is not declared`);
        if (!op.summary) problems.push(`${where}: no summary`);
        if (!op.description) problems.push(`${where}: no description`);
        const secured = (op.security ?? doc.security).length > 0;
        if (secured && !(op.responses['401'] && op.responses['403'])) problems.push(`${where}: needs a token, so document 401 and 403`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('states units where numbers have them', () => {
    const positions = JSON.stringify(doc.paths['/api/v1/positions/latest']);
    for (const unit of ['kn', 'degree', 's']) expect(positions).toContain(unit);
    expect(doc.paths[LIVE_PATH].get.responses['101']).toBeDefined();
    expect(doc.info.description).toMatch(/knots/);
  });
});

describe('GET /api/v1/openapi.json and /api/v1/docs', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = new Koa();
    app.use(errorMiddleware(silentLogger));
    app.use(metaRoutes({ version: VERSION }).routes());
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('serves the document without a token', async () => {
    const res = await fetch(`${base}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ openapi: '3.0.3', info: { version: VERSION }, paths: { '/api/v1/openapi.json': { get: expect.any(Object) } } });
  });

  it('serves a self-contained page, grouped by tag, with parameters, responses and example commands', async () => {
    const res = await fetch(`${base}/api/v1/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await res.text();
    const text = html.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    for (const tag of doc.tags as Array<{ name: string }>) expect(html).toContain(`<section id="${tag.name}">`);
    for (const path of Object.keys(doc.paths)) expect(html).toContain(path.replace(/&/g, '&#38;'));
    expect(text).toContain(`curl -H "Authorization: Bearer $TIDEWATCH_TOKEN" '${base}/api/v1/positions/latest?bbox=119.2,34.9,119.9,35.6'`);
    expect(text).toContain(`curl '${base}/health'`);
    expect(html).toContain('<td><code>bbox</code></td><td>query</td>');
    expect(html).toContain('new WebSocket(');
    // Nothing is fetched from anywhere: no scripts, stylesheets, images or frames, links only within the API.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(/i);
    for (const [, href] of html.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^(#|openapi\.json$)/);
  });
});
