import { DecodeError } from '../../../../core/errors.js';
import { daysInMonth } from '../time.js';
import type { PayloadCodec, PayloadFix } from '../types.js';
import { type BinField, readStruct, scaled, structSize, unscaled, writeStruct } from './binary.js';

/**
 * "A225" binary frame (`D1 35`), brief §1.2.4:
 *
 *   D1 35 · u8 count · count × point (21 B) · u8 XOR
 *   point: u8 status · u8 year−2000 · u8 month · u8 day · u8 h · u8 m · u8 s (UTC) ·
 *          i32 lon ×1e6 · i32 lat ×1e6 · i16 altitude ×10 m · i16 speed ×100 m/s · u16 heading °
 *
 * The public sample does not show whether the XOR covers the magic bytes; both spans are
 * accepted (they differ by the constant D1^35), which costs nothing in practice.
 */

type PointKey = 'status' | 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'lon' | 'lat' | 'altitude' | 'speed' | 'heading';

export const A225_POINT: readonly BinField<PointKey>[] = [
  { key: 'status', at: 0, type: 'u8' },
  { key: 'year', at: 1, type: 'u8' },
  { key: 'month', at: 2, type: 'u8' },
  { key: 'day', at: 3, type: 'u8' },
  { key: 'hour', at: 4, type: 'u8' },
  { key: 'minute', at: 5, type: 'u8' },
  { key: 'second', at: 6, type: 'u8' },
  { key: 'lon', at: 7, type: 'i32', div: 1e6 },
  { key: 'lat', at: 11, type: 'i32', div: 1e6 },
  { key: 'altitude', at: 15, type: 'i16', div: 10 },
  { key: 'speed', at: 17, type: 'i16', div: 100 },
  { key: 'heading', at: 19, type: 'u16' },
];

const HEAD_SIZE = 3;
const POINT_SIZE = structSize(A225_POINT); // 21
const KNOTS_PER_MPS = 3600 / 1852;

export function createA225Codec(): PayloadCodec {
  return {
    id: 'a225',
    encodings: ['code', 'mixed'],
    match: (bytes) => bytes.length >= 2 && bytes[0] === 0xd1 && bytes[1] === 0x35,
    decode: (bytes) => decodeA225(bytes),
  };
}

function xor(bytes: Uint8Array, from: number, to: number): number {
  let x = 0;
  for (let i = from; i < to; i++) x ^= bytes[i];
  return x;
}

export function decodeA225(bytes: Uint8Array): PayloadFix[] | DecodeError {
  if (bytes.length < HEAD_SIZE + 1 || bytes[0] !== 0xd1 || bytes[1] !== 0x35) {
    return new DecodeError('payload', 'A225 content must start D1 35 and hold a point count');
  }
  const count = bytes[2];
  const expected = HEAD_SIZE + count * POINT_SIZE + 1;
  if (bytes.length !== expected) {
    return new DecodeError('payload', `A225 content with ${count} points must be ${expected} bytes, not ${bytes.length}`);
  }
  const last = bytes.length - 1;
  if (bytes[last] !== xor(bytes, 0, last) && bytes[last] !== xor(bytes, 2, last)) {
    return new DecodeError('payload', `A225 XOR byte is ${bytes[last].toString(16).padStart(2, '0')} but the frame computes to ${xor(bytes, 0, last).toString(16).padStart(2, '0')}`);
  }
  const fixes: PayloadFix[] = [];
  for (let k = 0; k < count; k++) {
    const p = readStruct(bytes, HEAD_SIZE + k * POINT_SIZE, A225_POINT);
    const year = 2000 + p.year;
    if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysInMonth(year, p.month) || p.hour > 23 || p.minute > 59 || p.second > 60) {
      return new DecodeError('payload', `A225 point ${k + 1} has an impossible date/time ${year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`);
    }
    const lat = scaled(A225_POINT, 'lat', p.lat);
    const lon = scaled(A225_POINT, 'lon', p.lon);
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return new DecodeError('payload', `A225 point ${k + 1} position ${lat}, ${lon} is out of range`);
    const fix: PayloadFix = {
      time: Date.UTC(year, p.month - 1, p.day, p.hour, p.minute, p.second),
      lat,
      lon,
      altitude: scaled(A225_POINT, 'altitude', p.altitude),
      status: p.status,
    };
    if (p.speed >= 0) fix.sog = scaled(A225_POINT, 'speed', p.speed) * KNOTS_PER_MPS;
    if (p.heading <= 360) fix.heading = p.heading;
    fixes.push(fix);
  }
  return fixes;
}

/** Encode fixes (each with a time in 2000–2255) as an A225 frame, XOR over the whole frame. Throws RangeError. */
export function encodeA225(fixes: readonly PayloadFix[]): Uint8Array {
  if (fixes.length > 255) throw new RangeError('A225 carries at most 255 points');
  const bytes = new Uint8Array(HEAD_SIZE + fixes.length * POINT_SIZE + 1);
  bytes[0] = 0xd1;
  bytes[1] = 0x35;
  bytes[2] = fixes.length;
  fixes.forEach((f, k) => {
    if (f.time === undefined) throw new RangeError('A225 points need a time');
    const d = new Date(f.time);
    writeStruct(
      bytes,
      HEAD_SIZE + k * POINT_SIZE,
      A225_POINT,
      {
        status: f.status ?? 1,
        year: d.getUTCFullYear() - 2000,
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
        hour: d.getUTCHours(),
        minute: d.getUTCMinutes(),
        second: d.getUTCSeconds(),
        lon: unscaled(A225_POINT, 'lon', f.lon),
        lat: unscaled(A225_POINT, 'lat', f.lat),
        altitude: unscaled(A225_POINT, 'altitude', f.altitude ?? 0),
        speed: unscaled(A225_POINT, 'speed', (f.sog ?? 0) / KNOTS_PER_MPS),
        heading: Math.round(f.heading ?? f.cog ?? 0),
      },
      `A225 point ${k + 1}`,
    );
  });
  bytes[bytes.length - 1] = xor(bytes, 0, bytes.length - 1);
  return bytes;
}
