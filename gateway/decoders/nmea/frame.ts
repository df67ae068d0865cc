import { DecodeError } from '../../../core/errors.js';

/**
 * NMEA 0183 framing shared by AIS (`!AIVDM`), GNSS (`$GNRMC`) and Beidou RDSS (`$BDTXR`).
 *
 * Lines are handled as *byte strings* (latin1: one char per byte) so the XOR checksum is computed
 * over bytes and RDSS content in raw GBK survives untouched; callers decode GBK afterwards.
 */

/** NMEA 4.0 / IEC 61162-450 tag block: `\s:station,c:unixtime,g:1-2-42*hh\`. */
export interface TagBlock {
  /** Receive time in ms since the Unix epoch (from `c:`, which is seconds or milliseconds). */
  rxTime?: number;
  /** Source / station id (`s:`). */
  station?: string;
  /** Sentence grouping (`g:` sentence number, total, group id) for multi-sentence messages. */
  group?: { index: number; total: number; id: string };
  /** Destination (`d:`), relative time (`r:`) and text (`t:`) are kept verbatim when present. */
  destination?: string;
  text?: string;
}

export interface NmeaFrame {
  /** `!` for encapsulated (AIS) sentences, `$` for parametric ones. */
  start: '!' | '$';
  /** Talker id: `AI`, `BS`, `GN`, `BD`, `GB`, … (empty for proprietary `$P…` sentences). */
  talker: string;
  /** Sentence formatter: `VDM`, `GGA`, `TXR`, … */
  formatter: string;
  /** Fields after the address field, split on `,` (the last one ends before `*`). */
  fields: string[];
  tag?: TagBlock;
  /** Whatever followed the checksum (USCG-style receiver metadata such as `,s1234,d-98,T12.3,1234567890`). */
  trailer?: string;
}

const HEX = '0123456789ABCDEF';

/** XOR of the char codes of `s` from `from` (inclusive) to `to` (exclusive). */
export function xorChecksum(s: string, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum ^= s.charCodeAt(i);
  return sum & 0xff;
}

export function hex2(n: number): string {
  return HEX[(n >> 4) & 15] + HEX[n & 15];
}

function parseHexByte(s: string, at: number): number {
  const hi = hexValue(s.charCodeAt(at));
  const lo = hexValue(s.charCodeAt(at + 1));
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Parse a tag block's inner text (between the backslashes, without them). */
export function parseTagBlock(inner: string): TagBlock | DecodeError {
  const star = inner.lastIndexOf('*');
  if (star < 0 || star + 3 !== inner.length) {
    return new DecodeError('tag-block', `tag block "\\${inner}\\" has no *hh checksum`);
  }
  const expected = parseHexByte(inner, star + 1);
  const actual = xorChecksum(inner, 0, star);
  if (expected !== actual) {
    return new DecodeError(
      'tag-block',
      `tag block checksum is ${inner.slice(star + 1)} but the content computes to ${hex2(actual)}`,
    );
  }
  const tag: TagBlock = {};
  for (const part of inner.slice(0, star).split(',')) {
    const colon = part.indexOf(':');
    if (colon !== 1) return new DecodeError('tag-block', `tag block parameter "${part}" is not of the form x:value`);
    const value = part.slice(2);
    switch (part[0]) {
      case 'c': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0 || value === '') {
          return new DecodeError('tag-block', `tag block time "c:${value}" is not a Unix time`);
        }
        // Receivers write seconds (10 digits) or milliseconds (13 digits).
        tag.rxTime = n > 1e11 ? Math.round(n) : Math.round(n * 1000);
        break;
      }
      case 's':
        tag.station = value;
        break;
      case 'g': {
        const m = /^(\d+)-(\d+)-(\w+)$/.exec(value);
        if (!m) return new DecodeError('tag-block', `tag block group "g:${value}" is not index-total-id`);
        tag.group = { index: Number(m[1]), total: Number(m[2]), id: m[3] };
        break;
      }
      case 'd':
        tag.destination = value;
        break;
      case 't':
        tag.text = value;
        break;
      default:
        // `n:` line count, `r:` relative time and vendor letters carry nothing we use.
        break;
    }
  }
  return tag;
}

/**
 * Frame one line. Accepts an optional tag block before the sentence, tolerates a trailing CR/LF,
 * and keeps any receiver metadata after the checksum as `trailer`.
 */
export function frameLine(line: string): NmeaFrame | DecodeError {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 13 || line.charCodeAt(end - 1) === 10 || line.charCodeAt(end - 1) === 32)) end--;
  let begin = 0;
  while (begin < end && line.charCodeAt(begin) === 32) begin++;
  if (begin === end) return new DecodeError('empty', 'empty line');

  let tag: TagBlock | undefined;
  if (line.charCodeAt(begin) === 92 /* \ */) {
    const close = line.indexOf('\\', begin + 1);
    if (close < 0) return new DecodeError('tag-block', 'tag block opened with \\ but never closed');
    const parsed = parseTagBlock(line.slice(begin + 1, close));
    if (parsed instanceof DecodeError) return parsed;
    tag = parsed;
    begin = close + 1;
  }

  const startChar = line[begin];
  if (startChar !== '!' && startChar !== '$') {
    return new DecodeError('framing', `sentence must start with $ or ! (found ${JSON.stringify(line.slice(begin, begin + 12))})`);
  }
  const star = line.indexOf('*', begin + 1);
  if (star < 0 || star + 3 > end) {
    return new DecodeError('framing', 'sentence has no *hh checksum (truncated line?)');
  }
  const expected = parseHexByte(line, star + 1);
  if (expected < 0) return new DecodeError('framing', `checksum "${line.slice(star + 1, star + 3)}" is not two hex digits`);
  const actual = xorChecksum(line, begin + 1, star);
  if (expected !== actual) {
    return new DecodeError('checksum', `checksum is ${line.slice(star + 1, star + 3).toUpperCase()} but the sentence computes to ${hex2(actual)}`);
  }

  const firstComma = line.indexOf(',', begin + 1);
  const addressEnd = firstComma < 0 || firstComma > star ? star : firstComma;
  const address = line.slice(begin + 1, addressEnd);
  if (address.length < 3) return new DecodeError('framing', `address field "${address}" is too short`);
  const proprietary = address.charCodeAt(0) === 80; /* P */
  const talker = proprietary ? '' : address.slice(0, 2);
  const formatter = proprietary ? address : address.slice(2);
  const fields = addressEnd === star ? [] : line.slice(addressEnd + 1, star).split(',');

  const frame: NmeaFrame = { start: startChar, talker, formatter, fields };
  if (tag) frame.tag = tag;
  const after = star + 3;
  if (after < end) frame.trailer = line.slice(after, end).replace(/^,/, '');
  return frame;
}
