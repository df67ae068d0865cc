import { DecodeError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { VesselFix } from '../../core/records.js';
import type { CodecRegistry } from '../decoders/beidou/index.js';
import { LineDecoder } from '../decoders/line.js';
import { decodeEnvelope, encodeAck } from '../decoders/protobuf/index.js';
import type { GatewayMetrics } from '../metrics.js';
import type { VesselRegistry } from '../registry/registry.js';
import type { SeriesRecord } from '../store/types.js';
import { FrameSequences, RecentFixes } from './dedupe.js';
import type { LiveBus } from './live-bus.js';
import { normalise, type Normalised } from './normalise.js';
import { PlausibilityCheck } from './plausibility.js';
import type { FrameOutcome, IngestSink, IngestSource } from './types.js';

/** Where accepted records go: the spool (durable once `append` resolves). */
export interface DurableWriter {
  append(records: readonly SeriesRecord[]): Promise<void>;
  readonly saturated: boolean;
  onDrain(listener: () => void): void;
}

export interface PipelineDeps {
  writer: DurableWriter;
  registry: VesselRegistry;
  sequences: FrameSequences;
  bus: LiveBus;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Beidou payload codecs and the terminal models bound to them (default: the built-in codecs). */
  codecs?: CodecRegistry;
  /** Receive clock (tests pin it). */
  now?: () => number;
}

/** Counts by label within one call, for one labelled inc() each: an inc() per line costs about as much as decoding the line. */
class Tally extends Map<string, number> {
  add(label: string): void {
    this.set(label, (this.get(label) ?? 0) + 1);
  }
}

/** Streams whose AIS reassembly state is kept; the least recently used is forgotten beyond this. */
const MAX_STREAMS = 10_000;

/**
 * decode → normalise → deduplicate → identity → plausibility → durable write → live bus
 * (DESIGN §2). Implements the transports' IngestSink; never throws on bad input: every rejection
 * is counted by reason and logged at debug level with where it came from.
 */
export class Pipeline implements IngestSink {
  private readonly streams = new Map<string, LineDecoder>();
  private readonly recentFixes = new RecentFixes();
  private readonly plausibility = new PlausibilityCheck();
  private readonly now: () => number;
  /** The gateway's boot id and per-device sequence for the Acks it sends. */
  private readonly bootId: number;
  private readonly ackSeq = new Map<string, number>();

  constructor(private readonly deps: PipelineDeps) {
    this.now = deps.now ?? Date.now;
    this.bootId = Math.floor(this.now() / 1000) >>> 0;
  }

  get saturated(): boolean {
    return this.deps.writer.saturated;
  }

  onDrain(listener: () => void): void {
    this.deps.writer.onDrain(listener);
  }

  /** One LineDecoder per stream: AIS fragments reassemble within the connection they came on. */
  private decoderFor(source: IngestSource): LineDecoder {
    const id = `${source.transport}|${source.peer}`;
    let d = this.streams.get(id);
    if (d) {
      this.streams.delete(id);
    } else {
      d = new LineDecoder({ codecs: this.deps.codecs, terminalModelOf: (card) => this.deps.registry.terminalModelOfCard(card) });
      if (this.streams.size >= MAX_STREAMS) this.streams.delete(this.streams.keys().next().value!);
    }
    this.streams.set(id, d);
    return d;
  }

  async ingestLines(lines: readonly string[], source: IngestSource): Promise<void> {
    const { metrics } = this.deps;
    metrics.linesIn.inc({ transport: source.transport }, lines.length);
    const decoder = this.decoderFor(source);
    const now = this.now();
    const sourceKey = source.device ? `dev:${source.device}` : undefined;
    const normalised: Normalised[] = [];
    const decoded = new Tally();
    for (const line of lines) {
      const r = decoder.decode(line, now);
      if (r === null) continue;
      if (r instanceof DecodeError) {
        if (r.code === 'empty') continue;
        this.reject(r.code, r.message, source, line);
        continue;
      }
      decoded.add(r.kind);
      normalise(r, { now, sourceKey }, normalised);
    }
    for (const [family, n] of decoded) metrics.decoded.inc({ family }, n);
    await this.accept(normalised, now);
  }

  async ingestFrame(bytes: Uint8Array, source: IngestSource): Promise<FrameOutcome> {
    const { metrics, sequences } = this.deps;
    metrics.framesIn.inc({ transport: source.transport });
    const now = this.now();
    const env = decodeEnvelope(bytes, { rxTime: now });
    if (env instanceof DecodeError) {
      this.reject(env.code, env.message, source);
      return { error: `${env.code}: ${env.message}` };
    }
    metrics.decoded.inc({ family: 'envelope' });
    if (source.device && source.device !== env.deviceId) {
      // A token belongs to one device; a frame naming another is refused, not re-attributed.
      const reason = `frame names device ${env.deviceId} but the connection's token is ${source.device}'s`;
      this.reject('device-mismatch', reason, source);
      return { error: reason };
    }
    if (env.payload.type === 'ack') return {};
    if (sequences.isDuplicate(env.deviceId, env.bootId, env.seq)) {
      metrics.duplicates.inc({ kind: 'frame' });
    } else {
      await this.accept(normalise(env, { now }), now);
    }
    return this.ackOf(env.deviceId, env.bootId, sequences.markDurable(env.deviceId, env.bootId, env.seq), now);
  }

  /** The Ack envelope (the gateway's own numbered stream towards the device); none while nothing is contiguous yet. */
  private ackOf(deviceId: string, bootId: number, ackedSeq: number, now: number): FrameOutcome {
    if (ackedSeq < 1) return {};
    const seq = (this.ackSeq.get(deviceId) ?? 0) + 1;
    this.ackSeq.set(deviceId, seq);
    return { ack: encodeAck({ deviceId, bootId: this.bootId, seq, sentTime: now }, { bootId, ackedSeq }) };
  }

  private reject(reason: string, message: string, source: IngestSource, input?: string): void {
    this.deps.metrics.rejected.inc({ reason });
    this.deps.logger.debug('rejected input', { reason, message, transport: source.transport, peer: source.peer, station: source.station, input: input?.slice(0, 200) });
  }

  /** Static data to the registry; series through dedupe, identity and plausibility to the writer. */
  private async accept(records: readonly Normalised[], now: number): Promise<void> {
    const { registry, metrics, writer, bus } = this.deps;
    const batch: SeriesRecord[] = [];
    for (const r of records) {
      if (r.kind === 'vessel-static') {
        registry.recordStatic(r);
        continue;
      }
      if (r.kind === 'vessel-fix') {
        if (this.recentFixes.seenBefore(r, now)) {
          metrics.duplicates.inc({ kind: 'vessel-fix' });
          continue;
        }
        this.identify(r);
        this.plausibility.check(r, now);
        if (r.suspect) metrics.suspect.inc({ reason: r.suspect });
      }
      batch.push(r);
    }
    if (batch.length === 0) return;
    await writer.append(batch);
    const accepted = new Tally();
    for (const r of batch) accepted.add(r.kind);
    for (const [kind, n] of accepted) metrics.accepted.inc({ kind }, n);
    bus.publish(batch);
  }

  private identify(fix: VesselFix): void {
    fix.vessel = this.deps.registry.resolve(fix.key, fix.time)?.vesselId ?? fix.key;
  }
}
