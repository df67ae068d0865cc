import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../core/log.js';
import type { AlertChange } from '../gateway/alerts/model.js';
import type { TokenIdentity } from '../gateway/auth/tokens.js';
import { READERS } from './auth.js';
import type { ConfigDb } from '../gateway/configdb/database.js';
import type { GatewayMetrics } from '../gateway/metrics.js';
import type { LiveBus } from '../gateway/pipeline/live-bus.js';
import type { Vessel, VesselRegistry } from '../gateway/registry/registry.js';
import { formatPeer } from '../gateway/transports/peers.js';
import { alertMessage, alertsDroppedMessage, badMessageReply, observationsMessage, parseClientMessage, positionsMessage, SUBSCRIBE_EXAMPLE, subscribedReply } from './live/protocol.js';
import { LiveSubscriber, type LiveCounters } from './live/subscriber.js';
import { authorizeUpgrade, closeGoingAway, isRefusal, refuseUpgrade } from './live/upgrade.js';
import type { OpenApiPaths } from './openapi.js';
import { fixFeature, POSITION_UNITS } from './routes/positions.js';

/**
 * The live WebSocket (GET /api/v1/live): what the map and dashboards watch. Records come from the
 * live bus once durable and alerts from the alert store; each connection gets only what it
 * subscribed to. Updates are gathered for a short window and sent as one batch; a connection that
 * reads slowly keeps at most the latest position per vessel waiting, never a growing queue.
 */

export const LIVE_PATH = '/api/v1/live';

/** The roles that read the REST API read the live feed too. */

const DEFAULT_BATCH_MS = 250;
/** Unsent bytes past which a connection gets nothing new until it has read what it has. */
const DEFAULT_HIGH_WATER_BYTES = 256 * 1024;
const DEFAULT_MAX_PENDING_ALERTS = 100;
const DEFAULT_HEARTBEAT_MS = 30_000;
/** Client messages are subscriptions: small. */
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/** Alert changes as the alert store reports them. */
export interface AlertFeed {
  onChange(listener: (change: AlertChange) => void): () => void;
}

export interface LiveOptions {
  /** Tokens are checked at the upgrade. */
  db: ConfigDb;
  bus: Pick<LiveBus, 'subscribe'>;
  /** Vessel identities for the position features. */
  registry: Pick<VesselRegistry, 'get'>;
  alerts?: AlertFeed;
  logger: Logger;
  /** Adds live gauges (connections, pending positions, dropped alerts) to /metrics. */
  metrics?: Pick<GatewayMetrics, 'gauge'>;
  /** Upgrade path served; upgrades for other paths are left to the server's other 'upgrade' listeners. */
  path?: string;
  /** How long updates are gathered before a batch goes out; default 250 ms. */
  batchMs?: number;
  /** A connection with more unsent bytes than this gets nothing new until it reads; default 256 KiB. */
  highWaterBytes?: number;
  /** Alerts that may wait for a slow connection before the oldest are dropped; default 100. */
  maxPendingAlerts?: number;
  /** Ping interval; a client that has not answered one ping by the next is dropped. Default 30 s. */
  heartbeatMs?: number;
}

export interface LiveStats extends LiveCounters {
  accepted: number;
  refused: number;
  /** Client messages answered with an error. */
  badMessages: number;
  connections: number;
  /** Connections over the high-water mark of unsent bytes right now. */
  congested: number;
  /** Waiting to be sent, summed over connections. */
  pendingPositions: number;
  pendingObservations: number;
  pendingAlerts: number;
}

export interface LiveEndpoint {
  /** A snapshot. */
  readonly stats: LiveStats;
  /** Stops taking upgrades and closes open connections (1001, going away). */
  close(): Promise<void>;
}

interface Connection {
  peer: string;
  subscriber: LiveSubscriber;
  /** A ping went out and no pong has come back yet. */
  awaitingPong: boolean;
}

/**
 * Serves the live WebSocket on `server` at `path`: registers an 'upgrade' listener that ignores
 * other paths, so it sits beside the ingest WebSocket on the same server.
 */
export function attachLive(server: Server, opts: LiveOptions): LiveEndpoint {
  const path = opts.path ?? LIVE_PATH;
  const logger = opts.logger.child({ component: 'live' });
  const highWater = opts.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES;
  const maxPendingAlerts = opts.maxPendingAlerts ?? DEFAULT_MAX_PENDING_ALERTS;
  const counters = { accepted: 0, refused: 0, badMessages: 0, coalesced: 0, droppedAlerts: 0 };
  const connections = new Map<WebSocket, Connection>();
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });
  const congested = (ws: WebSocket) => ws.bufferedAmount >= highWater;

  const onConnection = (ws: WebSocket, identity: TokenIdentity, peer: string) => {
    counters.accepted++;
    const conn: Connection = { peer, subscriber: new LiveSubscriber(maxPendingAlerts, counters), awaitingPong: false };
    connections.set(ws, conn);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const result = isBinary ? { problem: `binary messages are not understood; send JSON text, e.g. ${SUBSCRIBE_EXAMPLE}` } : parseClientMessage(data.toString('utf8'));
      if ('problem' in result) {
        counters.badMessages++;
        ws.send(badMessageReply(result.problem));
      } else {
        conn.subscriber.subscribe(result.subscription);
        ws.send(subscribedReply(result.subscription));
      }
      // Replies would pile up for a client that sends but does not read: stop reading it until it does.
      if (congested(ws)) ws.pause();
    });
    ws.on('pong', () => {
      conn.awaitingPong = false;
    });
    // Protocol errors (oversized message, bad framing): ws has already chosen the close code and closes.
    ws.on('error', (err) => logger.warn('closing live connection: WebSocket protocol error', { peer, err }));
    ws.on('close', (code, reason) => {
      connections.delete(ws);
      logger.info('live client disconnected', { peer, token: identity.name, code, reason: reason.toString() });
    });
    logger.info('live client connected', { peer, token: identity.name, role: identity.role });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== path) return;
    const peer = formatPeer(req.socket.remoteAddress, req.socket.remotePort);
    const identity = authorizeUpgrade(req, opts.db, READERS, logger);
    if (isRefusal(identity)) {
      counters.refused++;
      logger.info('refused live WebSocket', { peer, status: identity.status, reason: identity.reason });
      return refuseUpgrade(socket, identity, logger);
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, identity, peer));
  };

  /** Sends each connection that is keeping up what it is due. */
  const flush = () => {
    const now = Date.now();
    // Connections mostly watch the same vessels: look each up once per batch.
    const vessels = new Map<string, Vessel | undefined>();
    const vessel = (id: string) => (vessels.has(id) ? vessels.get(id) : vessels.set(id, opts.registry.get(id)).get(id));
    for (const [ws, conn] of connections) {
      if (ws.readyState !== WebSocket.OPEN || congested(ws)) continue;
      if (ws.isPaused) ws.resume();
      const batch = conn.subscriber.take();
      if (!batch) continue;
      if (batch.droppedAlerts > 0) ws.send(alertsDroppedMessage(batch.droppedAlerts));
      for (const change of batch.alerts) ws.send(alertMessage(change));
      if (batch.positions.length > 0) ws.send(positionsMessage(batch.positions.map((fix) => fixFeature(fix, vessel(fix.vessel ?? fix.key), now))));
      if (batch.observations.length > 0) ws.send(observationsMessage(batch.observations));
    }
  };
  const ticker = setInterval(() => {
    try {
      flush();
    } catch (err) {
      // A registry read failing (config database fault) costs this batch, not the process.
      logger.error('could not send live updates', { err });
    }
  }, opts.batchMs ?? DEFAULT_BATCH_MS);
  ticker.unref();

  const heartbeat = setInterval(() => {
    for (const [ws, conn] of connections) {
      // Also drops clients that stopped reading altogether: their pong waits behind what they have not read.
      if (conn.awaitingPong) {
        logger.info('dropping a live client that stopped answering pings', { peer: conn.peer });
        ws.terminate();
        continue;
      }
      conn.awaitingPong = true;
      ws.ping();
    }
  }, opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();

  const unsubscribeBus = opts.bus.subscribe((records) => {
    for (const conn of connections.values()) conn.subscriber.offerRecords(records);
  });
  const unsubscribeAlerts = opts.alerts?.onChange((change) => {
    for (const conn of connections.values()) conn.subscriber.offerAlert(change);
  });

  const stats = (): LiveStats => {
    const s = { ...counters, connections: connections.size, congested: 0, pendingPositions: 0, pendingObservations: 0, pendingAlerts: 0 };
    for (const [ws, conn] of connections) {
      const pending = conn.subscriber.pending;
      s.pendingPositions += pending.positions;
      s.pendingObservations += pending.observations;
      s.pendingAlerts += pending.alerts;
      if (congested(ws)) s.congested++;
    }
    return s;
  };
  opts.metrics?.gauge('tidewatch_live_connections', 'Open live WebSocket connections', () => connections.size);
  opts.metrics?.gauge('tidewatch_live_congested_connections', 'Live connections not keeping up (unsent bytes over the high-water mark)', () => stats().congested);
  opts.metrics?.gauge('tidewatch_live_pending_positions', 'Positions waiting for live connections (at most one per vessel per connection)', () => stats().pendingPositions);
  opts.metrics?.gauge('tidewatch_live_dropped_alerts', 'Alert updates not sent to live connections that read too slowly, since start', () => counters.droppedAlerts);

  server.on('upgrade', onUpgrade);

  return {
    get stats() {
      return stats();
    },
    close: async () => {
      server.off('upgrade', onUpgrade);
      clearInterval(ticker);
      clearInterval(heartbeat);
      unsubscribeBus();
      unsubscribeAlerts?.();
      await Promise.all([...connections.keys()].map((ws) => closeGoingAway(ws, 'Tidewatch is shutting down')));
    },
  };
}

export const livePaths: OpenApiPaths = {
  [LIVE_PATH]: {
    get: {
      tags: ['live'],
      summary: 'Live positions, alerts and buoy observations (WebSocket)',
      description: `A WebSocket (RFC 6455): connect with \`Upgrade: websocket\`; the token is checked before the upgrade (401, 403 with a reason as text). Browsers, which cannot set headers on a WebSocket, pass \`?token=\`.

Send one JSON text message to subscribe; another replaces it. All parts are optional:
\`${SUBSCRIBE_EXAMPLE}\`
- \`positions\`: every vessel, or those inside \`bbox\` = [minLon, minLat, maxLon, maxLat] in degrees.
- \`alerts\`: \`true\` for every alert change.
- \`observations\`: every buoy, or those in \`buoys\` (device ids).

The server answers \`{"type": "subscribed", "subscription": …}\`, or \`{"error": {"code": "bad_message", "message": …}}\` for a message it cannot use (the connection stays open). Then it pushes, batched every ${DEFAULT_BATCH_MS} ms:
- \`{"type": "positions", "features": [GeoJSON Point features]}\`: as GET /api/v1/positions/latest gives them: \`sog\` ${POSITION_UNITS.sog}, \`cog\` and \`heading\` ${POSITION_UNITS.cog}, \`age\` ${POSITION_UNITS.age}, coordinates [lon, lat] in degrees.
- \`{"type": "alert", "change": "raised"|"updated"|"resolved"|"acknowledged"|"closed", "alert": {…}}\`: times ISO 8601.
- \`{"type": "observations", "observations": [{deviceId, time, variable, value, unit, depth, sensorIndex, qc}]}\`: \`value\` in \`unit\`, \`depth\` in m, \`qc\` a QARTOD flag.
- \`{"type": "alerts_dropped", "count": n}\`: n alert changes were not sent because the connection read too slowly; fetch the current alerts.

A client that reads slowly is sent only the latest position per vessel and the latest value per buoy series when it catches up, never a backlog. The server pings every ${DEFAULT_HEARTBEAT_MS / 1000} s and drops a client that has not answered by the next ping.`,
      responses: {
        101: { description: 'Switching Protocols: the WebSocket is open' },
        // Refusals come before any WebSocket exists: a plain HTTP answer with the reason as text.
        401: { description: 'No token, or one that is unknown or revoked; the reason as text', content: { 'text/plain': { schema: { type: 'string' } } } },
        403: { description: 'The token’s role may not read (device tokens only send data); the reason as text', content: { 'text/plain': { schema: { type: 'string' } } } },
        503: { description: 'Tokens cannot be checked right now; retry shortly', content: { 'text/plain': { schema: { type: 'string' } } } },
      },
      'x-codeSamples': [
        {
          lang: 'javascript',
          label: 'browser',
          source: `const ws = new WebSocket(\`ws://\${location.host}${LIVE_PATH}?token=\${token}\`);
ws.onopen = () => ws.send(JSON.stringify({ subscribe: { positions: { bbox: [119.2, 34.9, 119.9, 35.6] }, alerts: true } }));
ws.onmessage = (e) => console.log(JSON.parse(e.data));`,
        },
      ],
    },
  },
};
