import type { Context } from 'koa';
import { ApiError } from './errors.js';

/**
 * Response formats shared by the endpoints that export data (tracks, buoy series): CSV (RFC 4180)
 * and NDJSON, chosen by `?format=` or the Accept header.
 */

export type ExportFormat = 'json' | 'csv' | 'ndjson' | 'gpx' | 'geojson';

/** `?format=` wins; else the Accept header (`text/csv`, `application/x-ndjson`, `application/gpx+xml`); else `fallback`. */
export function requestedFormat(ctx: Context, allowed: readonly ExportFormat[], fallback: ExportFormat): ExportFormat {
  const asked = typeof ctx.query.format === 'string' ? ctx.query.format : undefined;
  if (asked !== undefined) {
    if ((allowed as readonly string[]).includes(asked)) return asked as ExportFormat;
    throw new ApiError(400, 'bad_parameter', `format must be one of ${allowed.join(', ')}`, 'format');
  }
  const byType: Record<string, ExportFormat> = {
    'application/json': 'json',
    'text/csv': 'csv',
    'application/x-ndjson': 'ndjson',
    'application/gpx+xml': 'gpx',
    'application/geo+json': 'geojson',
  };
  // The fallback's type is offered first: `Accept: */*` (curl, browsers) gets the fallback.
  const offered = Object.keys(byType).filter((t) => byType[t] === fallback || (allowed.includes(byType[t]) && byType[t] !== 'json'));
  offered.sort((a, b) => Number(byType[b] === fallback) - Number(byType[a] === fallback));
  const type = ctx.accepts(offered);
  return typeof type === 'string' ? byType[type] : fallback;
}

/** One CSV field: quoted when it holds a comma, quote, CR or LF (RFC 4180); absent values are empty. */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document: a header row (`name (unit)` where a unit is known), then one row per record, CRLF line ends. */
export function toCsv(columns: readonly { key: string; unit?: string }[], rows: Iterable<Record<string, unknown>>): string {
  const lines = [columns.map((c) => csvField(c.unit ? `${c.key} (${c.unit})` : c.key)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c.key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function toNdjson(rows: Iterable<unknown>): string {
  let out = '';
  for (const row of rows) out += `${JSON.stringify(row)}\n`;
  return out;
}

const DAY_MS = 86_400_000;
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * Times (ms) taken apart for ISO 8601 UTC text, exactly as `Date#toISOString` writes it, for long
 * runs of nearby times (a track's points): the date part is formatted once per UTC day and reused,
 * only the time of day is computed per call — toISOString per point was a fifth of a track's serialisation.
 */
export class IsoTimeParts {
  /** `YYYY-MM-DDT` of the last time split */
  date = '';
  hours = 0;
  minutes = 0;
  seconds = 0;
  milliseconds = 0;
  private dayStart = Number.NaN;

  split(ms: number): void {
    let rest = ms - this.dayStart;
    if (!(rest >= 0 && rest < DAY_MS)) {
      this.dayStart = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
      const day = new Date(this.dayStart).toISOString();
      this.date = day.slice(0, day.indexOf('T') + 1);
      rest = ms - this.dayStart;
    }
    this.hours = Math.floor(rest / 3_600_000);
    rest -= this.hours * 3_600_000;
    this.minutes = Math.floor(rest / 60_000);
    rest -= this.minutes * 60_000;
    this.seconds = Math.floor(rest / 1000);
    this.milliseconds = rest - this.seconds * 1000;
  }
}

/** A formatter of times (ms) as ISO 8601 UTC strings, for long runs of nearby times (see IsoTimeParts). */
export function isoTimeFormatter(): (ms: number) => string {
  const t = new IsoTimeParts();
  return (ms) => {
    t.split(ms);
    return `${t.date}${pad2(t.hours)}:${pad2(t.minutes)}:${pad2(t.seconds)}.${pad3(t.milliseconds)}Z`;
  };
}
