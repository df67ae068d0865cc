import Router from '@koa/router';
import { renderDocsPage } from '../docs-page.js';
import type { OpenApiPaths } from '../openapi.js';
import { buildOpenApiDocument, type OpenApiDocument } from '../openapi-document.js';

/**
 * The API's description of itself: GET /api/v1/openapi.json and the page people read,
 * GET /api/v1/docs. Both are open (no token), so mount this router before the token check.
 */
export function metaRoutes(deps: { version: string }): Router {
  const router = new Router();
  // Built on first request (it loads every route module) and kept: it only changes with the code.
  let document: Promise<OpenApiDocument> | undefined;
  const load = () => (document ??= buildOpenApiDocument(deps.version));
  router.get('/api/v1/openapi.json', async (ctx) => {
    ctx.body = await load();
  });
  router.get('/api/v1/docs', async (ctx) => {
    // ctx.origin is the request's Origin header in Koa 3, not this server: build it from protocol and host.
    const page = renderDocsPage(await load(), `${ctx.protocol}://${ctx.host}`);
    ctx.type = 'text/html; charset=utf-8';
    // The page is self-contained: forbid it to load anything, should a description ever smuggle markup in.
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    ctx.body = page;
  });
  return router;
}

/** Served without a token. */
const noToken = { security: [] };

/**
 * This router's paths, and /health and /metrics, which createApi serves on its open router
 * (server.ts has no route module to export them from).
 */
export const metaPaths: OpenApiPaths = {
  '/api/v1/openapi.json': {
    get: {
      ...noToken,
      tags: ['service'],
      summary: 'This API as an OpenAPI 3.0 document',
      description: 'Every endpoint with its parameters, responses and units, for code generators and API tools.',
      responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
  '/api/v1/docs': {
    get: {
      ...noToken,
      tags: ['service'],
      summary: 'This documentation as a web page',
      description: 'The OpenAPI document rendered as one self-contained HTML page (nothing loaded from elsewhere), grouped by tag, with an example command per endpoint.',
      responses: { 200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
  '/health': {
    get: {
      ...noToken,
      tags: ['service'],
      summary: 'Whether the gateway and its store are up',
      description:
        '`status` is `ok`, or `degraded` while the time-series store is down: data is still accepted then (spooled on disk) and written once the store is back. `spool` gives the backlog (records, bytes) not yet in the store.',
      responses: {
        200: {
          description: 'Status, version, store and spool state',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['status', 'version', 'store'],
                properties: {
                  status: { type: 'string', enum: ['ok', 'degraded'] },
                  version: { type: 'string' },
                  store: {
                    type: 'object',
                    properties: { kind: { type: 'string', enum: ['embedded', 'influxdb'] }, up: { type: 'boolean' }, error: { type: 'string', description: 'why the store is down' } },
                  },
                  spool: { type: 'object', additionalProperties: true, description: 'backlog records and bytes not yet in the store, store write latency (ms)' },
                },
                additionalProperties: true,
              },
            },
          },
        },
      },
    },
  },
  '/metrics': {
    get: {
      ...noToken,
      tags: ['service'],
      summary: 'Prometheus metrics',
      description:
        'Prometheus text exposition: lines and frames in, decoded, rejected by reason, duplicates, records accepted and stored, spool backlog, store up and write latency (s), live WebSocket connections and pending positions, and the process (`tidewatch_process_…`).',
      responses: { 200: { description: 'Metrics in the Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
};
