import { DecodeError } from '../../core/errors.js';
import { toJsonLine } from '../../core/records.js';
import { LineDecoder, type LineRecord } from '../decoders/line.js';
import { LineSplitter } from '../decoders/nmea/line-splitter.js';
import type { EnvelopeRecord } from '../decoders/protobuf/index.js';

/**
 * The work of `tidewatch decode` on one piece of input, synchronous and self-contained so that
 * a worker thread can run it: text lines in, NDJSON records and error objects out.
 */

export interface DecodeCounts {
  records: Record<string, number>;
  errors: Record<string, number>;
}

export interface LineErrorReport {
  /** 1-based line number within the piece (the caller adds the piece's offset). */
  line: number;
  code: string;
  reason: string;
  input?: string;
}

export interface SegmentResult extends DecodeCounts {
  /** NDJSON, one record a line (UTF-8 bytes when it comes from a worker thread). */
  out: string | Uint8Array;
  errorReports: LineErrorReport[];
  lines: number;
}

/** Counts records by kind and type, errors by code. */
export class Tally implements DecodeCounts {
  readonly records: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  /** AIS counts by type apart: most records are AIS and need no key string. */
  private readonly aisTypes = new Array<number>(32).fill(0);

  record(record: LineRecord | EnvelopeRecord): void {
    if (record.kind === 'ais') {
      this.aisTypes[record.type & 31]++;
      return;
    }
    const key = record.kind === 'envelope' ? `envelope ${record.payload.type}` : `${record.kind} ${record.sentence}`;
    this.records[key] = (this.records[key] ?? 0) + 1;
  }

  error(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  /** Fold the AIS counts into `records` and return the counts. */
  counts(): DecodeCounts {
    this.aisTypes.forEach((n, type) => {
      if (n > 0) this.records[`ais type ${type}`] = (this.records[`ais type ${type}`] ?? 0) + n;
      this.aisTypes[type] = 0;
    });
    return { records: this.records, errors: this.errors };
  }
}

export function addCounts(into: DecodeCounts, from: DecodeCounts): void {
  for (const [k, n] of Object.entries(from.records)) into.records[k] = (into.records[k] ?? 0) + n;
  for (const [k, n] of Object.entries(from.errors)) into.errors[k] = (into.errors[k] ?? 0) + n;
}

function shown(input: string): string {
  return input.length > 160 ? `${input.slice(0, 160)}…` : input;
}

/**
 * Decode a whole piece of input. AIS fragments still pending at its end are reported as lost,
 * which is why pieces are cut only where a new message starts (see `startsMessage`).
 */
export function decodeSegment(bytes: Uint8Array, withErrors: boolean): SegmentResult & { out: string } {
  const decoder = new LineDecoder();
  const tally = new Tally();
  const out: string[] = [];
  const errorReports: LineErrorReport[] = [];
  let line = 0;
  const reject = (e: DecodeError, input?: string) => {
    tally.error(e.code);
    if (withErrors) errorReports.push({ line, code: e.code, reason: e.message, input: input === undefined ? undefined : shown(input) });
  };
  const splitter = new LineSplitter(
    (text) => {
      line++;
      // Capture files (gpsd's among them) annotate with `#` comment lines.
      if (text.charCodeAt(0) === 35 /* # */) return;
      const result = decoder.decode(text);
      if (result === null) return;
      if (result instanceof DecodeError) {
        if (result.code !== 'empty') reject(result, text);
        return;
      }
      tally.record(result);
      out.push(toJsonLine(result));
    },
    (bytes) => {
      line++;
      reject(new DecodeError('framing', `line of ${bytes} bytes has no newline within the 64 KiB limit; skipped`));
    },
  );
  splitter.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  splitter.end();
  for (const lost of decoder.finish()) reject(lost);
  return { out: out.join(''), errorReports, lines: line, ...tally.counts() };
}

/**
 * True when the line starting at `at` begins a message of its own: anything but a second or
 * later AIS fragment (by the sentence's fragment number or a tag block's `g:` group index).
 */
export function startsMessage(buf: Uint8Array, at: number): boolean {
  let i = at;
  if (buf[i] === 92 /* \ */) {
    const close = buf.indexOf(92, i + 1);
    if (close < 0) return true;
    const tag = Buffer.from(buf.buffer, buf.byteOffset + i + 1, close - i - 1).toString('latin1');
    const group = /(?:^|,)g:(\d+)-/.exec(tag);
    if (group && group[1] !== '1') return false;
    i = close + 1;
  }
  if (buf[i] !== 33 /* ! */) return true;
  // !ttVDM,total,index,… : a continuation has an index other than 1.
  const eol = buf.indexOf(10, i);
  const c1 = buf.indexOf(44, i);
  const c2 = c1 < 0 ? -1 : buf.indexOf(44, c1 + 1);
  const c3 = c2 < 0 ? -1 : buf.indexOf(44, c2 + 1);
  if (c3 < 0 || (eol >= 0 && c3 > eol) || c3 - c2 !== 2) return true;
  const index = buf[c2 + 1];
  return index === 49 /* 1 */ || index < 48 || index > 57;
}

/** Pieces of input this large are decoded as a unit (in a worker when there are several). */
export const SEGMENT_BYTES = 1 << 20;

/** Cuts a byte stream into pieces of about SEGMENT_BYTES, each ending where a new message starts. */
export class SegmentCutter {
  /** Input not yet cut, kept as the chunks it came in so that small chunks are joined once. */
  private parts: Buffer[] = [];
  private size = 0;
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly segmentBytes = SEGMENT_BYTES) {}

  push(chunk: Buffer): Buffer[] {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size <= this.segmentBytes) return [];
    this.pending = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
    const out: Buffer[] = [];
    for (;;) {
      const cut = this.findCut();
      if (cut < 0) break;
      out.push(this.pending.subarray(0, cut));
      this.pending = this.pending.subarray(cut);
    }
    this.parts = [this.pending];
    this.size = this.pending.length;
    return out;
  }

  end(): Buffer | undefined {
    const rest = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return rest.length > 0 ? rest : undefined;
  }

  /** Offset just after a newline past `segmentBytes` whose next (complete) line starts a message; -1 for none yet. */
  private findCut(): number {
    const buf = this.pending;
    if (buf.length <= this.segmentBytes) return -1;
    let nl = buf.indexOf(10, this.segmentBytes);
    while (nl >= 0) {
      const next = buf.indexOf(10, nl + 1);
      if (next < 0) return -1;
      if (startsMessage(buf, nl + 1)) return nl + 1;
      nl = next;
    }
    return -1;
  }
}
