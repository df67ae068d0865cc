import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the drain has got to: every line before `offset` in segment `segment`, and every older
 * segment, is in the store. A checkpoint that is lost or stale only makes the next start replay
 * lines the store already has, which its idempotent writes absorb.
 */
export interface Checkpoint {
  segment: number;
  offset: number;
}

const FILE = 'checkpoint.json';

/** The saved checkpoint; undefined when there is none or it cannot be read (then everything on disk is replayed). */
export async function readCheckpoint(dir: string): Promise<{ checkpoint?: Checkpoint; problem?: string }> {
  let text: string;
  try {
    text = await readFile(join(dir, FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    const value = JSON.parse(text) as Partial<Checkpoint>;
    if (Number.isSafeInteger(value.segment) && Number.isSafeInteger(value.offset) && value.offset! >= 0) {
      return { checkpoint: { segment: value.segment!, offset: value.offset! } };
    }
  } catch {
    // fall through: a damaged checkpoint means "replay everything", said once below
  }
  return { problem: `${join(dir, FILE)} is damaged (${JSON.stringify(text.slice(0, 80))}); replaying every spooled segment` };
}

/** Replaces the checkpoint atomically: readers see the old one or the new one, never a mix. */
export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const tmp = join(dir, `${FILE}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(checkpoint));
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, FILE));
}

/**
 * Writes checkpoints behind the drain, one at a time and in order: the drain goes on to its next
 * batch while the last one's checkpoint is made durable (an fdatasync that can take tens of ms on a
 * disk busy with appends), and checkpoints asked for meanwhile collapse into the newest, the only
 * one that matters. A checkpoint written late only makes a restart replay a batch the store has.
 */
export class CheckpointWriter {
  private wanted?: Checkpoint;
  private writing?: Promise<void>;
  private failure?: Error;

  constructor(private readonly dir: string) {}

  /** Asks for `checkpoint` to be written; throws the error of an earlier write that failed. */
  save(checkpoint: Checkpoint): void {
    this.throwFailure();
    this.wanted = checkpoint;
    this.writing ??= this.writeWanted();
  }

  /** True while a checkpoint asked for is not on disk yet. */
  get pending(): boolean {
    return this.writing !== undefined;
  }

  /** Resolves once every checkpoint asked for is on disk; rejects with the error of one that failed. */
  async flush(): Promise<void> {
    await this.writing;
    this.throwFailure();
  }

  private async writeWanted(): Promise<void> {
    try {
      while (this.wanted) {
        const checkpoint = this.wanted;
        this.wanted = undefined;
        await writeCheckpoint(this.dir, checkpoint);
      }
    } catch (err) {
      this.failure = err as Error;
      this.wanted = undefined;
    } finally {
      this.writing = undefined;
    }
  }

  private throwFailure(): void {
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
  }
}
