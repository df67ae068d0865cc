import { networkInterfaces } from 'node:os';
import type { FrameOutcome, IngestSink, IngestSource } from '../../gateway/pipeline/types.js';

/** Test helpers for transports. */

/** The seam's test double: records every call, answers as each test tells it to. */
export type SinkCall =
  | { kind: 'lines'; lines: readonly string[]; source: IngestSource }
  | { kind: 'frame'; bytes: Uint8Array; source: IngestSource };

export class RecordingSink implements IngestSink {
  readonly calls: SinkCall[] = [];
  saturated = false;
  /** How a lines call answers; resolves at once unless a test replaces it. */
  answerLines: (lines: readonly string[]) => Promise<void> = async () => {};
  /** How a frame call answers; by default an "ack" that echoes the frame's first byte. */
  answerFrame: (bytes: Uint8Array) => Promise<FrameOutcome> = async (bytes) => ({ ack: Uint8Array.of(0xac, bytes[0]) });
  private readonly drainListeners: Array<() => void> = [];

  ingestLines(lines: readonly string[], source: IngestSource): Promise<void> {
    this.calls.push({ kind: 'lines', lines: [...lines], source });
    return this.answerLines(lines);
  }

  ingestFrame(bytes: Uint8Array, source: IngestSource): Promise<FrameOutcome> {
    this.calls.push({ kind: 'frame', bytes: Uint8Array.from(bytes), source });
    return this.answerFrame(bytes);
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  /** The store caught up: no longer saturated, tell the transports. */
  drain(): void {
    this.saturated = false;
    for (const listener of this.drainListeners) listener();
  }

  /** Every line received, in order, across calls. */
  get lines(): string[] {
    return this.calls.flatMap((c) => (c.kind === 'lines' ? c.lines : []));
  }
}

/** A promise with its resolve and reject in hand, for sinks that answer when the test says so. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * True once a sender's unsent bytes stay put (the receiver stopped reading and the socket buffers
 * are full); false if they all go out.
 */
export async function senderHeldBack(unsent: () => number): Promise<boolean> {
  let last = -1;
  let unchanged = 0;
  for (let i = 0; i < 100; i++) {
    await sleep(50);
    const now = unsent();
    if (now === 0) return false;
    unchanged = now === last ? unchanged + 1 : 0;
    if (unchanged >= 6) return true;
    last = now;
  }
  return false;
}

/**
 * An IPv4 address of this machine that is not loopback, if it has one: connecting from it to itself
 * is how a test sees a real non-loopback peer without a second machine.
 */
export function externalIPv4(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}
