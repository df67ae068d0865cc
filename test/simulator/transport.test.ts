import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { DecodeError } from '../../core/errors.js';
import { decodeEnvelope, encodeAck } from '../../gateway/decoders/protobuf/index.js';
import { type LinkEvent, type SimulatorHandle, startSimulator } from '../../gateway/simulator/index.js';
import { WireDecoder } from './helpers.js';

const TOKEN = 'device-secret';

/**
 * A stand-in gateway on 127.0.0.1: an NMEA TCP listener and an HTTP server with the `/ingest`
 * WebSocket. It records what arrives, checks the bearer token, and answers binary frames with
 * Acks for the highest contiguous seq it holds (when `acking` is on). It can go down and come
 * back on the same ports.
 */
class FakeGateway {
  readonly tcpLines: { connection: number; line: string }[] = [];
  readonly authHeaders: (string | undefined)[] = [];
  readonly texts: { device: number; text: string }[] = [];
  /** device id → every seq received, duplicates included */
  readonly frames = new Map<string, number[]>();
  tcpConnections = 0;
  acking = true;
  private tcp!: TcpServer;
  private http!: HttpServer;
  private wss!: WebSocketServer;
  private readonly sockets = new Set<Socket>();
  private tcpPort = 0;
  private httpPort = 0;
  private ackSeq = 0;

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get nmea(): string {
    return `tcp://127.0.0.1:${this.tcpPort}`;
  }

  async start(): Promise<void> {
    this.tcp = createTcpServer((s) => {
      const connection = ++this.tcpConnections;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      let rest = '';
      s.setEncoding('latin1');
      s.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\r\n');
        rest = parts.pop()!;
        for (const line of parts) this.tcpLines.push({ connection, line });
      });
    });
    this.http = createHttpServer();
    this.wss = new WebSocketServer({
      server: this.http,
      path: '/ingest',
      verifyClient: (info, done) => {
        this.authHeaders.push(info.req.headers.authorization);
        if (info.req.headers.authorization === `Bearer ${TOKEN}`) done(true);
        else done(false, 401, 'Unauthorized');
      },
    });
    let devices = 0;
    this.wss.on('connection', (ws) => {
      const device = ++devices;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          this.texts.push({ device, text: data.toString() });
          return;
        }
        const env = decodeEnvelope(new Uint8Array(data as Buffer));
        if (env instanceof DecodeError) throw new Error(`bad frame: ${env.message}`);
        const seqs = this.frames.get(env.deviceId) ?? [];
        seqs.push(env.seq);
        this.frames.set(env.deviceId, seqs);
        if (!this.acking) return;
        const held = new Set(seqs);
        let contiguous = 0;
        while (held.has(contiguous + 1)) contiguous++;
        if (contiguous === 0) return;
        ws.send(encodeAck({ deviceId: env.deviceId, bootId: 1, seq: ++this.ackSeq, sentTime: Date.now() }, { bootId: env.bootId, ackedSeq: contiguous }));
      });
    });
    await this.listen();
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.tcp.listen(this.tcpPort, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => this.http.listen(this.httpPort, '127.0.0.1', resolve));
    this.tcpPort = (this.tcp.address() as AddressInfo).port;
    this.httpPort = (this.http.address() as AddressInfo).port;
  }

  /** Stop listening and cut every connection; `up()` listens again on the same ports. */
  async down(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.sockets) s.destroy();
    await Promise.all([new Promise((r) => this.tcp.close(r)), new Promise((r) => this.http.close(r))]);
  }

  async up(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    this.wss.close();
    await this.down();
  }
}

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A wall clock 240× faster than real time: a buoy's 10-minute batch comes every 2.5 s. */
function fastClock(): () => number {
  const t0 = Date.UTC(2026, 10, 21, 0, 0, 0);
  const real0 = Date.now();
  return () => t0 + (Date.now() - real0) * 240;
}

const BACKOFF = { initialMs: 50, maxMs: 400 };

describe('simulator over real TCP and WebSocket connections', () => {
  let gateway: FakeGateway | undefined;
  let sim: SimulatorHandle | undefined;

  afterEach(async () => {
    await sim?.stop();
    await gateway?.close();
    sim = undefined;
    gateway = undefined;
  });

  it('delivers AIS and RDSS over TCP, RNSS and protobuf over WebSocket; acks advance; nothing lost across an outage', async () => {
    gateway = new FakeGateway();
    await gateway.start();
    gateway.acking = false;
    const events: LinkEvent[] = [];
    sim = await startSimulator({
      url: gateway.url,
      nmea: gateway.nmea,
      token: TOKEN,
      vessels: 10,
      buoys: 2,
      seed: 5,
      clock: fastClock(),
      reconnect: BACKOFF,
      onEvent: (e) => events.push(e),
    });
    const g = gateway;
    const s = sim;
    const buoyIds = s.buoys.map((b) => b.deviceId);

    // Phase 1: the gateway holds frames without acknowledging them.
    await until('three frames from every buoy', () => buoyIds.every((id) => (g.frames.get(id)?.length ?? 0) >= 3));
    await until('traffic on every link', () => g.texts.length > 0 && g.tcpLines.some((l) => l.line.includes('BDTXR')) && g.tcpLines.some((l) => l.line.includes('VDM')));
    expect(s.stats().framesUnacked).toBeGreaterThanOrEqual(6);
    expect(s.stats().framesAcked).toBe(0);

    // Phase 2: the gateway goes down for a while and comes back, now acknowledging.
    const before = new Map(buoyIds.map((id) => [id, g.frames.get(id)!.length]));
    const connectionsBefore = g.tcpConnections;
    await g.down();
    await until('the simulator noticing', () => events.some((e) => e.type === 'disconnected') && events.some((e) => e.type === 'unreachable'));
    await new Promise((r) => setTimeout(r, 300));
    g.acking = true;
    await g.up();
    await until('every frame acknowledged after the reconnect', () => s.stats().framesUnacked === 0 && s.stats().framesAcked > 0 && buoyIds.every((id) => g.frames.get(id)!.length > before.get(id)! + 2));
    await until('both NMEA sources back', () => s.stats().nmeaConnected.ais && s.stats().nmeaConnected.rdss && g.tcpConnections >= connectionsBefore + 2);
    expect(s.stats().framesResent).toBeGreaterThan(0);
    await s.stop();
    sim = undefined;

    // Every WebSocket handshake carried the device token.
    expect(g.authHeaders.length).toBeGreaterThan(buoyIds.length);
    expect(g.authHeaders.every((h) => h === `Bearer ${TOKEN}`)).toBe(true);
    // No frame lost: each buoy's seqs are 1..max with nothing missing; some came twice (resent).
    let duplicates = 0;
    for (const id of buoyIds) {
      const seqs = g.frames.get(id)!;
      const unique = new Set(seqs);
      const max = Math.max(...seqs);
      expect([...unique].sort((a, b) => a - b)).toEqual(Array.from({ length: max }, (_, i) => i + 1));
      duplicates += seqs.length - unique.size;
    }
    expect(duplicates).toBeGreaterThan(0);

    // What arrived decodes with our own decoders without a single error.
    const wire = new WireDecoder();
    for (const { connection, line } of g.tcpLines) wire.line(`tcp-${connection}`, line);
    for (const { device, text } of g.texts) for (const line of text.split('\r\n')) wire.line(`ws-${device}`, line);
    const decoded = wire.finish();
    expect(decoded.errors).toEqual([]);
    const kinds = new Set(decoded.lines.map((l) => (l.record.kind === 'ais' ? `ais:${l.record.station}` : l.record.kind)));
    expect(kinds).toEqual(new Set(['ais:rizhao-ais-1', 'rdss', 'gnss']));
  });

  it('fails at once with a clear error when the token is refused', async () => {
    gateway = new FakeGateway();
    await gateway.start();
    await expect(startSimulator({ url: gateway.url, nmea: gateway.nmea, token: 'wrong', vessels: 2, buoys: 1, reconnect: BACKOFF })).rejects.toThrow(
      /refused the device token \(HTTP 401/,
    );
  });

  it('reports a token refused later as a refused link, and stops retrying it', async () => {
    gateway = new FakeGateway();
    await gateway.start();
    const events: LinkEvent[] = [];
    sim = await startSimulator({ url: gateway.url, nmea: gateway.nmea, token: 'wrong', vessels: 0, buoys: 1, probe: false, reconnect: BACKOFF, onEvent: (e) => events.push(e) });
    await until('a refusal', () => events.some((e) => e.type === 'refused'));
    const attempts = gateway.authHeaders.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(gateway.authHeaders.length).toBe(attempts);
    expect(events.find((e) => e.type === 'refused')).toEqual({ type: 'refused', link: 'BUOY-RZ-RANCH-01', status: 401 });
  });

  it('fails at once with a clear error when the gateway cannot be reached', async () => {
    gateway = new FakeGateway();
    await gateway.start();
    const { url, nmea } = gateway;
    await gateway.close();
    gateway = undefined;
    await expect(startSimulator({ url, nmea, token: TOKEN, vessels: 2, buoys: 1 })).rejects.toThrow(/cannot reach the gateway/);
  });
});
