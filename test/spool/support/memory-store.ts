import type { SpoolTarget } from '../../../gateway/store/spool.js';
import { StoreUnavailableError, type SeriesRecord } from '../../../gateway/store/types.js';

/**
 * A test double for the store seam: records in a Map keyed by series and time, so writes are
 * idempotent like the real stores'. The test controls whether it is up, how slow it is, and which
 * records it refuses; it counts what it was sent.
 */
export class MemoryStore implements SpoolTarget {
  readonly kind = 'memory';
  up = true;
  latencyMs = 0;
  /** Records this returns a message for make the whole write fail with that message (like a 400). */
  refuse: (record: SeriesRecord) => string | undefined = () => undefined;
  /** Down, but saying so with a plain Error (a store that misclassifies its outage). */
  downWithPlainError = false;
  /** Distinct records, in the order they were first stored. */
  readonly stored = new Map<string, SeriesRecord>();
  /** Records in successful writes, duplicates included. */
  writtenRecords = 0;
  failedWrites = 0;

  async write(records: readonly SeriesRecord[]): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (!this.up) {
      this.failedWrites++;
      throw this.downWithPlainError ? new Error('connect ECONNREFUSED (test)') : new StoreUnavailableError('memory store is down (test)');
    }
    for (const r of records) {
      const reason = this.refuse(r);
      if (reason) {
        this.failedWrites++;
        throw new Error(`400 bad request: ${reason}`);
      }
    }
    for (const r of records) this.stored.set(seriesKey(r), r);
    this.writtenRecords += records.length;
  }

  async ping(): Promise<void> {
    if (!this.up) throw new StoreUnavailableError('memory store is down (test)');
  }

  async count(kind: SeriesRecord['kind']): Promise<number> {
    return [...this.stored.values()].filter((r) => r.kind === kind).length;
  }

}

export function seriesKey(r: SeriesRecord): string {
  switch (r.kind) {
    case 'vessel-fix':
      return `fix|${r.key}|${r.time}`;
    case 'buoy-observation':
      return `obs|${r.deviceId}|${r.variable}|${r.depth}|${r.sensorIndex}|${r.time}`;
    case 'device-health':
      return `health|${r.deviceId}|${r.time}`;
  }
}
