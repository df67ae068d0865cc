import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { OpenApiObject, OpenApiPaths } from './openapi.js';

/**
 * The OpenAPI 3.0 document served at /api/v1/openapi.json: shared components here, paths from
 * the modules that serve them. Every module in `api/routes/` (and `api/live.ts`) is loaded and
 * each of its exports named `…Paths` is merged in, so a new route module is documented by
 * exporting its paths — nothing to register here. test/api/openapi.test.ts checks that every
 * route the app serves is documented and every documented path is served.
 */

export type OpenApiDocument = OpenApiObject;

const SCHEMAS = {
  Position: {
    type: 'array',
    description: '[longitude, latitude] in decimal degrees, WGS-84 (GeoJSON order: longitude first)',
    items: { type: 'number' },
    minItems: 2,
    maxItems: 3,
    example: [119.6021, 35.3512],
  },
  Point: {
    type: 'object',
    description: 'GeoJSON Point (RFC 7946)',
    required: ['type', 'coordinates'],
    properties: { type: { type: 'string', enum: ['Point'] }, coordinates: { $ref: '#/components/schemas/Position' } },
  },
  LineString: {
    type: 'object',
    description: 'GeoJSON LineString (RFC 7946): positions in order',
    required: ['type', 'coordinates'],
    properties: { type: { type: 'string', enum: ['LineString'] }, coordinates: { type: 'array', items: { $ref: '#/components/schemas/Position' }, minItems: 2 } },
  },
  Polygon: {
    type: 'object',
    description: 'GeoJSON Polygon (RFC 7946): closed rings of positions, the first the outer boundary (counter-clockwise), the others holes',
    required: ['type', 'coordinates'],
    properties: {
      type: { type: 'string', enum: ['Polygon'] },
      coordinates: { type: 'array', items: { type: 'array', items: { $ref: '#/components/schemas/Position' }, minItems: 4 }, minItems: 1 },
    },
  },
  Feature: {
    type: 'object',
    description: 'GeoJSON Feature (RFC 7946); what `properties` holds is described by each endpoint',
    required: ['type', 'geometry', 'properties'],
    properties: {
      type: { type: 'string', enum: ['Feature'] },
      id: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      geometry: { oneOf: [{ $ref: '#/components/schemas/Point' }, { $ref: '#/components/schemas/LineString' }, { $ref: '#/components/schemas/Polygon' }] },
      properties: { type: 'object', additionalProperties: true },
    },
  },
  FeatureCollection: {
    type: 'object',
    description: 'GeoJSON FeatureCollection (RFC 7946)',
    required: ['type', 'features'],
    properties: { type: { type: 'string', enum: ['FeatureCollection'] }, features: { type: 'array', items: { $ref: '#/components/schemas/Feature' } } },
  },
  Error: {
    type: 'object',
    description: 'What went wrong, in words to act on',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', description: 'stable, for programs: `unauthenticated`, `forbidden`, `bad_parameter`, `not_found`, `store_unavailable`, `internal`…' },
          message: { type: 'string', description: 'for people' },
          parameter: { type: 'string', description: 'the query parameter or field at fault, when there is one' },
        },
      },
    },
    example: { error: { code: 'bad_parameter', message: 'bbox: bbox must be minLon,minLat,maxLon,maxLat in degrees', parameter: 'bbox' } },
  },
} as const;

export type SchemaName = keyof typeof SCHEMAS;

/** `{ $ref }` to a shared schema, for route modules' OpenApiPaths. */
export function schemaRef(name: SchemaName): OpenApiObject {
  return { $ref: `#/components/schemas/${name}` };
}

const ERROR_RESPONSES = {
  400: { name: 'BadRequest', description: 'A parameter is wrong; `error.parameter` names it' },
  401: { name: 'Unauthorized', description: 'No token, or a token that is unknown or revoked' },
  403: { name: 'Forbidden', description: 'The token’s role may not do this (device tokens only send data)' },
  404: { name: 'NotFound', description: 'No such resource' },
  503: { name: 'StoreUnavailable', description: 'The time-series store cannot answer right now; retry shortly' },
} as const;

export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/** The shared error responses for the given statuses, to spread into an operation's `responses`. */
export function errorResponses(...statuses: ErrorStatus[]): Record<string, OpenApiObject> {
  return Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/${ERROR_RESPONSES[s].name}` }]));
}

/** Tags in the order the docs page shows them; tags only a route module uses come after, by name. */
const TAGS = [
  { name: 'positions', description: 'Where vessels are now' },
  { name: 'vessels', description: 'The vessel registry and what vessels broadcast about themselves' },
  { name: 'tracks', description: 'Where a vessel has been' },
  { name: 'buoys', description: 'Ocean buoys and their observations' },
  { name: 'geofences', description: 'Zones that rules watch (protected areas, closed seasons, ports)' },
  { name: 'alerts', description: 'What the rules engine raised, and its triage' },
  { name: 'live', description: 'Positions, alerts and observations pushed as they arrive' },
  { name: 'session', description: 'Who the token belongs to and what its role may do' },
  { name: 'service', description: 'Health, metrics and this documentation; no token needed' },
];

const INFO_DESCRIPTION = `Tidewatch's API: fisheries and ocean telemetry from AIS, Beidou and buoys.

Authentication: every \`/api/v1\` endpoint except this documentation needs a token, sent as \`Authorization: Bearer <token>\` or, where headers cannot be set (a browser's WebSocket), as \`?token=<token>\`. Tokens are created with \`tidewatch token create --role R --name N\`. Roles \`regulator\`, \`researcher\` and \`admin\` may read; \`device\` tokens only send data (403 here).

Units, the same everywhere: times ISO 8601 UTC; \`lat\`, \`lon\` decimal degrees WGS-84 (GeoJSON coordinates are [lon, lat]); \`sog\` knots; \`cog\`, \`heading\` and other directions degrees true; lengths, depths and distances metres; ages and durations seconds; buoy values in the unit named by their \`unit\` (UDUNITS: \`degC\`, \`m\`, \`mg L-1\`…).

Errors are JSON \`{"error": {"code", "message", "parameter"}}\`.`;

/** The endpoint modules: every module in routes/ and the live WebSocket, loaded as whatever this module is (.ts under test, .js built). */
async function endpointModules(): Promise<Array<{ file: string; exports: Record<string, unknown> }>> {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const routesDir = join(dirname(here), 'routes');
  const files = (await readdir(routesDir)).filter((f) => f.endsWith(ext) && !f.endsWith(`.d${ext}`)).map((f) => join(routesDir, f));
  files.push(join(dirname(here), `live${ext}`));
  return Promise.all(files.sort().map(async (file) => ({ file, exports: (await import(pathToFileURL(file).href)) as Record<string, unknown> })));
}

/** Every `…Paths` export of the endpoint modules, merged; an operation described twice is an error. */
async function collectPaths(): Promise<OpenApiPaths> {
  const merged: OpenApiPaths = {};
  const describedIn = new Map<string, string>();
  for (const { file, exports } of await endpointModules()) {
    for (const [name, paths] of Object.entries(exports)) {
      if (!name.endsWith('Paths') || typeof paths !== 'object' || paths === null) continue;
      for (const [path, item] of Object.entries(paths as OpenApiPaths)) {
        for (const [method, operation] of Object.entries(item)) {
          const key = `${method.toUpperCase()} ${path}`;
          const where = `${name} in ${basename(file)}`;
          const earlier = describedIn.get(key);
          if (earlier) throw new Error(`${key} is described twice, by ${earlier} and by ${where}; keep one`);
          describedIn.set(key, where);
          (merged[path] ??= {})[method] = operation;
        }
      }
    }
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

/** The whole document for this gateway's `version`. */
export async function buildOpenApiDocument(version: string): Promise<OpenApiDocument> {
  const paths = await collectPaths();
  const used = new Set(Object.values(paths).flatMap((item) => Object.values(item).flatMap((op) => (op.tags as string[] | undefined) ?? [])));
  const known = TAGS.filter((t) => used.has(t.name));
  const others = [...used].filter((t) => !TAGS.some((k) => k.name === t)).sort();
  return {
    openapi: '3.0.3',
    info: { title: 'Tidewatch API', version, description: INFO_DESCRIPTION, license: { name: 'MIT' } },
    servers: [{ url: '/', description: 'this gateway' }],
    security: [{ bearer: [] }, { tokenQuery: [] }],
    tags: [...known, ...others.map((name) => ({ name }))],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A Tidewatch token (`tw_…`) in `Authorization: Bearer <token>`' },
        tokenQuery: { type: 'apiKey', in: 'query', name: 'token', description: 'The same token as `?token=`, for clients that cannot set headers' },
      },
      schemas: SCHEMAS,
      responses: Object.fromEntries(
        Object.values(ERROR_RESPONSES).map(({ name, description }) => [name, { description, content: { 'application/json': { schema: schemaRef('Error') } } }]),
      ),
    },
  };
}
