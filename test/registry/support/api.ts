import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { requireRole } from '../../../api/auth.js';
import { errorMiddleware } from '../../../api/errors.js';
import { trackRoutes } from '../../../api/routes/tracks.js';
import { vesselRoutes } from '../../../api/routes/vessels.js';
import { silentLogger } from '../../../core/log.js';
import { createToken, ROLES, type Role } from '../../../gateway/auth/tokens.js';
import { openConfigDbFile, type ConfigDb } from '../../../gateway/configdb/database.js';
import { VesselRegistry } from '../../../gateway/registry/registry.js';
import { EmbeddedSeriesStore } from '../../../gateway/store/embedded.js';

/**
 * The vessel and track routers as createApi will mount them — behind the error middleware and the
 * readers' token check — over a real configuration database and a real embedded series store.
 */
export interface TestApi {
  db: ConfigDb;
  registry: VesselRegistry;
  store: EmbeddedSeriesStore;
  tokens: Record<Role, string>;
  /** fetch `path` as `role` (no token when undefined). */
  call(path: string, role: Role | undefined, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

const READERS = ['regulator', 'researcher', 'admin'] as const;

export async function startTestApi(): Promise<TestApi> {
  const db = openConfigDbFile(':memory:');
  const registry = new VesselRegistry(db);
  const store = new EmbeddedSeriesStore(':memory:');
  const tokens = Object.fromEntries(ROLES.map((role) => [role, createToken(db, { role, name: `${role}-test` }).token])) as Record<Role, string>;

  const app = new Koa();
  app.use(errorMiddleware(silentLogger));
  const v1 = new Router();
  v1.use(requireRole(db, READERS));
  v1.use(vesselRoutes({ db, store, registry }).routes());
  v1.use(trackRoutes({ store, registry }).routes());
  app.use(v1.routes());
  app.use(v1.allowedMethods());

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    db,
    registry,
    store,
    tokens,
    call: (path, role, init = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { ...(role ? { Authorization: `Bearer ${tokens[role]}` } : {}), ...(init.headers as Record<string, string> | undefined) } }),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      db.close();
    },
  };
}
