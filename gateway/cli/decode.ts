import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DecodeError } from '../../core/errors.js';
import { jsonReplacer } from '../../core/records.js';
import { LineDecoder, type LineRecord } from '../decoders/line.js';
import { LineSplitter } from '../decoders/nmea/line-splitter.js';
import { decodeEnvelope, splitDelimited, type EnvelopeRecord } from '../decoders/protobuf/index.js';
import { ProgressBar } from './progress.js';

export const DECODE_HELP = `Usage: tidewatch decode [FILE|-] [options]

Decodes AIS (!AIVDM/!AIVDO, any talker, NMEA 4.0 tag blocks), GNSS NMEA (GGA, RMC, GLL, VTG,
GSA, GSV from BD/GB/GN/GP talkers) and Beidou RDSS short messages (protocol 2.1 and BDS-3 4.0),
one sentence per line, or with --protobuf a file of varint length-delimited Tidewatch Envelopes.
Reads standard input when FILE is '-' or absent.

Output: one JSON object per decoded record on stdout (NDJSON). Times are ISO 8601 UTC; lat/lon
in degrees; sog in knots; cog and heading in degrees true; lengths in metres; buoy values in the
unit given by each observation's "unit".
Errors: one JSON object per rejected line on stderr ({"line", "code", "reason", "input"}), then a
summary (records by kind and type, errors by code). Exit status 0 unless the input cannot be read.

Options:
  --protobuf        input is length-delimited protobuf Envelopes, not text lines
  --no-errors       do not print per-line errors (the summary still counts them)
  --no-summary      do not print the summary
  --progress        force the progress bar on stderr (default: on when stderr is a terminal
                    and FILE is larger than 8 MB)
  -h, --help        show this help
`;

export interface DecodeSummary {
  lines: number;
  records: Record<string, number>;
  errors: Record<string, number>;
}

/** Buffered NDJSON writer that respects back-pressure on its stream. */
class NdjsonWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  write(line: string): Promise<void> | undefined {
    this.parts.push(line);
    this.size += line.length;
    return this.size >= 1 << 16 ? this.flush() : undefined;
  }

  flush(): Promise<void> | undefined {
    if (this.size === 0) return undefined;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (this.stream.write(text)) return undefined;
    return new Promise((resolve) => this.stream.once('drain', resolve));
  }
}

class Tally {
  readonly summary: DecodeSummary = { lines: 0, records: {}, errors: {} };

  record(key: string): void {
    this.summary.records[key] = (this.summary.records[key] ?? 0) + 1;
  }

  error(code: string): void {
    this.summary.errors[code] = (this.summary.errors[code] ?? 0) + 1;
  }
}

function recordKey(record: LineRecord | EnvelopeRecord): string {
  switch (record.kind) {
    case 'ais':
      return `ais type ${record.type}`;
    case 'gnss':
      return `gnss ${record.sentence}`;
    case 'rdss':
      return `rdss ${record.sentence}`;
    case 'envelope':
      return `envelope ${record.payload.type}`;
  }
}

function errorJson(where: Record<string, number>, error: DecodeError, input?: string): string {
  const shown = input === undefined ? undefined : input.length > 160 ? `${input.slice(0, 160)}…` : input;
  return `${JSON.stringify({ ...where, code: error.code, reason: error.message, input: shown })}\n`;
}

interface DecodeOptions {
  errors: boolean;
  progress?: ProgressBar;
}

/** Decode a stream of text lines; records to `out`, errors to `err`. */
export async function decodeLines(
  input: AsyncIterable<Buffer>,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  options: DecodeOptions,
): Promise<DecodeSummary> {
  const decoder = new LineDecoder();
  const tally = new Tally();
  const records = new NdjsonWriter(out);
  const errors = new NdjsonWriter(err);
  let pending: Promise<void> | undefined;
  let lineNo = 0;
  const splitter = new LineSplitter(
    (line) => {
      lineNo++;
      const result = decoder.decode(line);
      if (result === null) return;
      if (result instanceof DecodeError) {
        if (result.code === 'empty') return;
        tally.error(result.code);
        if (options.errors) pending = errors.write(errorJson({ line: lineNo }, result, line)) ?? pending;
        return;
      }
      tally.record(recordKey(result));
      pending = records.write(`${JSON.stringify(result, jsonReplacer)}\n`) ?? pending;
    },
    (bytes) => {
      lineNo++;
      tally.error('framing');
      if (options.errors) {
        const e = new DecodeError('framing', `line of ${bytes} bytes has no newline within the 64 KiB limit; skipped`);
        pending = errors.write(errorJson({ line: lineNo }, e)) ?? pending;
      }
    },
  );
  for await (const chunk of input) {
    splitter.push(chunk);
    options.progress?.advance(chunk.length, lineNo);
    if (pending) {
      await pending;
      pending = undefined;
    }
  }
  splitter.end();
  for (const lost of decoder.finish()) {
    tally.error(lost.code);
    if (options.errors) await errors.write(errorJson({ line: lineNo }, lost));
  }
  tally.summary.lines = lineNo;
  await records.flush();
  await errors.flush();
  return tally.summary;
}

/** Decode a buffer of varint length-delimited Envelopes. */
export async function decodeProtobufFile(
  bytes: Uint8Array,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  options: DecodeOptions,
): Promise<DecodeSummary> {
  const tally = new Tally();
  const records = new NdjsonWriter(out);
  const errors = new NdjsonWriter(err);
  const { frames, error } = splitDelimited(bytes);
  let frameNo = 0;
  for (const frame of frames) {
    frameNo++;
    const result = decodeEnvelope(frame);
    if (result instanceof DecodeError) {
      tally.error(result.code);
      if (options.errors) await errors.write(errorJson({ frame: frameNo }, result));
    } else {
      tally.record(recordKey(result));
      await records.write(`${JSON.stringify(result, jsonReplacer)}\n`);
    }
  }
  if (error) {
    tally.error(error.code);
    if (options.errors) await errors.write(errorJson({ frame: frameNo + 1 }, error));
  }
  tally.summary.lines = frameNo;
  await records.flush();
  await errors.flush();
  return tally.summary;
}

export function formatSummary(summary: DecodeSummary, unit: string, asTable: boolean): string {
  const recordTotal = Object.values(summary.records).reduce((a, b) => a + b, 0);
  const errorTotal = Object.values(summary.errors).reduce((a, b) => a + b, 0);
  if (!asTable) {
    return `${JSON.stringify({ summary: { [unit]: summary.lines, records: recordTotal, errors: errorTotal, byKind: summary.records, byError: summary.errors } })}\n`;
  }
  const sortKey = (k: string) => k.replace(/\d+/g, (d) => d.padStart(3, '0'));
  const rows = Object.entries(summary.records).sort(([a], [b]) => sortKey(a).localeCompare(sortKey(b)));
  const lines = [`decoded ${recordTotal} records from ${summary.lines} ${unit}; ${errorTotal} rejected`];
  for (const [k, n] of rows) lines.push(`  ${k.padEnd(24)} ${String(n).padStart(10)}`);
  for (const [k, n] of Object.entries(summary.errors).sort()) lines.push(`  error: ${k.padEnd(17)} ${String(n).padStart(10)}`);
  return `${lines.join('\n')}\n`;
}

export async function runDecode(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        protobuf: { type: 'boolean', default: false },
        'no-errors': { type: 'boolean', default: false },
        'no-summary': { type: 'boolean', default: false },
        progress: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`tidewatch decode: ${(e as Error).message}\n\n${DECODE_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    process.stderr.write(`tidewatch decode: one input file at a time (got ${positionals.length})\n`);
    return 2;
  }
  const file = positionals[0] ?? '-';
  const fromStdin = file === '-';
  let size = 0;
  if (!fromStdin) {
    try {
      size = statSync(file).size;
    } catch (e) {
      process.stderr.write(`tidewatch decode: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
  }
  const showProgress = values.progress || (!fromStdin && process.stderr.isTTY === true && size > 8 * 1024 * 1024);
  const progress = showProgress ? new ProgressBar(process.stderr, size) : undefined;
  const options: DecodeOptions = { errors: !values['no-errors'], progress };
  let summary: DecodeSummary;
  try {
    if (values.protobuf) {
      const bytes = fromStdin ? await readAll(process.stdin) : await readFile(file);
      summary = await decodeProtobufFile(bytes, process.stdout, process.stderr, options);
    } else {
      const input = fromStdin ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
      summary = await decodeLines(input as AsyncIterable<Buffer>, process.stdout, process.stderr, options);
    }
  } catch (e) {
    progress?.clear();
    process.stderr.write(`tidewatch decode: cannot read ${fromStdin ? 'standard input' : file}: ${(e as Error).message}\n`);
    return 1;
  }
  progress?.clear();
  if (!values['no-summary']) {
    process.stderr.write(formatSummary(summary, values.protobuf ? 'frames' : 'lines', process.stderr.isTTY === true));
  }
  return 0;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
