import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Spool segments: append-only files of one JSON record per line, named by a sequence number so
 * that a directory listing is their order (`0000000000000007.jsonl`).
 */

const NAME = /^(\d{16})\.jsonl$/;
const NEWLINE = 0x0a;
/** Reads go to disk this many bytes at a time: large enough to be cheap, small enough to bound memory. */
const CHUNK_BYTES = 1 << 20;

export function segmentPath(dir: string, seq: number): string {
  return join(dir, `${String(seq).padStart(16, '0')}.jsonl`);
}

/** Sequence numbers of the segments in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const name of await readdir(dir)) {
    const m = NAME.exec(name);
    if (m) seqs.push(Number(m[1]));
  }
  return seqs.sort((a, b) => a - b);
}

export interface SegmentScan {
  /** Complete lines from the scan's start to the end of the file. */
  lines: number;
  /** File size once a torn last line is cut off. */
  size: number;
  /** Bytes of the torn last line that were cut off (0 when the file ended with a newline). */
  tornBytes: number;
}

/**
 * Counts the lines of a segment from `from` and cuts off a last line that has no newline: a crash
 * in the middle of a write leaves one, and its records were never acknowledged (the append resolves
 * only after the whole group is on disk).
 */
export async function scanSegment(path: string, from: number): Promise<SegmentScan> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let lines = 0;
    let end = from; // just after the last newline seen
    for (let pos = from; pos < size; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK_BYTES, size - pos), pos);
      if (bytesRead === 0) break;
      const read = buf.subarray(0, bytesRead);
      for (let i = read.indexOf(NEWLINE); i !== -1; i = read.indexOf(NEWLINE, i + 1)) {
        lines++;
        end = pos + i + 1;
      }
      pos += bytesRead;
    }
    const tornBytes = Math.max(0, size - end);
    if (tornBytes > 0) {
      await fh.truncate(end);
      await fh.datasync();
    }
    return { lines, size: size - tornBytes, tornBytes };
  } finally {
    await fh.close();
  }
}

/** Reads a segment's lines from a byte offset, a chunk at a time. */
export class SegmentReader {
  /** Bytes read from the file but not yet returned: the start of a line whose end is not read yet. */
  private rest: Buffer = Buffer.alloc(0);

  private constructor(
    private readonly fh: FileHandle,
    readonly seq: number,
    private filePos: number,
  ) {}

  static async open(dir: string, seq: number, offset: number): Promise<SegmentReader> {
    return new SegmentReader(await open(segmentPath(dir, seq), 'r'), seq, offset);
  }

  /** Byte offset just after the last line returned: where a restart resumes. */
  get offset(): number {
    return this.filePos - this.rest.length;
  }

  /** Continues reading at byte `offset`, a line boundary (the lines before it were taken from memory). */
  skipTo(offset: number): void {
    if (offset === this.offset) return;
    this.rest = Buffer.alloc(0);
    this.filePos = offset;
  }

  /**
   * Up to `max` lines (without their newline) below byte `limit`, the segment's durable size. When
   * `sealed` (no more appends will come), bytes left at the limit without a newline come back as a
   * last line, so that a damaged segment cannot stall the drain.
   */
  async lines(max: number, limit: number, sealed: boolean): Promise<string[]> {
    const out: string[] = [];
    let buf = this.rest;
    let start = 0;
    while (out.length < max) {
      const nl = buf.indexOf(NEWLINE, start);
      if (nl !== -1) {
        out.push(buf.toString('utf8', start, nl));
        start = nl + 1;
        continue;
      }
      const want = Math.min(CHUNK_BYTES, limit - this.filePos);
      if (want <= 0) {
        if (sealed && start < buf.length) {
          out.push(buf.toString('utf8', start));
          start = buf.length;
        }
        break;
      }
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.fh.read(chunk, 0, want, this.filePos);
      if (bytesRead === 0) {
        throw new Error(`spool segment ${this.seq} ends at byte ${this.filePos}, before the ${limit} bytes written to it: was it truncated outside Tidewatch?`);
      }
      this.filePos += bytesRead;
      buf = start < buf.length ? Buffer.concat([buf.subarray(start), chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      start = 0;
    }
    this.rest = buf.subarray(start);
    return out;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}
