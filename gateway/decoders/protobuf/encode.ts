import type { DeviceHealth, VesselFix } from '../../../core/records.js';
import { tidewatch } from '../../../proto/generated/tidewatch.js';
import { MAX_TIME_MS, MIN_TIME_MS, SCHEMA_MAJOR, SCHEMA_MINOR, type LatLon } from './decode.js';
import { QC, VARIABLES, VARIABLES_BY_NAME, type VariableInfo } from './variables.js';

/**
 * Encoder for devices, the simulator and tests: physical values in, Envelope bytes out. The
 * inverse of decodeEnvelope up to wire resolution. Unlike the decoder it throws (RangeError) on
 * bad input: a caller passing bad values is a programming error, not data to report.
 */

const pb = tidewatch.v1;

export interface EnvelopeHeaderInput {
  deviceId: string;
  bootId: number;
  /** 1, 2, 3, … per (deviceId, bootId) */
  seq: number;
  /** ms since epoch */
  sentTime: number;
  /** Defaults to the minor revision this code knows. */
  schemaMinor?: number;
}

/** A buoy sample in physical units. Decoded `BuoyObservation`s are accepted as they are. */
export interface BuoyObservationInput {
  /** ms since epoch; must be a whole number of seconds after the batch's base time */
  time: number;
  /** Stable name (`sea_surface_temperature`) or Variable enum value */
  variable: string | number;
  /** In the variable's unit (VARIABLES[…].unit) */
  value: number;
  /** metres, positive down; default 0 */
  depth?: number;
  sensorIndex?: number;
  /** QARTOD flag; default 2 (not evaluated) */
  qc?: number;
}

export interface BuoyBatchInput {
  type: 'buoy-batch';
  /** ms since epoch; default: the earliest observation time */
  baseTime?: number;
  position?: LatLon;
  /** seconds; default 0 */
  averagingPeriod?: number;
  observations: readonly BuoyObservationInput[];
}

export type VesselFixInput = Pick<VesselFix, 'time' | 'lat' | 'lon' | 'sog' | 'cog' | 'heading'>;

export interface VesselBatchInput {
  type: 'vessel-batch';
  /** sog in knots, cog/heading in degrees true */
  fixes: readonly VesselFixInput[];
}

export interface HealthInput {
  type: 'health';
  health: Partial<Pick<DeviceHealth, 'battery' | 'internalTemperature' | 'rssi' | 'firmwareBuild' | 'uptime'>>;
}

export interface AckInput {
  type: 'ack';
  bootId: number;
  ackedSeq: number;
}

export type PayloadInput = BuoyBatchInput | VesselBatchInput | HealthInput | AckInput;

export interface EnvelopeInput extends EnvelopeHeaderInput {
  payload: PayloadInput;
}

/** Encodes one Envelope (no length prefix; see encodeDelimited for files). */
export function encodeEnvelope(input: EnvelopeInput): Uint8Array {
  const env: tidewatch.v1.Envelope.$Properties = header(input);
  const p = input.payload;
  switch (p.type) {
    case 'buoy-batch':
      env.buoyBatch = buoyBatch(p);
      break;
    case 'vessel-batch':
      env.vesselBatch = vesselBatch(p);
      break;
    case 'health':
      env.health = health(p);
      break;
    case 'ack':
      env.ack = { bootId: u32(p.bootId, 'ack.bootId'), ackedSeq: seqNumber(p.ackedSeq, 'ack.ackedSeq') };
      break;
    default:
      throw new RangeError(`unknown payload type ${JSON.stringify((p as { type?: unknown }).type)}`);
  }
  const buf = pb.Envelope.encode(env).finish();
  // A plain Uint8Array view (protobufjs hands out Buffers on Node).
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Gateway → device acknowledgement. `header` is the gateway's own stream towards that device
 * (deviceId = the addressee); `ack` names the device stream and its highest contiguous stored seq.
 */
export function encodeAck(header: EnvelopeHeaderInput, ack: { bootId: number; ackedSeq: number }): Uint8Array {
  return encodeEnvelope({ ...header, payload: { type: 'ack', bootId: ack.bootId, ackedSeq: ack.ackedSeq } });
}

function header(h: EnvelopeHeaderInput): tidewatch.v1.Envelope.$Properties {
  if (typeof h.deviceId !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(h.deviceId)) {
    throw new RangeError(`deviceId ${JSON.stringify(h.deviceId)} must be 1-64 printable ASCII characters without spaces`);
  }
  return {
    schemaMajor: SCHEMA_MAJOR,
    schemaMinor: u32(h.schemaMinor ?? SCHEMA_MINOR, 'schemaMinor'),
    deviceId: h.deviceId,
    bootId: u32(h.bootId, 'bootId'),
    seq: seqNumber(h.seq, 'seq'),
    sentTimeMs: timeMs(h.sentTime, 'sentTime'),
  };
}

function u32(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`${field} ${v} is not a uint32`);
  return v;
}

function seqNumber(v: number, field: string): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${field} ${v} must be an integer 1..2^53-1`);
  return v;
}

function timeMs(v: number, field: string): number {
  if (!Number.isInteger(v) || v < MIN_TIME_MS || v >= MAX_TIME_MS) {
    throw new RangeError(`${field} ${v} must be integer ms since epoch within 2000-01-01..2100-01-01`);
  }
  return v;
}

function scaled(value: number, factor: number, field: string, min: number, max: number): number {
  const w = Math.round(value * factor);
  if (!Number.isFinite(value) || w < min || w > max) throw new RangeError(`${field} ${value} does not fit the wire range`);
  return w;
}

function position(p: LatLon, field: string): tidewatch.v1.Position.$Properties {
  return {
    latE7: scaled(p.lat, 1e7, `${field}.lat`, -900_000_000, 900_000_000),
    lonE7: scaled(p.lon, 1e7, `${field}.lon`, -1_800_000_000, 1_800_000_000),
  };
}

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

function variableOf(v: string | number): VariableInfo {
  const info = typeof v === 'number' ? VARIABLES[v] : VARIABLES_BY_NAME.get(v);
  if (!info) throw new RangeError(`unknown buoy variable ${JSON.stringify(v)}`);
  return info;
}

interface SeriesBuild {
  info: VariableInfo;
  sensorIndex: number;
  depthCm: number;
  values: number[];
  qc: number[];
  filled: boolean[];
}

function buoyBatch(b: BuoyBatchInput): tidewatch.v1.BuoyObservationBatch.$Properties {
  const obs = b.observations;
  // Shared time axis: the distinct sample times, ascending.
  const timeSet = new Set<number>();
  for (const o of obs) timeSet.add(timeMs(o.time, 'observation.time'));
  const times = [...timeSet].sort((x, y) => x - y);
  const base = timeMs(b.baseTime ?? times[0] ?? NaN, 'baseTime');
  const slot = new Map<number, number>();
  const offsets = times.map((t, i) => {
    const off = (t - base) / 1000;
    if (!Number.isInteger(off) || off < 0 || off > 0xffff_ffff) {
      throw new RangeError(`observation time ${t} is not a whole number of seconds at or after baseTime ${base}`);
    }
    slot.set(t, i);
    return off;
  });

  const series: SeriesBuild[] = [];
  const byKey = new Map<string, SeriesBuild>();
  for (const o of obs) {
    const info = variableOf(o.variable);
    const sensorIndex = u32(o.sensorIndex ?? 0, 'observation.sensorIndex');
    const depthCm = scaled(o.depth ?? 0, 100, 'observation.depth', INT32_MIN, INT32_MAX);
    const key = `${info.code}/${sensorIndex}/${depthCm}`;
    let s = byKey.get(key);
    if (!s) {
      s = {
        info,
        sensorIndex,
        depthCm,
        values: new Array<number>(times.length).fill(0),
        qc: new Array<number>(times.length).fill(QC.MISSING),
        filled: new Array<boolean>(times.length).fill(false),
      };
      byKey.set(key, s);
      series.push(s);
    }
    const i = slot.get(o.time)!;
    if (s.filled[i]) throw new RangeError(`two observations of ${info.name} (${key}) at time ${o.time}`);
    s.filled[i] = true;
    const qc = o.qc ?? QC.NOT_EVALUATED;
    if (qc !== 1 && qc !== 2 && qc !== 3 && qc !== 4 && qc !== 9) throw new RangeError(`qc ${qc} is not a QARTOD flag`);
    s.qc[i] = qc;
    s.values[i] = qc === QC.MISSING ? 0 : scaled(o.value, info.divisor, info.name, INT32_MIN, INT32_MAX);
  }

  const out: tidewatch.v1.BuoyObservationBatch.$Properties = {
    baseTimeMs: base,
    timeOffsetsS: offsets,
    averagingPeriodS: u32(b.averagingPeriod ?? 0, 'averagingPeriod'),
    series: series.map((s) => ({
      variable: s.info.code,
      sensorIndex: s.sensorIndex,
      depthCm: s.depthCm,
      values: s.values,
      // All "not evaluated" is the empty array's meaning: save the bytes.
      qc: s.qc.every((f) => f === QC.NOT_EVALUATED) ? [] : s.qc,
    })),
  };
  if (b.position) out.position = position(b.position, 'position');
  return out;
}

function vesselBatch(b: VesselBatchInput): tidewatch.v1.VesselPositionBatch.$Properties {
  return {
    fixes: b.fixes.map((f, i) => {
      const at = `fixes[${i}]`;
      const fix: tidewatch.v1.VesselFix.$Properties = {
        fixTimeMs: timeMs(f.time, `${at}.time`),
        position: position(f, at),
      };
      // knots → cm/s (the wire's SI unit): 1 kn = 185200 cm / 3600 s.
      if (f.sog != null) fix.sogCmS = scaled(f.sog, 185_200 / 3600, `${at}.sog`, 0, 0xffff_ffff);
      if (f.cog != null) fix.cogDegX10 = scaled(f.cog, 10, `${at}.cog`, 0, 3600) % 3600;
      if (f.heading != null) fix.headingDegX10 = scaled(f.heading, 10, `${at}.heading`, 0, 3600) % 3600;
      return fix;
    }),
  };
}

function health(p: HealthInput): tidewatch.v1.DeviceHealth.$Properties {
  const h = p.health;
  const out: tidewatch.v1.DeviceHealth.$Properties = {};
  if (h.battery != null) out.batteryMv = scaled(h.battery, 1000, 'battery', 0, 0xffff_ffff);
  if (h.internalTemperature != null) out.internalTempCdegc = scaled(h.internalTemperature, 100, 'internalTemperature', INT32_MIN, INT32_MAX);
  if (h.rssi != null) out.rssiDbm = scaled(h.rssi, 1, 'rssi', INT32_MIN, INT32_MAX);
  if (h.firmwareBuild != null) out.firmwareBuild = u32(h.firmwareBuild, 'firmwareBuild');
  if (h.uptime != null) out.uptimeS = u32(h.uptime, 'uptime');
  return out;
}

