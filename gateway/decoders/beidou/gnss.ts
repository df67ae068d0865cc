import { DecodeError } from '../../../core/errors.js';
import type { NmeaFrame } from '../nmea/frame.js';
import { type FieldSpec, hexDigit, parseInteger, readSentence, type Scratch, type SentenceLayout } from './fields.js';
import { DATE_PLACEHOLDER, completeTimeOfDay } from './time.js';
import type { GnssContext, GnssRecord, GnssSatellite, GnssSentence, GnssSystem } from './types.js';

/**
 * GNSS NMEA 0183 (any talker: BD, GB, GN, GP, …), keyed on the 3-letter formatter.
 * Layouts follow NMEA 0183 4.11 and parse by position: trailing fields a receiver leaves out are
 * absent, fields it adds after the last known one are ignored.
 */

type Key = keyof GnssRecord & string;
type Spec = FieldSpec<Key>;

interface Layout extends SentenceLayout<GnssRecord> {
  fields: readonly Spec[];
}

const MODES = 'ADEFMNPRS'; // autonomous, differential, estimated, float RTK, manual, none, precise, RTK, simulator

const GGA: Layout = {
  fields: [
    { at: 0, key: 'timeOfDay', kind: 'time', label: 'UTC time' },
    { at: 1, key: 'lat', kind: 'lat', label: 'latitude' },
    { at: 3, key: 'lon', kind: 'lon', label: 'longitude' },
    { at: 5, key: 'fixQuality', kind: 'int', label: 'fix quality', need: 'value', min: 0, max: 9 },
    { at: 6, key: 'satellites', kind: 'int', label: 'satellites used', min: 0 },
    { at: 7, key: 'hdop', kind: 'float', label: 'HDOP', min: 0 },
    { at: 8, key: 'altitude', kind: 'float', label: 'altitude' },
    { at: 10, key: 'geoidSeparation', kind: 'float', label: 'geoid separation' },
    { at: 12, key: 'dgpsAge', kind: 'float', label: 'DGPS age', lenient: true },
    { at: 13, key: 'dgpsStation', kind: 'text', label: 'DGPS station', lenient: true },
  ],
  finish(rec) {
    rec.valid = (rec.fixQuality ?? 0) > 0;
    return undefined;
  },
};

const RMC: Layout = {
  fields: [
    { at: 0, key: 'timeOfDay', kind: 'time', label: 'UTC time' },
    { at: 1, key: 'status', kind: 'char', label: 'status', chars: 'AV', need: 'value' },
    { at: 2, key: 'lat', kind: 'lat', label: 'latitude' },
    { at: 4, key: 'lon', kind: 'lon', label: 'longitude' },
    { at: 6, key: 'sog', kind: 'float', label: 'speed over ground', min: 0 },
    { at: 7, key: 'cog', kind: 'float', label: 'course over ground', min: 0, max: 360 },
    { at: 8, key: 'time', kind: 'date', label: 'date' }, // feeds `time` after the table is read
    { at: 9, key: 'magneticVariation', kind: 'signed', label: 'magnetic variation', lenient: true },
    { at: 11, key: 'mode', kind: 'char', label: 'positioning mode', chars: MODES, lenient: true },
    { at: 12, key: 'navStatus', kind: 'char', label: 'navigational status', chars: 'SCUV', lenient: true },
  ],
  finish(rec) {
    rec.valid = rec.status === 'A' && rec.mode !== 'N';
    return undefined;
  },
};

const GLL: Layout = {
  fields: [
    { at: 0, key: 'lat', kind: 'lat', label: 'latitude', need: 'present' },
    { at: 2, key: 'lon', kind: 'lon', label: 'longitude', need: 'present' },
    { at: 4, key: 'timeOfDay', kind: 'time', label: 'UTC time' },
    { at: 5, key: 'status', kind: 'char', label: 'status', chars: 'AV' },
    { at: 6, key: 'mode', kind: 'char', label: 'positioning mode', chars: MODES, lenient: true },
  ],
  finish(rec) {
    // NMEA 1.x GLL has no status: then a position is the only claim of a fix.
    const statusOk = rec.status === undefined ? rec.lat !== undefined : rec.status === 'A';
    rec.valid = statusOk && rec.mode !== 'N';
    return undefined;
  },
};

const VTG_FINISH = (rec: GnssRecord): undefined => {
  rec.valid = rec.mode !== 'N' && (rec.sog !== undefined || rec.cog !== undefined);
  return undefined;
};

/** `054.7,T,034.4,M,005.5,N,010.2,K,A` (NMEA ≥ 2.3). */
const VTG: Layout = {
  fields: [
    { at: 0, key: 'cog', kind: 'float', label: 'course (true)', min: 0, max: 360 },
    { at: 2, key: 'cogMagnetic', kind: 'float', label: 'course (magnetic)', min: 0, max: 360 },
    { at: 4, key: 'sog', kind: 'float', label: 'speed (knots)', need: 'present', min: 0 },
    { at: 6, key: 'sogKmh', kind: 'float', label: 'speed (km/h)', min: 0 },
    { at: 8, key: 'mode', kind: 'char', label: 'positioning mode', chars: MODES, lenient: true },
  ],
  finish: VTG_FINISH,
};

/** Old VTG without unit letters: `054.7,034.4,005.5,010.2`. */
const VTG_OLD: Layout = {
  fields: [
    { at: 0, key: 'cog', kind: 'float', label: 'course (true)', min: 0, max: 360 },
    { at: 1, key: 'cogMagnetic', kind: 'float', label: 'course (magnetic)', min: 0, max: 360 },
    { at: 2, key: 'sog', kind: 'float', label: 'speed (knots)', need: 'present', min: 0 },
    { at: 3, key: 'sogKmh', kind: 'float', label: 'speed (km/h)', min: 0 },
  ],
  finish: VTG_FINISH,
};

const GSA_PRN_FIRST = 2;
const GSA_PRN_SLOTS = 12;

const GSA: Layout = {
  fields: [
    { at: 0, key: 'selectionMode', kind: 'char', label: 'selection mode', chars: 'MA', need: 'present' },
    { at: 1, key: 'fixType', kind: 'int', label: 'fix type', need: 'value', min: 1, max: 3 },
    { at: 14, key: 'pdop', kind: 'float', label: 'PDOP', min: 0 },
    { at: 15, key: 'hdop', kind: 'float', label: 'HDOP', min: 0 },
    { at: 16, key: 'vdop', kind: 'float', label: 'VDOP', min: 0 },
    // SiRF puts a TDOP ("3.3") where NMEA 4.10 puts the system id: ignore what is not a digit.
    { at: 17, key: 'systemId', kind: 'hexDigit', label: 'system id', lenient: true },
  ],
  finish(rec, fields) {
    const end = Math.min(fields.length, GSA_PRN_FIRST + GSA_PRN_SLOTS);
    const prns: number[] = [];
    for (let i = GSA_PRN_FIRST; i < end; i++) {
      const raw = fields[i];
      if (raw === '') continue;
      const prn = parseInteger(raw);
      if (Number.isNaN(prn) || prn < 0) {
        return new DecodeError('field', `GSA field ${i + 1} (satellite id) ${JSON.stringify(raw)} is not an integer`);
      }
      prns.push(prn);
    }
    rec.prns = prns;
    rec.valid = (rec.fixType ?? 1) >= 2;
    return undefined;
  },
};

const GSV: Layout = {
  fields: [
    { at: 0, key: 'msgTotal', kind: 'int', label: 'number of messages', need: 'value', min: 1 },
    { at: 1, key: 'msgIndex', kind: 'int', label: 'message number', need: 'value', min: 1 },
    { at: 2, key: 'satellitesInView', kind: 'int', label: 'satellites in view', need: 'value', min: 0 },
  ],
  finish(rec, fields) {
    if ((rec.msgIndex ?? 0) > (rec.msgTotal ?? 0)) {
      return new DecodeError('field', `GSV message number ${rec.msgIndex} is beyond the total ${rec.msgTotal}`);
    }
    // 4 fields per satellite; one left over is the NMEA 4.10 signal id.
    let end = fields.length;
    if ((end - 3) % 4 === 1) {
      const id = fields[end - 1].length === 1 ? hexDigit(fields[end - 1].charCodeAt(0)) : -1;
      if (id >= 0) rec.signalId = id;
      end--;
    }
    const sats: GnssSatellite[] = [];
    for (let i = 3; i < end; i += 4) {
      const sat = readSatellite(fields, i, end);
      if (sat instanceof DecodeError) return sat;
      if (sat) sats.push(sat);
    }
    rec.sats = sats;
    return undefined;
  },
};

const SAT_PARTS: ReadonlyArray<readonly [keyof GnssSatellite, number, number, string]> = [
  ['elevation', -90, 90, 'elevation'],
  ['azimuth', 0, 360, 'azimuth'],
  ['snr', 0, 99, 'C/N0'],
];

/** One {prn, elevation, azimuth, C/N0} group; a short last group (truncated sentence) is read as far as it goes. */
function readSatellite(fields: readonly string[], at: number, end: number): GnssSatellite | DecodeError | undefined {
  if (fields[at] === '') return undefined; // empty slot
  const prn = satNumber(fields, at, 0, 999, 'satellite id');
  if (prn instanceof DecodeError) return prn;
  const sat: GnssSatellite = { prn: prn! };
  for (let k = 0; k < 3 && at + 1 + k < end; k++) {
    const [key, min, max, label] = SAT_PARTS[k];
    const v = satNumber(fields, at + 1 + k, min, max, label);
    if (v instanceof DecodeError) return v;
    if (v !== undefined) sat[key] = v;
  }
  return sat;
}

function satNumber(fields: readonly string[], at: number, min: number, max: number, label: string): number | undefined | DecodeError {
  const raw = fields[at];
  if (raw === '') return undefined;
  const n = parseInteger(raw);
  if (Number.isNaN(n) || n < min || n > max) {
    return new DecodeError('field', `GSV field ${at + 1} (${label}) ${JSON.stringify(raw.slice(0, 24))} is not an integer in ${min}–${max}`);
  }
  return n;
}

/**
 * `$BDCNO,B3I,11,6,34,60,34,…`: C/N0 per satellite on one signal (a BDS module extension):
 * signal name, count, then {prn, C/N0} pairs.
 */
const CNO: Layout = {
  fields: [
    { at: 0, key: 'signal', kind: 'text', label: 'signal', need: 'value' },
    { at: 1, key: 'satellitesInView', kind: 'int', label: 'satellite count', need: 'value', min: 0 },
  ],
  finish(rec, fields) {
    const sats: GnssSatellite[] = [];
    for (let i = 2; i + 1 < fields.length; i += 2) {
      const prn = parseInteger(fields[i]);
      const snr = fields[i + 1] === '' ? undefined : parseInteger(fields[i + 1]);
      if (Number.isNaN(prn) || prn < 0 || (snr !== undefined && (Number.isNaN(snr) || snr < 0 || snr > 99))) {
        return new DecodeError('field', `CNO fields ${i + 1}–${i + 2} ${JSON.stringify(`${fields[i]},${fields[i + 1]}`)} are not a satellite id and a C/N0`);
      }
      sats.push(snr === undefined ? { prn } : { prn, snr });
    }
    rec.sats = sats;
    return undefined;
  },
};

/**
 * `$BDCOV,1036,286176.000,00`: read as BDS week and seconds of week (week 1036 of BDT falls in
 * November 2025, consistent with the sample's date); the third field's meaning is unknown and kept raw.
 * Unconfirmed layout, so no `time` is derived from it.
 */
const COV: Layout = {
  fields: [
    { at: 0, key: 'bdsWeek', kind: 'int', label: 'BDS week', need: 'value', min: 0 },
    { at: 1, key: 'timeOfWeek', kind: 'float', label: 'seconds of week', min: 0, max: 604800 },
  ],
  finish(rec, fields) {
    if (fields.length > 2) rec.rawFields = fields.slice(2);
    return undefined;
  },
};

const LAYOUTS: Record<GnssSentence, Layout> = { GGA, RMC, GLL, VTG, GSA, GSV, CNO, COV };

/** Formatters decodeGnss handles (the line router dispatches on these). */
export const GNSS_FORMATTERS: ReadonlySet<string> = new Set(Object.keys(LAYOUTS));

const TALKER_SYSTEM: Record<string, GnssSystem> = {
  GP: 'GPS',
  GL: 'GLONASS',
  GA: 'Galileo',
  BD: 'BDS',
  GB: 'BDS',
  GQ: 'QZSS',
  QZ: 'QZSS',
  PQ: 'QZSS',
  GI: 'NavIC',
  GN: 'multi',
};

const SYSTEM_ID: readonly (GnssSystem | undefined)[] = [undefined, 'GPS', 'GLONASS', 'Galileo', 'BDS', 'QZSS', 'NavIC'];

/** NMEA 4.11 BDS signal ids (0 = all signals). */
const BDS_SIGNALS: readonly string[] = ['all', 'B1I', 'B1Q', 'B1C', 'B1A', 'B2a', 'B2b', 'B2a+b', 'B3I', 'B3Q', 'B3A', 'B2I', 'B2Q'];

/** Talker + (when present) system id → constellation; the system id wins because GN says nothing. */
export function gnssSystem(talker: string, systemId?: number): GnssSystem | undefined {
  return (systemId !== undefined ? SYSTEM_ID[systemId] : undefined) ?? TALKER_SYSTEM[talker];
}

/** Decode one framed GNSS sentence. Never throws; bad input gives a DecodeError. */
export function decodeGnss(frame: NmeaFrame, ctx: GnssContext = {}): GnssRecord | DecodeError {
  const sentence = frame.formatter as GnssSentence;
  let layout: Layout | undefined = LAYOUTS[sentence];
  if (layout === undefined || !Object.prototype.hasOwnProperty.call(LAYOUTS, sentence)) {
    return new DecodeError('unsupported', `${frame.talker}${frame.formatter} is not a GNSS sentence this decoder handles`);
  }
  const { fields } = frame;
  if (sentence === 'VTG' && fields[1] !== 'T' && fields.length <= 4) layout = VTG_OLD;

  const rec: GnssRecord = { kind: 'gnss', talker: frame.talker, sentence };
  const read = readSentence(frame, ctx.rxTime, sentence, layout, rec);
  if (read instanceof DecodeError) return read;
  const { scratch, rxTime } = read;

  const system = gnssSystem(frame.talker, rec.systemId);
  if (system) rec.system = system;
  if (rec.signalId !== undefined && rec.system === 'BDS' && BDS_SIGNALS[rec.signalId]) rec.signal = BDS_SIGNALS[rec.signalId];
  completeTime(rec, scratch, rxTime);
  return rec;
}

function completeTime(rec: GnssRecord, scratch: Scratch, rxTime: number | undefined): void {
  if (scratch.msOfDay < 0) return;
  if (scratch.dateMs === DATE_PLACEHOLDER) return; // a receiver without time yet: its time of day is uptime, not UTC
  if (scratch.dateMs >= 0) rec.time = scratch.dateMs + scratch.msOfDay;
  else if (rxTime !== undefined) rec.time = completeTimeOfDay(scratch.msOfDay, rxTime);
}
