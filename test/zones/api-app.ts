import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import { silentLogger } from '../../core/log.js';
import { requireRole } from '../../api/auth.js';
import { errorMiddleware } from '../../api/errors.js';
import { alertRoutes } from '../../api/routes/alerts.js';
import { geofenceRoutes } from '../../api/routes/geofences.js';
import { AlertStore } from '../../gateway/alerts/store.js';
import { createToken, ROLES, type Role } from '../../gateway/auth/tokens.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';
import { ZoneStore } from '../../gateway/zones/store.js';

/**
 * The geofence and alert routers in a Koa app over a real config database and real tokens. The
 * outer guard only authenticates (any role), so the routers' own role checks are what is tested.
 */
export interface ApiApp {
  db: ConfigDb;
  zones: ZoneStore;
  alerts: AlertStore;
  /** Sends a request with the token of `as` (a role, or a token string); JSON in and out. */
  call(method: string, path: string, options?: { as?: Role | string; body?: unknown; raw?: string; contentType?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startApiApp(now: () => number = Date.now): Promise<ApiApp> {
  const db = openConfigDbFile(':memory:');
  const zones = new ZoneStore(db, now);
  const alerts = new AlertStore(db, now);
  const tokens = Object.fromEntries(ROLES.map((role) => [role, createToken(db, { role, name: `${role}-王` }).token])) as Record<Role, string>;

  const app = new Koa();
  app.use(errorMiddleware(silentLogger));
  app.use(requireRole(db, ROLES));
  for (const router of [geofenceRoutes({ db, zones, now }), alertRoutes({ db, alerts })]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    db,
    zones,
    alerts,
    async call(method, path, { as = 'admin', body, raw, contentType } = {}) {
      const token = (tokens as Record<string, string>)[as] ?? as;
      const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
      const payload = raw ?? (body !== undefined ? JSON.stringify(body) : undefined);
      if (payload !== undefined) headers['Content-Type'] = contentType ?? 'application/json';
      const res = await fetch(`${base}${path}`, { method, headers, body: payload });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
    },
  };
}
