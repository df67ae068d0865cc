import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDecodeError } from '../../core/errors.js';
import {
  BF01_EPOCH_MS,
  BF01_SIZE,
  CodecRegistry,
  createBf01Codec,
  decodeA225,
  decodeBf01,
  decodeTrack,
  defaultCodecRegistry,
  encodeA225,
  encodeBf01,
  encodeTrack,
  hexToBytes,
  type PayloadFix,
} from '../../gateway/decoders/beidou/index.js';
import { iso } from './helpers.js';

function ok<T>(v: T): Exclude<T, { kind: 'error' }> {
  if (isDecodeError(v)) throw new Error(`${v.code}: ${v.message}`);
  return v as Exclude<T, { kind: 'error' }>;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('BF01 compressed multi-fix binary', () => {
  // The brief's verified head and second fix; the second fix's altitude/speed/heading bytes are ours.
  const VERIFIED =
    'BF01' + '057840' + '02C4BD08' + '06F04EF0' + '02624A9C' + '0082' + '0000' + '0045' + '0C' + 'FFFF48' + 'FFFF2C' + '0083' + '0000' + '0046' + '00'.repeat(39);

  it('decodes the verified vector: 2017-06-21 14:11:20 UTC, 116.412144 E, 39.99606 N, 130 m, heading 69', () => {
    const bytes = hexToBytes(VERIFIED)!;
    expect(bytes.length).toBe(BF01_SIZE);
    const fixes = ok(decodeBf01(bytes));
    expect(fixes).toHaveLength(2); // the three all-zero steps are padding
    expect(iso(fixes[0].time)).toBe('2017-06-21T14:11:20.000Z');
    expect(fixes[0]).toMatchObject({ lon: 116.412144, lat: 39.99606, altitude: 130, heading: 69, speedRaw: 0 });
    expect(fixes[1].lon).toBeCloseTo(116.41196, 9);
    expect(fixes[1].lat).toBeCloseTo(39.995848, 9);
    expect(iso(fixes[1].time)).toBe('2017-06-21T14:11:32.000Z');
  });

  it('the codec reports the terminal id and honours a configured speed unit', () => {
    const bytes = hexToBytes(VERIFIED)!;
    const codec = createBf01Codec({ speedToKnots: 0.1 });
    expect(codec.match(bytes)).toBe(true);
    expect(codec.describe!(bytes, {})).toEqual({ terminalId: String(0x057840) });
    const withSpeed = ok(decodeBf01(encodeBf01([{ time: BF01_EPOCH_MS, lat: 1, lon: 2, speedRaw: 123 }]), { speedToKnots: 0.1 }));
    expect(withSpeed[0].sog).toBeCloseTo(12.3, 9);
    expect(withSpeed[0].speedRaw).toBeUndefined();
  });

  it('Δ from the previous fix (default) or from the first fix', () => {
    const base = { time: BF01_EPOCH_MS + 1000, lat: 30, lon: 120 };
    const fixes: PayloadFix[] = [base, { ...base, time: base.time + 10_000, lat: 30.001 }, { ...base, time: base.time + 20_000, lat: 30.003 }];
    for (const deltas of ['chained', 'from-first'] as const) {
      const back = ok(decodeBf01(encodeBf01(fixes, { deltas }), { deltas }));
      expect(back.map((f) => f.lat)).toEqual([30, 30.001, 30.003]);
    }
  });

  it('rejects wrong lengths and magic with payload errors', () => {
    expect(decodeBf01(hexToBytes('BF01AABB')!)).toMatchObject({ code: 'payload' });
    expect(decodeBf01(hexToBytes(`BF02${VERIFIED.slice(4)}`)!)).toMatchObject({ code: 'payload', message: expect.stringContaining('BF 01') });
  });

  it('round-trips any 1–5 fixes the format can carry (property)', () => {
    const fixArb = fc.record({
      lat: fc.integer({ min: -89_000_000, max: 89_000_000 }),
      lon: fc.integer({ min: -179_000_000, max: 179_000_000 }),
      altitude: fc.integer({ min: 0, max: 65535 }),
      speedRaw: fc.integer({ min: 0, max: 65535 }),
      heading: fc.integer({ min: 0, max: 359 }),
    });
    const arb = fc.record({
      t0: fc.integer({ min: 0, max: 2 ** 32 - 2000 }),
      first: fixArb,
      steps: fc.array(fc.record({ dt: fc.integer({ min: 1, max: 255 }), dlat: fc.integer({ min: -50_000, max: 50_000 }), dlon: fc.integer({ min: -50_000, max: 50_000 }), rest: fixArb }), { maxLength: 4 }),
      terminalId: fc.integer({ min: 0, max: 0xffffff }),
    });
    fc.assert(
      fc.property(arb, ({ t0, first, steps, terminalId }) => {
        const fixes: PayloadFix[] = [{ ...first, time: BF01_EPOCH_MS + t0 * 1000, lat: first.lat / 1e6, lon: first.lon / 1e6 }];
        let t = t0;
        let lat = first.lat;
        let lon = first.lon;
        for (const s of steps) {
          t += s.dt;
          lat = Math.max(-90e6, Math.min(90e6, lat + s.dlat));
          lon = Math.max(-180e6, Math.min(180e6, lon + s.dlon));
          fixes.push({ ...s.rest, time: BF01_EPOCH_MS + t * 1000, lat: lat / 1e6, lon: lon / 1e6 });
        }
        const back = ok(decodeBf01(encodeBf01(fixes, { terminalId })));
        expect(back).toEqual(fixes);
      }),
      { numRuns: 300 },
    );
  });

  it('the encoder refuses what the format cannot carry', () => {
    const f = { time: BF01_EPOCH_MS, lat: 1, lon: 1 };
    expect(() => encodeBf01([])).toThrow(RangeError);
    expect(() => encodeBf01([f, { ...f, time: f.time + 256_000 }])).toThrow(/does not fit u8/);
    expect(() => encodeBf01([{ lat: 1, lon: 1 }])).toThrow(/need a time/);
    expect(() => encodeBf01([f, f])).toThrow(/not after/);
  });
});

describe('A225 (D1 35) binary frame', () => {
  const fixes: PayloadFix[] = [
    { time: Date.UTC(2024, 4, 1, 3, 0, 0), lat: 35.38, lon: 119.55, altitude: 3.5, sog: 8.2, heading: 90, status: 1 },
    { time: Date.UTC(2024, 4, 1, 3, 1, 0), lat: -35.381, lon: -119.552, altitude: -1.2, sog: 0, heading: 359, status: 0 },
  ];

  it('round-trips (speed through m/s ×100, altitude ×10)', () => {
    const back = ok(decodeA225(encodeA225(fixes)));
    expect(back).toHaveLength(2);
    back.forEach((b, i) => {
      expect(b.time).toBe(fixes[i].time);
      expect(b.lat).toBeCloseTo(fixes[i].lat, 6);
      expect(b.lon).toBeCloseTo(fixes[i].lon, 6);
      expect(b.altitude).toBeCloseTo(fixes[i].altitude!, 6);
      expect(Math.abs(b.sog! - fixes[i].sog!)).toBeLessThan(0.01);
      expect(b.heading).toBe(fixes[i].heading);
      expect(b.status).toBe(fixes[i].status);
    });
  });

  it('checks the XOR byte (over the whole frame or after the magic) and the length', () => {
    const bytes = encodeA225(fixes);
    const other = bytes.slice();
    other[other.length - 1] ^= 0xd1 ^ 0x35; // the XOR of the frame without its magic
    expect(isDecodeError(decodeA225(other))).toBe(false);
    const broken = bytes.slice();
    broken[10] ^= 1;
    expect(decodeA225(broken)).toMatchObject({ code: 'payload', message: expect.stringContaining('XOR') });
    expect(decodeA225(bytes.subarray(0, 20))).toMatchObject({ code: 'payload', message: expect.stringContaining('must be') });
  });

  it('rejects impossible dates', () => {
    const bytes = encodeA225(fixes.slice(0, 1));
    bytes[3 + 2] = 13; // month
    bytes[bytes.length - 1] = bytes.subarray(0, -1).reduce((a, b) => a ^ b, 0);
    expect(decodeA225(bytes)).toMatchObject({ code: 'payload', message: expect.stringContaining('impossible') });
  });
});

describe('ASCII track string D|…', () => {
  it('decodes NMEA minutes without the dot, several points', () => {
    const fixes = ok(decodeTrack(ascii('D|380269000N1142616000E;351234567S0123456789W\r\n')));
    expect(fixes).toHaveLength(2);
    expect(fixes[0].lat).toBeCloseTo(38 + 2.69 / 60, 9);
    expect(fixes[0].lon).toBeCloseTo(114 + 26.16 / 60, 9);
    expect(fixes[1].lat).toBeCloseTo(-(35 + 12.34567 / 60), 9);
    expect(fixes[1].lon).toBeCloseTo(-(12 + 34.56789 / 60), 9);
    expect(fixes[0].time).toBeUndefined();
  });

  it('rejects malformed points', () => {
    expect(decodeTrack(ascii('D|38026900N1142616000E'))).toMatchObject({ code: 'payload' });
    expect(decodeTrack(ascii('D|386069000N1142616000E'))).toMatchObject({ code: 'payload' }); // 60 minutes
    expect(decodeTrack(ascii('D|'))).toMatchObject({ code: 'payload' });
  });

  it('round-trips to 1e-5 minutes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }) }), { minLength: 1, maxLength: 3 }), (pts) => {
        const back = ok(decodeTrack(encodeTrack(pts)));
        expect(back).toHaveLength(pts.length);
        back.forEach((b, i) => {
          expect(Math.abs(b.lat - pts[i].lat)).toBeLessThan(1e-5 / 60 + 1e-12);
          expect(Math.abs(b.lon - pts[i].lon)).toBeLessThan(1e-5 / 60 + 1e-12);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('CodecRegistry', () => {
  it('picks by magic bytes, respects the encodings a codec travels in, and binds models', () => {
    const reg = defaultCodecRegistry({ models: { 'BX-9': 'a225' } });
    expect(reg.ids).toEqual(['bf01', 'a225', 'track-d', 'app-90']);
    const bf = hexToBytes('BF01')!;
    expect(reg.select(bf, 'code')?.id).toBe('bf01');
    expect(reg.select(bf, 'chinese')).toBeUndefined(); // BF01 is binary: never 汉字 content
    expect(reg.select(ascii('D|'), 'chinese')?.id).toBe('track-d');
    expect(reg.select(bf, 'compressed-code')).toBeUndefined();
    expect(reg.codecIdFor('bx-9')).toBe('a225');
    expect(reg.select(encodeA225([]), 'code', 'BX-9')?.id).toBe('a225');
    reg.unbindModel('BX-9');
    expect(reg.codecIdFor('BX-9')).toBeUndefined();
    expect(new CodecRegistry().select(bf, 'code')).toBeUndefined();
  });

  it('register replaces a codec with the same id', () => {
    const reg = defaultCodecRegistry();
    reg.register({ id: 'bf01', match: () => false, decode: () => [] });
    expect(reg.ids).toEqual(['bf01', 'a225', 'track-d', 'app-90']);
    expect(reg.select(hexToBytes('BF01')!, 'code')).toBeUndefined();
  });
});
