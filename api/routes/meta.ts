import Router from '@koa/router';
import { ROLES } from '../../gateway/auth/tokens.js';
import type { ConfigDb } from '../../gateway/configdb/database.js';
import { REGULATORS, READERS, requireRole, type AuthState } from '../auth.js';
import { renderDocsPage } from '../docs-page.js';
import { errorResponses } from '../openapi-document.js';
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

/** What a role may do, as the routes enforce it; the map shows only these controls. */
function permissionsOf(role: (typeof ROLES)[number]) {
  return { read: READERS.includes(role), manageZones: REGULATORS.includes(role), triageAlerts: REGULATORS.includes(role), manageVessels: role === 'admin' };
}

/** GET /api/v1/me: whose token this is, so a client (the map) shows only what the role may do. Readers only: a device token has no use for it. */
export function identityRoutes(db: ConfigDb): Router {
  const router = new Router();
  router.get('/api/v1/me', requireRole(db, READERS), async (ctx) => {
    const { name, role } = (ctx.state as AuthState).identity;
    ctx.body = { name, role, permissions: permissionsOf(role) };
  });
  return router;
}

export const identityPaths: OpenApiPaths = {
  '/api/v1/me': {
    get: {
      tags: ['session'],
      summary: 'The token’s name, role and what the role may do',
      description:
        'For clients that adapt to the caller, such as the map: `permissions.read` (vessels, positions, tracks, buoys, zones, alerts), `manageZones` (create, change and retire zones), `triageAlerts` (acknowledge and close), `manageVessels` (the registry). Device tokens only send data: 403.',
      responses: {
        200: {
          description: 'The caller',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['name', 'role', 'permissions'],
                properties: {
                  name: { type: 'string', description: 'the name the token was created with' },
                  role: { type: 'string', enum: [...ROLES] },
                  permissions: {
                    type: 'object',
                    required: ['read', 'manageZones', 'triageAlerts', 'manageVessels'],
                    properties: { read: { type: 'boolean' }, manageZones: { type: 'boolean' }, triageAlerts: { type: 'boolean' }, manageVessels: { type: 'boolean' } },
                  },
                },
              },
            },
          },
        },
        ...errorResponses(401, 403),
      },
    },
  },
};

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
