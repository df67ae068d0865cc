import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { EmbeddedSeriesStore } from '../../gateway/store/embedded.js';
import { Spool, type SpoolTarget } from '../../gateway/store/spool.js';
import type { SeriesRecord, SeriesStore, TrackQuery } from '../../gateway/store/types.js';
import { fix, fixes, indexOf, STREAM_START } from './support/records.js';
import { removeChildProgram, SpoolProcess } from './support/spool-process.js';

/** The main spool cases again, against the real embedded (SQLite) store. */

const root = mkdtempSync(join(tmpdir(), 'tidewatch-spool-embedded-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  removeChildProgram();
});
let n = 0;
const freshDir = () => join(root, `case-${n++}`);

/**
 * The embedded store behind a switch: "down" closes the real store (which then rejects with its
 * own StoreUnavailableError), "up" opens the same file again.
 */
class SwitchedEmbeddedStore implements SpoolTarget {
  readonly kind = 'embedded';
  private inner: EmbeddedSeriesStore;

  constructor(readonly path: string) {
    this.inner = new EmbeddedSeriesStore(path);
  }

  async down(): Promise<void> {
    await this.inner.close();
  }

  up(): void {
    this.inner = new EmbeddedSeriesStore(this.path);
  }

  write(records: readonly SeriesRecord[]): Promise<void> {
    return this.inner.write(records);
  }
  track(query: TrackQuery): ReturnType<SeriesStore['track']> {
    return this.inner.track(query);
  }
  count(kind: SeriesRecord['kind']): Promise<number> {
    return this.inner.count(kind);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Stream indexes of every stored fix of the test stream, sorted; each index once per stored row. */
async function storedIndexes(store: Pick<SeriesStore, 'track'>, sent: number): Promise<number[]> {
  const vessels = new Set(Array.from({ length: Math.min(sent, 997) }, (_, i) => fix(i).vessel!));
  const out: number[] = [];
  for (const vessel of vessels) {
    for (const f of await store.track({ vessel, from: STREAM_START, to: STREAM_START + sent * 1000 })) {
      expect(f).toEqual(fix(indexOf(f)));
      out.push(indexOf(f));
    }
  }
  return out.sort((a, b) => a - b);
}

const range = (count: number) => Array.from({ length: count }, (_, i) => i);

describe('Spool into the embedded store', () => {
  it('stores appended records, each once, with their content', async () => {
    const dir = freshDir();
    const store = new EmbeddedSeriesStore(join(dir, 'series.db'));
    const spool = await Spool.open({ dir: join(dir, 'spool'), store, logger: silentLogger, batchRecords: 700 });
    await Promise.all(range(30).map((b) => spool.append(fixes(b * 100, 100))));
    await spool.drained();
    await spool.close();
    expect(await storedIndexes(store, 3000)).toEqual(range(3000));
    await store.close();
  });

  it('keeps appending while the store is down and stores everything once it is back', async () => {
    const dir = freshDir();
    const store = new SwitchedEmbeddedStore(join(dir, 'series.db'));
    await store.down();
    const spool = await Spool.open({ dir: join(dir, 'spool'), store, logger: silentLogger, retry: { initialMs: 5, maxMs: 20 } });
    for (let b = 0; b < 20; b++) await spool.append(fixes(b * 100, 100));
    await new Promise((r) => setTimeout(r, 50));
    expect(spool.stats()).toMatchObject({ storeUp: false, storedRecords: 0, backlogRecords: 2000 });
    store.up();
    await spool.drained();
    await spool.close();
    expect(await storedIndexes(store, 2000)).toEqual(range(2000));
    await store.close();
  });

  it('after a SIGKILL mid-stream, a restart stores every acknowledged record once', async () => {
    const dir = freshDir();
    const store = new EmbeddedSeriesStore(join(dir, 'series.db'));
    const proc = await SpoolProcess.start(store, { dir: join(dir, 'spool'), segmentBytes: 32 * 1024, batchRecords: 300 });
    let sent = 0;
    let acked = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        if (acked >= 10_000) return resolve();
        const from = sent;
        sent += 100;
        proc.append(fixes(from, 100)).then(() => {
          acked = Math.max(acked, from + 100);
          pump();
        }, resolve);
      };
      for (let k = 0; k < 4; k++) pump();
    });
    await proc.kill();
    const spool = await Spool.open({ dir: join(dir, 'spool'), store, logger: silentLogger });
    await spool.drained();
    await spool.close();
    const stored = await storedIndexes(store, sent);
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.slice(0, acked)).toEqual(range(acked)); // every acknowledged record, and…
    expect(stored.every((i) => i < sent)).toBe(true); // …nothing that was not sent
    await store.close();
  });

  it('sets aside a record the store refuses (NaN latitude) and stores its neighbours', async () => {
    const dir = freshDir();
    const store = new EmbeddedSeriesStore(join(dir, 'series.db'));
    const spool = await Spool.open({ dir: join(dir, 'spool'), store, logger: silentLogger });
    const records = fixes(0, 500);
    records[321] = { ...records[321], lat: Number.NaN };
    await spool.append(records);
    await spool.drained();
    await spool.close();
    expect(await storedIndexes(store, 500)).toEqual(range(500).filter((i) => i !== 321));
    const rejectedDir = join(dir, 'spool', 'rejected');
    const rejected = readdirSync(rejectedDir).flatMap((f) => readFileSync(join(rejectedDir, f), 'utf8').trim().split('\n'));
    expect(rejected.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ record: { ...fix(321), lat: null }, error: expect.stringMatching(/NOT NULL/i) })]);
    await store.close();
  });

  it('measures append + drain throughput (reported, not asserted)', async () => {
    const dir = freshDir();
    const store = new EmbeddedSeriesStore(join(dir, 'series.db'));
    const spool = await Spool.open({ dir: join(dir, 'spool'), store, logger: silentLogger });
    const total = 200_000;
    const batch = 100; // a typical ingest call: one WebSocket frame or a few NMEA lines' worth
    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (let b = 0; b < total / batch; b++) {
      const p = spool.append(fixes(b * batch, batch)).then(() => {
        inFlight.delete(p);
      });
      inFlight.add(p);
      if (inFlight.size >= 64) await Promise.race(inFlight); // 64 senders waiting for their acks
    }
    await Promise.all(inFlight);
    const appended = performance.now();
    await spool.drained();
    const done = performance.now();
    await spool.close();
    expect(await store.count('vessel-fix')).toBe(total);
    console.log(
      `spool → embedded: ${total} records appended (durable) in ${((appended - started) / 1000).toFixed(2)} s, all stored after ${((done - started) / 1000).toFixed(2)} s: ${Math.round(total / ((done - started) / 1000))} records/s end to end`,
    );
    await store.close();
  }, 120_000);
});
