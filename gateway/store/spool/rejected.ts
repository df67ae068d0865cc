import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';

/** A record the store refused, or a spool line that could not be read back. */
export interface Rejection {
  error: string;
  /** The record as it was spooled: fix what the error names and write it again. */
  record?: unknown;
  /** A spool line that is not a record (damaged on disk), as text. */
  line?: string;
}

/**
 * `rejected/<UTC date>.jsonl`: what the drain set aside so that one bad record cannot block the
 * records behind it. Each line keeps the error and the record, so nothing is lost and an operator
 * can replay it. Written durably before the drain's checkpoint moves past it.
 */
export class RejectedLog {
  readonly dir: string;

  constructor(spoolDir: string) {
    this.dir = join(spoolDir, 'rejected');
  }

  async add(rejections: readonly Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    const now = new Date().toISOString();
    const text = rejections.map((r) => `${JSON.stringify({ rejectedAt: now, ...r })}\n`).join('');
    await mkdir(this.dir, { recursive: true });
    const fh = await open(join(this.dir, `${now.slice(0, 10)}.jsonl`), 'a');
    try {
      await fh.writeFile(text);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }
}
