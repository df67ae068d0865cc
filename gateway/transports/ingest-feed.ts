import type { Logger } from '../../core/log.js';
import type { IngestSink, IngestSource } from '../pipeline/types.js';

/**
 * What every transport shares once bytes are split into lines or frames: hand them to the pipeline
 * in arrival order, one call at a time per connection, and stop reading while work piles up or the
 * pipeline is saturated, so that a slow store slows senders down instead of dropping their data.
 */

/** Counters a transport keeps; a metrics endpoint reads them as they are. */
export interface TransportStats {
  /** Connections accepted (WebSocket, TCP) or datagrams accepted (UDP). */
  accepted: number;
  /** Connections or datagrams refused: missing or bad token, wrong role, address not allowed. */
  refused: number;
  lines: number;
  frames: number;
  /** Frames the pipeline answered with an error (they are still acknowledged). */
  rejectedFrames: number;
  /** Lines longer than the limit, skipped. */
  overlong: number;
  /** Datagrams dropped because the pipeline was too far behind: UDP senders cannot be paused. */
  dropped: number;
  /** Calls into the pipeline that failed; the connection carries on with the next message. */
  sinkErrors: number;
  /** Peers that broke the protocol (oversized message, bad framing) or stopped answering pings. */
  protocolErrors: number;
}

export function newTransportStats(): TransportStats {
  return { accepted: 0, refused: 0, lines: 0, frames: 0, rejectedFrames: 0, overlong: 0, dropped: 0, sinkErrors: 0, protocolErrors: 0 };
}

/**
 * The sink's back-pressure signal for all connections of one transport. The seam offers `onDrain`
 * without a way to unsubscribe, so a transport registers once here rather than once per connection.
 */
export class SinkGate {
  private drain: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(readonly sink: IngestSink) {
    sink.onDrain(() => {
      const waiting = this.drain;
      this.drain = undefined;
      waiting?.resolve();
    });
  }

  get saturated(): boolean {
    return this.sink.saturated;
  }

  /** Resolves at the sink's next drain. */
  drained(): Promise<void> {
    if (!this.drain) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drain = { promise, resolve };
    }
    return this.drain.promise;
  }
}

/** Messages (or chunks, or datagrams) that may wait per connection unless a transport is told otherwise. */
export const DEFAULT_MAX_QUEUED = 32;

/** The part of a connection a feed throttles: a TCP socket or a WebSocket. */
export interface Throttle {
  pause(): void;
  resume(): void;
}

export interface IngestFeedOptions {
  gate: SinkGate;
  source: IngestSource;
  logger: Logger;
  stats: TransportStats;
  /** Messages that may wait behind the one being ingested before the connection is paused. */
  maxQueued: number;
  /** Paused while the queue is full or the sink saturated. Absent (UDP): a full queue drops instead. */
  throttle?: Throttle;
  /** Sends a frame's Ack back to the peer. */
  onAck?: (ack: Uint8Array) => void;
  /** Called when the queue has emptied, so that an owner keeping feeds per peer can forget this one. */
  onIdle?: () => void;
}

type Item = { lines: readonly string[] } | { frame: Uint8Array };

/** One connection's (or one UDP sender's) ordered way into the pipeline. */
export class IngestFeed {
  private readonly queue: Item[] = [];
  private running = false;
  private paused = false;
  private dropping = false;

  constructor(private readonly opts: IngestFeedOptions) {}

  pushLines(lines: readonly string[]): void {
    if (lines.length > 0) this.push({ lines });
  }

  pushFrame(frame: Uint8Array): void {
    this.push({ frame });
  }

  private push(item: Item): void {
    const { maxQueued, throttle, stats, logger, source } = this.opts;
    if (!throttle && this.queue.length >= maxQueued) {
      stats.dropped++;
      if (!this.dropping) logger.warn('pipeline is behind; dropping datagrams from this sender until it catches up', { peer: source.peer });
      this.dropping = true;
      return;
    }
    this.queue.push(item);
    if (this.queue.length >= maxQueued) this.setPaused(true);
    if (!this.running) {
      this.running = true;
      this.run().catch((err: unknown) => logger.error('ingest feed failed', { peer: source.peer, err }));
    }
  }

  private async run(): Promise<void> {
    const { gate, maxQueued } = this.opts;
    try {
      while (this.queue.length > 0) {
        if (gate.saturated) {
          this.setPaused(true);
          await gate.drained();
          continue;
        }
        const item = this.takeNext();
        this.setPaused(this.queue.length >= maxQueued);
        await this.deliver(item);
      }
    } finally {
      // Even after an unexpected throw, the next push starts a fresh run instead of queueing forever.
      this.running = false;
    }
    this.dropping = false;
    this.setPaused(false);
    this.opts.onIdle?.();
  }

  /**
   * The next item; consecutive text messages that waited behind a slow call go as one batch: the
   * same lines in the same order, in fewer round trips.
   */
  private takeNext(): Item {
    const first = this.queue.shift()!;
    if (!('lines' in first) || this.queue.length === 0 || !('lines' in this.queue[0])) return first;
    const lines = [...first.lines];
    while (this.queue.length > 0 && 'lines' in this.queue[0]) {
      for (const line of (this.queue.shift() as { lines: readonly string[] }).lines) lines.push(line);
    }
    return { lines };
  }

  private async deliver(item: Item): Promise<void> {
    const { gate, source, stats, logger, onAck } = this.opts;
    try {
      if ('lines' in item) {
        stats.lines += item.lines.length;
        await gate.sink.ingestLines(item.lines, source);
        return;
      }
      stats.frames++;
      const outcome = await gate.sink.ingestFrame(item.frame, source);
      if (outcome.error !== undefined) {
        stats.rejectedFrames++;
        logger.debug('frame rejected', { peer: source.peer, station: source.station, reason: outcome.error });
      }
      if (outcome.ack) onAck?.(outcome.ack);
    } catch (err) {
      stats.sinkErrors++;
      logger.error('pipeline failed to take data; the connection carries on', { peer: source.peer, station: source.station, err });
    }
  }

  private setPaused(paused: boolean): void {
    const { throttle } = this.opts;
    if (!throttle || paused === this.paused) return;
    this.paused = paused;
    if (paused) throttle.pause();
    else throttle.resume();
  }
}

/** Lines of a text message or datagram: split on LF, CR stripped, blank lines left out; latin1 keeps GBK bytes intact. */
export function splitLines(bytes: Buffer): string[] {
  const lines: string[] = [];
  for (const raw of bytes.toString('latin1').split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line !== '') lines.push(line);
  }
  return lines;
}
