import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { BuoyObservation, VesselFix } from '../../core/records.js';
import {
  compareFixes,
  checkObservationQuery,
  LATEST_LOOKBACK_MS,
  StoreUnavailableError,
  type BuoyQuery,
  type BuoySummary,
  type LatestObservationQuery,
  type LatestQuery,
  type ObservationAggregate,
  type ObservationQuery,
  type ObservationRow,
  type SeriesRecord,
  type SeriesStore,
  type TrackLine,
  type TrackQuery,
  allocateTrackLine,
} from './types.js';
import { migrate } from '../configdb/database.js';

/**
 * The embedded series store: one SQLite file (`series.db` under the data directory), no server.
 * Schema and query semantics are documented in SCHEMA.md; the contract suite
 * (test/store/contract.ts) holds it to the same behaviour as the InfluxDB store.
 */

const MIGRATIONS: readonly string[] = [
  // 1: fixes, observations, health. WITHOUT ROWID: rows are stored in primary-key order, so the
  // key that makes writes idempotent is also the index a track query scans.
  `CREATE TABLE fix (
     vessel TEXT NOT NULL,
     time INTEGER NOT NULL,
     source TEXT NOT NULL,
     key TEXT NOT NULL,
     lat REAL NOT NULL,
     lon REAL NOT NULL,
     sog REAL, cog REAL, heading REAL, nav_status INTEGER,
     station TEXT, suspect TEXT, rx_time INTEGER,
     PRIMARY KEY (vessel, time, source, key)
   ) WITHOUT ROWID;
   CREATE TABLE latest_fix (
     vessel TEXT NOT NULL,
     source TEXT NOT NULL,
     key TEXT NOT NULL,
     time INTEGER NOT NULL,
     PRIMARY KEY (vessel, source)
   ) WITHOUT ROWID;
   CREATE TABLE observation (
     device TEXT NOT NULL,
     variable TEXT NOT NULL,
     sensor_index INTEGER NOT NULL,
     depth REAL NOT NULL,
     time INTEGER NOT NULL,
     value REAL NOT NULL,
     qc INTEGER NOT NULL,
     unit TEXT NOT NULL,
     PRIMARY KEY (device, variable, sensor_index, depth, time)
   ) WITHOUT ROWID;
   CREATE TABLE health (
     device TEXT NOT NULL,
     time INTEGER NOT NULL,
     battery REAL, internal_temperature REAL, rssi REAL, firmware_build INTEGER, uptime INTEGER,
     PRIMARY KEY (device, time)
   ) WITHOUT ROWID;`,
  // 2: buoy queries. The observation key leads with variable, so a time range over all of a
  // device's variables needs its own index. latest_observation, kept on write like latest_fix,
  // answers "latest values" and "which buoys" without scanning observations; it is filled from
  // the rows already stored (SQLite takes bare columns from the row max() picked).
  `CREATE INDEX observation_device_time ON observation (device, time);
   CREATE TABLE latest_observation (
     device TEXT NOT NULL,
     variable TEXT NOT NULL,
     sensor_index INTEGER NOT NULL,
     depth REAL NOT NULL,
     time INTEGER NOT NULL,
     value REAL NOT NULL,
     qc INTEGER NOT NULL,
     unit TEXT NOT NULL,
     PRIMARY KEY (device, variable, sensor_index, depth)
   ) WITHOUT ROWID;
   INSERT INTO latest_observation (device, variable, sensor_index, depth, time, value, qc, unit)
     SELECT device, variable, sensor_index, depth, max(time), value, qc, unit FROM observation
     GROUP BY device, variable, sensor_index, depth;`,
];

const TABLE: Record<SeriesRecord['kind'], string> = { 'vessel-fix': 'fix', 'buoy-observation': 'observation', 'device-health': 'health' };

/**
 * The fix columns every fix query selects, in this order: reads take rows as arrays (better-sqlite3's
 * raw mode), which halves the cost of a 24 h track against one object per row.
 */
const FIX_COLUMNS = 'vessel, time, source, key, lat, lon, sog, cog, heading, nav_status, station, suspect, rx_time';
/** What trackLine reads, in the order it unpacks them. */
const TRACK_LINE_COLUMNS = ['time', 'lat', 'lon', 'sog', 'cog', 'source', 'key', 'suspect'] as const;

type FixRow = [
  vessel: string,
  time: number,
  source: VesselFix['source'],
  key: string,
  lat: number,
  lon: number,
  sog: number | null,
  cog: number | null,
  heading: number | null,
  navStatus: number | null,
  station: string | null,
  suspect: string | null,
  rxTime: number | null,
];

function fixFromRow([vessel, time, source, key, lat, lon, sog, cog, heading, navStatus, station, suspect, rxTime]: FixRow): VesselFix {
  const fix: VesselFix = { kind: 'vessel-fix', source, key, vessel, time, lat, lon };
  if (sog !== null) fix.sog = sog;
  if (cog !== null) fix.cog = cog;
  if (heading !== null) fix.heading = heading;
  if (navStatus !== null) fix.navStatus = navStatus;
  if (station !== null) fix.station = station;
  if (suspect !== null) fix.suspect = suspect;
  if (rxTime !== null) fix.rxTime = rxTime;
  return fix;
}

interface ObservationSqlRow {
  time: number;
  variable: string;
  value: number;
  unit: string;
  depth: number;
  sensor_index: number;
  qc?: number;
  count?: number;
}

function observationRowFrom(row: ObservationSqlRow): ObservationRow {
  const out: ObservationRow = { time: row.time, variable: row.variable, value: row.value, unit: row.unit, depth: row.depth, sensorIndex: row.sensor_index };
  if (row.qc !== undefined) out.qc = row.qc;
  if (row.count !== undefined) out.count = row.count;
  return out;
}

interface LatestObservationSqlRow {
  device: string;
  variable: string;
  sensor_index: number;
  depth: number;
  time: number;
  value: number;
  qc: number;
  unit: string;
}

/** Which observations a query selects; JSON arrays stand in for IN lists of any length. */
const OBSERVATION_FILTER = `device = :device AND time >= :from AND time < :to
  AND (:variables IS NULL OR variable IN (SELECT value FROM json_each(:variables)))
  AND (:qc IS NULL OR qc IN (SELECT value FROM json_each(:qc)))`;

/** The value of a bucket per aggregate. For `last`, SQLite takes the bare `value` from the row max(time) picked. */
const BUCKET_VALUE: Record<ObservationAggregate, string> = {
  mean: 'avg(value) AS value',
  min: 'min(value) AS value',
  max: 'max(value) AS value',
  last: 'value, max(time) AS newest',
};

/** Bucketed observations: the bucket is the epoch-aligned floor of the time (also for times before 1970). */
function bucketSql(fn: ObservationAggregate): string {
  return `SELECT bucket AS time, variable, ${BUCKET_VALUE[fn]}, unit, depth, sensor_index, count(*) AS count
    FROM (SELECT time - ((time % :every) + :every) % :every AS bucket, * FROM observation WHERE ${OBSERVATION_FILTER})
    GROUP BY bucket, variable, depth, sensor_index, unit
    ORDER BY bucket, variable, depth, sensor_index, unit
    LIMIT :limit`;
}

/** SQLite result codes that mean "try again later" rather than "this data is wrong". */
function isPassing(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN)/.test(code);
}

export class EmbeddedSeriesStore implements SeriesStore {
  readonly kind = 'embedded';
  private readonly db: Database.Database;
  private readonly writeBatch: (records: readonly SeriesRecord[]) => void;
  private readonly latestStatement: Database.Statement;
  private readonly trackStatement: Database.Statement;
  private readonly trackLineStatement: Database.Statement;
  private readonly countStatements: Map<SeriesRecord['kind'], Database.Statement>;
  private readonly rawObservationsStatement: Database.Statement;
  private readonly bucketStatements: Map<ObservationAggregate, Database.Statement>;
  private readonly latestObservationsStatement: Database.Statement;
  private readonly buoysStatement: Database.Statement;

  /** Opens (creating and migrating as needed) a series database file; `:memory:` for tests. */
  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: write() resolving means durable (the spool deletes what was written), power cut included.
    this.db.pragma('synchronous = FULL');
    // Checkpoint (and fsync) every ~40 MB of WAL instead of ~4 MB: a batch of fixes from many
    // vessels dirties a page per vessel, and checkpoints were most of the cost of small batches.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db, MIGRATIONS, this.path);

    const insertFix = this.db.prepare(
      `INSERT OR REPLACE INTO fix (vessel, time, source, key, lat, lon, sog, cog, heading, nav_status, station, suspect, rx_time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // A fix replaces the latest one only when it is at least as new: batches arrive in any order.
    const upsertLatest = this.db.prepare(
      `INSERT INTO latest_fix (vessel, source, key, time) VALUES (?, ?, ?, ?)
       ON CONFLICT (vessel, source) DO UPDATE SET key = excluded.key, time = excluded.time
       WHERE excluded.time > latest_fix.time OR (excluded.time = latest_fix.time AND excluded.key >= latest_fix.key)`,
    );
    const insertObservation = this.db.prepare(
      `INSERT OR REPLACE INTO observation (device, variable, sensor_index, depth, time, value, qc, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Like latest_fix: only a newer or equal time replaces the latest observation of a series.
    const upsertLatestObservation = this.db.prepare(
      `INSERT INTO latest_observation (device, variable, sensor_index, depth, time, value, qc, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device, variable, sensor_index, depth) DO UPDATE SET time = excluded.time, value = excluded.value, qc = excluded.qc, unit = excluded.unit
       WHERE excluded.time >= latest_observation.time`,
    );
    const insertHealth = this.db.prepare(
      `INSERT OR REPLACE INTO health (device, time, battery, internal_temperature, rssi, firmware_build, uptime) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    // Absent optional values are bound as undefined, which better-sqlite3 stores as NULL.
    this.writeBatch = this.db.transaction((records: readonly SeriesRecord[]) => {
      const newest = new Map<string, VesselFix>();
      const newestObservations = new Map<string, BuoyObservation>();
      for (const r of records) {
        switch (r.kind) {
          case 'vessel-fix': {
            const vessel = r.vessel ?? r.key;
            // An empty station or suspect is stored as absent, as InfluxDB must (its CSV answers cannot tell them apart).
            insertFix.run(vessel, r.time, r.source, r.key, r.lat, r.lon, r.sog, r.cog, r.heading, r.navStatus, r.station || null, r.suspect || null, r.rxTime);
            // One latest_fix upsert per vessel and source per batch, not per fix.
            const id = `${vessel}\u0000${r.source}`;
            const seen = newest.get(id);
            // The greatest in compareFixes order (time, then key within one source) is the latest.
            if (!seen || compareFixes(seen, r) <= 0) newest.set(id, r);
            break;
          }
          case 'buoy-observation': {
            insertObservation.run(r.deviceId, r.variable, r.sensorIndex, r.depth, r.time, r.value, r.qc, r.unit);
            // One latest_observation upsert per series per batch, not per observation.
            const id = `${r.deviceId}\u0000${r.variable}\u0000${r.sensorIndex}\u0000${r.depth}`;
            const seen = newestObservations.get(id);
            if (!seen || r.time >= seen.time) newestObservations.set(id, r);
            break;
          }
          case 'device-health':
            insertHealth.run(r.deviceId, r.time, r.battery, r.internalTemperature, r.rssi, r.firmwareBuild, r.uptime);
            break;
        }
      }
      for (const f of newest.values()) upsertLatest.run(f.vessel ?? f.key, f.source, f.key, f.time);
      for (const o of newestObservations.values()) upsertLatestObservation.run(o.deviceId, o.variable, o.sensorIndex, o.depth, o.time, o.value, o.qc, o.unit);
    });

    // Newest fix per vessel among the wanted sources, then the box applies to that fix. A bbox with
    // minLon > maxLon crosses the antimeridian. JSON arrays stand in for IN lists of any length.
    this.latestStatement = this.db.prepare(
      `WITH candidate AS (
         SELECT vessel, source, key, time, row_number() OVER (PARTITION BY vessel ORDER BY time DESC, source DESC, key DESC) AS rank
         FROM latest_fix
         WHERE time >= :since
           AND (:sources IS NULL OR source IN (SELECT value FROM json_each(:sources)))
           AND (:vessels IS NULL OR vessel IN (SELECT value FROM json_each(:vessels)))
       )
       SELECT ${FIX_COLUMNS.replace(/\w+/g, 'f.$&')} FROM candidate c
       JOIN fix f ON f.vessel = c.vessel AND f.time = c.time AND f.source = c.source AND f.key = c.key
       WHERE c.rank = 1
         AND (:minLon IS NULL OR (
           f.lat BETWEEN :minLat AND :maxLat
           AND CASE WHEN :minLon <= :maxLon THEN f.lon BETWEEN :minLon AND :maxLon ELSE f.lon >= :minLon OR f.lon <= :maxLon END))
       ORDER BY f.vessel`,
    ).raw(true);
    this.trackStatement = this.db.prepare(`SELECT ${FIX_COLUMNS} FROM fix WHERE vessel = ? AND time >= ? AND time < ? ORDER BY time, source, key LIMIT ?`).raw(true);
    // Column by column, each as one JSON array SQLite writes (17 significant digits: every double
    // round-trips). One string per column instead of an array per row: the rows of a 24 h track were
    // 3 MiB of short-lived heap, and the young-generation collections they caused were the track API's
    // p95. An aggregate takes its rows in the order the subquery yields them (the contract test reads
    // a shuffled write back in order through trackLine).
    this.trackLineStatement = this.db
      .prepare(
        `SELECT ${TRACK_LINE_COLUMNS.map((c) => `json_group_array(${c})`).join(', ')}
         FROM (SELECT ${TRACK_LINE_COLUMNS.join(', ')} FROM fix WHERE vessel = ? AND time >= ? AND time < ? ORDER BY time, source, key LIMIT ?)`,
      )
      .raw(true);
    this.rawObservationsStatement = this.db.prepare(
      `SELECT time, variable, value, unit, depth, sensor_index, qc FROM observation WHERE ${OBSERVATION_FILTER}
       ORDER BY time, variable, depth, sensor_index LIMIT :limit`,
    );
    this.bucketStatements = new Map((Object.keys(BUCKET_VALUE) as ObservationAggregate[]).map((fn) => [fn, this.db.prepare(bucketSql(fn))]));
    this.latestObservationsStatement = this.db.prepare(
      `SELECT * FROM latest_observation
       WHERE time >= :since AND (:devices IS NULL OR device IN (SELECT value FROM json_each(:devices)))`,
    );
    this.buoysStatement = this.db.prepare(
      `SELECT device, max(time) AS lastTime FROM latest_observation
       WHERE :devices IS NULL OR device IN (SELECT value FROM json_each(:devices))
       GROUP BY device`,
    );
    this.countStatements = new Map(
      Object.entries(TABLE).map(([kind, table]) => [kind as SeriesRecord['kind'], this.db.prepare(`SELECT count(*) FROM ${table}`).pluck()]),
    );
  }

  /** Runs a statement, turning SQLite's passing failures (busy, disk full, I/O) into StoreUnavailableError. */
  private run<T>(what: string, action: () => T): T {
    if (!this.db.open) throw new StoreUnavailableError(`embedded store ${this.path} is closed`);
    try {
      return action();
    } catch (error) {
      if (isPassing(error)) throw new StoreUnavailableError(`embedded store ${this.path}: ${what} failed: ${(error as Error).message}`);
      throw error;
    }
  }

  async write(records: readonly SeriesRecord[]): Promise<void> {
    this.run('write', () => this.writeBatch(records));
  }

  async latestFixes(query: LatestQuery = {}): Promise<VesselFix[]> {
    const [minLon, minLat, maxLon, maxLat] = query.bbox ?? [null, null, null, null];
    const rows = this.run('latest fixes query', () =>
      this.latestStatement.all({
        since: query.since ?? Date.now() - LATEST_LOOKBACK_MS,
        sources: query.sources ? JSON.stringify(query.sources) : null,
        vessels: query.vessels ? JSON.stringify(query.vessels) : null,
        minLon,
        minLat,
        maxLon,
        maxLat,
      }),
    ) as FixRow[];
    return rows.map(fixFromRow);
  }

  async track(query: TrackQuery): Promise<VesselFix[]> {
    // LIMIT -1 is SQLite for "no limit".
    const rows = this.run('track query', () => this.trackStatement.all(query.vessel, query.from, query.to, query.limit ?? -1)) as FixRow[];
    return rows.map(fixFromRow);
  }

  async trackLine(query: TrackQuery): Promise<TrackLine> {
    const columns = this.run('track query', () => this.trackLineStatement.get(query.vessel, query.from, query.to, query.limit ?? -1)) as string[];
    const [time, lat, lon, sog, cog, source, key, suspect] = columns.map((json) => JSON.parse(json) as unknown[]);
    const line = allocateTrackLine(time.length);
    for (let i = 0; i < time.length; i++) {
      line.time[i] = time[i] as number;
      line.lat[i] = lat[i] as number;
      line.lon[i] = lon[i] as number;
      line.sog[i] = (sog[i] as number | null) ?? Number.NaN;
      line.cog[i] = (cog[i] as number | null) ?? Number.NaN;
      line.source[i] = source[i] as VesselFix['source'];
      line.key[i] = key[i] as string;
      line.suspect[i] = (suspect[i] as string | null) ?? undefined;
    }
    return line;
  }

  /** Prepared at first use (only `rules replay` asks). */
  private fixesBetweenStatement?: Database.Statement;

  async fixesBetween(query: { from: number; to: number }): Promise<VesselFix[]> {
    // Through the vessels latest_fix knows, so each vessel's range is a seek in the fix key (vessel, time, …), not a scan of every fix.
    this.fixesBetweenStatement ??= this.db
      .prepare(`SELECT ${FIX_COLUMNS} FROM fix WHERE vessel IN (SELECT DISTINCT vessel FROM latest_fix) AND time >= ? AND time < ? ORDER BY time, source, key`)
      .raw(true);
    const statement = this.fixesBetweenStatement;
    const rows = this.run('fixes query', () => statement.all(query.from, query.to)) as FixRow[];
    return rows.map(fixFromRow);
  }

  async observations(query: ObservationQuery): Promise<ObservationRow[]> {
    checkObservationQuery(query);
    const parameters = {
      device: query.deviceId,
      from: query.from,
      to: query.to,
      variables: query.variables ? JSON.stringify(query.variables) : null,
      qc: query.qc ? JSON.stringify(query.qc) : null,
      limit: query.limit ?? -1,
    };
    const rows = this.run('observations query', () =>
      query.every === undefined
        ? this.rawObservationsStatement.all(parameters)
        : (this.bucketStatements.get(query.fn ?? 'mean') as Database.Statement).all({ ...parameters, every: query.every }),
    ) as ObservationSqlRow[];
    return rows.map(observationRowFrom);
  }

  async latestObservations(query: LatestObservationQuery = {}): Promise<BuoyObservation[]> {
    const rows = this.run('latest observations query', () =>
      this.latestObservationsStatement.all({
        since: query.since ?? Date.now() - LATEST_LOOKBACK_MS,
        devices: query.deviceIds ? JSON.stringify(query.deviceIds) : null,
      }),
    ) as LatestObservationSqlRow[];
    return rows.map((r) => ({ kind: 'buoy-observation', deviceId: r.device, time: r.time, variable: r.variable, value: r.value, unit: r.unit, depth: r.depth, sensorIndex: r.sensor_index, qc: r.qc }));
  }

  async buoys(query: BuoyQuery = {}): Promise<BuoySummary[]> {
    const rows = this.run('buoys query', () => this.buoysStatement.all({ devices: query.deviceIds ? JSON.stringify(query.deviceIds) : null })) as { device: string; lastTime: number }[];
    return rows.map((r) => ({ deviceId: r.device, lastTime: r.lastTime }));
  }

  async count(kind: SeriesRecord['kind']): Promise<number> {
    const statement = this.countStatements.get(kind);
    if (!statement) throw new Error(`unknown record kind ${JSON.stringify(kind)}; known: ${Object.keys(TABLE).join(', ')}`);
    return this.run('count', () => statement.get()) as number;
  }

  async ping(): Promise<void> {
    this.run('ping', () => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
