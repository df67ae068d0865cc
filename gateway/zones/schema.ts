import { z } from 'zod';
import { isoTime } from '../../core/schemas.js';
import { SEVERITIES } from '../alerts/model.js';
import { checkZoneGeometry, GeometryError, type GeometryFacts } from './geometry.js';
import { DEFAULT_TIMEZONE, isTimeZone, ZONE_KINDS, type Position, type ZoneDefinition } from './model.js';

/**
 * The zone as clients send it: a GeoJSON Feature (RFC 7946) whose geometry is a Polygon, a
 * MultiPolygon or Tidewatch's Circle `{type: 'Circle', center: [lon, lat], radius: metres}`.
 * Structure and ranges are checked here (zod); the geometry rules in geometry.ts.
 */

const position = z
  .array(z.number({ message: 'a coordinate must be a number' }), { message: 'a position must be [longitude, latitude]' })
  .min(2, 'a position must be [longitude, latitude]')
  .max(3, 'a position is [longitude, latitude] or [longitude, latitude, altitude]')
  .superRefine(([lon, lat], ctx) => {
    if (lon < -180 || lon > 180) ctx.addIssue({ code: 'custom', path: [0], message: `longitude ${lon} is outside -180..180 (positions are [longitude, latitude])` });
    if (lat < -90 || lat > 90) ctx.addIssue({ code: 'custom', path: [1], message: `latitude ${lat} is outside -90..90 (positions are [longitude, latitude])` });
  })
  // Altitude means nothing for a sea area: dropped.
  .transform((p): Position => [p[0], p[1]]);

const polygonRings = z.array(z.array(position, { message: 'a ring must be an array of positions' }), { message: 'Polygon coordinates must be an array of rings' }).min(1, 'a Polygon needs an outer ring');

const geometry = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('Polygon'), coordinates: polygonRings }),
    z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(polygonRings, { message: 'MultiPolygon coordinates must be an array of polygons' }).min(1, 'a MultiPolygon needs a polygon') }),
    z.object({ type: z.literal('Circle'), center: position, radius: z.number({ message: 'radius must be a number of metres' }) }),
  ],
  { message: 'geometry type must be Polygon, MultiPolygon or Circle' },
);

const monthDay = z
  .string()
  .regex(/^\d\d-\d\d$/, 'must be MM-DD')
  .refine((s) => {
    const [m, d] = s.split('-').map(Number);
    // 2024 is a leap year, so 02-29 is a day of the year.
    return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(2024, m, 0)).getUTCDate();
  }, 'is not a day of the year (MM-DD)');

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, 00:00 to 23:59');

const window = z
  .object({
    from: isoTime.optional(),
    to: isoTime.optional(),
    yearly: z.object({ start: monthDay, end: monthDay }).strict().optional(),
    daily: z.object({ start: timeOfDay, end: z.union([timeOfDay, z.literal('24:00')], { message: 'must be HH:MM, 00:00 to 24:00' }) }).strict().optional(),
    timezone: z.string().refine(isTimeZone, 'is not a time zone; use an IANA name such as Asia/Shanghai').default(DEFAULT_TIMEZONE),
  })
  .strict()
  .refine((w) => w.from !== undefined || w.to !== undefined || w.yearly || w.daily, 'a window needs from, to, yearly or daily')
  .refine((w) => w.from === undefined || w.to === undefined || w.from < w.to, { message: 'to must be after from', path: ['to'] })
  .refine((w) => !w.daily || w.daily.start !== w.daily.end, { message: 'daily start and end are the same; leave daily out for all day', path: ['daily'] });

const vesselRef = z.string().trim().min(1, 'a vessel reference must not be empty').max(100, 'a vessel reference has at most 100 characters');
const MAX_LIST = 10_000;

const vesselFilter = z
  .object({
    gearTypes: z.array(z.string().trim().min(1).max(50)).min(1).max(100).optional(),
    vessels: z.array(vesselRef).min(1).max(MAX_LIST).optional(),
    excludeVessels: z.array(vesselRef).min(1).max(MAX_LIST).optional(),
    shipTypes: z.array(z.number().int().min(0).max(99, 'AIS ship types are 0–99')).min(1).max(100).optional(),
  })
  .strict();

// Read-only properties of served zones are accepted and ignored, so that a served Feature can be
// edited and sent back.
const readOnly = z.unknown().optional();

const properties = z
  .object({
    name: z.string({ message: 'a zone needs a name' }).trim().min(1, 'a zone needs a name').max(200, 'name has at most 200 characters'),
    kind: z.enum(ZONE_KINDS, { message: `kind must be one of ${ZONE_KINDS.join(', ')}` }),
    severity: z.enum(SEVERITIES, { message: `severity must be one of ${SEVERITIES.join(', ')}` }).default('warning'),
    windows: z.array(window).max(50, 'at most 50 windows').default([]),
    vesselFilter: vesselFilter.optional(),
    legalBasis: z.string().trim().min(1).max(500).optional(),
    description: z.string().max(4000).optional(),
    version: readOnly,
    effectiveFrom: readOnly,
    effectiveTo: readOnly,
    status: readOnly,
    areaKm2: readOnly,
    createdBy: readOnly,
    createdAt: readOnly,
  })
  .strict()
  .transform(({ version, effectiveFrom, effectiveTo, status, areaKm2, createdBy, createdAt, ...definition }) => definition);

const NOT_A_FEATURE = 'the body must be a GeoJSON Feature: {"type": "Feature", "geometry": …, "properties": …}';

/** Foreign members (RFC 7946 §6.1) such as `id` or `bbox` are allowed and ignored. */
const zoneFeature = z.object(
  {
    type: z.literal('Feature', { message: NOT_A_FEATURE }),
    geometry,
    properties: z.object({}, { message: 'properties must be an object with name and kind' }).passthrough().pipe(properties),
  },
  { message: NOT_A_FEATURE },
);

/** Where a zone definition is wrong: a message and the path into the Feature. */
export class ZoneInputError extends Error {
  override readonly name = 'ZoneInputError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** A zone definition that passed every check, with its area and bounds. */
export type CheckedZone = ZoneDefinition & { facts: GeometryFacts };

/** A Feature as a checked zone definition; throws ZoneInputError. */
export function parseZoneFeature(input: unknown): CheckedZone {
  const parsed = zoneFeature.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join('.');
    throw new ZoneInputError(path ? `${path}: ${issue.message}` : issue.message, path);
  }
  const { geometry: g, properties: p } = parsed.data;
  try {
    return { geometry: g, properties: p, facts: checkZoneGeometry(g) };
  } catch (e) {
    if (e instanceof GeometryError) throw new ZoneInputError(e.message, ['geometry', ...e.path].join('.'));
    throw e;
  }
}
