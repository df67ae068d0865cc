import { describe, expect, it } from 'vitest';
import { isDecodeError } from '../../core/errors.js';
import {
  decodeEnvelope,
  encodeAck,
  encodeEnvelope,
  VARIABLES_BY_NAME,
  type EnvelopeRecord,
} from '../../gateway/decoders/protobuf/index.js';
import { tidewatch } from '../../proto/generated/tidewatch.js';
import { HEADER, RIZHAO_COLUMNS, rizhaoObservations, T0 } from './fixtures.js';

function ok(bytes: Uint8Array, ctx?: { rxTime?: number }): EnvelopeRecord {
  const r = decodeEnvelope(bytes, ctx);
  if (isDecodeError(r)) throw new Error(`unexpected ${r.code}: ${r.message}`);
  return r;
}

describe('protobuf envelope round trips', () => {
  it('buoy batch: every sample back in physical units, exactly', () => {
    const bytes = encodeEnvelope({
      ...HEADER,
      payload: {
        type: 'buoy-batch',
        position: { lat: 35.3869123, lon: 119.5583456 },
        averagingPeriod: 600,
        observations: rizhaoObservations(),
      },
    });
    const rec = ok(bytes, { rxTime: T0 + 3_601_234 });
    expect(rec).toMatchObject({ kind: 'envelope', deviceId: 'BUOY-RZ-007', bootId: 42, seq: 1001, sentTime: T0 + 3_600_000, rxTime: T0 + 3_601_234, schemaMinor: 0 });
    if (rec.payload.type !== 'buoy-batch') throw new Error(rec.payload.type);
    const p = rec.payload;
    expect(p.baseTime).toBe(T0);
    expect(p.position).toEqual({ lat: 35.3869123, lon: 119.5583456 });
    expect(p.averagingPeriod).toBe(600);
    expect(p.missingSamples).toBe(0);
    expect(p.observations).toHaveLength(18 * 6);
    let k = 0;
    for (const [variable, depth, values] of RIZHAO_COLUMNS) {
      const info = VARIABLES_BY_NAME.get(variable)!;
      values.forEach((value, i) => {
        // toEqual on numbers is Object.is: 1008.42 must come back as the double 1008.42, not 1008.4200000000001.
        expect(p.observations[k++]).toEqual({
          kind: 'buoy-observation',
          deviceId: 'BUOY-RZ-007',
          time: T0 + i * 600_000,
          variable,
          value,
          unit: info.unit,
          depth,
          sensorIndex: 0,
          qc: 1,
        });
      });
    }
  });

  it('buoy batch: QC flags, missing samples, sensor index, negative values', () => {
    const bytes = encodeEnvelope({
      ...HEADER,
      payload: {
        type: 'buoy-batch',
        observations: [
          { time: T0, variable: 'air_temperature', value: -3.07, qc: 3 },
          { time: T0 + 60_000, variable: 'air_temperature', value: 0, qc: 9 },
          { time: T0 + 120_000, variable: 'air_temperature', value: -2.5 },
          { time: T0, variable: 'eastward_sea_water_velocity', value: -0.123, depth: 12.5, sensorIndex: 1 },
          // no sample at T0+60s and T0+120s: the encoder fills MISSING
        ],
      },
    });
    const rec = ok(bytes);
    if (rec.payload.type !== 'buoy-batch') throw new Error(rec.payload.type);
    expect(rec.payload.position).toBeUndefined();
    expect(rec.payload.averagingPeriod).toBe(0);
    expect(rec.payload.missingSamples).toBe(3);
    expect(rec.payload.observations.map((o) => [o.variable, o.time - T0, o.value, o.depth, o.sensorIndex, o.qc])).toEqual([
      ['air_temperature', 0, -3.07, 0, 0, 3],
      ['air_temperature', 120_000, -2.5, 0, 0, 2],
      ['eastward_sea_water_velocity', 0, -0.123, 12.5, 1, 2],
    ]);
  });

  it('buoy batch: values outside the physical range are kept and flagged FAIL', () => {
    const bytes = encodeEnvelope({
      ...HEADER,
      payload: { type: 'buoy-batch', observations: [{ time: T0, variable: 'relative_humidity', value: 104.2, qc: 1 }] },
    });
    const rec = ok(bytes);
    if (rec.payload.type !== 'buoy-batch') throw new Error(rec.payload.type);
    expect(rec.payload.observations[0]).toMatchObject({ value: 104.2, unit: '%', qc: 4 });
  });

  it('buoy batch: a position-only batch (drift alarm) decodes', () => {
    const bytes = encodeEnvelope({ ...HEADER, payload: { type: 'buoy-batch', baseTime: T0, position: { lat: -33.9, lon: -0.0000001 }, observations: [] } });
    const rec = ok(bytes);
    expect(rec.payload).toEqual({ type: 'buoy-batch', baseTime: T0, position: { lat: -33.9, lon: -0.0000001 }, averagingPeriod: 0, observations: [], missingSamples: 0 });
  });

  it('vessel batch: fixes keyed dev:<id>, sog converted cm/s → knots', () => {
    const bytes = encodeEnvelope({
      deviceId: 'BDS:4207733',
      bootId: 7,
      seq: 1,
      sentTime: T0 + 30_000,
      payload: {
        type: 'vessel-batch',
        fixes: [
          { time: T0, lat: 35.1234567, lon: 119.7654321, sog: 9.991, cog: 247.5, heading: 250 },
          { time: T0 + 10_000, lat: 35.1237, lon: 119.766, sog: 0, cog: 0, heading: 359.9 },
          { time: T0 + 20_000, lat: 35.124, lon: 119.7665 }, // sog/cog/heading unknown
        ],
      },
    });
    const rec = ok(bytes, { rxTime: T0 + 31_000 });
    expect(rec.payload).toEqual({
      type: 'vessel-batch',
      fixes: [
        { kind: 'vessel-fix', source: 'protobuf', key: 'dev:BDS:4207733', time: T0, lat: 35.1234567, lon: 119.7654321, sog: 9.991, cog: 247.5, heading: 250, rxTime: T0 + 31_000 },
        { kind: 'vessel-fix', source: 'protobuf', key: 'dev:BDS:4207733', time: T0 + 10_000, lat: 35.1237, lon: 119.766, sog: 0, cog: 0, heading: 359.9, rxTime: T0 + 31_000 },
        { kind: 'vessel-fix', source: 'protobuf', key: 'dev:BDS:4207733', time: T0 + 20_000, lat: 35.124, lon: 119.7665, rxTime: T0 + 31_000 },
      ],
    });
  });

  it('vessel batch: the wire carries cm/s (10 kn = 514 cm/s)', () => {
    const bytes = encodeEnvelope({ ...HEADER, payload: { type: 'vessel-batch', fixes: [{ time: T0, lat: 0, lon: 0, sog: 10 }] } });
    const rec = ok(bytes);
    if (rec.payload.type !== 'vessel-batch') throw new Error(rec.payload.type);
    // 514 cm/s × 3600 / 185200 = 9.99136… kn, kept to 0.001 kn (finer than the wire's 0.019 kn step)
    expect(rec.payload.fixes[0].sog).toBe(9.991);
  });

  it('health: battery V, temperature degC, rssi dBm; absent stays absent; 0 stays 0', () => {
    const bytes = encodeEnvelope({
      ...HEADER,
      payload: { type: 'health', health: { battery: 12.734, internalTemperature: -4.25, rssi: -87, uptime: 0 } },
    });
    const rec = ok(bytes);
    expect(rec.payload).toEqual({
      type: 'health',
      health: { kind: 'device-health', deviceId: 'BUOY-RZ-007', time: HEADER.sentTime, battery: 12.734, internalTemperature: -4.25, rssi: -87, uptime: 0 },
    });
  });

  it('ack: gateway stream header, device stream in the payload', () => {
    const bytes = encodeAck({ deviceId: 'BUOY-RZ-007', bootId: 3, seq: 17, sentTime: T0 }, { bootId: 42, ackedSeq: 1001 });
    const rec = ok(bytes);
    expect(rec).toEqual({
      kind: 'envelope',
      schemaMinor: 0,
      deviceId: 'BUOY-RZ-007',
      bootId: 3,
      seq: 17,
      sentTime: T0,
      payload: { type: 'ack', bootId: 42, ackedSeq: 1001 },
    });
  });

  it('64-bit fields: seq and acked_seq up to 2^53-1 survive', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const rec = ok(encodeAck({ ...HEADER, seq: big }, { bootId: 0, ackedSeq: big }));
    expect(rec.seq).toBe(big);
    expect(rec.payload).toEqual({ type: 'ack', bootId: 0, ackedSeq: big });
  });

  it('decode ∘ encode ∘ decode is stable (decoded records re-encode to the same bytes)', () => {
    const bytes = encodeEnvelope({ ...HEADER, payload: { type: 'buoy-batch', averagingPeriod: 600, observations: rizhaoObservations() } });
    const rec = ok(bytes);
    if (rec.payload.type !== 'buoy-batch') throw new Error(rec.payload.type);
    const again = encodeEnvelope({ ...HEADER, payload: { ...rec.payload, observations: rec.payload.observations } });
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  it('forward compatible: unknown header and series fields (a newer minor) are ignored', () => {
    const bytes = encodeEnvelope({ ...HEADER, schemaMinor: 4, payload: { type: 'buoy-batch', observations: [{ time: T0, variable: 'wind_speed', value: 7.25 }] } });
    // Append Envelope field 7 (varint 5) and re-wrap the batch with an extra Series field 6.
    const env = tidewatch.v1.Envelope.decode(bytes);
    const series = tidewatch.v1.Series.encode(env.buoyBatch!.series![0]).finish();
    const newerSeries = Uint8Array.from([...series, 0x30, 0x01]); // Series field 6 = 1
    const batch = tidewatch.v1.BuoyObservationBatch.encode({ ...env.buoyBatch!, series: [] }).finish();
    const newerBatch = Uint8Array.from([...batch, 0x22, newerSeries.length, ...newerSeries]);
    const header = tidewatch.v1.Envelope.encode({ ...env, buoyBatch: null }).finish();
    const newer = Uint8Array.from([...header, 0x38, 0x05, 0x82, 0x01, newerBatch.length, ...newerBatch]);
    const rec = ok(newer);
    expect(rec.schemaMinor).toBe(4);
    if (rec.payload.type !== 'buoy-batch') throw new Error(rec.payload.type);
    expect(rec.payload.observations).toMatchObject([{ variable: 'wind_speed', value: 7.25, time: T0 }]);
  });

  it('size: 18 variables × 6 ten-minute samples is a few hundred bytes', () => {
    const payload = { type: 'buoy-batch' as const, position: { lat: 35.3869123, lon: 119.5583456 }, averagingPeriod: 600 };
    const withQc = encodeEnvelope({ ...HEADER, payload: { ...payload, observations: rizhaoObservations() } });
    const noQc = encodeEnvelope({ ...HEADER, payload: { ...payload, observations: rizhaoObservations().map((o) => ({ ...o, qc: undefined })) } });
    const json = JSON.stringify(ok(withQc));
    // Measured: 545 bytes with all 108 device QC flags, 401 without; the decoded records are ~19.6 kB of JSON.
    expect(withQc.length).toBeLessThan(600);
    expect(noQc.length).toBeLessThan(450);
    expect(noQc.length).toBeGreaterThan(300);
    expect(withQc.length * 20).toBeLessThan(json.length);
  });
});
