import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { decodeEnvelope } from '../decoders/protobuf/index.js';
import { Random } from './random.js';

/**
 * The simulator's connections, as real devices make them: an NMEA TCP connection per shore
 * source (AIS station, RDSS command terminal), and a WebSocket per device to the gateway's
 * `/ingest` with `Authorization: Bearer <token>`. Every connection comes back with exponential
 * backoff when the gateway goes away. A device keeps the protobuf frames the gateway has not
 * acknowledged and sends them again after reconnecting, so a dropped connection loses nothing.
 */

export type LinkEvent =
  | { type: 'connected'; link: string }
  | { type: 'disconnected'; link: string; reason: string }
  /** A connection attempt failed; the link keeps trying. */
  | { type: 'unreachable'; link: string; reason: string }
  /** The gateway refused the token (HTTP 401/403); the link gives up. */
  | { type: 'refused'; link: string; status: number };

export interface Backoff {
  /** First retry delay, ms; doubles up to `maxMs`. */
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000 };

/** Frames a buoy holds for resending, and RNSS messages a terminal buffers while offline. */
const MAX_UNACKED_FRAMES = 1000;
const MAX_TEXT_BACKLOG = 120;
/** Lines a shore source buffers while its TCP connection is down. */
const MAX_LINE_BACKLOG = 10_000;

export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';
}

/** Retry timing: exponential backoff with ±20 % jitter so devices do not reconnect in lockstep. */
class Retry {
  private delay: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly rng: Random;

  constructor(
    private readonly backoff: Backoff,
    name: string,
  ) {
    this.delay = backoff.initialMs;
    this.rng = new Random('backoff', name);
  }

  schedule(action: () => void): void {
    this.cancel();
    const wait = this.delay * this.rng.range(0.8, 1.2);
    this.delay = Math.min(this.backoff.maxMs, this.delay * 2);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      action();
    }, wait);
  }

  reset(): void {
    this.delay = this.backoff.initialMs;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export interface TcpTarget {
  host: string;
  port: number;
}

/** `tcp://host:port` → target; throws SimulatorError on anything else. */
export function parseTcpUrl(text: string): TcpTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SimulatorError(`${JSON.stringify(text)} is not a URL; expected tcp://host:port`);
  }
  if (url.protocol !== 'tcp:' || !url.hostname || !url.port) throw new SimulatorError(`${JSON.stringify(text)} must be tcp://host:port`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
}

/** The gateway's device WebSocket for an http(s) base URL: http://h:8080 → ws://h:8080/ingest. */
export function ingestUrl(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new SimulatorError(`${JSON.stringify(base)} is not a URL; expected e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new SimulatorError(`${JSON.stringify(base)} must be an http:// or https:// URL`);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ingest`;
  return url.toString();
}

/** One NMEA-over-TCP source (a shore station or a command terminal) writing lines to the gateway. */
export class TcpLineLink {
  /** Lines written to a connected socket, and lines dropped from a full backlog. */
  readonly counts = { sent: 0, dropped: 0 };
  private socket: Socket | undefined;
  private connected = false;
  private closed = false;
  private backlog: string[] = [];
  private readonly retry: Retry;

  constructor(
    private readonly target: TcpTarget,
    readonly name: string,
    private readonly onEvent: (e: LinkEvent) => void,
    backoff: Backoff = DEFAULT_BACKOFF,
  ) {
    this.retry = new Retry(backoff, name);
    this.connect();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  send(lines: readonly string[]): void {
    if (this.connected && this.socket) {
      this.write(this.socket, lines);
      return;
    }
    this.backlog.push(...lines);
    const excess = this.backlog.length - MAX_LINE_BACKLOG;
    if (excess > 0) {
      this.backlog.splice(0, excess);
      this.counts.dropped += excess;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.retry.cancel();
    const s = this.socket;
    if (!s || s.destroyed) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    });
  }

  private write(s: Socket, lines: readonly string[]): void {
    // latin1: RDSS content may carry raw GBK bytes, one char per byte.
    s.write(lines.map((l) => `${l}\r\n`).join(''), 'latin1');
    this.counts.sent += lines.length;
  }

  private connect(): void {
    if (this.closed) return;
    const s = connect({ host: this.target.host, port: this.target.port });
    this.socket = s;
    s.setNoDelay(true);
    s.setKeepAlive(true, 30_000);
    s.on('connect', () => {
      this.connected = true;
      this.retry.reset();
      this.onEvent({ type: 'connected', link: this.name });
      const pending = this.backlog;
      this.backlog = [];
      if (pending.length > 0) this.write(s, pending);
    });
    s.on('data', () => {}); // the gateway sends nothing a source needs
    s.on('error', (err) => {
      if (!this.connected) this.onEvent({ type: 'unreachable', link: this.name, reason: err.message });
    });
    s.on('close', () => {
      const was = this.connected;
      this.connected = false;
      this.socket = undefined;
      if (this.closed) return;
      if (was) this.onEvent({ type: 'disconnected', link: this.name, reason: 'connection closed' });
      this.retry.schedule(() => this.connect());
    });
  }
}

export interface DeviceLinkOptions {
  /** ws(s)://…/ingest */
  url: string;
  deviceId: string;
  token: string;
  onEvent: (e: LinkEvent) => void;
  backoff?: Backoff;
}

/**
 * One device's WebSocket: text messages (RNSS NMEA) and binary protobuf Envelopes. Frames stay
 * in the unacknowledged window until an Ack covers their seq; each (re)connection sends the
 * window again first, in seq order.
 */
export class DeviceLink {
  readonly deviceId: string;
  readonly counts = { textsSent: 0, framesSent: 0, framesResent: 0, framesAcked: 0, framesDropped: 0 };
  private ws: WebSocket | undefined;
  private open = false;
  private powered = true;
  private closed = false;
  private refused = false;
  /** seq → Envelope bytes, in seq order (Map keeps insertion order). */
  private readonly unacked = new Map<number, Uint8Array>();
  /** Frames in the window that already went out once: sending them again is a resend. */
  private readonly sentOnce = new Set<number>();
  private backlog: string[] = [];
  private bootId: number | undefined;
  private readonly retry: Retry;

  constructor(private readonly options: DeviceLinkOptions) {
    this.deviceId = options.deviceId;
    this.retry = new Retry(options.backoff ?? DEFAULT_BACKOFF, options.deviceId);
    this.connect();
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Frames sent or waiting that the gateway has not acknowledged. */
  get unackedCount(): number {
    return this.unacked.size;
  }

  sendText(text: string): void {
    if (this.open && this.ws) {
      this.ws.send(text);
      this.counts.textsSent++;
      return;
    }
    this.backlog.push(text);
    if (this.backlog.length > MAX_TEXT_BACKLOG) this.backlog.shift();
  }

  sendFrame(bootId: number, seq: number, bytes: Uint8Array): void {
    if (this.bootId !== bootId) {
      // A new boot starts a new stream: what the old one had not delivered is gone with it.
      this.bootId = bootId;
      this.unacked.clear();
      this.sentOnce.clear();
    }
    this.unacked.set(seq, bytes);
    if (this.unacked.size > MAX_UNACKED_FRAMES) {
      const oldest = this.unacked.keys().next().value as number;
      this.unacked.delete(oldest);
      this.sentOnce.delete(oldest);
      this.counts.framesDropped++;
    }
    if (this.open) this.transmit(seq, bytes);
  }

  /** Switch the device off (closes its connection) or on (connects again). */
  setPower(on: boolean): void {
    if (on === this.powered) return;
    this.powered = on;
    if (on) {
      this.retry.reset();
      this.connect();
    } else {
      this.retry.cancel();
      this.backlog = [];
      this.ws?.close(1000, 'switched off');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.retry.cancel();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'simulator stopped');
      setTimeout(() => ws.terminate(), 1000).unref();
    });
  }

  private transmit(seq: number, bytes: Uint8Array): void {
    this.ws!.send(bytes);
    this.counts.framesSent++;
    if (this.sentOnce.has(seq)) this.counts.framesResent++;
    else this.sentOnce.add(seq);
  }

  private onAck(data: Uint8Array): void {
    const env = decodeEnvelope(data);
    if (!('kind' in env) || env.kind !== 'envelope' || env.payload.type !== 'ack') return;
    if (env.deviceId !== this.deviceId || env.payload.bootId !== this.bootId) return;
    for (const seq of this.unacked.keys()) {
      if (seq > env.payload.ackedSeq) break;
      this.unacked.delete(seq);
      this.sentOnce.delete(seq);
      this.counts.framesAcked++;
    }
  }

  private connect(): void {
    if (this.closed || this.refused || !this.powered || this.ws) return;
    const { url, token, deviceId, onEvent } = this.options;
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, handshakeTimeout: 10_000 });
    this.ws = ws;
    let status: number | undefined;
    ws.on('unexpected-response', (_req, res) => {
      // Any answer but the upgrade: note the status and abort (ws then emits error and close).
      status = res.statusCode ?? 0;
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      this.open = true;
      this.retry.reset();
      onEvent({ type: 'connected', link: deviceId });
      for (const [seq, bytes] of this.unacked) this.transmit(seq, bytes);
      const pending = this.backlog;
      this.backlog = [];
      for (const text of pending) this.sendText(text);
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.onAck(toBytes(data));
    });
    ws.on('error', (err) => {
      if (this.open) return; // the close that follows says it
      if (status === 401 || status === 403) {
        this.refused = true;
        onEvent({ type: 'refused', link: deviceId, status });
      } else {
        onEvent({ type: 'unreachable', link: deviceId, reason: status === undefined ? err.message : `HTTP ${status} from ${url}` });
      }
    });
    ws.on('close', (code, reason) => {
      const was = this.open;
      this.open = false;
      this.ws = undefined;
      if (this.closed || this.refused) return;
      if (was) onEvent({ type: 'disconnected', link: deviceId, reason: `${code}${reason.length ? ` ${reason.toString()}` : ''}` });
      if (this.powered) this.retry.schedule(() => this.connect());
    });
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * One handshake with the gateway before the simulation starts, so a wrong URL or token fails at
 * once with a message that says which. Resolves when the WebSocket opened (then closes it) and
 * the NMEA port accepted a connection.
 */
export async function probeGateway(wsUrl: string, token: string | undefined, nmea: TcpTarget, timeoutMs = 5000): Promise<void> {
  const tcp = new Promise<void>((resolve, reject) => {
    const s = connect({ host: nmea.host, port: nmea.port });
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    s.once('connect', () => {
      s.end();
      resolve();
    });
    s.once('error', (err) => reject(new SimulatorError(`cannot reach the gateway's NMEA port tcp://${nmea.host}:${nmea.port}: ${err.message}`)));
  });
  const ws =
    token === undefined
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const sock = new WebSocket(wsUrl, { headers: { Authorization: `Bearer ${token}` }, handshakeTimeout: timeoutMs });
          let refusal: SimulatorError | undefined;
          sock.on('unexpected-response', (_req, res) => {
            const status = res.statusCode ?? 0;
            res.resume();
            refusal =
              status === 401 || status === 403
                ? new SimulatorError(`the gateway refused the device token (HTTP ${status} from ${wsUrl}): check --token or TIDEWATCH_TOKEN`)
                : new SimulatorError(`the gateway answered HTTP ${status} on ${wsUrl}: is --url a Tidewatch gateway?`);
            sock.terminate();
          });
          sock.once('open', () => {
            sock.close(1000, 'probe');
            resolve();
          });
          sock.once('error', (err) => reject(refusal ?? new SimulatorError(`cannot reach the gateway at ${wsUrl}: ${err.message}`)));
          sock.once('close', () => reject(refusal ?? new SimulatorError(`the gateway at ${wsUrl} closed the connection`)));
        });
  const failures = (await Promise.allSettled([ws, tcp])).flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failures.length > 0) throw new SimulatorError(failures.join('; '));
}
