import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { frameLine, hex2, xorChecksum } from '../../gateway/decoders/nmea/frame.js';
import { AisDecoder, decodePayload, type AisRecord } from '../../gateway/decoders/ais/index.js';
import { Bits, armour, sentence, tagBlock, vdm } from './helpers.js';

type Result = AisRecord | null | DecodeError;

/** Scale the number of runs, e.g. AIS_PROPERTY_SCALE=20 for a long soak. */
const SCALE = Number(process.env.AIS_PROPERTY_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

/** Every outcome is a record, null, or a DecodeError with a code and a message; nothing throws. */
function wellFormed(r: Result): boolean {
  if (r === null) return true;
  if (r instanceof DecodeError) return typeof r.code === 'string' && r.message.length > 0;
  return r.kind === 'ais' && Number.isInteger(r.type) && r.type >= 1 && r.type <= 27 && Number.isInteger(r.mmsi);
}

/** Feed lines through decodeLine and through frameLine + decodeFrame: both must agree line by line. */
function run(lines: string[]): Result[] {
  const quick = new AisDecoder({ maxPending: 4 });
  const full = new AisDecoder({ maxPending: 4 });
  return lines.map((line) => {
    const a = quick.decodeLine(line);
    const frame = frameLine(line);
    const b = frame instanceof DecodeError ? frame : full.decodeFrame(frame);
    expect(a).toEqual(b);
    expect(wellFormed(a)).toBe(true);
    return a;
  });
}

const ARMOUR = '0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw';

/** Real-world-shaped lines: valid and invalid fields, mostly with correct checksums. */
const vdmLine = fc
  .record({
    talker: fc.constantFrom('AI', 'AB', 'BS', 'SA', 'A1', ''),
    formatter: fc.constantFrom('VDM', 'VDO', 'VDX', 'GGA'),
    total: fc.constantFrom('1', '1', '2', '3', '0', '10', ''),
    index: fc.constantFrom('1', '2', '3', '4', ''),
    seq: fc.constantFrom('', '1', '7', '12'),
    channel: fc.constantFrom('A', 'B', '', '1', '2', 'C', 'AB'),
    payload: fc.oneof(
      fc.string({ unit: fc.constantFrom(...ARMOUR), maxLength: 90 }),
      fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
    ),
    fill: fc.constantFrom('0', '2', '4', '5', '6', '', 'x'),
    extra: fc.constantFrom('', ',1'),
    checksum: fc.constantFrom('good', 'good', 'good', 'bad', 'none'),
    tag: fc.constantFrom('', 's:r1,c:1700000000', 'g:1-2-7', 'c:17000000000000', 'bad'),
    trailer: fc.constantFrom('', ',s123,d-90,r003669945,1184201184', ',x', '\r\n', '   '),
  })
  .map((o) => {
    const body = `${o.talker}${o.formatter},${o.total},${o.index},${o.seq},${o.channel},${o.payload},${o.fill}${o.extra}`;
    const sum = o.checksum === 'none' ? '' : `*${hex2(xorChecksum(body, 0, body.length) ^ (o.checksum === 'bad' ? 1 : 0))}`;
    const tag = o.tag === '' ? '' : o.tag === 'bad' ? '\\s:x*00\\' : tagBlock(o.tag);
    return `${tag}!${body}${sum}${o.trailer}`;
  });

/** Known-good messages (each one or more lines), decoded on their own for reference. */
const GOOD: string[][] = [
  ['!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A'],
  ['!AIVDM,1,1,,B,91b55wi;hbOS@OdQAC062Ch2089h,0*30'],
  ['!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C', '!AIVDM,2,2,1,A,88888888880,2*25'],
  ['!AIVDM,2,1,5,B,E1mg=5J1T4W0h97aRh6ba84<h2d;W:Te=eLvH50```q,0*46', '!AIVDM,2,2,5,B,:D44QDlp0C1DU00,2*36'],
  ['!AIVDM,1,1,,B,;4R33:1uUK2F`q?mOt@@GoQ00000,0*5D,s28089,d-103,T39.44353985,x147521,r08TPHI1,1242958962'],
  ['!AIVDM,1,1,,A,KCQ9r=hrFUnH7P00,0*41'],
  vdm(Bits.header(5, 244000001).u(2, 0).u(30, 1234567).text(7, 'PCALL').text(20, 'TIDEWATCH').to(424).bits, { split: 25, seqId: '1' }),
  vdm(Bits.header(24, 244000002).u(2, 0).text(20, 'PART A').to(160).bits, { talker: 'BS', channel: 'B' }),
];

function reference(lines: string[]): Result {
  const d = new AisDecoder();
  let r: Result = null;
  for (const l of lines) r = d.decodeLine(l);
  return r;
}

/** One random edit to a line, then (usually) a checksum that matches again, so the edit gets past framing. */
const mutation = fc.record({
  which: fc.nat(),
  kind: fc.constantFrom('replace', 'insert', 'delete', 'truncate', 'swap-digit'),
  at: fc.nat(),
  char: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  resum: fc.boolean(),
});

function mutate(line: string, m: { kind: string; at: number; char: string; resum: boolean }): string {
  const star = line.lastIndexOf('*');
  const end = star > 0 ? star : line.length;
  const start = line.indexOf('!') + 1;
  const at = start + (m.at % Math.max(1, end - start));
  let body = line.slice(0, end);
  switch (m.kind) {
    case 'replace':
      body = body.slice(0, at) + m.char + body.slice(at + 1);
      break;
    case 'insert':
      body = body.slice(0, at) + m.char + body.slice(at);
      break;
    case 'delete':
      body = body.slice(0, at) + body.slice(at + 1);
      break;
    case 'truncate':
      return line.slice(0, at);
    case 'swap-digit':
      body = body.replace(/,(\d),(\d),/, (_, a, b) => `,${b},${a},`);
      break;
  }
  if (!m.resum || star < 0) return body + line.slice(end);
  const inner = body.slice(start);
  return `${body.slice(0, start)}${sentence(inner).slice(1)}`;
}

describe('property: no exception escapes, every rejection explains itself', () => {
  it('arbitrary byte strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 120 }), { maxLength: 8 }), (lines) => {
        run(lines);
      }),
      runs(500),
    );
  });

  it('random VDM-shaped sentences, alone and in sequences', () => {
    fc.assert(
      fc.property(fc.array(vdmLine, { minLength: 1, maxLength: 12 }), (lines) => {
        run(lines);
      }),
      runs(2000),
    );
  });
});

describe('property: a bad line never spoils the next good message', () => {
  it('mutated sentences followed by good messages', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.nat(GOOD.length - 1), (muts, goodIndex) => {
        const bad = muts.map((m) => {
          const source = GOOD[m.which % GOOD.length];
          return mutate(source[m.which % source.length], m);
        });
        const good = GOOD[goodIndex];
        const results = run([...bad, ...good]);
        // Intermediate fragments of the good message may carry reports about the bad lines, but
        // the message itself must come out exactly as it does on a fresh decoder.
        for (const r of results.slice(bad.length, -1)) expect(r === null || (r instanceof DecodeError && r.code === 'fragment')).toBe(true);
        expect(results[results.length - 1]).toEqual(reference(good));
      }),
      runs(3000),
    );
  });

  it('random VDM-shaped sentences followed by good messages', () => {
    fc.assert(
      fc.property(fc.array(vdmLine, { minLength: 1, maxLength: 6 }), fc.nat(GOOD.length - 1), (bad, goodIndex) => {
        const good = GOOD[goodIndex];
        const results = run([...bad, ...good]);
        const last = results[results.length - 1];
        // Random lines carry no receive time, except tag blocks: compare without it.
        expect(last).toEqual(reference(good));
      }),
      runs(2000),
    );
  });
});

describe('property: bit fields', () => {
  it('any bit string comes back out of the raw payload unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 18, maxLength: 1000 }), (rest) => {
        const bits = Bits.header(8, 1).bits + rest.map((b) => (b ? '1' : '0')).join('');
        const { payload, fill } = armour(bits);
        const r = decodePayload(payload, fill) as AisRecord;
        expect(r.payloadBits).toBe(bits.length);
        let bin = '';
        for (const h of r.payload!) bin += parseInt(h, 16).toString(2).padStart(4, '0');
        expect(bin.slice(0, bits.length)).toBe(bits);
        expect(/^0*$/.test(bin.slice(bits.length))).toBe(true);
      }),
      runs(500),
    );
  });

  it('positions round-trip exactly through the 1/10000-minute wire unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: -108000000, max: 108000000 }), fc.integer({ min: -54000000, max: 54000000 }), (lon, lat) => {
        const bits = Bits.header(1, 1).u(4, 0).i(8, 0).u(10, 0).u(1, 0).i(28, lon).i(27, lat).to(168).bits;
        const { payload, fill } = armour(bits);
        const r = decodePayload(payload, fill) as AisRecord;
        expect(Math.round(r.lon! * 600000)).toBe(lon);
        expect(Math.round(r.lat! * 600000)).toBe(lat);
      }),
      runs(500),
    );
  });
});
