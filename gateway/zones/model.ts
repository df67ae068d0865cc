import type { Severity } from '../alerts/model.js';

/**
 * Zones (geofences): the areas the rules engine checks vessels against (DESIGN §6). A zone is a
 * history of versions, each in force from its effective time until the next one (research anchor
 * "versioned zones": an alert names the version that was in force, and a track can be re-checked
 * against the geometry of its time). Coordinates are GeoJSON order [longitude, latitude] in
 * degrees WGS-84; lengths in metres; areas in km²; times ms since the epoch (UTC).
 */

export const ZONE_KINDS = ['no_fishing', 'protected', 'marine_ranch', 'port', 'boundary', 'custom'] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];

/** [longitude, latitude], degrees. */
export type Position = [number, number];
/** Closed: the last position repeats the first. */
export type Ring = Position[];
/** Outer ring first, then holes. */
export type PolygonRings = Ring[];

export type ZoneGeometry =
  | { type: 'Polygon'; coordinates: PolygonRings }
  | { type: 'MultiPolygon'; coordinates: PolygonRings[] }
  /** Tidewatch's extension to GeoJSON (RFC 7946 has no circle): a centre and a radius in metres. */
  | { type: 'Circle'; center: Position; radius: number };

/** [minLon, minLat, maxLon, maxLat], degrees. */
export type Bbox = [number, number, number, number];

/**
 * When a zone applies. Every part given must hold: `from`/`to` bound it in absolute time, `yearly`
 * picks days of the year (e.g. the 伏季休渔 summer ban 05-01 → 09-16; may wrap over New Year),
 * `daily` picks times of day (may wrap over midnight); both read in `timezone`.
 */
export interface TimeWindow {
  /** ms, inclusive */
  from?: number;
  /** ms, exclusive */
  to?: number;
  /** `MM-DD`, both days included */
  yearly?: { start: string; end: string };
  /** `HH:MM`, start included, end excluded; `24:00` ends at midnight */
  daily?: { start: string; end: string };
  /** IANA name */
  timezone: string;
}

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

/**
 * Which vessels a zone's rules apply to: every criterion given must match, and a vessel listed in
 * `excludeVessels` (e.g. a special fishing permit, 专项捕捞许可) is never covered.
 */
export interface VesselFilter {
  /** Registry gear types, e.g. `trawl`, `gillnet`. */
  gearTypes?: string[];
  /** Vessel ids or identifier keys (`mmsi:412325670`). */
  vessels?: string[];
  excludeVessels?: string[];
  /** AIS ship and cargo type codes 0–99 (30 = fishing). */
  shipTypes?: number[];
}

export interface ZoneProperties {
  name: string;
  kind: ZoneKind;
  /** Severity of the alerts raised for this zone. */
  severity: Severity;
  /** Empty: always in force. Otherwise in force while any window holds. */
  windows: TimeWindow[];
  vesselFilter?: VesselFilter;
  /** The legal document the zone comes from (法规文号), for evidence. */
  legalBasis?: string;
  description?: string;
}

export interface ZoneDefinition {
  geometry: ZoneGeometry;
  properties: ZoneProperties;
}

export interface ZoneVersion extends ZoneDefinition {
  zoneId: number;
  /** 1, 2, … in order of effective time. */
  version: number;
  /** ms, inclusive */
  effectiveFrom: number;
  /** ms, exclusive: when the next version took effect; absent for the latest. */
  effectiveTo?: number;
  /** A retirement: the zone is not in force from `effectiveFrom` on (its last definition is kept). */
  retired: boolean;
  areaKm2: number;
  bbox: Bbox;
  /** Token name of who made the version. */
  createdBy: string;
  createdAt: number;
}

/** What a vessel is, as far as a vessel filter asks. */
export interface VesselTraits {
  /** Vessel id, or the identifier key of an unregistered vessel. */
  vessel: string;
  /** Other identifier keys it is known by. */
  keys?: readonly string[];
  gearType?: string;
  shipType?: number;
}

export function coversVessel(filter: VesselFilter | undefined, v: VesselTraits): boolean {
  if (!filter) return true;
  const names = [v.vessel, ...(v.keys ?? [])];
  if (filter.excludeVessels?.some((x) => names.includes(x))) return false;
  if (filter.vessels && !filter.vessels.some((x) => names.includes(x))) return false;
  if (filter.gearTypes && (v.gearType === undefined || !filter.gearTypes.includes(v.gearType))) return false;
  if (filter.shipTypes && (v.shipType === undefined || !filter.shipTypes.includes(v.shipType))) return false;
  return true;
}

/** Whether the zone's rules apply at `time` (ms). */
export function isInForceAt(properties: Pick<ZoneProperties, 'windows'>, time: number): boolean {
  return properties.windows.length === 0 || properties.windows.some((w) => windowHolds(w, time));
}

function windowHolds(w: TimeWindow, time: number): boolean {
  if (w.from !== undefined && time < w.from) return false;
  if (w.to !== undefined && time >= w.to) return false;
  if (!w.yearly && !w.daily) return true;
  const local = localDateTime(time, w.timezone);
  if (w.yearly && !inCircularRange(local.monthDay, w.yearly.start, w.yearly.end, true)) return false;
  if (w.daily && !inCircularRange(local.hourMinute, w.daily.start, w.daily.end, false)) return false;
  return true;
}

/** Fixed-width strings compare in time order; a range whose end is before its start wraps around. */
function inCircularRange(value: string, start: string, end: string, endIncluded: boolean): boolean {
  const beforeEnd = endIncluded ? value <= end : value < end;
  return start <= end ? value >= start && beforeEnd : value >= start || beforeEnd;
}

// One formatter per time zone: building them is the slow part of Intl.
const formatters = new Map<string, Intl.DateTimeFormat>();

function localDateTime(time: number, timezone: string): { monthDay: string; hourMinute: string } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  const part: Record<string, string> = {};
  for (const p of f.formatToParts(time)) part[p.type] = p.value;
  return { monthDay: `${part.month}-${part.day}`, hourMinute: `${part.hour}:${part.minute}` };
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
