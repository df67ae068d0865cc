import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import {
  decodeEnvelope,
  encodeDelimited,
  encodeEnvelope,
  splitDelimited,
  VARIABLES,
  VARIABLES_BY_NAME,
  type BuoyObservationInput,
  type EnvelopeRecord,
} from '../../gateway/decoders/protobuf/index.js';
import { HEADER, rizhaoObservations, T0 } from './fixtures.js';

const CODES = new Set(['protobuf', 'schema']);

/** Whatever the bytes, decodeEnvelope returns a record or a DecodeError with a reason. */
function checkTotal(bytes: Uint8Array): EnvelopeRecord | DecodeError {
  let r: EnvelopeRecord | DecodeError;
  try {
    r = decodeEnvelope(bytes);
  } catch (err) {
    throw new Error(`decodeEnvelope threw on ${Buffer.from(bytes).toString('hex')}: ${String(err)}`);
  }
  if (r instanceof DecodeError) {
    expect(CODES.has(r.code)).toBe(true);
    expect(r.message.length).toBeGreaterThan(5);
  } else {
    expect(r.kind).toBe('envelope');
    expect(r.seq).toBeGreaterThanOrEqual(1);
    expect(Number.isSafeInteger(r.sentTime)).toBe(true);
  }
  return r;
}

const VALID_FRAMES: Uint8Array[] = [
  encodeEnvelope({ ...HEADER, payload: { type: 'buoy-batch', position: { lat: 35.38, lon: 119.55 }, averagingPeriod: 600, observations: rizhaoObservations() } }),
  encodeEnvelope({ ...HEADER, payload: { type: 'vessel-batch', fixes: [{ time: T0, lat: 35.1, lon: 119.7, sog: 8.2, cog: 90, heading: 91 }] } }),
  encodeEnvelope({ ...HEADER, payload: { type: 'health', health: { battery: 12.1, rssi: -90, uptime: 3600 } } }),
  encodeEnvelope({ ...HEADER, payload: { type: 'ack', bootId: 4, ackedSeq: 99 } }),
];

/** A mutation of a valid frame: flip, overwrite, insert, delete or truncate bytes. */
const mutated = fc
  .tuple(
    fc.constantFrom(...VALID_FRAMES),
    fc.array(
      fc.tuple(fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate'), fc.nat(), fc.integer({ min: 0, max: 255 })),
      { minLength: 1, maxLength: 6 },
    ),
  )
  .map(([frame, ops]) => {
    const b = Array.from(frame);
    for (const [op, at, byte] of ops) {
      const i = b.length ? at % b.length : 0;
      if (op === 'flip') b[i] ^= 1 << (byte & 7);
      else if (op === 'set') b[i] = byte;
      else if (op === 'insert') b.splice(i, 0, byte);
      else if (op === 'delete') b.splice(i, 1);
      else b.length = i;
    }
    return Uint8Array.from(b);
  });

describe('protobuf decoder is total', () => {
  it('random bytes: no exception escapes, rejections carry a code and a reason', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void checkTotal(bytes)), { numRuns: 3000 });
  });

  it('mutated valid frames: no exception escapes; what decodes obeys the schema', () => {
    fc.assert(
      fc.property(mutated, (bytes) => {
        const r = checkTotal(bytes);
        if (r instanceof DecodeError || r.payload.type !== 'buoy-batch') return;
        for (const o of r.payload.observations) {
          expect([1, 2, 3, 4]).toContain(o.qc);
          expect(Number.isFinite(o.value)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('random buoy batches round-trip exactly at wire resolution', () => {
    const codes = Object.keys(VARIABLES).map(Number);
    const obs = fc.record({
      code: fc.constantFrom(...codes),
      slot: fc.integer({ min: 0, max: 5 }),
      wire: fc.integer({ min: -2_000_000, max: 2_000_000 }),
      depthCm: fc.integer({ min: 0, max: 5000 }),
      qc: fc.constantFrom(1, 2, 3, 4),
    });
    fc.assert(
      fc.property(fc.uniqueArray(obs, { selector: (o) => `${o.code}/${o.slot}/${o.depthCm}`, minLength: 1, maxLength: 40 }), (list) => {
        const input: BuoyObservationInput[] = list.map((o) => {
          const v = VARIABLES[o.code];
          return { time: T0 + o.slot * 60_000, variable: v.name, value: o.wire / v.divisor, depth: o.depthCm / 100, qc: o.qc };
        });
        const r = decodeEnvelope(encodeEnvelope({ ...HEADER, payload: { type: 'buoy-batch', observations: input } }));
        if (r instanceof DecodeError) throw new Error(r.message);
        if (r.payload.type !== 'buoy-batch') throw new Error(r.payload.type);
        const got = new Map(r.payload.observations.map((o) => [`${o.variable}/${o.time}/${o.depth}`, o]));
        expect(got.size).toBe(input.length);
        for (const i of input) {
          const o = got.get(`${i.variable}/${i.time}/${i.depth}`)!;
          expect(o.value).toBe(i.value);
          const v = VARIABLES_BY_NAME.get(i.variable as string)!;
          const inRange = i.value >= v.validMin && i.value <= v.validMax;
          expect(o.qc).toBe(inRange ? i.qc : 4);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('delimited streams: split ∘ join is identity, and any truncation keeps the complete frames', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...VALID_FRAMES), { maxLength: 6 }), fc.nat(), (frames, cut) => {
        const joined = encodeDelimited(frames);
        const whole = splitDelimited(joined);
        expect(whole.error).toBeUndefined();
        expect(whole.frames.map((f) => Buffer.from(f).toString('hex'))).toEqual(frames.map((f) => Buffer.from(f).toString('hex')));
        const at = joined.length ? cut % joined.length : 0;
        const part = splitDelimited(joined.subarray(0, at));
        // Every returned frame is a complete, decodable one; a cut inside a frame is reported.
        for (const f of part.frames) expect(decodeEnvelope(f)).not.toBeInstanceOf(DecodeError);
        expect(part.frames.length).toBeLessThanOrEqual(frames.length);
        if (part.frames.length < frames.length && at > 0) {
          const consumed = part.offsets.length ? part.offsets[part.offsets.length - 1] + part.frames[part.frames.length - 1].length : 0;
          if (consumed !== at) expect(part.error?.code).toBe('framing');
        }
      }),
      { numRuns: 500 },
    );
  });
});
