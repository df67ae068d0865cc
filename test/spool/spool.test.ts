import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { Spool, type SpoolOptions } from '../../gateway/store/spool.js';
import { MemoryStore } from './support/memory-store.js';
import { fix, fixes, indexOf } from './support/records.js';

const dirs: string[] = [];
const spools: Spool[] = [];

afterEach(async () => {
  await Promise.all(spools.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tidewatch-spool-'));
  dirs.push(d);
  return d;
}

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger('debug', {}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>)), lines };
}

async function openSpool(opts: Partial<SpoolOptions> & { dir: string; store: SpoolOptions['store'] }): Promise<Spool> {
  const spool = await Spool.open({ logger: logCapture().logger, retry: { initialMs: 5, maxMs: 40 }, ...opts });
  spools.push(spool);
  return spool;
}

/** Stream indexes of the stored records, in the order the store first got them. */
const storedOrder = (store: MemoryStore) => [...store.stored.values()].map((r) => indexOf(r as { time: number }));
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const segmentFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.jsonl'));

describe('Spool', () => {
  it('stores appended records in order, each once, and resolves drained()', async () => {
    const store = new MemoryStore();
    const spool = await openSpool({ dir: tempDir(), store, batchRecords: 300 });
    await Promise.all(range(20).map((b) => spool.append(fixes(b * 100, 100))));
    await spool.drained();
    expect(storedOrder(store)).toEqual(range(2000));
    expect(store.writtenRecords).toBe(2000);
    expect([...store.stored.values()][1234]).toEqual(fix(1234));
    expect(spool.stats()).toMatchObject({ backlogBytes: 0, backlogRecords: 0, appendedRecords: 2000, storedRecords: 2000, rejectedRecords: 0, storeUp: true });
  });

  it('accepts appends while the store is down, and stores everything in order once it is back', async () => {
    const store = new MemoryStore();
    store.up = false;
    const spool = await openSpool({ dir: tempDir(), store, batchRecords: 250 });
    for (let b = 0; b < 10; b++) await spool.append(fixes(b * 100, 100));
    await new Promise((r) => setTimeout(r, 100));
    expect(store.stored.size).toBe(0);
    expect(spool.stats()).toMatchObject({ storeUp: false, backlogRecords: 1000, lastError: expect.stringContaining('memory store unavailable') });
    expect(spool.stats().retries).toBeGreaterThan(0);
    store.up = true;
    await spool.drained();
    expect(storedOrder(store)).toEqual(range(1000));
    expect(store.writtenRecords).toBe(1000);
    expect(spool.stats().storeUp).toBe(true);
  });

  it('closes with a backlog and stores it after the next open, without writing anything twice', async () => {
    const dir = tempDir();
    const store = new MemoryStore();
    store.latencyMs = 5;
    const first = await openSpool({ dir, store, batchRecords: 100 });
    for (let b = 0; b < 30; b++) await first.append(fixes(b * 100, 100));
    await first.close();
    const storedBeforeClose = store.stored.size;
    expect(storedBeforeClose).toBeLessThan(3000);
    const second = await openSpool({ dir, store, batchRecords: 100 });
    await second.append(fixes(3000, 100));
    await second.drained();
    expect(storedOrder(store)).toEqual(range(3100));
    expect(store.writtenRecords).toBe(3100); // the checkpoint resumed exactly where the first left off
    expect(second.stats().backlogRecords).toBe(0);
  });

  it('drops a line torn by a crash, with a warning, and stores every complete line', async () => {
    const dir = tempDir();
    const store = new MemoryStore();
    store.up = false;
    const first = await openSpool({ dir, store });
    await first.append(fixes(0, 50));
    await first.close();
    const [segment] = segmentFiles(dir);
    appendFileSync(join(dir, segment), JSON.stringify(fix(50)).slice(0, 40)); // a write cut short
    const sizeBefore = statSync(join(dir, segment)).size;
    store.up = true;
    const { logger, lines } = logCapture();
    const second = await openSpool({ dir, store, logger });
    await second.drained();
    expect(storedOrder(store)).toEqual(range(50));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('torn last line'), bytes: 40 }));
    expect(second.stats().rejectedRecords).toBe(0);
    expect(sizeBefore).toBeGreaterThan(40);
  });

  it('drops a zero-filled tail (a crash after the file grew but before its data reached the disk)', async () => {
    const dir = tempDir();
    const store = new MemoryStore();
    store.up = false;
    const first = await openSpool({ dir, store });
    await first.append(fixes(0, 10));
    await first.close();
    appendFileSync(join(dir, segmentFiles(dir)[0]), Buffer.alloc(4096));
    store.up = true;
    const second = await openSpool({ dir, store });
    await second.drained();
    expect(storedOrder(store)).toEqual(range(10));
    expect(second.stats().rejectedRecords).toBe(0);
  });

  it('sets a damaged line in the middle of a segment aside and stores its neighbours', async () => {
    const dir = tempDir();
    const store = new MemoryStore();
    store.up = false;
    const first = await openSpool({ dir, store });
    await first.append(fixes(0, 5));
    await first.close();
    const file = join(dir, segmentFiles(dir)[0]);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2].replace('"kind"', '"ki\u0000');
    writeFileSync(file, lines.join('\n'));
    store.up = true;
    const second = await openSpool({ dir, store });
    await second.drained();
    expect(storedOrder(store)).toEqual([0, 1, 3, 4]);
    const rejected = readdirSync(join(dir, 'rejected')).flatMap((f) => readFileSync(join(dir, 'rejected', f), 'utf8').trim().split('\n'));
    expect(rejected.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ error: expect.stringContaining('unreadable spool line'), line: lines[2] })]);
  });

  it('isolates records the store refuses into rejected/ and stores their neighbours in order', async () => {
    const dir = tempDir();
    const store = new MemoryStore();
    store.refuse = (r) => (r.kind === 'vessel-fix' && (indexOf(r) === 137 || indexOf(r) === 600) ? `field lat has an invalid value` : undefined);
    const { logger, lines } = logCapture();
    const spool = await openSpool({ dir, store, logger, batchRecords: 1000 });
    await spool.append(fixes(0, 1000));
    await spool.drained();
    expect(storedOrder(store)).toEqual(range(1000).filter((i) => i !== 137 && i !== 600));
    expect(spool.stats()).toMatchObject({ storedRecords: 998, rejectedRecords: 2, backlogRecords: 0, lastError: expect.stringContaining('invalid value') });
    const rejected = readdirSync(join(dir, 'rejected')).flatMap((f) => readFileSync(join(dir, 'rejected', f), 'utf8').trim().split('\n'));
    expect(rejected.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ error: '400 bad request: field lat has an invalid value', record: fix(137), rejectedAt: expect.any(String) }),
      expect.objectContaining({ error: '400 bad request: field lat has an invalid value', record: fix(600) }),
    ]);
    expect(lines.filter((l) => l.level === 'error' && String(l.msg).includes('refused'))).toHaveLength(2);
  });

  it('does not reject records when an unreachable store reports a plain Error: it waits for the store instead', async () => {
    const store = new MemoryStore();
    store.up = false;
    store.downWithPlainError = true;
    const spool = await openSpool({ dir: tempDir(), store });
    await spool.append(fixes(0, 100));
    await new Promise((r) => setTimeout(r, 100));
    expect(spool.stats()).toMatchObject({ rejectedRecords: 0, storeUp: false });
    store.up = true;
    await spool.drained();
    expect(storedOrder(store)).toEqual(range(100));
    expect(spool.stats().rejectedRecords).toBe(0);
  });

  it('turns saturated on above the high-water mark and off below the low-water mark, calling onDrain', async () => {
    const store = new MemoryStore();
    store.up = false;
    const spool = await openSpool({ dir: tempDir(), store, highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024, batchRecords: 20 });
    let drains = 0;
    spool.onDrain(() => drains++);
    let i = 0;
    while (!spool.saturated) {
      await spool.append(fixes(i, 20));
      i += 20;
    }
    expect(spool.stats().backlogBytes).toBeGreaterThan(64 * 1024);
    store.up = true;
    store.latencyMs = 2;
    await new Promise<void>((resolve) => spool.onDrain(resolve));
    expect(spool.saturated).toBe(false);
    expect(spool.stats().backlogBytes).toBeLessThan(16 * 1024);
    expect(drains).toBe(1);
    await spool.drained();
    expect(storedOrder(store)).toEqual(range(i));
  });

  it('rolls over to new segment files and deletes the ones fully stored', async () => {
    const dir = tempDir();
    const store = new MemoryStore();
    store.up = false;
    const spool = await openSpool({ dir, store, segmentBytes: 8 * 1024 });
    for (let b = 0; b < 40; b++) await spool.append(fixes(b * 10, 10));
    expect(segmentFiles(dir).length).toBeGreaterThan(5);
    store.up = true;
    await spool.drained();
    expect(storedOrder(store)).toEqual(range(400));
    expect(segmentFiles(dir).length).toBeLessThanOrEqual(1);
  });

  it('refuses a second open of the same directory, and appends after close', async () => {
    const dir = tempDir();
    const spool = await openSpool({ dir, store: new MemoryStore() });
    await expect(Spool.open({ dir, store: new MemoryStore() })).rejects.toThrow(/already open in this process/);
    await spool.close();
    await expect(spool.append(fixes(0, 1))).rejects.toThrow(/closed; the records were not accepted/);
    const again = await openSpool({ dir, store: new MemoryStore() }); // the lock was released
    await again.close();
  });

  it('replays every spooled segment when the checkpoint is damaged, storing each record once', async () => {
    const dir = tempDir();
    const store = new MemoryStore();
    const first = await openSpool({ dir, store, batchRecords: 50 });
    await first.append(fixes(0, 200));
    await first.drained();
    store.up = false;
    await first.append(fixes(200, 100));
    await first.close();
    writeFileSync(join(dir, 'checkpoint.json'), '{"segm');
    store.up = true;
    const { logger, lines } = logCapture();
    const second = await openSpool({ dir, store, logger });
    await second.drained();
    expect(storedOrder(store)).toEqual(range(300));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('checkpoint.json is damaged') }));
  });

  it('refuses a directory locked by another running process, naming it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'LOCK'), `${process.ppid}\n`); // our parent: alive, and not us
    await expect(Spool.open({ dir, store: new MemoryStore() })).rejects.toThrow(`in use by process ${process.ppid}`);
  });

  it('rejects drained() waiters when closed with a backlog, saying where the rest goes', async () => {
    const store = new MemoryStore();
    store.up = false;
    const spool = await openSpool({ dir: tempDir(), store });
    await spool.append(fixes(0, 10));
    const waiting = expect(spool.drained()).rejects.toThrow(/stored after the next open/);
    await spool.close();
    await waiting;
  });
});
