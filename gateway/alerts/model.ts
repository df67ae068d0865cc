import type { BuoyObservation, DeviceHealth, VesselFix } from '../../core/records.js';

/**
 * Alerts (DESIGN §6): what the rules engine raises and regulators triage. One alert is one incident:
 * repeated detections of the same condition (same dedupe key) merge into it instead of repeating.
 * Times are ms since the epoch (UTC) in memory and ISO 8601 in JSON.
 */

export const ALERT_TYPES = [
  'zone_enter',
  'zone_exit',
  'ban_at_sea',
  'dark',
  'port_arrival',
  'port_departure',
  'loitering',
  'encounter',
  'identity_clash',
  'position_jump',
  'buoy_threshold',
  'device_offline',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** Triage order: open → acknowledged → closed; an open alert may also be closed directly (a false alarm). */
export const ALERT_STATUSES = ['open', 'acknowledged', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Also the severity a zone gives the alerts raised for it. */
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What triggered an alert: the fixes or observations as stored. */
export type Evidence = VesselFix | BuoyObservation | DeviceHealth;

/** Free-form facts the rule computed (implied speed, gap length, threshold…), numbers in documented units. */
export type AlertDetails = Record<string, string | number | boolean>;

/** What the rules engine reports; see AlertStore.raise. */
export interface AlertRaise {
  type: AlertType;
  severity: Severity;
  /** The same key while the same condition lasts, e.g. `zone_enter:<zone>:<vessel>`. */
  dedupeKey: string;
  vessel?: string;
  /** The other vessel of an encounter or identity clash. */
  otherVessel?: string;
  device?: string;
  zoneId?: number;
  /** The zone version in force at `time`. */
  zoneVersion?: number;
  /** When the condition was observed, ms. */
  time: number;
  evidence: readonly Evidence[];
  details?: AlertDetails;
}

export interface TriageStep {
  /** The token name of who did it. */
  by: string;
  at: number;
  note?: string;
}

export interface Alert {
  id: number;
  type: AlertType;
  severity: Severity;
  status: AlertStatus;
  dedupeKey: string;
  vessel?: string;
  otherVessel?: string;
  device?: string;
  zoneId?: number;
  zoneVersion?: number;
  /** First observation of the condition, ms. */
  startTime: number;
  /** Last observation, or when the condition ended (see `ongoing`), ms. */
  endTime: number;
  /** True while the condition lasts: further detections merge into this alert. */
  ongoing: boolean;
  /** How many detections were merged into this alert. */
  occurrences: number;
  details?: AlertDetails;
  /** All evidence ever attached; the store keeps only the first and last few (EVIDENCE_KEPT). */
  evidenceCount: number;
  acknowledged?: TriageStep;
  closed?: TriageStep;
  createdAt: number;
  updatedAt: number;
}

export interface AlertWithEvidence extends Alert {
  /** The kept evidence in the order it arrived: the first few records, then the last few. */
  evidence: Evidence[];
}

/** What happened to an alert, for live push. Merges are `updated`. */
export type AlertChange = { change: 'raised' | 'updated' | 'resolved' | 'acknowledged' | 'closed'; alert: Alert };
