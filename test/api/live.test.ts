import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { attachLive, LIVE_PATH, type AlertFeed, type LiveEndpoint, type LiveOptions } from '../../api/live.js';
import { silentLogger } from '../../core/log.js';
import type { BuoyObservation, VesselFix } from '../../core/records.js';
import type { Alert, AlertChange } from '../../gateway/alerts/model.js';
import { createToken } from '../../gateway/auth/tokens.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';
import { GatewayMetrics } from '../../gateway/metrics.js';
import { LiveBus } from '../../gateway/pipeline/live-bus.js';
import { VesselRegistry } from '../../gateway/registry/registry.js';

const T0 = Date.parse('2026-11-21T08:00:00Z');
const BATCH_MS = 20;

let server: Server;
let db: ConfigDb;
let registry: VesselRegistry;
let bus: LiveBus;
let live: LiveEndpoint;
let base: string;
const tokens: Record<string, string> = {};
const clients: WebSocket[] = [];

/** Alert changes pushed by the test, as the alert store would. */
class TestAlertFeed implements AlertFeed {
  private readonly listeners = new Set<(change: AlertChange) => void>();
  onChange(listener: (change: AlertChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(change: AlertChange): void {
    for (const l of this.listeners) l(change);
  }
}

function start(opts: Partial<LiveOptions> = {}): void {
  live = attachLive(server, { db, bus, registry, logger: silentLogger, batchMs: BATCH_MS, ...opts });
}

beforeEach(async () => {
  db = openConfigDbFile(':memory:');
  registry = new VesselRegistry(db);
  registry.upsert({ id: '鲁日渔60123', hullName: '鲁日渔60123', name: 'LU RI YU 60123', identifiers: [{ key: 'mmsi:412325670' }] });
  bus = new LiveBus();
  for (const role of ['regulator', 'researcher', 'admin', 'device'] as const) tokens[role] = createToken(db, { role, name: `${role}-1` }).token;
  server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await live?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  db.close();
});

/** Every message a client receives, parsed, kept until a test takes it. */
class Inbox {
  private readonly messages: any[] = [];
  private readonly waiters: Array<() => void> = [];
  constructor(ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Removes and returns the first message that matches, waiting for it if need be. */
  async next(match: (m: any) => boolean = () => true, timeoutMs = 5_000): Promise<any> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex(match);
      if (i >= 0) return this.messages.splice(i, 1)[0];
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; received: ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Removes and returns everything received so far. */
  drain(): any[] {
    return this.messages.splice(0);
  }
}

async function open(token = tokens.regulator, options: { autoPong?: boolean } = {}): Promise<{ ws: WebSocket; inbox: Inbox }> {
  const ws = new WebSocket(`${base}${LIVE_PATH}`, { headers: { authorization: `Bearer ${token}` }, ...options });
  clients.push(ws);
  const inbox = new Inbox(ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, inbox };
}

async function subscribe(client: { ws: WebSocket; inbox: Inbox }, subscription: unknown): Promise<void> {
  client.ws.send(JSON.stringify({ subscribe: subscription }));
  await client.inbox.next((m) => m.type === 'subscribed');
}

/** The refusal a client sees: status, body, challenge. */
function refusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; challenge?: string }> {
  const ws = new WebSocket(url, { headers });
  clients.push(ws);
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

function fix(key: string, lon: number, lat: number, time: number, extra: Partial<VesselFix> = {}): VesselFix {
  const vessel = registry.resolve(key, time)?.vesselId ?? key;
  return { kind: 'vessel-fix', source: 'ais', key, vessel, time, lon, lat, sog: 8.2, cog: 92.4, ...extra };
}

function observation(deviceId: string, variable: string, value: number, time: number): BuoyObservation {
  return { kind: 'buoy-observation', deviceId, time, variable, value, unit: 'degC', depth: 0, sensorIndex: 0, qc: 1 };
}

function alert(id: number): Alert {
  return {
    id,
    type: 'zone_enter',
    severity: 'warning',
    status: 'open',
    dedupeKey: `zone_enter:1:v${id}`,
    vessel: `v${id}`,
    startTime: T0,
    endTime: T0,
    ongoing: true,
    occurrences: 1,
    evidenceCount: 1,
    createdAt: T0,
    updatedAt: T0,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

const roundOf = (feature: any) => (Date.parse(feature.properties.time) - T0) / 1000;

describe('live WebSocket: authentication at the upgrade', () => {
  beforeEach(() => start());

  it('refuses a connection without a token with 401 and says how to send one', async () => {
    const r = await refusal(`${base}${LIVE_PATH}`);
    expect(r.status).toBe(401);
    expect(r.body).toMatch(/Authorization: Bearer/);
    expect(r.challenge).toMatch(/^Bearer realm="tidewatch"/);
  });

  it('refuses an unknown token with 401', async () => {
    const r = await refusal(`${base}${LIVE_PATH}?token=tw_not-a-token`);
    expect(r).toMatchObject({ status: 401, body: expect.stringMatching(/not valid/) });
    expect(r.challenge).toMatch(/error="invalid_token"/);
  });

  it('refuses a device token with 403, naming the roles that may', async () => {
    const r = await refusal(`${base}${LIVE_PATH}`, { authorization: `Bearer ${tokens.device}` });
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/device role may not.*regulator, researcher, admin/);
    expect(r.challenge).toMatch(/error="insufficient_scope"/);
  });

  it('lets regulators, researchers and admins in, by header or by ?token=', async () => {
    await open(tokens.researcher);
    await open(tokens.admin);
    const ws = new WebSocket(`${base}${LIVE_PATH}?token=${tokens.regulator}`);
    clients.push(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(live.stats).toMatchObject({ accepted: 3, refused: 0, connections: 3 });
  });

  it('leaves upgrades to other paths to the server’s other listeners', async () => {
    server.on('upgrade', (req, socket) => {
      if (!req.url?.startsWith(LIVE_PATH)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    expect((await refusal(`${base}/api/v1/elsewhere`, { authorization: `Bearer ${tokens.regulator}` })).status).toBe(404);
    expect(live.stats.refused).toBe(0);
  });
});

describe('live WebSocket: subscriptions', () => {
  it('pushes positions as GeoJSON features like /positions/latest, one per vessel per batch', async () => {
    start({ batchMs: 150 });
    const client = await open();
    await subscribe(client, { positions: {} });
    bus.publish([fix('mmsi:412325670', 119.6, 35.35, T0), fix('mmsi:412440002', 119.44, 35.09, T0)]);
    bus.publish([fix('mmsi:412325670', 119.61, 35.36, T0 + 10_000)]);
    // Sources arrive out of order: an older fix must not replace a newer one.
    bus.publish([fix('mmsi:412325670', 119.5, 35.3, T0 + 5_000)]);
    const batch = await client.inbox.next((m) => m.type === 'positions');
    expect(batch.features).toHaveLength(2);
    const registered = batch.features.find((f: any) => f.id === '鲁日渔60123');
    expect(registered).toMatchObject({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [119.61, 35.36] },
      properties: { vessel: '鲁日渔60123', registered: true, mmsi: 412325670, hullName: '鲁日渔60123', time: new Date(T0 + 10_000).toISOString(), sog: 8.2, cog: 92.4, source: 'ais' },
    });
    expect(batch.features.find((f: any) => f.id === 'mmsi:412440002').properties).toMatchObject({ registered: false, mmsi: 412440002 });
    expect(live.stats.coalesced).toBe(2);
  });

  it('sends only positions inside the subscribed bbox, and a new subscription replaces it', async () => {
    start();
    const client = await open();
    await subscribe(client, { positions: { bbox: [119.5, 35.3, 119.7, 35.4] } });
    bus.publish([fix('mmsi:412325670', 119.6, 35.35, T0), fix('mmsi:412440002', 119.44, 35.09, T0)]);
    const inside = await client.inbox.next((m) => m.type === 'positions');
    expect(inside.features.map((f: any) => f.id)).toEqual(['鲁日渔60123']);

    await subscribe(client, { positions: {} });
    bus.publish([fix('mmsi:412440002', 119.44, 35.09, T0 + 1000)]);
    expect((await client.inbox.next((m) => m.type === 'positions')).features.map((f: any) => f.id)).toEqual(['mmsi:412440002']);
  });

  it('sends only what was subscribed: observations of the listed buoys, latest per series', async () => {
    start({ batchMs: 150 });
    const client = await open();
    await subscribe(client, { observations: { buoys: ['BUOY-RZ-007'] } });
    bus.publish([
      fix('mmsi:412325670', 119.6, 35.35, T0),
      observation('BUOY-RZ-007', 'sea_surface_temperature', 14.1, T0),
      observation('BUOY-RZ-007', 'sea_surface_temperature', 14.3, T0 + 600_000),
      observation('BUOY-RZ-007', 'sea_water_salinity', 31.2, T0),
      observation('BUOY-RZ-008', 'sea_surface_temperature', 15.0, T0),
    ]);
    const batch = await client.inbox.next((m) => m.type === 'observations');
    expect(batch.observations).toEqual([
      { deviceId: 'BUOY-RZ-007', time: new Date(T0 + 600_000).toISOString(), variable: 'sea_surface_temperature', value: 14.3, unit: 'degC', depth: 0, sensorIndex: 0, qc: 1 },
      { deviceId: 'BUOY-RZ-007', time: new Date(T0).toISOString(), variable: 'sea_water_salinity', value: 31.2, unit: 'degC', depth: 0, sensorIndex: 0, qc: 1 },
    ]);
    await sleep(300);
    expect(client.inbox.drain()).toEqual([]);
  });

  it('pushes alert changes to clients that subscribed to alerts, times in ISO 8601', async () => {
    const alerts = new TestAlertFeed();
    start({ alerts });
    const watching = await open();
    const notWatching = await open();
    await subscribe(watching, { alerts: true });
    await subscribe(notWatching, { positions: {} });
    alerts.emit({ change: 'raised', alert: alert(7) });
    const pushed = await watching.inbox.next((m) => m.type === 'alert');
    expect(pushed).toMatchObject({ type: 'alert', change: 'raised', alert: { id: 7, type: 'zone_enter', vessel: 'v7', startTime: new Date(T0).toISOString() } });
    await sleep(100);
    expect(notWatching.inbox.drain()).toEqual([]);
  });

  it.each([
    ['not JSON', 'hello', /not JSON/],
    ['an unknown kind of data', '{"subscribe": {"ships": true}}', /ships/],
    ['a bbox of three numbers', '{"subscribe": {"positions": {"bbox": [119, 35, 120]}}}', /subscribe\.positions\.bbox/],
    ['a bbox upside down', '{"subscribe": {"positions": {"bbox": [120, 35, 119, 36]}}}', /minimum is greater than its maximum/],
    ['a latitude out of range', '{"subscribe": {"positions": {"bbox": [119, -95, 120, 36]}}}', /latitude must be -90..90/],
    ['alerts as a string', '{"subscribe": {"alerts": "yes"}}', /subscribe\.alerts/],
    ['no subscribe key', '{"positions": {}}', /subscribe/],
  ])('answers %s with an error message and keeps the connection', async (_what, text, message) => {
    start();
    const client = await open();
    client.ws.send(text);
    const reply = await client.inbox.next();
    expect(reply).toEqual({ error: { code: 'bad_message', message: expect.stringMatching(message) } });
    expect(reply.error.message).toContain('send e.g. {"subscribe"');
    await subscribe(client, { positions: {} });
    expect(live.stats.badMessages).toBe(1);
  });

  it('answers a binary message with an error', async () => {
    start();
    const client = await open();
    client.ws.send(Buffer.from([1, 2, 3]));
    expect((await client.inbox.next()).error.message).toMatch(/binary messages are not understood/);
  });
});

describe('live WebSocket: slow clients', () => {
  const FLEET = 1000;
  const fleetRound = (round: number) => Array.from({ length: FLEET }, (_, i) => fix(`mmsi:41200${String(i).padStart(4, '0')}`, 119 + i / 2000, 35, T0 + round * 1000));

  /** Publishes fleet rounds until the client's unsent data is over the high-water mark; returns the last round published. */
  async function congest(): Promise<number> {
    for (let round = 0; round < 2000; round++) {
      bus.publish(fleetRound(round));
      await sleep(BATCH_MS + 5);
      if (live.stats.congested === 1) return round;
    }
    throw new Error('the paused client never held the server back');
  }

  it('a paused client is sent only the latest position per vessel, and what waits for it stays bounded', async () => {
    start({ highWaterBytes: 64 * 1024 });
    const client = await open();
    await subscribe(client, { positions: {} });
    client.ws.pause();
    const congestedAt = await congest();

    const coalescedBefore = live.stats.coalesced;
    const rounds = 50;
    let maxPending = 0;
    for (let round = congestedAt + 1; round <= congestedAt + rounds; round++) {
      bus.publish(fleetRound(round));
      await sleep(5);
      maxPending = Math.max(maxPending, live.stats.pendingPositions);
    }
    const last = congestedAt + rounds;
    expect(maxPending).toBe(FLEET);
    expect(live.stats.pendingPositions).toBe(FLEET);
    expect(live.stats.coalesced - coalescedBefore).toBeGreaterThanOrEqual((rounds - 1) * FLEET);

    client.ws.resume();
    const latest = new Map<string, number>();
    const roundsSeen = new Set<number>();
    for (;;) {
      const batch = await client.inbox.next((m) => m.type === 'positions', 20_000);
      for (const f of batch.features) {
        latest.set(f.id, roundOf(f));
        roundsSeen.add(roundOf(f));
      }
      if (batch.features.some((f: any) => roundOf(f) === last)) break;
    }
    await sleep(5 * BATCH_MS);
    expect(client.inbox.drain()).toEqual([]);
    // What was already in the socket buffers arrives; of the rounds published while it was held back, only the last.
    expect([...roundsSeen].filter((r) => r > congestedAt)).toEqual([last]);
    expect(latest.size).toBe(FLEET);
    expect([...latest.values()].every((r) => r === last)).toBe(true);
    expect(live.stats).toMatchObject({ congested: 0, pendingPositions: 0 });
  });

  it('keeps at most maxPendingAlerts alerts for a paused client and tells it how many were dropped', async () => {
    const alerts = new TestAlertFeed();
    start({ highWaterBytes: 64 * 1024, maxPendingAlerts: 100, alerts });
    const client = await open();
    await subscribe(client, { positions: {}, alerts: true });
    client.ws.pause();
    await congest();
    for (let id = 0; id < 250; id++) alerts.emit({ change: 'raised', alert: alert(id) });
    expect(live.stats).toMatchObject({ pendingAlerts: 100, droppedAlerts: 150 });

    client.ws.resume();
    const dropped = await client.inbox.next((m) => m.type === 'alerts_dropped', 20_000);
    expect(dropped).toMatchObject({ count: 150, message: expect.stringMatching(/GET \/api\/v1\/alerts/) });
    const ids: number[] = [];
    while (ids.length < 100) ids.push((await client.inbox.next((m) => m.type === 'alert')).alert.id);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => 150 + i));
  });
});

describe('live WebSocket: connection upkeep', () => {
  it('drops a client that stops answering pings', async () => {
    start({ heartbeatMs: 50 });
    const { ws } = await open(tokens.regulator, { autoPong: false });
    const code = await new Promise<number>((resolve) => ws.once('close', resolve));
    expect(code).toBe(1006);
    await until(() => live.stats.connections === 0);
  });

  it('closes connections with 1001 when the endpoint closes', async () => {
    start();
    const { ws } = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    await live.close();
    expect(await closed).toBe(1001);
  });

  it('reports connections and pending positions on /metrics', async () => {
    const metrics = new GatewayMetrics();
    start({ metrics });
    await open();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^tidewatch_live_connections 1$/m);
    expect(text).toMatch(/^tidewatch_live_pending_positions 0$/m);
  });
});
