import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Role } from '../../gateway/auth/tokens.js';
import { SEVERITIES } from '../../gateway/alerts/model.js';
import type { ConfigDb } from '../../gateway/configdb/database.js';
import { circleToPolygon, ZONE_LIMITS } from '../../gateway/zones/geometry.js';
import { DEFAULT_TIMEZONE, ZONE_KINDS, type TimeWindow, type ZoneVersion } from '../../gateway/zones/model.js';
import { isoTime } from '../../core/schemas.js';
import { parseZoneFeature, ZoneInputError, type CheckedZone } from '../../gateway/zones/schema.js';
import { versionAt, ZoneVersionConflict, type ZoneStore } from '../../gateway/zones/store.js';
import { READERS, REGULATORS, requireRole, type AuthState } from '../auth.js';
import { ApiError } from '../errors.js';
import type { OpenApiObject, OpenApiPaths } from '../openapi.js';
import { errorResponses, schemaRef } from '../openapi-document.js';
import { bboxParam, parseQuery, readJsonBody } from '../params.js';

/** Everyone but devices reads zones; regulators and admins manage them. */

const PATH = '/api/v1/geofences';

const ZONE_UNITS = { coordinates: 'degree (WGS-84 lon, lat)', radius: 'm', areaKm2: 'km²' } as const;

/** A zone of ZONE_LIMITS.maxPositions positions is about 400 kB of JSON; leave room for properties. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;


const idParam = z.object({ id: z.coerce.number({ message: 'id must be a zone id (a positive integer)' }).int().positive('id must be a zone id (a positive integer)') });

const circles = z.enum(['circle', 'polygon'], { message: 'circles must be circle or polygon' }).default('circle');

const listQuery = z.object({
  kind: z.enum(ZONE_KINDS, { message: `kind must be one of ${ZONE_KINDS.join(', ')}` }).optional(),
  bbox: bboxParam.optional(),
  at: isoTime.optional(),
  circles,
});

const oneQuery = z.object({ at: isoTime.optional(), circles });

const changeQuery = z.object({ effectiveFrom: isoTime.optional() });

type Status = 'scheduled' | 'active' | 'superseded' | 'retired';

function statusAt(v: ZoneVersion, at: number): Status {
  if (v.retired) return 'retired';
  if (at < v.effectiveFrom) return 'scheduled';
  return v.effectiveTo !== undefined && v.effectiveTo <= at ? 'superseded' : 'active';
}

const iso = (ms: number) => new Date(ms).toISOString();

function windowJson({ from, to, ...rest }: TimeWindow) {
  return { ...(from !== undefined ? { from: iso(from) } : {}), ...(to !== undefined ? { to: iso(to) } : {}), ...rest };
}

/** One zone version as a GeoJSON Feature; `status` is relative to `at`. */
function zoneFeature(v: ZoneVersion, at: number, circlesAs: 'circle' | 'polygon') {
  const g = v.geometry;
  return {
    type: 'Feature' as const,
    id: v.zoneId,
    bbox: v.bbox,
    geometry: g.type === 'Circle' && circlesAs === 'polygon' ? { type: 'Polygon' as const, coordinates: [circleToPolygon(g.center, g.radius)] } : g,
    properties: {
      ...v.properties,
      windows: v.properties.windows.map(windowJson),
      version: v.version,
      status: statusAt(v, at),
      effectiveFrom: iso(v.effectiveFrom),
      ...(v.effectiveTo !== undefined ? { effectiveTo: iso(v.effectiveTo) } : {}),
      areaKm2: Math.round(v.areaKm2 * 1e6) / 1e6,
      createdBy: v.createdBy,
      createdAt: iso(v.createdAt),
    },
  };
}

async function checkedBody(ctx: Context): Promise<CheckedZone> {
  try {
    return parseZoneFeature(await readJsonBody(ctx, MAX_BODY_BYTES));
  } catch (e) {
    if (e instanceof ZoneInputError) throw new ApiError(400, e.path.startsWith('geometry') ? 'invalid_geometry' : 'bad_parameter', e.message, e.path || undefined);
    throw e;
  }
}

function versionConflictAs409<T>(change: () => T): T {
  try {
    return change();
  } catch (e) {
    if (e instanceof ZoneVersionConflict) throw new ApiError(409, 'conflict', e.message);
    throw e;
  }
}

const who = (ctx: Context) => (ctx.state as AuthState).identity.name;
const notFound = (id: number) => new ApiError(404, 'not_found', `there is no zone ${id}`);

export function geofenceRoutes(deps: { db: ConfigDb; zones: ZoneStore; now?: () => number }): Router {
  const now = deps.now ?? Date.now;
  const read = requireRole(deps.db, READERS);
  const manage = requireRole(deps.db, REGULATORS);
  const router = new Router();

  router.get(PATH, read, async (ctx) => {
    const q = parseQuery(listQuery, ctx.query);
    const at = q.at ?? now();
    const zones = deps.zones.inForce({ at, kind: q.kind, bbox: q.bbox ? [...q.bbox] : undefined });
    ctx.body = { type: 'FeatureCollection', at: iso(at), units: ZONE_UNITS, features: zones.map((v) => zoneFeature(v, at, q.circles)) };
  });

  router.get(`${PATH}/:id`, read, async (ctx) => {
    const { id } = parseQuery(idParam, ctx.params);
    const q = parseQuery(oneQuery, ctx.query);
    const history = deps.zones.history(id);
    if (!history) throw notFound(id);
    const at = q.at ?? now();
    // Before its first version a zone is shown as scheduled.
    const shown = versionAt(history, at) ?? history[0];
    ctx.body = { ...zoneFeature(shown, at, q.circles), units: ZONE_UNITS, versions: history.map((v) => zoneFeature(v, at, q.circles)) };
  });

  router.post(PATH, manage, async (ctx) => {
    const q = parseQuery(changeQuery, ctx.query);
    const zone = await checkedBody(ctx);
    const created = deps.zones.create(zone, { by: who(ctx), effectiveFrom: q.effectiveFrom });
    ctx.status = 201;
    ctx.set('Location', `${PATH}/${created.zoneId}`);
    ctx.body = { ...zoneFeature(created, now(), 'circle'), warnings: zone.facts.warnings };
  });

  router.put(`${PATH}/:id`, manage, async (ctx) => {
    const { id } = parseQuery(idParam, ctx.params);
    const q = parseQuery(changeQuery, ctx.query);
    const zone = await checkedBody(ctx);
    const updated = versionConflictAs409(() => deps.zones.update(id, zone, { by: who(ctx), effectiveFrom: q.effectiveFrom }));
    if (!updated) throw notFound(id);
    ctx.body = { ...zoneFeature(updated, now(), 'circle'), warnings: zone.facts.warnings };
  });

  router.delete(`${PATH}/:id`, manage, async (ctx) => {
    const { id } = parseQuery(idParam, ctx.params);
    const q = parseQuery(changeQuery, ctx.query);
    const retired = versionConflictAs409(() => deps.zones.retire(id, { by: who(ctx), effectiveFrom: q.effectiveFrom }));
    if (!retired) throw notFound(id);
    ctx.body = zoneFeature(retired, now(), 'circle');
  });

  return router;
}

// ---- OpenAPI ----

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: schemaRef('Error') } } });

const ring = { type: 'array', items: schemaRef('Position'), minItems: 4, description: 'closed: the last position repeats the first' };

const geometrySchema: OpenApiObject = {
  oneOf: [
    { type: 'object', required: ['type', 'coordinates'], properties: { type: { type: 'string', enum: ['Polygon'] }, coordinates: { type: 'array', items: ring, minItems: 1, description: 'outer ring, then holes' } } },
    { type: 'object', required: ['type', 'coordinates'], properties: { type: { type: 'string', enum: ['MultiPolygon'] }, coordinates: { type: 'array', items: { type: 'array', items: ring, minItems: 1 }, minItems: 1 } } },
    {
      type: 'object',
      required: ['type', 'center', 'radius'],
      description: 'Tidewatch extension (RFC 7946 has no circle). Plain GeoJSON clients can ask for circles as 64-sided polygons with ?circles=polygon.',
      properties: { type: { type: 'string', enum: ['Circle'] }, center: schemaRef('Position'), radius: { type: 'number', minimum: ZONE_LIMITS.minRadiusM, maximum: ZONE_LIMITS.maxRadiusM, description: 'metres' } },
    },
  ],
  description:
    `Checked: rings closed with at least 4 positions, no repeated consecutive positions, no ring crossing or touching itself or another ring, ` +
    `holes inside their outer ring, MultiPolygon parts not overlapping, no ring spanning more than 180° of longitude (split at the antimeridian), ` +
    `at most ${ZONE_LIMITS.maxPositions} positions, area ${ZONE_LIMITS.minAreaKm2 * 1e6} m² to ${ZONE_LIMITS.maxAreaKm2} km². ` +
    'A failure is a 400 with code invalid_geometry, a message naming the ring and vertex, and `parameter` the path (e.g. geometry.coordinates.0.1.5). ' +
    'Winding order (RFC 7946 right-hand rule) is advised, not required: the response lists `warnings`.',
};

const windowSchema: OpenApiObject = {
  type: 'object',
  description: 'In force when every part given holds. yearly and daily are read in `timezone` and may wrap (12-01 → 02-28, 22:00 → 04:00).',
  properties: {
    from: { type: 'string', format: 'date-time', description: 'inclusive' },
    to: { type: 'string', format: 'date-time', description: 'exclusive' },
    yearly: { type: 'object', properties: { start: { type: 'string', example: '05-01' }, end: { type: 'string', example: '09-16' } }, description: 'MM-DD, both days included (e.g. the 伏季休渔 summer ban)' },
    daily: { type: 'object', properties: { start: { type: 'string', example: '20:00' }, end: { type: 'string', example: '06:00' } }, description: 'HH:MM, end excluded; 24:00 allowed as end' },
    timezone: { type: 'string', default: DEFAULT_TIMEZONE, description: 'IANA name' },
  },
};

const propertiesSchema: OpenApiObject = {
  type: 'object',
  required: ['name', 'kind'],
  description: 'Unknown properties are refused; read-only ones are ignored on input, so a served Feature can be edited and sent back.',
  properties: {
    name: { type: 'string', maxLength: 200 },
    kind: { type: 'string', enum: [...ZONE_KINDS] },
    severity: { type: 'string', enum: [...SEVERITIES], default: 'warning', description: 'severity of the alerts raised for this zone' },
    windows: { type: 'array', items: windowSchema, description: 'empty or absent: always in force; otherwise in force while any window holds' },
    vesselFilter: {
      type: 'object',
      description: 'the vessels the zone applies to: every criterion given must match; excludeVessels (e.g. special permits) never apply',
      properties: {
        gearTypes: { type: 'array', items: { type: 'string' } },
        vessels: { type: 'array', items: { type: 'string' }, description: 'vessel ids or identifier keys (mmsi:412325670)' },
        excludeVessels: { type: 'array', items: { type: 'string' } },
        shipTypes: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 99 }, description: 'AIS ship type codes' },
      },
    },
    legalBasis: { type: 'string', description: 'legal document number (法规文号)' },
    description: { type: 'string' },
    version: { type: 'integer', readOnly: true },
    status: { type: 'string', enum: ['scheduled', 'active', 'superseded', 'retired'], readOnly: true, description: 'relative to `at` (default now)' },
    effectiveFrom: { type: 'string', format: 'date-time', readOnly: true },
    effectiveTo: { type: 'string', format: 'date-time', readOnly: true, description: 'when the next version took effect' },
    areaKm2: { type: 'number', readOnly: true, description: 'km²' },
    createdBy: { type: 'string', readOnly: true, description: 'token name' },
    createdAt: { type: 'string', format: 'date-time', readOnly: true },
  },
};

const zoneSchema: OpenApiObject = {
  type: 'object',
  required: ['type', 'geometry', 'properties'],
  properties: {
    type: { type: 'string', enum: ['Feature'] },
    id: { type: 'integer', readOnly: true },
    bbox: { type: 'array', items: { type: 'number' }, readOnly: true, description: '[minLon, minLat, maxLon, maxLat], degrees' },
    geometry: geometrySchema,
    properties: propertiesSchema,
  },
};

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const atParameter = { name: 'at', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'ISO 8601 time: the versions in force then (default now)' };
const circlesParameter = { name: 'circles', in: 'query', schema: { type: 'string', enum: ['circle', 'polygon'], default: 'circle' }, description: 'polygon: circles as 64-sided Polygons, for plain GeoJSON clients' };
const effectiveFromParameter = { name: 'effectiveFrom', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'ISO 8601 time the change takes effect (default now); after the latest version' };
const zoneBody = { required: true, content: { 'application/json': { schema: zoneSchema }, 'application/geo+json': { schema: zoneSchema } } };
const zoneResponse = (description: string) => ({ description, content: { 'application/json': { schema: zoneSchema } } });
const withWarnings = (description: string) => ({
  description,
  content: { 'application/json': { schema: { allOf: [zoneSchema, { type: 'object', properties: { warnings: { type: 'array', items: { type: 'string' } } } }] } } },
});
const UNITS = 'Units: coordinates [lon, lat] in degrees WGS-84, radius m, areaKm2 km², times ISO 8601 UTC.';
const roles = (r: readonly Role[]) => `Roles: ${r.join(', ')}.`;

export const geofencePaths: OpenApiPaths = {
  [PATH]: {
    get: {
      tags: ['geofences'],
      summary: 'Zones in force',
      description: `A GeoJSON FeatureCollection of the zones in force at \`at\` (retired ones left out). ${UNITS} ${roles(READERS)}`,
      parameters: [
        { name: 'kind', in: 'query', schema: { type: 'string', enum: [...ZONE_KINDS] } },
        { name: 'bbox', in: 'query', schema: { type: 'string' }, description: 'minLon,minLat,maxLon,maxLat in degrees: zones whose bounding box meets it', example: '119.2,34.9,119.9,35.6' },
        atParameter,
        circlesParameter,
      ],
      responses: {
        200: { description: 'FeatureCollection', content: { 'application/json': { schema: { allOf: [schemaRef('FeatureCollection'), { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, features: { type: 'array', items: zoneSchema } } }] } } } },
        ...errorResponses(400, 401, 403),
      },
    },
    post: {
      tags: ['geofences'],
      summary: 'Create a zone',
      description: `Creates version 1, in force from \`effectiveFrom\`. Returns the zone with \`warnings\` and a Location header. ${UNITS} ${roles(REGULATORS)}`,
      parameters: [effectiveFromParameter],
      requestBody: zoneBody,
      responses: { 201: withWarnings('created'), ...errorResponses(400, 401, 403), 413: errorResponse('the body is too large'), 415: errorResponse('the body is not JSON') },
    },
  },
  [`${PATH}/{id}`]: {
    get: {
      tags: ['geofences'],
      summary: 'One zone with its versions',
      description: `The version in force at \`at\` (the first one, status scheduled, before it takes effect; the retirement, status retired, after), and \`versions\`: every version as a Feature, oldest first. ${UNITS} ${roles(READERS)}`,
      parameters: [idParameter, atParameter, circlesParameter],
      responses: {
        200: { description: 'the zone', content: { 'application/json': { schema: { allOf: [zoneSchema, { type: 'object', properties: { versions: { type: 'array', items: zoneSchema } } }] } } } },
        ...errorResponses(400, 401, 403, 404),
      },
    },
    put: {
      tags: ['geofences'],
      summary: 'Change a zone (a new version)',
      description: `Appends a version in force from \`effectiveFrom\` (default now); the previous one ends then. Nothing is overwritten. ${roles(REGULATORS)}`,
      parameters: [idParameter, effectiveFromParameter],
      requestBody: zoneBody,
      responses: { 200: withWarnings('the new version'), ...errorResponses(400, 401, 403, 404), 409: errorResponse('the zone is retired, or effectiveFrom is not after its latest version') },
    },
    delete: {
      tags: ['geofences'],
      summary: 'Retire a zone',
      description: `Appends a final version that takes the zone out of force from \`effectiveFrom\` (default now); its history stays readable. ${roles(REGULATORS)}`,
      parameters: [idParameter, effectiveFromParameter],
      responses: { 200: zoneResponse('the retirement version'), ...errorResponses(400, 401, 403, 404), 409: errorResponse('already retired, or effectiveFrom is not after the latest version') },
    },
  },
};
