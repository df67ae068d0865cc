import type { VesselFix } from '../../core/records.js';
import { statement, type ConfigDb } from '../configdb/database.js';
import type { ZoneVersion } from '../zones/model.js';
import type { AlertSink, VesselContext } from './rule.js';
import type { PresenceUpdate, ZoneRule } from './zone-presence.js';

/**
 * Port visits (issue 5 §2, DESIGN §6 "entry within a port zone, exit after leaving it"): zones of
 * kind `port` give `port_arrival` and `port_departure` — instant events, raised and resolved at
 * once — and a visit per stay, stored (configuration database, migration 7) and listed per vessel
 * and per port. Entry and exit have ZonePresence's hysteresis, so a vessel manoeuvring at the
 * harbour mouth makes one visit; VesselContext.inPort is "inside a port zone" by the same measure.
 *
 * Dedupe keys name the event — `port_arrival:<zone id>:<vessel>:<ms>` — and visits are keyed by
 * vessel, zone and arrival time: a replay of the same history adds nothing.
 */

export interface PortVisit {
  id: number;
  vessel: string;
  zoneId: number;
  /** The port zone's version in force at arrival. */
  zoneVersion: number;
  /** ms: first fix inside the port zone. */
  arrivalTime: number;
  /** ms: when the vessel left; absent while it is in port. */
  departureTime?: number;
}

export interface PortVisitFilter {
  vessel?: string;
  zoneId?: number;
  /** ms: visits going on at or after this time. */
  from?: number;
  /** ms: visits begun before this time. */
  to?: number;
  limit: number;
  offset?: number;
}

/** Per port zone at one moment: vessels in it, and vessels whose last port was this one and that are now at sea. */
export interface PortHeadcount {
  zoneId: number;
  inPort: number;
  atSea: number;
}

/** Where the ports rule records visits (no I/O in the rule itself: the store is given). */
export interface PortVisitLog {
  arrived(visit: { vessel: string; zoneId: number; zoneVersion: number; arrivalTime: number }): void;
  departed(visit: { vessel: string; zoneId: number; arrivalTime: number; departureTime: number }): void;
}

interface VisitRow {
  id: number;
  vessel: string;
  zone_id: number;
  zone_version: number;
  arrival_time: number;
  departure_time: number | null;
}

function fromRow(r: VisitRow): PortVisit {
  return {
    id: r.id,
    vessel: r.vessel,
    zoneId: r.zone_id,
    zoneVersion: r.zone_version,
    arrivalTime: r.arrival_time,
    ...(r.departure_time !== null ? { departureTime: r.departure_time } : {}),
  };
}

/** The fixed statements, prepared once: arrivals and departures are written on the ingest path. */
function prepare(db: ConfigDb) {
  return {
    arrive: db.prepare('INSERT OR IGNORE INTO port_visit (vessel, zone_id, zone_version, arrival_time) VALUES (@vessel, @zoneId, @zoneVersion, @arrivalTime)'),
    depart: db.prepare('UPDATE port_visit SET departure_time = @departureTime WHERE vessel = @vessel AND zone_id = @zoneId AND arrival_time = @arrivalTime'),
    open: db.prepare('SELECT * FROM port_visit WHERE departure_time IS NULL ORDER BY arrival_time'),
    // Each vessel's latest arrival up to @at (SQLite takes the bare columns from the row max() picked).
    headcount: db.prepare(
      `SELECT zone_id, sum(departure_time IS NULL OR departure_time > @at) AS in_port, sum(departure_time IS NOT NULL AND departure_time <= @at) AS at_sea
         FROM (SELECT vessel, zone_id, departure_time, max(arrival_time) FROM port_visit WHERE arrival_time <= @at GROUP BY vessel)
        GROUP BY zone_id ORDER BY zone_id`,
    ),
  };
}

export class PortVisitStore implements PortVisitLog {
  private readonly sql: ReturnType<typeof prepare>;

  constructor(private readonly db: ConfigDb) {
    this.sql = prepare(db);
  }

  arrived(visit: { vessel: string; zoneId: number; zoneVersion: number; arrivalTime: number }): void {
    this.sql.arrive.run(visit);
  }

  departed(visit: { vessel: string; zoneId: number; arrivalTime: number; departureTime: number }): void {
    this.sql.depart.run(visit);
  }

  /** Visits still going on (the engine restores in-port state from them at start). */
  open(): PortVisit[] {
    return (this.sql.open.all() as VisitRow[]).map(fromRow);
  }

  /** Newest arrival first. */
  list(f: PortVisitFilter): PortVisit[] {
    const rows = statement(
      this.db,
      `SELECT * FROM port_visit
          WHERE (@vessel IS NULL OR vessel = @vessel) AND (@zoneId IS NULL OR zone_id = @zoneId)
            AND (@from IS NULL OR departure_time IS NULL OR departure_time >= @from) AND (@to IS NULL OR arrival_time < @to)
          ORDER BY arrival_time DESC, id DESC LIMIT @limit OFFSET @offset`,
    ).all({ vessel: f.vessel ?? null, zoneId: f.zoneId ?? null, from: f.from ?? null, to: f.to ?? null, limit: f.limit, offset: f.offset ?? 0 }) as VisitRow[];
    return rows.map(fromRow);
  }

  /**
   * At `at` (ms), per port zone: vessels in it, and vessels that left it and have not arrived in
   * any port since (at sea, counted at the port they sailed from). Ports with neither are absent.
   */
  headcount(at: number): PortHeadcount[] {
    return (this.sql.headcount.all({ at }) as { zone_id: number; in_port: number; at_sea: number }[]).map((r) => ({ zoneId: r.zone_id, inPort: r.in_port, atSea: r.at_sea }));
  }
}

export class PortRule implements ZoneRule {
  readonly name = 'ports';

  constructor(private readonly visits: PortVisitLog) {}

  onPresence(fix: VesselFix, vessel: VesselContext, update: PresenceUpdate, alerts: AlertSink): void {
    for (const presence of update.entered) {
      const { properties, zoneId, version } = presence.version;
      if (properties.kind !== 'port') continue;
      this.visits.arrived({ vessel: vessel.vessel, zoneId, zoneVersion: version, arrivalTime: presence.since });
      this.event(alerts, 'port_arrival', fix, vessel, presence.version, presence.since, { port: properties.name });
    }
    for (const exit of update.exited) {
      const { properties, zoneId } = exit.presence.version;
      if (properties.kind !== 'port') continue;
      this.visits.departed({ vessel: vessel.vessel, zoneId, arrivalTime: exit.presence.since, departureTime: exit.time });
      // A port zone taken out of force ends the visit, but the vessel did not sail.
      if (exit.reason !== 'left') continue;
      this.event(alerts, 'port_departure', fix, vessel, exit.presence.version, exit.time, {
        port: properties.name,
        arrivalTime: new Date(exit.presence.since).toISOString(),
        visitDurationS: Math.round((exit.time - exit.presence.since) / 1000),
      });
    }
  }

  /** An instant event: raised and ended at the same time. */
  private event(
    alerts: AlertSink,
    type: 'port_arrival' | 'port_departure',
    fix: VesselFix,
    vessel: VesselContext,
    zone: ZoneVersion,
    time: number,
    details: Record<string, string | number>,
  ): void {
    const dedupeKey = `${type}:${zone.zoneId}:${vessel.vessel}:${time}`;
    alerts.raise({ type, severity: zone.properties.severity, dedupeKey, vessel: vessel.vessel, zoneId: zone.zoneId, zoneVersion: zone.version, time, evidence: [fix], details });
    alerts.resolve(dedupeKey, time);
  }
}
