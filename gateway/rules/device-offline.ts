import type { BuoyObservation, DeviceHealth } from '../../core/records.js';
import type { AlertWithEvidence } from '../alerts/model.js';
import type { AlertSink, ClockRule, DeviceHealthRule, ObservationRule } from './rule.js';
import { seconds } from './geo.js';

/**
 * Device offline (DESIGN §6; Traccar `deviceInactive`, MonitorFish beacon malfunctions): no frame
 * — observation or health — from a buoy for longer than its period. The alert starts at the last
 * frame heard and closes when the device reports again, with the silence in the details.
 *
 * After a restart the rule takes over the ongoing alerts (restore): the device stays offline since
 * the alert's evidence, its last frame, and its next frame closes the alert. A device silent since
 * before the restart without an alert yet is not known until it reports.
 */

const MINUTE = 60_000;

export interface DeviceOfflineConfig {
  /** ms of silence that make a device offline */
  offlineAfterMs: number;
  /** ms, per deviceId: overrides `offlineAfterMs` (a buoy that sends hourly, one on a slow satellite link) */
  offlineAfterMsByDevice: Readonly<Record<string, number>>;
}

export const DEFAULT_DEVICE_OFFLINE_CONFIG: DeviceOfflineConfig = {
  // Three missed 10-min batches (the simulated and typical buoy cadence); traccar#4832 warns that
  // minutes-long timeouts only spam.
  offlineAfterMs: 30 * MINUTE,
  offlineAfterMsByDevice: {},
};

interface Device {
  id: string;
  last: BuoyObservation | DeviceHealth;
  /** ms */
  offlineAfterMs: number;
  /** The open alert's key while offline. */
  offlineKey?: string;
}

export class DeviceOfflineRule implements ObservationRule, DeviceHealthRule, ClockRule {
  readonly name = 'device_offline';
  private readonly devices = new Map<string, Device>();

  constructor(private readonly config: DeviceOfflineConfig = DEFAULT_DEVICE_OFFLINE_CONFIG) {}

  onObservation(observation: BuoyObservation, alerts: AlertSink): void {
    this.heard(observation, alerts);
  }

  onDeviceHealth(health: DeviceHealth, alerts: AlertSink): void {
    this.heard(health, alerts);
  }

  /**
   * Takes over an ongoing alert from before a restart (see the rule's comment); false without the
   * last frame, or when the device has one already (a newer alert).
   */
  restore(alert: AlertWithEvidence): boolean {
    const [last] = alert.evidence;
    if (alert.type !== 'device_offline' || alert.device === undefined || last === undefined || last.kind === 'vessel-fix' || this.devices.has(alert.device)) return false;
    this.devices.set(alert.device, { id: alert.device, last, offlineAfterMs: this.offlineAfterMs(alert.device), offlineKey: alert.dedupeKey });
    return true;
  }

  onTick(now: number, alerts: AlertSink): void {
    for (const d of this.devices.values()) {
      if (!d.offlineKey && now - d.last.time > d.offlineAfterMs) this.goOffline(d, alerts);
    }
  }

  private goOffline(d: Device, alerts: AlertSink): void {
    d.offlineKey = `device_offline:${d.id}:${d.last.time}`;
    alerts.raise({
      type: 'device_offline',
      severity: 'warning',
      dedupeKey: d.offlineKey,
      device: d.id,
      time: d.last.time,
      evidence: [d.last],
      details: { offlineAfterS: seconds(d.offlineAfterMs) },
    });
  }

  private heard(record: BuoyObservation | DeviceHealth, alerts: AlertSink): void {
    const d = this.devices.get(record.deviceId);
    if (!d) {
      this.devices.set(record.deviceId, { id: record.deviceId, last: record, offlineAfterMs: this.offlineAfterMs(record.deviceId) });
      return;
    }
    if (record.time < d.last.time) return;
    // A tick may not have come during the silence (a replay): judge it here too.
    if (!d.offlineKey && record.time - d.last.time > d.offlineAfterMs) this.goOffline(d, alerts);
    if (d.offlineKey) {
      alerts.resolve(d.offlineKey, record.time, { silenceS: seconds(record.time - d.last.time) });
      d.offlineKey = undefined;
    }
    d.last = record;
  }

  /** ms of silence that make this device offline. */
  private offlineAfterMs(deviceId: string): number {
    return this.config.offlineAfterMsByDevice[deviceId] ?? this.config.offlineAfterMs;
  }
}
