import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import type { IngestSource } from '../../gateway/pipeline/types.js';
import { IngestFeed, SinkGate, newTransportStats, splitLines } from '../../gateway/transports/ingest-feed.js';
import { RecordingSink, deferred, sleep } from './helpers.js';

const source: IngestSource = { transport: 'tcp', peer: '127.0.0.1:5000', station: 'tcp:127.0.0.1' };

function setup(opts: { maxQueued?: number; throttled?: boolean } = {}) {
  const sink = new RecordingSink();
  const stats = newTransportStats();
  const throttle = { paused: false, pauses: 0, pause() { this.paused = true; this.pauses++; }, resume() { this.paused = false; } };
  const acks: Uint8Array[] = [];
  const feed = new IngestFeed({
    gate: new SinkGate(sink),
    source,
    logger: silentLogger,
    stats,
    maxQueued: opts.maxQueued ?? 3,
    ...(opts.throttled !== false && { throttle }),
    onAck: (ack) => acks.push(ack),
  });
  return { sink, stats, throttle, acks, feed };
}

describe('IngestFeed', () => {
  it('makes one call at a time, and hands lines that waited over as one batch in order', async () => {
    const { sink, feed } = setup({ maxQueued: 10 });
    const first = deferred<void>();
    sink.answerLines = () => first.promise;
    feed.pushLines(['a']);
    feed.pushLines(['b', 'c']);
    feed.pushLines(['d']);
    await sleep(10);
    expect(sink.calls.map((c) => c.kind === 'lines' && c.lines)).toEqual([['a']]);
    sink.answerLines = async () => {};
    first.resolve();
    await sleep(10);
    expect(sink.calls.map((c) => c.kind === 'lines' && c.lines)).toEqual([['a'], ['b', 'c', 'd']]);
    expect(sink.calls.every((c) => c.source === source)).toBe(true);
  });

  it('never merges frames, and passes each Ack on in order', async () => {
    const { sink, feed, acks, stats } = setup({ maxQueued: 10 });
    feed.pushLines(['x']);
    feed.pushFrame(Uint8Array.of(1));
    feed.pushFrame(Uint8Array.of(2));
    feed.pushLines(['y']);
    await sleep(10);
    expect(sink.calls.map((c) => c.kind)).toEqual(['lines', 'frame', 'frame', 'lines']);
    expect(acks).toEqual([Uint8Array.of(0xac, 1), Uint8Array.of(0xac, 2)]);
    expect(stats).toMatchObject({ lines: 2, frames: 2 });
  });

  it('pauses the connection while its queue is full and resumes once it empties', async () => {
    const { sink, feed, throttle } = setup({ maxQueued: 2 });
    const slow = deferred<void>();
    sink.answerLines = () => slow.promise;
    feed.pushLines(['1']); // taken at once
    feed.pushLines(['2']);
    expect(throttle.paused).toBe(false);
    feed.pushLines(['3']); // two waiting: full
    expect(throttle.paused).toBe(true);
    sink.answerLines = async () => {};
    slow.resolve();
    await sleep(10);
    expect(throttle.paused).toBe(false);
    expect(sink.lines).toEqual(['1', '2', '3']);
  });

  it('holds everything while the sink is saturated and delivers it all after the drain', async () => {
    const { sink, feed, throttle } = setup({ maxQueued: 100 });
    sink.saturated = true;
    for (let i = 0; i < 5; i++) feed.pushLines([`L${i}`]);
    await sleep(20);
    expect(sink.calls).toEqual([]);
    expect(throttle.paused).toBe(true);
    sink.drain();
    await sleep(10);
    expect(sink.lines).toEqual(['L0', 'L1', 'L2', 'L3', 'L4']);
    expect(throttle.paused).toBe(false);
  });

  it('counts and logs a failing sink and carries on with the next item', async () => {
    const { sink, feed, stats, acks } = setup();
    sink.answerLines = () => {
      throw new Error('store exploded');
    };
    feed.pushLines(['lost']);
    await sleep(5);
    sink.answerFrame = () => Promise.reject(new Error('spool full'));
    feed.pushFrame(Uint8Array.of(9));
    await sleep(5);
    sink.answerLines = async () => {};
    feed.pushLines(['kept']);
    await sleep(5);
    expect(stats.sinkErrors).toBe(2);
    expect(acks).toEqual([]);
    expect(sink.lines).toEqual(['lost', 'kept']);
  });

  it('counts rejected frames and still sends their Ack', async () => {
    const { sink, feed, stats, acks } = setup();
    sink.answerFrame = async () => ({ ack: Uint8Array.of(7), error: 'unknown payload' });
    feed.pushFrame(Uint8Array.of(1));
    await sleep(5);
    expect(stats.rejectedFrames).toBe(1);
    expect(acks).toEqual([Uint8Array.of(7)]);
  });

  it('without a throttle (UDP), drops and counts what does not fit the queue', async () => {
    const { sink, feed, stats } = setup({ maxQueued: 2, throttled: false });
    sink.saturated = true;
    for (let i = 0; i < 5; i++) feed.pushLines([`D${i}`]);
    sink.drain();
    await sleep(10);
    expect(sink.lines).toEqual(['D0', 'D1']);
    expect(stats.dropped).toBe(3);
  });
});

describe('splitLines', () => {
  it('splits on LF, strips CR, leaves out blank lines and keeps bytes as latin1', () => {
    expect(splitLines(Buffer.from('a\r\nb\n\n\r\nc'))).toEqual(['a', 'b', 'c']);
    expect(splitLines(Buffer.from([0xc2, 0xb3, 0x0a, 0xff]))).toEqual(['\u00c2\u00b3', '\u00ff']);
    expect(splitLines(Buffer.alloc(0))).toEqual([]);
  });
});
