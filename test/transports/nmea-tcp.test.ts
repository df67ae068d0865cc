import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { startNmeaTcp, type NmeaListener, type NmeaListenerOptions } from '../../gateway/transports/nmea-tcp.js';
import { RecordingSink, deferred, externalIPv4, senderHeldBack, sleep } from './helpers.js';

const listeners: NmeaListener[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function start(sink: RecordingSink, opts: Partial<NmeaListenerOptions> = {}): Promise<NmeaListener> {
  const listener = await startNmeaTcp({ host: '127.0.0.1', port: 0, allow: [], sink, logger: silentLogger, ...opts });
  listeners.push(listener);
  return listener;
}

function dial(listener: NmeaListener, opts: { host?: string; localAddress?: string } = {}): Promise<Socket> {
  const socket = connect({ host: opts.host ?? '127.0.0.1', port: listener.address().port, localAddress: opts.localAddress });
  socket.setNoDelay(true);
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('NMEA over TCP', () => {
  it('joins lines split across packets, strips CRLF and names the station by address', async () => {
    const sink = new RecordingSink();
    const listener = await start(sink);
    const socket = await dial(listener);
    for (const part of ['!AIVDM,1,1,,A,13u?etPv2;0n', ':dDPwUM1U1Cb069D,0*24\r', '\n$GNRMC,015107.00,A*4C\r\n!AIVD', 'M,2*00\n']) {
      socket.write(part);
      await sleep(15);
    }
    await vi.waitFor(() => expect(sink.lines).toHaveLength(3));
    expect(sink.lines).toEqual(['!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24', '$GNRMC,015107.00,A*4C', '!AIVDM,2*00']);
    expect(sink.calls[0].source).toEqual({ transport: 'tcp', peer: `127.0.0.1:${socket.localPort}`, station: 'tcp:127.0.0.1' });
    expect(listener.stats.accepted).toBe(1);
  });

  it('takes a last line without a newline when the station hangs up', async () => {
    const sink = new RecordingSink();
    const socket = await dial(await start(sink));
    socket.end('$GPGGA,first*00\n$GPGGA,last*00');
    await vi.waitFor(() => expect(sink.lines).toEqual(['$GPGGA,first*00', '$GPGGA,last*00']));
  });

  it('keeps each of many connections in order', async () => {
    const sink = new RecordingSink();
    const listener = await start(sink);
    const conns = await Promise.all(Array.from({ length: 20 }, () => dial(listener)));
    conns.forEach((socket, c) => {
      for (let i = 0; i < 50; i++) socket.write(`$C${c},${i}*00\r\n`);
    });
    await vi.waitFor(() => expect(sink.lines).toHaveLength(1000));
    for (let c = 0; c < 20; c++) {
      const own = sink.lines.filter((l) => l.startsWith(`$C${c},`));
      expect(own).toEqual(Array.from({ length: 50 }, (_, i) => `$C${c},${i}*00`));
    }
    const peers = new Set(sink.calls.map((call) => call.source.peer));
    expect(peers.size).toBe(20);
  });

  it('skips an overlong line, reports it, and reads the next good line', async () => {
    const sink = new RecordingSink();
    const listener = await start(sink, { maxLineBytes: 100 });
    const socket = await dial(listener);
    socket.write('$GOOD,1*00\n' + 'X'.repeat(150));
    await sleep(15);
    socket.write('X'.repeat(150));
    await sleep(15);
    socket.write('XX\n$GOOD,2*00\n' + 'Y'.repeat(120) + '\n$GOOD,3*00\n');
    await vi.waitFor(() => expect(sink.lines).toEqual(['$GOOD,1*00', '$GOOD,2*00', '$GOOD,3*00']));
    expect(listener.stats.overlong).toBe(2);
  });

  it('carries on after the sink fails', async () => {
    const sink = new RecordingSink();
    sink.answerLines = () => Promise.reject(new Error('store down'));
    const listener = await start(sink);
    const socket = await dial(listener);
    socket.write('$A*00\n');
    await vi.waitFor(() => expect(listener.stats.sinkErrors).toBe(1));
    sink.answerLines = async () => {};
    socket.write('$B*00\n');
    await vi.waitFor(() => expect(sink.lines).toEqual(['$A*00', '$B*00']));
  });

  it('stops reading while the sink is saturated, and loses nothing', async () => {
    const sink = new RecordingSink();
    const socket = await dial(await start(sink));
    sink.saturated = true;
    const count = 200_000; // ~10 MiB: more than the socket buffers hold
    const text = Array.from({ length: count }, (_, i) => `$GPTXT,${String(i).padStart(8, '0')},held back*00\r\n`).join('');
    socket.write(text);
    expect(await senderHeldBack(() => socket.writableLength)).toBe(true);
    expect(sink.calls).toEqual([]);
    sink.drain();
    await vi.waitFor(() => expect(sink.lines).toHaveLength(count), { timeout: 20_000 });
    expect(sink.lines.every((l, i) => l === `$GPTXT,${String(i).padStart(8, '0')},held back*00`)).toBe(true);
  });

  it('bounds the work waiting behind a slow sink', async () => {
    const sink = new RecordingSink();
    const slow = deferred<void>();
    sink.answerLines = () => slow.promise;
    const socket = await dial(await start(sink, { maxQueued: 2 }));
    socket.write('$FIRST*00\n');
    await vi.waitFor(() => expect(sink.calls).toHaveLength(1));
    socket.write('$GPTXT,more*00\n'.repeat(1_000_000));
    expect(await senderHeldBack(() => socket.writableLength)).toBe(true);
    sink.answerLines = async () => {};
    slow.resolve();
    await vi.waitFor(() => expect(sink.lines).toHaveLength(1_000_001), { timeout: 20_000 });
  });

  it('reports a port in use with what to do', async () => {
    const first = await start(new RecordingSink());
    await expect(start(new RecordingSink(), { port: first.address().port })).rejects.toThrow(
      /cannot listen for NMEA TCP on 127\.0\.0\.1:\d+: the port is already in use/,
    );
  });

  it('refuses to start with an allow-list entry that is not an address', async () => {
    await expect(start(new RecordingSink(), { allow: ['shore-1'] })).rejects.toThrow(/TIDEWATCH_NMEA_ALLOW entry "shore-1"/);
  });

  const external = externalIPv4();
  it.skipIf(!external)('refuses a real non-loopback peer unless it is allowed', async () => {
    const sink = new RecordingSink();
    const closedOn = (s: Socket) => new Promise<void>((resolve) => s.once('close', () => resolve()));
    const refusing = await start(sink, { host: '0.0.0.0' });
    const outsider = await dial(refusing, { host: external, localAddress: external });
    outsider.on('error', () => {});
    outsider.write('$SHOULD,not*00\n');
    await closedOn(outsider);
    expect(refusing.stats.refused).toBe(1);
    expect(refusing.stats.accepted).toBe(0);

    const allowing = await start(sink, { host: '0.0.0.0', allow: [external!] });
    const listed = await dial(allowing, { host: external, localAddress: external });
    listed.write('$LISTED*00\n');
    await vi.waitFor(() => expect(sink.lines).toEqual(['$LISTED*00']));
    expect(sink.calls[0].source.station).toBe(`tcp:${external}`);
  });
});
