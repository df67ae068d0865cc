import type { BuoyObservation, DeviceHealth, VesselFix } from '../../core/records.js';
import type { AlertDetails, AlertRaise, AlertWithEvidence } from '../alerts/model.js';
import type { VesselTraits } from '../zones/model.js';

/**
 * The seam between the rules engine and each rule (DESIGN §6). The engine feeds records in event time
 * (the record's own time, not arrival time), one vessel's fixes in time order, and keeps the shared
 * per-vessel facts (who the vessel is, its previous fix, whether it is in port); each rule keeps its
 * own state and reports through an AlertSink. Rules do no I/O: the same rule runs live and in
 * `tidewatch rules replay`.
 */

/** Where rules report. Raising with a dedupe key that is ongoing merges into that alert. */
export interface AlertSink {
  raise(r: AlertRaise): void;
  /** The condition with this key ended at `time` (ms); details are merged into the alert's. */
  resolve(dedupeKey: string, time: number, details?: AlertDetails): void;
}

/** What the engine knows about the vessel of a fix when a rule sees it. */
export interface VesselContext {
  /** Vessel id from the registry, or the identifier key of an unregistered vessel. */
  vessel: string;
  traits: VesselTraits;
  /** Terminal model of the identifier the fix came from (registry), e.g. for its report interval. */
  terminalModel?: string;
  /** Whether this fix puts the vessel inside a port zone (hysteresis applied). */
  inPort: boolean;
  /** The vessel's previous fix evaluated, from any of its identifiers; absent for the first one. */
  previous?: VesselFix;
}

export interface FixRule {
  readonly name: string;
  onFix(fix: VesselFix, vessel: VesselContext, alerts: AlertSink): void;
}

export interface ObservationRule {
  readonly name: string;
  onObservation(observation: BuoyObservation, alerts: AlertSink): void;
}

export interface DeviceHealthRule {
  readonly name: string;
  onDeviceHealth(health: DeviceHealth, alerts: AlertSink): void;
}

/**
 * Rules that fire on silence (dark, device offline). `now` is the engine's clock: the wall clock
 * (or the newest event time, when that is ahead) live; the replayed event time in a replay.
 */
export interface ClockRule {
  readonly name: string;
  onTick(now: number, alerts: AlertSink): void;
}

/**
 * The vessel fixes among an alert's evidence, in the order attached (the store keeps the first and
 * last few): what a rule takes its state back from after a restart.
 */
export function fixesOf(alert: AlertWithEvidence): VesselFix[] {
  return alert.evidence.filter((e): e is VesselFix => e.kind === 'vessel-fix');
}
