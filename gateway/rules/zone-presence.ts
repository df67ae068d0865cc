import type { VesselFix } from '../../core/records.js';
import type { ZoneVersion } from '../zones/model.js';
import { versionAt } from '../zones/store.js';
import type { AlertSink, VesselContext } from './rule.js';
import { ZoneIndex } from './zone-index.js';

/**
 * Which zones each vessel is in, with hysteresis (DESIGN §6: "a vessel on the line raises one
 * alert"). A vessel enters a zone on its first fix inside; it leaves only when a fix is more than
 * `exitMarginM` outside, or when it has stayed outside (within the margin) for `exitAfterMs`. A
 * vessel running along the boundary, its fixes hopping in and out by GNSS noise or seamanship,
 * therefore stays inside one presence, and the rules fed by it (geofence, ports) raise one alert.
 *
 * The engine updates the presence of a vessel once per fix and hands the change to the zone rules;
 * presence is geometric only: time windows and vessel filters are the rules' business.
 */

export interface PresenceConfig {
  /** metres: a fix farther than this outside a zone ends the vessel's presence in it at once. */
  exitMarginM: number;
  /** ms: outside (within the margin) for this long also ends it. */
  exitAfterMs: number;
}

export const DEFAULT_PRESENCE_CONFIG: PresenceConfig = {
  // About 2–3 × the error of a cheap GNSS terminal plus a vessel's length: noise never exits.
  exitMarginM: 100,
  // A vessel idling just outside the line for this long has left.
  exitAfterMs: 10 * 60_000,
};

/** A vessel inside a zone. */
export interface Presence {
  zoneId: number;
  /** The zone version in force at the latest fix evaluated. */
  version: ZoneVersion;
  /** ms: the first fix inside. */
  since: number;
  /** ms: the first fix outside (within the margin) since the last fix inside; absent while inside. */
  outsideSince?: number;
}

export interface PresenceExit {
  presence: Presence;
  /** ms: when the vessel left (its first fix outside). */
  time: number;
  /** metres outside the zone at the fix that ended the presence; 0 when the zone itself was withdrawn. */
  distanceM: number;
  reason: 'left' | 'zone_withdrawn';
}

/** What one fix changed. `inside` includes `entered`. */
export interface PresenceUpdate {
  inside: readonly Presence[];
  entered: readonly Presence[];
  exited: readonly PresenceExit[];
}

/** A rule fed with zone presence (geofence, ports), after the engine updated it for the fix. */
export interface ZoneRule {
  readonly name: string;
  onPresence(fix: VesselFix, vessel: VesselContext, update: PresenceUpdate, alerts: AlertSink): void;
}

const NOTHING: PresenceUpdate = { inside: [], entered: [], exited: [] };

export class ZonePresence {
  private index = ZoneIndex.build([]);
  /** zone id → its versions, oldest first (to find the version in force when a vessel is outside). */
  private histories = new Map<number, readonly ZoneVersion[]>();
  /** vessel → zone id → presence; a vessel in no zone has no entry. */
  private readonly byVessel = new Map<string, Map<number, Presence>>();
  // Reused by every query: the hot path allocates nothing for a vessel in no zone.
  private readonly hits: ZoneVersion[] = [];

  constructor(private readonly config: PresenceConfig = DEFAULT_PRESENCE_CONFIG) {}

  /** All versions of all zones (any time): the index answers for the version in force at each fix's time. */
  setZones(versions: readonly ZoneVersion[]): void {
    const histories = new Map<number, ZoneVersion[]>();
    for (const v of versions) {
      const list = histories.get(v.zoneId);
      if (list) list.push(v);
      else histories.set(v.zoneId, [v]);
    }
    for (const list of histories.values()) list.sort((a, b) => a.version - b.version);
    this.histories = histories;
    this.index = ZoneIndex.build(versions);
  }

  /** The version of a zone in force at `time` (retired versions included), if any. */
  versionAt(zoneId: number, time: number): ZoneVersion | undefined {
    const history = this.histories.get(zoneId);
    return history && versionAt(history, time);
  }

  /** The vessel's presences now. */
  of(vessel: string): Iterable<Presence> {
    return this.byVessel.get(vessel)?.values() ?? [];
  }

  /**
   * Restores a presence known from before a restart (an ongoing zone alert, an open port visit),
   * so that the vessel's next fix inside is not a new entry. Ignored when the zone is unknown.
   */
  restore(vessel: string, zoneId: number, since: number): void {
    const version = this.versionAt(zoneId, since);
    if (!version) return;
    let zones = this.byVessel.get(vessel);
    if (!zones) this.byVessel.set(vessel, (zones = new Map()));
    if (!zones.has(zoneId)) zones.set(zoneId, { zoneId, version, since });
  }

  /** Moves the vessel's presence on by one fix (in event time: the engine never feeds an older fix). */
  update(vessel: string, fix: VesselFix): PresenceUpdate {
    const hits = this.index.containing(fix.lon, fix.lat, fix.time, this.hits);
    let zones = this.byVessel.get(vessel);
    if (hits.length === 0 && !zones) return NOTHING;
    if (!zones) this.byVessel.set(vessel, (zones = new Map()));

    const entered: Presence[] = [];
    for (const version of hits) {
      const present = zones.get(version.zoneId);
      if (present) {
        present.version = version;
        present.outsideSince = undefined;
      } else {
        const presence: Presence = { zoneId: version.zoneId, version, since: fix.time };
        zones.set(version.zoneId, presence);
        entered.push(presence);
      }
    }
    const exited: PresenceExit[] = [];
    for (const presence of zones.values()) {
      if (hits.some((h) => h.zoneId === presence.zoneId)) continue;
      const exit = this.outside(presence, fix);
      if (exit) {
        exited.push(exit);
        zones.delete(presence.zoneId);
      }
    }
    if (zones.size === 0) this.byVessel.delete(vessel);
    return { inside: [...zones.values()], entered, exited };
  }

  /** The fix is not inside the zone: an exit, or a step outside still within the hysteresis. */
  private outside(presence: Presence, fix: VesselFix): PresenceExit | undefined {
    const inForce = this.versionAt(presence.zoneId, fix.time);
    if (!inForce || inForce.retired) return { presence, time: fix.time, distanceM: 0, reason: 'zone_withdrawn' };
    presence.version = inForce;
    const distanceM = this.index.distanceOutside(inForce, fix.lon, fix.lat);
    const outsideSince = presence.outsideSince ?? fix.time;
    if (distanceM > this.config.exitMarginM || fix.time - outsideSince >= this.config.exitAfterMs) {
      return { presence, time: outsideSince, distanceM: Math.round(distanceM), reason: 'left' };
    }
    presence.outsideSince = outsideSince;
    return undefined;
  }
}
