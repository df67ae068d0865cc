import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedSeriesStore } from '../../gateway/store/embedded.js';
import { openSeriesStore } from '../../gateway/store/index.js';
import { StoreUnavailableError } from '../../gateway/store/types.js';
import { storeContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'tidewatch-series-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
storeContract('embedded (SQLite file)', async () => {
  const store = new EmbeddedSeriesStore(join(dir, `contract-${n++}`, 'series.db'));
  return { store, cleanup: () => store.close() };
});

describe('EmbeddedSeriesStore', () => {
  const fix = { kind: 'vessel-fix', source: 'ais', key: 'mmsi:1', vessel: 'vessel:a', time: Date.now(), lat: 35, lon: 119 } as const;

  it('openSeriesStore without InfluxDB settings opens series.db under the data directory', async () => {
    const dataDir = join(dir, 'factory');
    const store = openSeriesStore({ dataDir });
    expect(store).toBeInstanceOf(EmbeddedSeriesStore);
    expect((store as EmbeddedSeriesStore).path).toBe(join(dataDir, 'series.db'));
    await store.close();
  });

  it('keeps what it stored across close and reopen', async () => {
    const path = join(dir, 'reopen', 'series.db');
    const first = new EmbeddedSeriesStore(path);
    await first.write([fix]);
    await first.close();
    const second = new EmbeddedSeriesStore(path);
    await expect(second.latestFixes()).resolves.toStrictEqual([fix]);
    await second.close();
  });

  it('rejects with StoreUnavailableError once closed', async () => {
    const store = new EmbeddedSeriesStore(':memory:');
    await store.close();
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.write([fix])).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('rejects bad data with a plain error and stores none of the batch', async () => {
    const store = new EmbeddedSeriesStore(':memory:');
    const bad = { ...fix, time: fix.time + 1, lat: Number.NaN };
    const error = await store.write([fix, bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect(await store.count('vessel-fix')).toBe(0);
    await store.close();
  });
});
