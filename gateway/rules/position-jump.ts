import type { VesselFix } from '../../core/records.js';
import type { AlertWithEvidence } from '../alerts/model.js';
import { fixesOf, type AlertSink, type ClockRule, type FixRule, type VesselContext } from './rule.js';
import { distanceCeilingMetres, distanceMetres, impliedSpeedKnots, isImpossibleHop, MAX_PLAUSIBLE_SPEED_KN, type HopLimits } from './geo.js';

/**
 * Position jumps (DESIGN §6): consecutive fixes of one identifier implying more than
 * `maxSpeedKn` — a spoofed or bad fix. The same limit as the pipeline's plausibility check, which
 * marks such fixes `suspect: 'position_jump'`; this rule turns them into alerts with the implied
 * speed, distance and time, and ignores hops under `minDistanceM` where GNSS noise over a second or
 * two implies absurd speeds. Fixes are compared per identifier, not per vessel: an AIS and a Beidou
 * position of one vessel that disagree are an identity clash, not a jump.
 *
 * A jumped-to fix does not become the reference (as in the pipeline), unless the next fix agrees
 * with it rather than with the reference: then the reference was the odd one out (or the terminal
 * was moved while off) and tracking resumes from there. Jumps of one identifier less than
 * `incidentGapMs` apart are one incident; it closes at the first good fix after that gap, or on the
 * clock (onTick) when the identifier has not jumped for that long: one not heard again leaves no
 * alert open.
 *
 * A cloned MMSI hops between its two hulls: once identity_clash has raised the clone, those hops are
 * its, so they raise nothing here and the incident they began ends (`explainedBy`).
 *
 * After a restart the rule takes over the ongoing alerts (restore) as they stood at their last
 * refresh: the reference and the jumped-to fix of its evidence, the jump count of its details. Jumps
 * after that refresh (within `updateEveryMs`) are not in the alert: the gap is measured from it.
 */

const MINUTE = 60_000;

export interface PositionJumpConfig extends HopLimits {
  /** ms: jumps closer together than this are one incident */
  incidentGapMs: number;
  /** ms: an ongoing alert is refreshed (end time, latest evidence) at most this often */
  updateEveryMs: number;
}

export const DEFAULT_POSITION_JUMP_CONFIG: PositionJumpConfig = {
  // DESIGN §6: implied speed > 50 kn.
  maxSpeedKn: MAX_PLAUSIBLE_SPEED_KN,
  // Consumer GNSS is good to ~10 m, a cheap terminal's worst fixes to a few hundred metres.
  minDistanceM: 1000,
  incidentGapMs: 30 * MINUTE,
  updateEveryMs: 5 * MINUTE,
};

interface Incident {
  dedupeKey: string;
  jumps: number;
  lastJumpTime: number;
  /** ms of the last raise */
  raisedAt: number;
}

interface IdentifierTrack {
  reference: VesselFix;
  /** The last fix that jumped away from the reference. */
  candidate?: VesselFix;
  incident?: Incident;
}

export class PositionJumpRule implements FixRule, ClockRule {
  readonly name = 'position_jump';
  private readonly tracks = new Map<string, IdentifierTrack>();

  /**
   * `explained`: whether another rule has explained an identifier's impossible hops (a clone, by
   * identity_clash, which the engine runs first). Its jumps raise nothing, and an incident of its
   * that is going on ends, saying why: a regulator gets one alert for one cloned MMSI, not two.
   */
  constructor(
    private readonly config: PositionJumpConfig = DEFAULT_POSITION_JUMP_CONFIG,
    private readonly explained: (key: string) => boolean = () => false,
  ) {}

  onFix(fix: VesselFix, vessel: VesselContext, alerts: AlertSink): void {
    const track = this.tracks.get(fix.key);
    if (!track) {
      this.tracks.set(fix.key, { reference: fix });
      return;
    }
    const from = track.reference;
    if (fix.time < from.time) return;
    // Most hops are short: the exact distance only when the cheap bound cannot rule out a jump.
    if (distanceCeilingMetres(from.lat, from.lon, fix.lat, fix.lon) < this.config.minDistanceM) return this.moveOn(track, fix, alerts);
    const distanceM = distanceMetres(from.lat, from.lon, fix.lat, fix.lon);
    const speedKn = impliedSpeedKnots(distanceM, fix.time - from.time);
    if (distanceM < this.config.minDistanceM || speedKn <= this.config.maxSpeedKn) return this.moveOn(track, fix, alerts);
    if (track.candidate && !isImpossibleHop(track.candidate, fix, this.config)) {
      track.reference = fix;
      track.candidate = undefined;
      return;
    }
    track.candidate = fix;
    if (this.explained(fix.key)) return this.endExplained(track, alerts);
    this.jump(track, vessel.vessel, from, fix, distanceM, speedKn, alerts);
  }

  /**
   * Takes over an ongoing alert from before a restart (see the rule's comment); false without the
   * two fixes, or when the identifier has one already (a newer alert).
   */
  restore(alert: AlertWithEvidence): boolean {
    const [from, to] = fixesOf(alert).slice(-2);
    if (alert.type !== 'position_jump' || to === undefined || this.tracks.has(to.key)) return false;
    const jumps = alert.details?.jumps;
    const incident = { dedupeKey: alert.dedupeKey, jumps: typeof jumps === 'number' ? jumps : 1, lastJumpTime: alert.endTime, raisedAt: alert.endTime };
    this.tracks.set(to.key, { reference: from, candidate: to, incident });
    return true;
  }

  /** Ends the incidents without a jump for `incidentGapMs`. */
  onTick(now: number, alerts: AlertSink): void {
    for (const track of this.tracks.values()) this.endQuiet(track, now, alerts);
  }

  /** A plausible fix: the new reference; an incident quiet for `incidentGapMs` ends. */
  private moveOn(track: IdentifierTrack, fix: VesselFix, alerts: AlertSink): void {
    track.reference = fix;
    track.candidate = undefined;
    this.endQuiet(track, fix.time, alerts);
  }

  private endQuiet(track: IdentifierTrack, now: number, alerts: AlertSink): void {
    if (track.incident && now - track.incident.lastJumpTime > this.config.incidentGapMs) {
      alerts.resolve(track.incident.dedupeKey, track.incident.lastJumpTime, { jumps: track.incident.jumps });
      track.incident = undefined;
    }
  }

  /** Ends the incident going on, at its last jump: the identity clash raised since explains it. */
  private endExplained(track: IdentifierTrack, alerts: AlertSink): void {
    if (!track.incident) return;
    alerts.resolve(track.incident.dedupeKey, track.incident.lastJumpTime, { jumps: track.incident.jumps, explainedBy: 'identity_clash' });
    track.incident = undefined;
  }

  private jump(track: IdentifierTrack, vessel: string, from: VesselFix, to: VesselFix, distanceM: number, speedKn: number, alerts: AlertSink): void {
    let incident = track.incident;
    if (!incident) {
      incident = { dedupeKey: `position_jump:${to.key}:${to.time}`, jumps: 0, lastJumpTime: to.time, raisedAt: -Infinity };
      track.incident = incident;
    }
    incident.jumps++;
    incident.lastJumpTime = to.time;
    if (to.time - incident.raisedAt < this.config.updateEveryMs) return;
    incident.raisedAt = to.time;
    alerts.raise({
      type: 'position_jump',
      severity: 'warning',
      dedupeKey: incident.dedupeKey,
      vessel,
      time: to.time,
      evidence: [from, to],
      details: {
        identifier: to.key,
        // Two places at one instant imply an infinite speed, which JSON cannot carry as a number.
        impliedSpeedKn: Number.isFinite(speedKn) ? Math.round(speedKn * 10) / 10 : 'infinite',
        distanceM: Math.round(distanceM),
        dtS: (to.time - from.time) / 1000,
        maxSpeedKn: this.config.maxSpeedKn,
        jumps: incident.jumps,
      },
    });
  }
}
