import { DecodeError } from '../../../core/errors.js';
import type { Reception } from '../../../core/records.js';
import type { NmeaFrame } from '../nmea/frame.js';
import { DATE_MALFORMED, formatTimeOfDay, parseDdmmyy, parseTimeOfDay } from './time.js';

/**
 * Table-driven field reading shared by the GNSS and RDSS decoders: a sentence layout is a list of
 * FieldSpecs (field index → record key, kind, limits) and `readFields` interprets it. Adding a
 * sentence means adding a table, not another parser.
 */

export type FieldKind =
  | 'float'
  | 'int'
  /** one hex digit (NMEA 4.11 system / signal ids go up to F) */
  | 'hexDigit'
  /** one letter out of `chars` */
  | 'char'
  | 'text'
  /** Beidou card number → canonical decimal string */
  | 'card'
  /** `ddmm.mmmm` + N/S in the next field */
  | 'lat'
  /** `dddmm.mmmm` + E/W in the next field */
  | 'lon'
  /** number + E/W in the next field, W negative (magnetic variation) */
  | 'signed'
  /** `hhmmss[.sss]` UTC */
  | 'time'
  /** `hhmm` (2.1 TXR send time) or `hhmmss` */
  | 'hhmm'
  /** `ddmmyy` */
  | 'date'
  /** Y/N → boolean */
  | 'yn'
  /** A/V → boolean */
  | 'av'
  /** E/N (encrypted / not) → boolean */
  | 'en';

export interface FieldSpec<K extends string = string> {
  /** 0-based index into NmeaFrame.fields (messages print it 1-based, as protocol tables do). */
  at: number;
  key: K;
  kind: FieldKind;
  /** Human name for error messages. */
  label: string;
  /** `present`: the field must exist (may be empty); `value`: it must be non-empty. */
  need?: 'present' | 'value';
  /** Malformed → ignored instead of rejected: for trailing extension fields receivers fill with junk. */
  lenient?: boolean;
  chars?: string;
  min?: number;
  max?: number;
}

/** Values that are not record fields but feed later steps (time completion). -1 = absent. */
export interface Scratch {
  msOfDay: number;
  /** ms at UTC midnight, -1 absent, DATE_PLACEHOLDER for 060180 / 000000. */
  dateMs: number;
}

export function newScratch(): Scratch {
  return { msOfDay: -1, dateMs: -1 };
}

const PAIR_KINDS: ReadonlySet<FieldKind> = new Set<FieldKind>(['lat', 'lon', 'signed']);

const EXPECT: Record<FieldKind, string> = {
  float: 'a number',
  int: 'an integer',
  hexDigit: 'a hex digit',
  char: 'one of',
  text: 'text',
  card: 'a card number (decimal digits)',
  lat: 'a latitude ddmm.mmmm with N or S',
  lon: 'a longitude dddmm.mmmm with E or W',
  signed: 'a number with E or W',
  time: 'a UTC time hhmmss[.sss]',
  hhmm: 'a UTC time hhmm',
  date: 'a date ddmmyy',
  yn: 'Y or N',
  av: 'A or V',
  en: 'E or N',
};

/** Interpret `specs` over `fields`, writing into `out`. Returns a DecodeError for the first bad field. */
export function readFields(
  sentence: string,
  fields: readonly string[],
  specs: readonly FieldSpec[],
  out: Record<string, unknown>,
  scratch: Scratch,
): DecodeError | undefined {
  for (const spec of specs) {
    const { at } = spec;
    const pair = PAIR_KINDS.has(spec.kind);
    if (at >= fields.length || (pair && spec.need && at + 1 >= fields.length)) {
      if (spec.need) {
        return new DecodeError(
          'field',
          `${sentence} is missing field ${at + (pair ? 2 : 1)} (${spec.label}): the sentence has only ${fields.length} field${fields.length === 1 ? '' : 's'}`,
        );
      }
      continue;
    }
    const raw = fields[at];
    if (raw === '') {
      if (spec.need === 'value') return new DecodeError('field', `${sentence} field ${at + 1} (${spec.label}) is empty`);
      continue;
    }
    const value = readValue(spec, raw, pair ? (fields[at + 1] ?? '') : '', scratch);
    if (value === undefined) {
      if (spec.lenient) continue;
      return badField(sentence, spec, raw, pair ? fields[at + 1] : undefined);
    }
    if (value !== null) out[spec.key] = value;
  }
  return undefined;
}

/** A sentence layout: a field table plus the steps that do not fit one (repeated groups, validity). */
export interface SentenceLayout<R> {
  fields: readonly FieldSpec[];
  finish?(rec: R, fields: readonly string[]): DecodeError | undefined;
}

/**
 * The steps every Beidou sentence record shares: reception (the caller's receive time wins, a tag
 * block's `c:` is the fallback; the tag block's station), the field table, then the layout's own
 * finishing step. Returns the scratch values and receive time for the caller's remaining steps.
 */
export function readSentence<R extends Reception>(
  frame: NmeaFrame,
  ctxRxTime: number | undefined,
  sentence: string,
  layout: SentenceLayout<R>,
  rec: R,
): { scratch: Scratch; rxTime: number | undefined } | DecodeError {
  const rxTime = ctxRxTime ?? frame.tag?.rxTime;
  if (rxTime !== undefined) rec.rxTime = rxTime;
  if (frame.tag?.station !== undefined) rec.station = frame.tag.station;
  const scratch = newScratch();
  const err = readFields(sentence, frame.fields, layout.fields, rec as unknown as Record<string, unknown>, scratch);
  if (err) return err;
  const err2 = layout.finish?.(rec, frame.fields);
  if (err2) return err2;
  return { scratch, rxTime };
}

function badField(sentence: string, spec: FieldSpec, raw: string, second: string | undefined): DecodeError {
  const shown = JSON.stringify(second === undefined ? clip(raw) : `${clip(raw)},${clip(second)}`);
  let expected = EXPECT[spec.kind];
  if (spec.kind === 'char' && spec.chars) expected += ` ${spec.chars.split('').join('/')}`;
  if (spec.min !== undefined || spec.max !== undefined) expected += ` in ${spec.min ?? '…'}–${spec.max ?? '…'}`;
  return new DecodeError('field', `${sentence} field ${spec.at + 1} (${spec.label}) ${shown} is not ${expected}`);
}

function clip(s: string): string {
  return s.length > 24 ? `${s.slice(0, 24)}…` : s;
}

/** undefined = malformed; null = valid but nothing to store (e.g. a date that goes to scratch). */
function readValue(spec: FieldSpec, raw: string, second: string, scratch: Scratch): unknown {
  switch (spec.kind) {
    case 'float':
    case 'int': {
      const n = spec.kind === 'int' ? parseInteger(raw) : parseNumber(raw);
      if (Number.isNaN(n)) return undefined;
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return undefined;
      return n;
    }
    case 'hexDigit': {
      const n = raw.length === 1 ? hexDigit(raw.charCodeAt(0)) : -1;
      return n < 0 ? undefined : n;
    }
    case 'char':
      return raw.length === 1 && (spec.chars === undefined || spec.chars.includes(raw)) ? raw : undefined;
    case 'text':
      return raw;
    case 'card':
      return normaliseCard(raw);
    case 'lat':
    case 'lon': {
      const v = parseNmeaAngle(raw, second, spec.kind === 'lat');
      return Number.isNaN(v) ? undefined : v;
    }
    case 'signed': {
      const n = parseNumber(raw);
      if (Number.isNaN(n)) return undefined;
      if (second === 'W' || second === 'S') return -n;
      return second === 'E' || second === 'N' || second === '' ? n : undefined;
    }
    case 'time':
    case 'hhmm': {
      const ms = parseTimeOfDay(raw, spec.kind === 'hhmm');
      if (ms < 0) return undefined;
      scratch.msOfDay = ms;
      return formatTimeOfDay(ms);
    }
    case 'date': {
      const ms = parseDdmmyy(raw);
      if (ms === DATE_MALFORMED) return undefined;
      scratch.dateMs = ms;
      return null;
    }
    case 'yn':
      return raw === 'Y' ? true : raw === 'N' ? false : undefined;
    case 'av':
      return raw === 'A' ? true : raw === 'V' ? false : undefined;
    case 'en':
      return raw === 'E' ? true : raw === 'N' ? false : undefined;
  }
}

/** Strict decimal: optional sign, digits, at most one dot (".61" is accepted: receivers drop the 0). NaN otherwise. */
export function parseNumber(s: string): number {
  const n = s.length;
  let i = 0;
  let digits = 0;
  let dot = false;
  if (n > 0 && (s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43)) i = 1;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return NaN;
  }
  return digits === 0 || digits > 20 ? NaN : Number(s);
}

/** Strict integer (optional sign, up to 15 digits so it stays exact). NaN otherwise. */
export function parseInteger(s: string): number {
  const n = s.length;
  let i = n > 0 && (s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43) ? 1 : 0;
  if (i === n || n - i > 15) return NaN;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
  }
  return Number(s);
}

export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * NMEA `(d)ddmm.mmmm` with its hemisphere letter → signed decimal degrees; NaN when malformed or
 * out of range. The degree digits are whatever precedes the two minute digits, so zero-padded
 * longitudes (`00450.24199`) read right.
 */
export function parseNmeaAngle(raw: string, hemi: string, isLat: boolean): number {
  const neg = isLat ? 'S' : 'W';
  const pos = isLat ? 'N' : 'E';
  if (hemi !== neg && hemi !== pos) return NaN;
  const dot = raw.indexOf('.');
  const intEnd = dot < 0 ? raw.length : dot;
  if (intEnd < 3 || intEnd > 5) return NaN;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c < 48 || c > 57) && i !== dot) return NaN;
  }
  if (dot === raw.length - 1) return NaN;
  const deg = Number(raw.slice(0, intEnd - 2));
  const min = Number(raw.slice(intEnd - 2));
  if (min >= 60) return NaN;
  const v = deg + min / 60;
  if (v > (isLat ? 90 : 180)) return NaN;
  return hemi === neg ? -v : v;
}

/**
 * Beidou card number (用户地址) → canonical decimal string without leading zeros: 2.1 writes
 * `%07d`, BDS-3 boxes pad to 8 or 11 digits, and the same card must key the same vessel.
 * undefined when not decimal digits.
 */
export function normaliseCard(raw: string): string | undefined {
  const n = raw.length;
  if (n === 0 || n > 20) return undefined;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    if (first < 0 && c !== 48) first = i;
  }
  return first < 0 ? '0' : first === 0 ? raw : raw.slice(first);
}
