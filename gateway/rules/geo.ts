import type { VesselFix } from '../../core/records.js';
import { distanceMetres } from '../pipeline/plausibility.js';

/**
 * Small measures the behaviour rules share. Distances on the hot path are the pipeline's haversine
 * (`distanceMetres`, metres): at the few kilometres the rules compare, its error against the
 * ellipsoid (≤ 0.5 %) is far below any threshold.
 */

export { distanceMetres };

export const METRES_PER_NM = 1852;
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
