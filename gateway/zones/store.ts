import { statement, type ConfigDb } from '../configdb/database.js';
import type { Bbox, ZoneDefinition, ZoneKind, ZoneVersion } from './model.js';
import type { CheckedZone } from './schema.js';

/**
 * Zones in the configuration database, as versions (migration 5). Every change — creation, update,
 * retirement — appends a version that takes effect at a given time (now by default) and ends the
 * one before it; nothing is overwritten, so the version in force at any past time can be served and
 * alerts can cite it.
 */

/** A change that would break the version history (e.g. taking effect before the latest version). */
export class ZoneVersionConflict extends Error {
  override readonly name = 'ZoneVersionConflict';
}

export interface ZoneChange {
  /** Who makes it (a token name). */
  by: string;
  /** ms; default now. Must be after the zone's latest version takes effect. */
  effectiveFrom?: number;
}

export interface ZoneQuery {
  /** ms; the versions in force then. */
  at: number;
  kind?: ZoneKind;
  /** Zones whose bounding box meets this one. */
  bbox?: Bbox;
}

export type ZoneListener = (version: ZoneVersion) => void;

interface VersionRow {
  zone_id: number;
  version: number;
  effective_from: number;
  effective_to: number | null;
  retired: number;
  geometry: string;
  properties: string;
  area_km2: number;
  min_lon: number;
  min_lat: number;
  max_lon: number;
  max_lat: number;
  created_at: number;
  created_by: string;
}

function fromRow(r: VersionRow): ZoneVersion {
  return {
    zoneId: r.zone_id,
    version: r.version,
    effectiveFrom: r.effective_from,
    ...(r.effective_to !== null ? { effectiveTo: r.effective_to } : {}),
    retired: r.retired === 1,
    geometry: JSON.parse(r.geometry) as ZoneDefinition['geometry'],
    properties: JSON.parse(r.properties) as ZoneDefinition['properties'],
    areaKm2: r.area_km2,
    bbox: [r.min_lon, r.min_lat, r.max_lon, r.max_lat],
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

/** The version of a history (ascending) in force at `at`, or undefined before the first. */
export function versionAt(history: readonly ZoneVersion[], at: number): ZoneVersion | undefined {
  let inForce: ZoneVersion | undefined;
  for (const v of history) {
    if (v.effectiveFrom > at) break;
    inForce = v;
  }
  return inForce;
}

export class ZoneStore {
  private readonly listeners = new Set<ZoneListener>();

  constructor(
    private readonly db: ConfigDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new zone: version 1. */
  create(zone: CheckedZone, change: ZoneChange): ZoneVersion {
    const created = this.db.transaction(() => {
      const id = Number(statement(this.db, 'INSERT INTO zone DEFAULT VALUES').run().lastInsertRowid);
      return this.append(id, 1, zone, false, change);
    })();
    return this.announce(created);
  }

  /** A new version of a zone; undefined when there is no such zone. */
  update(id: number, zone: CheckedZone, change: ZoneChange): ZoneVersion | undefined {
    const updated = this.db.transaction(() => {
      const latest = this.latest(id);
      if (!latest) return undefined;
      this.assertCanFollow(latest, change, 'update');
      return this.append(id, latest.version + 1, zone, false, change);
    })();
    return updated && this.announce(updated);
  }

  /** A final version that takes the zone out of force; its history stays. Undefined when there is no such zone. */
  retire(id: number, change: ZoneChange): ZoneVersion | undefined {
    const retired = this.db.transaction(() => {
      const latest = this.latest(id);
      if (!latest) return undefined;
      this.assertCanFollow(latest, change, 'retire');
      const { geometry, properties, areaKm2, bbox } = latest;
      return this.append(id, latest.version + 1, { geometry, properties, facts: { areaKm2, bbox, warnings: [] } }, true, change);
    })();
    return retired && this.announce(retired);
  }

  /** Every version of a zone, oldest first; undefined when there is no such zone. */
  history(id: number): ZoneVersion[] | undefined {
    const rows = statement(this.db, 'SELECT * FROM zone_version WHERE zone_id = ? ORDER BY version').all(id) as VersionRow[];
    return rows.length > 0 ? rows.map(fromRow) : undefined;
  }

  /** The zones in force at `q.at` (not retired), by id. */
  inForce(q: ZoneQuery): ZoneVersion[] {
    const [minLon, minLat, maxLon, maxLat] = q.bbox ?? [null, null, null, null];
    const rows = statement(
      this.db,
      `SELECT * FROM zone_version
         WHERE effective_from <= @at AND (effective_to IS NULL OR effective_to > @at) AND retired = 0
           AND (@kind IS NULL OR kind = @kind)
           AND (@minLon IS NULL OR (max_lon >= @minLon AND min_lon <= @maxLon AND max_lat >= @minLat AND min_lat <= @maxLat))
         ORDER BY zone_id`,
    ).all({ at: q.at, kind: q.kind ?? null, minLon, minLat, maxLon, maxLat }) as VersionRow[];
    return rows.map(fromRow);
  }

  /** Called after every new version (the rules engine rebuilds its index); returns an unsubscribe. */
  onChange(listener: ZoneListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private latest(id: number): ZoneVersion | undefined {
    const row = statement(this.db, 'SELECT * FROM zone_version WHERE zone_id = ? ORDER BY version DESC LIMIT 1').get(id) as VersionRow | undefined;
    return row && fromRow(row);
  }

  private assertCanFollow(latest: ZoneVersion, change: ZoneChange, what: 'update' | 'retire'): void {
    if (latest.retired) {
      throw new ZoneVersionConflict(`zone ${latest.zoneId} was retired from ${new Date(latest.effectiveFrom).toISOString()}; ${what === 'update' ? 'create a new zone instead' : 'nothing to retire'}`);
    }
    const from = change.effectiveFrom ?? this.now();
    if (from <= latest.effectiveFrom) {
      throw new ZoneVersionConflict(
        `version ${latest.version} of zone ${latest.zoneId} takes effect at ${new Date(latest.effectiveFrom).toISOString()}; a change must take effect after that (effectiveFrom)`,
      );
    }
  }

  private append(id: number, version: number, zone: CheckedZone, retired: boolean, change: ZoneChange): ZoneVersion {
    const from = change.effectiveFrom ?? this.now();
    const [minLon, minLat, maxLon, maxLat] = zone.facts.bbox;
    statement(this.db, 'UPDATE zone_version SET effective_to = ? WHERE zone_id = ? AND version = ?').run(from, id, version - 1);
    statement(
      this.db,
      `INSERT INTO zone_version (zone_id, version, effective_from, retired, kind, geometry, properties, area_km2, min_lon, min_lat, max_lon, max_lat, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, version, from, retired ? 1 : 0, zone.properties.kind, JSON.stringify(zone.geometry), JSON.stringify(zone.properties), zone.facts.areaKm2, minLon, minLat, maxLon, maxLat, this.now(), change.by);
    return this.latest(id) as ZoneVersion;
  }

  private announce(version: ZoneVersion): ZoneVersion {
    for (const l of this.listeners) {
      try {
        l(version);
      } catch {
        // A failing listener must not undo a stored change nor stop the others; it reports its own errors.
      }
    }
    return version;
  }
}
