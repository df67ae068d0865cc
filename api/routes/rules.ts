import Router from '@koa/router';
import { z } from 'zod';
import { isoTime } from '../../core/schemas.js';
import type { ConfigDb } from '../../gateway/configdb/database.js';
import { localDate, localTimeToUtc, type BanCalendar } from '../../gateway/rules/ban-calendar.js';
import { loadBanCalendar } from '../../gateway/rules/index.js';
import { PortVisitStore, type PortVisit } from '../../gateway/rules/ports.js';
import { versionAt, type ZoneStore } from '../../gateway/zones/store.js';
import { READERS, requireRole } from '../auth.js';
import { ApiError } from '../errors.js';
import type { OpenApiPaths } from '../openapi.js';
import { errorResponses } from '../openapi-document.js';
import { parseQuery } from '../params.js';

/**
 * What the rules keep besides alerts (issue 5 §2): port visits per vessel and per port, the
 * fishing-ban calendar in force, and the daily headcount in port / at sea per port during the ban.
 */

const VISITS_PATH = '/api/v1/port-visits';
const CALENDAR_PATH = '/api/v1/ban-calendar';
const COUNTS_PATH = '/api/v1/ban-calendar/daily-counts';

/** Local time of day of the daily headcount: the hour the ban begins on its first day. */
const HEADCOUNT_TIME = '12:00';
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

const portParam = z.coerce.number({ message: 'port must be a port zone id (a positive integer)' }).int().positive('port must be a port zone id (a positive integer)').optional();

const visitsQuery = z
  .object({
    vessel: z.string().min(1, 'vessel must not be empty').max(100, 'vessel has at most 100 characters').optional(),
    port: portParam,
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce.number({ message: 'limit must be a number' }).int().min(1, 'limit must be 1 to 1000').max(1000, 'limit must be 1 to 1000').default(100),
    offset: z.coerce.number({ message: 'offset must be a number' }).int().min(0, 'offset must be 0 or more').default(0),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'to must not be before from', path: ['to'] });

const calendarQuery = z.object({ year: z.coerce.number({ message: 'year must be a year, e.g. 2026' }).int().min(1970, 'year must be 1970 to 2099').max(2099, 'year must be 1970 to 2099').optional() });

const date = z.iso.date({ message: 'must be a date, YYYY-MM-DD' });
const countsQuery = z
  .object({ from: date.optional(), to: date.optional(), port: portParam })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'to must not be before from', path: ['to'] });

const iso = (ms: number) => new Date(ms).toISOString();

export interface RuleRouteDeps {
  db: ConfigDb;
  zones: ZoneStore;
  /** The running engine's calendar and visits; absent (an API without the engine): the default calendar and the stored visits. */
  rules?: { calendar: BanCalendar; visits: PortVisitStore };
}

export function ruleRoutes(deps: RuleRouteDeps): Router {
  const read = requireRole(deps.db, READERS);
  const calendar = deps.rules?.calendar ?? loadBanCalendar(undefined);
  const visits = deps.rules?.visits ?? new PortVisitStore(deps.db);
  const router = new Router();

  /** Port names by zone id and time, read once per request. */
  const portNamer = () => {
    const histories = new Map<number, ReturnType<ZoneStore['history']>>();
    return (zoneId: number, at: number): string | undefined => {
      if (!histories.has(zoneId)) histories.set(zoneId, deps.zones.history(zoneId));
      const history = histories.get(zoneId);
      return history && versionAt(history, at)?.properties.name;
    };
  };

  router.get(VISITS_PATH, read, async (ctx) => {
    const q = parseQuery(visitsQuery, ctx.query);
    const name = portNamer();
    const page = visits.list({ vessel: q.vessel, zoneId: q.port, from: q.from, to: q.to, limit: q.limit, offset: q.offset });
    ctx.body = { visits: page.map((v) => visitJson(v, name(v.zoneId, v.arrivalTime))), units: { durationS: 's' } };
  });

  router.get(CALENDAR_PATH, read, async (ctx) => {
    const { year = Number(localDate(Date.now(), calendar.timezone).slice(0, 4)) } = parseQuery(calendarQuery, ctx.query);
    ctx.body = {
      year,
      seasons: calendar.seasons(year).map((s) => ({ area: s.areaId, areaName: s.areaName, gears: s.gears, exemptGears: s.exemptGears, start: iso(s.start), end: iso(s.end), ...(s.note ? { note: s.note } : {}) })),
      calendar: calendar.toJson(),
    };
  });

  router.get(COUNTS_PATH, read, async (ctx) => {
    const q = parseQuery(countsQuery, ctx.query);
    const now = Date.now();
    const seasons = calendar.seasons(Number(localDate(now, calendar.timezone).slice(0, 4)));
    // Default: this year's ban, from its first day to the last (or today).
    const from = q.from ?? (seasons.length ? localDate(Math.min(...seasons.map((s) => s.start)), calendar.timezone) : localDate(now, calendar.timezone));
    const to = q.to ?? (seasons.length ? localDate(Math.max(...seasons.map((s) => s.end)), calendar.timezone) : from);
    const dayCount = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (dayCount > MAX_DAYS) throw new ApiError(400, 'bad_parameter', `to: at most ${MAX_DAYS} days at a time`, 'to');
    const name = portNamer();
    const days = [];
    for (let d = 0; d < dayCount; d++) {
      const day = iso(Date.parse(from) + d * DAY_MS).slice(0, 10);
      const at = localTimeToUtc(Number(day.slice(0, 4)), `${day.slice(5)} ${HEADCOUNT_TIME}`, calendar.timezone);
      if (at > now) break;
      const ports = visits
        .headcount(at)
        .filter((p) => q.port === undefined || p.zoneId === q.port)
        .map((p) => ({ id: p.zoneId, name: name(p.zoneId, at), inPort: p.inPort, atSea: p.atSea }));
      days.push({ date: day, time: iso(at), ban: calendar.anyBanAt(at), ports });
    }
    ctx.body = { timezone: calendar.timezone, headcountTime: HEADCOUNT_TIME, days };
  });

  return router;
}

function visitJson(v: PortVisit, portName: string | undefined) {
  return {
    id: v.id,
    vessel: v.vessel,
    port: { id: v.zoneId, version: v.zoneVersion, ...(portName !== undefined ? { name: portName } : {}) },
    arrivalTime: iso(v.arrivalTime),
    ...(v.departureTime !== undefined ? { departureTime: iso(v.departureTime), durationS: Math.round((v.departureTime - v.arrivalTime) / 1000) } : {}),
    inPort: v.departureTime === undefined,
  };
}

// ---- OpenAPI ----

const visitSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    vessel: { type: 'string', description: 'vessel id, or the identifier key of an unregistered vessel' },
    port: { type: 'object', properties: { id: { type: 'integer', description: 'port zone id' }, version: { type: 'integer', description: 'the zone version in force at arrival' }, name: { type: 'string' } } },
    arrivalTime: { type: 'string', format: 'date-time', description: 'first fix inside the port zone' },
    departureTime: { type: 'string', format: 'date-time', description: 'when the vessel left; absent while it is in port' },
    durationS: { type: 'integer', description: 'seconds in port; absent while it is in port' },
    inPort: { type: 'boolean' },
  },
};

const portParameter = { name: 'port', in: 'query', schema: { type: 'integer', minimum: 1 }, description: 'a port zone id (geofence of kind `port`)' };

export const rulePaths: OpenApiPaths = {
  [VISITS_PATH]: {
    get: {
      tags: ['rules'],
      summary: 'Port visits, per vessel or per port',
      description: `Stays in port zones as the rules engine saw them: from the first fix inside to leaving (with hysteresis, so manoeuvres at the harbour mouth make one visit). Newest arrival first. Times ISO 8601 UTC. Roles: ${READERS.join(', ')}.`,
      parameters: [
        { name: 'vessel', in: 'query', schema: { type: 'string' }, description: 'vessel id or identifier key' },
        portParameter,
        { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'visits going on at or after this ISO 8601 time' },
        { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'visits begun before this ISO 8601 time' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
      ],
      responses: {
        200: { description: 'the visits', content: { 'application/json': { schema: { type: 'object', properties: { visits: { type: 'array', items: visitSchema }, units: { type: 'object' } } } } } },
        ...errorResponses(400, 401, 403),
      },
    },
  },
  [CALENDAR_PATH]: {
    get: {
      tags: ['rules'],
      summary: 'The fishing-ban calendar in force (伏季休渔)',
      description: `\`calendar\` is the calendar as configured (TIDEWATCH_BAN_CALENDAR, or the shipped Yellow Sea default): sea areas (GeoJSON polygons), yearly periods per gear type as local \`MM-DD HH:MM\` in \`timezone\`, exempt gears, permits (ISO 8601) — the same JSON a bureau edits. \`seasons\` are its periods in \`year\` as ISO 8601 UTC times, start included, end excluded. Roles: ${READERS.join(', ')}.`,
      parameters: [{ name: 'year', in: 'query', schema: { type: 'integer', minimum: 1970, maximum: 2099 }, description: 'default: this year' }],
      responses: {
        200: {
          description: 'the calendar and the year’s seasons',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  year: { type: 'integer' },
                  seasons: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        area: { type: 'string' },
                        areaName: { type: 'string' },
                        gears: { type: 'array', items: { type: 'string' }, description: 'gear types, or `*` for every gear no other period of the area lists' },
                        exemptGears: { type: 'array', items: { type: 'string' } },
                        start: { type: 'string', format: 'date-time' },
                        end: { type: 'string', format: 'date-time' },
                        note: { type: 'string' },
                      },
                    },
                  },
                  calendar: { type: 'object', additionalProperties: true },
                },
              },
            },
          },
        },
        ...errorResponses(400, 401, 403),
      },
    },
  },
  [COUNTS_PATH]: {
    get: {
      tags: ['rules'],
      summary: 'Daily headcount in port and at sea, per port',
      description: `For each day, at ${HEADCOUNT_TIME} local time (the calendar’s time zone; the hour the ban begins): per port zone, the vessels in it (\`inPort\`) and the vessels whose last port it was and that have not arrived in any port since (\`atSea\`), from the port visits. \`ban\` says whether any ban season holds then. Days not yet at ${HEADCOUNT_TIME} are left out. At most ${MAX_DAYS} days. Roles: ${READERS.join(', ')}.`,
      parameters: [
        { name: 'from', in: 'query', schema: { type: 'string', format: 'date' }, description: 'first day (local), default the first day of this year’s ban' },
        { name: 'to', in: 'query', schema: { type: 'string', format: 'date' }, description: 'last day (local), default the last day of this year’s ban' },
        portParameter,
      ],
      responses: {
        200: {
          description: 'one entry per day',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  timezone: { type: 'string' },
                  headcountTime: { type: 'string', description: 'local HH:MM' },
                  days: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        date: { type: 'string', format: 'date' },
                        time: { type: 'string', format: 'date-time' },
                        ban: { type: 'boolean' },
                        ports: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, inPort: { type: 'integer' }, atSea: { type: 'integer' } } } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        ...errorResponses(400, 401, 403),
      },
    },
  },
};
