import type { ConfigDb } from '../configdb/database.js';

/**
 * Reports writes to the registry's tables, so that what is cached from them is read again exactly
 * when it changed: TEMP triggers on this connection call back for writes made through it (a vessel
 * or an identifier binding: all registered vessels; an AIS static report: that key's name), and
 * `PRAGMA data_version` shows commits by any other connection (`tidewatch registry import` in
 * another process: everything). Times are ticks of one counter: a thing read at tick r is still
 * current while no change to it has been ticked after r. One per connection.
 */
export class RegistryChanges {
  private static readonly byConnection = new WeakMap<ConfigDb, RegistryChanges>();
  private tick = 0;
  private vesselsChangedAt = 0;
  private allNamesChangedAt = 0;
  private readonly nameChangedAt = new Map<string, number>();
  private dataVersion: number;

  static of(db: ConfigDb): RegistryChanges {
    let changes = RegistryChanges.byConnection.get(db);
    if (!changes) RegistryChanges.byConnection.set(db, (changes = new RegistryChanges(db)));
    return changes;
  }

  private constructor(private readonly db: ConfigDb) {
    db.function('tidewatch_vessels_changed', () => {
      this.vesselsChangedAt = ++this.tick;
    });
    db.function('tidewatch_vessel_name_changed', (key: unknown) => {
      this.nameChangedAt.set(String(key), ++this.tick);
    });
    for (const [table, call] of [
      ['vessel', 'tidewatch_vessels_changed()'],
      ['vessel_identifier', 'tidewatch_vessels_changed()'],
      ['vessel_static', 'tidewatch_vessel_name_changed(OLD.key)'],
    ]) {
      for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
        // A static report is inserted or updated: the name of NEW.key changed (OLD does not exist on INSERT).
        const body = event === 'INSERT' ? call.replace('OLD.', 'NEW.') : call;
        db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS tidewatch_watch_${table}_${event.toLowerCase()} AFTER ${event} ON main.${table} BEGIN SELECT ${body}; END`);
      }
    }
    this.dataVersion = this.readDataVersion();
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** The current tick, after noting a commit by another connection; read what you cache after this. */
  now(): number {
    const version = this.readDataVersion();
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.vesselsChangedAt = this.allNamesChangedAt = ++this.tick;
      this.nameChangedAt.clear();
    }
    return ++this.tick;
  }

  vesselsCurrent(readAt: number): boolean {
    return readAt > this.vesselsChangedAt;
  }

  nameCurrent(key: string, readAt: number): boolean {
    return readAt > this.allNamesChangedAt && readAt > (this.nameChangedAt.get(key) ?? 0);
  }
}
