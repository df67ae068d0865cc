import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../core/log.js';
import { bearerToken, verifyToken, type TokenIdentity } from '../auth/tokens.js';
import type { ConfigDb } from '../configdb/database.js';
import type { IngestSink, IngestSource } from '../pipeline/types.js';
import { DEFAULT_MAX_QUEUED, IngestFeed, SinkGate, newTransportStats, splitLines, type TransportStats } from './ingest-feed.js';
import { formatPeer } from './peers.js';

/**
 * Devices send over one WebSocket on the HTTP server: text messages are NMEA/RDSS lines, binary
 * messages are protobuf Envelopes answered with an Ack. The token is checked at the upgrade, so a
 * refused device gets an HTTP status it can log instead of a connection that opens and drops.
 */

export interface WsIngestOptions {
  db: ConfigDb;
  sink: IngestSink;
  logger: Logger;
  /** Upgrade path served; upgrades for other paths are left to the server's other 'upgrade' listeners. */
  path?: string;
  /** Largest message in bytes; a bigger one closes the connection with 1009 (message too big). */
  maxPayload?: number;
  /** Ping interval; a peer that has not answered one ping by the next is dropped. */
  heartbeatMs?: number;
  /** Messages that may wait behind the one being ingested before the connection is paused; default 32. */
  maxQueued?: number;
}

export interface WsIngest {
  readonly stats: TransportStats;
  /** Open ingest connections. */
  readonly connections: number;
  /** Stops taking upgrades and closes open connections (1001, going away). */
  close(): Promise<void>;
}

const INGEST_ROLES: ReadonlySet<string> = new Set(['device', 'admin']);
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const DEFAULT_HEARTBEAT_MS = 30_000;
/** How long a closing peer gets to answer the close handshake at shutdown before it is cut off. */
const CLOSE_GRACE_MS = 2_000;

interface Connection {
  peer: string;
  /** A ping went out and no pong has come back yet. */
  awaitingPong: boolean;
}

/**
 * Serves WebSocket ingest on `server` at `path`. Registers an 'upgrade' listener that ignores
 * other paths: whoever owns the server answers those (the API's live WebSocket, or a 404).
 */
export function attachWsIngest(server: Server, opts: WsIngestOptions): WsIngest {
  const path = opts.path ?? '/ingest';
  const logger = opts.logger.child({ component: 'ws-ingest' });
  const maxQueued = opts.maxQueued ?? DEFAULT_MAX_QUEUED;
  const gate = new SinkGate(opts.sink);
  const stats = newTransportStats();
  const connections = new Map<WebSocket, Connection>();
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: opts.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    // Text messages carry GBK bytes (Beidou short messages), which are not UTF-8: they are read as latin1.
    skipUTF8Validation: true,
    perMessageDeflate: false,
  });

  const onConnection = (ws: WebSocket, identity: TokenIdentity, peer: string) => {
    stats.accepted++;
    connections.set(ws, { peer, awaitingPong: false });
    const source: IngestSource = { transport: 'ws', peer, device: identity.name, station: identity.name };
    const feed = new IngestFeed({
      gate,
      source,
      logger,
      stats,
      maxQueued,
      throttle: ws,
      onAck: (ack) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(ack, { binary: true });
      },
    });
    // The default binaryType delivers every message as one Buffer.
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) feed.pushFrame(data);
      else feed.pushLines(splitLines(data));
    });
    ws.on('pong', () => {
      const conn = connections.get(ws);
      if (conn) conn.awaitingPong = false;
    });
    // Protocol errors (oversized message, bad framing): ws has already chosen the close code and closes.
    ws.on('error', (err) => {
      stats.protocolErrors++;
      logger.warn('closing connection: WebSocket protocol error', { peer, device: identity.name, err });
    });
    ws.on('close', (code, reason) => {
      connections.delete(ws);
      logger.info('device disconnected', { peer, device: identity.name, code, reason: reason.toString() });
    });
    logger.info('device connected', { peer, device: identity.name });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== path) return;
    const peer = formatPeer(req.socket.remoteAddress, req.socket.remotePort);
    const token = bearerToken(req);
    if (token === undefined) {
      return refuse(socket, 401, 'missing token: send "Authorization: Bearer <token>" or ?token=<token> with a device token', peer);
    }
    let identity: TokenIdentity | undefined;
    try {
      identity = verifyToken(opts.db, token);
    } catch (err) {
      // A config database fault must not take the gateway down; the device retries.
      logger.error('could not check a token', { peer, err });
      return refuse(socket, 503, 'cannot check tokens right now; try again shortly', peer);
    }
    if (!identity) return refuse(socket, 401, 'unknown or revoked token', peer, 'invalid_token');
    if (!INGEST_ROLES.has(identity.role)) {
      const reason = `token "${identity.name}" has role ${identity.role}; sending data needs a device (or admin) token`;
      return refuse(socket, 403, reason, peer, 'insufficient_scope');
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, identity, peer));
  };

  const refuse = (socket: Duplex, status: 401 | 403 | 503, reason: string, peer: string, error?: string) => {
    stats.refused++;
    logger.info('refused WebSocket ingest', { peer, status, reason });
    const challenge = status === 503 ? '' : `WWW-Authenticate: Bearer realm="tidewatch"${error ? `, error="${error}"` : ''}\r\n`;
    const body = `${reason}\n`;
    socket.on('error', (err) => logger.debug('error while refusing a connection', { peer, err }));
    socket.once('finish', () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n${challenge}\r\n${body}`,
    );
  };

  const heartbeat = setInterval(() => {
    for (const [ws, conn] of connections) {
      // A paused connection is not read, so its pong cannot arrive: give it a fresh interval after resuming.
      if (ws.isPaused) {
        conn.awaitingPong = false;
        continue;
      }
      if (conn.awaitingPong) {
        stats.protocolErrors++;
        logger.warn('dropping a device that stopped answering pings', { peer: conn.peer });
        ws.terminate();
        continue;
      }
      conn.awaitingPong = true;
      ws.ping();
    }
  }, opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();

  server.on('upgrade', onUpgrade);

  return {
    stats,
    get connections() {
      return connections.size;
    },
    close: async () => {
      server.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      await Promise.all([...connections.keys()].map(closeGracefully));
    },
  };
}

function closeGracefully(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const cutOff = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    ws.once('close', () => {
      clearTimeout(cutOff);
      resolve();
    });
    ws.close(1001, 'Tidewatch is shutting down');
  });
}
