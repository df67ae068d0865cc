import Router from '@koa/router';
import { z } from 'zod';
import type { VesselFix } from '../../core/records.js';
import type { ConfigDb } from '../../gateway/configdb/database.js';
import { RegistryChanges } from '../../gateway/registry/changes.js';
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


/** One feature of a latest-positions answer as UTF-8 JSON, cut around its `age`, and what it was made from. */
interface CachedFeature {
  fix: VesselFix;
  vessel: Vessel | undefined;
  name: string | undefined;
  beforeAge: Buffer;
  afterAge: Buffer;
}

const COLLECTION_HEAD = Buffer.from(`{"type":"FeatureCollection","units":${JSON.stringify(POSITION_UNITS)},"features":[`);
const COLLECTION_TAIL = Buffer.from(']}');
const COMMA = 0x2c;
/**
 * The latest-positions answer, serialised once per vessel and fix: a feature is made again only
 * when its fix is another object (the in-memory index replaces a vessel's fix when a newer one
 * comes; a store answer is new objects every time) or what the registry says of it changed; the
 * answer joins the cached JSON with each feature's `age`. The registered vessels and the AIS names
 * are kept too, read again when RegistryChanges says so. Building 10,000 features and one
 * JSON.stringify per request, and reading the whole registry, were most of the route's time.
 */
export class LatestFeatures {
  private readonly changes: RegistryChanges;
  private vessels = new Map<string, Vessel>();
  private vesselsReadAt = 0;
  private readonly names = new Map<string, { name: string | undefined; readAt: number }>();
  private readonly features = new Map<string, CachedFeature>();

  constructor(
    db: ConfigDb,
    private readonly registry: VesselRegistry,
  ) {
    this.changes = RegistryChanges.of(db);
  }

  /** The FeatureCollection of these fixes (the store's order), as UTF-8 JSON. */
  json(fixes: readonly VesselFix[], now: number): Buffer {
    const readAt = this.changes.now();
    if (!this.changes.vesselsCurrent(this.vesselsReadAt)) {
      this.vessels = new Map(this.registry.list().map((v) => [v.id, v]));
      this.vesselsReadAt = readAt;
    }
    // Unregistered vessels show the name their identifier broadcast (AIS static reports).
    const unnamed = fixes.filter((f) => !this.vessels.has(f.vessel ?? f.key) && !this.changes.nameCurrent(f.key, this.names.get(f.key)?.readAt ?? 0));
    if (unnamed.length > 0) {
      const reports = this.registry.staticOf(unnamed.map((f) => f.key));
      for (const f of unnamed) this.names.set(f.key, { name: reports.get(f.key)?.name || undefined, readAt });
    }
    // The answer is written as bytes straight from the cached UTF-8 parts: encoding a 3 MB string per request cost as much as building it.
    const cached = new Array<CachedFeature>(fixes.length);
    const ages = new Array<string>(fixes.length);
    let size = COLLECTION_HEAD.length + COLLECTION_TAIL.length + Math.max(0, fixes.length - 1);
    for (let i = 0; i < fixes.length; i++) {
      const fix = fixes[i];
      const id = fix.vessel ?? fix.key;
      const vessel = this.vessels.get(id);
      const name = vessel ? undefined : this.names.get(fix.key)?.name;
      let feature = this.features.get(id);
      if (!feature || feature.fix !== fix || feature.vessel !== vessel || feature.name !== name) {
        feature = { fix, vessel, name, ...featureAroundAge(fix, vessel, name) };
        this.features.set(id, feature);
      }
      cached[i] = feature;
      ages[i] = String(ageSeconds(fix, now));
      size += feature.beforeAge.length + feature.afterAge.length + ages[i].length;
    }
    const out = Buffer.allocUnsafe(size);
    out.set(COLLECTION_HEAD, 0);
    let at = COLLECTION_HEAD.length;
    for (let i = 0; i < cached.length; i++) {
      if (i > 0) out[at++] = COMMA;
      out.set(cached[i].beforeAge, at);
      at += cached[i].beforeAge.length;
      // Digits are ASCII: one byte each.
      for (let k = 0; k < ages[i].length; k++) out[at++] = ages[i].charCodeAt(k);
      out.set(cached[i].afterAge, at);
      at += cached[i].afterAge.length;
    }
    out.set(COLLECTION_TAIL, at);
    return out;
  }
}

const ageSeconds = (fix: VesselFix, now: number) => Math.max(0, Math.round((now - fix.time) / 1000));

/** fixFeature's JSON cut around the value of `age` (made with age 0: `"age":0` is there once, no string holds a bare quote). */
function featureAroundAge(fix: VesselFix, vessel: Vessel | undefined, name: string | undefined): { beforeAge: Buffer; afterAge: Buffer } {
  const json = JSON.stringify(fixFeature(fix, vessel, fix.time, name ? { name } : {}));
  const at = json.indexOf('"age":0,') + '"age":'.length;
  const bytes = Buffer.from(json);
  const cut = Buffer.byteLength(json.slice(0, at));
  return { beforeAge: bytes.subarray(0, cut), afterAge: bytes.subarray(cut + 1) };
}

export function positionRoutes(deps: { db: ConfigDb; store: SeriesStore; latest?: Pick<SeriesStore, 'latestFixes'>; registry: VesselRegistry }): Router {
  // Served from the in-memory index when the gateway keeps one, else from the store.
  const latest = deps.latest ?? deps.store;
  const features = new LatestFeatures(deps.db, deps.registry);
  const router = new Router();
  router.get('/api/v1/positions/latest', async (ctx) => {
    const q = parseQuery(latestQuery, ctx.query);
    const now = Date.now();
    const fixes = await latest.latestFixes({ bbox: q.bbox, sources: q.source, since: q.maxAge ? now - q.maxAge * 1000 : undefined });
    ctx.type = 'json';
    ctx.body = features.json(fixes, now);
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
