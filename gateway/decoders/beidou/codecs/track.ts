import { DecodeError } from '../../../../core/errors.js';
import type { PayloadCodec, PayloadFix } from '../types.js';

/**
 * ASCII track string, brief §1.2.4: `D|<lat 9 digits><N/S><lon 10 digits><E/W>[;…]`, i.e. NMEA
 * `ddmm.mmmmm` / `dddmm.mmmmm` with the dot removed; up to 3 points (first/middle/last of the
 * report window). The points carry no time: the fixes come out without one.
 */

/** Point layout: [offset, width] of each part inside one 21-char point. */
const LAT = [0, 9] as const;
const NS = 9;
const LON = [10, 10] as const;
const EW = 20;
const POINT_LEN = 21;
const MINUTE_DIGITS = 5; // decimals of the minutes

export function createTrackCodec(): PayloadCodec {
  return {
    id: 'track-d',
    match: (bytes) => bytes.length >= 2 && bytes[0] === 0x44 /* D */ && bytes[1] === 0x7c /* | */,
    decode: (bytes) => decodeTrack(bytes),
  };
}

export function decodeTrack(bytes: Uint8Array): PayloadFix[] | DecodeError {
  let end = bytes.length;
  // Terminals end the text with CR/LF, spaces or NULs; none of those is part of a point.
  while (end > 2 && (bytes[end - 1] <= 0x20 || bytes[end - 1] === 0x3b /* ; */)) end--;
  const fixes: PayloadFix[] = [];
  let at = 2;
  while (at < end) {
    const stop = indexOf(bytes, 0x3b, at, end);
    const point = stop - at === POINT_LEN ? readPoint(bytes, at) : undefined;
    if (point === undefined) {
      const text = String.fromCharCode(...bytes.subarray(at, Math.min(stop, at + 32)));
      return new DecodeError('payload', `track point ${fixes.length + 1} ${JSON.stringify(text)} is not <lat 9 digits><N/S><lon 10 digits><E/W>`);
    }
    fixes.push(point);
    at = stop + 1;
  }
  if (fixes.length === 0) return new DecodeError('payload', 'track string "D|" holds no point');
  return fixes;
}

function indexOf(bytes: Uint8Array, b: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (bytes[i] === b) return i;
  return end;
}

function readPoint(bytes: Uint8Array, at: number): PayloadFix | undefined {
  const lat = angle(bytes, at + LAT[0], LAT[1], 2, bytes[at + NS], 0x4e /* N */, 0x53 /* S */, 90);
  const lon = angle(bytes, at + LON[0], LON[1], 3, bytes[at + EW], 0x45 /* E */, 0x57 /* W */, 180);
  return lat === undefined || lon === undefined ? undefined : { lat, lon };
}

function angle(bytes: Uint8Array, at: number, width: number, degDigits: number, hemi: number, pos: number, neg: number, limit: number): number | undefined {
  if (hemi !== pos && hemi !== neg) return undefined;
  let deg = 0;
  let min = 0;
  for (let i = 0; i < width; i++) {
    const d = bytes[at + i] - 48;
    if (d < 0 || d > 9) return undefined;
    if (i < degDigits) deg = deg * 10 + d;
    else min = min * 10 + d;
  }
  const minutes = min / 10 ** MINUTE_DIGITS;
  if (minutes >= 60) return undefined;
  const v = deg + minutes / 60;
  if (v > limit) return undefined;
  return hemi === neg ? -v : v;
}

/** Encode fixes as a `D|…` track string (ASCII bytes). Throws RangeError on a bad position. */
export function encodeTrack(fixes: readonly PayloadFix[]): Uint8Array {
  if (fixes.length === 0) throw new RangeError('a track string needs at least one point');
  const parts = fixes.map((f) => `${encodeAngle(f.lat, 2, 'N', 'S', 90)}${encodeAngle(f.lon, 3, 'E', 'W', 180)}`);
  const text = `D|${parts.join(';')}`;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function encodeAngle(v: number, degDigits: number, pos: string, neg: string, limit: number): string {
  if (!Number.isFinite(v) || Math.abs(v) > limit) throw new RangeError(`${v} is not a valid ${limit === 90 ? 'latitude' : 'longitude'}`);
  const a = Math.abs(v);
  // Work in 1e-5 minutes so rounding can carry into the degrees (59.999996' → next degree).
  const units = Math.round(a * 60 * 10 ** MINUTE_DIGITS);
  const perDeg = 60 * 10 ** MINUTE_DIGITS;
  const deg = Math.floor(units / perDeg);
  const min = units - deg * perDeg;
  return `${String(deg).padStart(degDigits, '0')}${String(min).padStart(2 + MINUTE_DIGITS, '0')}${v < 0 ? neg : pos}`;
}
