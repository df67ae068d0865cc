import { hex2, xorChecksum } from '../nmea/frame.js';
import { Kind, LAYOUTS, STATIC_A, STATIC_B, type Field } from './layouts.js';
import type { AisRecord } from './record.js';

/**
 * AIS encoding from the same layout tables the decoder reads, so a layout is described once.
 * Used by the simulator and the sample data; absent values are written as the field's
 * "not available" code. Throws RangeError for a record no transmitter could send.
 */

export type AisInput = Partial<AisRecord> & Pick<AisRecord, 'type' | 'mmsi'>;

/** Largest armoured payload per sentence that keeps a VDM line within NMEA's 82 characters. */
const CHARS_PER_SENTENCE = 60;

/** Raw "not available" code of a field whose table entry gives a valid range instead of a code. */
const NOT_AVAILABLE: Partial<Record<Field['key'], number>> = {
  lat: 91 * 600_000,
  lon: 181 * 600_000,
  cog: 3600,
  heading: 511,
  second: 60,
  maneuver: 0,
};

class BitWriter {
  readonly bits: number[] = [];

  put(value: number, width: number): void {
    for (let i = width - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
  }

  putSigned(value: number, width: number): void {
    this.put(value < 0 ? 2 ** width + value : value, width);
  }

  /** Pad or cut to `length` bits (a field table's start offsets are absolute). */
  seek(length: number): void {
    while (this.bits.length < length) this.bits.push(0);
    this.bits.length = length;
  }
}

function sixbitText(text: string, chars: number): number[] {
  const out: number[] = [];
  const upper = text.toUpperCase();
  const n = chars > 0 ? chars : upper.length;
  for (let i = 0; i < n; i++) {
    const c = i < upper.length ? upper.charCodeAt(i) : 64;
    if (c < 32 || c > 95) throw new RangeError(`AIS text cannot hold ${JSON.stringify(upper[i])} in ${JSON.stringify(text)}`);
    out.push(c >= 64 ? c - 64 : c);
  }
  return out;
}

function writeField(w: BitWriter, f: Field, value: unknown): void {
  w.seek(f.start);
  switch (f.kind) {
    case Kind.U:
    case Kind.I: {
      const fallback = Number.isNaN(f.na) ? (NOT_AVAILABLE[f.key] ?? 0) : f.na;
      const raw = typeof value === 'number' ? Math.round(value * f.div) : fallback;
      if (f.kind === Kind.I) w.putSigned(raw, f.width);
      else w.put(raw, f.width);
      return;
    }
    case Kind.Bool:
      w.put(value ? 1 : 0, 1);
      return;
    case Kind.Text:
      for (const c of sixbitText(typeof value === 'string' ? value : '', f.width / 6)) w.put(c, 6);
      return;
    case Kind.Rot: {
      // ROT_AIS = 4.733·sqrt(|rot|) with the sign of rot; -128 = not available.
      const raw = typeof value === 'number' ? Math.sign(value) * Math.min(126, Math.round(4.733 * Math.sqrt(Math.abs(value)))) : -128;
      w.putSigned(raw, 8);
      return;
    }
    case Kind.Eta: {
      const eta = (value ?? {}) as { month?: number; day?: number; hour?: number; minute?: number };
      w.put(eta.month ?? 0, 4);
      w.put(eta.day ?? 0, 5);
      w.put(eta.hour ?? 24, 5);
      w.put(eta.minute ?? 60, 6);
      return;
    }
    case Kind.Utc: {
      const d = typeof value === 'number' ? new Date(value) : undefined;
      w.put(d ? d.getUTCFullYear() : 0, 14);
      w.put(d ? d.getUTCMonth() + 1 : 0, 4);
      w.put(d ? d.getUTCDate() : 0, 5);
      w.put(d ? d.getUTCHours() : 24, 5);
      w.put(d ? d.getUTCMinutes() : 60, 6);
      w.put(d ? d.getUTCSeconds() : 60, 6);
      return;
    }
  }
}

/** The message's bits as an armoured payload and its fill-bit count. */
export function encodePayload(record: AisInput): { payload: string; fillBits: number } {
  if (record.type < 1 || record.type > 27) throw new RangeError(`AIS message type ${record.type} does not exist`);
  const layout = record.type === 24 ? (record.partNumber === 1 ? STATIC_B : STATIC_A) : LAYOUTS[record.type];
  if (layout.raw) throw new RangeError(`AIS type ${record.type} (${layout.name}) is not encodable: it is decoded as raw bits only`);
  const w = new BitWriter();
  w.put(record.type, 6);
  w.put(record.repeat ?? 0, 2);
  w.put(record.mmsi, 30);
  const values = record as unknown as Record<string, unknown>;
  for (const f of layout.fields) writeField(w, f, values[f.key]);
  w.seek(Math.max(layout.minBits, w.bits.length));
  const fillBits = (6 - (w.bits.length % 6)) % 6;
  w.seek(w.bits.length + fillBits);
  let payload = '';
  for (let i = 0; i < w.bits.length; i += 6) {
    let v = 0;
    for (let j = 0; j < 6; j++) v = v * 2 + w.bits[i + j];
    payload += String.fromCharCode(v < 40 ? v + 48 : v + 56);
  }
  return { payload, fillBits };
}

export interface AisSentenceOptions {
  talker?: string;
  channel?: 'A' | 'B';
  /** Sequential message id 0–9 for multi-sentence messages. */
  sequenceId?: number;
}

/** One message as `!AIVDM` sentences (two or more for long messages such as type 5). */
export function encodeAisSentences(record: AisInput, options: AisSentenceOptions = {}): string[] {
  const { payload, fillBits } = encodePayload(record);
  const parts = Math.ceil(payload.length / CHARS_PER_SENTENCE);
  const seq = parts > 1 ? String((options.sequenceId ?? 0) % 10) : '';
  const out: string[] = [];
  for (let i = 0; i < parts; i++) {
    const chunk = payload.slice(i * CHARS_PER_SENTENCE, (i + 1) * CHARS_PER_SENTENCE);
    const fill = i === parts - 1 ? fillBits : 0;
    const body = `${options.talker ?? 'AI'}VDM,${parts},${i + 1},${seq},${options.channel ?? 'A'},${chunk},${fill}`;
    out.push(`!${body}*${hex2(xorChecksum(body, 0, body.length))}`);
  }
  return out;
}
