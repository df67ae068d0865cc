import type { VesselFix } from '../../core/records.js';
import { distanceMetres } from '../pipeline/plausibility.js';

/**
 * Small measures the behaviour rules share. Distances on the hot path are the pipeline's haversine
 * (`distanceMetres`, metres): at the few kilometres the rules compare, its error against the
 * ellipsoid (≤ 0.5 %) is far below any threshold.
 */

export { distanceMetres };

export const METRES_PER_NM = 1852;

/** metres per degree of latitude on the sphere of distanceMetres. */
const METRES_PER_DEGREE = distanceMetres(0, 0, 1, 0);
/** The bounds below are widened by this fraction, far beyond rounding: they never disagree with distanceMetres. */
const BOUND_SLACK = 1e-9;

/** metres, at most the distanceMetres between points at these latitudes: the great circle is no shorter than the change in latitude. */
export function distanceFloorMetres(lat1: number, lat2: number): number {
  return Math.abs(lat2 - lat1) * METRES_PER_DEGREE * (1 - BOUND_SLACK);
}

/** metres, at least the distanceMetres between the points: no longer than along the meridian, then the parallel. */
export function distanceCeilingMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  return (Math.abs(lat2 - lat1) + Math.abs(lon2 - lon1)) * METRES_PER_DEGREE * (1 + BOUND_SLACK);
}

/** degrees of latitude within which every point less than `metres` away lies. */
export function latitudeReachDegrees(metres: number): number {
  return (metres / METRES_PER_DEGREE) * (1 + BOUND_SLACK);
}

/**
 * degrees of longitude within which every point less than `metres` from a point at `lat` lies: the
 * widest the spherical cap of that radius gets (180 when it takes in a pole).
 */
export function longitudeReachDegrees(lat: number, metres: number): number {
  const sinReach = Math.sin(((metres / METRES_PER_DEGREE) * Math.PI) / 180) / Math.cos((lat * Math.PI) / 180);
  return sinReach >= 1 ? 180 : ((Math.asin(sinReach) * 180) / Math.PI) * (1 + BOUND_SLACK);
}

/** `distanceMetres(…) <= metres`, the trigonometry only when the cheap bounds leave it open. */
export function isWithinMetres(lat1: number, lon1: number, lat2: number, lon2: number, metres: number): boolean {
  if (distanceFloorMetres(lat1, lat2) > metres) return false;
  if (distanceCeilingMetres(lat1, lon1, lat2, lon2) <= metres) return true;
  return distanceMetres(lat1, lon1, lat2, lon2) <= metres;
}
export const MS_PER_HOUR = 3_600_000;

/**
 * knots: fastest a vessel is believed to move (DESIGN §6 "position jump": implied speed over 50 kn).
 * The same figure as the pipeline's plausibility check (gateway/pipeline/plausibility.ts), which
 * flags such fixes `suspect: 'position_jump'`; a fishing vessel makes 8–14 kn, a fast patrol boat ~40.
 */
export const MAX_PLAUSIBLE_SPEED_KN = 50;

/** Limits for telling an impossible hop between two fixes from GNSS noise. */
export interface HopLimits {
  /** knots */
  maxSpeedKn: number;
  /** metres: shorter hops are GNSS noise (tens of metres, more on a cheap terminal), however short the time */
  minDistanceM: number;
}

/** knots implied by two fixes; Infinity when they share a time but not a place. */
export function impliedSpeedKnots(distanceM: number, dtMs: number): number {
  if (dtMs === 0) return distanceM === 0 ? 0 : Infinity;
  return distanceM / METRES_PER_NM / (Math.abs(dtMs) / MS_PER_HOUR);
}

/** Whether going from `a` to `b` needs more than `maxSpeedKn` over at least `minDistanceM`. */
export function isImpossibleHop(a: VesselFix, b: VesselFix, limits: HopLimits): boolean {
  if (distanceCeilingMetres(a.lat, a.lon, b.lat, b.lon) < limits.minDistanceM) return false;
  const distanceM = distanceMetres(a.lat, a.lon, b.lat, b.lon);
  return distanceM >= limits.minDistanceM && impliedSpeedKnots(distanceM, b.time - a.time) > limits.maxSpeedKn;
}

/**
 * knots: the fix's speed over ground, or (Beidou terminals that omit it) the speed implied since the
 * previous fix; undefined when neither is known.
 */
export function speedKnots(fix: VesselFix, previous: VesselFix | undefined): number | undefined {
  if (fix.sog !== undefined) return fix.sog;
  if (!previous || previous.time >= fix.time) return undefined;
  return impliedSpeedKnots(distanceMetres(previous.lat, previous.lon, fix.lat, fix.lon), fix.time - previous.time);
}

/** Seconds, rounded to whole seconds for alert details. */
export function seconds(ms: number): number {
  return Math.round(ms / 1000);
}
