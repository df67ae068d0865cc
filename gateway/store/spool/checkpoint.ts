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
