import Router from '@koa/router';
import { z } from 'zod';
import type { VesselFix } from '../../core/records.js';
import type { Vessel, VesselRegistry } from '../../gateway/registry/registry.js';
import type { SeriesStore } from '../../gateway/store/types.js';
import type { OpenApiPaths } from '../openapi.js';
import { errorResponses, schemaRef } from '../openapi-document.js';
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

export function positionRoutes(deps: { store: SeriesStore; latest?: Pick<SeriesStore, 'latestFixes'>; registry: VesselRegistry }): Router {
  // Served from the in-memory index when the gateway keeps one, else from the store.
  const latest = deps.latest ?? deps.store;
  const router = new Router();
  router.get('/api/v1/positions/latest', async (ctx) => {
    const q = parseQuery(latestQuery, ctx.query);
    const now = Date.now();
    const fixes = await latest.latestFixes({ bbox: q.bbox, sources: q.source, since: q.maxAge ? now - q.maxAge * 1000 : undefined });
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

export const positionPaths: OpenApiPaths = {
  '/api/v1/positions/latest': {
    get: {
      tags: ['positions'],
      summary: 'The latest position of every vessel',
      description: `One GeoJSON Point per vessel: its latest fix, heard within the last 30 days unless \`maxAge\` says otherwise. Registered vessels appear under their registry id with their identifiers; unregistered ones under the identifier they reported with (\`mmsi:…\`, \`bds:…\`, \`dev:…\`). A fix the pipeline doubts carries \`suspect\` with the reason; it is never dropped silently.

Units: coordinates [lon, lat] in degrees WGS-84; \`sog\` ${POSITION_UNITS.sog}; \`cog\` and \`heading\` ${POSITION_UNITS.cog}; \`age\` ${POSITION_UNITS.age} since the fix; \`time\` ISO 8601 UTC.`,
      parameters: [
        { name: 'bbox', in: 'query', description: 'Only vessels inside `minLon,minLat,maxLon,maxLat`, in degrees', schema: { type: 'string' }, example: '119.2,34.9,119.9,35.6' },
        { name: 'source', in: 'query', description: `Only fixes from these sources, comma-separated: ${SOURCES.join(', ')}`, schema: { type: 'string' } },
        { name: 'maxAge', in: 'query', description: 'Only vessels heard within this many seconds', schema: { type: 'integer', minimum: 1, maximum: 366 * 86_400 } },
      ],
      responses: {
        200: {
          description: 'A FeatureCollection of Points; `units` names the unit of each number',
          content: {
            'application/json': {
              schema: {
                allOf: [schemaRef('FeatureCollection')],
                description: `Each feature's properties: vessel (id), registered, mmsi, bdsCard, device, hullName, name, time, age (${POSITION_UNITS.age}), source, sog (${POSITION_UNITS.sog}), cog and heading (${POSITION_UNITS.cog}), navStatus (AIS code 0–15), station, suspect`,
              },
            },
          },
        },
        ...errorResponses(400, 401, 403, 503),
      },
    },
  },
};
