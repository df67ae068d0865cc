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

/** Thrown (as a rejected promise) when the store cannot be reached or refuses a write for a passing reason: the caller keeps the data and retries. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
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
  /** Number of records of each kind stored (tests and /metrics). */
  count(kind: SeriesRecord['kind']): Promise<number>;
  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
