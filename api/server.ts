import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from '../core/log.js';
import type { ConfigDb } from '../gateway/configdb/database.js';
import type { GatewayMetrics } from '../gateway/metrics.js';
import type { VesselRegistry } from '../gateway/registry/registry.js';
import type { SeriesStore } from '../gateway/store/types.js';
import type { AlertStore } from '../gateway/alerts/store.js';
import type { ZoneStore } from '../gateway/zones/store.js';
import { READERS, requireRole } from './auth.js';
import { corsMiddleware } from './cors.js';
import { errorMiddleware } from './errors.js';
import { identityRoutes, metaRoutes } from './routes/meta.js';
import { positionRoutes } from './routes/positions.js';
import { alertRoutes } from './routes/alerts.js';
import { buoyRoutes } from './routes/buoys.js';
import { geofenceRoutes } from './routes/geofences.js';
import { trackRoutes } from './routes/tracks.js';
import { vesselRoutes } from './routes/vessels.js';
import { ruleRoutes, type RuleRouteDeps } from './routes/rules.js';
import { viewerMiddleware, type ViewerOptions } from './viewer.js';

export interface ApiDeps {
  db: ConfigDb;
  registry: VesselRegistry;
  store: SeriesStore;
  /** Latest fix per vessel kept in memory (the gateway's LatestPositions); absent: asked of the store. */
  latest?: Pick<SeriesStore, 'latestFixes'>;
  zones: ZoneStore;
  alerts: AlertStore;
  metrics: GatewayMetrics;
  logger: Logger;
  version: string;
  /** Browser origins allowed to call the API (TIDEWATCH_CORS_ORIGINS); empty: same origin only. */
  corsOrigins: readonly string[];
  /** Extra health details (spool backlog, store state…), merged into GET /health. */
  health?: () => Record<string, unknown>;
  /** The running rules engine's ban calendar and port visits (api/routes/rules.ts). */
  rules?: RuleRouteDeps['rules'];
  /** The map served at `/` (api/viewer.ts): where its files are and which style it loads. */
  viewer?: ViewerOptions;
}


/** The Koa application: /health and /metrics open; /api/v1 behind tokens. */
export function createApi(deps: ApiDeps): Koa {
  const app = new Koa();
  // CORS first: preflights need no token, and errors carry the CORS headers too.
  app.use(corsMiddleware(deps.corsOrigins));
  app.use(errorMiddleware(deps.logger));
  // Answers only what no route below answered: the map's files at / (api/viewer.ts).
  app.use(viewerMiddleware(deps.viewer));

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
  app.use(metaRoutes({ version: deps.version }).routes());
  app.use(identityRoutes(deps.db).routes());

  const v1 = new Router();
  v1.use(requireRole(deps.db, READERS));
  v1.use(positionRoutes(deps).routes());
  v1.use(vesselRoutes(deps).routes());
  v1.use(trackRoutes(deps).routes());
  v1.use(buoyRoutes(deps).routes());
  app.use(v1.routes());
  app.use(v1.allowedMethods());
  // Zones and alerts check roles per method (regulators manage, researchers read).
  for (const router of [geofenceRoutes(deps), alertRoutes(deps), ruleRoutes(deps)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
