import type { VesselFix } from '../../core/records.js';

/**
 * Flags fixes that cannot be true (DESIGN §6 "position jump": implied speed over 50 kn; a fix at
 * 0°N 0°E; a time far in the future). Flagged fixes are stored with `suspect` set — never silently
 * stored as truth, never silently dropped — and do not become the reference for the next check.
 */
export interface PlausibilityOptions {
  /** knots */
  maxSpeed?: number;
  /** ms a fix may lie ahead of the receive clock */
  maxFutureMs?: number;
}

const METRES_PER_NM = 1852;
const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

export class PlausibilityCheck {
  private readonly last = new Map<string, { time: number; lat: number; lon: number }>();
  private readonly maxSpeed: number;
  private readonly maxFutureMs: number;

  constructor(options: PlausibilityOptions = {}) {
    this.maxSpeed = options.maxSpeed ?? 50;
    this.maxFutureMs = options.maxFutureMs ?? 5 * 60_000;
  }

  /** Sets `fix.suspect` when the fix is implausible; `now` is the receive clock (ms). */
  check(fix: VesselFix, now: number): void {
    if (fix.lat === 0 && fix.lon === 0) {
      fix.suspect = 'null_island';
      return;
    }
    if (fix.time - now > this.maxFutureMs) {
      fix.suspect = 'future_time';
      return;
    }
    const id = fix.vessel ?? fix.key;
    const prev = this.last.get(id);
    if (prev && fix.time !== prev.time) {
      const hours = Math.abs(fix.time - prev.time) / 3_600_000;
      const nm = distanceMetres(prev.lat, prev.lon, fix.lat, fix.lon) / METRES_PER_NM;
      // Below 100 m two fixes agree within GNSS noise, however close in time.
      if (nm * METRES_PER_NM > 100 && nm / hours > this.maxSpeed) {
        fix.suspect = 'position_jump';
        return;
      }
    }
    if (!prev) {
      this.last.set(id, { time: fix.time, lat: fix.lat, lon: fix.lon });
    } else if (fix.time >= prev.time) {
      // Updated in place: one object per vessel, not one per fix.
      prev.time = fix.time;
      prev.lat = fix.lat;
      prev.lon = fix.lon;
    }
  }
}
