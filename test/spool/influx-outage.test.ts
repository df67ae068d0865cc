import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { InfluxSeriesStore } from '../../gateway/store/influx.js';
import { Spool } from '../../gateway/store/spool.js';
import { startInfluxDb, type InfluxHandle } from '../support/influxdb.js';
import { fix, fixes, indexOf, STREAM_START } from './support/records.js';

/**
 * The acceptance test: a stream of 100,000 vessel fixes goes through the spool into a real
 * InfluxDB 1.8; InfluxDB is stopped (SIGTERM; and, a harder case, SIGKILL) in the middle and
 * started again later. Appends keep resolving while it is down, and in the end InfluxDB holds
 * every fix exactly once.
 */

const TOTAL = 100_000;
const BATCH = 100; // records per append: one ingest call's worth
const IN_FLIGHT = 16; // senders waiting for their acks at once

let influx: InfluxHandle;
let spoolDir: string;

// A fresh InfluxDB per case: the count must come from this case's stream alone.
beforeEach(async () => {
  influx = await startInfluxDb();
  spoolDir = mkdtempSync(join(tmpdir(), 'tidewatch-spool-influx-'));
});

afterEach(async () => {
  await influx?.dispose();
  if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
});

describe('Spool into a real InfluxDB that goes down mid-stream', () => {
  it.each([
    { signal: 'SIGTERM', halt: () => influx.stop() },
    { signal: 'SIGKILL', halt: () => influx.kill() },
  ])('stores all 100,000 fixes exactly once across a $signal and restart of InfluxDB', async ({ halt }) => {
    const store = new InfluxSeriesStore({ url: influx.url, token: influx.token, org: '', bucket: influx.bucket });
    const log: Record<string, unknown>[] = [];
    const logger = createLogger('info', {}, (line) => log.push(JSON.parse(line) as Record<string, unknown>));
    const spool = await Spool.open({ dir: spoolDir, store, logger, retry: { initialMs: 100, maxMs: 1000 } });

    /** Appends records [from, to) with IN_FLIGHT appends waiting at a time; resolves when all are acknowledged. */
    const appendRange = async (from: number, to: number): Promise<void> => {
      let next = from;
      const sender = async () => {
        while (next < to) {
          const start = next;
          next += BATCH;
          await spool.append(fixes(start, Math.min(BATCH, to - start)));
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
    };

    await appendRange(0, 40_000);
    const atStop = spool.stats();
    // Halted while the drain writes the backlog and appends go on.
    await Promise.all([halt(), appendRange(40_000, 50_000)]);
    await appendRange(50_000, 70_000); // InfluxDB is down: these must still be acknowledged
    const down = spool.stats();
    await Promise.all([influx.start(), appendRange(70_000, 85_000)]);
    await appendRange(85_000, TOTAL);
    await spool.drained();
    const after = spool.stats();
    await spool.close();
    console.log(
      `influx outage: ${atStop.backlogRecords} records waiting for InfluxDB when it was stopped, ${down.backlogRecords} while it was down; ${after.retries} retries`,
    );

    expect(down.storeUp).toBe(false);
    expect(down.retries).toBeGreaterThan(0);
    expect(log).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('store unavailable') }));
    expect(log).toContainEqual(expect.objectContaining({ level: 'info', msg: expect.stringContaining('store is back') }));
    expect(after).toMatchObject({ appendedRecords: TOTAL, storedRecords: TOTAL, rejectedRecords: 0, backlogRecords: 0, backlogBytes: 0, storeUp: true });

    expect(await store.count('vessel-fix')).toBe(TOTAL);
    // Spot checks: three vessels' whole tracks, every field as appended.
    for (const v of [0, 498, 996]) {
      const vessel = fix(v).vessel!;
      const expected = [];
      for (let i = v; i < TOTAL; i += 997) expected.push(fix(i));
      const track = await store.track({ vessel, from: STREAM_START, to: STREAM_START + TOTAL * 1000 });
      expect(track.map(indexOf)).toEqual(expected.map(indexOf));
      expect(track).toEqual(expected);
    }
    await store.close();
  }, 600_000);
});
