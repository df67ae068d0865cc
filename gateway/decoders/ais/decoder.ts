import { DecodeError } from '../../../core/errors.js';
import { frameLine, xorChecksum, type NmeaFrame } from '../nmea/frame.js';
import { armourError, decodeBits } from './message.js';
import { parseTrailer } from './reception.js';
import type { AisRecord } from './record.js';
import { BitBuffer } from './sixbit.js';

export interface AisDecoderOptions {
  /**
   * An incomplete multi-sentence message is abandoned once it is older than this (ms), measured on
   * the `now` passed in, else on the sentences' receive times. Default 5000: the fragments of one
   * message go out in consecutive slots, so a few seconds is plenty.
   */
  fragmentTimeoutMs?: number;
  /** At most this many incomplete messages are held; one more abandons the oldest. Default 64. */
  maxPending?: number;
}

/** Longest message we assemble, in armour characters (the 5-slot maximum is 1008 bits = 168; room for lax senders). */
export const MAX_PAYLOAD_CHARS = 2048;
/** At most this many abandoned-message errors wait to be handed out; more are only counted (`lostReports`). */
const MAX_QUEUED_REPORTS = 256;

/** An incomplete multi-sentence message. */
interface Pending {
  readonly total: number;
  chars: number;
  /** Payloads of fragments 1, 2, … received so far (always in order). */
  readonly parts: string[];
  /** Fill bits of the last fragment (the only one that may have any). */
  fill: number;
  /** Clock when its first fragment arrived (NaN while no time is known). */
  readonly born: number;
  rxTime: number | undefined;
  station: string | undefined;
  readonly channel: string;
  readonly seqId: string;
}

/** Hex digit value by character code, -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}

/** Strings of the one-character fields, so the line shortcut does not slice them per line. */
const ONE_CHAR: readonly string[] = Array.from({ length: 256 }, (_, c) => String.fromCharCode(c));

function oneChar(line: string, at: number): string {
  const c = line.charCodeAt(at);
  return c < 256 ? ONE_CHAR[c] : line[at];
}

function digit(s: string): number {
  if (s.length !== 1) return -1;
  const d = s.charCodeAt(0) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** `A`/`B`; receivers that number the channels `1`/`2` are mapped onto them; empty → absent. */
function channelName(s: string): string | undefined {
  if (s === 'A' || s === 'B') return s;
  if (s === '') return undefined;
  if (s === '1') return 'A';
  if (s === '2') return 'B';
  return s;
}

function describe(g: Pending): string {
  const n = g.parts.length;
  const got = n === 1 ? 'fragment 1' : `fragments 1–${n}`;
  return `${got} of ${g.total} (channel ${g.channel || '(none)'}, sequence id ${g.seqId || '(none)'})`;
}

function abandoned(why: string, g: Pending): DecodeError {
  return new DecodeError('fragment', `incomplete AIS message abandoned, ${why}: it had ${describe(g)}`);
}

/**
 * Decodes `!xxVDM` / `!xxVDO` sentences (any talker) into AisRecords.
 *
 * Pure: no I/O, no clock, no globals. Its only state is the reassembly of multi-sentence messages,
 * which belongs to one input stream: give each stream its own decoder. Incomplete messages are
 * keyed by station (or tag-block group) + talker and formatter + channel + sequence id, and are
 * bounded in number (`maxPending`) and in age (`fragmentTimeoutMs`).
 */
export class AisDecoder {
  /** Reused bit buffer for the message being decoded: no per-sentence allocation for the bits. */
  private readonly bits = new BitBuffer(MAX_PAYLOAD_CHARS);
  /** Incomplete messages in arrival order (Map keeps insertion order: the oldest is first). */
  private readonly pending = new Map<string, Pending>();
  /** Abandoned-message errors not yet handed out. */
  private reports: DecodeError[] = [];
  /** Latest time seen (`now` or receive times): the clock for sentences that carry none. */
  private clock = Number.NaN;
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  /** Abandoned-message errors dropped because too many were waiting to be handed out. */
  lostReports = 0;
  /** Last talker seen by the line shortcut, and its two character codes. */
  private talker = '';
  private talkerC1 = -1;
  private talkerC2 = -1;

  constructor(options: AisDecoderOptions = {}) {
    this.timeoutMs = options.fragmentTimeoutMs ?? 5000;
    this.maxPending = Math.max(1, options.maxPending ?? 64);
  }

  /** Number of incomplete multi-sentence messages held. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Frame and decode one line (latin1 byte string): the same results as `frameLine` then
   * `decodeFrame`. A well-formed `!xxVDM`/`!xxVDO` line without tag block or trailer is read in
   * place, without building the frame.
   */
  decodeLine(line: string, now?: number): AisRecord | null | DecodeError {
    if (line.charCodeAt(0) === 33 /* ! */) {
      const result = this.quickLine(line, now);
      if (result !== undefined) return result;
    }
    const frame = frameLine(line);
    if (frame instanceof DecodeError) return frame;
    return this.decodeFrame(frame, now);
  }

  /**
   * Decode one framed sentence.
   *
   * Returns the record when a message is complete; a DecodeError when the sentence is rejected, or
   * when an earlier incomplete message had to be abandoned (code `fragment`; the current sentence is
   * then kept); null when the sentence was stored to wait for the rest of its message and there is
   * nothing to report. Messages abandoned by the timeout or the `maxPending` bound are reported on
   * the next sentence that would otherwise return null, or by `expire`.
   *
   * `now` (ms since epoch) is the caller's clock: it drives the fragment timeout and is the receive
   * time of sentences without a tag block or receiver trailer.
   */
  decodeFrame(frame: NmeaFrame, now?: number): AisRecord | null | DecodeError {
    const fmt = frame.formatter;
    if (frame.start !== '!' || (fmt !== 'VDM' && fmt !== 'VDO')) {
      return new DecodeError('unsupported', `${frame.start}${frame.talker}${fmt} is not an AIS VDM/VDO sentence`);
    }
    const f = frame.fields;
    if (f.length !== 6) {
      return new DecodeError(
        'field',
        `AIS sentence has ${f.length} fields after the address; VDM/VDO has 6 (count, number, sequence id, channel, payload, fill bits)`,
      );
    }
    const total = digit(f[0]);
    if (total < 1) return new DecodeError('field', `fragment count "${f[0]}" is not 1–9`);
    const index = digit(f[1]);
    if (index < 1 || index > total) return new DecodeError('fragment', `fragment number "${f[1]}" is not 1–${total}`);
    const fill = f[5] === '' ? 0 : digit(f[5]);
    if (fill < 0 || fill > 5) return new DecodeError('armour', `fill bits "${f[5]}" is not 0–5`);
    const payload = f[4];

    // Reception: the tag block first, a receiver trailer for whatever it lacks, then the caller's clock.
    const tag = frame.tag;
    let rxTime = tag === undefined ? undefined : tag.rxTime;
    let station = tag === undefined ? undefined : tag.station;
    if (frame.trailer !== undefined && (rxTime === undefined || station === undefined)) {
      const info = parseTrailer(frame.trailer);
      if (rxTime === undefined) rxTime = info.rxTime;
      if (station === undefined) station = info.station;
    }
    this.tick(now ?? rxTime);

    if (total === 1) {
      // Single-sentence message: straight into the bit buffer, no reassembly state.
      if (this.pending.size !== 0) this.sweep();
      if (payload.length > MAX_PAYLOAD_CHARS) return tooLong(payload.length);
      this.bits.begin();
      const bad = this.bits.append(payload);
      if (bad >= 0) return armourError(payload, bad);
      const rec = this.decodeBuffered(fill);
      if (rec instanceof DecodeError) return rec;
      return this.finish(rec, channelName(f[3]), frame.talker, fmt === 'VDO', rxTime ?? now, station);
    }
    const group = tag === undefined || tag.group === undefined ? undefined : tag.group.id;
    return this.fragment(total, index, f[2], f[3], payload, fill, frame.talker, fmt, group, rxTime, station, now);
  }

  /**
   * Abandon the incomplete messages older than the fragment timeout at `now` (all of them when
   * `now` is Infinity, e.g. at the end of a file) and return one `fragment` error per abandoned
   * message, together with any abandoned earlier and not yet handed out.
   */
  expire(now: number): DecodeError[] {
    if (now === Number.POSITIVE_INFINITY) {
      for (const g of this.pending.values()) this.report(abandoned('input ended', g));
      this.pending.clear();
    } else {
      this.tick(now);
      this.sweep();
    }
    const out = this.reports;
    this.reports = [];
    return out;
  }

  /** Forget every incomplete message and unreported error. */
  reset(): void {
    this.pending.clear();
    this.reports = [];
    this.clock = Number.NaN;
    this.lostReports = 0;
  }

  /** Advance the clock to `t` (never back). */
  private tick(t: number | undefined): void {
    if (t !== undefined && !(t <= this.clock)) this.clock = t;
  }

  /** One fragment of a multi-sentence message. */
  private fragment(
    total: number,
    index: number,
    seqId: string,
    channel: string,
    payload: string,
    fill: number,
    talker: string,
    fmt: string,
    group: string | undefined,
    rxTime: number | undefined,
    station: string | undefined,
    now: number | undefined,
  ): AisRecord | null | DecodeError {
    // Check the armour before the fragment touches any state, so a bad one cannot spoil a message.
    if (payload.length > MAX_PAYLOAD_CHARS) return tooLong(payload.length);
    this.bits.begin();
    const bad = this.bits.append(payload);
    if (bad >= 0) return armourError(payload, bad);

    // With a tag-block group the station may be on the first fragment only, so the group id stands in for it.
    const key = `${group === undefined ? `s${station ?? ''}` : `g${group}`}\u0000${talker}${fmt}\u0000${channel}\u0000${seqId}`;
    let problem: DecodeError | undefined;
    let g = this.pending.get(key);
    if (g !== undefined) {
      const have = g.parts.length;
      let why: string | undefined;
      if (this.clock - g.born > this.timeoutMs) why = `timed out after ${this.timeoutMs} ms`;
      else if (g.total !== total) why = `fragment ${index} of ${total} arrived with the same sequence id`;
      else if (index <= have) {
        if (g.parts[index - 1] === payload) {
          return new DecodeError('fragment', `duplicate fragment ${index} of ${total} ignored (already have ${describe(g)})`);
        }
        // Sequence ids cycle 0–9: a different fragment under a taken number belongs to a later message.
        why = `a different fragment ${index} of ${total} arrived with the same sequence id`;
      } else if (index > have + 1) why = `fragment ${index} of ${total} arrived but fragment ${have + 1} never did`;
      if (why !== undefined) {
        problem = abandoned(why, g);
        this.pending.delete(key);
        g = undefined;
      }
    }
    if (g === undefined) {
      // Fragments are joined in order only: a later fragment without its predecessors may be a
      // leftover of a message whose start was lost, and joining it would forge a message.
      if (index !== 1) {
        if (this.pending.size !== 0) this.sweep();
        const dropped = `fragment ${index} of ${total} (channel ${channel || '(none)'}, sequence id ${seqId || '(none)'}) dropped: fragment 1 of its message did not come first`;
        return new DecodeError('fragment', problem === undefined ? dropped : `${problem.message}; ${dropped}`);
      }
      if (this.pending.size >= this.maxPending) this.evictOldest();
      g = { total, chars: 0, parts: [], fill: 0, born: this.clock, rxTime: undefined, station: undefined, channel, seqId };
      this.pending.set(key, g);
    }
    g.parts.push(payload);
    g.chars += payload.length;
    if (index === total) g.fill = fill;
    // Reception details of the earliest fragment that has them (a tag block may be on the first only).
    if (g.rxTime === undefined) g.rxTime = rxTime ?? now;
    if (g.station === undefined) g.station = station;
    if (index < total) {
      this.sweep(); // the current message was checked above; this abandons other stale ones
      return problem ?? this.reports.shift() ?? null;
    }

    // Complete (a new group holds fragment 1 of at least two, so `problem` is undefined here).
    this.pending.delete(key);
    if (this.pending.size !== 0) this.sweep();
    if (g.chars > MAX_PAYLOAD_CHARS) return tooLong(g.chars);
    this.bits.begin();
    for (let i = 0; i < total; i++) this.bits.append(g.parts[i]); // armour checked on arrival
    const rec = this.decodeBuffered(g.fill);
    if (rec instanceof DecodeError) return rec;
    return this.finish(rec, channelName(channel), talker, fmt === 'VDO', g.rxTime, g.station);
  }

  /**
   * The shortcut of `decodeLine`: `!ttVDM,n,i,s,c,payload,f*hh` read in place. Returns undefined
   * for anything else or anything wrong, which then goes the full way (and gets the full error).
   */
  private quickLine(line: string, now: number | undefined): AisRecord | null | DecodeError | undefined {
    let end = line.length;
    let c = line.charCodeAt(end - 1);
    while (c === 10 || c === 13 || c === 32) c = line.charCodeAt(--end - 1);
    const star = end - 3;
    // `!ttVDx,n,i,` with single-digit n and i; no trailer after the checksum.
    if (star < 20 || line.charCodeAt(star) !== 42 /* * */) return undefined;
    if (line.charCodeAt(3) !== 86 || line.charCodeAt(4) !== 68) return undefined; // VD
    // frameLine reads `!P…` as proprietary, ends the address at the first `,` and the sentence at
    // the first `*`: leave lines where those differ from the layout assumed here to it.
    const t1 = line.charCodeAt(1);
    const t2 = line.charCodeAt(2);
    if (t1 === 80 || t1 === 44 || t2 === 44 || line.indexOf('*', 1) !== star) return undefined;
    const m = line.charCodeAt(5);
    if ((m !== 77 && m !== 79) || line.charCodeAt(6) !== 44 || line.charCodeAt(8) !== 44 || line.charCodeAt(10) !== 44) {
      return undefined;
    }
    const total = line.charCodeAt(7) - 48;
    const index = line.charCodeAt(9) - 48;
    if (total < 1 || total > 9 || index < 1 || index > total) return undefined;
    const seqEnd = line.indexOf(',', 11);
    if (seqEnd < 0) return undefined;
    const chanEnd = line.indexOf(',', seqEnd + 1);
    if (chanEnd < 0) return undefined;
    const payEnd = line.indexOf(',', chanEnd + 1);
    if (payEnd < 0 || payEnd + 2 !== star) return undefined; // exactly one fill digit before `*`
    const fill = line.charCodeAt(payEnd + 1) - 48;
    if (fill < 0 || fill > 5) return undefined;
    const hi = HEX_VALUE[line.charCodeAt(star + 1) & 127];
    const lo = HEX_VALUE[line.charCodeAt(star + 2) & 127];
    if (hi < 0 || lo < 0 || ((hi << 4) | lo) !== xorChecksum(line, 1, star)) return undefined;
    if (payEnd - chanEnd - 1 > MAX_PAYLOAD_CHARS) return undefined;

    // Most lines come from one talker: reuse its string rather than slicing one per line.
    if (t1 !== this.talkerC1 || t2 !== this.talkerC2) {
      this.talker = line.slice(1, 3);
      this.talkerC1 = t1;
      this.talkerC2 = t2;
    }
    const chan = chanEnd === seqEnd + 2 ? oneChar(line, seqEnd + 1) : line.slice(seqEnd + 1, chanEnd);
    this.tick(now);
    if (total === 1) {
      if (this.pending.size !== 0) this.sweep();
      const bits = this.bits;
      bits.begin();
      if (bits.append(line, chanEnd + 1, payEnd) >= 0) return undefined;
      const rec = this.decodeBuffered(fill);
      if (rec instanceof DecodeError) return rec;
      return this.finish(rec, channelName(chan), this.talker, m === 79, now, undefined);
    }
    const seqId = seqEnd === 12 ? oneChar(line, 11) : line.slice(11, seqEnd);
    return this.fragment(
      total,
      index,
      seqId,
      chan,
      line.slice(chanEnd + 1, payEnd),
      fill,
      this.talker,
      m === 79 ? 'VDO' : 'VDM',
      undefined,
      undefined,
      undefined,
      now,
    );
  }

  /** Decode the message now in the bit buffer, less its fill bits. */
  private decodeBuffered(fill: number): AisRecord | DecodeError {
    const bitlen = this.bits.length - fill;
    if (bitlen < 0) return new DecodeError('armour', `fill bits ${fill} exceed the payload's ${this.bits.length} bits`);
    return decodeBits(this.bits, bitlen);
  }

  /** Add the reception details. */
  private finish(
    rec: AisRecord,
    channel: string | undefined,
    talker: string,
    own: boolean,
    rxTime: number | undefined,
    station: string | undefined,
  ): AisRecord {
    if (channel !== undefined) rec.channel = channel;
    if (talker !== '') rec.talker = talker;
    if (own) rec.own = true;
    if (rxTime !== undefined) rec.rxTime = rxTime;
    if (station !== undefined) rec.station = station;
    return rec;
  }

  /** Abandon timed-out messages. Map order is arrival order, so stop at the first one still young. */
  private sweep(): void {
    for (const [key, g] of this.pending) {
      if (!(this.clock - g.born > this.timeoutMs)) break;
      this.pending.delete(key);
      this.report(abandoned(`timed out after ${this.timeoutMs} ms`, g));
    }
  }

  private evictOldest(): void {
    for (const [key, g] of this.pending) {
      this.pending.delete(key);
      this.report(abandoned(`too many incomplete messages (${this.maxPending})`, g));
      return;
    }
  }

  private report(error: DecodeError): void {
    if (this.reports.length >= MAX_QUEUED_REPORTS) this.lostReports++;
    else this.reports.push(error);
  }
}

function tooLong(chars: number): DecodeError {
  return new DecodeError('length', `payload of ${chars} characters is longer than any AIS message`);
}
