import { computeDestinationPoint } from 'geolib';
import { expect } from 'vitest';
import type { BuoyObservation, VesselFix } from '../../core/records.js';
import { ALERT_TYPES, type AlertDetails, type AlertRaise, type AlertWithEvidence } from '../../gateway/alerts/model.js';
import { AlertStore } from '../../gateway/alerts/store.js';
import { openConfigDbFile } from '../../gateway/configdb/database.js';
import type { AlertSink, VesselContext } from '../../gateway/rules/rule.js';

/** Shared by the behaviour-rule unit tests: a recording AlertSink and realistic fixes. */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const METRES_PER_NM = 1852;
/** 2026-06-01T00:00:00Z */
export const T0 = Date.UTC(2026, 5, 1);
/** Off Rizhao, degrees. */
export const SEA = { lat: 35.2, lon: 119.8 };

export interface Resolution {
  dedupeKey: string;
  time: number;
  details?: AlertDetails;
}

/** Records what rules report; `ongoing` mirrors the store's merge-by-dedupe-key. */
export class RecordingSink implements AlertSink {
  readonly raised: AlertRaise[] = [];
  readonly resolved: Resolution[] = [];
  private readonly open = new Set<string>();
  /** Every report in order, for `alertsAtRestart`. */
  private readonly reports: ({ raise: AlertRaise } | { resolve: Resolution })[] = [];

  raise(r: AlertRaise): void {
    this.raised.push(r);
    this.open.add(r.dedupeKey);
    this.reports.push({ raise: r });
  }

  resolve(dedupeKey: string, time: number, details?: AlertDetails): void {
    if (!this.open.delete(dedupeKey)) throw new Error(`resolve of ${dedupeKey}, which is not open`);
    this.resolved.push({ dedupeKey, time, details });
    this.reports.push({ resolve: { dedupeKey, time, details } });
  }

  /**
   * The ongoing alerts with their evidence as a restart of the gateway reads them back: the reports
   * so far made into a real alert store (merged, evidence trimmed), oldest first.
   */
  alertsAtRestart(): AlertWithEvidence[] {
    const db = openConfigDbFile(':memory:');
    try {
      const store = new AlertStore(db);
      for (const report of this.reports) {
        if ('raise' in report) store.raise(report.raise);
        else store.resolve(report.resolve.dedupeKey, report.resolve.time, report.resolve.details);
      }
      return store.ongoing(ALERT_TYPES).flatMap((a) => store.get(a.id) ?? []);
    } finally {
      db.close();
    }
  }

  /** Hands the ongoing alerts to a new `rule`, as the gateway does at start, expecting it to take over each; returns the rule. */
  restartInto<R extends { restore(alert: AlertWithEvidence): boolean }>(rule: R): R {
    for (const alert of this.alertsAtRestart()) expect(rule.restore(alert)).toBe(true);
    return rule;
  }

  /** Distinct incidents raised (dedupe keys), in order. */
  incidents(): string[] {
    return [...new Set(this.raised.map((r) => r.dedupeKey))];
  }

  ongoing(): string[] {
    return [...this.open];
  }
}

export function fix(key: string, time: number, lat: number, lon: number, extra: Partial<VesselFix> = {}): VesselFix {
  const source = key.startsWith('mmsi:') ? 'ais' : key.startsWith('dev:') ? 'bds-rnss' : 'bds-rdss';
  return { kind: 'vessel-fix', source, key, time, lat, lon, ...extra };
}

export function context(vessel: string, extra: Partial<VesselContext> = {}): VesselContext {
  return { vessel, traits: { vessel }, inPort: false, ...extra };
}

/** The point `distanceM` metres from (lat, lon) on bearing `bearingDeg`, degrees. */
export function offset(lat: number, lon: number, distanceM: number, bearingDeg: number): { lat: number; lon: number } {
  const p = computeDestinationPoint({ latitude: lat, longitude: lon }, distanceM, bearingDeg);
  return { lat: p.latitude, lon: p.longitude };
}

/**
 * Fixes of one identifier steaming on a bearing at `sogKn` every `intervalMs` for `durationMs`,
 * starting at (lat, lon) and `start`; `extra` is merged into each fix.
 */
export function track(key: string, o: { start: number; lat: number; lon: number; sogKn: number; bearingDeg: number; intervalMs: number; durationMs: number; extra?: Partial<VesselFix> }): VesselFix[] {
  const out: VesselFix[] = [];
  for (let t = 0; t <= o.durationMs; t += o.intervalMs) {
    const p = offset(o.lat, o.lon, (o.sogKn * METRES_PER_NM * t) / HOUR, o.bearingDeg);
    out.push(fix(key, o.start + t, p.lat, p.lon, { sog: o.sogKn, cog: o.bearingDeg, ...o.extra }));
  }
  return out;
}

export function observation(deviceId: string, time: number, variable: string, value: number, unit: string, extra: Partial<BuoyObservation> = {}): BuoyObservation {
  return { kind: 'buoy-observation', deviceId, time, variable, value, unit, depth: 0, sensorIndex: 0, qc: 1, ...extra };
}
