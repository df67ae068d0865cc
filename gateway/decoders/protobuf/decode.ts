import { DecodeError } from '../../../core/errors.js';
import type { BuoyObservation, DeviceHealth, VesselFix } from '../../../core/records.js';
import { tidewatch } from '../../../proto/generated/tidewatch.js';
import { QC, VARIABLES } from './variables.js';

/**
 * Decoder for `tidewatch.v1.Envelope` frames (proto/tidewatch/v1/telemetry.proto).
 *
 * Pure: bytes in, an `EnvelopeRecord` in physical units or a `DecodeError` out; never throws.
 * protobufjs checks the wire format ('protobuf' errors); this file checks the schema's rules
 * ('schema' errors), which proto3 itself cannot express (presence, lengths, ranges, known enums).
 */

const pb = tidewatch.v1;

/** Schema major this gateway decodes. */
export const SCHEMA_MAJOR = 1;
/** Minor revision of telemetry.proto this code was written against (see proto/README.md). */
export const SCHEMA_MINOR = 0;

export interface LatLon {
  /** decimal degrees WGS-84 */
  lat: number;
  lon: number;
}

export interface BuoyBatchPayload {
  type: 'buoy-batch';
  /** ms since epoch */
  baseTime: number;
  position?: LatLon;
  /** seconds; 0 = spot samples or not stated */
  averagingPeriod: number;
  /** One per sample present, series by series in wire order. Missing samples (QC 9) are left out. */
  observations: BuoyObservation[];
  /** Samples the device marked QC_FLAG_MISSING (not in `observations`). */
  missingSamples: number;
}

export interface VesselBatchPayload {
  type: 'vessel-batch';
  fixes: VesselFix[];
}

export interface HealthPayload {
  type: 'health';
  health: DeviceHealth;
}

export interface AckPayload {
  type: 'ack';
  /** boot id of the device stream acknowledged */
  bootId: number;
  /** every seq <= ackedSeq of that stream is stored (or permanently rejected) */
  ackedSeq: number;
}

export type EnvelopePayload = BuoyBatchPayload | VesselBatchPayload | HealthPayload | AckPayload;

/** Protocol record for one Envelope frame. */
export interface EnvelopeRecord {
  kind: 'envelope';
  /** Minor schema revision the sender declared (informational). */
  schemaMinor: number;
  deviceId: string;
  bootId: number;
  seq: number;
  /** Sender clock, ms since epoch. */
  sentTime: number;
  /** Receive time from the transport (ctx.rxTime), ms since epoch. */
  rxTime?: number;
  payload: EnvelopePayload;
}

export interface DecodeContext {
  /** Receive time, ms since epoch; copied to the record and its vessel fixes. */
  rxTime?: number;
}

/** Times outside [2000-01-01, 2100-01-01) are garbage, not clock skew (the pipeline judges skew). */
export const MIN_TIME_MS = 946_684_800_000;
export const MAX_TIME_MS = 4_102_444_800_000;

const LAT_E7_MAX = 900_000_000;
const LON_E7_MAX = 1_800_000_000;
/** Series depth: 100 m above the surface down to the deepest trench. */
const DEPTH_CM_MIN = -10_000;
const DEPTH_CM_MAX = 1_100_000;
const DEVICE_ID = /^[\x21-\x7e]{1,64}$/;
/** cm/s → knots: 1 kn = 1852 m / 3600 s. */
const KNOTS_PER_CM_S = 3600 / 185_200;

/*
 * protobufjs' .d.ts types nested messages as loose `$Properties`, but its decode() builds class
 * instances at every level (defaults on the prototype, never null arrays). These aliases state
 * that, so the code below reads fields without null checks the runtime never needs.
 */
type BatchMsg = Omit<tidewatch.v1.BuoyObservationBatch, 'series' | 'position'> & {
  series: tidewatch.v1.Series[];
  position?: tidewatch.v1.Position | null;
};
type VesselFixMsg = Omit<tidewatch.v1.VesselFix, 'position'> & { position?: tidewatch.v1.Position | null };
type VesselBatchMsg = { fixes: VesselFixMsg[] };
type HealthMsg = tidewatch.v1.DeviceHealth;
type AckMsg = tidewatch.v1.Ack;
type PositionMsg = tidewatch.v1.Position;

/** The shape protobufjs gives 64-bit fields: a Long (library present) or a plain number. */
type Int64 = number | { low: number; high: number; unsigned: boolean };

/**
 * THE place where 64-bit wire integers become JS numbers. Epoch ms and sequence numbers fit in
 * 2^53; anything larger is refused (NaN, which every range check below rejects), never rounded.
 */
function int64ToNumber(v: Int64 | null | undefined): number {
  if (v == null) return 0;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : NaN;
  const hi = v.unsigned ? v.high >>> 0 : v.high;
  if (hi > 0x1fffff || hi < -0x200000) return NaN;
  const n = hi * 4_294_967_296 + (v.low >>> 0);
  return Number.isSafeInteger(n) ? n : NaN;
}

function schemaError(message: string): DecodeError {
  return new DecodeError('schema', message);
}

function checkTime(ms: number, field: string): DecodeError | undefined {
  if (ms === 0) return schemaError(`${field} is missing (0)`);
  if (!(ms >= MIN_TIME_MS && ms < MAX_TIME_MS)) {
    return schemaError(`${field} ${Number.isNaN(ms) ? '(> 2^53)' : ms} is outside 2000-01-01..2100-01-01 (ms since epoch)`);
  }
  return undefined;
}

function position(p: PositionMsg, field: string): LatLon | DecodeError {
  const latE7 = p.latE7;
  const lonE7 = p.lonE7;
  if (latE7 < -LAT_E7_MAX || latE7 > LAT_E7_MAX) return schemaError(`${field}.lat_e7 ${latE7} is outside ±90°`);
  if (lonE7 < -LON_E7_MAX || lonE7 > LON_E7_MAX) return schemaError(`${field}.lon_e7 ${lonE7} is outside ±180°`);
  return { lat: latE7 / 1e7, lon: lonE7 / 1e7 };
}

/** Decodes one Envelope (no length prefix). Never throws. */
export function decodeEnvelope(bytes: Uint8Array, ctx?: DecodeContext): EnvelopeRecord | DecodeError {
  if (bytes.length === 0) return new DecodeError('protobuf', 'empty frame (0 bytes): not an Envelope');
  let env: tidewatch.v1.Envelope;
  try {
    env = pb.Envelope.decode(bytes);
  } catch (err) {
    return new DecodeError('protobuf', `not a protobuf Envelope: ${err instanceof Error ? err.message : String(err)}`);
  }

  const major = env.schemaMajor;
  if (major !== SCHEMA_MAJOR) {
    return new DecodeError(
      'schema',
      major === 0
        ? `Envelope.schema_major is missing (0): this gateway decodes schema ${SCHEMA_MAJOR}`
        : `Envelope.schema_major ${major} is not supported: this gateway decodes schema ${SCHEMA_MAJOR}`,
    );
  }
  const deviceId = env.deviceId;
  if (!deviceId) return schemaError('Envelope.device_id is missing');
  if (!DEVICE_ID.test(deviceId)) {
    return schemaError(`Envelope.device_id ${JSON.stringify(deviceId.slice(0, 80))} must be 1-64 printable ASCII characters without spaces`);
  }
  const seq = int64ToNumber(env.seq);
  if (seq === 0) return schemaError('Envelope.seq is 0: sequence numbers start at 1');
  if (Number.isNaN(seq)) return schemaError('Envelope.seq exceeds 2^53-1');
  const sentTime = int64ToNumber(env.sentTimeMs);
  const timeErr = checkTime(sentTime, 'Envelope.sent_time_ms');
  if (timeErr) return timeErr;

  let payload: EnvelopePayload | DecodeError;
  switch (env.payload) {
    case 'buoyBatch':
      payload = buoyBatch(env.buoyBatch as BatchMsg, deviceId);
      break;
    case 'vesselBatch':
      payload = vesselBatch(env.vesselBatch as VesselBatchMsg, deviceId, ctx?.rxTime);
      break;
    case 'health':
      payload = health(env.health as HealthMsg, deviceId, sentTime);
      break;
    case 'ack':
      payload = ack(env.ack as AckMsg);
      break;
    default:
      payload = noPayload(bytes, env.schemaMinor);
  }
  if (payload instanceof DecodeError) return payload;

  const record: EnvelopeRecord = {
    kind: 'envelope',
    schemaMinor: env.schemaMinor,
    deviceId,
    bootId: env.bootId,
    seq,
    sentTime,
    payload,
  };
  if (ctx?.rxTime !== undefined) record.rxTime = ctx.rxTime;
  return record;
}

/** Payload kinds (oneof members, field 16 and up) this gateway knows. */
const FIRST_PAYLOAD_FIELD = 16;
const KNOWN_PAYLOAD_FIELDS = new Set([16, 17, 18, 19]);

/** Error path only: say whether the oneof was empty or carried a payload kind we do not know. */
function noPayload(bytes: Uint8Array, senderMinor: number): DecodeError {
  const unknown = unknownPayloadFields(bytes);
  if (unknown.length === 0) return schemaError('Envelope has no payload (buoy_batch, vessel_batch, health or ack)');
  return schemaError(
    `Envelope payload field ${unknown.join(', ')} is unknown to this gateway (sender schema 1.${senderMinor}, ` +
      `gateway 1.${SCHEMA_MINOR}): a newer payload kind; upgrade the gateway`,
  );
}

/** Unknown top-level field numbers from 16 up. Runs only after protobufjs accepted the bytes. */
function unknownPayloadFields(bytes: Uint8Array): number[] {
  const found: number[] = [];
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    // up to 10 bytes (int64)
    for (let shift = 0; pos < bytes.length && shift < 70; shift += 7) {
      const b = bytes[pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    return -1;
  };
  while (pos < bytes.length) {
    const tag = varint();
    if (tag < 0) break;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field >= FIRST_PAYLOAD_FIELD && !KNOWN_PAYLOAD_FIELDS.has(field) && !found.includes(field)) found.push(field);
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 2) {
      const len = varint(); // read before `pos +=` reads pos
      pos += Math.max(0, len);
    }
    else if (wire === 5) pos += 4;
    else break; // groups: protobufjs skipped them; the field number above is all we need
  }
  return found;
}

function buoyBatch(b: BatchMsg, deviceId: string): BuoyBatchPayload | DecodeError {
  const baseTime = int64ToNumber(b.baseTimeMs);
  const timeErr = checkTime(baseTime, 'buoy_batch.base_time_ms');
  if (timeErr) return timeErr;
  let pos: LatLon | undefined;
  if (b.position) {
    const p = position(b.position, 'buoy_batch.position');
    if (p instanceof DecodeError) return p;
    pos = p;
  }
  const series = b.series;
  if (series.length === 0 && !pos) return schemaError('buoy_batch carries neither series nor position');

  const offsets = b.timeOffsetsS;
  const n = offsets.length;
  // Sample times once per batch, not once per series.
  const times = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = baseTime + offsets[i] * 1000;
    if (t >= MAX_TIME_MS) return schemaError(`buoy_batch.time_offsets_s[${i}] ${offsets[i]} puts the sample after 2100-01-01`);
    times[i] = t;
  }

  // Validate every series before building any record: a bad frame costs no allocations.
  for (let s = 0; s < series.length; s++) {
    const sr = series[s];
    const at = `buoy_batch.series[${s}]`;
    const code = sr.variable;
    if (code === 0) return schemaError(`${at}.variable is VARIABLE_UNSPECIFIED`);
    if (VARIABLES[code] === undefined) {
      return schemaError(`${at}.variable ${code} is unknown to this gateway (schema 1.${SCHEMA_MINOR}): upgrade the gateway`);
    }
    if (sr.values.length !== n) {
      return schemaError(`${at}.values has ${sr.values.length} values but time_offsets_s has ${n}`);
    }
    const qc = sr.qc;
    if (qc.length !== 0 && qc.length !== n) {
      return schemaError(`${at}.qc has ${qc.length} flags: must be empty or one per value (${n})`);
    }
    for (let i = 0; i < qc.length; i++) {
      const f = qc[i];
      if (f !== 0 && f !== 1 && f !== 2 && f !== 3 && f !== 4 && f !== 9) {
        return schemaError(`${at}.qc[${i}] ${f} is not a QARTOD flag (1, 2, 3, 4, 9)`);
      }
    }
    if (sr.depthCm < DEPTH_CM_MIN || sr.depthCm > DEPTH_CM_MAX) {
      return schemaError(`${at}.depth_cm ${sr.depthCm} is outside ${DEPTH_CM_MIN}..${DEPTH_CM_MAX}`);
    }
    // Two series with one key would collide in the store; batches are small, so a pairwise scan.
    for (let o = 0; o < s; o++) {
      const other = series[o];
      if (other.variable === code && other.sensorIndex === sr.sensorIndex && other.depthCm === sr.depthCm) {
        return schemaError(
          `${at} repeats series[${o}] (${VARIABLES[code].protoName}, sensor_index ${sr.sensorIndex}, depth_cm ${sr.depthCm})`,
        );
      }
    }
  }

  const observations: BuoyObservation[] = [];
  let missing = 0;
  for (let s = 0; s < series.length; s++) {
    const sr = series[s];
    const v = VARIABLES[sr.variable];
    const values = sr.values;
    const qc = sr.qc;
    const hasQc = qc.length !== 0;
    const depth = sr.depthCm / 100;
    for (let i = 0; i < n; i++) {
      let flag: number = hasQc ? qc[i] : QC.NOT_EVALUATED;
      if (flag === QC.MISSING) {
        missing++;
        continue;
      }
      if (flag === 0) flag = QC.NOT_EVALUATED;
      // Division by an exact integer rounds correctly: 101325 / 100 is exactly the double 1013.25.
      const value = values[i] / v.divisor;
      if (value < v.validMin || value > v.validMax) flag = QC.FAIL; // QARTOD gross range
      observations.push({
        kind: 'buoy-observation',
        deviceId,
        time: times[i],
        variable: v.name,
        value,
        unit: v.unit,
        depth,
        sensorIndex: sr.sensorIndex,
        qc: flag,
      });
    }
  }

  const out: BuoyBatchPayload = {
    type: 'buoy-batch',
    baseTime,
    averagingPeriod: b.averagingPeriodS,
    observations,
    missingSamples: missing,
  };
  if (pos) out.position = pos;
  return out;
}

function vesselBatch(b: VesselBatchMsg, deviceId: string, rxTime: number | undefined): VesselBatchPayload | DecodeError {
  const list = b.fixes;
  if (list.length === 0) return schemaError('vessel_batch.fixes is empty');
  const key = `dev:${deviceId}`;
  const fixes: VesselFix[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const f = list[i];
    const at = `vessel_batch.fixes[${i}]`;
    const time = int64ToNumber(f.fixTimeMs);
    const timeErr = checkTime(time, `${at}.fix_time_ms`);
    if (timeErr) return timeErr;
    if (!f.position) return schemaError(`${at}.position is missing`);
    const p = position(f.position, `${at}.position`);
    if (p instanceof DecodeError) return p;
    const fix: VesselFix = { kind: 'vessel-fix', source: 'protobuf', key, time, lat: p.lat, lon: p.lon };
    if (f.sogCmS != null) fix.sog = Math.round(f.sogCmS * KNOTS_PER_CM_S * 1000) / 1000;
    if (f.cogDegX10 != null) {
      if (f.cogDegX10 >= 3600) return schemaError(`${at}.cog_deg_x10 ${f.cogDegX10} is outside 0..3599`);
      fix.cog = f.cogDegX10 / 10;
    }
    if (f.headingDegX10 != null) {
      if (f.headingDegX10 >= 3600) return schemaError(`${at}.heading_deg_x10 ${f.headingDegX10} is outside 0..3599`);
      fix.heading = f.headingDegX10 / 10;
    }
    if (rxTime !== undefined) fix.rxTime = rxTime;
    fixes[i] = fix;
  }
  return { type: 'vessel-batch', fixes };
}

function health(h: HealthMsg, deviceId: string, time: number): HealthPayload {
  const out: DeviceHealth = { kind: 'device-health', deviceId, time };
  if (h.batteryMv != null) out.battery = h.batteryMv / 1000;
  if (h.internalTempCdegc != null) out.internalTemperature = h.internalTempCdegc / 100;
  if (h.rssiDbm != null) out.rssi = h.rssiDbm;
  if (h.firmwareBuild != null) out.firmwareBuild = h.firmwareBuild;
  if (h.uptimeS != null) out.uptime = h.uptimeS;
  return { type: 'health', health: out };
}

function ack(a: AckMsg): AckPayload | DecodeError {
  const ackedSeq = int64ToNumber(a.ackedSeq);
  if (ackedSeq === 0) return schemaError('ack.acked_seq is 0: acks name a stored frame (seq >= 1)');
  if (Number.isNaN(ackedSeq)) return schemaError('ack.acked_seq exceeds 2^53-1');
  return { type: 'ack', bootId: a.bootId, ackedSeq };
}
