import { distanceToCoastM, normDeg, type LatLon } from './geo.js';
import { smoothNoise } from './random.js';

/**
 * Weather, sea state and tide over Rizhao waters as pure functions of (seed, time, place): any
 * moment can be asked for in any order and gives the same answer. Shapes follow the local
 * climate (winter northerlies, summer southerlies, afternoon sea breeze, SST 5 °C in February to
 * 26 °C in August); the numbers are plausible, not a forecast.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR_DAYS = 365.25;
/** China Standard Time, UTC+8: fishing and the daily cycles follow local time. */
const BEIJING_OFFSET_MS = 8 * HOUR;
/** Principal lunar semidiurnal tide (M2). */
const M2_PERIOD_MS = 12.4206 * HOUR;
const RAD = Math.PI / 180;

/** Hour of the day in Beijing time, 0 ≤ h < 24. */
export function localHour(time: number): number {
  return (((time + BEIJING_OFFSET_MS) % DAY) + DAY) % DAY / HOUR;
}

/** Midnight Beijing time at or before `time`, as ms since epoch. */
export function localMidnight(time: number): number {
  return time - localHour(time) * HOUR;
}

/** Day of the year 0–365 (UTC is close enough for seasons). */
function dayOfYear(time: number): number {
  const d = new Date(time);
  return (time - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY;
}

/** cos of the annual phase, 1 on `peakDay`. */
function seasonal(time: number, peakDay: number): number {
  return Math.cos((2 * Math.PI * (dayOfYear(time) - peakDay)) / YEAR_DAYS);
}

/** Daily cycle in [-1, 1], 1 at `peakHour` local time. */
export function diurnal(time: number, peakHour: number): number {
  return Math.cos((2 * Math.PI * (localHour(time) - peakHour)) / 24);
}

/**
 * The summer fishing ban (伏季休渔) of the Yellow Sea north of 35° N: 1 May 12:00 to
 * 1 September 12:00 Beijing time.
 */
export function inFishingBan(time: number): boolean {
  const local = new Date(time + BEIJING_OFFSET_MS);
  const y = local.getUTCFullYear();
  const start = Date.UTC(y, 4, 1, 12) - BEIJING_OFFSET_MS;
  const end = Date.UTC(y, 8, 1, 12) - BEIJING_OFFSET_MS;
  return time >= start && time < end;
}

export interface Weather {
  /** m s-1 */
  windSpeed: number;
  /** degrees true, where the wind comes from */
  windFrom: number;
  /** m s-1 */
  gust: number;
  /** hPa at mean sea level */
  pressure: number;
  /** degC */
  airTemperature: number;
  /** % */
  relativeHumidity: number;
}

export interface SeaState {
  /** m */
  significantHeight: number;
  /** m */
  maximumHeight: number;
  /** s */
  peakPeriod: number;
  /** s */
  meanPeriod: number;
  /** degrees true, where the waves come from */
  from: number;
}

export interface Current {
  /** knots */
  speed: number;
  /** degrees true, where the water goes */
  toward: number;
}

/** Offshore-ness 0 (beach) … 1 (≥ 40 km out): stronger wind, longer fetch, steadier water. */
function exposure(p: LatLon): number {
  return Math.min(1, distanceToCoastM(p) / 40_000);
}

export class Environment {
  constructor(private readonly seed: number) {}

  private noise(what: string, time: number, period: number): number {
    return smoothNoise(`${this.seed}/${what}`, time, period);
  }

  /** Wind as east/north components (m s-1, the direction the air moves toward). */
  private windVector(time: number, p: LatLon): { u: number; v: number } {
    // Prevailing monsoon: from the NNW in winter, from the SSE in summer (`winter` is 1 in mid-January).
    const winter = seasonal(time, 15);
    const from = (winter >= 0 ? 340 : 155) * RAD;
    const strength = winter >= 0 ? 3.5 * winter : 2.5 * -winter;
    let u = -strength * Math.sin(from);
    let v = -strength * Math.cos(from);
    // Passing weather systems: a few days' wander on each axis, and now and then a gale along the monsoon.
    u += 7 * this.noise('wind-u', time, 30 * HOUR) + 2 * this.noise('wind-u-short', time, 4 * HOUR);
    v += 7 * this.noise('wind-v', time, 30 * HOUR) + 2 * this.noise('wind-v-short', time, 4 * HOUR);
    const gale = 9 * Math.max(0, this.noise('gale', time, 40 * HOUR)) ** 3;
    u -= gale * Math.sin(from);
    v -= gale * Math.cos(from);
    // Afternoon sea breeze blowing onshore (toward the WNW), fading offshore.
    const breeze = 2.5 * Math.max(0, diurnal(time, 14)) * (1 - exposure(p));
    u -= breeze * 0.95;
    v += breeze * 0.3;
    // Open water is windier than the coast.
    const k = 0.8 + 0.35 * exposure(p);
    return { u: u * k, v: v * k };
  }

  weather(time: number, p: LatLon): Weather {
    const { u, v } = this.windVector(time, p);
    const windSpeed = Math.max(0.2, Math.hypot(u, v));
    const windFrom = normDeg(Math.atan2(u, v) / RAD + 180);
    const gust = windSpeed * (1.3 + 0.15 * (this.noise('gust', time, 0.5 * HOUR) + 1));
    const pressure = 1015 + 8.5 * seasonal(time, 15) + 9 * this.noise('pressure', time, 36 * HOUR) + 0.7 * Math.cos((4 * Math.PI * (localHour(time) - 10)) / 24);
    const airTemperature = 13.5 + 13 * seasonal(time, 205) + 3 * diurnal(time, 14) * (1 - 0.5 * exposure(p)) + 2 * this.noise('air', time, 48 * HOUR);
    const relativeHumidity = Math.min(100, 72 + 12 * seasonal(time, 200) - 10 * diurnal(time, 14) + 8 * this.noise('rh', time, 24 * HOUR));
    return { windSpeed, windFrom, gust, pressure, airTemperature, relativeHumidity };
  }

  /**
   * Waves answer the mean wind of the last three hours; wind off the land (west) has little
   * fetch near the coast, so a westerly gale still leaves the near-shore sea small.
   */
  seaState(time: number, p: LatLon): SeaState {
    let u = 0;
    let v = 0;
    for (let h = 0; h < 4; h++) {
      const w = this.windVector(time - h * HOUR, p);
      u += w.u / 4;
      v += w.v / 4;
    }
    const wind = Math.hypot(u, v);
    const from = normDeg(Math.atan2(u, v) / RAD + 180);
    const offLand = from > 200 && from < 340;
    const fetch = offLand ? 0.15 + 0.5 * exposure(p) : 0.45 + 0.45 * exposure(p);
    const swell = 0.15 + 0.15 * (this.noise('swell', time, 20 * HOUR) + 1);
    const significantHeight = Math.min(8, swell + 0.018 * wind * wind * fetch);
    const peakPeriod = 3 + 3.2 * Math.sqrt(significantHeight) + 0.5 * this.noise('tp', time, 3 * HOUR);
    return {
      significantHeight,
      maximumHeight: significantHeight * (1.55 + 0.1 * this.noise('hmax', time, 0.5 * HOUR)),
      peakPeriod,
      meanPeriod: peakPeriod * 0.74,
      from: offLand && significantHeight < 0.6 ? 150 + 10 * this.noise('swell-dir', time, 12 * HOUR) : normDeg(from + 8 * this.noise('wave-dir', time, 2 * HOUR)),
    };
  }

  /** Tidal stream along the coast: flood toward the NNE, ebb toward the SSW, about 0.7 kn at most. */
  current(time: number): Current {
    const phase = Math.cos((2 * Math.PI * time) / M2_PERIOD_MS);
    return { speed: 0.05 + 0.65 * Math.abs(phase), toward: phase >= 0 ? 20 : 200 };
  }

  /** Seasonal mean sea surface temperature: ≈ 5 °C in mid-February, ≈ 26 °C in mid-August. */
  seasonalSst(time: number): number {
    return 15.5 + 10.5 * seasonal(time, 228);
  }

  /** 0 in winter … 1 in mid-August: stratification, blooms and night-time oxygen dips follow it. */
  summerness(time: number): number {
    return Math.max(0, seasonal(time, 228));
  }

  /** Slow wander in [-1, 1] of any named quantity (a day or so). */
  drift(what: string, time: number, periodHours = 24): number {
    return this.noise(what, time, periodHours * HOUR);
  }
}
