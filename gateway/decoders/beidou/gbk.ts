import iconv from 'iconv-lite';

/**
 * GBK text and hex helpers. RDSS lines are latin1 byte strings (one char per byte), so raw GBK
 * survives framing; it is decoded here, after the fields are split.
 */

/** Is this printable ASCII / well-formed two-byte GBK (no control bytes, no broken pairs)? */
export function isCleanGbk(bytes: Uint8Array): boolean {
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b < 0x80) {
      if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
      if (b === 0x7f) return false;
      continue;
    }
    if (b === 0x80 || b === 0xff || i + 1 >= n) return false;
    const t = bytes[++i];
    if (t < 0x40 || t === 0x7f || t === 0xff) return false;
  }
  return true;
}

export function decodeGbk(bytes: Uint8Array): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'gbk');
}

export function encodeGbk(text: string): Uint8Array {
  return new Uint8Array(iconv.encode(text, 'gbk'));
}

/** latin1 byte string → bytes; undefined when a char is above U+00FF (the line was not read as bytes). */
export function latin1Bytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

/** bytes → latin1 byte string (to build sentences carrying raw GBK). */
export function bytesToLatin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

const HEX = '0123456789ABCDEF';

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

export function isHex(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * Hex digits → bytes. An odd count (2.1 代码 mode sends nibbles, "半字节") leaves the last nibble
 * in the high half of the last byte. undefined when not hex.
 */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (!isHex(hex)) return hex.length === 0 ? new Uint8Array(0) : undefined;
  const out = new Uint8Array((hex.length + 1) >> 1);
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    const v = c <= 57 ? c - 48 : (c | 0x20) - 87;
    out[i >> 1] |= i & 1 ? v : v << 4;
  }
  return out;
}
