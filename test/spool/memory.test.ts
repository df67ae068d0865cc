import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { Spool } from '../../gateway/store/spool.js';
import { StoreUnavailableError, type SeriesRecord } from '../../gateway/store/types.js';
import { MemoryStore } from './support/memory-store.js';
import { fixes } from './support/records.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full collection, MiB. */
function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** A store that only counts, so that the heap measures the spool alone. */
class CountingStore extends MemoryStore {
  received = 0;
  override async write(records: readonly SeriesRecord[]): Promise<void> {
    if (!this.up) throw new StoreUnavailableError('counting store is down (test)');
    this.received += records.length;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tidewatch-spool-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Spool memory', () => {
  it('stays bounded with 500,000 records backlogged on disk, and while draining them', async () => {
    const store = new CountingStore();
    store.up = false;
    const spool = await Spool.open({ dir, store, logger: silentLogger, retry: { initialMs: 20, maxMs: 50 } });
    const before = heapMiB();
    for (let b = 0; b < 500; b++) await spool.append(fixes(b * 1000, 1000));
    const backlog = spool.stats();
    const withBacklog = heapMiB();
    expect(backlog.backlogRecords).toBe(500_000);
    expect(backlog.backlogBytes).toBeGreaterThan(90 * 2 ** 20); // > 90 MiB on disk…
    expect(withBacklog - before).toBeLessThan(32); // …and not in memory

    store.up = true;
    let peakWhileDraining = 0;
    const sampler = setInterval(() => {
      peakWhileDraining = Math.max(peakWhileDraining, process.memoryUsage().heapUsed / 2 ** 20);
    }, 20);
    await spool.drained();
    clearInterval(sampler);
    await spool.close();
    expect(store.received).toBe(500_000);
    // Garbage between collections counts here too, so the bound is loose; a backlog held in memory would be several times larger.
    expect(peakWhileDraining - before).toBeLessThan(96);
    console.log(
      `spool memory: ${(backlog.backlogBytes / 2 ** 20).toFixed(0)} MiB backlog on disk; heap +${(withBacklog - before).toFixed(1)} MiB with it, peak +${(peakWhileDraining - before).toFixed(1)} MiB while draining`,
    );
  }, 300_000);
});
