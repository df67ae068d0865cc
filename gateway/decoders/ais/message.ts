import { DecodeError } from '../../../core/errors.js';
import { Kind, LAYOUTS, STATIC_A, STATIC_B, STATIC_B_AUX, STATIC_OTHER, type Field, type Layout } from './layouts.js';
import type { AisEta, AisRecord } from './record.js';
import { BitBuffer, bitsToHex, readI, readU } from './sixbit.js';

// Hoisted so the switch below compares against constants.
const U = Kind.U;
const I = Kind.I;
const BOOL = Kind.Bool;
const TEXT = Kind.Text;
const ROT = Kind.Rot;
const ETA = Kind.Eta;
const UTC = Kind.Utc;

const TEXT_CHARS = '@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !"#$%&\'()*+,-./0123456789:;<=>?';

/** 146097 days: the Gregorian calendar's cycle. */
const GREGORIAN_400_YEARS_MS = 146_097 * 86_400_000;

/** Header bits every message has: type 6, repeat 2, MMSI 30. */
const HEADER_BITS = 38;

/** Character codes of the 6-bit text alphabet. */
const TEXT_CODES = Array.from(TEXT_CHARS, (c) => c.charCodeAt(0));

/**
 * Text starting at `start`: up to `chars` characters (0: no limit) that lie wholly before `bitlen`,
 * cut at the first '@'. Codes are collected in the buffer's scratch array and turned into a string
 * at once, which beats growing a string character by character.
 */
function readChars(buf: BitBuffer, start: number, chars: number, bitlen: number): string {
  const fit = Math.floor((bitlen - start) / 6);
  const n = chars > 0 && chars < fit ? chars : fit;
  const codes = buf.text;
  let len = 0;
  for (let at = start; len < n; len++, at += 6) {
    const c = readU(buf.words, at, 6);
    if (c === 0) break;
    codes[len] = TEXT_CODES[c];
  }
  if (len === 0) return '';
  codes.length = len;
  return String.fromCharCode.apply(null, codes);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function readEta(words: Uint32Array, start: number): AisEta | undefined {
  // month 0, day 0, hour 24, minute 60 are "not available"; larger values are invalid.
  const month = readU(words, start, 4);
  const day = readU(words, start + 4, 5);
  const hour = readU(words, start + 9, 5);
  const minute = readU(words, start + 14, 6);
  const okMonth = month >= 1 && month <= 12;
  const okDay = day >= 1;
  const okHour = hour <= 23;
  const okMinute = minute <= 59;
  if (!(okMonth || okDay || okHour || okMinute)) return undefined;
  const eta: AisEta = {};
  if (okMonth) eta.month = month;
  if (okDay) eta.day = day;
  if (okHour) eta.hour = hour;
  if (okMinute) eta.minute = minute;
  return eta;
}

function readUtc(words: Uint32Array, start: number): number | undefined {
  const year = readU(words, start, 14);
  const month = readU(words, start + 14, 4);
  const day = readU(words, start + 18, 5);
  const hour = readU(words, start + 23, 5);
  const minute = readU(words, start + 28, 6);
  const second = readU(words, start + 34, 6);
  if (year === 0 || year > 9999 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  // Date.UTC reads years 0–99 as 1900–1999; 400 Gregorian years later the calendar repeats exactly.
  if (year < 100) return Date.UTC(year + 400, month - 1, day, hour, minute, second) - GREGORIAN_400_YEARS_MS;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Read every field of `fields` that lies inside `bitlen` into `rec` (the one generic table interpreter). */
function readFields(buf: BitBuffer, bitlen: number, fields: readonly Field[], rec: Record<string, unknown>): void {
  const words = buf.words;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k];
    if (f.start + f.width > bitlen) continue; // short message: the field was not sent
    switch (f.kind) {
      case U: {
        const v = readU(words, f.start, f.width);
        if (v !== f.na && v >= f.min && v <= f.max) rec[f.key] = f.div === 1 ? v : v / f.div;
        break;
      }
      case I: {
        const v = readI(words, f.start, f.width);
        if (v !== f.na && v >= f.min && v <= f.max) rec[f.key] = f.div === 1 ? v : v / f.div;
        break;
      }
      case BOOL:
        rec[f.key] = readU(words, f.start, 1) === 1;
        break;
      case TEXT: {
        let s = readChars(buf, f.start, f.width / 6, bitlen);
        // Type 21: a full 20-character name continues in the extension field at the end.
        if (f.more >= 0 && s.length * 6 === f.width && bitlen >= f.more + 6) s += readChars(buf, f.more, 0, bitlen);
        // Trailing spaces are padding too (the only whitespace in the 6-bit alphabet is ' ').
        s = s.trimEnd();
        if (s.length > 0) rec[f.key] = s;
        break;
      }
      case ROT: {
        const v = readI(words, f.start, f.width);
        if (v !== -128) {
          const r = v / 4.733;
          rec[f.key] = v < 0 ? -r * r : r * r;
        }
        break;
      }
      case ETA: {
        const eta = readEta(words, f.start);
        if (eta) rec[f.key] = eta;
        break;
      }
      case UTC: {
        const time = readUtc(words, f.start);
        if (time !== undefined) rec[f.key] = time;
        break;
      }
    }
  }
}

function isAuxiliaryCraft(mmsi: number): boolean {
  return mmsi >= 980_000_000 && mmsi <= 989_999_999;
}

/** The layout for a message; type 24 depends on its part number and on the MMSI. */
function layoutFor(type: number, words: Uint32Array, mmsi: number): Layout {
  if (type !== 24) return LAYOUTS[type];
  const part = readU(words, 38, 2);
  if (part === 0) return STATIC_A;
  if (part === 1) return isAuxiliaryCraft(mmsi) ? STATIC_B_AUX : STATIC_B;
  return STATIC_OTHER;
}

/**
 * Decode a complete message held in `buf` (its first `bitlen` bits).
 * Reception details (channel, time, station) are the caller's to add.
 */
export function decodeBits(buf: BitBuffer, bitlen: number): AisRecord | DecodeError {
  const words = buf.words;
  if (bitlen < HEADER_BITS) {
    return new DecodeError('length', `AIS message has ${bitlen} bits, fewer than the ${HEADER_BITS} of the common header`);
  }
  const type = readU(words, 0, 6);
  if (type < 1 || type > 27) {
    return new DecodeError('unsupported', `AIS message type ${type} is not defined (ITU-R M.1371 defines types 1–27)`);
  }
  const mmsi = readU(words, 8, 30);
  if (type === 24 && bitlen < 40) {
    return new DecodeError('length', `AIS type 24 message has ${bitlen} bits, too short for its part number`);
  }
  const layout = layoutFor(type, words, mmsi);
  if (bitlen < layout.minBits) {
    return new DecodeError(
      'length',
      `AIS type ${type} (${layout.name}) needs at least ${layout.minBits} bits but the payload has ${bitlen}`,
    );
  }
  const rec: AisRecord = { kind: 'ais', type, repeat: readU(words, 6, 2), mmsi };
  readFields(buf, bitlen, layout.fields, rec as unknown as Record<string, unknown>);
  if (layout.raw) {
    rec.payload = bitsToHex(buf, bitlen);
    rec.payloadBits = bitlen;
  }
  return rec;
}

/**
 * Decode one complete armoured payload (all fragments' payloads concatenated) with its fill bits,
 * outside any sentence: for callers that already hold the payload (e.g. from a database).
 */
export function decodePayload(armoured: string, fillBits = 0): AisRecord | DecodeError {
  if (!(fillBits >= 0 && fillBits <= 5)) return new DecodeError('armour', `fill bits must be 0–5, not ${fillBits}`);
  const buf = new BitBuffer(armoured.length);
  const bad = buf.append(armoured);
  if (bad >= 0) return armourError(armoured, bad);
  const bitlen = buf.length - fillBits;
  return decodeBits(buf, bitlen < 0 ? 0 : bitlen);
}

export function armourError(payload: string, at: number): DecodeError {
  const ch = payload.charCodeAt(at);
  const shown = ch >= 33 && ch <= 126 ? `'${payload[at]}'` : `byte 0x${ch.toString(16).padStart(2, '0')}`;
  return new DecodeError('armour', `payload character ${shown} at position ${at + 1} is not in the AIS 6-bit armour alphabet`);
}
