import type { VesselFix } from '../../core/records.js';
import type { AlertWithEvidence } from '../alerts/model.js';
import { fixesOf, type AlertSink, type ClockRule, type FixRule, type VesselContext } from './rule.js';
import { distanceCeilingMetres, distanceMetres, isWithinMetres, latitudeReachDegrees, longitudeReachDegrees, seconds, speedKnots } from './geo.js';

/**
 * Encounters (DESIGN §6, GFW "encounter": two vessels ≤ 500 m apart, median speed < 2 kn, for ≥ 2 h):
 * transshipment at sea, or a carrier meeting a fishing vessel. Port zones are left out (GFW also
 * leaves out anchorages).
 *
 * Neighbours are found in a uniform grid over the latest positions of the vessels that could start
 * one — slow and at sea — with cells `maxDistanceM` tall and, at `referenceLatitude`, as wide, so a
 * fix looks at the cells within reach of it: mostly 3 × 3, more columns further north. A pair, once
 * formed, is followed through each vessel's own list of partners and ends with hysteresis: apart by
 * more than `endDistanceM`, a median speed above `endSpeedKn`, a port, or one vessel silent for
 * `maxFixAgeMs`. Pairs are keyed by the ordered vessel pair, so A meeting B is B meeting A.
 *
 * Distances are taken at one instant. Two vessels report at different times, so a fix is measured
 * against where the other vessel was at its own latest fix: this vessel's position then lies on the
 * straight line from its previous fix. Comparing a fresh fix with a 3-minute-old one instead would
 * put two vessels drifting at 1.9 kn 590 m apart within 500 m.
 *
 * After a restart the rule takes over the ongoing alerts (restore): the pair from its start, each
 * vessel at its newest fix in the alert's evidence (the last refresh), with the speed of that fix,
 * or the speed implied since its fix before in the evidence. The fixes between that refresh and the
 * restart (up to `updateEveryMs`) come from the vessels' last fixes (restoreLastFix), so the pair is
 * judged — and, when both stay silent, ended by the clock `maxFixAgeMs` after their newest fix — as if
 * the gateway had not stopped. Until those fixes arrive (a store slow to answer at start) the pair is
 * judged on the refresh alone. Pairs not yet raised are not in the alert store: they start over.
 */

const MINUTE = 60_000;
const METRES_PER_DEGREE_LAT = 111_320;
/** Grid cell ids pack a row and a column into one integer (both offset to stay positive). */
const COLUMNS = 1 << 18;

export interface EncounterConfig {
  /** metres: closer than this starts a pair */
  maxDistanceM: number;
  /** knots: both medians below this start a pair */
  maxSpeedKn: number;
  /** ms together before the alert */
  minDurationMs: number;
  /** metres: farther apart than this ends it */
  endDistanceM: number;
  /** knots: a median above this ends it */
  endSpeedKn: number;
  /** fixes whose speed makes a vessel's median */
  medianOfFixes: number;
  /** ms: a partner silent longer than this is no longer there */
  maxFixAgeMs: number;
  /** degrees: latitude where grid cells are square (Rizhao ≈ 35.4°N) */
  referenceLatitude: number;
  /** ms: an ongoing alert is refreshed (end time, latest evidence) at most this often */
  updateEveryMs: number;
}

export const DEFAULT_ENCOUNTER_CONFIG: EncounterConfig = {
  // GFW encounters: ≤ 500 m, median speed < 2 kn, ≥ 2 h.
  maxDistanceM: 500,
  maxSpeedKn: 2,
  minDurationMs: 120 * MINUTE,
  // MarineTraffic vessel-to-vessel proximity ends beyond 1000 m; 3 kn as for loitering.
  endDistanceM: 1000,
  endSpeedKn: 3,
  medianOfFixes: 5,
  // Two missed reports of a 3-min RDSS terminal, with margin.
  maxFixAgeMs: 15 * MINUTE,
  referenceLatitude: 35,
  updateEveryMs: 15 * MINUTE,
};

interface Vessel {
  id: string;
  fix: VesselFix;
  /** The fix before `fix`, while it is recent enough to say where the vessel was in between. */
  previous?: VesselFix;
  /** Ring of the last speeds, knots. */
  speeds: Float64Array;
  speedCount: number;
  /** knots; Infinity until a speed is known */
  medianKn: number;
  /** Grid cell while the vessel could start a pair; -1 otherwise. */
  cell: number;
  partners: Map<Vessel, Pair>;
}

interface Pair {
  /** The lower vessel id of the two. */
  a: Vessel;
  b: Vessel;
  /** ms: when they were first close, slow and at sea together */
  startTime: number;
  dedupeKey: string;
  startFixes: [VesselFix, VesselFix];
  /** ms of the last raise while the alert is open; undefined before it is raised */
  raisedAt?: number;
}

export class EncounterRule implements FixRule, ClockRule {
  readonly name = 'encounter';
  private readonly vessels = new Map<string, Vessel>();
  private readonly grid = new Map<number, Set<Vessel>>();
  private readonly pairs = new Set<Pair>();
  /** degrees */
  private readonly cellLat: number;
  /** degrees */
  private readonly cellLon: number;
  /** scratch for the median, reused */
  private readonly sorted: Float64Array;
  /** scratch for `align`: lat, lon of the first vessel, lat, lon of the second, at one instant */
  private readonly aligned = new Float64Array(4);

  constructor(private readonly config: EncounterConfig = DEFAULT_ENCOUNTER_CONFIG) {
    this.cellLat = config.maxDistanceM / METRES_PER_DEGREE_LAT;
    this.cellLon = this.cellLat / Math.cos((config.referenceLatitude * Math.PI) / 180);
    this.sorted = new Float64Array(config.medianOfFixes);
  }

  onFix(fix: VesselFix, context: VesselContext, alerts: AlertSink): void {
    if (fix.suspect) return;
    const v = this.vessel(context.vessel, fix);
    const sog = speedKnots(fix, context.previous);
    v.previous = fix.time >= v.fix.time && fix.time - v.fix.time <= this.config.maxFixAgeMs && v.fix !== fix ? v.fix : undefined;
    v.fix = fix;
    if (sog !== undefined) this.addSpeed(v, sog);

    for (const pair of v.partners.values()) {
      const other = pair.a === v ? pair.b : pair.a;
      const over =
        context.inPort ||
        v.medianKn > this.config.endSpeedKn ||
        fix.time - other.fix.time > this.config.maxFixAgeMs ||
        !this.within(v, other, this.config.endDistanceM);
      if (over) this.end(pair, fix.time, alerts);
      else this.continuePair(pair, fix, other, alerts);
    }

    const canStart = !context.inPort && v.medianKn < this.config.maxSpeedKn;
    this.place(v, canStart ? this.cellOf(fix.lat, fix.lon) : -1);
    if (canStart) this.findPartners(v);
  }

  /**
   * Takes over an ongoing alert from before a restart (see the rule's comment); false when its
   * evidence lacks a vessel's fix, or the two vessels are a pair already (a newer alert).
   */
  restore(alert: AlertWithEvidence): boolean {
    const { vessel, otherVessel } = alert;
    if (alert.type !== 'encounter' || vessel === undefined || otherVessel === undefined) return false;
    const paired = this.vessels.get(otherVessel);
    if (paired && this.vessels.get(vessel)?.partners.has(paired)) return false;
    // The engine's vessel of a fix: its registry vessel, else its identifier.
    const fixes = fixesOf(alert);
    const ofA = fixes.filter((f) => (f.vessel ?? f.key) === vessel);
    const ofB = fixes.filter((f) => (f.vessel ?? f.key) === otherVessel);
    if (ofA.length === 0 || ofB.length === 0) return false;
    const a = this.heardBefore(vessel, ofA[ofA.length - 1], ofA[ofA.length - 2]);
    const b = this.heardBefore(otherVessel, ofB[ofB.length - 1], ofB[ofB.length - 2]);
    // Refreshed last at the newer of the two fixes (the first raise's time is the pair's start).
    const raisedAt = Math.max(ofA[ofA.length - 1].time, ofB[ofB.length - 1].time);
    this.link({ a, b, startTime: alert.startTime, dedupeKey: alert.dedupeKey, startFixes: [ofA[0], ofB[0]], raisedAt });
    return true;
  }

  /**
   * Takes over a vessel's fix from before a restart (its newest of each identifier, oldest first):
   * a vessel of a restored pair is then where it last was, not where the last refresh put it.
   */
  restoreLastFix(fix: VesselFix, vessel: VesselContext): void {
    const v = this.vessels.get(vessel.vessel);
    if (v && !fix.suspect && fix.time > v.fix.time) this.heardBefore(v.id, fix, v.fix);
  }

  /** Ends pairs whose vessels have both gone silent (nothing else would). */
  onTick(now: number, alerts: AlertSink): void {
    for (const pair of this.pairs) {
      const last = Math.max(pair.a.fix.time, pair.b.fix.time);
      if (now - last > this.config.maxFixAgeMs) this.end(pair, last, alerts);
    }
  }

  private vessel(id: string, fix: VesselFix): Vessel {
    let v = this.vessels.get(id);
    if (!v) {
      v = { id, fix, speeds: new Float64Array(this.config.medianOfFixes), speedCount: 0, medianKn: Infinity, cell: -1, partners: new Map() };
      this.vessels.set(id, v);
    }
    return v;
  }

  private addSpeed(v: Vessel, sog: number): void {
    const n = this.config.medianOfFixes;
    v.speeds[v.speedCount % n] = sog;
    v.speedCount++;
    const count = Math.min(v.speedCount, n);
    // Insertion sort of at most `medianOfFixes` values into the scratch array: no allocation.
    const s = this.sorted;
    for (let i = 0; i < count; i++) {
      const x = v.speeds[i];
      let j = i - 1;
      while (j >= 0 && s[j] > x) {
        s[j + 1] = s[j];
        j--;
      }
      s[j + 1] = x;
    }
    v.medianKn = count % 2 === 1 ? s[(count - 1) >> 1] : (s[count / 2 - 1] + s[count / 2]) / 2;
  }

  private cellOf(lat: number, lon: number): number {
    return this.cellId(Math.floor(lat / this.cellLat), Math.floor(lon / this.cellLon));
  }

  private cellId(row: number, column: number): number {
    return (row + COLUMNS) * COLUMNS + (column + COLUMNS / 2);
  }

  private place(v: Vessel, cell: number): void {
    if (cell === v.cell) return;
    if (v.cell !== -1) {
      const members = this.grid.get(v.cell)!;
      members.delete(v);
      if (members.size === 0) this.grid.delete(v.cell);
    }
    v.cell = cell;
    if (cell === -1) return;
    let members = this.grid.get(cell);
    if (!members) this.grid.set(cell, (members = new Set()));
    members.add(v);
  }

  private findPartners(v: Vessel): void {
    const { lat, lon, time } = v.fix;
    // The vessel is measured where it was at the partner's fix, somewhere on its last step: search that much farther
    // (the step's cheap upper bound: no trigonometry on every fix).
    const reachM = this.config.maxDistanceM + (v.previous ? distanceCeilingMetres(v.previous.lat, v.previous.lon, lat, lon) : 0);
    const latReach = latitudeReachDegrees(reachM);
    const lonReach = longitudeReachDegrees(lat, reachM);
    const lastRow = Math.floor((lat + latReach) / this.cellLat);
    const lastColumn = Math.floor((lon + lonReach) / this.cellLon);
    for (let r = Math.floor((lat - latReach) / this.cellLat); r <= lastRow; r++) {
      for (let c = Math.floor((lon - lonReach) / this.cellLon); c <= lastColumn; c++) {
        const members = this.grid.get(this.cellId(r, c));
        if (!members) continue;
        for (const other of members) {
          if (other === v || Math.abs(time - other.fix.time) > this.config.maxFixAgeMs || v.partners.has(other)) continue;
          // Farther in longitude than the reach is out of reach: no need for the distance.
          if (Math.abs(lon - other.fix.lon) > lonReach) continue;
          if (this.within(v, other, this.config.maxDistanceM)) this.startPair(v, other, time);
        }
      }
    }
  }

  /**
   * A vessel's fix from before a restart, not evaluated: its position, and a speed from the fix (or
   * implied since `earlier`) toward its median. Placed in the grid when slow, to meet others again.
   */
  private heardBefore(id: string, fix: VesselFix, earlier: VesselFix | undefined): Vessel {
    const v = this.vessel(id, fix);
    if (fix.time > v.fix.time) {
      v.fix = fix;
      // Where it was in between is not known: measured at its fix.
      v.previous = undefined;
    }
    const sog = speedKnots(fix, earlier);
    if (sog !== undefined) this.addSpeed(v, sog);
    this.place(v, v.medianKn < this.config.maxSpeedKn ? this.cellOf(v.fix.lat, v.fix.lon) : -1);
    return v;
  }

  private startPair(v: Vessel, other: Vessel, time: number): void {
    const [a, b] = v.id < other.id ? [v, other] : [other, v];
    this.link({ a, b, startTime: time, dedupeKey: `encounter:${a.id}:${b.id}:${time}`, startFixes: [a.fix, b.fix] });
  }

  private link(pair: Pair): void {
    pair.a.partners.set(pair.b, pair);
    pair.b.partners.set(pair.a, pair);
    this.pairs.add(pair);
  }

  /** `fix` is the newest of one vessel of the pair, `other` the other vessel. */
  private continuePair(pair: Pair, fix: VesselFix, other: Vessel, alerts: AlertSink): void {
    const { time } = fix;
    const durationMs = time - pair.startTime;
    if (durationMs < this.config.minDurationMs) return;
    if (pair.raisedAt !== undefined && time - pair.raisedAt < this.config.updateEveryMs) return;
    this.align(other === pair.a ? pair.b : pair.a, other);
    const at = this.aligned;
    const apartM = distanceMetres(at[0], at[1], at[2], at[3]);
    const first = pair.raisedAt === undefined;
    alerts.raise({
      type: 'encounter',
      severity: 'warning',
      dedupeKey: pair.dedupeKey,
      vessel: pair.a.id,
      otherVessel: pair.b.id,
      time: first ? pair.startTime : time,
      evidence: first ? [...pair.startFixes, pair.a.fix, pair.b.fix] : [pair.a.fix, pair.b.fix],
      details: { durationS: seconds(durationMs), distanceM: Math.round(apartM), lat: pair.a.fix.lat, lon: pair.a.fix.lon },
    });
    pair.raisedAt = time;
  }

  /** Whether the two vessels were within `metres` of each other at one instant (see `align`). */
  private within(v: Vessel, w: Vessel, metres: number): boolean {
    this.align(v, w);
    const at = this.aligned;
    return isWithinMetres(at[0], at[1], at[2], at[3], metres);
  }

  /**
   * Puts in `aligned` the positions of `v` and `w` at the time of the older of their latest fixes: that
   * fix, and the other vessel's position then, straight between its previous and latest fix (its
   * nearer fix when that time is outside them, its latest when it has no recent previous one).
   */
  private align(v: Vessel, w: Vessel): void {
    const at = this.aligned;
    if (v.fix.time >= w.fix.time) {
      this.positionAt(v, w.fix.time, at, 0);
      at[2] = w.fix.lat;
      at[3] = w.fix.lon;
    } else {
      at[0] = v.fix.lat;
      at[1] = v.fix.lon;
      this.positionAt(w, v.fix.time, at, 2);
    }
  }

  private positionAt(v: Vessel, time: number, out: Float64Array, index: number): void {
    const { fix, previous } = v;
    if (!previous || time >= fix.time || fix.time === previous.time) {
      out[index] = fix.lat;
      out[index + 1] = fix.lon;
      return;
    }
    // Degrees interpolate well enough over one step (metres to a few km); a step over the antimeridian goes the short way.
    const f = Math.max(0, (time - previous.time) / (fix.time - previous.time));
    let dLon = fix.lon - previous.lon;
    if (dLon > 180) dLon -= 360;
    else if (dLon < -180) dLon += 360;
    out[index] = previous.lat + (fix.lat - previous.lat) * f;
    out[index + 1] = previous.lon + dLon * f;
  }

  private end(pair: Pair, time: number, alerts: AlertSink): void {
    pair.a.partners.delete(pair.b);
    pair.b.partners.delete(pair.a);
    this.pairs.delete(pair);
    if (pair.raisedAt !== undefined) alerts.resolve(pair.dedupeKey, time, { durationS: seconds(time - pair.startTime) });
  }
}
