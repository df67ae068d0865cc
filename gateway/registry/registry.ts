import type { VesselStatic } from '../../core/records.js';
import type { ConfigDb } from '../configdb/database.js';

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
  owner?: string;
  gearType?: string;
  homePort?: string;
  terminalModel?: string;
  /** metres */
  length?: number;
  /** kW */
  power?: number;
  identifiers: IdentifierBinding[];
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
}

const KEY_PATTERN = /^(mmsi:\d{9}|bds:\d{1,11}|dev:[^\s:]{1,64})$/;

export function isIdentifierKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

interface VesselRow {
  id: string;
  hull_name: string | null;
  registry_no: string | null;
  name: string | null;
  owner: string | null;
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

export class VesselRegistry {
  /** key → its bindings; the hot path of every fix, so kept in memory and rebuilt on change. */
  private bindings = new Map<string, Resolved[]>();

  constructor(private readonly db: ConfigDb) {
    this.reload();
  }

  private reload(): void {
    const rows = this.db
      .prepare(
        `SELECT b.vessel_id, b.key, b.valid_from, b.valid_to, COALESCE(b.terminal_model, v.terminal_model) AS terminal_model
           FROM vessel_identifier b JOIN vessel v ON v.id = b.vessel_id`,
      )
      .all() as BindingRow[];
    const map = new Map<string, Resolved[]>();
    for (const r of rows) {
      const list = map.get(r.key) ?? [];
      list.push({ vesselId: r.vessel_id, terminalModel: opt(r.terminal_model), from: r.valid_from, to: r.valid_to ?? Number.POSITIVE_INFINITY });
      map.set(r.key, list);
    }
    this.bindings = map;
  }

  /** The vessel an identifier belonged to at `time`, if registered. */
  resolve(key: string, time: number): { vesselId: string; terminalModel?: string } | undefined {
    const list = this.bindings.get(key);
    if (!list) return undefined;
    for (const b of list) if (time >= b.from && time < b.to) return b;
    return undefined;
  }

  /** Terminal model of a Beidou card now (for the RDSS payload codec). */
  terminalModelOfCard(card: string): string | undefined {
    return this.resolve(`bds:${card}`, Date.now())?.terminalModel;
  }

  /** Create or replace a vessel and its identifier bindings. */
  upsert(vessel: Vessel): void {
    if (!/^[^:\s][^:]{0,63}$/.test(vessel.id)) {
      throw new RegistryError(`vessel id ${JSON.stringify(vessel.id)} must be 1–64 characters without ':' and not start with a space`);
    }
    for (const b of vessel.identifiers) {
      if (!isIdentifierKey(b.key)) {
        throw new RegistryError(`identifier ${JSON.stringify(b.key)} must be mmsi:<9 digits>, bds:<card number> or dev:<name>`);
      }
      if (b.validTo !== undefined && b.validTo <= (b.validFrom ?? 0)) {
        throw new RegistryError(`identifier ${b.key}: validTo must be after validFrom`);
      }
    }
    const write = this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO vessel (id, hull_name, registry_no, name, owner, gear_type, home_port, terminal_model, length_m, power_kw, updated_at)
           VALUES (@id, @hullName, @registryNo, @name, @owner, @gearType, @homePort, @terminalModel, @length, @power, @now)
           ON CONFLICT(id) DO UPDATE SET hull_name = excluded.hull_name, registry_no = excluded.registry_no, name = excluded.name,
             owner = excluded.owner, gear_type = excluded.gear_type, home_port = excluded.home_port,
             terminal_model = excluded.terminal_model, length_m = excluded.length_m, power_kw = excluded.power_kw,
             updated_at = excluded.updated_at`,
        )
        .run({
          id: vessel.id,
          hullName: vessel.hullName ?? null,
          registryNo: vessel.registryNo ?? null,
          name: vessel.name ?? null,
          owner: vessel.owner ?? null,
          gearType: vessel.gearType ?? null,
          homePort: vessel.homePort ?? null,
          terminalModel: vessel.terminalModel ?? null,
          length: vessel.length ?? null,
          power: vessel.power ?? null,
          now: Date.now(),
        });
      this.db.prepare('DELETE FROM vessel_identifier WHERE vessel_id = ?').run(vessel.id);
      const bind = this.db.prepare(
        'INSERT INTO vessel_identifier (vessel_id, key, valid_from, valid_to, terminal_model) VALUES (?, ?, ?, ?, ?)',
      );
      for (const b of vessel.identifiers) bind.run(vessel.id, b.key, b.validFrom ?? 0, b.validTo ?? null, b.terminalModel ?? null);
    });
    try {
      write();
    } catch (e) {
      if (e instanceof Error && /UNIQUE constraint failed: vessel_identifier/.test(e.message)) {
        throw new RegistryError(`an identifier of ${vessel.id} is already bound to another vessel from the same time`);
      }
      throw e;
    }
    this.reload();
  }

  get(id: string): Vessel | undefined {
    const row = this.db.prepare('SELECT * FROM vessel WHERE id = ?').get(id) as VesselRow | undefined;
    return row ? this.withIdentifiers([row])[0] : undefined;
  }

  /** Registered vessels, optionally only those an identifier key (at any time) points at. */
  list(filter: { key?: string } = {}): Vessel[] {
    const rows = (
      filter.key
        ? this.db.prepare('SELECT v.* FROM vessel v WHERE v.id IN (SELECT vessel_id FROM vessel_identifier WHERE key = ?) ORDER BY v.id').all(filter.key)
        : this.db.prepare('SELECT * FROM vessel ORDER BY id').all()
    ) as VesselRow[];
    return this.withIdentifiers(rows);
  }

  private withIdentifiers(rows: VesselRow[]): Vessel[] {
    const stmt = this.db.prepare('SELECT * FROM vessel_identifier WHERE vessel_id = ? ORDER BY key, valid_from');
    return rows.map((r) => {
      const v: Vessel = { id: r.id, identifiers: [] };
      if (r.hull_name !== null) v.hullName = r.hull_name;
      if (r.registry_no !== null) v.registryNo = r.registry_no;
      if (r.name !== null) v.name = r.name;
      if (r.owner !== null) v.owner = r.owner;
      if (r.gear_type !== null) v.gearType = r.gear_type;
      if (r.home_port !== null) v.homePort = r.home_port;
      if (r.terminal_model !== null) v.terminalModel = r.terminal_model;
      if (r.length_m !== null) v.length = r.length_m;
      if (r.power_kw !== null) v.power = r.power_kw;
      for (const b of stmt.all(r.id) as BindingRow[]) {
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
    this.db
      .prepare(
        `INSERT INTO vessel_static (key, time, name, callsign, imo, ship_type, destination, length_m, beam_m, draught_m)
         VALUES (@key, @time, @name, @callsign, @imo, @shipType, @destination, @length, @beam, @draught)
         ON CONFLICT(key) DO UPDATE SET time = MAX(time, excluded.time),
           name = COALESCE(excluded.name, name), callsign = COALESCE(excluded.callsign, callsign),
           imo = COALESCE(excluded.imo, imo), ship_type = COALESCE(excluded.ship_type, ship_type),
           destination = COALESCE(excluded.destination, destination), length_m = COALESCE(excluded.length_m, length_m),
           beam_m = COALESCE(excluded.beam_m, beam_m), draught_m = COALESCE(excluded.draught_m, draught_m)`,
      )
      .run({
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
    const stmt = this.db.prepare('SELECT * FROM vessel_static WHERE key = ?');
    for (const key of keys) {
      const r = stmt.get(key) as
        | { key: string; time: number; name: string | null; callsign: string | null; imo: number | null; ship_type: number | null; destination: string | null; length_m: number | null; beam_m: number | null; draught_m: number | null }
        | undefined;
      if (!r) continue;
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
