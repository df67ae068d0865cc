import { getPreciseDistance } from 'geolib';
import type { VesselFix } from '../../core/records.js';
import type { AlertWithEvidence } from '../alerts/model.js';
import type { AlertSink, ClockRule, FixRule, VesselContext } from './rule.js';
import { seconds } from './geo.js';

/**
 * Going dark (DESIGN §6; research anchor "going dark that knows each terminal's cadence"): a vessel
 * at sea that has not reported for longer than `multiple` × the expected interval of its terminals.
 *
 * Expected interval per identifier (channel) at its last fix:
 * - AIS class A, ITU-R M.1371-5 Annex 1 Table 1: 3 min at anchor or moored (nav status 1 or 5) and
 *   not faster than 3 kn, 10 s at 0–14 kn, 6 s at 14–23 kn, 2 s above 23 kn.
 * - AIS class B "CS", Table 2: 3 min at 2 kn or less, 30 s above.
 *   A fix has no class field; class A is inferred from the navigational status, which only class A
 *   position reports (types 1–3) carry, and is remembered per MMSI (a class A set that sends status
 *   15 "not defined" reads as absent). Until then an MMSI is taken as class B: its intervals are the
 *   longer ones, so the guess can only make the rule slower to call a vessel dark, never noisier.
 * - Beidou: the report interval configured for the terminal model (registry `terminalModel`), else a
 *   default by link: RDSS short messages 3 min, RNSS over 4G and protobuf position batches 1 min.
 *
 * A vessel's expected interval is the largest among its channels still active at its last fix, so a
 * vessel with AIS and Beidou is dark only when all of them are silent; `minGapMs` keeps AIS shore
 * coverage holes from raising alerts. A vessel that falls silent inside a port (VesselContext.inPort
 * at its last fix) raises nothing: it is counted as switched off in port. The alert starts at the
 * last fix and closes when the vessel reappears, with the gap and the distance between the two fixes.
 *
 * After a restart the rule takes over the ongoing dark alerts (restore) and the vessels' last fixes
 * from before it (restoreLastFix), so silence that began before the start is judged as usual.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export interface DarkConfig {
  /** How many expected intervals of silence make a vessel dark. */
  multiple: number;
  /** ms: no vessel is dark before this much silence, whatever its cadence. */
  minGapMs: number;
  /** ms: report interval per Beidou terminal model (registry `terminalModel`). */
  terminalIntervalMs: Readonly<Record<string, number>>;
  /** ms: report interval of a Beidou RDSS terminal whose model is not listed. */
  rdssIntervalMs: number;
  /** ms: report interval of an RNSS (4G) terminal or a protobuf device whose model is not listed. */
  rnssIntervalMs: number;
}

export const DEFAULT_DARK_CONFIG: DarkConfig = {
  // DESIGN §6: "gap longer than 3× the terminal's expected interval".
  multiple: 3,
  // OpenCPN / Signal K "mark lost after N min" (signalk-server#768 asked for ~6 min); 10 min rides
  // over the AIS coverage holes of a single shore station.
  minGapMs: 10 * MINUTE,
  // The bureau's terminal models go here (`serve --simulate` adds the simulated fleet's).
  terminalIntervalMs: {},
  // DESIGN §6 puts Beidou at 1 min – 1 h; until the registry names a listed model, 3 min for RDSS
  // (an assumption: set the bureau's terminal models in terminalIntervalMs).
  rdssIntervalMs: 3 * MINUTE,
  rnssIntervalMs: 1 * MINUTE,
};

/** One identifier of a vessel: when it last reported and how often it should. */
interface Channel {
  lastTime: number;
  /** ms */
  intervalMs: number;
  /** AIS only: navigational status seen, so a class A transponder. */
  classA: boolean;
}

interface VesselSilence {
  vessel: string;
  lastFix: VesselFix;
  inPortAtLastFix: boolean;
  channels: Map<string, Channel>;
  /** ms: silence beyond this many ms after `lastFix` makes the vessel dark. */
  thresholdMs: number;
  /** The open dark alert's key while the vessel is dark. */
  darkKey?: string;
  /** Whether the vessel is in `silentInPort` (checked on every fix, without a lookup in the set). */
  silentInPort: boolean;
}

export class DarkRule implements FixRule, ClockRule {
  readonly name = 'dark';
  private readonly vessels = new Map<string, VesselSilence>();
  /** Vessels whose last fix was in port and that have been silent longer than their threshold. */
  private readonly silentInPort = new Set<string>();

  constructor(private readonly config: DarkConfig = DEFAULT_DARK_CONFIG) {}

  onFix(fix: VesselFix, vessel: VesselContext, alerts: AlertSink): void {
    const state = this.vessels.get(vessel.vessel);
    if (state && fix.time >= state.lastFix.time) {
      // A tick may not have come during the gap (a replay, a coarse clock): judge it here too.
      if (!state.darkKey && fix.time - state.lastFix.time > state.thresholdMs) this.goDark(state, alerts);
      if (state.darkKey) this.reappear(state, fix, alerts);
      if (state.silentInPort) {
        this.silentInPort.delete(state.vessel);
        state.silentInPort = false;
      }
    }
    this.remember(fix, vessel, state);
  }

  /**
   * Takes over an ongoing dark alert from before a restart: the vessel stays dark since the alert's
   * evidence, its last fix, and its reappearance closes the alert with the gap and the distance.
   * False when the alert has no last fix to go on, or the vessel is dark already (a newer alert).
   */
  restore(alert: AlertWithEvidence): boolean {
    const [lastFix] = alert.evidence;
    if (alert.type !== 'dark' || alert.vessel === undefined || lastFix?.kind !== 'vessel-fix' || this.vessels.has(alert.vessel)) return false;
    // Its channels are unknown until it reports again, which ends the alert and starts them afresh.
    this.vessels.set(alert.vessel, { vessel: alert.vessel, lastFix, inPortAtLastFix: false, channels: new Map(), thresholdMs: this.config.minGapMs, darkKey: alert.dedupeKey, silentInPort: false });
    return true;
  }

  /**
   * Takes over a fix from before a restart (a vessel's fixes oldest first, the newest of each of its
   * identifiers): remembered as if seen, so a vessel silent since then goes dark on the clock, or
   * counts as switched off when `vessel.inPort`. A vessel dark since a restored alert keeps that alert.
   */
  restoreLastFix(fix: VesselFix, vessel: VesselContext): void {
    const state = this.vessels.get(vessel.vessel);
    if (!state?.darkKey) this.remember(fix, vessel, state);
  }

  onTick(now: number, alerts: AlertSink): void {
    for (const state of this.vessels.values()) {
      if (!state.darkKey && now - state.lastFix.time > state.thresholdMs) this.goDark(state, alerts);
    }
  }

  /** Vessels that fell silent in port (a terminal switched off or taken home): no alert, but counted. */
  switchedOffInPort(): ReadonlySet<string> {
    return this.silentInPort;
  }

  private goDark(state: VesselSilence, alerts: AlertSink): void {
    if (state.inPortAtLastFix) {
      this.silentInPort.add(state.vessel);
      state.silentInPort = true;
      return;
    }
    const last = state.lastFix;
    state.darkKey = darkDedupeKey(state.vessel, last.time);
    alerts.raise({
      type: 'dark',
      severity: 'warning',
      dedupeKey: state.darkKey,
      vessel: state.vessel,
      time: last.time,
      evidence: [last],
      details: {
        expectedIntervalS: seconds(state.thresholdMs / this.config.multiple),
        thresholdS: seconds(state.thresholdMs),
        identifiers: [...state.channels.keys()].join(','),
        lastLat: last.lat,
        lastLon: last.lon,
      },
    });
  }

  private reappear(state: VesselSilence, fix: VesselFix, alerts: AlertSink): void {
    const last = state.lastFix;
    alerts.resolve(state.darkKey!, fix.time, {
      gapS: seconds(fix.time - last.time),
      distanceM: getPreciseDistance({ latitude: last.lat, longitude: last.lon }, { latitude: fix.lat, longitude: fix.lon }),
      reappearedLat: fix.lat,
      reappearedLon: fix.lon,
      reappearedIdentifier: fix.key,
    });
    state.darkKey = undefined;
  }

  /** The fix updates its channel and, when it is the vessel's newest, becomes its last fix. */
  private remember(fix: VesselFix, vessel: VesselContext, state: VesselSilence | undefined): void {
    if (!state) {
      state = { vessel: vessel.vessel, lastFix: fix, inPortAtLastFix: vessel.inPort, channels: new Map(), thresholdMs: this.config.minGapMs, silentInPort: false };
      this.vessels.set(vessel.vessel, state);
    }
    this.updateChannel(state, fix, vessel.terminalModel);
    if (fix.time >= state.lastFix.time) {
      state.lastFix = fix;
      state.inPortAtLastFix = vessel.inPort;
      state.thresholdMs = this.thresholdMs(state);
    }
  }

  private updateChannel(state: VesselSilence, fix: VesselFix, terminalModel: string | undefined): void {
    let channel = state.channels.get(fix.key);
    if (!channel) {
      channel = { lastTime: fix.time, intervalMs: 0, classA: false };
      state.channels.set(fix.key, channel);
    }
    if (fix.time < channel.lastTime) return;
    channel.lastTime = fix.time;
    if (fix.source === 'ais') {
      channel.classA ||= fix.navStatus !== undefined;
      channel.intervalMs = aisReportIntervalMs(fix, channel.classA);
    } else {
      const byModel = terminalModel === undefined ? undefined : this.config.terminalIntervalMs[terminalModel];
      channel.intervalMs = byModel ?? (fix.source === 'bds-rdss' ? this.config.rdssIntervalMs : this.config.rnssIntervalMs);
    }
  }

  /** `multiple` × the largest interval among channels not themselves silent at the last fix, at least `minGapMs`. */
  private thresholdMs(state: VesselSilence): number {
    const lastTime = state.lastFix.time;
    let intervalMs = 0;
    for (const channel of state.channels.values()) {
      const active = lastTime - channel.lastTime <= this.config.multiple * channel.intervalMs;
      if (active && channel.intervalMs > intervalMs) intervalMs = channel.intervalMs;
    }
    return Math.max(this.config.minGapMs, this.config.multiple * intervalMs);
  }
}

/** The dedupe key of a vessel's going dark after its fix at `lastFixTime` (ms): one incident per silence. */
export function darkDedupeKey(vessel: string, lastFixTime: number): string {
  return `dark:${vessel}:${lastFixTime}`;
}

/** ms: ITU-R M.1371-5 reporting interval for the speed (kn) and status of the fix. */
export function aisReportIntervalMs(fix: VesselFix, classA: boolean): number {
  // Unknown speed: the slow interval, the longest one, so silence is never overrated.
  const sog = fix.sog ?? 0;
  if (classA) {
    const anchoredOrMoored = fix.navStatus === 1 || fix.navStatus === 5;
    if (anchoredOrMoored && sog <= 3) return 3 * MINUTE;
    if (sog > 23) return 2 * SECOND;
    if (sog > 14) return 6 * SECOND;
    return 10 * SECOND;
  }
  return sog > 2 ? 30 * SECOND : 3 * MINUTE;
}
