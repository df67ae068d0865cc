import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from '../core/log.js';
import type { ConfigDb } from '../gateway/configdb/database.js';
import type { GatewayMetrics } from '../gateway/metrics.js';
import type { VesselRegistry } from '../gateway/registry/registry.js';
import type { SeriesStore } from '../gateway/store/types.js';
import { requireRole } from './auth.js';
import { errorMiddleware } from './errors.js';
import { positionRoutes } from './routes/positions.js';
import { vesselRoutes } from './routes/vessels.js';

export interface ApiDeps {
  db: ConfigDb;
  registry: VesselRegistry;
  store: SeriesStore;
  metrics: GatewayMetrics;
  logger: Logger;
  version: string;
  /** Extra health details (spool backlog, store state…), merged into GET /health. */
  health?: () => Record<string, unknown>;
}

/** Roles that may read positions and vessels (devices only ingest). */
const READERS = ['regulator', 'researcher', 'admin'] as const;

/** The Koa application: /health and /metrics open; /api/v1 behind tokens. */
export function createApi(deps: ApiDeps): Koa {
  const app = new Koa();
  app.use(errorMiddleware(deps.logger));

  const open = new Router();
  open.get('/health', async (ctx) => {
    let storeUp = true;
    let storeError: string | undefined;
    try {
      await deps.store.ping();
    } catch (e) {
      storeUp = false;
      storeError = e instanceof Error ? e.message : String(e);
    }
    // Data is still accepted (spooled) while the store is down: degraded, not down.
    ctx.body = { status: storeUp ? 'ok' : 'degraded', version: deps.version, store: { kind: deps.store.kind, up: storeUp, error: storeError }, ...deps.health?.() };
  });
  open.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  app.use(open.routes());

  const v1 = new Router();
  v1.use(requireRole(deps.db, READERS));
  v1.use(positionRoutes(deps).routes());
  v1.use(vesselRoutes(deps).routes());
  app.use(v1.routes());
  app.use(v1.allowedMethods());
  return app;
}
