/**
 * Big-endian struct tables for vendor payloads: a layout is a list of {key, byte offset, type,
 * divisor}, read and written by the two generic functions below, so each codec is mostly its table.
 */

export type BinType = 'u8' | 'i8' | 'u16' | 'i16' | 'u24' | 'i24' | 'u32' | 'i32';

export interface BinField<K extends string = string> {
  key: K;
  /** Byte offset from the start of the struct. */
  at: number;
  type: BinType;
  /** Wire value = value × div (e.g. 1e6 for micro-degrees). Absent = 1. */
  div?: number;
}

export const BIN_WIDTH: Readonly<Record<BinType, number>> = { u8: 1, i8: 1, u16: 2, i16: 2, u24: 3, i24: 3, u32: 4, i32: 4 };

/** Size in bytes of a layout (end of its last field). */
export function structSize(layout: readonly BinField[]): number {
  let end = 0;
  for (const f of layout) end = Math.max(end, f.at + BIN_WIDTH[f.type]);
  return end;
}

export function readInt(bytes: Uint8Array, at: number, type: BinType): number {
  const w = BIN_WIDTH[type];
  let v = 0;
  for (let i = 0; i < w; i++) v = v * 256 + bytes[at + i];
  if (type[0] === 'i') {
    const half = 2 ** (8 * w - 1);
    if (v >= half) v -= 2 * half;
  }
  return v;
}

/** Write an integer; RangeError when it does not fit (encoders are fed by our own code, not the wire). */
export function writeInt(bytes: Uint8Array, at: number, type: BinType, value: number, label: string): void {
  const w = BIN_WIDTH[type];
  const signed = type[0] === 'i';
  const span = 2 ** (8 * w);
  const min = signed ? -span / 2 : 0;
  const max = signed ? span / 2 - 1 : span - 1;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${label} = ${value} does not fit ${type} (${min}…${max})`);
  }
  let v = value < 0 ? value + span : value;
  for (let i = w - 1; i >= 0; i--) {
    bytes[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** Raw wire integers of one struct at `base` (the caller has checked the length). */
export function readStruct<K extends string>(bytes: Uint8Array, base: number, layout: readonly BinField<K>[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const f of layout) out[f.key] = readInt(bytes, base + f.at, f.type);
  return out;
}

/** Write raw wire integers (missing keys → 0). */
export function writeStruct<K extends string>(
  bytes: Uint8Array,
  base: number,
  layout: readonly BinField<K>[],
  raw: Partial<Record<K, number>>,
  what: string,
): void {
  for (const f of layout) writeInt(bytes, base + f.at, f.type, raw[f.key] ?? 0, `${what} ${f.key}`);
}

/** Wire integer → value, using the field's divisor. */
export function scaled<K extends string>(layout: readonly BinField<K>[], key: K, raw: number): number {
  const f = layout.find((x) => x.key === key);
  return f?.div ? raw / f.div : raw;
}

/** Value → wire integer (rounded), using the field's divisor. */
export function unscaled<K extends string>(layout: readonly BinField<K>[], key: K, value: number): number {
  const f = layout.find((x) => x.key === key);
  return Math.round(f?.div ? value * f.div : value);
}
