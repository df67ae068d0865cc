import type { VesselFix } from '../../core/records.js';
import type { Alert } from '../alerts/model.js';
import { coversVessel, isInForceAt } from '../zones/model.js';
import type { AlertSink, VesselContext } from './rule.js';
import type { Presence, PresenceUpdate, ZoneRule } from './zone-presence.js';

/**
 * Geofences (issue 5 §2): `zone_enter` while a vessel is inside a zone that applies to it, and
 * `zone_exit` when it leaves. Ports have their own rule (ports.ts).
 *
 * A zone applies while it is in force (its time windows, isInForceAt) and covers the vessel (its
 * vessel filter, coversVessel). The enter alert is raised at the first fix inside an applying zone:
 * on entry, or — "inside during an active window" — at the first fix after the window opened while
 * the vessel was already inside (`details.trigger` says which). It stays ongoing while the vessel is
 * inside and ends when the vessel leaves (then a `zone_exit` is raised, an instant event) or when
 * the zone stops applying (the window closed). Entry and exit come with the hysteresis of
 * ZonePresence, so a vessel running along the line raises one alert.
 *
 * Dedupe keys name the incident, `zone:<zone id>:<vessel>:<ms of the first fix>` and
 * `zone_exit:<zone id>:<vessel>:<ms of leaving>`: the same history gives the same keys, so
 * `tidewatch rules replay` recognises incidents already raised. Alerts cite the zone version in
 * force at the first fix, and take their severity from it.
 */
export class GeofenceRule implements ZoneRule {
  readonly name = 'geofence';
  /** `<zone id>:<vessel>` → dedupe key of the ongoing enter alert. */
  private readonly open = new Map<string, string>();

  onPresence(fix: VesselFix, vessel: VesselContext, update: PresenceUpdate, alerts: AlertSink): void {
    for (const presence of update.inside) {
      if (presence.version.properties.kind === 'port') continue;
      const slot = `${presence.zoneId}:${vessel.vessel}`;
      const key = this.open.get(slot);
      const applies = isInForceAt(presence.version.properties, fix.time) && coversVessel(presence.version.properties.vesselFilter, vessel.traits);
      if (applies && key === undefined) {
        this.open.set(slot, this.raiseEnter(fix, vessel, presence, alerts));
      } else if (!applies && key !== undefined) {
        alerts.resolve(key, fix.time, { ended: isInForceAt(presence.version.properties, fix.time) ? 'vessel_not_covered' : 'window_closed' });
        this.open.delete(slot);
      }
    }
    for (const exit of update.exited) {
      const slot = `${exit.presence.zoneId}:${vessel.vessel}`;
      const key = this.open.get(slot);
      if (key === undefined) continue;
      this.open.delete(slot);
      const ended = exit.reason === 'left' ? 'exited' : 'zone_withdrawn';
      alerts.resolve(key, exit.time, { ended, exitDistanceM: exit.distanceM });
      if (exit.reason !== 'left') continue;
      const { properties, zoneId, version } = exit.presence.version;
      const exitKey = `zone_exit:${zoneId}:${vessel.vessel}:${exit.time}`;
      alerts.raise({
        type: 'zone_exit',
        severity: properties.severity,
        dedupeKey: exitKey,
        vessel: vessel.vessel,
        zoneId,
        zoneVersion: version,
        time: exit.time,
        evidence: [fix],
        details: { zoneName: properties.name, zoneKind: properties.kind, insideSince: new Date(exit.presence.since).toISOString(), exitDistanceM: exit.distanceM },
      });
      alerts.resolve(exitKey, exit.time);
    }
  }

  /** Takes over an ongoing enter alert from before a restart; false when the vessel has one in that zone already (a newer alert). */
  restore(alert: Alert): boolean {
    if (alert.type !== 'zone_enter' || alert.vessel === undefined || alert.zoneId === undefined) return false;
    const slot = `${alert.zoneId}:${alert.vessel}`;
    if (this.open.has(slot)) return false;
    this.open.set(slot, alert.dedupeKey);
    return true;
  }

  private raiseEnter(fix: VesselFix, vessel: VesselContext, presence: Presence, alerts: AlertSink): string {
    const { properties, zoneId, version } = presence.version;
    const dedupeKey = `zone:${zoneId}:${vessel.vessel}:${fix.time}`;
    alerts.raise({
      type: 'zone_enter',
      severity: properties.severity,
      dedupeKey,
      vessel: vessel.vessel,
      zoneId,
      zoneVersion: version,
      time: fix.time,
      evidence: [fix],
      details: {
        zoneName: properties.name,
        zoneKind: properties.kind,
        // Entered now, or was inside already when the zone began to apply (its window opened).
        trigger: presence.since === fix.time ? 'entered' : 'already_inside',
        ...(properties.legalBasis !== undefined ? { legalBasis: properties.legalBasis } : {}),
      },
    });
    return dedupeKey;
  }
}
