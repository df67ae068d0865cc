import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { decodeEnvelope, encodeDelimited, encodeEnvelope, splitDelimited } from '../../gateway/decoders/protobuf/index.js';
import { HEADER } from './fixtures.js';

const frame = (seq: number) => encodeEnvelope({ ...HEADER, seq, payload: { type: 'health', health: { battery: 12 + seq / 1000 } } });

describe('length-delimited framing', () => {
  it('splits what encodeDelimited joined; frames are views, offsets point at them', () => {
    const frames = [frame(1), frame(2), frame(3)];
    const buf = encodeDelimited(frames);
    const r = splitDelimited(buf);
    expect(r.error).toBeUndefined();
    expect(r.frames.map((f) => decodeEnvelope(f))).toMatchObject([{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
    expect(r.frames[1].buffer).toBe(buf.buffer);
    expect(r.offsets[0]).toBe(1);
    expect(buf[r.offsets[1] - 1]).toBe(frames[1].length);
  });

  it('matches protobufjs encodeDelimited byte for byte', async () => {
    const { tidewatch } = await import('../../proto/generated/tidewatch.js');
    const one = frame(9);
    const theirs = tidewatch.v1.Envelope.encodeDelimited(tidewatch.v1.Envelope.decode(one)).finish();
    expect(Buffer.from(encodeDelimited([one])).equals(Buffer.from(theirs))).toBe(true);
  });

  it('multi-byte length prefixes', () => {
    const big = new Uint8Array(300).fill(7);
    const buf = encodeDelimited([big, new Uint8Array(0), big]);
    expect([...buf.subarray(0, 2)]).toEqual([0xac, 0x02]);
    const r = splitDelimited(buf);
    expect(r.frames.map((f) => f.length)).toEqual([300, 0, 300]);
    expect(r.error).toBeUndefined();
  });

  it('empty input: no frames, no error', () => {
    expect(splitDelimited(new Uint8Array(0))).toEqual({ frames: [], offsets: [] });
  });

  it('truncated tail: earlier frames survive, the tail is a framing error', () => {
    const buf = encodeDelimited([frame(1), frame(2), frame(3)]);
    const r = splitDelimited(buf.subarray(0, buf.length - 4));
    expect(r.frames).toHaveLength(2);
    expect(r.frames.every((f) => !(decodeEnvelope(f) instanceof DecodeError))).toBe(true);
    expect(r.error).toBeInstanceOf(DecodeError);
    expect(r.error).toMatchObject({ code: 'framing' });
    expect(r.error!.message).toMatch(/truncated frame at byte \d+: prefix says \d+ bytes, \d+ remain/);
  });

  it('truncated length prefix', () => {
    const r = splitDelimited(Uint8Array.from([...encodeDelimited([frame(1)]), 0x80]));
    expect(r.frames).toHaveLength(1);
    expect(r.error?.message).toMatch(/truncated length prefix at byte \d+/);
  });

  it('over-long prefix and oversized frames are refused, not allocated', () => {
    expect(splitDelimited(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).error?.message).toMatch(/longer than 5 bytes/);
    expect(splitDelimited(Uint8Array.from([0xff, 0xff, 0xff, 0x7f])).error?.message).toMatch(/claims 268435455 bytes, above the 1048576-byte limit/);
    expect(splitDelimited(encodeDelimited([new Uint8Array(100)]), 99).error?.message).toMatch(/above the 99-byte limit/);
  });
});
