/**
 * The record model every decoder speaks (DESIGN §3).
 *
 * Decoders emit *protocol records* (one per decoded sentence or frame, named after what the wire
 * carried): `ais`, `gnss`, `rdss`, `envelope`. `normalise.ts` turns them into the *normalised
 * records* the pipeline, stores and API use: `vessel-fix`, `vessel-static`, `buoy-observation`,
 * `device-health`.
 *
 * Units, fixed here once: times are ms since the Unix epoch (UTC) in memory and ISO 8601 in JSON;
 * lat/lon in decimal degrees WGS-84; speed over ground in knots; course, heading and directions in
 * degrees true; distances and depths in metres; buoy values in the unit named by their `unit`.
 * A value that the wire marks "not available" is absent, never a sentinel.
 */

/** Where and when a sentence was heard: from an NMEA 4.0 tag block or a receiver trailer. */
export interface Reception {
  /** Receive time, ms since epoch. */
  rxTime?: number;
  /** Receiving station / source id. */
  station?: string;
}

export type VesselFixSource = 'ais' | 'bds-rnss' | 'bds-rdss' | 'protobuf';

export interface VesselFix {
  kind: 'vessel-fix';
  source: VesselFixSource;
  /** Identifier key the fix arrived under: `mmsi:412345678`, `bds:4207733`, `dev:BUOY-RZ-007`. */
  key: string;
  /** The vessel the fix belongs to, from the registry (`vessel:<id>`); the identifier key when unknown. Set by the pipeline. */
  vessel?: string;
  /** Why the pipeline doubts this fix (`position_jump`, `impossible_position`…): stored, flagged, never silently trusted. */
  suspect?: string;
  /** Fix time, ms since epoch (UTC). */
  time: number;
  lat: number;
  lon: number;
  /** knots */
  sog?: number;
  /** degrees true */
  cog?: number;
  /** degrees true */
  heading?: number;
  /** AIS navigational status code 0–15 */
  navStatus?: number;
  station?: string;
  rxTime?: number;
}

export interface VesselStatic {
  kind: 'vessel-static';
  key: string;
  time?: number;
  name?: string;
  callsign?: string;
  imo?: number;
  shipType?: number;
  destination?: string;
  /** metres */
  length?: number;
  /** metres */
  beam?: number;
  /** metres */
  draught?: number;
}

export interface BuoyObservation {
  kind: 'buoy-observation';
  deviceId: string;
  time: number;
  /** Stable variable name, e.g. `sea_surface_temperature` (the CF standard name where one exists). */
  variable: string;
  value: number;
  /** Unit of `value` (UDUNITS spelling: `degC`, `m`, `mg L-1`, …). */
  unit: string;
  /** metres, positive down; 0 = surface or air */
  depth: number;
  sensorIndex: number;
  /** IOOS QARTOD flag: 1 pass, 2 not evaluated, 3 suspect, 4 fail, 9 missing */
  qc: number;
}

export interface DeviceHealth {
  kind: 'device-health';
  deviceId: string;
  time: number;
  /** volts */
  battery?: number;
  /** degC */
  internalTemperature?: number;
  /** dBm */
  rssi?: number;
  firmwareBuild?: number;
  /** seconds */
  uptime?: number;
}

export type NormalisedRecord = VesselFix | VesselStatic | BuoyObservation | DeviceHealth;

/** Keys holding ms-since-epoch times, written as ISO 8601 strings in JSON output. */
export const TIME_KEYS: ReadonlySet<string> = new Set(['rxTime', 'time', 'sentTime', 'baseTime', 'utcTime']);

/**
 * One record as a JSON line, times as ISO 8601. Rewrites the record's own time keys in place
 * (records are printed once, then dropped) instead of a JSON.stringify replacer, whose call per
 * key doubled the cost of `tidewatch decode`.
 */
export function toJsonLine(record: { kind: string }): string {
  const r = record as Record<string, unknown>;
  if (record.kind === 'ais') {
    // AIS records are flat with two time keys: skip the walk, the bulk of all traffic.
    if (typeof r.rxTime === 'number') r.rxTime = new Date(r.rxTime).toISOString();
    if (typeof r.utcTime === 'number') r.utcTime = new Date(r.utcTime).toISOString();
  } else {
    isoTimesInPlace(r);
  }
  return `${JSON.stringify(record)}\n`;
}

function isoTimesInPlace(value: Record<string, unknown>): void {
  for (const key in value) {
    const v = value[key];
    if (typeof v === 'number') {
      if (TIME_KEYS.has(key) && Number.isFinite(v)) value[key] = new Date(v).toISOString();
    } else if (typeof v === 'object' && v !== null) {
      if (Array.isArray(v)) {
        for (const item of v) if (typeof item === 'object' && item !== null) isoTimesInPlace(item as Record<string, unknown>);
      } else {
        isoTimesInPlace(v as Record<string, unknown>);
      }
    }
  }
}
