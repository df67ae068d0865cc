import type { BuoyObservation, DeviceHealth, VesselFix } from '../../core/records.js';

/**
 * The store seam (DESIGN §4): where time series go. Two implementations pass one contract suite
 * (test/store/contract.ts): the embedded default (SQLite, one local file, no server) and InfluxDB.
 * Configuration data (registry, tokens, zones) is not here: it always lives in the embedded
 * configuration database.
 */

/** What the stores hold: time series records, after the pipeline has set `vessel` on fixes. */
export type SeriesRecord = VesselFix | BuoyObservation | DeviceHealth;

/** [minLon, minLat, maxLon, maxLat], degrees. */
export type BBox = readonly [number, number, number, number];

/** How far back `latestFixes` looks when the query gives no `since`: a vessel silent longer is not "latest" anywhere. */
export const LATEST_LOOKBACK_MS = 30 * 86_400_000;

export interface LatestQuery {
  /** Only fixes inside this box. */
  bbox?: BBox;
  /** Only vessels heard since this time (ms); default: LATEST_LOOKBACK_MS ago. */
  since?: number;
  /** Only these vessels (`VesselFix.vessel` values). */
  vessels?: readonly string[];
  /** Only fixes from these sources. */
  sources?: readonly VesselFix['source'][];
}

export interface TrackQuery {
  vessel: string;
  /** ms, inclusive */
  from: number;
  /** ms, exclusive */
  to: number;
  /** At most this many fixes, oldest first. */
  limit?: number;
}

/** How a bucketed observation query combines the values of one series in one time bucket. */
export const OBSERVATION_AGGREGATES = ['mean', 'min', 'max', 'last'] as const;
export type ObservationAggregate = (typeof OBSERVATION_AGGREGATES)[number];

export interface ObservationQuery {
  deviceId: string;
  /** Only these variables (`BuoyObservation.variable`); an empty list matches nothing. */
  variables?: readonly string[];
  /** ms, inclusive */
  from: number;
  /** ms, exclusive */
  to: number;
  /**
   * Bucket width, ms (a positive integer): one row per series (variable × depth × sensor) and
   * bucket instead of raw observations. Buckets are aligned to the Unix epoch, [k·every, (k+1)·every),
   * so `86_400_000` gives UTC days; only observations in [from, to) count, so the first and last
   * buckets may be partial (see `count`).
   */
  every?: number;
  /** How a bucket's values combine; default `mean`. Ignored without `every`. */
  fn?: ObservationAggregate;
  /** Only observations whose QARTOD flag is one of these, applied before aggregating; an empty list matches nothing. */
  qc?: readonly number[];
  /** At most this many rows, the oldest first (which of several rows at the same time are cut is unspecified). */
  limit?: number;
}

/** One raw observation, or one series' aggregate over one bucket. */
export interface ObservationRow {
  /** ms since the epoch: the observation's time, or the bucket's start. */
  time: number;
  variable: string;
  /** In `unit`: the observation's value, or the bucket's mean, min, max or last value. */
  value: number;
  /** UDUNITS spelling, as stored with the observations. */
  unit: string;
  /** metres, positive down */
  depth: number;
  sensorIndex: number;
  /** QARTOD flag; raw rows only. */
  qc?: number;
  /** Number of observations aggregated; bucketed rows only. */
  count?: number;
}

export interface LatestObservationQuery {
  /** Only these devices; an empty list matches nothing. */
  deviceIds?: readonly string[];
  /** Only observations at or after this time (ms); default: LATEST_LOOKBACK_MS ago. */
  since?: number;
}

export interface BuoyQuery {
  /** Only these devices; an empty list matches nothing. */
  deviceIds?: readonly string[];
}

/** A device that has sent observations. */
export interface BuoySummary {
  deviceId: string;
  /** ms since the epoch: the time of its newest observation. */
  lastTime: number;
}

/**
 * Refuses an observation query no store can answer (a caller's mistake, never a passing failure):
 * a bucket width that is not a positive whole number of milliseconds, or an unknown aggregate.
 */
export function checkObservationQuery(query: ObservationQuery): void {
  if (query.every !== undefined && !(Number.isSafeInteger(query.every) && query.every > 0)) {
    throw new Error(`observation buckets must be a positive whole number of milliseconds, not ${query.every}`);
  }
  if (query.fn !== undefined && !OBSERVATION_AGGREGATES.includes(query.fn)) {
    throw new Error(`unknown observation aggregate ${JSON.stringify(query.fn)}; known: ${OBSERVATION_AGGREGATES.join(', ')}`);
  }
}

/** Thrown (as a rejected promise) when the store cannot be reached or refuses a write for a passing reason: the caller keeps the data and retries. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * The order every store gives fixes: by time; at the same time by source, then identifier key, so
 * the two stores answer identically even when AIS and Beidou report one vessel in the same ms.
 * `latestFixes` takes the greatest of a vessel's fixes in this order (the newest, and on a tie
 * the source that sorts last) — 'ais' < 'bds-rdss' < 'bds-rnss' < 'protobuf' — and lists vessels by id.
 */
export function compareFixes(a: VesselFix, b: VesselFix): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Inside the box, edges included; `minLon > maxLon` is a box across the antimeridian. */
export function inBBox(fix: VesselFix, [minLon, minLat, maxLon, maxLat]: BBox): boolean {
  if (fix.lat < minLat || fix.lat > maxLat) return false;
  return minLon <= maxLon ? fix.lon >= minLon && fix.lon <= maxLon : fix.lon >= minLon || fix.lon <= maxLon;
}

/**
 * A track as columns: what drawing a vessel's track needs of each fix, with no object per fix (a
 * map asks for tens of thousands of fixes at a time). Entry i of every column is one fix; the
 * order, range and limit are track()'s.
 */
export interface TrackLine {
  length: number;
  /** ms since the epoch */
  time: Float64Array;
  /** degrees, WGS 84 */
  lat: Float64Array;
  lon: Float64Array;
  /** kn; NaN where the fix has none */
  sog: Float64Array;
  /** degrees true; NaN where the fix has none */
  cog: Float64Array;
  source: VesselFix['source'][];
  key: string[];
  /** why the pipeline flagged the fix, or undefined */
  suspect: (string | undefined)[];
}

/** An empty TrackLine of `length` fixes, for a store to fill. */
export function allocateTrackLine(length: number): TrackLine {
  return {
    length,
    time: new Float64Array(length),
    lat: new Float64Array(length),
    lon: new Float64Array(length),
    sog: new Float64Array(length),
    cog: new Float64Array(length),
    source: new Array(length),
    key: new Array(length),
    suspect: new Array(length),
  };
}

/** The TrackLine of fixes already read (a store whose reads yield fixes anyway; tests). */
export function trackLineOf(fixes: readonly VesselFix[]): TrackLine {
  const line = allocateTrackLine(fixes.length);
  fixes.forEach((f, i) => {
    line.time[i] = f.time;
    line.lat[i] = f.lat;
    line.lon[i] = f.lon;
    line.sog[i] = f.sog ?? Number.NaN;
    line.cog[i] = f.cog ?? Number.NaN;
    line.source[i] = f.source;
    line.key[i] = f.key;
    line.suspect[i] = f.suspect;
  });
  return line;
}

export interface SeriesStore {
  /** `embedded` or `influxdb`: shown in /health and logs. */
  readonly kind: string;
  /**
   * Store a batch; resolves once the store has it durably. Idempotent: a record written twice
   * (same series and time) is stored once, which makes replaying the spool after a crash safe.
   * Rejects with StoreUnavailableError when the store is down or slow.
   */
  write(records: readonly SeriesRecord[]): Promise<void>;
  /** The latest fix of every vessel matching the query, one per vessel. */
  latestFixes(query?: LatestQuery): Promise<VesselFix[]>;
  /** A vessel's fixes in [from, to), oldest first. */
  track(query: TrackQuery): Promise<VesselFix[]>;
  /** The same fixes as track(), only the columns a drawn track needs: the map's read, cheaper than objects. */
  trackLine(query: TrackQuery): Promise<TrackLine>;
  /**
   * Every vessel's fixes in [from, to), in compareFixes order (time, source, key): what `tidewatch
   * rules replay` reads back, one window at a time (the caller keeps windows small).
   */
  fixesBetween(query: { from: number; to: number }): Promise<VesselFix[]>;
  /**
   * One device's observations in [from, to), oldest first, then by variable, depth and sensor:
   * raw, or aggregated per series and time bucket when the query has `every`.
   */
  observations(query: ObservationQuery): Promise<ObservationRow[]>;
  /** The newest observation of every device × variable × depth × sensor matching the query, in no particular order. */
  latestObservations(query?: LatestObservationQuery): Promise<BuoyObservation[]>;
  /** Every device that has sent observations, at any time, with its newest observation's time, in no particular order. */
  buoys(query?: BuoyQuery): Promise<BuoySummary[]>;
  /** Number of records of each kind stored (tests and /metrics). */
  count(kind: SeriesRecord['kind']): Promise<number>;
  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
