import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError } from '../../core/errors.js';
import { AisDecoder, encodeAisSentences, type AisInput } from '../../gateway/decoders/ais/index.js';

function roundTrip(input: AisInput) {
  const decoder = new AisDecoder();
  let out;
  for (const line of encodeAisSentences(input, { sequenceId: 3 })) out = decoder.decodeLine(line);
  if (out instanceof DecodeError || !out) throw new Error(`did not decode: ${out instanceof DecodeError ? out.message : 'incomplete'}`);
  return out;
}

describe('AIS encoder (same layout tables as the decoder)', () => {
  it('round-trips a class A position report off Rizhao', () => {
    const rec = roundTrip({ type: 1, mmsi: 412345670, navStatus: 7, sog: 3.4, cog: 87.5, heading: 88, lat: 35.3512, lon: 119.6021, second: 12, rot: 0 });
    expect(rec).toMatchObject({ type: 1, mmsi: 412345670, navStatus: 7, sog: 3.4, cog: 87.5, heading: 88, second: 12 });
    expect(rec.lat).toBeCloseTo(35.3512, 6);
    expect(rec.lon).toBeCloseTo(119.6021, 6);
  });

  it('writes absent values as "not available", which decode as absent', () => {
    const rec = roundTrip({ type: 1, mmsi: 412000001 });
    for (const key of ['lat', 'lon', 'sog', 'cog', 'heading', 'second', 'rot'] as const) expect(rec[key]).toBeUndefined();
  });

  it('splits type 5 over two sentences and round-trips names', () => {
    const lines = encodeAisSentences({ type: 5, mmsi: 412345670, name: 'LU RI YU 60123', callsign: 'BZRY3', shipType: 30, imo: 0, destination: 'RIZHAO', dimToBow: 20, dimToStern: 12, dimToPort: 4, dimToStarboard: 4, draught: 3.2, eta: { month: 6, day: 1, hour: 8, minute: 0 } });
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(82);
    const rec = roundTrip({ type: 5, mmsi: 412345670, name: 'LU RI YU 60123', callsign: 'BZRY3', shipType: 30, destination: 'RIZHAO', draught: 3.2 });
    expect(rec).toMatchObject({ name: 'LU RI YU 60123', callsign: 'BZRY3', shipType: 30, destination: 'RIZHAO', draught: 3.2 });
  });

  it('round-trips class B (18) and static part A/B (24)', () => {
    expect(roundTrip({ type: 18, mmsi: 412400001, sog: 6.1, cog: 200.3, heading: 201, lat: 35.2, lon: 119.7, cs: true })).toMatchObject({ sog: 6.1, cog: 200.3, heading: 201 });
    expect(roundTrip({ type: 24, mmsi: 412400001, partNumber: 0, name: 'LU RI YU 61234' })).toMatchObject({ partNumber: 0, name: 'LU RI YU 61234' });
    expect(roundTrip({ type: 24, mmsi: 412400001, partNumber: 1, shipType: 30, callsign: 'BZ123' })).toMatchObject({ partNumber: 1, shipType: 30, callsign: 'BZ123' });
  });

  it('round-trips any class A position in range to the wire resolution', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 999_999_999 }),
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.integer({ min: 0, max: 1022 }),
        (mmsi, lat, lon, sog10) => {
          const rec = roundTrip({ type: 1, mmsi, lat, lon, sog: sog10 / 10 });
          expect(rec.mmsi).toBe(mmsi);
          expect(Math.abs((rec.lat ?? NaN) - lat)).toBeLessThanOrEqual(1 / 600_000);
          expect(Math.abs((rec.lon ?? NaN) - lon)).toBeLessThanOrEqual(1 / 600_000);
          expect(rec.sog).toBe(sog10 / 10);
        },
      ),
      { numRuns: 500 },
    );
  });
});
