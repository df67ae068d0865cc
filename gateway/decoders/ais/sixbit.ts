/**
 * AIS 6-bit armour and bit-field reading.
 *
 * De-armouring packs the payload's bits, most significant first, into 32-bit words of a
 * Uint32Array the decoder owns and reuses: no bit string and no per-sentence allocation. A field
 * (at most 30 bits wide) then spans at most two words and is read with a couple of shifts.
 */

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Armour character code → 6-bit value, or -1 outside the alphabet ('0'..'W', '`'..'w'). */
const ARMOUR = new Int8Array(256).fill(-1);
for (let c = 48; c <= 87; c++) ARMOUR[c] = c - 48;
for (let c = 96; c <= 119; c++) ARMOUR[c] = c - 56;

/** A reusable bit buffer: fill it with `begin` + `append`…, then read fields with `readU` / `readI`. */
export class BitBuffer {
  readonly words: Uint32Array;
  /** Scratch for the character codes of one string being built (text fields, hex payload). */
  readonly text: number[] = [];
  /** Bits appended so far. */
  length = 0;
  /** Bits not yet flushed to `words` (the low `pend` bits of `acc`). */
  private acc = 0;
  private pend = 0;

  /** Room for `maxChars` armour characters. */
  constructor(maxChars: number) {
    this.words = new Uint32Array(((maxChars * 6) >> 5) + 2);
  }

  begin(): void {
    this.length = 0;
    this.acc = 0;
    this.pend = 0;
  }

  /**
   * Append the armoured characters `payload[from..to)`. Returns -1, or the index of the first
   * character outside the armour alphabet (the buffer is then left partly written; call `begin`
   * again). The caller keeps the total within `maxChars`.
   */
  append(payload: string, from = 0, to = payload.length): number {
    const words = this.words;
    let acc = this.acc;
    let pend = this.pend;
    let w = (this.length - pend) >> 5;
    for (let i = from; i < to; i++) {
      const code = payload.charCodeAt(i);
      const c = code < 256 ? ARMOUR[code] : -1;
      if (c < 0) return i;
      if (pend <= 26) {
        acc = (acc << 6) | c;
        pend += 6;
        if (pend === 32) {
          words[w++] = acc;
          acc = 0;
          pend = 0;
        }
      } else {
        // Word boundary inside this character: its top bits finish the word.
        const rest = pend - 26; // bits of c that do not fit (1–5)
        words[w++] = (acc << (6 - rest)) | (c >>> rest);
        acc = c & ((1 << rest) - 1);
        pend = rest;
      }
    }
    // Keep the partial word readable too (its low bits are zero until more arrives).
    words[w] = pend === 0 ? 0 : acc << (32 - pend);
    this.acc = acc;
    this.pend = pend;
    this.length += (to - from) * 6;
    return -1;
  }
}

/** Unsigned field of `width` (1–31) bits at bit `start`. The caller keeps start + width within the bits written. */
export function readU(words: Uint32Array, start: number, width: number): number {
  const w = start >>> 5;
  const off = start & 31;
  const hi = words[w] << off; // field now starts at the top bit
  if (off + width <= 32) return hi >>> (32 - width);
  return (hi >>> (32 - width)) | (words[w + 1] >>> (64 - off - width));
}

/** Two's-complement signed field of `width` (2–31) bits. */
export function readI(words: Uint32Array, start: number, width: number): number {
  const shift = 32 - width;
  return (readU(words, start, width) << shift) >> shift;
}

/** The first `bitlen` bits of `buf` as hex, most significant first, the last byte zero-padded. */
export function bitsToHex(buf: BitBuffer, bitlen: number): string {
  const words = buf.words;
  const codes = buf.text;
  let n = 0;
  for (let at = 0; at < bitlen; at += 8) {
    const left = bitlen - at;
    const byte = left >= 8 ? readU(words, at, 8) : readU(words, at, left) << (8 - left);
    codes[n++] = HEX_CODES[byte >> 4];
    codes[n++] = HEX_CODES[byte & 15];
  }
  codes.length = n;
  return n === 0 ? '' : String.fromCharCode.apply(null, codes);
}
