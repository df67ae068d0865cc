import type { VesselFix } from '../../core/records.js';
import { statement, type ConfigDb } from '../configdb/database.js';

/** What identifies a fix for deduplication: the same report, however many stations heard it. */
export type FixIdentity = Pick<VesselFix, 'key' | 'time' | 'lat' | 'lon'>;

/** Hash keys stay small integers (V8 Smis), which a Map holds without allocating. */
const HASH_MASK = 0x3fff_ffff;
const float = new Float64Array(1);
const floatWords = new Uint32Array(float.buffer);

function mix(h: number, word: number): number {
  return Math.imul(h ^ word, 0x0100_0193);
}

/** Time and position alone nearly always tell fixes apart; the key is left to the check on a match. */
function hashFix(f: FixIdentity): number {
  let h = mix(mix(0x811c_9dc5, f.time >>> 0), Math.floor(f.time / 2 ** 32));
  float[0] = f.lat;
  h = mix(mix(h, floatWords[0]), floatWords[1]);
  float[0] = f.lon;
  h = mix(mix(h, floatWords[0]), floatWords[1]);
  return (h ^ (h >>> 15)) & HASH_MASK;
}

/**
 * Fixes seen within a time window: the same AIS report heard by two shore stations, the same
 * Beidou short message relayed twice. Fixes are kept in a ring of `capacity` slots (the oldest
 * forgotten first), so memory is fixed, and found by a hash of time and position. A hash
 * match counts only when the slot holds that very fix, so two fixes that share a hash are never
 * taken for each other; the newer one then takes over the hash, which at worst lets a duplicate of
 * the older one through to the store, whose writes are idempotent.
 */
export class RecentFixes {
  private readonly slotOfHash = new Map<number, number>();
  private readonly hashes: Int32Array;
  private readonly seenAt: Float64Array;
  private readonly times: Float64Array;
  private readonly lats: Float64Array;
  private readonly lons: Float64Array;
  private readonly keys: (string | undefined)[];
  private nextSlot = 0;

  constructor(
    private readonly windowMs = 60_000,
    private readonly capacity = 200_000,
  ) {
    this.hashes = new Int32Array(capacity);
    this.seenAt = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.lats = new Float64Array(capacity);
    this.lons = new Float64Array(capacity);
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** True when this fix was already seen within the window (and remembers it either way). */
  seenBefore(fix: FixIdentity, now: number): boolean {
    const hash = hashFix(fix);
    const slot = this.slotOfHash.get(hash);
    if (
      slot !== undefined &&
      now - this.seenAt[slot] < this.windowMs &&
      this.keys[slot] === fix.key &&
      this.times[slot] === fix.time &&
      this.lats[slot] === fix.lat &&
      this.lons[slot] === fix.lon
    ) {
      return true;
    }
    this.remember(hash, fix, now);
    return false;
  }

  private remember(hash: number, fix: FixIdentity, now: number): void {
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % this.capacity;
    // The slot's previous fix is forgotten, unless its hash has moved on to a newer slot.
    if (this.keys[slot] !== undefined && this.slotOfHash.get(this.hashes[slot]) === slot) this.slotOfHash.delete(this.hashes[slot]);
    this.hashes[slot] = hash;
    this.seenAt[slot] = now;
    this.times[slot] = fix.time;
    this.lats[slot] = fix.lat;
    this.lons[slot] = fix.lon;
    this.keys[slot] = fix.key;
    this.slotOfHash.set(hash, slot);
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
      const row = statement(this.db, 'SELECT acked_seq FROM device_sequence WHERE device_id = ? AND boot_id = ?').get(deviceId, bootId) as
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
      statement(
        this.db,
        `INSERT INTO device_sequence (device_id, boot_id, acked_seq, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(device_id, boot_id) DO UPDATE SET acked_seq = excluded.acked_seq, updated_at = excluded.updated_at`,
      ).run(deviceId, bootId, acked, Date.now());
    }
    return acked;
  }
}
