import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSeriesStore } from '../../gateway/store/index.js';
import { ensureDatabase, InfluxSeriesStore } from '../../gateway/store/influx.js';
import { StoreUnavailableError, type SeriesRecord } from '../../gateway/store/types.js';
import { startInfluxDb, type InfluxHandle } from '../support/influxdb.js';
import { storeContract } from './contract.js';

// One real InfluxDB 1.8.10 (test/support/influxdb.ts) for the file. Every test awaits it, so when
// the binary is missing each test fails (never skips) saying how to build it.
let started: Promise<InfluxHandle>;
let influx: InfluxHandle;
beforeAll(() => {
  started = startInfluxDb();
  started.catch(() => {}); // reported by each test
});
beforeEach(async () => {
  influx = await started;
});
afterAll(async () => {
  await (await started.catch(() => undefined))?.dispose();
});

/** Every test gets its own database on the one server. */
let databases = 0;
async function openStore(): Promise<InfluxSeriesStore> {
  const connection = { url: influx.url, token: influx.token, org: '', bucket: `contract_${databases++}/autogen` };
  await ensureDatabase(connection);
  return new InfluxSeriesStore(connection);
}

storeContract('InfluxDB 1.8', async () => {
  const store = await openStore();
  return { store, cleanup: () => store.close() };
});

const fix = (vessel: string, time: number): SeriesRecord => ({ kind: 'vessel-fix', source: 'ais', key: 'mmsi:1', vessel, time, lat: 35, lon: 119 });

describe('InfluxSeriesStore', () => {
  it('openSeriesStore with InfluxDB settings opens the InfluxDB store', async () => {
    const store = openSeriesStore({ dataDir: '/nonexistent', influx: { url: influx.url, token: influx.token, org: '', bucket: influx.bucket } });
    expect(store.kind).toBe('influxdb');
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });

  it('ensureDatabase is idempotent and insists on database/retention-policy on 1.8', async () => {
    await ensureDatabase({ url: influx.url, token: influx.token, bucket: influx.bucket });
    await expect(ensureDatabase({ url: influx.url, token: influx.token, bucket: 'tidewatch' })).rejects.toThrow(/database\/retention-policy/);
  });

  it('a write to a database that does not exist waits (unavailable, not refused data), naming the database', async () => {
    const store = new InfluxSeriesStore({ url: influx.url, token: influx.token, org: '', bucket: 'no_such_db/autogen' });
    const error = await store.write([fix('vessel:a', Date.now())]).catch((e: unknown) => e);
    // The spool keeps the data and retries until an operator creates the database.
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(String(error)).toMatch(/HTTP 404.*no_such_db/);
    await store.close();
  });

  it('refuses values it cannot store literally, naming the record, before sending anything', async () => {
    const store = await openStore();
    const t = Date.now();
    const refused: [SeriesRecord, RegExp][] = [
      [fix('vessel:a\\', t), /"vessel:a\\\\" at .*: its vessel/],
      [fix('a\\,b', t), /its vessel/],
      [fix('a\nb', t), /its vessel/],
      [fix('', t), /its vessel "" is empty/],
      [{ ...fix('vessel:a', t), station: 'rizhao\n1' } as SeriesRecord, /its station "rizhao\\n1" holds a line break/],
      [{ ...fix('vessel:a', t), lat: Number.NaN } as SeriesRecord, /lat is NaN/],
      [{ ...fix('vessel:a', t), navStatus: 1.5 } as SeriesRecord, /nav_status is 1.5, not an integer/],
      [{ kind: 'device-health', deviceId: 'BUOY-1', time: t + 0.5 }, /"BUOY-1" at .*: its time .* is not an integer/],
    ];
    for (const [record, message] of refused) {
      const error = await store.write([fix('vessel:ok', t), record]).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(StoreUnavailableError);
      expect(String(error)).toMatch(message);
    }
    expect(await store.count('vessel-fix')).toBe(0);
    await store.close();
  });

  it('a server that does not answer in time is StoreUnavailableError', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const store = new InfluxSeriesStore({ url: `http://127.0.0.1:${port}`, token: '', org: '', bucket: 'tidewatch/autogen' }, { timeoutMs: 300 });
    await expect(store.write([fix('vessel:a', Date.now())])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
    // The latest-fixes scan waits its own, longer timeout: still waiting when the others have given up.
    const scanning = new InfluxSeriesStore({ url: `http://127.0.0.1:${port}`, token: '', org: '', bucket: 'tidewatch/autogen' }, { timeoutMs: 300, scanTimeoutMs: 1500 });
    let settled = false;
    const latest = scanning.latestFixes().finally(() => (settled = true));
    await expect(scanning.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(settled).toBe(false);
    await expect(latest).rejects.toBeInstanceOf(StoreUnavailableError);
    await scanning.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('while InfluxDB is down, ping and write reject with StoreUnavailableError; after a restart both work and nothing acknowledged is lost', async () => {
    const store = await openStore();
    const t = Date.now() - 60_000;
    await store.write([fix('vessel:a', t), fix('vessel:a', t + 1)]);

    await influx.stop();
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.write([fix('vessel:a', t + 2)])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.latestFixes()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.write([fix('vessel:a', t + 2)])).rejects.toThrow(/unreachable/);

    await influx.start();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.write([fix('vessel:a', t + 2)]);
    expect(await store.count('vessel-fix')).toBe(3);

    // SIGKILL: what was acknowledged is in InfluxDB's WAL and survives.
    await influx.kill();
    await influx.start();
    expect(await store.count('vessel-fix')).toBe(3);
    await store.close();
  });

  it('rejects every call once closed', async () => {
    const store = await openStore();
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
    await expect(store.write([fix('vessel:a', Date.now())])).rejects.toThrow(/closed/);
  });
});
