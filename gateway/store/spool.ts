import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { createLogger, type Logger } from '../../core/log.js';
import { CheckpointWriter, readCheckpoint } from './spool/checkpoint.js';
import { lockSpoolDir } from './spool/lock.js';
import { RejectedLog, type Rejection } from './spool/rejected.js';
import { listSegments, scanSegment, segmentPath, SegmentReader } from './spool/segments.js';
import { StoreUnavailableError, type SeriesRecord, type SeriesStore } from './types.js';

/**
 * The durable spool between the pipeline and the store (DESIGN §2, §4): a write-ahead log of
 * segment files. `append` puts records on disk (group commit: appends that arrive together share
 * one write and one fdatasync) and resolves once they are durable, which is when the gateway
 * acknowledges them. A drain loop takes the segments in order, a batch at a time, and writes the
 * batches to the store, retrying while the store is down; a checkpoint file records how far it got,
 * and drained segments are deleted. A crash or restart replays from the checkpoint; the store's
 * idempotent writes make the replay store every record exactly once.
 *
 * While the drain keeps up, committed records are also handed to it in memory (the hand-off), so
 * that they are not read back and parsed; it reads the disk only when it is behind by more than
 * `handoffBytes`, after a restart, after a disk error, and once the store has been unavailable.
 *
 * The directory: `<16-digit seq>.jsonl` segments (one JSON record per line), `checkpoint.json`,
 * `LOCK` (the owning pid), and `rejected/<UTC date>.jsonl` for records the store refused.
 */

/** What the spool needs of a store: writing, and asking whether it is there. */
export type SpoolTarget = Pick<SeriesStore, 'kind' | 'write' | 'ping'>;

export interface SpoolOptions {
  /** The spool's own directory, e.g. `<dataDir>/spool`; created when missing. */
  dir: string;
  store: SpoolTarget;
  logger?: Logger;
  /** Records per store write. */
  batchRecords?: number;
  /** A segment file is closed and a new one started once it holds this many bytes. */
  segmentBytes?: number;
  /** `saturated` turns true when more than this many spooled bytes wait for the store… */
  highWaterBytes?: number;
  /** …and false again (and `onDrain` listeners run) below this many. */
  lowWaterBytes?: number;
  /** Backoff between store retries while the store is unavailable: doubles from initialMs up to maxMs. */
  retry?: { initialMs: number; maxMs: number };
  /**
   * Committed bytes whose records the drain may take from memory instead of the disk (see Spool);
   * none while the store is unavailable.
   */
  handoffBytes?: number;
  /**
   * How long an append waits for others to share its write + fdatasync. 0: a commit starts as soon
   * as the previous one ends, and every append that arrived meanwhile joins it.
   */
  groupCommitMs?: number;
}

export interface SpoolStats {
  /** Spooled bytes not yet in the store. */
  backlogBytes: number;
  backlogRecords: number;
  /** Since this process opened the spool. */
  appendedRecords: number;
  storedRecords: number;
  /** Set aside in `rejected/`: refused by the store, or unreadable on disk. */
  rejectedRecords: number;
  /** Store writes that failed because the store was unavailable, and were retried. */
  retries: number;
  lastError?: string;
  storeUp: boolean;
  /** Duration of the last successful store write. */
  lastStoreLatencyMs: number;
}

type Settings = Required<Omit<SpoolOptions, 'logger'>> & { log: Logger };

/** The options with their defaults, checked before anything touches the disk. */
function settings(opts: SpoolOptions): Settings {
  const highWaterBytes = opts.highWaterBytes ?? 256 * 2 ** 20;
  const s: Settings = {
    dir: opts.dir,
    store: opts.store,
    log: (opts.logger ?? createLogger()).child({ component: 'spool' }),
    batchRecords: opts.batchRecords ?? 10000,
    segmentBytes: opts.segmentBytes ?? 64 * 2 ** 20,
    highWaterBytes,
    lowWaterBytes: opts.lowWaterBytes ?? Math.floor(highWaterBytes / 2),
    retry: opts.retry ?? { initialMs: 250, maxMs: 10_000 },
    groupCommitMs: opts.groupCommitMs ?? 0,
    handoffBytes: opts.handoffBytes ?? 32 * 2 ** 20,
  };
  if (!(s.batchRecords >= 1 && s.segmentBytes >= 1 && s.lowWaterBytes <= s.highWaterBytes && s.retry.initialMs > 0 && s.retry.maxMs >= s.retry.initialMs && s.groupCommitMs >= 0 && s.handoffBytes >= 0)) {
    throw new Error(
      'spool options: batchRecords and segmentBytes must be ≥ 1, lowWaterBytes ≤ highWaterBytes, 0 < retry.initialMs ≤ retry.maxMs, groupCommitMs ≥ 0, handoffBytes ≥ 0',
    );
  }
  return s;
}

/** A segment as the spool tracks it; `size` counts durable bytes only, always ending at a line boundary. */
interface Segment {
  seq: number;
  size: number;
  sealed: boolean;
}

/** One append: its records, and their lines as written to disk. */
interface Chunk {
  records: readonly SeriesRecord[];
  data: Buffer;
}

interface Group {
  chunks: Chunk[];
  bytes: number;
  records: number;
  waiters: { resolve: () => void; reject: (err: Error) => void }[];
}

const emptyGroup = (): Group => ({ chunks: [], bytes: 0, records: 0, waiters: [] });

/** Committed records in memory, at bytes [from, to) of segment `seq`. */
interface HandedOver {
  seq: number;
  from: number;
  to: number;
  records: readonly SeriesRecord[];
}

/** What the drain stores next: bytes [from, to) of segment `seq`, as records (and lines that were not). */
interface Batch {
  seq: number;
  from: number;
  to: number;
  records: SeriesRecord[];
  unreadable: Rejection[];
}

export class Spool {
  readonly dir: string;
  private readonly store: SpoolTarget;
  private readonly log: Logger;
  private readonly rejectedLog: RejectedLog;

  /** Oldest first; the drain works on the first, appends go to the last unless it is sealed. */
  private readonly segments: Segment[];
  private nextSeq: number;
  private active?: { segment: Segment; fh: FileHandle };
  /** Appends waiting for the next commit, and the group being committed now. */
  private pending = emptyGroup();
  private inFlight?: Group;
  private cancelCommitTimer?: () => void;
  private committing = false;
  private commitLoop?: Promise<void>;

  private reader?: SegmentReader;
  private readonly checkpoints: CheckpointWriter;
  /** Offset in the first segment up to which lines are stored: where the drain resumes after a disk error. */
  private storedOffset: number;
  /** Offset in the first segment up to which the drain has taken lines (stored, or being stored). */
  private readOffset: number;
  /** Committed records the drain has not taken yet, oldest first, starting at readOffset. */
  private handoff: HandedOver[] = [];
  private handoffBytes = 0;
  /** True while the hand-off holds every durable byte the drain has not taken: new commits may join it. */
  private handoffComplete = false;
  private readonly drainLoop: Promise<void>;
  private wakeDrain?: () => void;
  private cancelSleep?: () => void;
  private readonly drainWaiters: { target: number; resolve: () => void; reject: (err: Error) => void }[] = [];

  /** Bytes on disk since open (recovered + committed), bytes waiting for a commit, bytes drained out (stored or rejected). */
  private durableBytes: number;
  private uncommittedBytes = 0;
  private drainedBytes = 0;
  private readonly recoveredRecords: number;
  private readonly counts = { appended: 0, stored: 0, rejected: 0, retries: 0 };
  private lastError?: string;
  private storeUp = true;
  private lastStoreLatencyMs = 0;
  private isSaturated = false;
  private readonly drainListeners = new Set<() => void>();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closed?: Promise<void>;

  private constructor(
    private readonly opts: Settings,
    private readonly unlock: () => Promise<void>,
    recovered: { segments: Segment[]; offset: number; bytes: number; records: number; nextSeq: number },
  ) {
    this.dir = opts.dir;
    this.store = opts.store;
    this.log = opts.log;
    this.rejectedLog = new RejectedLog(this.dir);
    this.checkpoints = new CheckpointWriter(this.dir);
    this.segments = recovered.segments;
    this.nextSeq = recovered.nextSeq;
    this.durableBytes = recovered.bytes;
    this.storedOffset = recovered.offset;
    this.readOffset = recovered.offset;
    this.recoveredRecords = recovered.records;
    this.updateSaturation();
    this.drainLoop = this.drain();
  }

  /**
   * Opens the spool in `opts.dir`: takes its lock, recovers the segments a previous run left
   * (cutting off a line torn by a crash, with a warning), and starts draining them to the store.
   */
  static async open(opts: SpoolOptions): Promise<Spool> {
    const s = settings(opts);
    const { dir, log } = s;
    await mkdir(dir, { recursive: true });
    const unlock = await lockSpoolDir(dir);
    try {
      const { checkpoint, problem } = await readCheckpoint(dir);
      if (problem) log.warn(problem);
      const segments: Segment[] = [];
      let offset = 0;
      let bytes = 0;
      let records = 0;
      let maxSeq = checkpoint?.segment ?? 0;
      for (const seq of await listSegments(dir)) {
        maxSeq = Math.max(maxSeq, seq);
        // Older than the checkpoint: fully stored; its deletion did not reach the disk before a crash.
        if (checkpoint && seq < checkpoint.segment) {
          await unlink(segmentPath(dir, seq));
          continue;
        }
        const from = segments.length === 0 && checkpoint?.segment === seq ? checkpoint.offset : 0;
        const scan = await scanSegment(segmentPath(dir, seq), from);
        if (scan.tornBytes > 0) {
          log.warn('dropped a torn last line from a spool segment (a crash interrupted its write; it was never acknowledged)', {
            segment: segmentPath(dir, seq),
            bytes: scan.tornBytes,
          });
        }
        if (segments.length === 0) offset = Math.min(from, scan.size);
        segments.push({ seq, size: scan.size, sealed: true });
        bytes += scan.size - (segments.length === 1 ? offset : 0);
        records += scan.lines;
      }
      if (records > 0) log.info('recovered spooled records; storing them', { records, bytes, segments: segments.length });
      return new Spool(s, unlock, { segments, offset, bytes, records, nextSeq: maxSeq + 1 });
    } catch (err) {
      await unlock();
      throw err;
    }
  }

  /**
   * Appends records; resolves once they are on disk (fdatasync'd), so they survive a crash from
   * then on. Rejects, with nothing accepted, when the spool is closed or the disk write fails.
   * The records (and the array) are handed to the store as they are: the caller must not modify them.
   */
  append(records: readonly SeriesRecord[]): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new Error(`the spool in ${this.dir} is closed; the records were not accepted`));
    if (records.length === 0) return Promise.resolve();
    let text = '';
    for (const r of records) text += `${JSON.stringify(r)}\n`;
    const data = Buffer.from(text);
    const group = this.pending;
    group.chunks.push({ records, data });
    group.bytes += data.length;
    group.records += records.length;
    this.uncommittedBytes += data.length;
    this.counts.appended += records.length;
    this.updateSaturation();
    const done = new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
    if (!this.committing && !this.cancelCommitTimer) this.scheduleCommit();
    return done;
  }

  /** True while the store lags more than highWaterBytes behind: senders should pause until onDrain. */
  get saturated(): boolean {
    return this.isSaturated;
  }

  /** Runs `listener` each time `saturated` turns false. Returns a function that removes it. */
  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }

  stats(): SpoolStats {
    const done = this.counts.stored + this.counts.rejected;
    return {
      backlogBytes: this.backlogBytes(),
      backlogRecords: Math.max(0, this.recoveredRecords + this.counts.appended - done),
      appendedRecords: this.counts.appended,
      storedRecords: this.counts.stored,
      rejectedRecords: this.counts.rejected,
      retries: this.counts.retries,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
      storeUp: this.storeUp,
      lastStoreLatencyMs: this.lastStoreLatencyMs,
    };
  }

  /** Resolves when everything appended before the call is in the store (or set aside as rejected). */
  async drained(): Promise<void> {
    await this.commitsSettled();
    const target = this.durableBytes;
    if (this.drainedBytes >= target) return;
    if (this.state === 'closed') throw this.closedBeforeDrained();
    await new Promise<void>((resolve, reject) => this.drainWaiters.push({ target, resolve, reject }));
  }

  /**
   * Stops accepting appends, commits the ones already made, lets the store write in flight finish,
   * and closes the files. What is not stored yet stays on disk for the next open.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    this.cancelCommitTimer?.();
    await this.commitLoop;
    if (this.pending.waiters.length > 0) await this.commit();
    this.state = 'closed';
    this.wakeDrain?.();
    this.cancelSleep?.();
    await this.drainLoop;
    await this.active?.fh.close();
    this.active = undefined;
    await this.reader?.close();
    this.reader = undefined;
    for (const w of this.drainWaiters.splice(0)) w.reject(this.closedBeforeDrained());
    await this.unlock();
  }

  private closedBeforeDrained(): Error {
    return new Error(`the spool in ${this.dir} was closed before everything was stored; the rest is stored after the next open`);
  }

  // --- append side -------------------------------------------------------------------------------

  private backlogBytes(): number {
    return this.durableBytes + this.uncommittedBytes - this.drainedBytes;
  }

  private scheduleCommit(): void {
    const run = () => {
      this.cancelCommitTimer = undefined;
      this.commitLoop = this.commitAll();
    };
    // setImmediate at least: appends made in the same turn of the event loop share one commit.
    if (this.opts.groupCommitMs > 0) {
      const timer = setTimeout(run, this.opts.groupCommitMs);
      this.cancelCommitTimer = () => {
        clearTimeout(timer);
        this.cancelCommitTimer = undefined;
      };
    } else {
      const immediate = setImmediate(run);
      this.cancelCommitTimer = () => {
        clearImmediate(immediate);
        this.cancelCommitTimer = undefined;
      };
    }
  }

  /**
   * Commits groups back to back until no append is waiting; appends made during a commit form the
   * next group. `committing` is cleared in the same synchronous step that finds no group waiting,
   * so an append made after that schedules a new loop.
   */
  private async commitAll(): Promise<void> {
    this.committing = true;
    try {
      while (this.pending.waiters.length > 0 && this.state === 'open') await this.commit();
    } finally {
      this.committing = false;
    }
  }

  /** Resolves once every append made so far has been committed or has failed. */
  private commitsSettled(): Promise<void> {
    const group = this.pending.waiters.length > 0 ? this.pending : this.inFlight;
    if (!group) return Promise.resolve();
    return new Promise((resolve) => group.waiters.push({ resolve, reject: () => resolve() }));
  }

  private async commit(): Promise<void> {
    const group = this.pending;
    this.pending = emptyGroup();
    this.inFlight = group;
    const data = group.chunks.length === 1 ? group.chunks[0].data : Buffer.concat(group.chunks.map((c) => c.data), group.bytes);
    let segment: Segment | undefined;
    try {
      const { fh, segment: target } = await this.segmentFor(data.length);
      segment = target;
      for (let written = 0; written < data.length; ) {
        written += (await fh.write(data, written, data.length - written)).bytesWritten;
      }
      await fh.datasync();
    } catch (err) {
      await this.abandonActive(segment, err as Error);
      this.inFlight = undefined;
      this.uncommittedBytes -= group.bytes;
      this.counts.appended -= group.records;
      this.updateSaturation();
      const failure = new Error(
        `cannot write to the spool in ${this.dir} (${(err as Error).message}); the records were not accepted — check free disk space and permissions`,
      );
      this.lastError = failure.message;
      this.log.error('spool write failed', { error: failure.message });
      for (const w of group.waiters) w.reject(failure);
      return;
    }
    this.handOver(segment, group.chunks);
    segment.size += data.length;
    this.inFlight = undefined;
    this.uncommittedBytes -= group.bytes;
    this.durableBytes += group.bytes;
    for (const w of group.waiters) w.resolve();
    this.wakeDrain?.();
  }

  /**
   * A group just committed to `segment` (from its current size on) joins the hand-off while that
   * holds everything the drain has yet to take and has room; otherwise the drain reads it from disk.
   */
  private handOver(segment: Segment, chunks: readonly Chunk[]): void {
    if (!this.handoffComplete) return;
    let from = segment.size;
    for (const { records, data } of chunks) {
      if (this.handoffBytes + data.length > this.opts.handoffBytes) {
        this.handoffComplete = false;
        return;
      }
      this.handoff.push({ seq: segment.seq, from, to: from + data.length, records });
      this.handoffBytes += data.length;
      from += data.length;
    }
  }

  /** The segment the next commit goes to: the active one, or a new one when it is full or there is none. */
  private async segmentFor(bytes: number): Promise<{ fh: FileHandle; segment: Segment }> {
    if (this.active && this.active.segment.size > 0 && this.active.segment.size + bytes > this.opts.segmentBytes) {
      const full = this.active;
      this.active = undefined;
      full.segment.sealed = true;
      await full.fh.close();
      this.wakeDrain?.();
    }
    if (!this.active) {
      const segment: Segment = { seq: this.nextSeq++, size: 0, sealed: false };
      const fh = await open(segmentPath(this.dir, segment.seq), 'wx');
      try {
        await this.syncDir(); // the new file's directory entry must survive a crash too
      } catch (err) {
        await fh.close().catch(() => {}); // the empty file is retired at the next open
        throw err;
      }
      this.active = { fh, segment };
      this.segments.push(segment);
    }
    return this.active;
  }

  /**
   * After a failed write the segment may hold part of the group past its durable size: seal it
   * there (the drain never reads past `size`) and start a fresh segment with the next commit.
   */
  private async abandonActive(segment: Segment | undefined, err: Error): Promise<void> {
    if (!segment || this.active?.segment !== segment) return;
    const { fh } = this.active;
    this.active = undefined;
    segment.sealed = true;
    await fh.truncate(segment.size).catch(() => {
      // left as it is: a partial line past the sealed size is cut off as torn at the next open
    });
    await fh.close().catch(() => {});
    this.log.warn('sealed the spool segment after a failed write; the next append starts a new one', { segment: segment.seq, error: err.message });
    this.wakeDrain?.();
  }

  private async syncDir(): Promise<void> {
    const dh = await open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  // --- drain side --------------------------------------------------------------------------------

  private async drain(): Promise<void> {
    let backoff = this.opts.retry.initialMs;
    while (this.state !== 'closed') {
      try {
        await this.drainUntilClosed();
      } catch (err) {
        // Disk trouble while draining: log, wait, and resume from disk after the last stored line.
        this.lastError = `spool drain: ${(err as Error).message}`;
        this.log.error('spool drain failed; retrying', { error: (err as Error).message, retryInMs: backoff });
        await this.reader?.close().catch(() => {});
        this.reader = undefined;
        this.readOffset = this.storedOffset;
        this.dropHandoff();
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.opts.retry.maxMs);
      }
    }
  }

  /**
   * Stores batches from the oldest segment on until the spool closes; throws on a disk error. The
   * next batch is taken while the current one is being stored, so that reading and parsing it
   * overlap the store's work.
   */
  private async drainUntilClosed(): Promise<void> {
    let next: Promise<Batch | undefined> | undefined;
    try {
      while (this.state !== 'closed') {
        const batch = await (next ?? this.nextBatch());
        next = undefined;
        if (!batch) {
          // Checked in the same step that starts waiting: a commit that landed meanwhile is seen here, not missed.
          const segment = this.segments[0];
          if (segment && this.readOffset < segment.size) continue;
          if (segment?.sealed) {
            await this.retireSegment();
            continue;
          }
          // Idle: the last checkpoint goes to disk first, then everything is checked again (a commit may have landed meanwhile).
          if (this.checkpoints.pending) {
            await this.checkpoints.flush();
            continue;
          }
          // Every durable line is taken: from now on commits are handed over in memory.
          this.handoffComplete = true;
          await this.waitForWork();
          continue;
        }
        next = this.nextBatch();
        if (!(await this.storeBatch(batch))) return; // closed while the store was down
        this.storedOffset = batch.to;
        this.checkpoints.save({ segment: batch.seq, offset: batch.to });
        this.drainedBytes += batch.to - batch.from;
        this.afterProgress();
      }
    } finally {
      await next?.catch(() => {}); // its disk error, if any, is met again on the next read
      await this.checkpoints.flush().catch(() => {}); // a failed one only means replaying what the store has
    }
  }

  /**
   * Up to batchRecords records from readOffset in the first segment: from the hand-off when it has
   * them, from disk otherwise. Undefined when nothing more is durable in that segment yet.
   */
  private async nextBatch(): Promise<Batch | undefined> {
    const segment = this.segments[0];
    if (!segment) return undefined;
    if (this.handoff.length > 0) return this.takeHandoff(segment.seq);
    if (this.handoffComplete) return undefined;
    if (this.reader?.seq !== segment.seq) {
      await this.reader?.close();
      this.reader = undefined;
      this.reader = await SegmentReader.open(this.dir, segment.seq, this.readOffset);
    }
    this.reader.skipTo(this.readOffset);
    const from = this.readOffset;
    const lines = await this.reader.lines(this.opts.batchRecords, segment.size, segment.sealed);
    if (lines.length === 0) return undefined;
    this.readOffset = this.reader.offset;
    return { seq: segment.seq, from, to: this.readOffset, ...parseLines(lines) };
  }

  /** Handed-over records of segment `seq` from readOffset on, whole appends up to batchRecords (at least one). */
  private takeHandoff(seq: number): Batch | undefined {
    const first = this.handoff[0];
    // The hand-off has moved on to a newer segment: the first one ends here.
    if (first.seq !== seq) return undefined;
    const records: SeriesRecord[] = [];
    let taken = 0;
    while (taken < this.handoff.length) {
      const h = this.handoff[taken];
      if (h.seq !== seq || (taken > 0 && records.length + h.records.length > this.opts.batchRecords)) break;
      for (const r of h.records) records.push(r);
      taken++;
    }
    const last = this.handoff[taken - 1];
    this.handoff.splice(0, taken);
    this.handoffBytes -= last.to - first.from;
    this.readOffset = last.to;
    return { seq, from: first.from, to: last.to, records, unreadable: [] };
  }

  /** Forgets the handed-over records: the drain reads everything from readOffset on from disk. */
  private dropHandoff(): void {
    this.handoff = [];
    this.handoffBytes = 0;
    this.handoffComplete = false;
  }

  /** The first segment is fully stored: move the checkpoint past it, then delete it. */
  private async retireSegment(): Promise<void> {
    const done = this.segments.shift()!;
    await this.reader?.close();
    this.reader = undefined;
    this.storedOffset = 0;
    this.readOffset = 0;
    // Through the writer, after any checkpoint still pending in the retired segment.
    this.checkpoints.save({ segment: this.segments[0]?.seq ?? done.seq + 1, offset: 0 });
    await this.checkpoints.flush();
    await unlink(segmentPath(this.dir, done.seq));
  }

  /**
   * Stores one batch, in order. Unavailable store: wait and retry, the lines stay on disk. A
   * refusal (the store rejects the data itself): halve the batch until the refused records are
   * alone, set those aside in rejected/ and store their neighbours. Returns false when the spool
   * closed before the batch was stored.
   */
  private async storeBatch({ records, unreadable }: Batch): Promise<boolean> {
    if (unreadable.length > 0) {
      await this.rejectedLog.add(unreadable);
      this.counts.rejected += unreadable.length;
      this.log.error('set aside unreadable spool lines', { count: unreadable.length, file: this.rejectedLog.dir });
    }
    const pieces: SeriesRecord[][] = records.length > 0 ? [records] : [];
    let backoff = this.opts.retry.initialMs;
    while (pieces.length > 0) {
      const piece = pieces[0];
      const started = performance.now();
      try {
        await this.store.write(piece);
        this.lastStoreLatencyMs = performance.now() - started;
        if (!this.storeUp) this.log.info('store is back; storing the spooled backlog', { backlogBytes: this.stats().backlogBytes });
        this.storeUp = true;
        this.counts.stored += piece.length;
        pieces.shift();
        backoff = this.opts.retry.initialMs;
        continue;
      } catch (err) {
        const error = err as Error;
        if (!(error instanceof StoreUnavailableError) && piece.length > 1) {
          const half = piece.length >> 1;
          pieces.splice(0, 1, piece.slice(0, half), piece.slice(half));
          continue;
        }
        // A lone record refused: the record's fault only if the store otherwise answers.
        if (!(error instanceof StoreUnavailableError) && (await this.storeAnswers())) {
          await this.rejectedLog.add([{ error: error.message, record: piece[0] }]);
          this.counts.rejected += 1;
          this.lastError = `store refused a record: ${error.message}`;
          this.log.error('store refused a record; set aside in rejected/', { error: error.message, file: this.rejectedLog.dir });
          pieces.shift();
          continue;
        }
        if (this.storeUp) this.log.warn('store unavailable; records stay in the spool until it is back', { store: this.store.kind, error: error.message });
        this.storeUp = false;
        // A backlog is building: it waits on disk, not in memory.
        this.dropHandoff();
        this.lastError = `${this.store.kind} store unavailable: ${error.message}`;
        this.counts.retries++;
        if (!(await this.sleep(backoff))) return false;
        backoff = Math.min(backoff * 2, this.opts.retry.maxMs);
      }
    }
    return true;
  }

  private async storeAnswers(): Promise<boolean> {
    try {
      await this.store.ping();
      return true;
    } catch {
      return false;
    }
  }

  private afterProgress(): void {
    this.updateSaturation();
    for (let i = 0; i < this.drainWaiters.length; ) {
      const w = this.drainWaiters[i];
      if (this.drainedBytes >= w.target) {
        this.drainWaiters.splice(i, 1);
        w.resolve();
      } else {
        i++;
      }
    }
  }

  private updateSaturation(): void {
    const backlog = this.backlogBytes();
    if (!this.isSaturated && backlog > this.opts.highWaterBytes) {
      this.isSaturated = true;
      this.log.warn('spool backlog above its high-water mark; slowing senders', { backlogBytes: backlog, highWaterBytes: this.opts.highWaterBytes });
    } else if (this.isSaturated && backlog < this.opts.lowWaterBytes) {
      this.isSaturated = false;
      this.log.info('spool backlog below its low-water mark; senders resume', { backlogBytes: backlog });
      for (const listener of this.drainListeners) {
        try {
          listener();
        } catch (err) {
          this.log.error('an onDrain listener threw', { error: err as Error });
        }
      }
    }
  }

  private waitForWork(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeDrain = () => {
        this.wakeDrain = undefined;
        resolve();
      };
    });
  }

  /** Waits `ms`; resolves false at once when the spool closes. */
  private sleep(ms: number): Promise<boolean> {
    if (this.state === 'closed') return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.cancelSleep = undefined;
        resolve(true);
      }, ms);
      this.cancelSleep = () => {
        clearTimeout(timer);
        this.cancelSleep = undefined;
        resolve(false);
      };
    });
  }
}

/** Spool lines back to records: one JSON.parse for the whole batch, line by line only when that fails. */
function parseLines(lines: readonly string[]): { records: SeriesRecord[]; unreadable: Rejection[] } {
  try {
    const records = JSON.parse(`[${lines.join(',')}]`) as unknown[];
    // Damaged lines can still join into valid JSON (`{"a":[1` + `2]}`): accept only one object per line.
    if (records.length === lines.length && records.every(isObject)) return { records: records as SeriesRecord[], unreadable: [] };
  } catch {
    // some line is not JSON: find which, below
  }
  const records: SeriesRecord[] = [];
  const unreadable: Rejection[] = [];
  for (const line of lines) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      unreadable.push({ error: `unreadable spool line: ${(err as Error).message}`, line });
      continue;
    }
    if (isObject(value)) records.push(value as SeriesRecord);
    else unreadable.push({ error: 'unreadable spool line: not a JSON object', line });
  }
  return { records, unreadable };
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
