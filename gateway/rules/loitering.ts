import type { VesselFix } from '../../core/records.js';
import type { AlertWithEvidence } from '../alerts/model.js';
import { fixesOf, type AlertSink, type ClockRule, type FixRule, type VesselContext } from './rule.js';
import { seconds, speedKnots } from './geo.js';

/**
 * Loitering (DESIGN §6, GFW): one vessel slower than `maxSpeedKn` for longer than `minDurationMs`
 * at sea. It ends with hysteresis — `endFixes` fixes in a row faster than `endSpeedKn` — so a
 * vessel hauling its net at 2–3 kn does not open and close an alert per fix; it also ends in port
 * and after a silence longer than `maxFixGapMs` (nothing is known of what the vessel did then).
 * GFW publishes loitering only ≥ 20 nm from shore; with no shore line to measure against, "at sea"
 * here means outside port zones.
 *
 * After a restart the rule takes over the ongoing alerts (restore): the episode runs from the alert's
 * first fix to the fix of its last refresh. Fixes between that refresh and the restart (at most
 * `updateEveryMs` of them) are not in the alert, so the end and the silence are measured from the
 * refresh, and the count of fast fixes toward the end starts again.
 *
 * A vessel that falls silent for longer than `maxFixGapMs` ends its episode on the clock (onTick), at
 * its last fix, as its next fix after such a silence would: an alert is never left open by a vessel
 * that is not heard again.
 */

const MINUTE = 60_000;

export interface LoiteringConfig {
  /** knots: slower than this counts as loitering */
  maxSpeedKn: number;
  /** ms of slow fixes before the alert */
  minDurationMs: number;
  /** knots: faster than this counts toward the end */
  endSpeedKn: number;
  /** consecutive fixes faster than `endSpeedKn` that end it */
  endFixes: number;
  /** ms: a silence longer than this between fixes breaks the episode */
  maxFixGapMs: number;
  /** ms: an ongoing alert is refreshed (end time, latest evidence) at most this often */
  updateEveryMs: number;
}

export const DEFAULT_LOITERING_CONFIG: LoiteringConfig = {
  // DESIGN §6 / GFW loitering: < 2 kn for > 2 h.
  maxSpeedKn: 2,
  minDurationMs: 120 * MINUTE,
  // MarineTraffic's "underway" starts above 3.5 kn; 3 kn for 3 fixes: 30 s of class A AIS, minutes of Beidou.
  endSpeedKn: 3,
  endFixes: 3,
  // Beidou terminals may report as rarely as hourly (DESIGN §6): allow one missed hourly report.
  maxFixGapMs: 90 * MINUTE,
  updateEveryMs: 15 * MINUTE,
};

interface Episode {
  firstFix: VesselFix;
  lastFix: VesselFix;
  fastFixes: number;
  /** ms of the last raise while the alert is open; undefined before it is raised */
  raisedAt?: number;
  dedupeKey: string;
}

export class LoiteringRule implements FixRule, ClockRule {
  readonly name = 'loitering';
  private readonly episodes = new Map<string, Episode>();

  constructor(private readonly config: LoiteringConfig = DEFAULT_LOITERING_CONFIG) {}

  onFix(fix: VesselFix, vessel: VesselContext, alerts: AlertSink): void {
    if (fix.suspect) return;
    const id = vessel.vessel;
    const episode = this.episodes.get(id);
    if (episode && (vessel.inPort || fix.time - episode.lastFix.time > this.config.maxFixGapMs)) {
      this.end(id, episode, episode.lastFix.time, alerts);
      return this.onFix(fix, vessel, alerts);
    }
    if (vessel.inPort) return;
    const sog = speedKnots(fix, vessel.previous);
    if (sog === undefined) return;
    if (!episode) {
      if (sog < this.config.maxSpeedKn) this.episodes.set(id, { firstFix: fix, lastFix: fix, fastFixes: 0, dedupeKey: `loitering:${id}:${fix.time}` });
      return;
    }
    if (sog > this.config.endSpeedKn) {
      // It ends when the speed picked up: at the last fix that was not fast.
      if (++episode.fastFixes >= this.config.endFixes) this.end(id, episode, episode.lastFix.time, alerts);
      return;
    }
    episode.fastFixes = 0;
    episode.lastFix = fix;
    const durationMs = fix.time - episode.firstFix.time;
    if (durationMs < this.config.minDurationMs) return;
    if (episode.raisedAt !== undefined && fix.time - episode.raisedAt < this.config.updateEveryMs) return;
    alerts.raise({
      type: 'loitering',
      severity: 'info',
      dedupeKey: episode.dedupeKey,
      vessel: id,
      time: episode.raisedAt === undefined ? episode.firstFix.time : fix.time,
      evidence: episode.raisedAt === undefined ? [episode.firstFix, fix] : [fix],
      details: { durationS: seconds(durationMs), maxSpeedKn: this.config.maxSpeedKn, lat: fix.lat, lon: fix.lon },
    });
    episode.raisedAt = fix.time;
  }

  /**
   * Takes over an ongoing alert from before a restart (see the rule's comment); false without fixes
   * to go on, or when the vessel has one already (a newer alert).
   */
  restore(alert: AlertWithEvidence): boolean {
    const fixes = fixesOf(alert);
    if (alert.type !== 'loitering' || alert.vessel === undefined || fixes.length === 0 || this.episodes.has(alert.vessel)) return false;
    const lastFix = fixes[fixes.length - 1];
    this.episodes.set(alert.vessel, { firstFix: fixes[0], lastFix, fastFixes: 0, raisedAt: lastFix.time, dedupeKey: alert.dedupeKey });
    return true;
  }

  /** Ends the episodes of vessels silent for longer than `maxFixGapMs`, at their last fix. */
  onTick(now: number, alerts: AlertSink): void {
    for (const [id, episode] of this.episodes) {
      if (now - episode.lastFix.time > this.config.maxFixGapMs) this.end(id, episode, episode.lastFix.time, alerts);
    }
  }

  private end(id: string, episode: Episode, time: number, alerts: AlertSink): void {
    this.episodes.delete(id);
    if (episode.raisedAt !== undefined) alerts.resolve(episode.dedupeKey, time, { durationS: seconds(episode.lastFix.time - episode.firstFix.time) });
  }
}
