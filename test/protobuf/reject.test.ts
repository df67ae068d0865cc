import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { decodeEnvelope, encodeEnvelope } from '../../gateway/decoders/protobuf/index.js';
import { tidewatch } from '../../proto/generated/tidewatch.js';
import { HEADER, raw, RAW_HEADER, T0 } from './fixtures.js';

function rejects(bytes: Uint8Array, code: DecodeError['code'], message: RegExp): void {
  const r = decodeEnvelope(bytes);
  expect(r).toBeInstanceOf(DecodeError);
  expect(r).toMatchObject({ kind: 'error', code });
  expect((r as DecodeError).message).toMatch(message);
}

const series = (s: Partial<tidewatch.v1.Series.$Properties>): tidewatch.v1.Series.$Properties => ({
  variable: tidewatch.v1.Variable.VARIABLE_SEA_SURFACE_TEMPERATURE,
  values: [1823, 1825],
  ...s,
});
const buoy = (b: Partial<tidewatch.v1.BuoyObservationBatch.$Properties>): Uint8Array =>
  raw({ ...RAW_HEADER, buoyBatch: { baseTimeMs: T0, timeOffsetsS: [0, 600], series: [series({})], ...b } });
const fix = (f: Partial<tidewatch.v1.VesselFix.$Properties>): Uint8Array =>
  raw({ ...RAW_HEADER, vesselBatch: { fixes: [{ fixTimeMs: T0, position: { latE7: 351234567, lonE7: 1197654321 }, ...f }] } });

describe('protobuf envelope: not an Envelope (code protobuf)', () => {
  const valid = encodeEnvelope({ ...HEADER, payload: { type: 'health', health: { battery: 12.5 } } });

  it('empty frame', () => rejects(new Uint8Array(0), 'protobuf', /empty frame/));
  it('truncated frame', () => rejects(valid.subarray(0, valid.length - 1), 'protobuf', /not a protobuf Envelope: .*(range|offset)/i));
  it('invalid wire type', () => rejects(new Uint8Array([0x0f, 0x01]), 'protobuf', /not a protobuf Envelope: .*wire type/));
  it('field number 0', () => rejects(new Uint8Array([0x00, 0x01]), 'protobuf', /not a protobuf Envelope/));
  it('device_id that is not UTF-8', () => {
    const bytes = new Uint8Array([0x08, 0x01, 0x1a, 0x02, 0xc3, 0x28]);
    rejects(bytes, 'protobuf', /not a protobuf Envelope/);
  });
  it('text, not protobuf', () => rejects(new TextEncoder().encode('$GPGGA,123519,4807.038,N*47\r\n'), 'protobuf', /not a protobuf Envelope/));
  it('a validly decodable sanity frame passes', () => expect(decodeEnvelope(valid)).not.toBeInstanceOf(DecodeError));
});

describe('protobuf envelope: header rules (code schema)', () => {
  it('schema_major missing', () => rejects(raw({ ...RAW_HEADER, schemaMajor: 0, ack: { ackedSeq: 1 } }), 'schema', /Envelope\.schema_major is missing \(0\)/));
  it('schema_major 2', () => rejects(raw({ ...RAW_HEADER, schemaMajor: 2, ack: { ackedSeq: 1 } }), 'schema', /Envelope\.schema_major 2 is not supported/));
  it('device_id missing', () => rejects(raw({ ...RAW_HEADER, deviceId: '', ack: { ackedSeq: 1 } }), 'schema', /Envelope\.device_id is missing/));
  it('device_id with a space', () => rejects(raw({ ...RAW_HEADER, deviceId: 'BUOY RZ', ack: { ackedSeq: 1 } }), 'schema', /Envelope\.device_id "BUOY RZ" must be 1-64 printable ASCII/));
  it('device_id too long', () => rejects(raw({ ...RAW_HEADER, deviceId: 'X'.repeat(65), ack: { ackedSeq: 1 } }), 'schema', /Envelope\.device_id .* 1-64/));
  it('device_id with non-ASCII', () => rejects(raw({ ...RAW_HEADER, deviceId: '鲁日渔60123', ack: { ackedSeq: 1 } }), 'schema', /Envelope\.device_id/));
  it('seq 0', () => rejects(raw({ ...RAW_HEADER, seq: 0, ack: { ackedSeq: 1 } }), 'schema', /Envelope\.seq is 0/));
  it('seq above 2^53', () => rejects(raw({ ...RAW_HEADER, seq: 2 ** 54, ack: { ackedSeq: 1 } }), 'schema', /Envelope\.seq exceeds 2\^53-1/));
  it('sent_time_ms missing', () => rejects(raw({ ...RAW_HEADER, sentTimeMs: 0, ack: { ackedSeq: 1 } }), 'schema', /Envelope\.sent_time_ms is missing/));
  it('sent_time_ms negative', () => rejects(raw({ ...RAW_HEADER, sentTimeMs: -5, ack: { ackedSeq: 1 } }), 'schema', /Envelope\.sent_time_ms -5 is outside 2000-01-01\.\.2100-01-01/));
  it('sent_time_ms in seconds, not ms', () => rejects(raw({ ...RAW_HEADER, sentTimeMs: Math.floor(T0 / 1000), ack: { ackedSeq: 1 } }), 'schema', /Envelope\.sent_time_ms \d+ is outside/));
  it('no payload', () => rejects(raw({ ...RAW_HEADER }), 'schema', /Envelope has no payload/));
  it('no payload, only an unknown header field', () => {
    rejects(Uint8Array.from([...raw({ ...RAW_HEADER }), 0x38, 0x05]), 'schema', /Envelope has no payload/);
  });
  it('unknown (newer) payload kind', () => {
    const base = raw({ ...RAW_HEADER, schemaMinor: 3 });
    // field 25, wire type 2, 2 bytes: what a 1.3 device's new payload looks like to this gateway
    const bytes = new Uint8Array([...base, 0xca, 0x01, 0x02, 0x08, 0x01]);
    rejects(bytes, 'schema', /payload field 25 is unknown to this gateway \(sender schema 1\.3, gateway 1\.0\)/);
  });
});

describe('protobuf envelope: buoy_batch rules', () => {
  it('base_time_ms missing', () => rejects(buoy({ baseTimeMs: 0 }), 'schema', /buoy_batch\.base_time_ms is missing/));
  it('empty batch', () => rejects(buoy({ series: [], timeOffsetsS: [] }), 'schema', /buoy_batch carries neither series nor position/));
  it('latitude out of range', () => rejects(buoy({ position: { latE7: 900_000_001, lonE7: 0 } }), 'schema', /buoy_batch\.position\.lat_e7 900000001 is outside ±90°/));
  it('longitude out of range', () => rejects(buoy({ position: { latE7: 0, lonE7: -1_800_000_001 } }), 'schema', /buoy_batch\.position\.lon_e7 -1800000001 is outside ±180°/));
  it('variable unspecified', () => rejects(buoy({ series: [series({ variable: 0 })] }), 'schema', /buoy_batch\.series\[0\]\.variable is VARIABLE_UNSPECIFIED/));
  it('variable unknown', () => rejects(buoy({ series: [series({}), series({ variable: 99 as tidewatch.v1.Variable })] }), 'schema', /buoy_batch\.series\[1\]\.variable 99 is unknown to this gateway/));
  it('series length ≠ time offsets', () => rejects(buoy({ series: [series({ values: [1, 2, 3] })] }), 'schema', /buoy_batch\.series\[0\]\.values has 3 values but time_offsets_s has 2/));
  it('qc length neither 0 nor equal', () => rejects(buoy({ series: [series({ qc: [1] })] }), 'schema', /buoy_batch\.series\[0\]\.qc has 1 flags: must be empty or one per value \(2\)/));
  it('qc not a QARTOD flag', () => rejects(buoy({ series: [series({ qc: [1, 5 as tidewatch.v1.QcFlag] })] }), 'schema', /buoy_batch\.series\[0\]\.qc\[1\] 5 is not a QARTOD flag/));
  it('depth out of range', () => rejects(buoy({ series: [series({ depthCm: 2_000_000 })] }), 'schema', /buoy_batch\.series\[0\]\.depth_cm 2000000 is outside/));
  it('duplicate series', () => rejects(buoy({ series: [series({ depthCm: 50 }), series({ variable: 2 }), series({ depthCm: 50 })] }), 'schema', /buoy_batch\.series\[2\] repeats series\[0\] \(VARIABLE_SEA_SURFACE_TEMPERATURE, sensor_index 0, depth_cm 50\)/));
  it('sample time past 2100', () => rejects(buoy({ timeOffsetsS: [0, 4_000_000_000] }), 'schema', /buoy_batch\.time_offsets_s\[1\] 4000000000 puts the sample after 2100-01-01/));
  it('a different sensor_index or depth is a different series', () => {
    expect(decodeEnvelope(buoy({ series: [series({}), series({ sensorIndex: 1 }), series({ depthCm: 100 })] }))).not.toBeInstanceOf(DecodeError);
  });
});

describe('protobuf envelope: vessel_batch, ack rules', () => {
  it('no fixes', () => rejects(raw({ ...RAW_HEADER, vesselBatch: { fixes: [] } }), 'schema', /vessel_batch\.fixes is empty/));
  it('fix without position', () => rejects(fix({ position: null }), 'schema', /vessel_batch\.fixes\[0\]\.position is missing/));
  it('fix time missing', () => rejects(fix({ fixTimeMs: 0 }), 'schema', /vessel_batch\.fixes\[0\]\.fix_time_ms is missing/));
  it('fix latitude out of range', () => rejects(fix({ position: { latE7: -900_000_001, lonE7: 0 } }), 'schema', /vessel_batch\.fixes\[0\]\.position\.lat_e7 -900000001 is outside ±90°/));
  it('course 360.0°', () => rejects(fix({ cogDegX10: 3600 }), 'schema', /vessel_batch\.fixes\[0\]\.cog_deg_x10 3600 is outside 0\.\.3599/));
  it('heading 511 (the AIS "not available" habit)', () => rejects(fix({ headingDegX10: 5110 }), 'schema', /vessel_batch\.fixes\[0\]\.heading_deg_x10 5110 is outside 0\.\.3599/));
  it('acked_seq 0', () => rejects(raw({ ...RAW_HEADER, ack: { bootId: 1, ackedSeq: 0 } }), 'schema', /ack\.acked_seq is 0/));
  it('acked_seq above 2^53', () => rejects(raw({ ...RAW_HEADER, ack: { bootId: 1, ackedSeq: 2 ** 60 } }), 'schema', /ack\.acked_seq exceeds 2\^53-1/));
});

describe('encoder refuses bad input (throws RangeError)', () => {
  it.each([
    ['bad device id', () => encodeEnvelope({ ...HEADER, deviceId: 'a b', payload: { type: 'ack', bootId: 1, ackedSeq: 1 } }), /deviceId/],
    ['seq 0', () => encodeEnvelope({ ...HEADER, seq: 0, payload: { type: 'ack', bootId: 1, ackedSeq: 1 } }), /seq 0/],
    ['time in seconds', () => encodeEnvelope({ ...HEADER, sentTime: 1_700_000_000, payload: { type: 'ack', bootId: 1, ackedSeq: 1 } }), /sentTime/],
    ['unknown variable', () => encodeEnvelope({ ...HEADER, payload: { type: 'buoy-batch', observations: [{ time: T0, variable: 'sea_temp', value: 1 }] } }), /unknown buoy variable "sea_temp"/],
    ['sub-second time', () => encodeEnvelope({ ...HEADER, payload: { type: 'buoy-batch', observations: [{ time: T0, variable: 'wind_speed', value: 1 }, { time: T0 + 500, variable: 'wind_speed', value: 1 }] } }), /whole number of seconds/],
    ['duplicate sample', () => encodeEnvelope({ ...HEADER, payload: { type: 'buoy-batch', observations: [{ time: T0, variable: 'wind_speed', value: 1 }, { time: T0, variable: 'wind_speed', value: 2 }] } }), /two observations of wind_speed/],
    ['value overflows int32', () => encodeEnvelope({ ...HEADER, payload: { type: 'buoy-batch', observations: [{ time: T0, variable: 'air_pressure', value: 3e7 }] } }), /air_pressure 30000000 does not fit/],
    ['latitude 91', () => encodeEnvelope({ ...HEADER, payload: { type: 'vessel-batch', fixes: [{ time: T0, lat: 91, lon: 0 }] } }), /fixes\[0\]\.lat 91/],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrow(RangeError);
    expect(fn).toThrow(message);
  });
});
