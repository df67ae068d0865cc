import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { DEFAULT_MAX_QUEUED, IngestFeed, SinkGate, newTransportStats, splitLines } from './ingest-feed.js';
import { whenListening } from './listen.js';
import type { NmeaListener, NmeaListenerOptions } from './nmea-tcp.js';
import { createPeerFilter, formatPeer, normaliseAddress, refusalLogger } from './peers.js';

/**
 * NMEA 0183 over UDP: each datagram holds one or more lines (the usual AIS-receiver broadcast).
 * UDP senders cannot be slowed down, so while the pipeline is saturated a sender's queue fills and
 * further datagrams are dropped and counted, as the network itself would.
 */
export async function startNmeaUdp(opts: NmeaListenerOptions): Promise<NmeaListener> {
  const { host, port, sink } = opts;
  const maxQueued = opts.maxQueued ?? DEFAULT_MAX_QUEUED;
  const logger = opts.logger.child({ component: 'nmea-udp' });
  const isAllowed = createPeerFilter(opts.allow);
  const logRefusal = refusalLogger(logger, 'NMEA UDP datagrams');
  const gate = new SinkGate(sink);
  const stats = newTransportStats();
  // One ordered feed per sending address while it has data in flight; forgotten when idle.
  const feeds = new Map<string, IngestFeed>();

  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  socket.on('message', (datagram, remote) => {
    if (!isAllowed(remote.address)) {
      stats.refused++;
      logRefusal(remote.address);
      return;
    }
    stats.accepted++;
    const lines = splitLines(datagram);
    if (lines.length === 0) return;
    const address = normaliseAddress(remote.address);
    let feed = feeds.get(address);
    if (!feed) {
      feed = new IngestFeed({
        gate,
        source: { transport: 'udp', peer: formatPeer(address, remote.port), station: `udp:${address}` },
        logger,
        stats,
        maxQueued,
        onIdle: () => feeds.delete(address),
      });
      feeds.set(address, feed);
    }
    feed.pushLines(lines);
  });
  socket.bind(port, host);
  await whenListening(socket, 'NMEA UDP', host, port);
  socket.on('error', (err) => logger.error('NMEA UDP socket error', { err }));
  logger.info('listening for NMEA over UDP', { address: socket.address() });

  return {
    address: () => socket.address(),
    stats,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
