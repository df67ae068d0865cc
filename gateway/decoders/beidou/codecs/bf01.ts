import { DecodeError } from '../../../../core/errors.js';
import type { PayloadCodec, PayloadFix, PayloadInfo } from '../types.js';
import { type BinField, readStruct, scaled, structSize, unscaled, writeStruct } from './binary.js';

/**
 * "BF01" compressed multi-fix binary (code mode, 75 bytes, 5 fixes), brief §1.2.4.
 *
 *   head (23 B): BF 01 · u24 terminal/service id · u32 s since 2016-01-01 UTC · i32 lon ×1e6 ·
 *                i32 lat ×1e6 · u16 altitude m · u16 speed · u16 heading °
 *   4 × step (13 B): u8 Δt s · i24 Δlon ×1e6 · i24 Δlat ×1e6 · u16 altitude · u16 speed · u16 heading
 *
 * Verified against the public sample: `BF01 057840 02C4BD08 06F04EF0 02624A9C 0082 0000 0045` is
 * 2017-06-21 14:11:20 UTC, 116.412144 E, 39.99606 N, 130 m, heading 69, and the step
 * `0C FFFF48 FFFF2C …` gives 116.41196 / 39.995848.
 * Not confirmed by the sample, hence options: the speed unit (kept raw unless `speedToKnots` is
 * given) and whether each Δ is from the previous fix (default) or from the first.
 */

export const BF01_EPOCH_MS = Date.UTC(2016, 0, 1);

type HeadKey = 'magic' | 'terminalId' | 'time' | 'lon' | 'lat' | 'altitude' | 'speed' | 'heading';
type StepKey = 'time' | 'lon' | 'lat' | 'altitude' | 'speed' | 'heading';

export const BF01_HEAD: readonly BinField<HeadKey>[] = [
  { key: 'magic', at: 0, type: 'u16' },
  { key: 'terminalId', at: 2, type: 'u24' },
  { key: 'time', at: 5, type: 'u32' },
  { key: 'lon', at: 9, type: 'i32', div: 1e6 },
  { key: 'lat', at: 13, type: 'i32', div: 1e6 },
  { key: 'altitude', at: 17, type: 'u16' },
  { key: 'speed', at: 19, type: 'u16' },
  { key: 'heading', at: 21, type: 'u16' },
];

export const BF01_STEP: readonly BinField<StepKey>[] = [
  { key: 'time', at: 0, type: 'u8' },
  { key: 'lon', at: 1, type: 'i24', div: 1e6 },
  { key: 'lat', at: 4, type: 'i24', div: 1e6 },
  { key: 'altitude', at: 7, type: 'u16' },
  { key: 'speed', at: 9, type: 'u16' },
  { key: 'heading', at: 11, type: 'u16' },
];

const MAGIC = 0xbf01;
const HEAD_SIZE = structSize(BF01_HEAD); // 23
const STEP_SIZE = structSize(BF01_STEP); // 13
const MAX_STEPS = 4;
export const BF01_SIZE = HEAD_SIZE + MAX_STEPS * STEP_SIZE; // 75

export interface Bf01Options {
  /** Knots per unit of the wire speed, once the terminal's unit is known; absent → `speedRaw`. */
  speedToKnots?: number;
  /** Δ from the previous fix (`chained`, default) or from the first fix (`from-first`). */
  deltas?: 'chained' | 'from-first';
}

export function createBf01Codec(options: Bf01Options = {}): PayloadCodec {
  return {
    id: 'bf01',
    encodings: ['code', 'mixed'],
    match: (bytes) => bytes.length >= 2 && bytes[0] === 0xbf && bytes[1] === 0x01,
    decode: (bytes) => decodeBf01(bytes, options),
    describe: (bytes): PayloadInfo | undefined =>
      bytes.length >= HEAD_SIZE ? { terminalId: String(readStruct(bytes, 0, BF01_HEAD).terminalId) } : undefined,
  };
}

export function decodeBf01(bytes: Uint8Array, options: Bf01Options = {}): PayloadFix[] | DecodeError {
  const steps = (bytes.length - HEAD_SIZE) / STEP_SIZE;
  if (bytes.length < HEAD_SIZE || !Number.isInteger(steps) || steps > MAX_STEPS) {
    return new DecodeError('payload', `BF01 content is ${bytes.length} bytes; expected ${HEAD_SIZE} + 13 × (0…4), normally ${BF01_SIZE}`);
  }
  const head = readStruct(bytes, 0, BF01_HEAD);
  if (head.magic !== MAGIC) return new DecodeError('payload', 'BF01 content does not start with BF 01');
  let t = head.time;
  let lon = head.lon; // micro-degrees: sums stay exact
  let lat = head.lat;
  const fixes: PayloadFix[] = [];
  const first = toFix(t, lon, lat, head, options);
  if (first instanceof DecodeError) return first;
  fixes.push(first);
  for (let k = 0; k < steps; k++) {
    const step = readStruct(bytes, HEAD_SIZE + k * STEP_SIZE, BF01_STEP);
    // An all-zero step is padding: a terminal that has fewer than 5 fixes leaves the slots empty.
    if (step.time === 0) continue;
    if (options.deltas === 'from-first') {
      t = head.time + step.time;
      lon = head.lon + step.lon;
      lat = head.lat + step.lat;
    } else {
      t += step.time;
      lon += step.lon;
      lat += step.lat;
    }
    const fix = toFix(t, lon, lat, step, options);
    if (fix instanceof DecodeError) return fix;
    fixes.push(fix);
  }
  return fixes;
}

function toFix(
  t: number,
  lonRaw: number,
  latRaw: number,
  rest: { altitude: number; speed: number; heading: number },
  options: Bf01Options,
): PayloadFix | DecodeError {
  const lon = scaled(BF01_HEAD, 'lon', lonRaw);
  const lat = scaled(BF01_HEAD, 'lat', latRaw);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    return new DecodeError('payload', `BF01 position ${lat}, ${lon} is out of range`);
  }
  const fix: PayloadFix = { time: BF01_EPOCH_MS + t * 1000, lat, lon, altitude: rest.altitude };
  if (options.speedToKnots !== undefined) fix.sog = rest.speed * options.speedToKnots;
  else fix.speedRaw = rest.speed;
  if (rest.heading <= 360) fix.heading = rest.heading;
  return fix;
}

export interface Bf01EncodeOptions extends Bf01Options {
  /** u24 terminal / service id written into the head. */
  terminalId?: number;
  /** Pad to the on-air 75 bytes with empty steps (default true). */
  pad?: boolean;
}

/**
 * Encode 1–5 fixes (each with a time, at most 255 s apart) as a BF01 payload, for the simulator.
 * Throws RangeError on fixes the format cannot carry.
 */
export function encodeBf01(fixes: readonly PayloadFix[], options: Bf01EncodeOptions = {}): Uint8Array {
  if (fixes.length < 1 || fixes.length > MAX_STEPS + 1) throw new RangeError(`BF01 carries 1–5 fixes, not ${fixes.length}`);
  const n = options.pad === false ? HEAD_SIZE + (fixes.length - 1) * STEP_SIZE : BF01_SIZE;
  const bytes = new Uint8Array(n);
  const speed = (f: PayloadFix): number =>
    f.speedRaw ?? (f.sog !== undefined && options.speedToKnots ? Math.round(f.sog / options.speedToKnots) : 0);
  const secs = (f: PayloadFix): number => {
    if (f.time === undefined) throw new RangeError('BF01 fixes need a time');
    const s = (f.time - BF01_EPOCH_MS) / 1000;
    if (!Number.isInteger(s)) throw new RangeError(`BF01 times are whole seconds since 2016-01-01 (got ${new Date(f.time).toISOString()})`);
    return s;
  };
  const f0 = fixes[0];
  const head = {
    magic: MAGIC,
    terminalId: options.terminalId ?? 0,
    time: secs(f0),
    lon: unscaled(BF01_HEAD, 'lon', f0.lon),
    lat: unscaled(BF01_HEAD, 'lat', f0.lat),
    altitude: Math.round(f0.altitude ?? 0),
    speed: speed(f0),
    heading: Math.round(f0.heading ?? f0.cog ?? 0),
  };
  writeStruct(bytes, 0, BF01_HEAD, head, 'BF01 head');
  let prev = head;
  for (let k = 1; k < fixes.length; k++) {
    const f = fixes[k];
    const cur = { ...head, time: secs(f), lon: unscaled(BF01_HEAD, 'lon', f.lon), lat: unscaled(BF01_HEAD, 'lat', f.lat) };
    const base = options.deltas === 'from-first' ? head : prev;
    const dt = cur.time - base.time;
    if (dt < 1) throw new RangeError(`BF01 fix ${k + 1} is not after fix ${k}`);
    writeStruct(
      bytes,
      HEAD_SIZE + (k - 1) * STEP_SIZE,
      BF01_STEP,
      {
        time: dt,
        lon: cur.lon - base.lon,
        lat: cur.lat - base.lat,
        altitude: Math.round(f.altitude ?? 0),
        speed: speed(f),
        heading: Math.round(f.heading ?? f.cog ?? 0),
      },
      `BF01 fix ${k + 1}`,
    );
    prev = cur;
  }
  return bytes;
}
