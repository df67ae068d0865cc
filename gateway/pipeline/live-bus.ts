import type { SeriesRecord } from '../store/types.js';

/**
 * The live bus: records published once durable, for the API's live WebSocket and the rules engine.
 * In-process here; the seam where a message bus (NATS JetStream, DESIGN §9) plugs in later.
 * A listener gets each durable batch once, in order. The records are the very objects the spool
 * hands to the store write (not copies): listeners read them and must not modify them.
 */
export type LiveListener = (records: readonly SeriesRecord[]) => void;

export class LiveBus {
  private readonly listeners = new Set<LiveListener>();

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(records: readonly SeriesRecord[]): void {
    if (records.length === 0) return;
    for (const l of this.listeners) {
      try {
        l(records);
      } catch {
        // A failing subscriber must not stop the others nor the pipeline; it reports its own errors.
      }
    }
  }
}
