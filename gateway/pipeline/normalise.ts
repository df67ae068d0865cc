import type { BuoyObservation, DeviceHealth, VesselFix, VesselStatic } from '../../core/records.js';
import type { AisRecord } from '../decoders/ais/index.js';
import type { GnssRecord, RdssRecord } from '../decoders/beidou/index.js';
import type { LineRecord } from '../decoders/line.js';
import type { EnvelopeRecord, LatLon } from '../decoders/protobuf/index.js';
import { POSITION_VARIABLES, QC } from '../decoders/protobuf/variables.js';

/** A record as the pipeline, the stores and the API see it (DESIGN §3). */
export type Normalised = VesselFix | VesselStatic | BuoyObservation | DeviceHealth;

export interface NormaliseContext {
  /** When the record arrived (ms): the event time of records that carry none of their own. */
  now: number;
  /**
   * Identifier key for sentences that carry no identity of their own: a Beidou terminal's raw
   * RNSS NMEA names no vessel, so the connection's device (`dev:<name>`) stands for it.
   */
  sourceKey?: string;
}

/** AIS message types that report a vessel's position (4/11 base stations, 9 aircraft, 21 aids are not vessels). */
const AIS_VESSEL_POSITION = new Set([1, 2, 3, 18, 19, 27]);
/** AIS message types that carry static vessel data. */
const AIS_STATIC = new Set([5, 19, 24]);

/**
 * The time of an AIS fix: the receive time moved to the UTC second the transponder stamped
 * (`second`), within ±30 s, so that event time follows the transponder and not the radio queue.
 */
export function aisFixTime(rxTime: number, second: number | undefined): number {
  if (second === undefined) return rxTime;
  const minute = rxTime - (rxTime % 60_000);
  let t = minute + second * 1000;
  if (t - rxTime > 30_000) t -= 60_000;
  else if (rxTime - t > 30_000) t += 60_000;
  return t;
}

/** Vessels whose identifier key is kept; the cache starts over beyond this. */
const MAX_CACHED_MMSI_KEYS = 100_000;
const mmsiKeys = new Map<number, string>();

/**
 * `mmsi:<MMSI>`, made once per vessel: every fix of a vessel then carries the same string, whose
 * hash the Maps downstream (dedupe, registry, plausibility, latest positions) compute only once.
 */
function mmsiKey(mmsi: number): string {
  let key = mmsiKeys.get(mmsi);
  if (key === undefined) {
    if (mmsiKeys.size >= MAX_CACHED_MMSI_KEYS) mmsiKeys.clear();
    key = `mmsi:${mmsi}`;
    mmsiKeys.set(mmsi, key);
  }
  return key;
}

function fromAis(r: AisRecord, ctx: NormaliseContext, out: Normalised[]): void {
  const key = mmsiKey(r.mmsi);
  const rxTime = r.rxTime ?? ctx.now;
  if (AIS_VESSEL_POSITION.has(r.type) && r.lat !== undefined && r.lon !== undefined) {
    const fix: VesselFix = { kind: 'vessel-fix', source: 'ais', key, time: aisFixTime(rxTime, r.second), lat: r.lat, lon: r.lon, rxTime };
    if (r.sog !== undefined) fix.sog = r.sog;
    if (r.cog !== undefined) fix.cog = r.cog;
    if (r.heading !== undefined) fix.heading = r.heading;
    if (r.navStatus !== undefined) fix.navStatus = r.navStatus;
    if (r.station !== undefined) fix.station = r.station;
    out.push(fix);
  }
  if (AIS_STATIC.has(r.type)) {
    const s: VesselStatic = { kind: 'vessel-static', key, time: rxTime };
    if (r.name) s.name = r.name;
    if (r.callsign) s.callsign = r.callsign;
    if (r.imo !== undefined) s.imo = r.imo;
    if (r.shipType !== undefined) s.shipType = r.shipType;
    if (r.destination) s.destination = r.destination;
    if (r.draught !== undefined) s.draught = r.draught;
    if (r.dimToBow !== undefined && r.dimToStern !== undefined && r.dimToBow + r.dimToStern > 0) s.length = r.dimToBow + r.dimToStern;
    if (r.dimToPort !== undefined && r.dimToStarboard !== undefined && r.dimToPort + r.dimToStarboard > 0) s.beam = r.dimToPort + r.dimToStarboard;
    if (Object.keys(s).length > 3) out.push(s);
  }
}

/** Position sentences of a terminal's own receiver; GGA carries no speed, RMC does. */
function fromGnss(r: GnssRecord, ctx: NormaliseContext, out: Normalised[]): void {
  if (!ctx.sourceKey || r.valid === false || r.lat === undefined || r.lon === undefined) return;
  if (r.sentence !== 'RMC' && r.sentence !== 'GGA' && r.sentence !== 'GLL') return;
  const fix: VesselFix = { kind: 'vessel-fix', source: 'bds-rnss', key: ctx.sourceKey, time: r.time ?? r.rxTime ?? ctx.now, lat: r.lat, lon: r.lon, rxTime: r.rxTime ?? ctx.now };
  if (r.sog !== undefined) fix.sog = r.sog;
  if (r.cog !== undefined) fix.cog = r.cog;
  if (r.station !== undefined) fix.station = r.station;
  out.push(fix);
}

function fromRdss(r: RdssRecord, ctx: NormaliseContext, out: Normalised[]): void {
  if (r.card === undefined || r.direction === 'command') return;
  const key = `bds:${r.card}`;
  const rxTime = r.rxTime ?? ctx.now;
  const base = r.time ?? rxTime;
  if (r.fixes) {
    for (const f of r.fixes) {
      const fix: VesselFix = { kind: 'vessel-fix', source: 'bds-rdss', key, time: f.time ?? base, lat: f.lat, lon: f.lon, rxTime };
      if (f.sog !== undefined) fix.sog = f.sog;
      if (f.cog !== undefined) fix.cog = f.cog;
      if (f.heading !== undefined) fix.heading = f.heading;
      out.push(fix);
    }
  } else if (r.lat !== undefined && r.lon !== undefined) {
    // WAA / DWR position reports carry the position in the sentence itself.
    out.push({ kind: 'vessel-fix', source: 'bds-rdss', key, time: base, lat: r.lat, lon: r.lon, rxTime });
  }
}

/**
 * A buoy batch's GNSS position (at its base time) as two observations of the buoy, `latitude` and
 * `longitude` in degrees: how CF trajectory data names a moving platform's coordinates, and what
 * GET /api/v1/buoys reads the buoy's position from. The Position message carries no QC flag.
 */
function buoyPosition(deviceId: string, time: number, position: LatLon, out: Normalised[]): void {
  const { latitude, longitude } = POSITION_VARIABLES;
  const at = { kind: 'buoy-observation', deviceId, time, depth: 0, sensorIndex: 0, qc: QC.NOT_EVALUATED } as const;
  out.push({ ...at, variable: latitude.name, value: position.lat, unit: latitude.unit });
  out.push({ ...at, variable: longitude.name, value: position.lon, unit: longitude.unit });
}

function fromEnvelope(r: EnvelopeRecord, out: Normalised[]): void {
  const p = r.payload;
  switch (p.type) {
    case 'buoy-batch':
      for (const o of p.observations) out.push(o);
      if (p.position) buoyPosition(r.deviceId, p.baseTime, p.position, out);
      return;
    case 'vessel-batch':
      for (const f of p.fixes) out.push(f);
      return;
    case 'health':
      out.push(p.health);
      return;
    case 'ack':
      return;
  }
}

/** Protocol records → the normalised records they carry (none for status sentences). */
export function normalise(record: LineRecord | EnvelopeRecord, ctx: NormaliseContext, out: Normalised[] = []): Normalised[] {
  switch (record.kind) {
    case 'ais':
      fromAis(record, ctx, out);
      break;
    case 'gnss':
      fromGnss(record, ctx, out);
      break;
    case 'rdss':
      fromRdss(record, ctx, out);
      break;
    case 'envelope':
      fromEnvelope(record, out);
      break;
  }
  return out;
}
