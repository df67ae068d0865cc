import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { Spool } from '../../gateway/store/spool.js';
import { MemoryStore } from './support/memory-store.js';
import { fix, fixes, indexOf } from './support/records.js';
import type { ChildOptions } from './support/protocol.js';
import { removeChildProgram, SpoolProcess } from './support/spool-process.js';

/**
 * A restart of Tidewatch loses nothing that was acknowledged. The spool runs in a child process
 * that the test SIGKILLs — mid-append, mid-commit, mid-drain — and a new spool on the same
 * directory must then store every acknowledged record, exactly once and in order.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(removeChildProgram);

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tidewatch-spool-crash-'));
  dirs.push(d);
  return d;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every acknowledged record stored, nothing stored that was not sent, in stream order, with its content. */
function expectStoredExactlyOnce(store: MemoryStore, acked: ReadonlySet<number>, sent: number): void {
  const order = [...store.stored.values()].map((r) => indexOf(r as { time: number }));
  for (const i of acked) expect(store.stored.has(`fix|${fix(i).key}|${fix(i).time}`), `acknowledged record ${i} is stored`).toBe(true);
  expect(order.every((i, k) => Number.isInteger(i) && i >= 0 && i < sent && (k === 0 || i > order[k - 1])), 'stored in stream order, nothing invented').toBe(true);
  for (const r of store.stored.values()) expect(r).toEqual(fix(indexOf(r as { time: number })));
}

describe('Spool across crashes', () => {
  it.each([
    { name: 'store up, slow', up: true, latencyMs: 2, killAfterAcks: 120 },
    { name: 'store down', up: false, latencyMs: 0, killAfterAcks: 80 },
    { name: 'store up, fast', up: true, latencyMs: 0, killAfterAcks: 200 },
  ])('SIGKILL while appends are in flight ($name): a restart stores every acknowledged record once', async ({ up, latencyMs, killAfterAcks }) => {
    const dir = tempDir();
    const store = new MemoryStore();
    store.up = up;
    store.latencyMs = latencyMs;
    const proc = await SpoolProcess.start(store, { dir, segmentBytes: 64 * 1024, batchRecords: 500, retry: { initialMs: 5, maxMs: 20 } });
    const acked = new Set<number>();
    let sent = 0;
    let acks = 0;
    // Eight appends in flight at all times, until the kill.
    await new Promise<void>((resolve) => {
      const pump = () => {
        if (acks >= killAfterAcks) return resolve();
        const from = sent;
        sent += 100;
        proc.append(fixes(from, 100)).then(
          () => {
            for (let i = from; i < from + 100; i++) acked.add(i);
            acks++;
            pump();
          },
          () => resolve(), // the process is gone
        );
      };
      for (let k = 0; k < 8; k++) pump();
    });
    await proc.kill();
    expect(acked.size).toBeGreaterThanOrEqual(killAfterAcks * 100);

    store.up = true;
    const spool = await Spool.open({ dir, store, logger: silentLogger }); // takes over the dead process's lock
    await spool.drained();
    await spool.close();
    expectStoredExactlyOnce(store, acked, sent);
  });

  type Step =
    | { t: 'append'; n: number }
    | { t: 'append-then-crash'; n: number; afterMs: number }
    | { t: 'store'; up: boolean }
    | { t: 'pause'; ms: number }
    | { t: 'crash' }
    | { t: 'restart' };

  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant('append' as const), n: fc.integer({ min: 1, max: 300 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('append-then-crash' as const), n: fc.integer({ min: 1, max: 300 }), afterMs: fc.integer({ min: 0, max: 5 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('store' as const), up: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 20 }) }) },
    { weight: 1, arbitrary: fc.constant({ t: 'crash' as const }) },
    { weight: 1, arbitrary: fc.constant({ t: 'restart' as const }) },
  );

  it('any interleaving of appends, store outages, crashes and restarts stores every acknowledged record exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const dir = tempDir();
        const store = new MemoryStore();
        store.latencyMs = 1;
        const options: ChildOptions = { dir, segmentBytes: 4096, batchRecords: 64, retry: { initialMs: 2, maxMs: 10 } };
        let proc = await SpoolProcess.start(store, options);
        const acked = new Set<number>();
        let sent = 0;
        const append = (n: number) => {
          const from = sent;
          sent += n;
          return proc.append(fixes(from, n)).then(() => {
            for (let i = from; i < from + n; i++) acked.add(i);
          });
        };
        for (const s of steps) {
          switch (s.t) {
            case 'append':
              await append(s.n);
              break;
            case 'append-then-crash':
              void append(s.n).catch(() => {}); // acknowledged or not, depending on when the kill lands
              await sleep(s.afterMs);
              await proc.kill();
              proc = await SpoolProcess.start(store, options);
              break;
            case 'store':
              store.up = s.up;
              break;
            case 'pause':
              await sleep(s.ms);
              break;
            case 'crash':
              await proc.kill();
              proc = await SpoolProcess.start(store, options);
              break;
            case 'restart':
              await proc.close();
              proc = await SpoolProcess.start(store, options);
              break;
          }
        }
        store.up = true;
        await proc.drained();
        await proc.close();
        expectStoredExactlyOnce(store, acked, sent);
      }),
      { numRuns: 25 },
    );
  }, 300_000);
});
