import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The configuration database: one SQLite file under the data directory holding what is not a time
 * series — tokens, the vessel registry, zones, rules, alert state (DESIGN §4). It exists in both
 * store modes. Schema changes are appended to MIGRATIONS, never edited, and applied at open.
 */

export type ConfigDb = Database.Database;

const statements = new WeakMap<ConfigDb, Map<string, Database.Statement>>();

/**
 * `db.prepare(sql)`, compiled once per connection and kept. better-sqlite3 compiles SQL on every
 * prepare (tens of µs), and the registry, the token check and the device sequences prepared theirs on
 * every call: per alert, per API request, per AIS static report. A statement's mode (pluck, raw) is
 * kept with it, so one SQL text is used one way.
 */
export function statement(db: ConfigDb, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let prepared = cache.get(sql);
  if (!prepared) cache.set(sql, (prepared = db.prepare(sql)));
  return prepared;
}

const MIGRATIONS: readonly string[] = [
  // 1: access tokens; only a SHA-256 of the secret is kept.
  `CREATE TABLE token (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('device', 'regulator', 'researcher', 'admin')),
     hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   );`,
  // 2: the vessel registry and its identifier bindings, each valid for a period.
  `CREATE TABLE vessel (
     id TEXT PRIMARY KEY,
     hull_name TEXT,
     registry_no TEXT,
     name TEXT,
     owner TEXT,
     gear_type TEXT,
     home_port TEXT,
     terminal_model TEXT,
     length_m REAL,
     power_kw REAL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE vessel_identifier (
     vessel_id TEXT NOT NULL REFERENCES vessel(id) ON DELETE CASCADE,
     key TEXT NOT NULL,
     valid_from INTEGER NOT NULL DEFAULT 0,
     valid_to INTEGER,
     terminal_model TEXT,
     PRIMARY KEY (key, valid_from)
   );
   CREATE INDEX vessel_identifier_vessel ON vessel_identifier(vessel_id);
   CREATE TABLE vessel_static (
     key TEXT PRIMARY KEY,
     time INTEGER NOT NULL,
     name TEXT, callsign TEXT, imo INTEGER, ship_type INTEGER, destination TEXT,
     length_m REAL, beam_m REAL, draught_m REAL
   );`,
  // 3: per device and boot, the highest contiguous protobuf sequence number made durable (the Ack).
  `CREATE TABLE device_sequence (
     device_id TEXT NOT NULL,
     boot_id INTEGER NOT NULL,
     acked_seq INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (device_id, boot_id)
   );`,
  // 4: owners' phone numbers (personal data: never shown to researchers); search by hull name.
  `ALTER TABLE vessel ADD COLUMN owner_phone TEXT;
   CREATE INDEX vessel_hull_name ON vessel(hull_name);`,
  // 5: zones (geofences) as versions, each in force from effective_from until effective_to (the
  // next version's start); a retired version ends the zone and keeps its last definition. `zone`
  // hands out ids and anchors references from alerts. Times in ms, bbox in degrees, area in km².
  `CREATE TABLE zone (id INTEGER PRIMARY KEY);
   CREATE TABLE zone_version (
     zone_id INTEGER NOT NULL REFERENCES zone(id),
     version INTEGER NOT NULL,
     effective_from INTEGER NOT NULL,
     effective_to INTEGER,
     retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
     kind TEXT NOT NULL,
     geometry TEXT NOT NULL,
     properties TEXT NOT NULL,
     area_km2 REAL NOT NULL,
     min_lon REAL NOT NULL,
     min_lat REAL NOT NULL,
     max_lon REAL NOT NULL,
     max_lat REAL NOT NULL,
     created_at INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     PRIMARY KEY (zone_id, version)
   );
   CREATE INDEX zone_version_effective ON zone_version(effective_from, effective_to);`,
  // 6: alerts and their evidence. At most one ongoing alert per dedupe key: detections of the same
  // condition merge into it. Evidence keeps the first and last few records (JSON, times in ms).
  `CREATE TABLE alert (
     id INTEGER PRIMARY KEY,
     type TEXT NOT NULL,
     severity TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'closed')),
     dedupe_key TEXT NOT NULL,
     ongoing INTEGER NOT NULL DEFAULT 1 CHECK (ongoing IN (0, 1)),
     vessel TEXT,
     other_vessel TEXT,
     device TEXT,
     zone_id INTEGER REFERENCES zone(id),
     zone_version INTEGER,
     start_time INTEGER NOT NULL,
     end_time INTEGER NOT NULL,
     occurrences INTEGER NOT NULL DEFAULT 1,
     details TEXT,
     evidence_count INTEGER NOT NULL DEFAULT 0,
     acknowledged_by TEXT,
     acknowledged_at INTEGER,
     acknowledged_note TEXT,
     closed_by TEXT,
     closed_at INTEGER,
     closed_note TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX alert_ongoing_key ON alert(dedupe_key) WHERE ongoing = 1;
   CREATE INDEX alert_vessel ON alert(vessel);
   CREATE INDEX alert_other_vessel ON alert(other_vessel) WHERE other_vessel IS NOT NULL;
   CREATE INDEX alert_device ON alert(device) WHERE device IS NOT NULL;
   CREATE INDEX alert_zone ON alert(zone_id) WHERE zone_id IS NOT NULL;
   CREATE INDEX alert_time ON alert(start_time, end_time);
   CREATE TABLE alert_evidence (
     alert_id INTEGER NOT NULL REFERENCES alert(id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     record TEXT NOT NULL,
     PRIMARY KEY (alert_id, seq)
   ) WITHOUT ROWID;`,
  // 7: port visits (rules engine, gateway/rules/ports.ts): a vessel's stay in a port zone, from the
  // first fix inside to leaving it (NULL while in port). Keyed by the arrival so a replay of the same
  // history writes each visit once. Times in ms. Alerts get an index on every dedupe key, ongoing
  // or not: `rules replay` asks whether an incident was ever raised.
  `CREATE TABLE port_visit (
     id INTEGER PRIMARY KEY,
     vessel TEXT NOT NULL,
     zone_id INTEGER NOT NULL REFERENCES zone(id),
     zone_version INTEGER NOT NULL,
     arrival_time INTEGER NOT NULL,
     departure_time INTEGER,
     UNIQUE (vessel, zone_id, arrival_time)
   );
   CREATE INDEX port_visit_zone ON port_visit(zone_id, arrival_time);
   CREATE INDEX port_visit_arrival ON port_visit(arrival_time);
   CREATE INDEX port_visit_open ON port_visit(vessel) WHERE departure_time IS NULL;
   CREATE INDEX alert_dedupe_key ON alert(dedupe_key);`,
];

export function openConfigDb(dataDir: string): ConfigDb {
  mkdirSync(dataDir, { recursive: true });
  return openConfigDbFile(join(dataDir, 'tidewatch.db'));
}

/** Open (creating and migrating as needed) a configuration database file; `:memory:` for tests. */
export function openConfigDbFile(path: string): ConfigDb {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, MIGRATIONS, path);
  return db;
}

/**
 * Apply the schema changes a database file has not seen yet, in one transaction. `migrations` is
 * append-only: entry N takes a file from schema N to N+1 (`PRAGMA user_version`). A file from a
 * newer Tidewatch is closed and refused rather than guessed at.
 */
export function migrate(db: Database.Database, migrations: readonly string[], path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    db.close();
    throw new Error(`${path} was written by a newer Tidewatch (schema ${version}, this one knows ${migrations.length}); upgrade Tidewatch`);
  }
  db.transaction(() => {
    for (let v = version; v < migrations.length; v++) db.exec(migrations[v]);
    db.pragma(`user_version = ${migrations.length}`);
  })();
}
