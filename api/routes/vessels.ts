import Router from '@koa/router';
import { z } from 'zod';
import type { SeriesStore } from '../../gateway/store/types.js';
import type { Vessel, VesselRegistry } from '../../gateway/registry/registry.js';
import type { AuthState } from '../auth.js';
import { parseQuery } from '../params.js';
import { POSITION_UNITS } from './positions.js';

const listQuery = z.object({
  mmsi: z.string().regex(/^\d{9}$/, 'mmsi must be 9 digits').optional(),
});

/** Registry data a researcher may not see (personal data of owners). */
const PERSONAL = ['owner'] as const;

export function vesselRoutes(deps: { store: SeriesStore; registry: VesselRegistry }): Router {
  const router = new Router();
  router.get('/api/v1/vessels', async (ctx) => {
    const q = parseQuery(listQuery, ctx.query);
    const key = q.mmsi ? `mmsi:${q.mmsi}` : undefined;
    const registered = deps.registry.list(key ? { key } : {});
    // Unregistered identifiers that reported are vessels too, tracked under their own key.
    const ids = key && registered.length === 0 ? [key] : registered.map((v) => v.id);
    const latest = await deps.store.latestFixes(key ? { vessels: ids } : {});
    const byVessel = new Map(latest.map((f) => [f.vessel ?? f.key, f]));
    const unregistered = key ? (registered.length === 0 && byVessel.has(key) ? [key] : []) : latest.map((f) => f.vessel ?? f.key).filter((id) => id.includes(':'));
    const statics = deps.registry.staticOf([...unregistered, ...registered.flatMap((v) => v.identifiers.map((b) => b.key))]);
    const hidePersonal = (ctx.state as AuthState).identity.role === 'researcher';
    const describe = (id: string, vessel: Vessel | undefined) => {
      const out: Record<string, unknown> = vessel ? { ...vessel, registered: true } : { id, registered: false, identifiers: [{ key: id }] };
      if (hidePersonal) for (const p of PERSONAL) delete out[p];
      const keys = vessel ? vessel.identifiers.map((b) => b.key) : [id];
      const broadcast = keys.map((k) => statics.get(k)).find(Boolean);
      if (broadcast) out.broadcast = { name: broadcast.name, callsign: broadcast.callsign, imo: broadcast.imo, shipType: broadcast.shipType, destination: broadcast.destination, length: broadcast.length, beam: broadcast.beam };
      const fix = byVessel.get(id);
      if (fix) {
        out.latest = { time: new Date(fix.time).toISOString(), lat: fix.lat, lon: fix.lon, sog: fix.sog, cog: fix.cog, heading: fix.heading, source: fix.source, key: fix.key };
      }
      return out;
    };
    ctx.body = {
      units: { length: 'm', beam: 'm', power: 'kW', lat: 'degree', lon: 'degree', sog: POSITION_UNITS.sog, cog: POSITION_UNITS.cog, heading: POSITION_UNITS.heading },
      vessels: [...registered.map((v) => describe(v.id, v)), ...unregistered.map((id) => describe(id, undefined))],
    };
  });
  return router;
}
