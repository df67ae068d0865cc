import type { VesselFix } from '../../core/records.js';
import type { AlertDetails, AlertWithEvidence } from '../alerts/model.js';
import { fixesOf, type AlertSink, type ClockRule, type FixRule, type VesselContext } from './rule.js';
import { distanceMetres, isImpossibleHop, MAX_PLAUSIBLE_SPEED_KN, METRES_PER_NM, MS_PER_HOUR, seconds, type HopLimits } from './geo.js';

/**
 * Identity clashes (DESIGN §6; research anchor "Beidou ↔ AIS dual-channel identity", 套牌):
 *
 * - clone: one MMSI heard from two places at once. Its fixes fall into two tracks, each plausible
 *   on its own, with impossible hops between them. One bad fix makes two hops to a place visited
 *   once; a clone makes at least `minHops` hops within `windowMs` between two places each heard more
 *   than once. Each track is followed by its latest fix; a track silent for `windowMs` is dropped.
 * - divergence: the AIS (`mmsi:`) and Beidou (`bds:`, `dev:`) identifiers of one registered vessel
 *   report positions, at most `maxDtMs` apart, farther apart than `maxDistanceM` plus the distance
 *   the vessel could cover at its reported speed in between — `confirmations` times in a row, so
 *   one bad fix (a position jump) is not mistaken for a second hull.
 *
 * One alert per incident: per MMSI for clones, per vessel for divergence; it closes after
 * `windowMs` without a hop, or when the two channels agree again — or, for a divergence, after
 * `windowMs` without a disagreeing comparison (a channel fallen silent). The clock (onTick) closes
 * them too, so an incident whose identifiers are not heard again is not left open.
 *
 * After a restart the rule takes over the ongoing alerts (restore) from their last refresh, whose
 * evidence is the two places (clone: home and away tracks) or the two channels' fixes (divergence).
 * A clone's hops before it are not in the alert: they count as one, at the refresh, so the incident
 * closes `windowMs` after it unless the MMSI hops again, and is refreshed once `minHops` hops are in
 * the window again. A divergence goes on as confirmed.
 */

const MINUTE = 60_000;

export interface IdentityClashConfig extends HopLimits {
  /** impossible hops within `windowMs` that make a clone */
  minHops: number;
  /** ms */
  windowMs: number;
  /** ms: AIS and Beidou fixes farther apart in time are not compared */
  maxDtMs: number;
  /** metres: AIS–Beidou disagreement tolerated on top of the reported speed × time between the fixes */
  maxDistanceM: number;
  /** disagreeing comparisons in a row before the alert */
  confirmations: number;
  /** ms: an ongoing alert is refreshed (end time, latest evidence) at most this often */
  updateEveryMs: number;
}

export const DEFAULT_IDENTITY_CLASH_CONFIG: IdentityClashConfig = {
  // The position-jump limits: a hop the vessel cannot make.
  maxSpeedKn: MAX_PLAUSIBLE_SPEED_KN,
  minDistanceM: 1000,
  // Three hops in 30 min: a clone alternating even every 10 min shows it; a lone bad fix makes two.
  minHops: 3,
  windowMs: 30 * MINUTE,
  // Beidou RDSS reports every few minutes: compare with the AIS fix nearest in time within 5 min.
  maxDtMs: 5 * MINUTE,
  // Several km of disagreement is a second hull or a terminal taken off the vessel, not GNSS error.
  maxDistanceM: 5000,
  confirmations: 2,
  updateEveryMs: 5 * MINUTE,
};

interface Incident {
  dedupeKey: string;
  /** ms of the last raise */
  raisedAt: number;
}

/** An MMSI's two tracks. */
interface CloneWatch {
  home: VesselFix;
  away?: VesselFix;
  /** fixes in the away track */
  awayFixes: number;
  onAway: boolean;
  /** ms of the hops within the window, oldest first */
  hops: number[];
  /** ms of the latest hop, kept after the window empties */
  lastHopTime: number;
  incident?: Incident;
}

/** The latest fix of each channel of a registered vessel. */
interface ChannelPair {
  ais?: VesselFix;
  beidou?: VesselFix;
  /** Disagreements in a row, each between two fixes not compared before (AIS often meets one Beidou fix many times). */
  disagreements: number;
  lastDisagreement?: [ais: VesselFix, beidou: VesselFix];
  incident?: Incident;
}

export class IdentityClashRule implements FixRule, ClockRule {
  readonly name = 'identity_clash';
  private readonly clones = new Map<string, CloneWatch>();
  private readonly channels = new Map<string, ChannelPair>();

  constructor(private readonly config: IdentityClashConfig = DEFAULT_IDENTITY_CLASH_CONFIG) {}

  onFix(fix: VesselFix, vessel: VesselContext, alerts: AlertSink): void {
    const ais = fix.key.startsWith('mmsi:');
    if (ais) this.watchClone(fix, vessel.vessel, alerts);
    // An unregistered vessel has one identifier: nothing to compare.
    if (vessel.vessel !== fix.key && !fix.suspect) this.compareChannels(fix, ais, vessel.vessel, alerts);
  }

  /**
   * Takes over an ongoing alert from before a restart (see the rule's comment); false when it has not
   * the two fixes, or the MMSI or vessel has one already (a newer alert).
   */
  restore(alert: AlertWithEvidence): boolean {
    const [first, second] = fixesOf(alert).slice(-2);
    if (alert.type !== 'identity_clash' || alert.vessel === undefined || second === undefined) return false;
    const incident = { dedupeKey: alert.dedupeKey, raisedAt: alert.endTime };
    if (alert.details?.clash === 'clone' && !this.clones.has(first.key)) {
      // Raised on a hop: the newer of the two fixes is where the MMSI was last heard; the away track had two fixes at least.
      this.clones.set(first.key, { home: first, away: second, awayFixes: 2, onAway: second.time > first.time, hops: [alert.endTime], lastHopTime: alert.endTime, incident });
    } else if (alert.details?.clash === 'divergence' && !this.channels.has(alert.vessel)) {
      this.channels.set(alert.vessel, { ais: first, beidou: second, disagreements: this.config.confirmations, lastDisagreement: [first, second], incident });
    } else {
      return false;
    }
    return true;
  }

  /** Whether this MMSI is an ongoing clone: its impossible hops are the clone's, not position jumps. */
  cloneOngoing(key: string): boolean {
    return this.clones.get(key)?.incident !== undefined;
  }

  /** Closes clones without a hop, and divergences without a disagreement, for `windowMs`. */
  onTick(now: number, alerts: AlertSink): void {
    const { windowMs } = this.config;
    for (const w of this.clones.values()) {
      if (w.incident && now - w.lastHopTime > windowMs) {
        alerts.resolve(w.incident.dedupeKey, w.lastHopTime);
        w.incident = undefined;
        w.hops.length = 0;
      }
    }
    for (const pair of this.channels.values()) {
      const last = pair.lastDisagreement && Math.max(pair.lastDisagreement[0].time, pair.lastDisagreement[1].time);
      if (pair.incident && last !== undefined && now - last > windowMs) this.endDivergence(pair, last, alerts);
    }
  }

  /** Closes a divergence at `time`; a disagreement after it is counted afresh. */
  private endDivergence(pair: ChannelPair, time: number, alerts: AlertSink, details?: AlertDetails): void {
    if (!pair.incident) return;
    alerts.resolve(pair.incident.dedupeKey, time, details);
    pair.incident = undefined;
    pair.disagreements = 0;
  }

  private watchClone(fix: VesselFix, vessel: string, alerts: AlertSink): void {
    const w = this.clones.get(fix.key);
    if (!w) {
      this.clones.set(fix.key, { home: fix, awayFixes: 0, onAway: false, hops: [], lastHopTime: -Infinity });
      return;
    }
    if (fix.time < Math.max(w.home.time, w.away?.time ?? 0)) return;
    const { windowMs } = this.config;
    if (w.away && fix.time - w.away.time > windowMs) this.dropAway(w);
    if (fix.time - w.home.time > windowMs) {
      w.home = w.away ?? fix;
      this.dropAway(w);
    }
    const hopsBefore = w.hops.length;
    if (!isImpossibleHop(w.home, fix, this.config)) {
      if (w.onAway) w.hops.push(fix.time);
      w.home = fix;
      w.onAway = false;
    } else if (w.away && !isImpossibleHop(w.away, fix, this.config)) {
      if (!w.onAway) w.hops.push(fix.time);
      w.away = fix;
      w.awayFixes++;
      w.onAway = true;
    } else {
      // A third place, or the first away from home: a new away track.
      w.hops.push(fix.time);
      w.away = fix;
      w.awayFixes = 1;
      w.onAway = true;
    }
    const hopped = w.hops.length > hopsBefore;
    if (hopped) w.lastHopTime = fix.time;
    while (w.hops.length > 0 && fix.time - w.hops[0] > windowMs) w.hops.shift();

    if (hopped && w.away && w.awayFixes >= 2 && w.hops.length >= this.config.minHops) {
      w.incident ??= { dedupeKey: `identity_clash:clone:${fix.key}:${w.hops[0]}`, raisedAt: -Infinity };
      if (fix.time - w.incident.raisedAt < this.config.updateEveryMs) return;
      w.incident.raisedAt = fix.time;
      alerts.raise({
        type: 'identity_clash',
        severity: 'critical',
        dedupeKey: w.incident.dedupeKey,
        vessel,
        time: fix.time,
        evidence: [w.home, w.away],
        details: { clash: 'clone', identifier: fix.key, distanceM: Math.round(distanceMetres(w.home.lat, w.home.lon, w.away.lat, w.away.lon)), hops: w.hops.length, windowS: seconds(windowMs) },
      });
    } else if (w.incident && w.hops.length === 0) {
      alerts.resolve(w.incident.dedupeKey, w.lastHopTime);
      w.incident = undefined;
    }
  }

  private dropAway(w: CloneWatch): void {
    w.away = undefined;
    w.awayFixes = 0;
    w.onAway = false;
  }

  private compareChannels(fix: VesselFix, ais: boolean, vessel: string, alerts: AlertSink): void {
    let pair = this.channels.get(vessel);
    if (!pair) this.channels.set(vessel, (pair = { disagreements: 0 }));
    const other = ais ? pair.beidou : pair.ais;
    if (ais) pair.ais = fix;
    else pair.beidou = fix;
    if (!other) return;
    const dtMs = Math.abs(fix.time - other.time);
    if (dtMs > this.config.maxDtMs) return;
    const apartM = distanceMetres(other.lat, other.lon, fix.lat, fix.lon);
    const speedKn = Math.max(fix.sog ?? 0, other.sog ?? 0);
    const allowedM = this.config.maxDistanceM + (speedKn * METRES_PER_NM * dtMs) / MS_PER_HOUR;
    if (apartM <= allowedM) {
      pair.disagreements = 0;
      if (pair.incident) this.endDivergence(pair, fix.time, alerts, { agreedDistanceM: Math.round(apartM) });
      return;
    }
    const [aisFix, beidouFix] = ais ? [fix, other] : [other, fix];
    const counted = pair.lastDisagreement;
    if (counted && (counted[0] === aisFix || counted[1] === beidouFix)) return;
    pair.lastDisagreement = [aisFix, beidouFix];
    if (++pair.disagreements < this.config.confirmations) return;
    pair.incident ??= { dedupeKey: `identity_clash:divergence:${vessel}:${fix.time}`, raisedAt: -Infinity };
    if (fix.time - pair.incident.raisedAt < this.config.updateEveryMs) return;
    pair.incident.raisedAt = fix.time;
    alerts.raise({
      type: 'identity_clash',
      severity: 'warning',
      dedupeKey: pair.incident.dedupeKey,
      vessel,
      time: fix.time,
      evidence: [aisFix, beidouFix],
      details: { clash: 'divergence', aisIdentifier: aisFix.key, beidouIdentifier: beidouFix.key, distanceM: Math.round(apartM), allowedM: Math.round(allowedM), dtS: seconds(dtMs) },
    });
  }
}
