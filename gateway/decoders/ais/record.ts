import type { Reception } from '../../../core/records.js';

/** Estimated time of arrival as sent (no year; UTC). Each part is absent when the wire says "not available". */
export interface AisEta {
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
}

/**
 * One decoded AIS message (ITU-R M.1371-5), a *protocol record*: named after what the wire carried,
 * in the units of core/records.ts. A value the wire marks "not available" (or one outside the field's
 * defined range, which no receiver can use either) is ABSENT, never a sentinel.
 *
 * Message types 1–3, 4, 5, 9, 11, 14, 18, 19, 21, 24 and 27 are fully decoded; the others carry
 * their header, a few cheap fields (6/8: dac/fid, 6/10/12: destMmsi, 12: text) and the raw bits in
 * `payload` / `payloadBits`.
 */
export interface AisRecord extends Reception {
  kind: 'ais';
  /** Message type 1–27. */
  type: number;
  /** Repeat indicator 0–3. */
  repeat: number;
  /** Source MMSI (9 digits, leading zeros not kept). */
  mmsi: number;
  /** Radio channel `A`/`B` (receivers writing `1`/`2` are mapped to `A`/`B`); absent when empty. */
  channel?: string;
  /** Talker of the sentence (`AI`, `AB`, `BS`, `SA`, …). */
  talker?: string;
  /** True for `VDO` (own ship); absent for `VDM`. */
  own?: boolean;

  // Position reports (1/2/3, 4/11, 9, 18, 19, 21, 27).
  /** Decimal degrees WGS-84. */
  lat?: number;
  lon?: number;
  /** Speed over ground, knots (type 9: whole knots; type 27: whole knots). */
  sog?: number;
  /** Course over ground, degrees true. */
  cog?: number;
  /** True heading, degrees. */
  heading?: number;
  /** Navigational status 0–15 (15 = not defined, kept as sent). */
  navStatus?: number;
  /** Rate of turn, degrees/minute, from ROT_AIS as ±(v/4.733)²; ±720 means "turning faster than 5°/30 s, no sensor". */
  rot?: number;
  /** Position accuracy flag: true = high (< 10 m). */
  accuracy?: boolean;
  raim?: boolean;
  /** UTC second of the position fix 0–59. */
  second?: number;
  /** Special manoeuvre indicator: 1 = not engaged, 2 = engaged. */
  maneuver?: number;

  // Static and voyage data (5, 19, 21, 24).
  name?: string;
  callsign?: string;
  /** Ship and cargo type 1–99 (0 "not available" is absent). */
  shipType?: number;
  imo?: number;
  destination?: string;
  eta?: AisEta;
  /** Metres. */
  draught?: number;
  /** Metres from the reference point; all four 0 means the reference point is unknown. */
  dimToBow?: number;
  dimToStern?: number;
  dimToPort?: number;
  dimToStarboard?: number;
  /** Type of position fixing device 0–15 (0 = undefined). */
  epfd?: number;
  aisVersion?: number;
  /** Type 24: 0 = part A, 1 = part B. */
  partNumber?: number;
  /** Type 24 B: manufacturer id (3 characters, M.1371-4 and later), unit model code and serial number. */
  vendorId?: string;
  model?: number;
  serial?: number;
  /** Type 24 B from an auxiliary craft (MMSI 98xxxxxxx): the mother ship, instead of dimensions. */
  mothershipMmsi?: number;
  /** Data terminal ready bit as sent: 0 = available, 1 = not available. */
  dte?: number;
  /** Assigned-mode flag. */
  assigned?: boolean;

  /** Types 4 and 11: the station's UTC date and time, ms since epoch; absent if any part is not available. */
  utcTime?: number;
  /** Type 9: altitude, metres (4094 = 4094 or higher). */
  altitude?: number;
  /** Types 12 and 14: safety-related text. */
  text?: string;

  // Aid to navigation (21).
  aidType?: number;
  offPosition?: boolean;
  virtualAid?: boolean;

  // Class B position report flags (18).
  /** true = carrier-sense unit, false = SOTDMA unit. */
  cs?: boolean;
  display?: boolean;
  dsc?: boolean;
  band?: boolean;
  msg22?: boolean;

  /** Type 27: false = current GNSS position, true = not a GNSS position. */
  gnss?: boolean;

  // Addressed / binary messages (6, 8, 10, 12).
  seqNo?: number;
  destMmsi?: number;
  retransmit?: boolean;
  /** Application identifier of binary messages 6 and 8. */
  dac?: number;
  fid?: number;

  /** Raw message bits for types not fully decoded, hex, most significant bit first, zero-padded to a byte. */
  payload?: string;
  /** Number of meaningful bits in `payload`. */
  payloadBits?: number;
}
