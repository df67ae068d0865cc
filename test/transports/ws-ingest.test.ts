import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger } from '../../core/log.js';
import { createToken, revokeToken } from '../../gateway/auth/tokens.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';
import { attachWsIngest, type WsIngest, type WsIngestOptions } from '../../gateway/transports/ws-ingest.js';
import { RecordingSink, deferred, senderHeldBack, sleep } from './helpers.js';

let server: Server;
let db: ConfigDb;
let sink: RecordingSink;
let ingest: WsIngest;
let base: string;
let deviceToken: string;
const clients: WebSocket[] = [];

async function start(opts: Partial<WsIngestOptions> = {}): Promise<void> {
  ingest = attachWsIngest(server, { db, sink, logger: silentLogger, ...opts });
}

beforeEach(async () => {
  db = openConfigDbFile(':memory:');
  sink = new RecordingSink();
  deviceToken = createToken(db, { role: 'device', name: 'BUOY-RZ-007' }).token;
  server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await ingest?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  db.close();
});

function open(path: string, headers: Record<string, string> = {}, options: { autoPong?: boolean } = {}): Promise<WebSocket> {
  const ws = new WebSocket(`${base}${path}`, { headers, ...options });
  clients.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function openDevice(): Promise<WebSocket> {
  return open('/ingest', { authorization: `Bearer ${deviceToken}` });
}

/** The refusal a client sees: status, body, challenge. */
function refusal(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; challenge?: string }> {
  const ws = new WebSocket(`${base}${path}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('connection was accepted')));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, challenge: res.headers['www-authenticate'] }));
    });
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe('WebSocket ingest: authentication at the upgrade', () => {
  beforeEach(() => start());

  it('answers 401 with a reason when no token is sent', async () => {
    const r = await refusal('/ingest');
    expect(r.status).toBe(401);
    expect(r.body).toMatch(/missing token: send "Authorization: Bearer <token>"/);
    expect(r.challenge).toBe('Bearer realm="tidewatch"');
  });

  it('answers 401 to an unknown or revoked token', async () => {
    const r = await refusal('/ingest', { authorization: 'Bearer tw_not-a-real-token' });
    expect(r).toMatchObject({ status: 401, body: 'unknown or revoked token\n' });
    expect(r.challenge).toContain('error="invalid_token"');
    const { token, id } = createToken(db, { role: 'device', name: 'old' });
    revokeToken(db, id);
    expect((await refusal(`/ingest?token=${token}`)).status).toBe(401);
  });

  it('answers 403 to a token whose role may not send', async () => {
    const { token } = createToken(db, { role: 'researcher', name: 'Ocean Univ.' });
    const r = await refusal('/ingest', { authorization: `Bearer ${token}` });
    expect(r.status).toBe(403);
    expect(r.body).toContain('token "Ocean Univ." has role researcher; sending data needs a device (or admin) token');
    expect(ingest.stats.refused).toBe(1);
    expect(ingest.connections).toBe(0);
  });

  it('accepts a device token in the header or the query, and an admin token', async () => {
    await openDevice();
    await open(`/ingest?token=${encodeURIComponent(deviceToken)}`);
    await open('/ingest', { authorization: `Bearer ${createToken(db, { role: 'admin', name: 'ops' }).token}` });
    expect(ingest.connections).toBe(3);
    expect(ingest.stats.accepted).toBe(3);
  });

  it('answers 503 when the token store fails, and keeps running', async () => {
    db.close();
    const r = await refusal('/ingest', { authorization: `Bearer ${deviceToken}` });
    expect(r).toMatchObject({ status: 503, body: 'cannot check tokens right now; try again shortly\n' });
  });

  it('leaves other upgrade paths to their own listener', async () => {
    const live = new WebSocketServer({ noServer: true });
    live.on('connection', (ws) => ws.on('message', (data) => ws.send(`live: ${String(data)}`)));
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/live') live.handleUpgrade(req, socket, head, (ws) => live.emit('connection', ws, req));
    });
    const ws = await open('/live');
    const reply = nextMessage(ws);
    ws.send('hello');
    expect((await reply).data.toString()).toBe('live: hello');
    expect(ingest.stats).toMatchObject({ accepted: 0, refused: 0 });
    live.close();
  });
});

describe('WebSocket ingest: data', () => {
  it('hands text lines over in order, with the device as source', async () => {
    await start();
    const ws = await openDevice();
    ws.send('!AIVDM,1,1,,A,first*00\r\n$GNRMC,second*00\n');
    ws.send('$BDTXR,third*00');
    await vi.waitFor(() => expect(sink.lines).toHaveLength(3));
    expect(sink.lines).toEqual(['!AIVDM,1,1,,A,first*00', '$GNRMC,second*00', '$BDTXR,third*00']);
    expect(sink.calls[0].source).toEqual({ transport: 'ws', peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/), device: 'BUOY-RZ-007', station: 'BUOY-RZ-007' });
  });

  it('keeps GBK bytes of a text message intact', async () => {
    await start();
    const ws = await openDevice();
    const gbk = Buffer.concat([Buffer.from('$BDTXR,1,0123456,1,2,'), iconv.encode('鲁日渔60123', 'gbk'), Buffer.from('*00\n')]);
    ws.send(gbk, { binary: false });
    await vi.waitFor(() => expect(sink.lines).toHaveLength(1));
    expect(iconv.decode(Buffer.from(sink.lines[0], 'latin1'), 'gbk')).toBe('$BDTXR,1,0123456,1,2,鲁日渔60123*00');
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('sends the Ack of a binary frame once the sink resolves', async () => {
    await start();
    const answer = deferred<{ ack: Uint8Array }>();
    sink.answerFrame = () => answer.promise;
    const ws = await openDevice();
    const received: Buffer[] = [];
    ws.on('message', (data: Buffer) => received.push(data));
    ws.send(Uint8Array.of(0x0a, 0x03, 0x41, 0x42, 0x43));
    await vi.waitFor(() => expect(sink.calls).toHaveLength(1));
    expect(sink.calls[0]).toMatchObject({ kind: 'frame', bytes: Uint8Array.of(0x0a, 0x03, 0x41, 0x42, 0x43) });
    await sleep(30);
    expect(received).toEqual([]);
    answer.resolve({ ack: Uint8Array.of(0xac, 0x01) });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect([...received[0]]).toEqual([0xac, 0x01]);
  });

  it('stays usable after the sink throws or rejects', async () => {
    await start();
    const ws = await openDevice();
    const acks: Buffer[] = [];
    ws.on('message', (data: Buffer) => acks.push(data));
    sink.answerLines = () => {
      throw new Error('decoder bug');
    };
    ws.send('boom-1');
    await vi.waitFor(() => expect(ingest.stats.sinkErrors).toBe(1));
    sink.answerFrame = () => Promise.reject(new Error('store down'));
    ws.send(Uint8Array.of(1));
    await vi.waitFor(() => expect(ingest.stats.sinkErrors).toBe(2));
    sink.answerLines = async () => {};
    sink.answerFrame = async () => ({ ack: Uint8Array.of(2) });
    ws.send('fine');
    ws.send(Uint8Array.of(3));
    await vi.waitFor(() => expect(acks).toHaveLength(1));
    expect(sink.lines).toEqual(['boom-1', 'fine']);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('delivers nothing while the sink is saturated, then everything, in order, after the drain', async () => {
    await start();
    const ws = await openDevice();
    ws.send('before');
    await vi.waitFor(() => expect(sink.lines).toEqual(['before']));
    sink.saturated = true;
    for (let i = 0; i < 200; i++) ws.send(`held-${i}`);
    await sleep(100);
    expect(sink.lines).toEqual(['before']);
    sink.drain();
    await vi.waitFor(() => expect(sink.lines).toHaveLength(201));
    expect(sink.lines.slice(1)).toEqual(Array.from({ length: 200 }, (_, i) => `held-${i}`));
  });

  it('stops reading the connection while saturated, so the sender is held back, and loses nothing', async () => {
    await start();
    const ws = await openDevice();
    sink.saturated = true;
    const line = 'x'.repeat(16 * 1024);
    const count = 2000; // 32 MiB: far more than the socket buffers hold
    for (let i = 0; i < count; i++) ws.send(`${i} ${line}`);
    expect(await senderHeldBack(() => ws.bufferedAmount)).toBe(true);
    expect(sink.calls).toEqual([]);
    sink.drain();
    await vi.waitFor(() => expect(sink.lines).toHaveLength(count), { timeout: 20_000 });
    expect(sink.lines.map((l) => Number(l.split(' ')[0]))).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('bounds the work waiting per connection behind a slow sink', async () => {
    await start({ maxQueued: 4 });
    const slow = deferred<void>();
    sink.answerLines = () => slow.promise;
    const ws = await openDevice();
    const line = 'y'.repeat(16 * 1024);
    for (let i = 0; i < 2000; i++) ws.send(line);
    expect(await senderHeldBack(() => ws.bufferedAmount)).toBe(true);
    expect(sink.calls).toHaveLength(1);
    sink.answerLines = async () => {};
    slow.resolve();
    await vi.waitFor(() => expect(sink.lines).toHaveLength(2000), { timeout: 20_000 });
  });

  it('closes with 1009 on an oversized message, after taking what came before', async () => {
    await start({ maxPayload: 1024 });
    const ws = await openDevice();
    ws.send('good line');
    ws.send('x'.repeat(2000));
    const { code } = await closed(ws);
    expect(code).toBe(1009);
    expect(sink.lines).toEqual(['good line']);
    expect(ingest.stats.protocolErrors).toBe(1);
  });

  it('drops a peer that stops answering pings and keeps one that answers', async () => {
    await start({ heartbeatMs: 40 });
    const silent = await open('/ingest', { authorization: `Bearer ${deviceToken}` }, { autoPong: false });
    const healthy = await openDevice();
    const { code } = await closed(silent);
    expect(code).toBe(1006);
    await sleep(150);
    expect(healthy.readyState).toBe(WebSocket.OPEN);
    expect(ingest.connections).toBe(1);
  });

  it('closes open connections with 1001 on close()', async () => {
    await start();
    const ws = await openDevice();
    const done = closed(ws);
    await ingest.close();
    expect(await done).toEqual({ code: 1001, reason: 'Tidewatch is shutting down' });
    // No longer listening for upgrades: with no listener left, Node drops the socket.
    await expect(openDevice()).rejects.toThrow();
  });
});
