import Router from '@koa/router';
import { z } from 'zod';
import type { BuoyObservation } from '../../core/records.js';
import { OBSERVATION_VARIABLES, POSITION_VARIABLES, QC } from '../../gateway/decoders/protobuf/variables.js';
import { isoTime } from '../../core/schemas.js';
import { OBSERVATION_AGGREGATES, type SeriesStore } from '../../gateway/store/types.js';
import { ApiError } from '../errors.js';
import { requestedFormat, toCsv } from '../formats.js';
import type { OpenApiPaths } from '../openapi.js';
import { errorResponses } from '../openapi-document.js';
import { parseQuery } from '../params.js';

/**
 * Buoys and their observations: the list with each series' latest value, and one buoy's
 * observations over a time range, raw or in time buckets the store computes, as JSON or CSV.
 */

const SECOND = 1000;
const DAY = 86_400 * SECOND;
/** Range when the request names neither end. */
const DEFAULT_RANGE_MS = DAY;
/** Longest range one request may cover; raw answers are limited by MAX_ROWS well before that. */
const MAX_RANGE_MS = 366 * DAY;
/** Most rows one answer carries: beyond that the client is asked for buckets or a shorter range. */
export const MAX_ROWS = 100_000;

/** Units of a buoy's `position` (GET /api/v1/buoys). */
const POSITION_UNITS = 'degrees WGS-84 as GeoJSON [longitude (degree_east), latitude (degree_north)]';

/** Units of every number in the answers (also in the OpenAPI document). */
export const OBSERVATION_UNITS = {
  value: 'the unit of its variable: variables.<name>.unit',
  depth: 'm (positive down; 0 = surface or air)',
  sensorIndex: 'index of the sensor among those measuring the same variable at the same depth',
  qc: 'IOOS QARTOD flag: 1 pass, 2 not evaluated, 3 suspect, 4 fail, 9 missing',
  count: 'number of observations in the bucket',
} as const;

const QC_FLAGS = Object.values(QC).map(String);
const VARIABLE_NAMES = [...OBSERVATION_VARIABLES.keys()];
const DURATION_MS: Record<string, number> = { s: SECOND, m: 60 * SECOND, h: 3600 * SECOND, d: DAY };

/** Device ids as the protobuf schema allows them (proto/README.md): 1–64 printable ASCII characters, no spaces. */
const buoyPathParams = z.object({
  id: z.string().regex(/^[\x21-\x7e]{1,64}$/, 'must be a buoy id: 1-64 printable ASCII characters without spaces'),
});

/** A comma-separated list of known values, deduplicated; the first unknown one is named. */
function commaList(known: readonly string[], what: string) {
  return z.string({ message: 'must be given once, as a comma-separated list' }).transform((s, ctx) => {
    const items = [...new Set(s.split(',').map((item) => item.trim()))];
    const unknown = items.find((item) => !known.includes(item));
    if (unknown === undefined) return items;
    ctx.addIssue({ code: 'custom', message: `${unknown === '' ? 'an empty entry' : JSON.stringify(unknown)} is not ${what}; known: ${known.join(', ')}` });
    return z.NEVER;
  });
}

const observationQuery = z
  .object({
    variables: commaList(VARIABLE_NAMES, 'a buoy variable').optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    every: z
      .string({ message: 'must be given once' })
      .regex(/^\d{1,9}[smhd]$/, 'must be a duration: a whole number and s, m, h or d, like 30s, 10m, 1h or 1d')
      .transform((s) => Number(s.slice(0, -1)) * DURATION_MS[s.slice(-1)])
      .pipe(z.number().min(SECOND, 'must be at least 1s').max(MAX_RANGE_MS, 'must be at most 366d'))
      .optional(),
    fn: z.enum(OBSERVATION_AGGREGATES, { message: `must be one of ${OBSERVATION_AGGREGATES.join(', ')}` }).optional(),
    qc: commaList(QC_FLAGS, 'a QARTOD flag')
      .transform((flags) => flags.map(Number))
      .optional(),
  })
  .transform((q, ctx) => {
    // Without `to` the range ends now; without `from` it starts a day before its end.
    const to = q.to ?? Date.now();
    const from = q.from ?? to - DEFAULT_RANGE_MS;
    const fail = (path: string, message: string) => {
      ctx.addIssue({ code: 'custom', path: [path], message });
      return z.NEVER;
    };
    if (from >= to) return fail('from', `${iso(from)} must be before to (${iso(to)})`);
    if (to - from > MAX_RANGE_MS) return fail('from', `${iso(from)} to ${iso(to)} is ${((to - from) / DAY).toFixed(1)} days; ask for at most 366 days at a time`);
    if (q.fn && q.every === undefined) return fail('fn', 'combines the values of a time bucket: give every too (e.g. every=1h)');
    return { ...q, from, to, fn: q.every === undefined ? undefined : (q.fn ?? 'mean') };
  });

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** Metadata of a variable as the API shows it; a stored name the table does not know keeps its own unit. */
function variableInfo(name: string, storedUnit: string) {
  const known = OBSERVATION_VARIABLES.get(name);
  return known ? { cfStandardName: known.cfStandardName, unit: known.unit, label: known.label } : { cfStandardName: null, unit: storedUnit, label: name };
}

function latestEntry(o: BuoyObservation) {
  const { cfStandardName, label } = variableInfo(o.variable, o.unit);
  return { variable: o.variable, cfStandardName, label, value: o.value, unit: o.unit, depth: o.depth, sensorIndex: o.sensorIndex, time: iso(o.time), qc: o.qc };
}

/**
 * Where a buoy is: its newest `latitude` and `longitude` observations (normalise.ts makes them
 * from a batch's GNSS position) as a GeoJSON [lon, lat] and the time of that fix; undefined
 * without both.
 */
function buoyPosition(latest: readonly BuoyObservation[]): { position: [number, number]; positionTime: string } | undefined {
  const newest = (variable: string) => {
    let found: BuoyObservation | undefined;
    for (const o of latest) if (o.variable === variable && (!found || o.time > found.time)) found = o;
    return found;
  };
  const lat = newest(POSITION_VARIABLES.latitude.name);
  const lon = newest(POSITION_VARIABLES.longitude.name);
  if (!lat || !lon) return undefined;
  // Both come from one fix; should they ever differ, the older time is the honest one.
  return { position: [lon.value, lat.value], positionTime: iso(Math.min(lat.time, lon.time)) };
}

/** `BUOY-RZ-007` → a file name part any file system takes. */
const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
/** ms → `20261121T080000Z`: a time for file names. */
const compactTime = (ms: number) => iso(ms).replace(/\.\d{3}/, '').replace(/[-:]/g, '');

export function buoyRoutes(deps: { store: SeriesStore }): Router {
  const router = new Router();

  router.get('/api/v1/buoys', async (ctx) => {
    const [buoys, latest] = await Promise.all([deps.store.buoys(), deps.store.latestObservations()]);
    const byDevice = new Map<string, BuoyObservation[]>();
    for (const o of latest) {
      const series = byDevice.get(o.deviceId);
      if (series) series.push(o);
      else byDevice.set(o.deviceId, [o]);
    }
    const format = requestedFormat(ctx, ['json', 'geojson'], 'json');
    const units = { value: OBSERVATION_UNITS.value, depth: OBSERVATION_UNITS.depth, qc: OBSERVATION_UNITS.qc, position: POSITION_UNITS };
    const list = buoys
      .sort((a, b) => byName(a.deviceId, b.deviceId))
      .map((b) => {
        const series = byDevice.get(b.deviceId) ?? [];
        return {
          id: b.deviceId,
          lastReport: iso(b.lastTime),
          ...buoyPosition(series),
          latest: series.sort((x, y) => byName(x.variable, y.variable) || x.depth - y.depth || x.sensorIndex - y.sensorIndex).map(latestEntry),
        };
      });
    if (format === 'geojson') {
      // Points for the buoys whose position is known; the JSON list has every buoy.
      ctx.type = 'application/geo+json';
      ctx.body = {
        type: 'FeatureCollection',
        units,
        features: list.flatMap(({ position, ...properties }) => (position ? [{ type: 'Feature', id: properties.id, geometry: { type: 'Point', coordinates: position }, properties }] : [])),
      };
      return;
    }
    ctx.body = { units, buoys: list };
  });

  router.get('/api/v1/buoys/:id/observations', async (ctx) => {
    const { id } = parseQuery(buoyPathParams, ctx.params);
    const q = parseQuery(observationQuery, ctx.query);
    const format = requestedFormat(ctx, ['json', 'csv'], 'json');
    // One row more than allowed tells "too many" from "exactly the limit".
    const rows = await deps.store.observations({ deviceId: id, variables: q.variables, from: q.from, to: q.to, every: q.every, fn: q.fn, qc: q.qc, limit: MAX_ROWS + 1 });
    if (rows.length > MAX_ROWS) {
      throw new ApiError(
        400,
        'too_many_rows',
        `the answer would have more than ${MAX_ROWS.toLocaleString('en')} rows: ask for time buckets (every=10m, every=1h…), fewer variables or a shorter range from … to`,
      );
    }
    if (rows.length === 0 && (await deps.store.buoys({ deviceIds: [id] })).length === 0) {
      throw new ApiError(404, 'not_found', `no buoy ${JSON.stringify(id)} has sent observations; GET /api/v1/buoys lists the buoys`);
    }
    // `every` as asked (validated above): `1h` says more in a file name or an answer than 3600000.
    const every = q.every === undefined ? undefined : String(ctx.query.every);

    if (format === 'csv') {
      // Long ("tidy") format: one row per observation or bucket with its unit in a column, which
      // keeps several depths, sensors and qc flags lossless and is what R, pandas and Excel
      // pivot tables read directly.
      const flagOrCount = q.every === undefined ? { key: 'qc' } : { key: 'count' };
      ctx.attachment(`${fileSafe(id)}_${compactTime(q.from)}_${compactTime(q.to)}${every ? `_${every}_${q.fn}` : ''}.csv`);
      ctx.body = toCsv(
        [{ key: 'time', unit: 'UTC' }, { key: 'variable' }, { key: 'value' }, { key: 'unit' }, { key: 'depth', unit: 'm' }, { key: 'sensorIndex' }, flagOrCount],
        rows.map((r) => ({ ...r, time: iso(r.time) })),
      );
      return;
    }

    const names = q.variables ?? [...new Set(rows.map((r) => r.variable))].sort(byName);
    const unitOf = new Map(rows.map((r) => [r.variable, r.unit]));
    ctx.body = {
      buoy: id,
      from: iso(q.from),
      to: iso(q.to),
      ...(every ? { every, fn: q.fn } : {}),
      ...(q.qc ? { qc: q.qc } : {}),
      units: OBSERVATION_UNITS,
      variables: Object.fromEntries(names.map((name) => [name, variableInfo(name, unitOf.get(name) ?? '')])),
      observations: rows.map(({ time, variable, value, depth, sensorIndex, qc, count }) => ({
        time: iso(time),
        variable,
        value,
        depth,
        sensorIndex,
        ...(qc !== undefined ? { qc } : {}),
        ...(count !== undefined ? { count } : {}),
      })),
    };
  });

  return router;
}

const buoyPositionSchema = {
  type: 'array',
  items: { type: 'number' },
  minItems: 2,
  maxItems: 2,
  description: `[longitude, latitude]: ${POSITION_UNITS}`,
  example: [119.6862, 35.4655],
} as const;
const buoyPositionTimeSchema = { type: 'string', format: 'date-time', description: 'Time of the GNSS fix `position` comes from' } as const;
const latestEntrySchema = {
  type: 'object',
  properties: {
    variable: { type: 'string', example: 'sea_surface_temperature' },
    cfStandardName: { type: 'string', nullable: true, description: 'CF standard name; null where CF has none' },
    label: { type: 'string', example: 'Sea surface temperature' },
    value: { type: 'number', description: 'In `unit`' },
    unit: { type: 'string', description: 'UDUNITS spelling', example: 'degC' },
    depth: { type: 'number', description: OBSERVATION_UNITS.depth },
    sensorIndex: { type: 'integer' },
    time: { type: 'string', format: 'date-time' },
    qc: { type: 'integer', description: OBSERVATION_UNITS.qc },
  },
} as const;

export const buoyPaths: OpenApiPaths = {
  '/api/v1/buoys': {
    get: {
      summary: 'Buoys that have sent observations, with their position and the latest value of each series',
      description:
        'One entry per buoy that has ever sent observations: `lastReport` (ISO 8601 UTC) is its newest observation; ' +
        '`latest` holds the newest value of each variable × depth × sensor from the last 30 days, with its unit, CF standard name and label. ' +
        "A buoy's GNSS position (BuoyObservationBatch.position, at the batch's base time) is stored as two observations, " +
        '`latitude` (degree_north) and `longitude` (degree_east), the CF names of a moving platform\'s coordinates; from the newest of them ' +
        'each buoy gets `position` ([longitude, latitude], degrees WGS-84, GeoJSON order) and `positionTime`, both absent while no position is known. ' +
        "`?format=geojson` (or `Accept: application/geo+json`) answers a GeoJSON FeatureCollection instead: one Point per buoy whose position is known, " +
        'with `id`, `lastReport`, `positionTime` and `latest` as properties.',
      tags: ['buoys'],
      parameters: [
        { name: 'format', in: 'query', description: '`json` (default) or `geojson`; wins over the Accept header', schema: { type: 'string', enum: ['json', 'geojson'] } },
      ],
      responses: {
        200: {
          description: 'Buoys, sorted by id',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  units: { type: 'object', description: 'Units of the numbers below' },
                  buoys: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['id', 'lastReport', 'latest'],
                      properties: {
                        id: { type: 'string', example: 'BUOY-RZ-007' },
                        lastReport: { type: 'string', format: 'date-time' },
                        position: buoyPositionSchema,
                        positionTime: buoyPositionTimeSchema,
                        latest: { type: 'array', items: latestEntrySchema },
                      },
                    },
                  },
                },
              },
            },
            'application/geo+json': {
              schema: {
                type: 'object',
                properties: {
                  type: { type: 'string', enum: ['FeatureCollection'] },
                  units: { type: 'object', description: 'Units of the numbers below' },
                  features: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        type: { type: 'string', enum: ['Feature'] },
                        id: { type: 'string', example: 'BUOY-RZ-007' },
                        geometry: {
                          type: 'object',
                          properties: { type: { type: 'string', enum: ['Point'] }, coordinates: buoyPositionSchema },
                        },
                        properties: {
                          type: 'object',
                          properties: {
                            id: { type: 'string', example: 'BUOY-RZ-007' },
                            lastReport: { type: 'string', format: 'date-time' },
                            positionTime: buoyPositionTimeSchema,
                            latest: { type: 'array', items: latestEntrySchema },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        ...errorResponses(400, 401, 403, 503),
      },
    },
  },
  '/api/v1/buoys/{id}/observations': {
    get: {
      summary: "One buoy's observations over a time range, raw or in time buckets",
      description:
        'Observations with `from ≤ time < to`, oldest first (then by variable, depth, sensor). With `every`, one row per ' +
        'variable × depth × sensor and time bucket: buckets are aligned to the Unix epoch (so `1d` gives UTC days), each row ' +
        "stamped with its bucket's start and carrying `count`; the first and last buckets hold only what lies in the range. " +
        `At most ${MAX_ROWS.toLocaleString('en')} rows: a larger answer is a 400 asking for buckets or a shorter range. ` +
        'CSV (`?format=csv` or `Accept: text/csv`) is long ("tidy"): one row per observation or bucket, columns ' +
        '`time (UTC),variable,value,unit,depth (m),sensorIndex,qc` (or `count` instead of `qc` with `every`), sent as an attachment ' +
        'named after the buoy and range.',
      tags: ['buoys'],
      parameters: [
        { name: 'id', in: 'path', required: true, description: 'Buoy (device) id: 1–64 printable ASCII characters, no spaces', schema: { type: 'string', example: 'BUOY-RZ-007' } },
        { name: 'variables', in: 'query', description: `Comma-separated variable names (CF standard names where one exists); default all. Known: ${VARIABLE_NAMES.join(', ')}`, schema: { type: 'string' } },
        { name: 'from', in: 'query', description: 'Start, inclusive: ISO 8601 time with a zone, or a date (midnight UTC); default 24 h before `to`', schema: { type: 'string', format: 'date-time' } },
        { name: 'to', in: 'query', description: 'End, exclusive; default now. At most 366 days after `from`', schema: { type: 'string', format: 'date-time' } },
        { name: 'every', in: 'query', description: 'Bucket width: a whole number and s, m, h or d (`30s`, `10m`, `1h`, `1d`); at least 1s', schema: { type: 'string', example: '1h' } },
        { name: 'fn', in: 'query', description: 'How a bucket combines its values (needs `every`); default mean', schema: { type: 'string', enum: [...OBSERVATION_AGGREGATES] } },
        { name: 'qc', in: 'query', description: 'Comma-separated QARTOD flags to include (1 pass, 2 not evaluated, 3 suspect, 4 fail, 9 missing), applied before bucketing; default all', schema: { type: 'string', example: '1,2' } },
        { name: 'format', in: 'query', description: '`json` (default) or `csv`; wins over the Accept header', schema: { type: 'string', enum: ['json', 'csv'] } },
      ],
      responses: {
        200: {
          description: 'The observations',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  buoy: { type: 'string' },
                  from: { type: 'string', format: 'date-time' },
                  to: { type: 'string', format: 'date-time' },
                  every: { type: 'string', description: 'As asked; only with buckets' },
                  fn: { type: 'string', enum: [...OBSERVATION_AGGREGATES], description: 'Only with buckets' },
                  qc: { type: 'array', items: { type: 'integer' }, description: 'The flags asked for, when filtered' },
                  units: { type: 'object', description: 'Units of the numbers in `observations`' },
                  variables: {
                    type: 'object',
                    description: 'Per variable name: its CF standard name (null where CF has none), unit (UDUNITS) and label',
                    additionalProperties: {
                      type: 'object',
                      properties: { cfStandardName: { type: 'string', nullable: true }, unit: { type: 'string' }, label: { type: 'string' } },
                    },
                  },
                  observations: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        time: { type: 'string', format: 'date-time', description: 'Observation time, or bucket start' },
                        variable: { type: 'string' },
                        value: { type: 'number', description: OBSERVATION_UNITS.value },
                        depth: { type: 'number', description: OBSERVATION_UNITS.depth },
                        sensorIndex: { type: 'integer' },
                        qc: { type: 'integer', description: `${OBSERVATION_UNITS.qc}; raw rows only` },
                        count: { type: 'integer', description: `${OBSERVATION_UNITS.count}; bucketed rows only` },
                      },
                    },
                  },
                },
              },
            },
            'text/csv': { schema: { type: 'string' } },
          },
        },
        ...errorResponses(400, 401, 403, 404, 503),
      },
    },
  },
};
