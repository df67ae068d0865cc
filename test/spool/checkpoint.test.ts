import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointWriter, readCheckpoint } from '../../gateway/store/spool/checkpoint.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tidewatch-checkpoint-'));
  dirs.push(d);
  return d;
}

describe('CheckpointWriter', () => {
  it('leaves the newest checkpoint asked for on disk once flushed, however many were asked for meanwhile', async () => {
    const dir = tempDir();
    const writer = new CheckpointWriter(dir);
    for (let offset = 0; offset <= 5000; offset += 100) writer.save({ segment: 3, offset });
    await writer.flush();
    expect(await readCheckpoint(dir)).toEqual({ checkpoint: { segment: 3, offset: 5000 } });
    writer.save({ segment: 4, offset: 0 });
    await writer.flush();
    expect(await readCheckpoint(dir)).toEqual({ checkpoint: { segment: 4, offset: 0 } });
  });

  it('reports a failed write once, at the next flush, and then writes again', async () => {
    const dir = join(tempDir(), 'not-yet');
    const writer = new CheckpointWriter(dir);
    writer.save({ segment: 1, offset: 10 });
    await expect(writer.flush()).rejects.toThrow(/ENOENT/);
    await expect(writer.flush()).resolves.toBeUndefined();
    mkdirSync(dir);
    writer.save({ segment: 1, offset: 40 });
    await writer.flush();
    expect(await readCheckpoint(dir)).toEqual({ checkpoint: { segment: 1, offset: 40 } });
  });
});
