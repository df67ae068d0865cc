import type { AisRecord } from './record.js';

/**
 * Message layouts as data (ITU-R M.1371-5 annex 8): one table per message type of
 * {record key, first bit, width, kind, scale, "not available" value, valid range}. A single generic
 * reader (`fields.ts`) interprets them, so adding or fixing a field is a one-line table edit.
 */

/** How a field's bits become a record value (plain numbers so the reader's switch stays cheap). */
export const Kind = {
  /** Unsigned integer, divided by `div`. */
  U: 0,
  /** Two's-complement integer, divided by `div` (positions). */
  I: 1,
  /** One bit → boolean. */
  Bool: 2,
  /** Six-bit text of `width / 6` characters (`width` 0: to the end of the message). */
  Text: 3,
  /** Rate of turn indicator ROT_AIS → degrees/minute. */
  Rot: 4,
  /** ETA month/day/hour/minute (20 bits) → AisEta. */
  Eta: 5,
  /** Year…second (40 bits, types 4/11) → ms since epoch. */
  Utc: 6,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export interface Field {
  readonly key: keyof AisRecord & string;
  readonly start: number;
  readonly width: number;
  readonly kind: Kind;
  /** Scale divisor: value = raw / div. */
  readonly div: number;
  /** Raw value meaning "not available" (NaN: none). */
  readonly na: number;
  /** Valid raw range, inclusive; a raw value outside it is dropped like "not available". */
  readonly min: number;
  readonly max: number;
  /** Text only: continuation from this bit to the end of the message when the fixed part is full (type 21), else -1. */
  readonly more: number;
}

export interface Layout {
  /** What the message is, for error messages. */
  readonly name: string;
  /** Below this many bits the message is rejected as too short (the end of its last decoded field,
   * or less where real transmitters are known to send short messages). */
  readonly minBits: number;
  readonly fields: readonly Field[];
  /** Attach the raw bits as `payload` (types not fully decoded). */
  readonly raw: boolean;
}

interface Opts {
  div?: number;
  na?: number;
  min?: number;
  max?: number;
  more?: number;
}

// Every Field gets every property, in one order, so the reader's loop sees a single object shape.
function field(key: Field['key'], start: number, width: number, kind: Kind, o: Opts = {}): Field {
  return {
    key,
    start,
    width,
    kind,
    div: o.div ?? 1,
    na: o.na ?? Number.NaN,
    min: o.min ?? Number.NEGATIVE_INFINITY,
    max: o.max ?? Number.POSITIVE_INFINITY,
    more: o.more ?? -1,
  };
}

const u = (key: Field['key'], start: number, width: number, o?: Opts) => field(key, start, width, Kind.U, o);
const b = (key: Field['key'], start: number) => field(key, start, 1, Kind.Bool);
/** `chars` six-bit characters; 0 = to the end of the message. */
const t = (key: Field['key'], start: number, chars: number, o?: Opts) => field(key, start, chars * 6, Kind.Text, o);

// Recurring groups of fields.

/** Longitude then latitude in 1/10000 minute (28 + 27 bits); 181° / 91° and anything out of range are dropped. */
const lonLat = (start: number): Field[] => [
  field('lon', start, 28, Kind.I, { div: 600_000, min: -180 * 600_000, max: 180 * 600_000 }),
  field('lat', start + 28, 27, Kind.I, { div: 600_000, min: -90 * 600_000, max: 90 * 600_000 }),
];
/** Speed over ground in 1/10 knot; 1023 = not available (1022 = 102.2 knots or more). */
const sog10 = (start: number) => u('sog', start, 10, { div: 10, na: 1023 });
/** Course over ground in 1/10 degree; 3600 = not available, above is invalid. */
const cog10 = (start: number) => u('cog', start, 12, { div: 10, max: 3599 });
/** True heading in degrees; 511 = not available, 360–510 invalid. */
const heading = (start: number) => u('heading', start, 9, { max: 359 });
/** UTC second of the fix; 60 = not available, 61–63 = manual / dead reckoning / inoperative. */
const second = (start: number) => u('second', start, 6, { max: 59 });
/** Reference point distances in metres: bow 9, stern 9, port 6, starboard 6 bits. */
const dims = (start: number): Field[] => [
  u('dimToBow', start, 9),
  u('dimToStern', start + 9, 9),
  u('dimToPort', start + 18, 6),
  u('dimToStarboard', start + 24, 6),
];
/** Ship and cargo type; 0 = not available. */
const shipType = (start: number) => u('shipType', start, 8, { na: 0 });

function layout(name: string, minBits: number, fields: Field[], raw = false): Layout {
  return { name, minBits, fields, raw };
}

const positionA = layout('class A position report', 149, [
  u('navStatus', 38, 4),
  field('rot', 42, 8, Kind.Rot),
  sog10(50),
  b('accuracy', 60),
  ...lonLat(61),
  cog10(116),
  heading(128),
  second(137),
  u('maneuver', 143, 2, { min: 1, max: 2 }), // 0 = not available, 3 not defined
  b('raim', 148),
  // 149–167: radio status, not decoded.
]);

const baseStation = (name: string) =>
  layout(name, 149, [
    field('utcTime', 38, 40, Kind.Utc),
    b('accuracy', 78),
    ...lonLat(79),
    u('epfd', 134, 4),
    b('raim', 148),
  ]);

const staticVoyage = layout(
  'static and voyage related data',
  // 424 by the standard; many transmitters send 420 or 422, which lose only the DTE bit (and at
  // 420 the last destination character), so accept those.
  420,
  [
    u('aisVersion', 38, 2),
    u('imo', 40, 30, { na: 0 }),
    t('callsign', 70, 7),
    t('name', 112, 20),
    shipType(232),
    ...dims(240),
    u('epfd', 270, 4),
    field('eta', 274, 20, Kind.Eta),
    u('draught', 294, 8, { div: 10, na: 0 }),
    t('destination', 302, 20),
    u('dte', 422, 1),
  ],
);

const sarAircraft = layout('SAR aircraft position report', 148, [
  u('altitude', 38, 12, { na: 4095 }),
  u('sog', 50, 10, { na: 1023 }), // whole knots here, not tenths
  b('accuracy', 60),
  ...lonLat(61),
  cog10(116),
  second(128),
  // 134–141 regional reserved
  u('dte', 142, 1),
  b('assigned', 146),
  b('raim', 147),
]);

/** The navigation fields types 18 and 19 share, from bit 46. */
const classBNavigation = (): Field[] => [sog10(46), b('accuracy', 56), ...lonLat(57), cog10(112), heading(124), second(133)];

const classB = layout('class B position report', 148, [
  ...classBNavigation(),
  b('cs', 141),
  b('display', 142),
  b('dsc', 143),
  b('band', 144),
  b('msg22', 145),
  b('assigned', 146),
  b('raim', 147),
]);

const classBExtended = layout('extended class B position report', 308, [
  ...classBNavigation(),
  t('name', 143, 20),
  shipType(263),
  ...dims(271),
  u('epfd', 301, 4),
  b('raim', 305),
  u('dte', 306, 1),
  b('assigned', 307),
]);

const aidToNavigation = layout('aid-to-navigation report', 272, [
  u('aidType', 38, 5),
  t('name', 43, 20, { more: 272 }), // name extension: up to 14 more characters after bit 272
  b('accuracy', 163),
  ...lonLat(164),
  ...dims(219),
  u('epfd', 249, 4),
  second(253),
  b('offPosition', 259),
  b('raim', 268),
  b('virtualAid', 269),
  b('assigned', 270),
]);

/** Type 24 part A (shipname). */
export const STATIC_A = layout('static data report part A', 160, [u('partNumber', 38, 2), t('name', 40, 20)]);

const staticBHead = [
  u('partNumber', 38, 2),
  shipType(40),
  // M.1371-4 split the old 7-character vendor id into a 3-character manufacturer id, model and serial.
  t('vendorId', 48, 3),
  u('model', 66, 4),
  u('serial', 70, 20),
  t('callsign', 90, 7),
];
/** Type 24 part B. */
export const STATIC_B = layout('static data report part B', 162, [...staticBHead, ...dims(132)]);
/** Type 24 part B from an auxiliary craft: the mother ship's MMSI replaces the dimensions. */
export const STATIC_B_AUX = layout('static data report part B', 162, [...staticBHead, u('mothershipMmsi', 132, 30)]);
/** Type 24 with a reserved part number (2, 3): header only. */
export const STATIC_OTHER = layout('static data report (reserved part)', 40, [u('partNumber', 38, 2)], true);

const longRange = layout('long-range position report', 95, [
  b('accuracy', 38),
  b('raim', 39),
  u('navStatus', 40, 4),
  // Position in 1/10 minute: 181° = 108600, 91° = 54600 are "not available".
  field('lon', 44, 18, Kind.I, { div: 600, min: -180 * 600, max: 180 * 600 }),
  field('lat', 62, 17, Kind.I, { div: 600, min: -90 * 600, max: 90 * 600 }),
  u('sog', 79, 6, { na: 63 }), // whole knots
  u('cog', 85, 9, { max: 359 }), // whole degrees, 511 = not available
  b('gnss', 94),
]);

const headerOnly = (name: string) => layout(name, 38, [], true);

/** Layout by message type (index 0 unused; 24 is chosen by part number, see `layoutFor`). */
export const LAYOUTS: readonly Layout[] = [
  headerOnly('reserved'),
  positionA,
  positionA,
  positionA,
  baseStation('base station report'),
  staticVoyage,
  layout(
    'addressed binary message',
    88,
    [u('seqNo', 38, 2), u('destMmsi', 40, 30), b('retransmit', 70), u('dac', 72, 10), u('fid', 82, 6)],
    true,
  ),
  headerOnly('binary acknowledge'),
  layout('binary broadcast message', 56, [u('dac', 40, 10), u('fid', 50, 6)], true),
  sarAircraft,
  layout('UTC/date inquiry', 70, [u('destMmsi', 40, 30)], true),
  baseStation('UTC/date response'),
  layout(
    'addressed safety-related message',
    72,
    [u('seqNo', 38, 2), u('destMmsi', 40, 30), b('retransmit', 70), t('text', 72, 0)],
    true,
  ),
  headerOnly('safety-related acknowledge'),
  layout('safety-related broadcast message', 40, [t('text', 40, 0)]),
  headerOnly('interrogation'),
  headerOnly('assigned mode command'),
  headerOnly('DGNSS broadcast binary message'),
  classB,
  classBExtended,
  headerOnly('data link management message'),
  aidToNavigation,
  headerOnly('channel management'),
  headerOnly('group assignment command'),
  STATIC_A, // placeholder: type 24 goes through layoutFor
  headerOnly('single slot binary message'),
  headerOnly('multiple slot binary message'),
  longRange,
];
