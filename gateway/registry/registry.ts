import type { VesselStatic } from '../../core/records.js';
import { statement, type ConfigDb } from '../configdb/database.js';

/**
 * The vessel registry (DESIGN §3): vessels of the bureau's register, and the identifiers that point
 * at them for a period (an MMSI, a Beidou card, a device), because cards and terminals are swapped.
 * Tracks are kept per vessel; an identifier not in the registry is tracked under its own key.
 *
 * Identifier keys are `scheme:value` — `mmsi:412325670`, `bds:4207733`, `dev:BDT-0001` — and
 * vessel ids never contain `:`, so a track's id says by itself whether the vessel is registered.
 */

export interface IdentifierBinding {
  key: string;
  /** ms; absent = since always */
  validFrom?: number;
  /** ms, exclusive; absent = still valid */
  validTo?: number;
  /** Terminal model behind this identifier (selects the Beidou payload codec). */
  terminalModel?: string;
}

export interface Vessel {
  id: string;
  /** 船名号, e.g. 鲁日渔60123 */
  hullName?: string;
  registryNo?: string;
  name?: string;
  /** Personal data: never shown to researchers. */
  owner?: string;
  /** Personal data: never shown to researchers. */
  ownerPhone?: string;
  gearType?: string;
  homePort?: string;
  terminalModel?: string;
  /** metres */
  length?: number;
  /** kW */
  power?: number;
  identifiers: IdentifierBinding[];
}

/** Which vessel an identifier key points at, and for which period (ms; absent = open-ended). */
export interface KeyBinding {
  vesselId: string;
  validFrom?: number;
  validTo?: number;
}

export interface VesselSearch {
  /**
   * Text found in the id, hull name, registry number, name, an identifier's value (MMSI, card
   * number, device) or a name the vessel broadcast over AIS. Latin letters match in any case.
   * Owners are not searched: researchers may search, and must not learn whose vessel is whose.
   */
  text?: string;
  /** Only vessels this identifier key points at (at any time). */
  key?: string;
  /** At most this many vessels (default: all), ordered by id. */
  limit?: number;
  offset?: number;
}

/** `invalid` data (a client's mistake to fix) or a `conflict` with what the registry already holds. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly conflict: boolean;
  /** The field at fault (`id`, `identifiers`), when one is. */
  readonly field?: string;

  constructor(message: string, options: { conflict?: boolean; field?: string } = {}) {
    super(message);
    this.conflict = options.conflict ?? false;
    this.field = options.field;
  }
}

const KEY_PATTERN = /^(mmsi:\d{9}|bds:\d{1,11}|dev:[^\s:]{1,64})$/;
const VESSEL_ID_PATTERN = /^[^:\s][^:]{0,63}$/;

export function isIdentifierKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export function isVesselId(id: string): boolean {
  return VESSEL_ID_PATTERN.test(id);
}

/** Search text as the registry compares it: NFKC (full-width digits and letters typed by Chinese input methods become ASCII), trimmed, lower case. */
export function normaliseSearchText(text: string): string {
  return text.normalize('NFKC').trim().toLowerCase();
}

/** Whether normalised search text occurs in any of the values (the in-memory twin of the SQL in `search`). */
export function textMatches(text: string, values: readonly (string | undefined)[]): boolean {
  return values.some((v) => v !== undefined && v.toLowerCase().includes(text));
}

/** The value part of an identifier key: `412325670` of `mmsi:412325670`. */
export function keyValue(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

interface VesselRow {
  id: string;
  hull_name: string | null;
  registry_no: string | null;
  name: string | null;
  owner: string | null;
  owner_phone: string | null;
  gear_type: string | null;
  home_port: string | null;
  terminal_model: string | null;
  length_m: number | null;
  power_kw: number | null;
}

interface BindingRow {
  vessel_id: string;
  key: string;
  valid_from: number;
  valid_to: number | null;
  terminal_model: string | null;
}

interface Resolved {
  vesselId: string;
  terminalModel?: string;
  from: number;
  to: number;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

// One WHERE clause for search, count and list: every filter is a bound parameter (NULL = no filter),
// and text is found with instr(), so `%` and `_` in what a user types are plain characters.
const SEARCH_WHERE = `
  (:key IS NULL OR v.id IN (SELECT vessel_id FROM vessel_identifier WHERE key = :key))
  AND (:text IS NULL
    OR instr(lower(v.id), :text) > 0
    OR instr(lower(ifnull(v.hull_name, '')), :text) > 0
    OR instr(lower(ifnull(v.registry_no, '')), :text) > 0
    OR instr(lower(ifnull(v.name, '')), :text) > 0
    OR v.id IN (SELECT b.vessel_id FROM vessel_identifier b LEFT JOIN vessel_static s ON s.key = b.key
                WHERE instr(lower(substr(b.key, instr(b.key, ':') + 1)), :text) > 0
                   OR instr(lower(ifnull(s.name, '')), :text) > 0))`;

export class VesselRegistry {
  /** key → its bindings; the hot path of every fix, so kept in memory and rebuilt on change. */
  private bindings = new Map<string, Resolved[]>();
  /** SQLite's count of commits by other connections (`PRAGMA data_version`) when `bindings` was built. */
  private dataVersion = -1;
  private checkedAt = 0;
  /** Inside `batch`: bindings are rebuilt once at its end, not after every write. */
  private batchDepth = 0;
  private readonly recheckMs: number;

  /**
   * `recheckMs`: how often (at most) to look whether another process — `tidewatch registry import`
   * while `serve` runs — changed the registry, so its changes apply without a restart.
   */
  constructor(
    private readonly db: ConfigDb,
    options: { recheckMs?: number } = {},
  ) {
    this.recheckMs = options.recheckMs ?? 1000;
    this.reload();
  }

  private reload(): void {
    const rows = statement(
      this.db,
      `SELECT b.vessel_id, b.key, b.valid_from, b.valid_to, COALESCE(b.terminal_model, v.terminal_model) AS terminal_model
           FROM vessel_identifier b JOIN vessel v ON v.id = b.vessel_id ORDER BY b.key, b.valid_from`,
    ).all() as BindingRow[];
    const map = new Map<string, Resolved[]>();
    for (const r of rows) {
      const list = map.get(r.key) ?? [];
      list.push({ vesselId: r.vessel_id, terminalModel: opt(r.terminal_model), from: r.valid_from, to: r.valid_to ?? Number.POSITIVE_INFINITY });
      map.set(r.key, list);
    }
    this.bindings = map;
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Rebuild the bindings when another connection committed since; looked at most every `recheckMs`. */
  private refresh(): void {
    const now = Date.now();
    if (this.batchDepth > 0 || now - this.checkedAt < this.recheckMs) return;
    this.checkedAt = now;
    if (this.db.pragma('data_version', { simple: true }) !== this.dataVersion) this.reload();
  }

  /** The vessel an identifier belonged to at `time`, if registered. */
  resolve(key: string, time: number): { vesselId: string; terminalModel?: string } | undefined {
    this.refresh();
    const list = this.bindings.get(key);
    if (!list) return undefined;
    for (const b of list) if (time >= b.from && time < b.to) return b;
    return undefined;
  }

  /** Every registered vessel an identifier key points at, with the periods. */
  bindingsOf(key: string): KeyBinding[] {
    this.refresh();
    return (this.bindings.get(key) ?? []).map((b) => ({
      vesselId: b.vesselId,
      ...(b.from !== 0 ? { validFrom: b.from } : {}),
      ...(Number.isFinite(b.to) ? { validTo: b.to } : {}),
    }));
  }

  /** Terminal model of a Beidou card now (for the RDSS payload codec). */
  terminalModelOfCard(card: string): string | undefined {
    return this.resolve(`bds:${card}`, Date.now())?.terminalModel;
  }

  /**
   * Run `work` as one transaction: all of it is written or none (a throw rolls everything back;
   * a RegistryError caught inside only undoes that one upsert). Bindings are rebuilt once, at the end.
   */
  batch<T>(work: () => T): T {
    this.batchDepth++;
    try {
      return this.db.transaction(work)();
    } finally {
      if (--this.batchDepth === 0) this.reload();
    }
  }

  /**
   * Create or replace a vessel and its identifier bindings. An identifier may point at one vessel
   * at a time: a binding overlapping another vessel's binding of the same key is a conflict.
   */
  upsert(vessel: Vessel): void {
    if (!isVesselId(vessel.id)) {
      throw new RegistryError(`vessel id ${JSON.stringify(vessel.id)} must be 1–64 characters without ':' and not start with a space`, { field: 'id' });
    }
    vessel.identifiers.forEach((b, i) => {
      if (!isIdentifierKey(b.key)) {
        throw new RegistryError(`identifier ${JSON.stringify(b.key)} must be mmsi:<9 digits>, bds:<card number> or dev:<name>`, { field: `identifiers.${i}.key` });
      }
      if (b.validTo !== undefined && b.validTo <= (b.validFrom ?? 0)) {
        throw new RegistryError(`identifier ${b.key}: validTo must be after validFrom`, { field: `identifiers.${i}.validTo` });
      }
      const twin = vessel.identifiers.findIndex((o, j) => j !== i && o.key === b.key && overlaps(o, b));
      if (twin >= 0) {
        throw new RegistryError(`identifier ${b.key} is listed twice for overlapping periods; end one (validTo) before the other starts`, { field: `identifiers.${i}` });
      }
    });
    const otherBinding = statement(
      this.db,
      `SELECT vessel_id, key, valid_from, valid_to FROM vessel_identifier
        WHERE key = ? AND vessel_id <> ? AND valid_from < ? AND (valid_to IS NULL OR valid_to > ?) LIMIT 1`,
    );
    const write = this.db.transaction(() => {
      vessel.identifiers.forEach((b, i) => {
        const clash = otherBinding.get(b.key, vessel.id, b.validTo ?? Number.MAX_SAFE_INTEGER, b.validFrom ?? 0) as BindingRow | undefined;
        if (clash) {
          const since = clash.valid_from === 0 ? 'since always' : `from ${new Date(clash.valid_from).toISOString()}`;
          const until = clash.valid_to === null ? 'with no end' : `until ${new Date(clash.valid_to).toISOString()}`;
          throw new RegistryError(
            `identifier ${b.key} is already bound to vessel ${JSON.stringify(clash.vessel_id)} ${since} ${until}; end that binding (validTo) before this one starts`,
            { conflict: true, field: `identifiers.${i}` },
          );
        }
      });
      statement(
        this.db,
        `INSERT INTO vessel (id, hull_name, registry_no, name, owner, owner_phone, gear_type, home_port, terminal_model, length_m, power_kw, updated_at)
           VALUES (@id, @hullName, @registryNo, @name, @owner, @ownerPhone, @gearType, @homePort, @terminalModel, @length, @power, @now)
           ON CONFLICT(id) DO UPDATE SET hull_name = excluded.hull_name, registry_no = excluded.registry_no, name = excluded.name,
             owner = excluded.owner, owner_phone = excluded.owner_phone, gear_type = excluded.gear_type, home_port = excluded.home_port,
             terminal_model = excluded.terminal_model, length_m = excluded.length_m, power_kw = excluded.power_kw,
             updated_at = excluded.updated_at`,
      ).run({
        id: vessel.id,
        hullName: vessel.hullName ?? null,
        registryNo: vessel.registryNo ?? null,
        name: vessel.name ?? null,
        owner: vessel.owner ?? null,
        ownerPhone: vessel.ownerPhone ?? null,
        gearType: vessel.gearType ?? null,
        homePort: vessel.homePort ?? null,
        terminalModel: vessel.terminalModel ?? null,
        length: vessel.length ?? null,
        power: vessel.power ?? null,
        now: Date.now(),
      });
      statement(this.db, 'DELETE FROM vessel_identifier WHERE vessel_id = ?').run(vessel.id);
      const bind = statement(
        this.db,
        'INSERT INTO vessel_identifier (vessel_id, key, valid_from, valid_to, terminal_model) VALUES (?, ?, ?, ?, ?)',
      );
      for (const b of vessel.identifiers) bind.run(vessel.id, b.key, b.validFrom ?? 0, b.validTo ?? null, b.terminalModel ?? null);
    });
    write();
    if (this.batchDepth === 0) this.reload();
  }

  /** Remove a vessel and its bindings; false when there was none. Its stored fixes stay, under its id. */
  delete(id: string): boolean {
    const removed = statement(this.db, 'DELETE FROM vessel WHERE id = ?').run(id).changes > 0;
    if (removed && this.batchDepth === 0) this.reload();
    return removed;
  }

  get(id: string): Vessel | undefined {
    const row = statement(this.db, 'SELECT * FROM vessel WHERE id = ?').get(id) as VesselRow | undefined;
    return row ? this.withIdentifiers([row])[0] : undefined;
  }

  /** Registered vessels, optionally only those an identifier key (at any time) points at. */
  list(filter: { key?: string } = {}): Vessel[] {
    return this.search({ key: filter.key }).vessels;
  }

  /** Registered vessels matching the search, ordered by id, one page of them, and how many match in all. */
  search(query: VesselSearch): { total: number; vessels: Vessel[] } {
    const params = { key: query.key ?? null, text: query.text ? normaliseSearchText(query.text) || null : null };
    const total = statement(this.db, `SELECT count(*) FROM vessel v WHERE ${SEARCH_WHERE}`).pluck().get(params) as number;
    // LIMIT -1 is SQLite for "no limit".
    const rows = statement(this.db, `SELECT v.* FROM vessel v WHERE ${SEARCH_WHERE} ORDER BY v.id LIMIT :limit OFFSET :offset`)
      .all({ ...params, limit: query.limit ?? -1, offset: query.offset ?? 0 }) as VesselRow[];
    return { total, vessels: this.withIdentifiers(rows) };
  }

  private withIdentifiers(rows: VesselRow[]): Vessel[] {
    // One query for all the bindings (not one per vessel): a page may hold thousands of vessels.
    const bindings = new Map<string, BindingRow[]>();
    const all = statement(this.db, 'SELECT * FROM vessel_identifier WHERE vessel_id IN (SELECT value FROM json_each(?)) ORDER BY vessel_id, key, valid_from')
      .all(JSON.stringify(rows.map((r) => r.id))) as BindingRow[];
    for (const b of all) {
      const list = bindings.get(b.vessel_id);
      if (list) list.push(b);
      else bindings.set(b.vessel_id, [b]);
    }
    return rows.map((r) => {
      const v: Vessel = { id: r.id, identifiers: [] };
      if (r.hull_name !== null) v.hullName = r.hull_name;
      if (r.registry_no !== null) v.registryNo = r.registry_no;
      if (r.name !== null) v.name = r.name;
      if (r.owner !== null) v.owner = r.owner;
      if (r.owner_phone !== null) v.ownerPhone = r.owner_phone;
      if (r.gear_type !== null) v.gearType = r.gear_type;
      if (r.home_port !== null) v.homePort = r.home_port;
      if (r.terminal_model !== null) v.terminalModel = r.terminal_model;
      if (r.length_m !== null) v.length = r.length_m;
      if (r.power_kw !== null) v.power = r.power_kw;
      for (const b of bindings.get(r.id) ?? []) {
        const binding: IdentifierBinding = { key: b.key };
        if (b.valid_from !== 0) binding.validFrom = b.valid_from;
        if (b.valid_to !== null) binding.validTo = b.valid_to;
        if (b.terminal_model !== null) binding.terminalModel = b.terminal_model;
        v.identifiers.push(binding);
      }
      return v;
    });
  }

  /** Keep the latest static data an identifier broadcast (AIS type 5/24/19), merging partial reports. */
  recordStatic(s: VesselStatic): void {
    statement(
      this.db,
      `INSERT INTO vessel_static (key, time, name, callsign, imo, ship_type, destination, length_m, beam_m, draught_m)
         VALUES (@key, @time, @name, @callsign, @imo, @shipType, @destination, @length, @beam, @draught)
         ON CONFLICT(key) DO UPDATE SET time = MAX(time, excluded.time),
           name = COALESCE(excluded.name, name), callsign = COALESCE(excluded.callsign, callsign),
           imo = COALESCE(excluded.imo, imo), ship_type = COALESCE(excluded.ship_type, ship_type),
           destination = COALESCE(excluded.destination, destination), length_m = COALESCE(excluded.length_m, length_m),
           beam_m = COALESCE(excluded.beam_m, beam_m), draught_m = COALESCE(excluded.draught_m, draught_m)`,
    ).run({
      key: s.key,
      time: s.time ?? Date.now(),
      name: s.name ?? null,
      callsign: s.callsign ?? null,
      imo: s.imo ?? null,
      shipType: s.shipType ?? null,
      destination: s.destination ?? null,
      length: s.length ?? null,
      beam: s.beam ?? null,
      draught: s.draught ?? null,
    });
  }

  /** Latest static data broadcast under each of the given keys. */
  staticOf(keys: readonly string[]): Map<string, VesselStatic> {
    const out = new Map<string, VesselStatic>();
    const rows = statement(this.db, 'SELECT * FROM vessel_static WHERE key IN (SELECT value FROM json_each(?))').all(JSON.stringify(keys)) as {
      key: string; time: number; name: string | null; callsign: string | null; imo: number | null; ship_type: number | null; destination: string | null; length_m: number | null; beam_m: number | null; draught_m: number | null;
    }[];
    for (const r of rows) {
      const key = r.key;
      const s: VesselStatic = { kind: 'vessel-static', key, time: r.time };
      if (r.name !== null) s.name = r.name;
      if (r.callsign !== null) s.callsign = r.callsign;
      if (r.imo !== null) s.imo = r.imo;
      if (r.ship_type !== null) s.shipType = r.ship_type;
      if (r.destination !== null) s.destination = r.destination;
      if (r.length_m !== null) s.length = r.length_m;
      if (r.beam_m !== null) s.beam = r.beam_m;
      if (r.draught_m !== null) s.draught = r.draught_m;
      out.set(key, s);
    }
    return out;
  }
}

function overlaps(a: IdentifierBinding, b: IdentifierBinding): boolean {
  return (a.validFrom ?? 0) < (b.validTo ?? Infinity) && (b.validFrom ?? 0) < (a.validTo ?? Infinity);
}
