import type { BuoyObservation, VesselFix } from '../../core/records.js';
import type { AlertChange } from '../../gateway/alerts/model.js';
import type { SeriesRecord } from '../../gateway/store/types.js';
import type { Subscription } from './protocol.js';

/** Counters kept across all connections of one live endpoint. */
export interface LiveCounters {
  /** Pending positions and observations replaced by a newer one before they were sent. */
  coalesced: number;
  /** Alerts dropped because a connection had too many unsent. */
  droppedAlerts: number;
}

/** Everything one connection is due, taken at once. */
export interface LiveBatch {
  positions: VesselFix[];
  observations: BuoyObservation[];
  alerts: AlertChange[];
  /** Alerts dropped since the last batch. */
  droppedAlerts: number;
}

/**
 * What one connection asked for and has not been sent yet. Positions keep only the latest fix per
 * vessel and observations the latest value per series, so a client that reads slowly gets fresh
 * values late instead of an ever longer backlog: memory is bounded by the fleet, not by time.
 * Alerts each matter, so they queue, but only up to a bound; the oldest are dropped and counted.
 */
export class LiveSubscriber {
  private subscription: Subscription = {};
  private buoys: ReadonlySet<string> | undefined;
  private readonly positions = new Map<string, VesselFix>();
  private readonly observations = new Map<string, BuoyObservation>();
  private alerts: AlertChange[] = [];
  private droppedAlerts = 0;

  constructor(
    private readonly maxPendingAlerts: number,
    private readonly counters: LiveCounters,
  ) {}

  /** Replaces the subscription; what was gathered under the old one is dropped, as it may not match. */
  subscribe(subscription: Subscription): void {
    this.subscription = subscription;
    this.buoys = subscription.observations?.buoys ? new Set(subscription.observations.buoys) : undefined;
    this.positions.clear();
    this.observations.clear();
    if (!subscription.alerts) {
      this.alerts = [];
      this.droppedAlerts = 0;
    }
  }

  offerRecords(records: readonly SeriesRecord[]): void {
    const { positions, observations } = this.subscription;
    for (const r of records) {
      if (r.kind === 'vessel-fix') {
        if (positions && (!positions.bbox || inside(r, positions.bbox))) this.keepLatest(this.positions, r.vessel ?? r.key, r);
      } else if (r.kind === 'buoy-observation') {
        if (observations && (!this.buoys || this.buoys.has(r.deviceId))) this.keepLatest(this.observations, seriesKey(r), r);
      }
    }
  }

  offerAlert(change: AlertChange): void {
    if (!this.subscription.alerts) return;
    this.alerts.push(change);
    if (this.alerts.length > this.maxPendingAlerts) {
      this.alerts.shift();
      this.droppedAlerts++;
      this.counters.droppedAlerts++;
    }
  }

  get pending(): { positions: number; observations: number; alerts: number } {
    return { positions: this.positions.size, observations: this.observations.size, alerts: this.alerts.length };
  }

  /** Takes everything pending, or undefined when nothing is. */
  take(): LiveBatch | undefined {
    if (this.positions.size === 0 && this.observations.size === 0 && this.alerts.length === 0 && this.droppedAlerts === 0) return undefined;
    const batch: LiveBatch = { positions: [...this.positions.values()], observations: [...this.observations.values()], alerts: this.alerts, droppedAlerts: this.droppedAlerts };
    this.positions.clear();
    this.observations.clear();
    this.alerts = [];
    this.droppedAlerts = 0;
    return batch;
  }

  /** Keeps whichever of the pending and the new record is later in time (sources can arrive out of order). */
  private keepLatest<T extends { time: number }>(pending: Map<string, T>, key: string, record: T): void {
    const held = pending.get(key);
    if (held) {
      this.counters.coalesced++;
      if (held.time > record.time) return;
    }
    pending.set(key, record);
  }
}

function inside(fix: VesselFix, [minLon, minLat, maxLon, maxLat]: readonly [number, number, number, number]): boolean {
  return fix.lon >= minLon && fix.lon <= maxLon && fix.lat >= minLat && fix.lat <= maxLat;
}

/** One buoy series: a variable measured by one sensor at one depth. */
function seriesKey(o: BuoyObservation): string {
  return `${o.deviceId}\u0000${o.variable}\u0000${o.depth}\u0000${o.sensorIndex}`;
}
