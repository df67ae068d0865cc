import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { TIME_KEYS } from '../../core/records.js';
import { ALERT_STATUSES, ALERT_TYPES, SEVERITIES, type Alert, type Evidence, type TriageStep } from '../../gateway/alerts/model.js';
import { AlertTransitionError, EVIDENCE_KEPT, type AlertStore } from '../../gateway/alerts/store.js';
import type { ConfigDb } from '../../gateway/configdb/database.js';
import { isoTime } from '../../core/schemas.js';
import { READERS, REGULATORS, requireRole, type AuthState } from '../auth.js';
import { ApiError } from '../errors.js';
import type { OpenApiObject, OpenApiPaths } from '../openapi.js';
import { errorResponses, schemaRef } from '../openapi-document.js';
import { parseQuery, readJsonBody } from '../params.js';
import { POSITION_UNITS } from './positions.js';

/** Researchers may read alerts but not triage them; devices neither. */

const PATH = '/api/v1/alerts';

const EVIDENCE_UNITS = { lat: 'degree', lon: 'degree', sog: POSITION_UNITS.sog, cog: POSITION_UNITS.cog, heading: POSITION_UNITS.heading, value: "the observation's unit" } as const;

/** A comma-separated list of known values; the parameter is named as a whole, not item by item. */
function listOf<T extends string>(values: readonly T[]) {
  return z.string().transform((s, ctx) => {
    const items = s.split(',').map((v) => v.trim());
    const unknown = items.find((v) => !(values as readonly string[]).includes(v));
    if (unknown === undefined) return items as T[];
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(unknown)} is not one of ${values.join(', ')} (comma-separated)` });
    return z.NEVER;
  });
}

const reference = (what: string) => z.string().min(1, `${what} must not be empty`).max(100, `${what} has at most 100 characters`);

const listQuery = z
  .object({
    type: listOf(ALERT_TYPES).optional(),
    status: listOf(ALERT_STATUSES).optional(),
    vessel: reference('vessel').optional(),
    device: reference('device').optional(),
    zone: z.coerce.number({ message: 'zone must be a zone id (a positive integer)' }).int().positive('zone must be a zone id (a positive integer)').optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce.number({ message: 'limit must be a number' }).int().min(1, 'limit must be 1 to 1000').max(1000, 'limit must be 1 to 1000').default(100),
    cursor: z.string().regex(/^[1-9]\d{0,15}$/, 'cursor must be the nextCursor of a previous page').transform(Number).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'to must not be before from', path: ['to'] });

const idParam = z.object({ id: z.coerce.number({ message: 'id must be an alert id (a positive integer)' }).int().positive('id must be an alert id (a positive integer)') });

const triageBody = z.object({ note: z.string().trim().min(1, 'note must not be empty').max(2000, 'note has at most 2000 characters').optional() }, { message: 'the body must be a JSON object, e.g. {"note": "…"}' }).strict();

const iso = (ms: number) => new Date(ms).toISOString();
const stepJson = (s: TriageStep) => ({ by: s.by, at: iso(s.at), ...(s.note !== undefined ? { note: s.note } : {}) });

export function alertJson(a: Alert) {
  return {
    id: a.id,
    type: a.type,
    severity: a.severity,
    status: a.status,
    ...(a.vessel !== undefined ? { vessel: a.vessel } : {}),
    ...(a.otherVessel !== undefined ? { otherVessel: a.otherVessel } : {}),
    ...(a.device !== undefined ? { device: a.device } : {}),
    ...(a.zoneId !== undefined ? { zone: { id: a.zoneId, version: a.zoneVersion } } : {}),
    startTime: iso(a.startTime),
    endTime: iso(a.endTime),
    ongoing: a.ongoing,
    occurrences: a.occurrences,
    ...(a.details !== undefined ? { details: a.details } : {}),
    evidenceCount: a.evidenceCount,
    ...(a.acknowledged ? { acknowledged: stepJson(a.acknowledged) } : {}),
    ...(a.closed ? { closed: stepJson(a.closed) } : {}),
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

/** A stored record with its times as ISO 8601. */
function evidenceJson(e: Evidence): Record<string, unknown> {
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, TIME_KEYS.has(k) && typeof v === 'number' ? iso(v) : v]));
}

const who = (ctx: Context) => (ctx.state as AuthState).identity.name;

export function alertRoutes(deps: { db: ConfigDb; alerts: AlertStore }): Router {
  const read = requireRole(deps.db, READERS);
  const triage = requireRole(deps.db, REGULATORS);
  const router = new Router();

  router.get(PATH, read, async (ctx) => {
    const q = parseQuery(listQuery, ctx.query);
    const page = deps.alerts.list({ types: q.type, statuses: q.status, vessel: q.vessel, device: q.device, zoneId: q.zone, from: q.from, to: q.to, limit: q.limit, after: q.cursor });
    ctx.body = { alerts: page.alerts.map(alertJson), ...(page.next !== undefined ? { nextCursor: String(page.next) } : {}) };
  });

  router.get(`${PATH}/:id`, read, async (ctx) => {
    const { id } = parseQuery(idParam, ctx.params);
    const alert = deps.alerts.get(id);
    if (!alert) throw new ApiError(404, 'not_found', `there is no alert ${id}`);
    ctx.body = { ...alertJson(alert), evidence: alert.evidence.map(evidenceJson), evidenceOmitted: alert.evidenceCount - alert.evidence.length, units: EVIDENCE_UNITS };
  });

  for (const action of ['acknowledge', 'close'] as const) {
    router.post(`${PATH}/:id/${action}`, triage, async (ctx) => {
      const { id } = parseQuery(idParam, ctx.params);
      const { note } = parseQuery(triageBody, (await readJsonBody(ctx, 16 * 1024)) ?? {});
      let alert: Alert | undefined;
      try {
        alert = deps.alerts[action](id, who(ctx), note);
      } catch (e) {
        if (e instanceof AlertTransitionError) throw new ApiError(409, 'conflict', e.message);
        throw e;
      }
      if (!alert) throw new ApiError(404, 'not_found', `there is no alert ${id}`);
      ctx.body = alertJson(alert);
    });
  }

  return router;
}

// ---- OpenAPI ----

const stepSchema = { type: 'object', properties: { by: { type: 'string', description: 'token name' }, at: { type: 'string', format: 'date-time' }, note: { type: 'string' } } };

const alertSchema: OpenApiObject = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    type: { type: 'string', enum: [...ALERT_TYPES] },
    severity: { type: 'string', enum: [...SEVERITIES] },
    status: { type: 'string', enum: [...ALERT_STATUSES], description: 'open → acknowledged → closed; an open alert may be closed directly' },
    vessel: { type: 'string', description: 'vessel id, or the identifier key of an unregistered vessel' },
    otherVessel: { type: 'string', description: 'the other vessel of an encounter or identity clash' },
    device: { type: 'string' },
    zone: { type: 'object', properties: { id: { type: 'integer' }, version: { type: 'integer', description: 'the zone version in force when the alert began' } } },
    startTime: { type: 'string', format: 'date-time', description: 'first observation' },
    endTime: { type: 'string', format: 'date-time', description: 'last observation, or when the condition ended' },
    ongoing: { type: 'boolean', description: 'the condition still holds: new detections merge into this alert instead of repeating it' },
    occurrences: { type: 'integer', description: 'detections merged into this alert' },
    details: { type: 'object', additionalProperties: true, description: 'facts the rule computed, in documented units' },
    evidenceCount: { type: 'integer' },
    acknowledged: stepSchema,
    closed: stepSchema,
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const alertResponse = (description: string) => ({ description, content: { 'application/json': { schema: alertSchema } } });

const triageOperation = (summary: string, description: string): OpenApiObject => ({
  tags: ['alerts'],
  summary,
  description: `${description} Records the token's name and the time. Roles: ${REGULATORS.join(', ')}.`,
  parameters: [idParameter],
  requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { note: { type: 'string', maxLength: 2000 } } } } } },
  responses: {
    200: alertResponse('the alert after the change'),
    ...errorResponses(400, 401, 403, 404),
    409: { description: 'the alert’s status does not allow it; the message says why', content: { 'application/json': { schema: schemaRef('Error') } } },
  },
});

export const alertPaths: OpenApiPaths = {
  [PATH]: {
    get: {
      tags: ['alerts'],
      summary: 'List alerts',
      description: `Newest first, a page at a time: pass \`nextCursor\` as \`cursor\` for the next page. Times ISO 8601 UTC. Roles: ${READERS.join(', ')}.`,
      parameters: [
        { name: 'type', in: 'query', schema: { type: 'string' }, description: `comma-separated: ${ALERT_TYPES.join(', ')}` },
        { name: 'status', in: 'query', schema: { type: 'string' }, description: `comma-separated: ${ALERT_STATUSES.join(', ')}` },
        { name: 'vessel', in: 'query', schema: { type: 'string' }, description: 'vessel id or identifier key; matches either vessel of an encounter' },
        { name: 'device', in: 'query', schema: { type: 'string' } },
        { name: 'zone', in: 'query', schema: { type: 'integer', minimum: 1 }, description: 'zone id' },
        { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'alerts still going on at or after this ISO 8601 time' },
        { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'alerts begun at or before this ISO 8601 time' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'the nextCursor of the previous page' },
      ],
      responses: {
        200: { description: 'a page', content: { 'application/json': { schema: { type: 'object', properties: { alerts: { type: 'array', items: alertSchema }, nextCursor: { type: 'string', description: 'absent on the last page' } } } } } },
        ...errorResponses(400, 401, 403),
      },
    },
  },
  [`${PATH}/{id}`]: {
    get: {
      tags: ['alerts'],
      summary: 'One alert with its evidence',
      description:
        `Adds \`evidence\`, the stored records that triggered it (vessel fixes: lat/lon degrees, sog kn, cog and heading degrees true; observations in their \`unit\`; times ISO 8601 UTC): ` +
        `the first ${EVIDENCE_KEPT} and the last ${EVIDENCE_KEPT}, with \`evidenceOmitted\` counting those in between. Roles: ${READERS.join(', ')}.`,
      parameters: [idParameter],
      responses: { 200: alertResponse('the alert'), ...errorResponses(400, 401, 403, 404) },
    },
  },
  [`${PATH}/{id}/acknowledge`]: { post: triageOperation('Acknowledge an alert', 'open → acknowledged.') },
  [`${PATH}/{id}/close`]: { post: triageOperation('Close an alert', 'open or acknowledged → closed; a later detection of the same condition opens a new alert.') },
};
