import type { ConfigDb } from '../configdb/database.js';

/**
 * Keys seen within a time window: the same AIS sentence heard by two shore stations, the same
 * Beidou short message relayed twice. Memory is bounded by `maxKeys` (oldest forgotten first).
 */
export class RecentKeys {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxKeys = 200_000,
  ) {}

  /** True when `key` was already seen within the window (and remembers it either way). */
  seenBefore(key: string, now: number): boolean {
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.windowMs) return true;
    if (at !== undefined) this.seen.delete(key);
    this.seen.set(key, now);
    if (this.seen.size > this.maxKeys) {
      // Maps iterate in insertion order: the first keys are the oldest.
      for (const k of this.seen.keys()) {
        this.seen.delete(k);
        if (this.seen.size <= this.maxKeys * 0.9) break;
      }
    }
    return false;
  }
}

/**
 * Protobuf sequence numbers per device and boot: which frames are duplicates, and the Ack — the
 * highest sequence number up to which every frame is durable. Kept in the configuration database
 * so that a restart of Tidewatch neither re-stores nor forgets what it acknowledged.
 */
export class FrameSequences {
  private readonly acked = new Map<string, number>();
  /** Durable sequence numbers above the acked one (frames that overtook a missing one). */
  private readonly ahead = new Map<string, Set<number>>();

  constructor(private readonly db: ConfigDb) {}

  private ackedSeq(key: string, deviceId: string, bootId: number): number {
    let acked = this.acked.get(key);
    if (acked === undefined) {
      const row = this.db.prepare('SELECT acked_seq FROM device_sequence WHERE device_id = ? AND boot_id = ?').get(deviceId, bootId) as
        | { acked_seq: number }
        | undefined;
      acked = row?.acked_seq ?? 0;
      this.acked.set(key, acked);
    }
    return acked;
  }

  /** True when this frame was already made durable. */
  isDuplicate(deviceId: string, bootId: number, seq: number): boolean {
    const key = `${deviceId}\u0000${bootId}`;
    return seq <= this.ackedSeq(key, deviceId, bootId) || (this.ahead.get(key)?.has(seq) ?? false);
  }

  /** Record that a frame is durable; returns the sequence number to acknowledge. */
  markDurable(deviceId: string, bootId: number, seq: number): number {
    const key = `${deviceId}\u0000${bootId}`;
    let acked = this.ackedSeq(key, deviceId, bootId);
    if (seq <= acked) return acked;
    const ahead = this.ahead.get(key) ?? new Set<number>();
    ahead.add(seq);
    while (ahead.has(acked + 1)) ahead.delete(++acked);
    if (ahead.size > 0) this.ahead.set(key, ahead);
    else this.ahead.delete(key);
    if (acked !== this.acked.get(key)) {
      this.acked.set(key, acked);
      this.db
        .prepare(
          `INSERT INTO device_sequence (device_id, boot_id, acked_seq, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(device_id, boot_id) DO UPDATE SET acked_seq = excluded.acked_seq, updated_at = excluded.updated_at`,
        )
        .run(deviceId, bootId, acked, Date.now());
    }
    return acked;
  }
}
