import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isoTime } from '../../core/schemas.js';
import { DEFAULT_TIMEZONE, isTimeZone, type PolygonRings, type Ring } from '../zones/model.js';

/**
 * The summer fishing ban (伏季休渔) as a calendar (issue 5 §2): sea areas (polygons), each with
 * yearly ban periods per gear type in local time, and permits (专项捕捞许可) that exempt a vessel
 * for a period. A bureau edits it as a JSON file (TIDEWATCH_BAN_CALENDAR, same shape as
 * `BanCalendar.toJson()`); DEFAULT_BAN_CALENDAR is the shipped default for the Yellow Sea / Rizhao.
 *
 * Gear types are the registry's `gearType`, normalised by `normaliseGear`: the simulator's and
 * English spellings (`purse-seine`, `purse_seine`, `Purse seine`) and the Chinese names (围网) all
 * become `purse-seine`.
 *
 * Times: periods are `MM-DD HH:MM` in the calendar's time zone, start included, end excluded, and
 * do not cross New Year; in memory everything is ms since the epoch (UTC).
 */

/** Canonical gear types and the names registers use for them (lower case, NFKC). */
const GEAR_ALIASES: Readonly<Record<string, readonly string[]>> = {
  'trawl': ['拖网', 'bottom-trawl', 'otter-trawl', 'pair-trawl'],
  'beam-trawl': ['桁杆拖虾', 'beam-trawl-shrimp', 'shrimp-beam-trawl'],
  'purse-seine': ['围网', 'seine'],
  'light-purse-seine': ['灯光围网', '灯光围(敷)网', '灯光敷网'],
  'gillnet': ['刺网', 'gill-net', 'drift-net'],
  'stow-net': ['张网', '定置网', 'set-net'],
  'pot': ['笼壶', 'trap', 'pots-and-traps'],
  'hook-and-line': ['钓具', '钓', '延绳钓', 'longline', 'hook-line', 'handline'],
};

const GEAR_BY_NAME: ReadonlyMap<string, string> = new Map(
  Object.entries(GEAR_ALIASES).flatMap(([gear, aliases]) => [[gear, gear] as const, ...aliases.map((a) => [a, gear] as const)]),
);

/** The canonical gear type of a register's gear name; unknown names pass through normalised (lower case, hyphens). */
export function normaliseGear(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const text = name.normalize('NFKC').trim().toLowerCase().replace(/[\s_]+/g, '-');
  if (text === '') return undefined;
  return GEAR_BY_NAME.get(text) ?? text;
}

/** A calendar that does not validate; `path` says where in the JSON. */
export class BanCalendarError extends Error {
  override readonly name = 'BanCalendarError';
}

// ---- the JSON shape ----

const LOCAL_TIME = /^(\d\d)-(\d\d) (\d\d):(\d\d)$/;

const localTime = z.string().refine(
  (s) => {
    const m = LOCAL_TIME.exec(s);
    if (!m) return false;
    const [month, day, hour, minute] = m.slice(1).map(Number);
    return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(2024, month, 0)).getUTCDate() && hour <= 23 && minute <= 59;
  },
  { message: 'must be a local time of the year, "MM-DD HH:MM" (e.g. "05-01 12:00")' },
);

const gear = z.string().min(1).transform((g) => (g === '*' ? g : (normaliseGear(g) as string)));
const position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
const rings = z.array(z.array(position).min(4, 'a ring has at least 4 positions, the last repeating the first')).min(1);

const periodSchema = z
  .object({
    gears: z.array(gear).min(1, 'list gear types, or "*" for every gear not listed in another period of the area'),
    start: localTime,
    end: localTime,
    note: z.string().optional(),
  })
  .strict()
  .refine((p) => p.start < p.end, { message: 'end must be after start in the same year (a ban does not cross New Year)', path: ['end'] });

const areaSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    geometry: z.discriminatedUnion('type', [
      z.object({ type: z.literal('Polygon'), coordinates: rings }).strict(),
      z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(rings).min(1) }).strict(),
    ]),
    /** Gears a `*` period does not cover (e.g. hook and line, which the ban leaves out). */
    exemptGears: z.array(gear).default([]),
    periods: z.array(periodSchema).min(1),
    legalBasis: z.string().optional(),
  })
  .strict();

const permitSchema = z
  .object({
    /** A vessel id or identifier key (`mmsi:412325670`). */
    vessel: z.string().min(1),
    from: isoTime,
    to: isoTime,
    note: z.string().optional(),
  })
  .strict()
  .refine((p) => p.from < p.to, { message: 'to must be after from', path: ['to'] });

const calendarSchema = z
  .object({
    timezone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone, e.g. Asia/Shanghai' }).default(DEFAULT_TIMEZONE),
    source: z.string().optional(),
    areas: z.array(areaSchema),
    permits: z.array(permitSchema).default([]),
  })
  .strict();

/** A calendar as written in JSON: permit times as ISO 8601. */
export type BanCalendarJson = z.input<typeof calendarSchema>;
type CalendarData = z.output<typeof calendarSchema>;
export type BanArea = CalendarData['areas'][number];
export type BanPeriod = BanArea['periods'][number];
/** `from`/`to` in ms. */
export type BanPermit = CalendarData['permits'][number];

/** One period of one area in one year, in absolute time. */
export interface BanSeason {
  areaId: string;
  areaName: string;
  /** Canonical gear types, or `*`. */
  gears: readonly string[];
  exemptGears: readonly string[];
  /** ms, inclusive */
  start: number;
  /** ms, exclusive */
  end: number;
  legalBasis?: string;
  note?: string;
}

// ---- local time ----

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** ms the time zone is ahead of UTC at `time`. */
function zoneOffsetMs(time: number, timezone: string): number {
  let f = offsetFormatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    offsetFormatters.set(timezone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(time)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - (time - (time % 1000));
}

/** ms of a local `MM-DD HH:MM` in `year` in the time zone (DST handled: the offset is taken at the result). */
export function localTimeToUtc(year: number, local: string, timezone: string): number {
  const [month, day, hour, minute] = (LOCAL_TIME.exec(local) as RegExpExecArray).slice(1).map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const first = wall - zoneOffsetMs(wall, timezone);
  return wall - zoneOffsetMs(first, timezone);
}

/** The local calendar date (`YYYY-MM-DD`) of a time in the time zone. */
export function localDate(time: number, timezone: string): string {
  return new Date(time + zoneOffsetMs(time, timezone)).toISOString().slice(0, 10);
}

// ---- the calendar ----

/** An area's polygons with their bounding box: a fix far from the area costs four comparisons. */
interface PreparedArea {
  area: BanArea;
  polygons: PolygonRings[];
  /** [west, south, east, north], degrees */
  bbox: [number, number, number, number];
}

function prepareArea(area: BanArea): PreparedArea {
  const polygons = area.geometry.type === 'Polygon' ? [area.geometry.coordinates as PolygonRings] : (area.geometry.coordinates as PolygonRings[]);
  const outer = polygons.flatMap((rings) => rings[0]);
  const lons = outer.map((p) => p[0]);
  const lats = outer.map((p) => p[1]);
  return { area, polygons, bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)] };
}

/**
 * Even-odd ray casting in plain lon/lat: sea areas are drawn along parallels and meridians, where
 * that is exact. (geolib's isPointInPolygon validates its input at every call: 10 µs a fix.)
 */
function ringContains(ring: Ring, lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside an outer ring and none of its holes. */
function areaContains({ polygons, bbox }: PreparedArea, lon: number, lat: number): boolean {
  if (lon < bbox[0] || lon > bbox[2] || lat < bbox[1] || lat > bbox[3]) return false;
  return polygons.some(([outer, ...holes]) => ringContains(outer, lon, lat) && !holes.some((h) => ringContains(h, lon, lat)));
}

export class BanCalendar {
  readonly timezone: string;
  private readonly areas: PreparedArea[];
  private readonly permits: readonly BanPermit[];
  /** year → area id → its seasons that year, in the area's period order. */
  private readonly seasonsByYear = new Map<number, Map<string, BanSeason[]>>();

  private constructor(private readonly data: CalendarData) {
    this.timezone = data.timezone;
    this.areas = data.areas.map(prepareArea);
    this.permits = data.permits;
  }

  /** Validates a calendar in its JSON shape; BanCalendarError names the first problem and where. */
  static parse(json: unknown, origin = 'the ban calendar'): BanCalendar {
    const result = calendarSchema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new BanCalendarError(`${origin}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
    }
    return new BanCalendar(result.data);
  }

  /** Reads and validates a JSON file (TIDEWATCH_BAN_CALENDAR). */
  static load(file: string): BanCalendar {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new BanCalendarError(`cannot read the ban calendar ${file}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new BanCalendarError(`the ban calendar ${file} is not JSON: ${(e as Error).message}`);
    }
    return BanCalendar.parse(json, file);
  }

  /** The calendar in its JSON shape (permit times ISO 8601), as the API serves it and a bureau edits it. */
  toJson(): BanCalendarJson {
    return { ...this.data, permits: this.data.permits.map((p) => ({ ...p, from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString() })) };
  }

  /** Every period of every area in a (local) year, in absolute time. */
  seasons(year: number): readonly BanSeason[] {
    return [...this.seasonsOf(year).values()].flat();
  }

  private seasonsOf(year: number): Map<string, BanSeason[]> {
    let byArea = this.seasonsByYear.get(year);
    if (!byArea) {
      byArea = new Map(
        this.areas.map(({ area }) => [
          area.id,
          area.periods.map((p) => ({
          areaId: area.id,
          areaName: area.name,
          gears: p.gears,
          exemptGears: area.exemptGears,
          start: localTimeToUtc(year, p.start, this.timezone),
          end: localTimeToUtc(year, p.end, this.timezone),
          ...(area.legalBasis !== undefined ? { legalBasis: area.legalBasis } : {}),
          ...(p.note !== undefined ? { note: p.note } : {}),
          })),
        ]),
      );
      this.seasonsByYear.set(year, byArea);
    }
    return byArea;
  }

  /**
   * The ban a vessel with this gear (canonical, see normaliseGear; undefined: a fishing vessel of
   * unknown gear, which only `*` periods cover) is under at this place and time, if any. In an area,
   * the first period listing the gear applies, else its `*` period unless the gear is exempt.
   */
  banAt(lon: number, lat: number, time: number, gear: string | undefined): BanSeason | undefined {
    // A local year never starts more than 14 h from the UTC one: the UTC year or a neighbour holds any season in force.
    const utcYear = new Date(time).getUTCFullYear();
    for (const year of [utcYear, utcYear - 1, utcYear + 1]) {
      for (const area of this.areas) {
        const season = this.seasonFor(year, area.area, gear);
        if (season && time >= season.start && time < season.end && areaContains(area, lon, lat)) return season;
      }
    }
    return undefined;
  }

  /** Whether any ban season of the calendar holds at `time`, whatever the place or gear. */
  anyBanAt(time: number): boolean {
    const utcYear = new Date(time).getUTCFullYear();
    return [utcYear, utcYear - 1, utcYear + 1].some((y) => this.seasons(y).some((s) => time >= s.start && time < s.end));
  }

  /** The permit exempting a vessel known by any of these names (vessel id, identifier keys) at `time`. */
  permitFor(names: readonly string[], time: number): BanPermit | undefined {
    return this.permits.find((p) => time >= p.from && time < p.to && names.includes(p.vessel));
  }

  private seasonFor(year: number, area: BanArea, gear: string | undefined): BanSeason | undefined {
    const seasons = this.seasonsOf(year).get(area.id) ?? [];
    const listed = gear === undefined ? undefined : seasons.find((s) => s.gears.includes(gear));
    if (listed) return listed;
    if (gear !== undefined && area.exemptGears.includes(gear)) return undefined;
    return seasons.find((s) => s.gears.includes('*'));
  }
}

// ---- the shipped default ----

/** A rectangle as a closed counter-clockwise ring: [west, south, east, north] in degrees. */
function box(west: number, south: number, east: number, north: number): PolygonRings {
  return [
    [
      [west, south],
      [east, south],
      [east, north],
      [west, north],
      [west, south],
    ],
  ];
}

const MOA_2023 = '农业农村部关于调整海洋伏季休渔制度的通告 (2023)';

/**
 * The default calendar: the national summer ban as it applies off Rizhao since 2023 (public
 * notices of the Ministry of Agriculture and Rural Affairs and of provincial bureaus). DEFAULTS FOR
 * A BUREAU TO CHECK AND EDIT, not a legal text: the areas are coarse boxes split at the parallels
 * the rules name (35°N, 26°30′N), land included (a vessel on land is in a port zone or nowhere);
 * the gear exceptions are those the notices list. Rizhao (≈ 35.4°N) lies in the northern area.
 *
 * - North of 35°N, Bohai and Yellow Sea: every gear but hook and line, 05-01 12:00 → 09-01 12:00.
 * - 35°N to 26°30′N, Yellow and East China Sea: every gear but hook and line 05-01 12:00 → 09-16
 *   12:00; beam trawls for shrimp (桁杆拖虾), pots (笼壶), gillnets and light purse seines
 *   (灯光围(敷)网) → 08-01 12:00; stow nets (张网, except single-anchor sail stow nets) → 09-01 12:00.
 * - Hook and line (钓具) is left out of these bans; provinces manage it separately: add a period
 *   listing `hook-and-line` where the bureau's rules set one.
 * - No permits: special fishing permits (专项捕捞许可) are issued per vessel each year.
 */
export const DEFAULT_BAN_CALENDAR: BanCalendarJson = {
  timezone: DEFAULT_TIMEZONE,
  source: `${MOA_2023}; defaults shipped with Tidewatch, to be checked and edited by the bureau (TIDEWATCH_BAN_CALENDAR)`,
  areas: [
    {
      id: 'bohai-yellow-sea-north-of-35n',
      name: '渤海、黄海 北纬35度以北',
      geometry: { type: 'Polygon', coordinates: box(117.5, 35, 127, 41) },
      exemptGears: ['hook-and-line'],
      periods: [{ gears: ['*'], start: '05-01 12:00', end: '09-01 12:00' }],
      legalBasis: MOA_2023,
    },
    {
      id: 'yellow-east-china-sea-35n-to-26-30n',
      name: '黄海、东海 北纬35度至26度30分',
      geometry: { type: 'Polygon', coordinates: box(118, 26.5, 128, 35) },
      exemptGears: ['hook-and-line'],
      periods: [
        { gears: ['beam-trawl', 'pot', 'gillnet', 'light-purse-seine'], start: '05-01 12:00', end: '08-01 12:00' },
        { gears: ['stow-net'], start: '05-01 12:00', end: '09-01 12:00', note: '单锚张纲张网 (帆式张网) follows the general period' },
        { gears: ['*'], start: '05-01 12:00', end: '09-16 12:00' },
      ],
      legalBasis: MOA_2023,
    },
  ],
  permits: [],
};
