import type { VesselFix } from '../../core/records.js';
import type { Alert } from '../alerts/model.js';
import { normaliseGear, type BanCalendar } from './ban-calendar.js';
import type { AlertSink, FixRule, VesselContext } from './rule.js';

/**
 * `ban_at_sea` (issue 5 §2): a fishing vessel at sea — not in a port zone (VesselContext.inPort) —
 * where and when the ban calendar bans its gear, without a permit. One alert per trip: it opens at
 * the first such fix, absorbs later ones (at most one merge per `mergeEveryMs`, so a vessel at sea
 * for days does not write an alert update per fix) and ends when the vessel is back in port, the
 * ban is over, or it left the ban's area.
 *
 * A fishing vessel is one the registry gives a gear type, or whose AIS static data says fishing
 * (ship type 30); one of unknown gear is held to the general (`*`) periods.
 *
 * Dedupe key `ban_at_sea:<vessel>:<ms of the first fix at sea in the ban>`: the same history gives
 * the same key, so a replay adds nothing.
 */

export interface BanAtSeaConfig {
  /** ms: an ongoing alert absorbs a detection at most this often. */
  mergeEveryMs: number;
}

export const DEFAULT_BAN_AT_SEA_CONFIG: BanAtSeaConfig = { mergeEveryMs: 30 * 60_000 };

/** AIS ship and cargo type "fishing" (ITU-R M.1371 Table 53). */
const AIS_FISHING = 30;

interface OpenTrip {
  dedupeKey: string;
  mergedAt: number;
}

export class BanAtSeaRule implements FixRule {
  readonly name = 'ban_at_sea';
  private readonly open = new Map<string, OpenTrip>();

  constructor(
    private readonly calendar: BanCalendar,
    private readonly config: BanAtSeaConfig = DEFAULT_BAN_AT_SEA_CONFIG,
  ) {}

  onFix(fix: VesselFix, vessel: VesselContext, alerts: AlertSink): void {
    // A doubtful position (flagged by the pipeline) proves nothing about where the vessel is.
    if (fix.suspect) return;
    const trip = this.open.get(vessel.vessel);
    const gear = normaliseGear(vessel.traits.gearType);
    const fishing = gear !== undefined || vessel.traits.shipType === AIS_FISHING;
    const season = fishing && !vessel.inPort ? this.calendar.banAt(fix.lon, fix.lat, fix.time, gear) : undefined;
    const permit = season && this.calendar.permitFor([vessel.vessel, ...(vessel.traits.keys ?? [])], fix.time);
    if (!season || permit) {
      if (trip) {
        alerts.resolve(trip.dedupeKey, fix.time, { ended: vessel.inPort ? 'in_port' : permit ? 'permit' : 'ban_over_or_left_area' });
        this.open.delete(vessel.vessel);
      }
      return;
    }
    if (trip && fix.time - trip.mergedAt < this.config.mergeEveryMs) return;
    const dedupeKey = trip?.dedupeKey ?? `ban_at_sea:${vessel.vessel}:${fix.time}`;
    alerts.raise({
      type: 'ban_at_sea',
      severity: 'critical',
      dedupeKey,
      vessel: vessel.vessel,
      time: fix.time,
      evidence: [fix],
      details: {
        area: season.areaName,
        gear: gear ?? 'unknown',
        banStart: new Date(season.start).toISOString(),
        banEnd: new Date(season.end).toISOString(),
        ...(season.legalBasis !== undefined ? { legalBasis: season.legalBasis } : {}),
      },
    });
    this.open.set(vessel.vessel, { dedupeKey, mergedAt: fix.time });
  }

  /** Takes over an ongoing alert from before a restart; false when the vessel has one already (a newer alert). */
  restore(alert: Alert): boolean {
    if (alert.type !== 'ban_at_sea' || alert.vessel === undefined || this.open.has(alert.vessel)) return false;
    this.open.set(alert.vessel, { dedupeKey: alert.dedupeKey, mergedAt: alert.endTime });
    return true;
  }
}
