import { createReadStream, existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DecodeError } from '../../core/errors.js';
import { toJsonLine } from '../../core/records.js';
import { decodeEnvelope, splitDelimited } from '../decoders/protobuf/index.js';
import { addCounts, decodeSegment, SEGMENT_BYTES, SegmentCutter, Tally, type DecodeCounts, type SegmentResult } from './decode-segment.js';
import { ProgressBar } from './progress.js';

export const DECODE_HELP = `Usage: tidewatch decode [FILE|-] [options]

Decodes AIS (!AIVDM/!AIVDO, any talker, NMEA 4.0 tag blocks), GNSS NMEA (GGA, RMC, GLL, VTG,
GSA, GSV from BD/GB/GN/GP talkers) and Beidou RDSS short messages (protocol 2.1 and BDS-3 4.0),
one sentence per line (lines starting with # are comments), or with --protobuf a file of varint length-delimited Tidewatch Envelopes.
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
  --threads N       worker threads decoding in parallel (default: up to 2 for input over 4 MB
                    or standard input, 0 otherwise; 0 decodes in the main thread). Output order
                    is always the input's order.
  -h, --help        show this help
`;

export interface DecodeSummary extends DecodeCounts {
  lines: number;
}

/** Buffered NDJSON writer that respects back-pressure on its stream. */
class NdjsonWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  write(text: string): Promise<void> | undefined {
    this.parts.push(text);
    this.size += text.length;
    return this.size >= 1 << 16 ? this.flush() : undefined;
  }

  /** Write ready-made bytes after what is buffered. */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    await this.flush();
    if (!this.stream.write(bytes)) await new Promise((resolve) => this.stream.once('drain', resolve));
  }

  flush(): Promise<void> | undefined {
    if (this.size === 0) return undefined;
    const text = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (this.stream.write(text)) return undefined;
    return new Promise((resolve) => this.stream.once('drain', resolve));
  }
}

function errorJson(where: Record<string, number>, error: { code: string; reason: string; input?: string }): string {
  return `${JSON.stringify({ ...where, code: error.code, reason: error.reason, input: error.input })}\n`;
}

interface DecodeOptions {
  errors: boolean;
  progress?: ProgressBar;
  /** Worker threads decoding pieces of input in parallel; 0 decodes in this thread. */
  threads?: number;
}

/** Worker threads that each decode whole pieces of input; results come back in submission order. */
class DecodePool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, (r: SegmentResult) => void>();
  private next = 0;

  constructor(size: number, script: URL) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(script);
      w.on('message', (m: { id: number; result: SegmentResult }) => {
        this.waiting.get(m.id)?.(m.result);
        this.waiting.delete(m.id);
      });
      w.on('error', (e) => {
        throw e;
      });
      return w;
    });
  }

  run(bytes: Buffer, withErrors: boolean): Promise<SegmentResult> {
    const id = this.next++;
    // Copy into a buffer of its own so it can be moved, not cloned, to the worker.
    const own = new Uint8Array(bytes);
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.workers[id % this.workers.length].postMessage({ id, bytes: own, withErrors }, [own.buffer]);
    });
  }

  close(): Promise<number[]> {
    return Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The compiled worker script, when running from dist/ (not from TypeScript sources under test). */
const WORKER_SCRIPT = new URL('./decode-worker.js', import.meta.url);

/**
 * Decode a stream of text lines; records to `out`, errors to `err`. The input is cut into pieces
 * at message boundaries; with `threads` > 0 the pieces are decoded in parallel and written in order,
 * at most two pieces a thread in flight so memory stays bounded.
 */
export async function decodeLines(
  input: AsyncIterable<Buffer>,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  options: DecodeOptions,
): Promise<DecodeSummary> {
  const threads = options.threads && existsSync(fileURLToPath(WORKER_SCRIPT)) ? options.threads : 0;
  const pool = threads > 0 ? new DecodePool(threads, WORKER_SCRIPT) : undefined;
  const records = new NdjsonWriter(out);
  const errors = new NdjsonWriter(err);
  const summary: DecodeSummary = { lines: 0, records: {}, errors: {} };
  const inFlight: Promise<SegmentResult>[] = [];
  const maxInFlight = Math.max(1, threads * 2);

  const emit = async (result: SegmentResult) => {
    await (typeof result.out === 'string' ? records.write(result.out) : records.writeBytes(result.out));
    for (const e of result.errorReports) await errors.write(errorJson({ line: summary.lines + e.line }, e));
    addCounts(summary, result);
    summary.lines += result.lines;
    options.progress?.lines(summary.lines);
  };
  const submit = async (piece: Buffer) => {
    inFlight.push(pool ? pool.run(piece, options.errors) : Promise.resolve(decodeSegment(piece, options.errors)));
    while (inFlight.length >= maxInFlight) await emit(await inFlight.shift()!);
  };

  const cutter = new SegmentCutter();
  try {
    for await (const chunk of input) {
      for (const piece of cutter.push(chunk)) await submit(piece);
      options.progress?.advance(chunk.length);
    }
    const last = cutter.end();
    if (last) await submit(last);
    while (inFlight.length > 0) await emit(await inFlight.shift()!);
  } finally {
    await pool?.close();
  }
  await records.flush();
  await errors.flush();
  return summary;
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
      if (options.errors) await errors.write(errorJson({ frame: frameNo }, { code: result.code, reason: result.message }));
    } else {
      tally.record(result);
      await records.write(toJsonLine(result));
    }
  }
  if (error) {
    tally.error(error.code);
    if (options.errors) await errors.write(errorJson({ frame: frameNo + 1 }, { code: error.code, reason: error.message }));
  }
  await records.flush();
  await errors.flush();
  return { lines: frameNo, ...tally.counts() };
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
        threads: { type: 'string' },
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
  let threads = fromStdin || size > 4 * SEGMENT_BYTES ? Math.min(2, availableParallelism()) : 0;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!/^\d+$/.test(values.threads) || threads > 64) {
      process.stderr.write(`tidewatch decode: --threads takes a whole number from 0 to 64, not ${JSON.stringify(values.threads)}\n`);
      return 2;
    }
  }
  const showProgress = values.progress || (!fromStdin && process.stderr.isTTY === true && size > 8 * 1024 * 1024);
  const progress = showProgress ? new ProgressBar(process.stderr, size) : undefined;
  const options: DecodeOptions = { errors: !values['no-errors'], progress, threads };
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
