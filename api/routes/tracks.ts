import Router from '@koa/router';
import { z } from 'zod';
import type { VesselFix } from '../../core/records.js';
import { isoTime } from '../../core/schemas.js';
import { isIdentifierKey, type VesselRegistry } from '../../gateway/registry/registry.js';
import { allocateTrackLine, trackLineOf, type SeriesStore, type TrackLine, type TrackQuery } from '../../gateway/store/types.js';
import { ApiError } from '../errors.js';
import { csvField, isoTimeFormatter, requestedFormat, toCsv, toNdjson } from '../formats.js';
import { JsonBytes } from '../json-bytes.js';
import type { OpenApiPaths } from '../openapi.js';
import { errorResponses } from '../openapi-document.js';
import { parseQuery } from '../params.js';
import { POSITION_UNITS } from './positions.js';
import { vesselPathId } from './vessels.js';

/**
 * Where a vessel has been: GET /api/v1/vessels/:id/track as one GeoJSON Feature (a LineString
 * with per-point times, speeds and courses), optionally simplified, or exported as NDJSON, CSV or GPX.
 */

const HOUR_MS = 3_600_000;
const DEFAULT_RANGE_MS = 24 * HOUR_MS;
const MAX_RANGE_DAYS = 31;
const MAX_RANGE_MS = MAX_RANGE_DAYS * 24 * HOUR_MS;
/** Fixes read from the store per request: bounds memory (31 days of a Beidou terminal, a week of AIS class A underway). */
export const MAX_FIXES_READ = 300_000;
/** Points in one GeoJSON track: what a browser map draws without stalling. Exports go up to MAX_FIXES_READ. */
export const MAX_LINE_POINTS = 50_000;
/** metres; more than this is no longer a track but a sketch. */
const MAX_TOLERANCE_M = 10_000;
/** Mean Earth radius, m (IUGG). */
const EARTH_RADIUS_M = 6_371_008.8;
const KNOT_MS = 1852 / 3600;

export const TRACK_UNITS = {
  coordinates: POSITION_UNITS.coordinates,
  times: 'ISO 8601 UTC',
  sog: POSITION_UNITS.sog,
  cog: POSITION_UNITS.cog,
  tolerance: 'm',
} as const;

const FORMATS = ['geojson', 'json', 'ndjson', 'csv', 'gpx'] as const;

const trackQuery = z.object({
  from: isoTime.optional(),
  to: isoTime.optional(),
  tolerance: z.coerce
    .number({ message: 'tolerance must be a number of metres' })
    .min(0, 'tolerance must be 0 or more metres')
    .max(MAX_TOLERANCE_M, `tolerance must be at most ${MAX_TOLERANCE_M} m`)
    .default(0),
  suspect: z.enum(['exclude', 'include'], { message: 'suspect must be exclude or include' }).default('exclude'),
});

/** One series of the store to read for a track: fixes stored under `series` in [from, to), only those that arrived under `key` when set. */
interface TrackPart {
  series: string;
  from: number;
  to: number;
  key?: string;
}

/**
 * What a track is made of. Fixes are stored under the vessel the registry named when they
 * arrived; a vessel registered later (the bureau's register imported after the gateway started)
 * has earlier fixes under its identifier keys. So a vessel's track also reads its identifiers
 * over their binding periods, and an identifier's track also reads what arrived under it while
 * a registered vessel held it.
 */
function trackParts(registry: VesselRegistry, id: string, from: number, to: number): TrackPart[] {
  const parts: TrackPart[] = [{ series: id, from, to }];
  const clip = (series: string, start = 0, end = Infinity, key?: string) => {
    const part = { series, from: Math.max(from, start), to: Math.min(to, end), ...(key ? { key } : {}) };
    if (part.from < part.to) parts.push(part);
  };
  if (isIdentifierKey(id)) {
    for (const b of registry.bindingsOf(id)) clip(b.vesselId, b.validFrom, b.validTo, id);
  } else {
    for (const b of registry.get(id)?.identifiers ?? []) clip(b.key, b.validFrom, b.validTo);
  }
  return parts;
}

/** What each part gives: its fixes as read, at most MAX_FIXES_READ + 1 in all (one more than allowed: the caller says the range is too long). */
async function readParts<T extends { length: number }>(parts: readonly TrackPart[], read: (query: TrackQuery) => Promise<T>): Promise<T[]> {
  const reads: T[] = [];
  let total = 0;
  for (const part of parts) {
    const got = await read({ vessel: part.series, from: part.from, to: part.to, limit: MAX_FIXES_READ + 1 - total });
    reads.push(got);
    total += got.length;
    if (total > MAX_FIXES_READ) break;
  }
  return reads;
}

/** The parts' lines one after another (the one line with fixes itself when the others are empty). */
function concatLines(lines: readonly TrackLine[]): TrackLine {
  const nonEmpty = lines.filter((l) => l.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0];
  const all = allocateTrackLine(nonEmpty.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of nonEmpty) {
    all.time.set(l.time, at);
    all.lat.set(l.lat, at);
    all.lon.set(l.lon, at);
    all.sog.set(l.sog, at);
    all.cog.set(l.cog, at);
    for (let i = 0; i < l.length; i++) {
      all.source[at + i] = l.source[i];
      all.key[at + i] = l.key[i];
      all.suspect[at + i] = l.suspect[i];
    }
    at += l.length;
  }
  return all;
}

/**
 * Which fixes of the concatenated parts (`all`, `lengths[p]` fixes read for part p) make the track, as
 * indices into `all` in compareFixes order: a part read for an identifier keeps only what arrived
 * under it, and the same fix in two series (written again after a registry change) counts once.
 */
function trackIndices(parts: readonly TrackPart[], lengths: readonly number[], all: TrackLine): number[] {
  const indices: number[] = [];
  let offset = 0;
  lengths.forEach((length, p) => {
    const key = parts[p].key;
    for (let i = offset; i < offset + length; i++) if (!key || all.key[i] === key) indices.push(i);
    offset += length;
  });
  if (lengths.filter((n) => n > 0).length <= 1) return indices; // one series: already in order, nothing twice
  const compare = (a: number, b: number) =>
    all.time[a] - all.time[b] || (all.source[a] < all.source[b] ? -1 : all.source[a] > all.source[b] ? 1 : all.key[a] < all.key[b] ? -1 : all.key[a] > all.key[b] ? 1 : 0);
  indices.sort(compare);
  return indices.filter((index, i) => i === 0 || compare(indices[i - 1], index) !== 0);
}

/**
 * Douglas–Peucker: the indices of the points to keep so that no dropped point lies farther than
 * `toleranceM` metres from the simplified line. Distances are to segments (not infinite lines, which
 * would drop the far end of an out-and-back run) on a local equirectangular projection around the
 * track's mean latitude: within a few per cent over the few hundred kilometres of a fishing trip.
 */
export function simplifyTrack(lat: ArrayLike<number>, lon: ArrayLike<number>, toleranceM: number): number[] {
  const n = lat.length;
  if (n <= 2 || toleranceM <= 0) return Array.from({ length: n }, (_, i) => i);
  const rad = Math.PI / 180;
  let latSum = 0;
  for (let i = 0; i < n; i++) latSum += lat[i];
  const meanLat = latSum / n;
  const kx = EARTH_RADIUS_M * rad * Math.cos(meanLat * rad);
  const ky = EARTH_RADIUS_M * rad;
  const lon0 = lon[0];
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dLon = lon[i] - lon0;
    if (dLon > 180) dLon -= 360; // a track across the antimeridian stays continuous
    else if (dLon < -180) dLon += 360;
    x[i] = dLon * kx;
    y[i] = lat[i] * ky;
  }
  const keep = new Uint8Array(n);
  keep[0] = keep[n - 1] = 1;
  const limit = toleranceM * toleranceM;
  const stack: number[] = [0, n - 1];
  while (stack.length > 0) {
    const last = stack.pop() as number;
    const first = stack.pop() as number;
    const dx = x[last] - x[first];
    const dy = y[last] - y[first];
    const length2 = dx * dx + dy * dy;
    let farthest = -1;
    let max = limit;
    for (let i = first + 1; i < last; i++) {
      const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((x[i] - x[first]) * dx + (y[i] - y[first]) * dy) / length2));
      const ex = x[i] - (x[first] + t * dx);
      const ey = y[i] - (y[first] + t * dy);
      const d2 = ex * ex + ey * ey;
      if (d2 > max) {
        max = d2;
        farthest = i;
      }
    }
    if (farthest >= 0) {
      keep[farthest] = 1;
      stack.push(first, farthest, farthest, last);
    }
  }
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) kept.push(i);
  return kept;
}

/** Decimal places of a drawn track's coordinates: 1e-7° is ≤ 1.1 cm, finer than AIS (1/10,000′ ≈ 18 cm) or Beidou NMEA. */
export const TRACK_COORDINATE_DECIMALS = 7;
/** Decimal places of a drawn track's speeds (kn) and courses (°): AIS carries tenths. */
export const TRACK_MOTION_DECIMALS = 2;

/**
 * The GeoJSON Feature of a drawn track, as UTF-8 JSON: the fixes `kept` (indices into `line`) as a
 * LineString (a Point for one fix, geometry null for none, as RFC 7946 wants), with `properties` and
 * the per-point arrays `times`, `sog`, `cog` and `sources` aligned with the coordinates.
 *
 * Written straight into bytes (JsonBytes), with coordinates to TRACK_COORDINATE_DECIMALS places as
 * RFC 7946 §11.2 advises (shorter text, no false precision); exports keep every stored digit.
 */
export function trackFeatureJson(id: string, line: TrackLine, kept: readonly number[], properties: Record<string, unknown>): Buffer {
  const n = kept.length;
  const out = new JsonBytes(512 + n * 96);
  out.raw('{"type":"Feature","id":').value(id).raw(',"geometry":');
  if (n === 0) out.raw('null');
  else {
    out.raw(n === 1 ? '{"type":"Point","coordinates":' : '{"type":"LineString","coordinates":[');
    for (let j = 0; j < n; j++) {
      const i = kept[j];
      out.raw(j === 0 ? '[' : ',[').decimal(line.lon[i], TRACK_COORDINATE_DECIMALS).raw(',').decimal(line.lat[i], TRACK_COORDINATE_DECIMALS).raw(']');
    }
    out.raw(n === 1 ? '}' : ']}');
  }
  const head = JSON.stringify(properties);
  out.raw(',"properties":').raw(head === '{}' ? '{' : `${head.slice(0, -1)},`);
  out.raw('"times":[');
  for (let j = 0; j < n; j++) (j === 0 ? out : out.raw(',')).isoTime(line.time[kept[j]]);
  out.raw('],"sog":[');
  for (let j = 0; j < n; j++) (j === 0 ? out : out.raw(',')).decimal(line.sog[kept[j]], TRACK_MOTION_DECIMALS);
  out.raw('],"cog":[');
  for (let j = 0; j < n; j++) (j === 0 ? out : out.raw(',')).decimal(line.cog[kept[j]], TRACK_MOTION_DECIMALS);
  out.raw('],"sources":[');
  for (let j = 0; j < n; j++) (j === 0 ? out : out.raw(',')).string(line.source[kept[j]]);
  out.raw(`],"units":${JSON.stringify(TRACK_UNITS)}}}`);
  return out.bytes();
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `20260501T000000Z`: a time for file names (no `:`, which Windows refuses). */
const compactTime = (ms: number) => iso(ms).replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);

/** One fix as an export row: absent values stay absent. */
function fixRow(vessel: string, f: VesselFix, formatTime: (ms: number) => string): Record<string, unknown> {
  return {
    vessel,
    time: formatTime(f.time),
    lat: f.lat,
    lon: f.lon,
    sog: f.sog,
    cog: f.cog,
    heading: f.heading,
    navStatus: f.navStatus,
    source: f.source,
    key: f.key,
    station: f.station,
    suspect: f.suspect,
  };
}

const CSV_COLUMNS = [
  { key: 'vessel' },
  { key: 'time', unit: 'ISO 8601 UTC' },
  { key: 'lat', unit: 'degree' },
  { key: 'lon', unit: 'degree' },
  { key: 'sog', unit: 'kn' },
  { key: 'cog', unit: 'degree true' },
  { key: 'heading', unit: 'degree true' },
  { key: 'navStatus' },
  { key: 'source' },
  { key: 'key' },
  { key: 'station' },
  { key: 'suspect' },
] as const;

/**
 * GPX 1.1. Version 1.1 dropped 1.0's <speed> and <course>; Garmin's TrackPointExtension v2 carries
 * them (speed in m/s, course in degrees true), which GPSBabel, QGIS and Garmin tools read.
 */
function toGpx(name: string, fixes: readonly VesselFix[]): string {
  const formatTime = isoTimeFormatter();
  const points = fixes.map((f) => {
    const ext: string[] = [];
    if (f.sog !== undefined) ext.push(`<gpxtpx:speed>${+(f.sog * KNOT_MS).toFixed(3)}</gpxtpx:speed>`);
    if (f.cog !== undefined) ext.push(`<gpxtpx:course>${f.cog}</gpxtpx:course>`);
    const extensions = ext.length > 0 ? `<extensions><gpxtpx:TrackPointExtension>${ext.join('')}</gpxtpx:TrackPointExtension></extensions>` : '';
    return `      <trkpt lat="${f.lat}" lon="${f.lon}"><time>${formatTime(f.time)}</time>${extensions}</trkpt>\n`;
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<gpx version="1.1" creator="Tidewatch" xmlns="http://www.topografix.com/GPX/1/1" ' +
    'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd http://www.garmin.com/xmlschemas/TrackPointExtension/v2 http://www8.garmin.com/xmlschemas/TrackPointExtensionv2.xsd">\n' +
    `  <trk>\n    <name>${xmlEscape(name)}</name>\n    <trkseg>\n${points.join('')}    </trkseg>\n  </trk>\n</gpx>\n`
  );
}

export function trackRoutes(deps: { store: SeriesStore; registry: VesselRegistry }): Router {
  const router = new Router();
  router.get('/api/v1/vessels/:id/track', async (ctx) => {
    const id = vesselPathId(ctx.params.id);
    const q = parseQuery(trackQuery, ctx.query);
    const format = requestedFormat(ctx, FORMATS, 'geojson');
    const to = q.to ?? Date.now();
    const from = q.from ?? to - DEFAULT_RANGE_MS;
    if (from >= to) throw new ApiError(400, 'bad_parameter', `from (${iso(from)}) must be before to (${iso(to)})`, 'from');
    if (to - from > MAX_RANGE_MS) {
      const days = ((to - from) / (24 * HOUR_MS)).toFixed(1);
      throw new ApiError(400, 'bad_parameter', `from: ${iso(from)} to ${iso(to)} is ${days} days; ask for at most ${MAX_RANGE_DAYS} days at a time`, 'from');
    }

    const vessel = isIdentifierKey(id) ? undefined : deps.registry.get(id);
    const parts = trackParts(deps.registry, id, from, to);
    const drawn = format === 'geojson' || format === 'json';
    // A drawn track reads only the columns it shows (trackLine); exports need every field of every fix.
    let all: TrackLine;
    let lengths: number[];
    let exported: VesselFix[] = [];
    if (drawn) {
      const lines = await readParts(parts, (part) => deps.store.trackLine(part));
      all = concatLines(lines);
      lengths = lines.map((l) => l.length);
    } else {
      const reads = await readParts(parts, (part) => deps.store.track(part));
      exported = reads.flat();
      all = trackLineOf(exported);
      lengths = reads.map((r) => r.length);
    }
    if (all.length > MAX_FIXES_READ) {
      throw new ApiError(400, 'too_many_fixes', `more than ${MAX_FIXES_READ} fixes between ${iso(from)} and ${iso(to)}; ask for a shorter range`, 'from');
    }
    const read = trackIndices(parts, lengths, all);
    // An id that is neither registered nor an identifier key may still name a vessel deleted from the registry: its fixes stay readable.
    if (read.length === 0 && !vessel && !isIdentifierKey(id)) {
      throw new ApiError(404, 'not_found', `no vessel ${JSON.stringify(id)} in the registry and no track stored under that id`);
    }
    const unflagged = q.suspect === 'exclude' ? read.filter((i) => all.suspect[i] === undefined) : read;
    const kept =
      q.tolerance > 0
        ? simplifyTrack(Float64Array.from(unflagged, (i) => all.lat[i]), Float64Array.from(unflagged, (i) => all.lon[i]), q.tolerance).map((j) => unflagged[j])
        : unflagged;
    if (drawn) {
      if (kept.length > MAX_LINE_POINTS) {
        throw new ApiError(
          400,
          'too_many_points',
          `the track has ${kept.length} points; a GeoJSON track holds at most ${MAX_LINE_POINTS}: simplify it with ?tolerance=<metres> (e.g. tolerance=10), ask for a shorter range, or export it (format=csv, ndjson or gpx: up to ${MAX_FIXES_READ} fixes)`,
          'tolerance',
        );
      }
      ctx.body = trackFeatureJson(id, all, kept, {
        vessel: id,
        registered: vessel !== undefined,
        ...(vessel?.hullName ? { hullName: vessel.hullName } : {}),
        from: iso(from),
        to: iso(to),
        points: kept.length,
        fixes: read.length,
        ...(q.tolerance > 0 ? { simplified: { tolerance: q.tolerance, pointsBefore: unflagged.length } } : {}),
        suspect: q.suspect,
        ...(q.suspect === 'exclude' ? { suspectExcluded: read.length - unflagged.length } : { suspectReasons: kept.map((i) => all.suspect[i] ?? null) }),
      });
      ctx.type = format === 'geojson' ? 'application/geo+json' : 'application/json';
      return;
    }

    const keptFixes = kept.map((i) => exported[i]);
    const formatTime = isoTimeFormatter();
    // `:` and slashes are not allowed in file names on every system.
    ctx.attachment(`${id.replace(/[:/\\]/g, '-')}_${compactTime(from)}_${compactTime(to)}.${format}`);
    if (format === 'csv') {
      ctx.body = toCsv(CSV_COLUMNS, keptFixes.map((f) => fixRow(id, f, formatTime)));
      ctx.type = 'text/csv; charset=utf-8';
    } else if (format === 'ndjson') {
      ctx.body = toNdjson(keptFixes.map((f) => fixRow(id, f, formatTime)));
      ctx.type = 'application/x-ndjson; charset=utf-8';
    } else {
      ctx.body = toGpx(vessel?.hullName ?? id, keptFixes);
      ctx.type = 'application/gpx+xml; charset=utf-8';
    }
  });
  return router;
}

// ---- OpenAPI ----

const time = (description: string) => ({ type: 'string', format: 'date-time', description });

export const trackPaths: OpenApiPaths = {
  '/api/v1/vessels/{id}/track': {
    get: {
      tags: ['tracks'],
      summary: 'A vessel’s track',
      description: [
        `Fixes in [from, to), oldest first, as one GeoJSON Feature: a LineString (a Point for a single fix, \`geometry: null\` for none) whose per-point arrays in \`properties\` (\`times\`, \`sog\`, \`cog\`, \`sources\`) line up with its coordinates.`,
        `A registered vessel's track includes the fixes its identifiers reported, over the periods they were bound to it, before it was registered; an identifier key's track includes what arrived under that identifier while a registered vessel held it.`,
        `Coordinates are rounded to ${TRACK_COORDINATE_DECIMALS} decimal places (≤ 1.1 cm, finer than AIS or Beidou report; RFC 7946 §11.2), \`sog\` and \`cog\` to ${TRACK_MOTION_DECIMALS}; the exports keep every stored digit.`,
        `Suspect fixes (position jumps, impossible positions) are left out unless \`suspect=include\`.`,
        `Limits: at most ${MAX_RANGE_DAYS} days per request, ${MAX_FIXES_READ} fixes read, ${MAX_LINE_POINTS} points in a GeoJSON track (more: 400 saying to simplify with \`tolerance\` or shorten the range).`,
        `Exports (\`format=\` or the Accept header) are downloads with a file name: \`ndjson\` one fix per line (lat/lon degree, sog kn, cog/heading degree true, time ISO 8601 UTC), \`csv\` with units in the header, \`gpx\` GPX 1.1 with speed (m/s) and course (degree true) in Garmin's TrackPointExtension v2. \`tolerance\` and \`suspect\` apply to exports too.`,
      ].join('\n\n'),
      parameters: [
        { name: 'id', in: 'path', required: true, description: "a registered vessel id (URL-encoded, e.g. 鲁日渔60123) or an identifier key (mmsi:<9 digits>, bds:<card>, dev:<name>)", schema: { type: 'string' } },
        { name: 'from', in: 'query', description: 'start (inclusive): ISO 8601 with a zone, or a date (midnight UTC); default: 24 h before `to`', schema: { type: 'string', format: 'date-time' }, example: '2026-05-01T00:00:00Z' },
        { name: 'to', in: 'query', description: 'end (exclusive), as `from`; default: now', schema: { type: 'string', format: 'date-time' } },
        { name: 'tolerance', in: 'query', description: `simplify (Douglas–Peucker) so that no dropped fix is farther than this from the line, metres; 0 (default) keeps every fix`, schema: { type: 'number', minimum: 0, maximum: MAX_TOLERANCE_M, default: 0 } },
        { name: 'suspect', in: 'query', description: 'leave out (default) or include fixes the pipeline flagged as suspect', schema: { type: 'string', enum: ['exclude', 'include'], default: 'exclude' } },
        { name: 'format', in: 'query', description: 'geojson (default), json (the same Feature as application/json), ndjson, csv or gpx; else the Accept header decides', schema: { type: 'string', enum: [...FORMATS] } },
      ],
      responses: {
        200: {
          description: 'The track',
          content: {
            'application/geo+json': {
              schema: {
                type: 'object',
                required: ['type', 'geometry', 'properties'],
                properties: {
                  type: { type: 'string', enum: ['Feature'] },
                  id: { type: 'string' },
                  geometry: { nullable: true, oneOf: [{ $ref: '#/components/schemas/LineString' }, { $ref: '#/components/schemas/Point' }] },
                  properties: {
                    type: 'object',
                    properties: {
                      vessel: { type: 'string' },
                      registered: { type: 'boolean' },
                      hullName: { type: 'string' },
                      from: time('start of the range (inclusive), ISO 8601 UTC'),
                      to: time('end of the range (exclusive), ISO 8601 UTC'),
                      points: { type: 'integer', description: 'positions in the geometry' },
                      fixes: { type: 'integer', description: 'fixes in the range before leaving out suspect ones and simplifying' },
                      simplified: { type: 'object', description: 'present when simplified', properties: { tolerance: { type: 'number', description: 'm' }, pointsBefore: { type: 'integer' } } },
                      suspect: { type: 'string', enum: ['exclude', 'include'] },
                      suspectExcluded: { type: 'integer', description: 'suspect fixes left out (with suspect=exclude)' },
                      suspectReasons: { type: 'array', items: { type: 'string', nullable: true }, description: 'per point, why it is suspect, or null (with suspect=include)' },
                      times: { type: 'array', items: { type: 'string', format: 'date-time' }, description: 'per point, ISO 8601 UTC' },
                      sog: { type: 'array', items: { type: 'number', nullable: true }, description: 'per point, speed over ground, kn' },
                      cog: { type: 'array', items: { type: 'number', nullable: true }, description: 'per point, course over ground, degree (true)' },
                      sources: { type: 'array', items: { type: 'string', enum: ['ais', 'bds-rnss', 'bds-rdss', 'protobuf'] }, description: 'per point' },
                      units: { type: 'object', additionalProperties: { type: 'string' } },
                    },
                  },
                },
              },
            },
            'application/x-ndjson': { schema: { type: 'string', description: 'one JSON fix a line: vessel, time, lat, lon, sog, cog, heading, navStatus, source, key, station, suspect' } },
            'text/csv': { schema: { type: 'string', description: `header: ${CSV_COLUMNS.map((c) => csvField('unit' in c ? `${c.key} (${c.unit})` : c.key)).join(',')}` } },
            'application/gpx+xml': { schema: { type: 'string', description: 'GPX 1.1, one trk of one trkseg' } },
          },
        },
        ...errorResponses(400, 401, 403, 404, 503),
      },
    },
  },
};
