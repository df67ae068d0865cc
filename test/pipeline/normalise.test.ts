import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { encodeAisSentences } from '../../gateway/decoders/ais/index.js';
import { LineDecoder } from '../../gateway/decoders/line.js';
import { decodeEnvelope, encodeEnvelope } from '../../gateway/decoders/protobuf/index.js';
import { aisFixTime, normalise, type Normalised } from '../../gateway/pipeline/normalise.js';

const NOW = Date.UTC(2026, 4, 16, 22, 0, 30);

function fromLines(lines: string[], sourceKey?: string): Normalised[] {
  const d = new LineDecoder();
  const out: Normalised[] = [];
  for (const l of lines) {
    const r = d.decode(l);
    if (r && !(r instanceof DecodeError)) normalise(r, { now: NOW, sourceKey }, out);
  }
  return out;
}

describe('normalise', () => {
  it('moves an AIS fix to the second the transponder stamped, across a minute boundary', () => {
    expect(aisFixTime(Date.UTC(2026, 0, 1, 0, 0, 2), 58)).toBe(Date.UTC(2025, 11, 31, 23, 59, 58));
    expect(aisFixTime(Date.UTC(2026, 0, 1, 0, 0, 40), 41)).toBe(Date.UTC(2026, 0, 1, 0, 0, 41));
    expect(aisFixTime(Date.UTC(2026, 0, 1, 0, 0, 40), undefined)).toBe(Date.UTC(2026, 0, 1, 0, 0, 40));
  });

  it('AIS position and static reports become a vessel fix and vessel static data under the MMSI key', () => {
    const recs = fromLines([
      ...encodeAisSentences({ type: 1, mmsi: 412325670, lat: 35.38, lon: 119.6, sog: 8.2, cog: 92, heading: 93, second: 29, navStatus: 7 }),
      ...encodeAisSentences({ type: 5, mmsi: 412325670, name: 'LU RI YU 60123', callsign: 'BZRY3', shipType: 30, dimToBow: 24, dimToStern: 12, dimToPort: 4, dimToStarboard: 4 }),
      ...encodeAisSentences({ type: 4, mmsi: 4131001, lat: 35.1, lon: 119.4 }),
    ]);
    expect(recs).toHaveLength(2);
    expect(recs[0]).toMatchObject({ kind: 'vessel-fix', source: 'ais', key: 'mmsi:412325670', time: NOW - 1000, sog: 8.2, cog: 92, heading: 93, navStatus: 7 });
    expect(recs[1]).toMatchObject({ kind: 'vessel-static', key: 'mmsi:412325670', name: 'LU RI YU 60123', callsign: 'BZRY3', shipType: 30, length: 36, beam: 8 });
  });

  it('an AIS report without a position yields no fix', () => {
    expect(fromLines(encodeAisSentences({ type: 1, mmsi: 412325670 }))).toEqual([]);
  });

  it('RDSS short messages with vendor fixes become bds-rdss fixes under the card key', () => {
    const sample = readFileSync(join(PACKAGE_ROOT, 'gateway', 'cli', 'sample', 'rizhao.nmea'), 'latin1').split('\n');
    const recs = fromLines(sample.filter((l) => l.startsWith('$BDTXR') || l.startsWith('$BDTCI')));
    const fixes = recs.filter((r) => r.kind === 'vessel-fix');
    expect(fixes.filter((f) => f.key === 'bds:312345')).toHaveLength(5);
    expect(fixes.filter((f) => f.key === 'bds:4207733')).toHaveLength(3);
    for (const f of fixes) expect(f).toMatchObject({ source: 'bds-rdss', lat: expect.any(Number), lon: expect.any(Number) });
  });

  it('a terminal\'s own RMC becomes a bds-rnss fix only when the connection names the device', () => {
    const rmc = '$GNRMC,015107.00,A,3412.76124010,N,10849.67444051,E,0.003,114.8,010323,3.4,W,A,V*4C';
    expect(fromLines([rmc])).toEqual([]);
    expect(fromLines([rmc], 'dev:BDT-0001')[0]).toMatchObject({ source: 'bds-rnss', key: 'dev:BDT-0001', time: Date.UTC(2023, 2, 1, 1, 51, 7) });
  });

  it('protobuf buoy batches become observations in physical units', () => {
    const frame = encodeEnvelope({
      deviceId: 'BUOY-RZ-007',
      bootId: 1,
      seq: 9,
      sentTime: NOW,
      payload: { type: 'buoy-batch', averagingPeriod: 600, observations: [{ time: NOW - 600_000, variable: 'mass_concentration_of_oxygen_in_sea_water', value: 6.25 }] },
    });
    const env = decodeEnvelope(frame);
    if (env instanceof DecodeError) throw new Error(env.message);
    const recs = normalise(env, { now: NOW });
    expect(recs[0]).toMatchObject({ kind: 'buoy-observation', deviceId: 'BUOY-RZ-007', value: 6.25 });
  });

  it("a buoy batch's GNSS position becomes latitude and longitude observations at the base time, in degrees", () => {
    const base = NOW - 600_000;
    const batch = (position?: { lat: number; lon: number }) => {
      const env = decodeEnvelope(
        encodeEnvelope({
          deviceId: 'BUOY-RZ-007',
          bootId: 1,
          seq: 10,
          sentTime: NOW,
          payload: { type: 'buoy-batch', baseTime: base, position, observations: [{ time: base + 120_000, variable: 'sea_surface_temperature', value: 12.5, qc: 1 }] },
        }),
      );
      if (env instanceof DecodeError) throw new Error(env.message);
      return normalise(env, { now: NOW });
    };
    const at = { kind: 'buoy-observation', deviceId: 'BUOY-RZ-007', time: base, depth: 0, sensorIndex: 0, qc: 2 };
    expect(batch({ lat: 35.4655123, lon: -119.6862456 })).toStrictEqual([
      { kind: 'buoy-observation', deviceId: 'BUOY-RZ-007', time: base + 120_000, variable: 'sea_surface_temperature', value: 12.5, unit: 'degC', depth: 0, sensorIndex: 0, qc: 1 },
      { ...at, variable: 'latitude', value: 35.4655123, unit: 'degree_north' },
      { ...at, variable: 'longitude', value: -119.6862456, unit: 'degree_east' },
    ]);
    // Without a fix, no coordinates.
    expect(batch().map((r) => (r as { variable: string }).variable)).toStrictEqual(['sea_surface_temperature']);
    // A position alone (no series) is a valid batch: just the two coordinates.
    const env = decodeEnvelope(encodeEnvelope({ deviceId: 'BUOY-RZ-007', bootId: 1, seq: 11, sentTime: NOW, payload: { type: 'buoy-batch', baseTime: base, position: { lat: 0, lon: 0 }, observations: [] } }));
    if (env instanceof DecodeError) throw new Error(env.message);
    expect(normalise(env, { now: NOW })).toStrictEqual([
      { ...at, variable: 'latitude', value: 0, unit: 'degree_north' },
      { ...at, variable: 'longitude', value: 0, unit: 'degree_east' },
    ]);
  });
});
