import type { BuoyObservation } from '../../core/records.js';
import { QC } from '../decoders/protobuf/variables.js';
import type { AlertWithEvidence, Severity } from '../alerts/model.js';
import type { AlertSink, ObservationRule } from './rule.js';
import { seconds } from './geo.js';

/**
 * Buoy thresholds (DESIGN §6): a variable beyond a limit for at least `holdMs` raises an alert; it
 * clears only once the value is back past `clearAt` (hysteresis), so a reading hovering at the
 * limit does not flap. Observations flagged QARTOD 4 (fail) or 9 (missing) are ignored; suspect
 * ones (3) count. Each series (buoy, variable, depth) is judged on its own. A threshold naming
 * `deviceIds` applies to those buoys instead of the general one for the variable. Variable names
 * and units are those the protobuf decoder emits (gateway/decoders/protobuf/variables.ts); an
 * observation in another unit than the threshold's is not compared.
 *
 * After a restart the rule takes over the ongoing alerts (restore): the series stays beyond its
 * limit since the alert's start, with the alert's most extreme value, and clears past `clearAt` as
 * usual. An alert whose variable no longer has a threshold (or one in another unit) is not taken
 * over: nothing would clear it.
 */

const MINUTE = 60_000;

export interface BuoyThreshold {
  /** Variable name as decoded (the CF standard name). */
  variable: string;
  /** Unit the limits are in (UDUNITS, as decoded). */
  unit: string;
  /** `below`: alert when value < limit (hypoxia); `above`: when value > limit (waves). */
  direction: 'below' | 'above';
  /** in `unit` */
  limit: number;
  /** in `unit`: the value must be back past this to clear */
  clearAt: number;
  /** ms the condition must hold before the alert */
  holdMs: number;
  severity: Severity;
  /** Only these buoys (deviceId); absent: every buoy without a threshold of its own for the variable. */
  deviceIds?: readonly string[];
}

export interface BuoyThresholdConfig {
  thresholds: readonly BuoyThreshold[];
  /** ms: an ongoing alert is refreshed (end time, latest evidence) at most this often */
  updateEveryMs: number;
}

export const DEFAULT_BUOY_THRESHOLD_CONFIG: BuoyThresholdConfig = {
  thresholds: [
    // DESIGN §6: dissolved oxygen below 3 mg/L — hypoxia; GB 3097-1997 sea-water class IV requires > 3 mg/L.
    { variable: 'mass_concentration_of_oxygen_in_sea_water', unit: 'mg L-1', direction: 'below', limit: 3, clearAt: 3.5, holdMs: 10 * MINUTE, severity: 'warning' },
    // DESIGN §6: significant wave height above 4 m — sea state 6 ("very rough", 4–6 m), small fishing boats return.
    { variable: 'sea_surface_wave_significant_height', unit: 'm', direction: 'above', limit: 4, clearAt: 3.5, holdMs: 10 * MINUTE, severity: 'warning' },
  ],
  updateEveryMs: 15 * MINUTE,
};

/** Breaching observations kept for the first raise: the first few of the hold. */
const EVIDENCE_AT_RAISE = 3;

interface Series {
  threshold: BuoyThreshold;
  /** The breaching observations since the condition began (at most EVIDENCE_AT_RAISE), then cleared. */
  pending: BuoyObservation[];
  /** ms: first breaching observation of the current episode */
  since?: number;
  /** most extreme value of the episode, in the threshold's unit */
  extreme: number;
  dedupeKey?: string;
  /** ms of the last raise */
  raisedAt: number;
}

/** Each series — buoy, variable, depth — is judged on its own. */
function seriesKey(o: BuoyObservation): string {
  return `${o.deviceId}|${o.variable}|${o.depth}`;
}

export class BuoyThresholdRule implements ObservationRule {
  readonly name = 'buoy_threshold';
  /** Key: `deviceId|variable|depth`; null where no threshold applies. */
  private readonly series = new Map<string, Series | null>();

  constructor(private readonly config: BuoyThresholdConfig = DEFAULT_BUOY_THRESHOLD_CONFIG) {}

  onObservation(o: BuoyObservation, alerts: AlertSink): void {
    if (o.qc === QC.FAIL || o.qc === QC.MISSING) return;
    const key = seriesKey(o);
    let s = this.series.get(key);
    if (s === undefined) {
      const threshold = this.thresholdFor(o.deviceId, o.variable);
      s = threshold ? { threshold, pending: [], extreme: NaN, raisedAt: -Infinity } : null;
      this.series.set(key, s);
    }
    if (s === null || o.unit !== s.threshold.unit) return;
    const t = s.threshold;
    const below = t.direction === 'below';
    const breaching = below ? o.value < t.limit : o.value > t.limit;
    const cleared = below ? o.value >= t.clearAt : o.value <= t.clearAt;

    if (breaching) {
      if (s.since === undefined) {
        s.since = o.time;
        s.extreme = o.value;
      }
      s.extreme = below ? Math.min(s.extreme, o.value) : Math.max(s.extreme, o.value);
      if (s.pending.length < EVIDENCE_AT_RAISE) s.pending.push(o);
      if (o.time - s.since >= t.holdMs && o.time - s.raisedAt >= this.config.updateEveryMs) this.raise(s, o, alerts);
    } else if (s.dedupeKey ? cleared : true) {
      // Not yet raised: any reading within the limit breaks the hold. Raised: only one past `clearAt` clears it.
      if (s.dedupeKey) alerts.resolve(s.dedupeKey, o.time, { clearedValue: o.value, extremeValue: s.extreme });
      s.since = undefined;
      s.pending.length = 0;
      s.dedupeKey = undefined;
      s.raisedAt = -Infinity;
    }
  }

  /**
   * Takes over an ongoing alert from before a restart (see the rule's comment); false when no
   * threshold of its unit applies, or the series has one already (a newer alert).
   */
  restore(alert: AlertWithEvidence): boolean {
    const last = alert.evidence[alert.evidence.length - 1];
    if (alert.type !== 'buoy_threshold' || last?.kind !== 'buoy-observation' || this.series.has(seriesKey(last))) return false;
    const threshold = this.thresholdFor(last.deviceId, last.variable);
    if (threshold?.unit !== last.unit) return false;
    const extreme = alert.details?.extremeValue;
    this.series.set(seriesKey(last), { threshold, pending: [], since: alert.startTime, extreme: typeof extreme === 'number' ? extreme : last.value, dedupeKey: alert.dedupeKey, raisedAt: last.time });
    return true;
  }

  private raise(s: Series, o: BuoyObservation, alerts: AlertSink): void {
    const t = s.threshold;
    const first = s.dedupeKey === undefined;
    s.dedupeKey ??= `buoy_threshold:${o.deviceId}:${o.variable}:${o.depth}:${s.since}`;
    s.raisedAt = o.time;
    alerts.raise({
      type: 'buoy_threshold',
      severity: t.severity,
      dedupeKey: s.dedupeKey,
      device: o.deviceId,
      time: first ? s.since! : o.time,
      evidence: !first ? [o] : s.pending.includes(o) ? [...s.pending] : [...s.pending, o],
      details: {
        variable: o.variable,
        unit: t.unit,
        direction: t.direction,
        limit: t.limit,
        value: o.value,
        extremeValue: s.extreme,
        depthM: o.depth,
        heldS: seconds(o.time - s.since!),
      },
    });
    s.pending.length = 0;
  }

  private thresholdFor(deviceId: string, variable: string): BuoyThreshold | undefined {
    let general: BuoyThreshold | undefined;
    for (const t of this.config.thresholds) {
      if (t.variable !== variable) continue;
      if (t.deviceIds?.includes(deviceId)) return t;
      if (!t.deviceIds) general ??= t;
    }
    return general;
  }
}
