import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { AisDecoder, type AisRecord } from '../../gateway/decoders/ais/index.js';
import { Bits, sentence, tagBlock, vdm, type VdmOptions } from './helpers.js';

/** A type 5 message (three fragments at 50 characters each) for vessel `mmsi` named `name`. */
function static5(mmsi: number, name: string, o: VdmOptions = {}): string[] {
  const bits = Bits.header(5, mmsi).u(2, 0).u(30, 9000000 + (mmsi % 1000)).text(7, 'CALL').text(20, name).u(8, 70).to(424).bits;
  return vdm(bits, { split: 30, seqId: '3', ...o });
}

function isError(r: unknown, code = 'fragment'): r is DecodeError {
  return r instanceof DecodeError && r.code === code && r.message.length > 0;
}

describe('multi-sentence reassembly', () => {
  it('three fragments in order', () => {
    const d = new AisDecoder();
    const [a, b, c] = static5(244000001, 'ALPHA');
    expect(d.decodeLine(a)).toBeNull();
    expect(d.decodeLine(b)).toBeNull();
    expect(d.decodeLine(c)).toMatchObject({ type: 5, mmsi: 244000001, name: 'ALPHA' });
    expect(d.pendingCount).toBe(0);
  });

  it('duplicate fragment: reported, ignored, message still completes', () => {
    const d = new AisDecoder();
    const [a, b, c] = static5(244000002, 'BRAVO');
    expect(d.decodeLine(a)).toBeNull();
    expect(d.decodeLine(b)).toBeNull();
    const dup = d.decodeLine(b);
    expect(isError(dup)).toBe(true);
    expect((dup as DecodeError).message).toMatch(/duplicate fragment 2 of 3/);
    expect(d.decodeLine(a)).toSatisfy((r: unknown) => isError(r));
    expect(d.decodeLine(c)).toMatchObject({ mmsi: 244000002, name: 'BRAVO' });
  });

  it('missing fragment: the incomplete message is abandoned when the next one starts, which then decodes', () => {
    const d = new AisDecoder();
    const [a1, , a3] = static5(244000003, 'CHARLIE');
    const [b1, b2, b3] = static5(244000004, 'DELTA');
    expect(d.decodeLine(a1)).toBeNull();
    const gap = d.decodeLine(a3); // fragment 2 lost
    expect(isError(gap)).toBe(true);
    expect((gap as DecodeError).message).toMatch(/fragment 3 of 3 arrived but fragment 2 never did/);
    expect(d.pendingCount).toBe(0);
    expect(d.decodeLine(b1)).toBeNull();
    expect(d.decodeLine(b2)).toBeNull();
    expect(d.decodeLine(b3)).toMatchObject({ mmsi: 244000004, name: 'DELTA' });
  });

  it('missing last fragment: the same sequence id starting over abandons the old message', () => {
    const d = new AisDecoder();
    const [a1, a2] = static5(244000005, 'ECHO');
    const [b1, b2, b3] = static5(244000006, 'FOXTROT');
    expect(d.decodeLine(a1)).toBeNull();
    expect(d.decodeLine(a2)).toBeNull();
    const r = d.decodeLine(b1);
    expect(isError(r)).toBe(true);
    expect((r as DecodeError).message).toMatch(/abandoned.*fragments 1–2 of 3 \(channel A, sequence id 3\)/);
    expect(d.decodeLine(b2)).toBeNull();
    expect(d.decodeLine(b3)).toMatchObject({ mmsi: 244000006, name: 'FOXTROT' });
  });

  it('out-of-order fragments are rejected, never joined, and do not spoil the next message', () => {
    const d = new AisDecoder();
    const [a1, a2, a3] = static5(244000007, 'GOLF');
    expect(isError(d.decodeLine(a2))).toBe(true); // before fragment 1: dropped
    expect(d.pendingCount).toBe(0);
    expect(d.decodeLine(a1)).toBeNull();
    expect(isError(d.decodeLine(a3))).toBe(true); // skips 2: the message is abandoned
    expect(d.pendingCount).toBe(0);
    const [b1, b2, b3] = static5(244000008, 'HOTEL');
    expect(d.decodeLine(b1)).toBeNull();
    expect(d.decodeLine(b2)).toBeNull();
    expect(d.decodeLine(b3)).toMatchObject({ mmsi: 244000008, name: 'HOTEL' });
  });

  it('a fragment with bad armour is rejected without touching the message it belongs to', () => {
    const d = new AisDecoder();
    const [a1, a2, a3] = static5(244000009, 'INDIA');
    expect(d.decodeLine(a1)).toBeNull();
    const fields = a2.slice(1, a2.indexOf('*')).split(',');
    fields[5] = `${fields[5].slice(0, 3)}X${fields[5].slice(4)}`; // 'X' is outside the armour alphabet
    const r = d.decodeLine(sentence(fields.join(',')));
    expect(isError(r, 'armour')).toBe(true);
    expect(d.decodeLine(a2)).toBeNull();
    expect(d.decodeLine(a3)).toMatchObject({ mmsi: 244000009, name: 'INDIA' });
  });

  it('timeout: fragments too far apart are not joined; expire() reports what is left', () => {
    const d = new AisDecoder({ fragmentTimeoutMs: 2000 });
    const [a1, a2] = vdm(Bits.header(5, 244000010).to(424).bits, { split: 40 });
    expect(d.decodeLine(a1, 0)).toBeNull();
    const late = d.decodeLine(a2, 10_000);
    expect(isError(late)).toBe(true);
    expect((late as DecodeError).message).toMatch(/timed out after 2000 ms/);
    expect(d.pendingCount).toBe(0);
    // Within the timeout they join; the receive time is the first fragment's.
    expect(d.decodeLine(a1, 20_000)).toBeNull();
    expect(d.decodeLine(a2, 21_000)).toMatchObject({ mmsi: 244000010, rxTime: 20_000 });
    // A lone first fragment times out on the clock of later lines, or at expire().
    expect(d.decodeLine(a1, 30_000)).toBeNull();
    expect(d.expire(31_000)).toEqual([]);
    const left = d.expire(40_000);
    expect(left).toHaveLength(1);
    expect(left[0].code).toBe('fragment');
    expect(d.pendingCount).toBe(0);
  });

  it('timeout measured on tag-block receive times when no clock is passed', () => {
    const d = new AisDecoder({ fragmentTimeoutMs: 5000 });
    const [a1, a2] = vdm(Bits.header(5, 244000011).to(424).bits, { split: 40 });
    expect(d.decodeLine(tagBlock('c:1700000000') + a1)).toBeNull();
    expect(isError(d.decodeLine(tagBlock('c:1700000100') + a2))).toBe(true);
  });

  it('timed-out messages are reported on a later waiting sentence and at expire(Infinity)', () => {
    const d = new AisDecoder({ fragmentTimeoutMs: 1000 });
    const [x1] = static5(244000012, 'JULIET', { seqId: '1' });
    const [y1, y2, y3] = static5(244000013, 'KILO', { seqId: '2' });
    expect(d.decodeLine(x1, 0)).toBeNull();
    const r = d.decodeLine(y1, 5000); // x timed out: reported in place of "waiting"
    expect(isError(r)).toBe(true);
    expect((r as DecodeError).message).toMatch(/sequence id 1/);
    expect(d.decodeLine(y2, 5001)).toBeNull();
    expect(d.decodeLine(y3, 5002)).toMatchObject({ name: 'KILO' });
    expect(d.decodeLine(x1, 6000)).toBeNull();
    expect(d.expire(Number.POSITIVE_INFINITY)).toHaveLength(1);
  });

  it('interleaved messages on two channels', () => {
    const d = new AisDecoder();
    const a = static5(244000014, 'LIMA', { channel: 'A' });
    const b = static5(244000015, 'MIKE', { channel: 'B' });
    const out: AisRecord[] = [];
    for (let i = 0; i < 3; i++) {
      for (const line of [a[i], b[i]]) {
        const r = d.decodeLine(line);
        expect(r instanceof DecodeError).toBe(false);
        if (r) out.push(r as AisRecord);
      }
    }
    expect(out.map((r) => [r.name, r.channel])).toEqual([
      ['LIMA', 'A'],
      ['MIKE', 'B'],
    ]);
  });

  it('interleaved messages with different sequence ids, talkers and stations', () => {
    const d = new AisDecoder();
    const a = static5(244000016, 'NOVEMBER', { seqId: '4' });
    const b = static5(244000017, 'OSCAR', { seqId: '5' });
    const c = static5(244000018, 'PAPA', { seqId: '4', talker: 'BS' });
    const s1 = tagBlock('s:north');
    const e = static5(244000019, 'QUEBEC', { seqId: '4' }).map((l) => s1 + l);
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const line of [a[i], b[i], c[i], e[i]]) {
        const r = d.decodeLine(line);
        expect(r instanceof DecodeError, line).toBe(false);
        if (r) names.push((r as AisRecord).name!);
      }
    }
    expect(names).toEqual(['NOVEMBER', 'OSCAR', 'PAPA', 'QUEBEC']);
  });

  it('bounded: more incomplete messages than maxPending abandons the oldest', () => {
    const d = new AisDecoder({ maxPending: 4 });
    for (let seq = 0; seq < 10; seq++) {
      const [first] = static5(244000100 + seq, 'X', { seqId: String(seq) });
      const r = d.decodeLine(first);
      expect(r === null || isError(r)).toBe(true);
      expect(d.pendingCount).toBeLessThanOrEqual(4);
    }
    // The six evicted were reported on the waiting sentences or are waiting in expire().
    const [, second, third] = static5(244000109, 'X', { seqId: '9' });
    expect(d.decodeLine(second)).not.toBeInstanceOf(DecodeError);
    expect(d.decodeLine(third)).toMatchObject({ mmsi: 244000109 });
  });
});
