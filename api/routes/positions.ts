import Router from '@koa/router';
import { z } from 'zod';
import type { VesselFix } from '../../core/records.js';
import type { Vessel, VesselRegistry } from '../../gateway/registry/registry.js';
import type { SeriesStore } from '../../gateway/store/types.js';
import { bboxParam, parseQuery } from '../params.js';

/** Units of every number in a position's properties (also in the OpenAPI document). */
export const POSITION_UNITS = { sog: 'kn', cog: 'degree (true)', heading: 'degree (true)', age: 's', coordinates: 'degree (WGS-84 lon, lat)' } as const;

const SOURCES = ['ais', 'bds-rnss', 'bds-rdss', 'protobuf'] as const;

const latestQuery = z.object({
  bbox: bboxParam.optional(),
  source: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(SOURCES, { message: `source must be one or more of ${SOURCES.join(', ')}` })))
    .optional(),
  maxAge: z.coerce.number({ message: 'maxAge must be a number of seconds' }).int().positive().max(366 * 86_400).optional(),
});

/** The identifiers of a registered vessel at `time`, or of an unregistered key, as flat properties. */
export function identityProperties(vesselId: string, vessel: Vessel | undefined, time: number): Record<string, string | number> {
  const props: Record<string, string | number> = {};
  const keys = vessel ? vessel.identifiers.filter((b) => time >= (b.validFrom ?? 0) && time < (b.validTo ?? Infinity)).map((b) => b.key) : [vesselId];
  for (const key of keys) {
    const [scheme, value] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (scheme === 'mmsi') props.mmsi = Number(value);
    else if (scheme === 'bds') props.bdsCard = value;
    else if (scheme === 'dev') props.device = value;
  }
  if (vessel?.hullName) props.hullName = vessel.hullName;
  if (vessel?.name) props.name = vessel.name;
  return props;
}

export function fixFeature(fix: VesselFix, vessel: Vessel | undefined, now: number, extra: Record<string, unknown> = {}) {
  const id = fix.vessel ?? fix.key;
  return {
    type: 'Feature' as const,
    id,
    geometry: { type: 'Point' as const, coordinates: [fix.lon, fix.lat] },
    properties: {
      vessel: id,
      registered: vessel !== undefined,
      ...identityProperties(id, vessel, fix.time),
      ...extra,
      time: new Date(fix.time).toISOString(),
      age: Math.max(0, Math.round((now - fix.time) / 1000)),
      source: fix.source,
      ...(fix.sog !== undefined ? { sog: fix.sog } : {}),
      ...(fix.cog !== undefined ? { cog: fix.cog } : {}),
      ...(fix.heading !== undefined ? { heading: fix.heading } : {}),
      ...(fix.navStatus !== undefined ? { navStatus: fix.navStatus } : {}),
      ...(fix.station !== undefined ? { station: fix.station } : {}),
      ...(fix.suspect !== undefined ? { suspect: fix.suspect } : {}),
    },
  };
}

export function positionRoutes(deps: { store: SeriesStore; registry: VesselRegistry }): Router {
  const router = new Router();
  router.get('/api/v1/positions/latest', async (ctx) => {
    const q = parseQuery(latestQuery, ctx.query);
    const now = Date.now();
    const fixes = await deps.store.latestFixes({ bbox: q.bbox, sources: q.source, since: q.maxAge ? now - q.maxAge * 1000 : undefined });
    const vessels = new Map(deps.registry.list().map((v) => [v.id, v]));
    const names = deps.registry.staticOf(fixes.filter((f) => !vessels.has(f.vessel ?? f.key)).map((f) => f.key));
    ctx.body = {
      type: 'FeatureCollection',
      units: POSITION_UNITS,
      features: fixes.map((f) => {
        const s = names.get(f.key);
        return fixFeature(f, vessels.get(f.vessel ?? f.key), now, s?.name ? { name: s.name } : {});
      }),
    };
  });
  return router;
}
