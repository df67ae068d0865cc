/**
 * JSON text written straight into bytes, for responses made of long runs of numbers and times (a
 * track's coordinates and per-point arrays): no string, array or object per value, where
 * `JSON.stringify` of arrays of arrays made all three and then a UTF-8 copy of the whole text.
 *
 * Numbers are written at a fixed number of decimals, trailing zeros dropped (`35.1234567`, `12.5`,
 * `0`), which is also what keeps them short: a position decoded from AIS (1/10,000 minute) is no
 * shorter than 17 digits as a double's shortest text.
 */
import { IsoTimeParts } from './formats.js';

/** 10^0 … 10^16: every safe integer has at most 16 digits. */
const POWERS_OF_TEN = Array.from({ length: 17 }, (_, i) => 10 ** i);
const ZERO = 0x30;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class JsonBytes {
  private buffer: Buffer;
  private length = 0;
  private readonly time = new IsoTimeParts();

  /** `expectedBytes`: a guess of the size; the buffer grows past it when needed. */
  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, expectedBytes));
  }

  /** JSON text as is (punctuation, names, a fragment already serialised). */
  raw(text: string): this {
    const n = text.length;
    this.reserve(n * 3);
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        this.length += this.buffer.write(text.slice(i), this.length, 'utf8');
        return this;
      }
      this.buffer[this.length++] = c;
    }
    return this;
  }

  /** Any JSON value, through `JSON.stringify`: for the few values outside the long runs. */
  value(v: unknown): this {
    return this.raw(JSON.stringify(v) ?? 'null');
  }

  /** A JSON string; the common case (printable ASCII) without an intermediate string. */
  string(s: string): this {
    const n = s.length;
    this.reserve(n + 2);
    const start = this.length;
    this.buffer[this.length++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) {
        this.length = start;
        return this.value(s);
      }
      this.buffer[this.length++] = c;
    }
    this.buffer[this.length++] = QUOTE;
    return this;
  }

  /**
   * `x` rounded to `decimals` (0–9) places, without trailing zeros; `null` for NaN and infinities
   * (what JSON.stringify writes for them). Beyond 2^53 at that scale, the shortest double text.
   */
  decimal(x: number, decimals: number): this {
    if (!Number.isFinite(x)) return this.raw('null');
    const scale = POWERS_OF_TEN[decimals];
    let scaled = Math.round(Math.abs(x) * scale);
    if (!Number.isSafeInteger(scaled)) return this.raw(JSON.stringify(x));
    this.reserve(32);
    if (x < 0 && scaled !== 0) this.buffer[this.length++] = 0x2d; // '-'
    const whole = Math.floor(scaled / scale);
    this.digits(whole, 1);
    scaled -= whole * scale;
    if (scaled === 0) return this;
    this.buffer[this.length++] = 0x2e; // '.'
    this.digits(scaled, decimals);
    while (this.buffer[this.length - 1] === ZERO) this.length--;
    return this;
  }

  /** A time (ms since the epoch) as a JSON string, exactly as `Date#toISOString` writes it. */
  isoTime(ms: number): this {
    const t = this.time;
    t.split(ms);
    this.reserve(2);
    this.buffer[this.length++] = QUOTE;
    this.raw(t.date);
    this.reserve(16);
    this.digits(t.hours, 2);
    this.buffer[this.length++] = 0x3a; // ':'
    this.digits(t.minutes, 2);
    this.buffer[this.length++] = 0x3a;
    this.digits(t.seconds, 2);
    this.buffer[this.length++] = 0x2e; // '.'
    this.digits(t.milliseconds, 3);
    this.buffer[this.length++] = 0x5a; // 'Z'
    this.buffer[this.length++] = QUOTE;
    return this;
  }

  /** The JSON text written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** A non-negative safe integer in decimal, zero-padded to at least `width` digits. */
  private digits(n: number, width: number): void {
    let count = width;
    while (count < 16 && n >= POWERS_OF_TEN[count]) count++;
    this.reserve(count);
    const buffer = this.buffer;
    let at = this.length + count;
    this.length = at;
    if (n <= 0x7fffffff) {
      // Small integer arithmetic, the common case (fractions up to 9 digits, degrees, times of day).
      let rest = n | 0;
      while (at > this.length - count) {
        const next = (rest / 10) | 0;
        buffer[--at] = ZERO + rest - next * 10;
        rest = next;
      }
      return;
    }
    while (at > this.length - count) {
      const next = Math.floor(n / 10);
      buffer[--at] = ZERO + (n - next * 10);
      n = next;
    }
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
