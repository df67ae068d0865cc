import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Logger } from '../../core/log.js';
import { LineSplitter } from '../decoders/nmea/line-splitter.js';
import type { IngestSink, IngestSource } from '../pipeline/types.js';
import { DEFAULT_MAX_QUEUED, IngestFeed, SinkGate, newTransportStats, type TransportStats } from './ingest-feed.js';
import { whenListening } from './listen.js';
import { createPeerFilter, formatPeer, normaliseAddress, refusalLogger } from './peers.js';

/**
 * NMEA 0183 over TCP (and UDP, see nmea-udp.ts): shore AIS stations and receivers that stream
 * lines. These carry no token, so only loopback and allow-listed addresses may send.
 */

export interface NmeaListenerOptions {
  /** Address to bind (TIDEWATCH_NMEA_HOST, loopback by default). */
  host: string;
  /**
   * Port to bind. 0 here means "any free port" (tests read it back from `address()`); the
   * configuration's "0 turns the listeners off" is decided by the caller, which then does not start them.
   */
  port: number;
  /** Remote addresses allowed besides loopback (TIDEWATCH_NMEA_ALLOW). */
  allow: readonly string[];
  sink: IngestSink;
  logger: Logger;
  /** Chunks (TCP) or datagrams (UDP) that may wait behind the one being ingested; default 32. */
  maxQueued?: number;
  /** Longest accepted line in bytes (TCP); longer ones are reported and skipped. Default 64 KiB. */
  maxLineBytes?: number;
}

export interface NmeaListener {
  address(): AddressInfo;
  readonly stats: TransportStats;
  /** Stops listening and drops open connections; lines already read are still ingested. */
  close(): Promise<void>;
}

const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
/** Probes an idle station's connection so that a vanished peer does not hold it open forever. */
const KEEPALIVE_MS = 60_000;

export async function startNmeaTcp(opts: NmeaListenerOptions): Promise<NmeaListener> {
  const { host, port, sink } = opts;
  const maxQueued = opts.maxQueued ?? DEFAULT_MAX_QUEUED;
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const logger = opts.logger.child({ component: 'nmea-tcp' });
  const isAllowed = createPeerFilter(opts.allow);
  const logRefusal = refusalLogger(logger, 'NMEA TCP connection');
  const gate = new SinkGate(sink);
  const stats = newTransportStats();
  const sockets = new Set<Socket>();

  const onConnection = (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (!isAllowed(address)) {
      stats.refused++;
      logRefusal(address);
      socket.destroy();
      return;
    }
    stats.accepted++;
    sockets.add(socket);
    const peer = formatPeer(address, socket.remotePort);
    const source: IngestSource = { transport: 'tcp', peer, station: `tcp:${normaliseAddress(address)}` };
    const feed = new IngestFeed({ gate, source, logger, stats, maxQueued, throttle: socket });
    // Lines of one chunk go to the pipeline as one batch.
    let batch: string[] = [];
    const splitter = new LineSplitter(
      (line) => {
        if (line !== '') batch.push(line);
      },
      (bytes) => {
        stats.overlong++;
        logger.warn(`skipped a line of ${bytes}+ bytes (limit ${maxLineBytes}); reading on from its end`, { peer });
      },
      maxLineBytes,
    );
    const flush = () => {
      if (batch.length === 0) return;
      feed.pushLines(batch);
      batch = [];
    };
    socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      flush();
    });
    socket.on('end', () => {
      splitter.end();
      flush();
    });
    socket.on('error', (err) => logger.debug('connection error', { peer, err }));
    socket.on('close', () => {
      sockets.delete(socket);
      logger.debug('station disconnected', { peer });
    });
    logger.debug('station connected', { peer });
  };

  const server = createServer(onConnection);
  server.listen(port, host);
  await whenListening(server, 'NMEA TCP', host, port);
  // Accept failures (e.g. out of file descriptors) must not crash the gateway.
  server.on('error', (err) => logger.error('NMEA TCP listener error', { err }));
  logger.info('listening for NMEA over TCP', { address: server.address() });

  return {
    address: () => server.address() as AddressInfo,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
