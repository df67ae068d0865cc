/** Test helpers: build AIS payloads bit by bit and wrap them in sentences with valid checksums. */
import { hex2, xorChecksum } from '../../gateway/decoders/nmea/frame.js';

const TEXT = '@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !"#$%&\'()*+,-./0123456789:;<=>?';

/** Builds a message as a string of '0'/'1', field by field, MSB first. */
export class Bits {
  bits = '';

  u(width: number, value: number): this {
    if (value < 0 || value >= 2 ** width) throw new Error(`${value} does not fit ${width} unsigned bits`);
    this.bits += value.toString(2).padStart(width, '0');
    return this;
  }

  i(width: number, value: number): this {
    return this.u(width, value < 0 ? value + 2 ** width : value);
  }

  /** `chars` six-bit characters, padded with '@'. */
  text(chars: number, s: string): this {
    for (let k = 0; k < chars; k++) {
      const c = k < s.length ? TEXT.indexOf(s[k]) : 0;
      if (c < 0) throw new Error(`'${s[k]}' is not in the AIS text alphabet`);
      this.u(6, c);
    }
    return this;
  }

  /** Pad with zero bits up to `n` bits in total. */
  to(n: number): this {
    if (this.bits.length > n) throw new Error(`already ${this.bits.length} bits, more than ${n}`);
    this.bits = this.bits.padEnd(n, '0');
    return this;
  }

  /** Common header: type, repeat, MMSI. */
  static header(type: number, mmsi: number, repeat = 0): Bits {
    return new Bits().u(6, type).u(2, repeat).u(30, mmsi);
  }
}

/** Armour a bit string: payload characters and fill bits. */
export function armour(bits: string): { payload: string; fill: number } {
  const fill = (6 - (bits.length % 6)) % 6;
  const padded = bits + '0'.repeat(fill);
  let payload = '';
  for (let k = 0; k < padded.length; k += 6) {
    const v = parseInt(padded.slice(k, k + 6), 2);
    payload += String.fromCharCode(v < 40 ? v + 48 : v + 56);
  }
  return { payload, fill };
}

/** `!` + body + `*hh`. */
export function sentence(body: string): string {
  return `!${body}*${hex2(xorChecksum(body, 0, body.length))}`;
}

/** A `\…*hh\` tag block around `inner`. */
export function tagBlock(inner: string): string {
  return `\\${inner}*${hex2(xorChecksum(inner, 0, inner.length))}\\`;
}

export interface VdmOptions {
  talker?: string;
  formatter?: 'VDM' | 'VDO';
  channel?: string;
  seqId?: string;
  /** Characters per fragment (default: everything in one sentence). */
  split?: number;
}

/** The sentence(s) carrying a message. */
export function vdm(bits: string, o: VdmOptions = {}): string[] {
  const { payload, fill } = armour(bits);
  const per = o.split ?? payload.length;
  const parts: string[] = [];
  for (let k = 0; k < payload.length; k += per) parts.push(payload.slice(k, k + per));
  const head = `${o.talker ?? 'AI'}${o.formatter ?? 'VDM'}`;
  const seq = parts.length > 1 ? (o.seqId ?? '1') : (o.seqId ?? '');
  return parts.map((p, i) =>
    sentence(`${head},${parts.length},${i + 1},${seq},${o.channel ?? 'A'},${p},${i === parts.length - 1 ? fill : 0}`),
  );
}
