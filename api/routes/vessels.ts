import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { VesselFix, VesselStatic } from '../../core/records.js';
import type { Role } from '../../gateway/auth/tokens.js';
import type { ConfigDb } from '../../gateway/configdb/database.js';
import { isoTime } from '../../core/schemas.js';
import { IDENTIFIER_KEY, VESSEL_FIELDS } from '../../gateway/registry/fields.js';
import {
  isIdentifierKey,
  isVesselId,
  keyValue,
  normaliseSearchText,
  RegistryError,
  textMatches,
  type KeyBinding,
  type Vessel,
  type VesselRegistry,
} from '../../gateway/registry/registry.js';
import type { SeriesStore } from '../../gateway/store/types.js';
import { requireRole, type AuthState } from '../auth.js';
import { ApiError } from '../errors.js';
import type { OpenApiObject, OpenApiPaths } from '../openapi.js';
import { errorResponses } from '../openapi-document.js';
import { parseQuery, readJsonBody } from '../params.js';
import { POSITION_UNITS } from './positions.js';

/**
 * The vessel registry over HTTP: list and search, one vessel, and (admins) create, replace and
 * delete. Registered vessels have their own id (usually the hull name 船名号); a vessel not in the
 * registry is addressed by the identifier key it reports under (`mmsi:412000001`).
 */

export interface VesselRouteDeps {
  db: ConfigDb;
  store: SeriesStore;
  /** Latest fix per vessel kept in memory, when the gateway keeps one; else the store answers. */
  latest?: Pick<SeriesStore, 'latestFixes'>;
  registry: VesselRegistry;
}

/** Units of the numbers in a vessel (also in the OpenAPI document). */
export const VESSEL_UNITS = { length: 'm', beam: 'm', power: 'kW', lat: 'degree', lon: 'degree', sog: POSITION_UNITS.sog, cog: POSITION_UNITS.cog, heading: POSITION_UNITS.heading } as const;

/** Registry data that is personal (owners'): shown only to PERSONAL_DATA_READERS, never to researchers. */
const PERSONAL = ['owner', 'ownerPhone'] as const;
/** An allow-list, so that a role added later sees no personal data until someone decides it should. */
const PERSONAL_DATA_READERS: readonly Role[] = ['admin', 'regulator'];

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
/** A vessel is a small JSON object: anything larger is a mistake, not a vessel. */
const MAX_BODY_BYTES = 64 * 1024;

const ID_RULE = "a registered vessel id (1–64 characters without ':', e.g. 鲁日渔60123; URL-encoded) or an identifier key (mmsi:<9 digits>, bds:<card number>, dev:<name>)";

/** The `:id` of a vessel path: a registered vessel id or an identifier key; anything else is a 400. */
export function vesselPathId(raw: string): string {
  if (isVesselId(raw) || isIdentifierKey(raw)) return raw;
  throw new ApiError(400, 'bad_parameter', `id must be ${ID_RULE}`, 'id');
}

const listQuery = z.object({
  q: z.string().max(64, 'q must be at most 64 characters').transform(normaliseSearchText).optional(),
  mmsi: z.string().regex(/^\d{9}$/, 'mmsi must be 9 digits').optional(),
  limit: z.coerce.number({ message: 'limit must be a number' }).int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
  offset: z.coerce.number({ message: 'offset must be a number' }).int().min(0).default(0),
});

/** JSON clients send `null` for "no value": treated as absent. */
const dropNulls = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) : value;

const identifierBody = z.preprocess(
  dropNulls,
  z.object({ key: IDENTIFIER_KEY, validFrom: isoTime.optional(), validTo: isoTime.optional(), terminalModel: VESSEL_FIELDS.terminalModel.optional() }).strict(),
);

const vesselBody = z.preprocess(
  dropNulls,
  z
    .object(VESSEL_FIELDS)
    .partial()
    .extend({ id: z.string().optional(), identifiers: z.array(identifierBody).max(32, 'at most 32 identifiers').default([]) })
    .strict(),
);

const BODY_FIELDS = [...Object.keys(VESSEL_FIELDS), 'identifiers'].join(', ');

/** The PUT body, validated: a 400 names the field (`identifiers.0.key`), unknown fields included (a typo must not drop data silently). */
function parseVesselBody(body: unknown): z.infer<typeof vesselBody> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'bad_parameter', `the body must be a JSON object with the vessel's fields (${BODY_FIELDS})`, 'body');
  }
  const unknown = vesselBody.safeParse(body).error?.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown?.code === 'unrecognized_keys') {
    const field = [...unknown.path, unknown.keys[0]].join('.');
    const known = unknown.path.length === 0 ? BODY_FIELDS : 'key, validFrom, validTo, terminalModel';
    throw new ApiError(400, 'bad_parameter', `${field}: not a field here; the fields are ${known}`, field);
  }
  return parseQuery(vesselBody, body);
}

const isoOrAbsent = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A vessel as the API shows it: registry data (personal data only when allowed), identifiers with ISO periods, what it broadcast, where it was last. */
function vesselView(
  id: string,
  vessel: Vessel | undefined,
  facts: { latest?: VesselFix; statics: Map<string, VesselStatic>; showPersonal: boolean },
): Record<string, unknown> {
  const out: Record<string, unknown> = vessel
    ? {
        ...vessel,
        registered: true,
        identifiers: vessel.identifiers.map((b) => ({ ...b, validFrom: isoOrAbsent(b.validFrom), validTo: isoOrAbsent(b.validTo) })),
      }
    : { id, registered: false, identifiers: [{ key: id }] };
  if (!facts.showPersonal) for (const p of PERSONAL) delete out[p];
  const keys = vessel ? vessel.identifiers.map((b) => b.key) : [id];
  const broadcast = keys.map((k) => facts.statics.get(k)).find(Boolean);
  if (broadcast) {
    const { name, callsign, imo, shipType, destination, length, beam } = broadcast;
    out.broadcast = { key: broadcast.key, time: isoOrAbsent(broadcast.time), name, callsign, imo, shipType, destination, length, beam };
  }
  const fix = facts.latest;
  if (fix) out.latest = { time: new Date(fix.time).toISOString(), lat: fix.lat, lon: fix.lon, sog: fix.sog, cog: fix.cog, heading: fix.heading, source: fix.source, key: fix.key };
  return out;
}

const showsPersonal = (ctx: Context) => PERSONAL_DATA_READERS.includes((ctx.state as AuthState).identity.role);

function registryFailure(e: unknown): unknown {
  if (!(e instanceof RegistryError)) return e;
  return e.conflict ? new ApiError(409, 'conflict', e.message, e.field) : new ApiError(400, 'bad_parameter', e.message, e.field);
}

export function vesselRoutes(deps: VesselRouteDeps): Router {
  const latestIndex = deps.latest ?? deps.store;
  const router = new Router();
  const adminOnly = requireRole(deps.db, ['admin']);

  router.get('/api/v1/vessels', async (ctx) => {
    const q = parseQuery(listQuery, ctx.query);
    const text = q.q || undefined;
    const key = q.mmsi ? `mmsi:${q.mmsi}` : undefined;
    const registered = deps.registry.search({ text, key, limit: q.limit, offset: q.offset });
    // Unregistered identifiers that reported are vessels too, tracked under their own key; the
    // store knows them, so they are listed (after the registered ones) from their latest fixes.
    const latest = await latestIndex.latestFixes(key ? { vessels: [key, ...registered.vessels.map((v) => v.id)] } : {});
    const byVessel = new Map(latest.map((f) => [f.vessel ?? f.key, f]));
    const reporting = [...byVessel.keys()].filter((id) => isIdentifierKey(id) && (!key || id === key));
    const statics = deps.registry.staticOf([...reporting, ...registered.vessels.flatMap((v) => v.identifiers.map((b) => b.key))]);
    const unregistered = reporting.filter((id) => !text || textMatches(text, [keyValue(id), statics.get(id)?.name])).sort();
    const skip = Math.max(0, q.offset - registered.total);
    const page = unregistered.slice(skip, skip + q.limit - registered.vessels.length);
    const facts = (id: string) => ({ latest: byVessel.get(id), statics, showPersonal: showsPersonal(ctx) });
    ctx.body = {
      units: VESSEL_UNITS,
      total: registered.total + unregistered.length,
      limit: q.limit,
      offset: q.offset,
      vessels: [...registered.vessels.map((v) => vesselView(v.id, v, facts(v.id))), ...page.map((id) => vesselView(id, undefined, facts(id)))],
    };
  });

  router.get('/api/v1/vessels/:id', async (ctx) => {
    const id = vesselPathId(ctx.params.id);
    const vessel = deps.registry.get(id);
    if (!vessel && !isIdentifierKey(id)) {
      throw new ApiError(404, 'not_found', `no vessel ${JSON.stringify(id)} in the registry; a vessel not in the registry is addressed by its identifier key (mmsi:<9 digits>, bds:<card>, dev:<name>)`);
    }
    const [latest] = await latestIndex.latestFixes({ vessels: [id] });
    const statics = deps.registry.staticOf(vessel ? vessel.identifiers.map((b) => b.key) : [id]);
    const boundTo: KeyBinding[] = vessel ? [] : deps.registry.bindingsOf(id);
    if (!vessel && !latest && statics.size === 0 && boundTo.length === 0) {
      throw new ApiError(404, 'not_found', `nothing heard from ${id} in the last 30 days, and no registered vessel has it as an identifier`);
    }
    const view = vesselView(id, vessel, { latest, statics, showPersonal: showsPersonal(ctx) });
    // An identifier a registered vessel holds (for a period): where its fixes of that period are.
    if (boundTo.length > 0) view.boundTo = boundTo.map((b) => ({ vessel: b.vesselId, validFrom: isoOrAbsent(b.validFrom), validTo: isoOrAbsent(b.validTo) }));
    ctx.body = { units: VESSEL_UNITS, vessel: view };
  });

  router.put('/api/v1/vessels/:id', adminOnly, async (ctx) => {
    const id = registeredPathId(ctx.params.id);
    const body = parseVesselBody(await readJsonBody(ctx, MAX_BODY_BYTES));
    if (body.id !== undefined && body.id !== id) {
      throw new ApiError(400, 'bad_parameter', `id: the body says ${JSON.stringify(body.id)} but the path says ${JSON.stringify(id)}; a vessel's id is its path`, 'id');
    }
    const existed = deps.registry.get(id) !== undefined;
    try {
      deps.registry.upsert({ ...body, id });
    } catch (e) {
      throw registryFailure(e);
    }
    const vessel = deps.registry.get(id) as Vessel;
    const [latest] = await latestIndex.latestFixes({ vessels: [id] });
    ctx.status = existed ? 200 : 201;
    if (!existed) ctx.set('Location', `/api/v1/vessels/${encodeURIComponent(id)}`);
    ctx.body = { units: VESSEL_UNITS, vessel: vesselView(id, vessel, { latest, statics: deps.registry.staticOf(vessel.identifiers.map((b) => b.key)), showPersonal: true }) };
  });

  router.delete('/api/v1/vessels/:id', adminOnly, async (ctx) => {
    const id = registeredPathId(ctx.params.id);
    if (!deps.registry.delete(id)) throw new ApiError(404, 'not_found', `no vessel ${JSON.stringify(id)} in the registry`);
    ctx.status = 204;
  });

  return router;
}

/** Only registered vessels are written: an identifier key names what reported, not a registry entry. */
function registeredPathId(raw: string): string {
  const id = vesselPathId(raw);
  if (isIdentifierKey(id)) {
    throw new ApiError(400, 'bad_parameter', `id: ${id} is an identifier key; register the vessel under its own id (e.g. its hull name 鲁日渔60123) and list ${id} in its identifiers`, 'id');
  }
  return id;
}

// ---- OpenAPI ----

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: `The vessel: ${ID_RULE}.`,
  schema: { type: 'string', maxLength: 72 },
  example: '鲁日渔60123',
};

const isoTimeDoc = (description: string) => ({ type: 'string', format: 'date-time', description: `${description}, ISO 8601 UTC` });

const identifierSchema = {
  type: 'object',
  required: ['key'],
  properties: {
    key: { type: 'string', description: '`mmsi:<9 digits>`, `bds:<card number>` (Beidou 用户地址, no leading zeros) or `dev:<device id>`', example: 'mmsi:412325670' },
    validFrom: isoTimeDoc('start of the period this identifier belongs to the vessel (inclusive); absent: since always'),
    validTo: isoTimeDoc('end of the period (exclusive); absent: still valid'),
    terminalModel: { type: 'string', description: 'terminal behind this identifier (selects the Beidou payload codec); absent: the vessel’s' },
  },
};

const registryProperties: Record<string, OpenApiObject> = {
  hullName: { type: 'string', maxLength: 64, description: 'hull name 船名号', example: '鲁日渔60123' },
  registryNo: { type: 'string', maxLength: 64, description: 'registry number' },
  name: { type: 'string', maxLength: 64, description: 'name, as broadcast over AIS', example: 'LU RI YU 60123' },
  owner: { type: 'string', maxLength: 100, description: 'owner (personal data: never shown to researchers)' },
  ownerPhone: { type: 'string', description: 'owner’s phone: digits, optionally a leading + and spaces or dashes (personal data: never shown to researchers)', example: '0633-8221234' },
  gearType: { type: 'string', maxLength: 32, description: 'gear type', example: 'trawl' },
  homePort: { type: 'string', maxLength: 64, description: 'home port', example: 'rizhao' },
  terminalModel: { type: 'string', maxLength: 32, description: 'Beidou terminal model (selects the payload codec)' },
  length: { type: 'number', minimum: 0, maximum: 300, description: 'length overall, m' },
  power: { type: 'number', minimum: 0, maximum: 50000, description: 'main engine power, kW' },
};

const vesselSchema = {
  type: 'object',
  required: ['id', 'registered', 'identifiers'],
  properties: {
    id: { type: 'string', description: 'registered vessel id, or the identifier key of a vessel not in the registry' },
    registered: { type: 'boolean' },
    ...registryProperties,
    identifiers: { type: 'array', items: identifierSchema, description: 'identifiers bound to the vessel, each for a period' },
    broadcast: {
      type: 'object',
      description: 'the latest static data broadcast (AIS type 5/24/19) under one of its identifiers',
      properties: {
        key: { type: 'string' },
        time: isoTimeDoc('when last heard'),
        name: { type: 'string' },
        callsign: { type: 'string' },
        imo: { type: 'integer' },
        shipType: { type: 'integer', description: 'AIS ship and cargo type, 0–99' },
        destination: { type: 'string' },
        length: { type: 'number', description: 'm' },
        beam: { type: 'number', description: 'm' },
      },
    },
    latest: {
      type: 'object',
      description: 'the latest fix in the last 30 days',
      properties: {
        time: isoTimeDoc('fix time'),
        lat: { type: 'number', description: 'degree, WGS-84' },
        lon: { type: 'number', description: 'degree, WGS-84' },
        sog: { type: 'number', description: 'speed over ground, kn' },
        cog: { type: 'number', description: 'course over ground, degree (true)' },
        heading: { type: 'number', description: 'degree (true)' },
        source: { type: 'string', enum: ['ais', 'bds-rnss', 'bds-rdss', 'protobuf'] },
        key: { type: 'string', description: 'identifier the fix arrived under' },
      },
    },
    boundTo: {
      type: 'array',
      description: 'only for an identifier key: the registered vessels it belongs to, and when (fixes of those periods are under the vessel)',
      items: { type: 'object', properties: { vessel: { type: 'string' }, validFrom: isoTimeDoc('from'), validTo: isoTimeDoc('until (exclusive)') } },
    },
  },
};

const unitsSchema = { type: 'object', description: 'the unit of each number: length and beam m, power kW, lat/lon degree, sog kn, cog and heading degree (true)', additionalProperties: { type: 'string' } };
const oneVessel = { 'application/json': { schema: { type: 'object', required: ['units', 'vessel'], properties: { units: unitsSchema, vessel: vesselSchema } } } };
const problem = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export const vesselPaths: OpenApiPaths = {
  '/api/v1/vessels': {
    get: {
      tags: ['vessels'],
      summary: 'List and search vessels',
      description:
        'Registered vessels (ordered by id), then vessels not in the registry that reported in the last 30 days (ordered by identifier key), each with identifiers, registry data, the static data it broadcast and its latest position. Researchers never see `owner` or `ownerPhone`. Paged by `limit` and `offset`; `total` counts all matches.',
      parameters: [
        { name: 'q', in: 'query', description: 'text in the hull name (船名号), registry number, name, AIS name, MMSI, Beidou card or device id; Latin letters in any case, full-width digits as digits', schema: { type: 'string', maxLength: 64 }, example: '60123' },
        { name: 'mmsi', in: 'query', description: 'only the vessel with this MMSI (at any time)', schema: { type: 'string', pattern: '^\\d{9}$' } },
        { name: 'limit', in: 'query', description: `at most this many vessels (default ${DEFAULT_PAGE})`, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE } },
        { name: 'offset', in: 'query', description: 'skip this many matches first', schema: { type: 'integer', minimum: 0, default: 0 } },
      ],
      responses: {
        200: {
          description: 'One page of matching vessels',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['units', 'total', 'limit', 'offset', 'vessels'],
                properties: { units: unitsSchema, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' }, vessels: { type: 'array', items: vesselSchema } },
              },
            },
          },
        },
        ...errorResponses(400, 401, 403, 503),
      },
    },
  },
  '/api/v1/vessels/{id}': {
    get: {
      tags: ['vessels'],
      summary: 'One vessel',
      description: 'A registered vessel by its id, or a vessel not in the registry by its identifier key (then `boundTo` says which registered vessels held that identifier, and when). Researchers never see `owner` or `ownerPhone`.',
      parameters: [idParameter],
      responses: { 200: { description: 'The vessel', content: oneVessel }, ...errorResponses(400, 401, 403, 404, 503) },
    },
    put: {
      tags: ['vessels'],
      summary: 'Create or replace a registered vessel (admin)',
      description:
        'The body is the vessel’s registry data; fields left out are cleared (`null` counts as left out). Identifiers are bound for periods: an identifier may belong to one vessel at a time, so a period overlapping another vessel’s binding is a 409. Fixes already stored keep the vessel they were assigned when they arrived.',
      parameters: [idParameter],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: { id: { type: 'string', description: 'optional; must equal the path id' }, ...registryProperties, identifiers: { type: 'array', maxItems: 32, items: identifierSchema } },
            },
            example: { hullName: '鲁日渔60123', gearType: 'trawl', homePort: 'rizhao', length: 38.5, power: 441, identifiers: [{ key: 'mmsi:412325670' }, { key: 'bds:4207733', validFrom: '2026-05-01T00:00:00Z' }] },
          },
        },
      },
      responses: {
        200: { description: 'Replaced', content: oneVessel },
        201: { description: 'Created', content: oneVessel },
        ...errorResponses(400, 401, 403),
        409: problem('An identifier is already bound to another vessel for an overlapping period'),
        413: problem('The body is larger than 64 KiB'),
        415: problem('The body is not JSON'),
      },
    },
    delete: {
      tags: ['vessels'],
      summary: 'Remove a vessel from the registry (admin)',
      description: 'Removes the vessel and its identifier bindings. Its stored fixes stay, under its id (its track stays readable); new fixes from its identifiers are tracked under the identifier keys.',
      parameters: [idParameter],
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
    },
  },
};
