import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../core/log.js';
import type { NmeaListener, NmeaListenerOptions } from '../../gateway/transports/nmea-tcp.js';
import { startNmeaUdp } from '../../gateway/transports/nmea-udp.js';
import { RecordingSink, externalIPv4, sleep } from './helpers.js';

const listeners: NmeaListener[] = [];
const senders: Socket[] = [];

afterEach(async () => {
  for (const s of senders.splice(0)) s.close();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function start(sink: RecordingSink, opts: Partial<NmeaListenerOptions> = {}): Promise<NmeaListener> {
  const listener = await startNmeaUdp({ host: '127.0.0.1', port: 0, allow: [], sink, logger: silentLogger, ...opts });
  listeners.push(listener);
  return listener;
}

/** A UDP sender bound to `from`, so that the listener sees that source address. */
async function sender(from = '127.0.0.1'): Promise<{ socket: Socket; send: (text: string, to: NmeaListener, host?: string) => Promise<void> }> {
  const socket = createSocket('udp4');
  senders.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, from, resolve));
  const send = (text: string, to: NmeaListener, host = '127.0.0.1') =>
    new Promise<void>((resolve, reject) => socket.send(text, to.address().port, host, (err) => (err ? reject(err) : resolve())));
  return { socket, send };
}

describe('NMEA over UDP', () => {
  it('takes every line of a datagram, in order, with the sender as station', async () => {
    const sink = new RecordingSink();
    const listener = await start(sink);
    const { socket, send } = await sender();
    await send('!AIVDM,1,1,,A,one*00\r\n!AIVDM,1,1,,B,two*00\r\n$GPRMC,three*00', listener);
    await send('!AIVDM,1,1,,A,four*00\n', listener);
    await vi.waitFor(() => expect(sink.lines).toHaveLength(4));
    expect(sink.lines).toEqual(['!AIVDM,1,1,,A,one*00', '!AIVDM,1,1,,B,two*00', '$GPRMC,three*00', '!AIVDM,1,1,,A,four*00']);
    expect(sink.calls[0].source).toEqual({ transport: 'udp', peer: `127.0.0.1:${socket.address().port}`, station: 'udp:127.0.0.1' });
    expect(listener.stats.accepted).toBe(2);
  });

  it('keeps order across many datagrams and carries on after the sink fails', async () => {
    const sink = new RecordingSink();
    sink.answerLines = () => Promise.reject(new Error('store down'));
    const listener = await start(sink);
    const { send } = await sender();
    await send('$FAILS*00\n', listener);
    await vi.waitFor(() => expect(listener.stats.sinkErrors).toBe(1));
    sink.answerLines = async () => {};
    for (let i = 0; i < 100; i++) await send(`$N,${i}*00\n`, listener);
    await vi.waitFor(() => expect(sink.lines).toHaveLength(101));
    expect(sink.lines.slice(1)).toEqual(Array.from({ length: 100 }, (_, i) => `$N,${i}*00`));
  });

  it('ignores empty datagrams', async () => {
    const sink = new RecordingSink();
    const listener = await start(sink);
    const { send } = await sender();
    await send('\r\n\n', listener);
    await send('$AFTER*00\n', listener);
    await vi.waitFor(() => expect(sink.lines).toEqual(['$AFTER*00']));
    expect(sink.calls).toHaveLength(1);
  });

  it('drops and counts datagrams that do not fit while the sink is saturated', async () => {
    const sink = new RecordingSink();
    const listener = await start(sink, { maxQueued: 3 });
    const { send } = await sender();
    sink.saturated = true;
    for (let i = 0; i < 10; i++) await send(`$D,${i}*00\n`, listener);
    await vi.waitFor(() => expect(listener.stats.accepted).toBe(10));
    await sleep(20);
    expect(sink.calls).toEqual([]);
    sink.drain();
    await vi.waitFor(() => expect(sink.lines).toEqual(['$D,0*00', '$D,1*00', '$D,2*00']));
    expect(listener.stats.dropped).toBe(7);
  });

  const external = externalIPv4();
  it.skipIf(!external)('drops and counts datagrams from a non-loopback sender unless it is allowed', async () => {
    const sink = new RecordingSink();
    const refusing = await start(sink, { host: '0.0.0.0' });
    const outsider = await sender(external);
    await outsider.send('$OUTSIDER*00\n', refusing, external);
    await vi.waitFor(() => expect(refusing.stats.refused).toBe(1));
    expect(sink.calls).toEqual([]);

    const allowing = await start(sink, { host: '0.0.0.0', allow: [external!] });
    await outsider.send('$LISTED*00\n', allowing, external);
    await vi.waitFor(() => expect(sink.lines).toEqual(['$LISTED*00']));
    expect(sink.calls[0].source.station).toBe(`udp:${external}`);
  });
});
