/**
 * Property tests: random and mutated sentences and payloads. Whatever comes in, no exception
 * escapes, a rejection is a DecodeError with a known code and a message, and an accepted record
 * holds no NaN/Infinity.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, type DecodeErrorCode, isDecodeError } from '../../core/errors.js';
import {
  bytesToLatin1,
  type ContentEncoding,
  decodeA225,
  decodeBf01,
  decodeGnss,
  decodeRdss,
  decodeTrack,
  defaultCodecRegistry,
  encodeBf01,
  encodeGbk,
  GNSS_FORMATTERS,
  RDSS_FORMATTERS,
  redecodeContent,
} from '../../gateway/decoders/beidou/index.js';
import { frameLine, hex2, xorChecksum } from '../../gateway/decoders/nmea/frame.js';
import { briefVectors } from './helpers.js';

const CODES: ReadonlySet<DecodeErrorCode> = new Set(['empty', 'framing', 'checksum', 'tag-block', 'unsupported', 'field', 'payload']);
const FORMATTERS = [...GNSS_FORMATTERS, ...RDSS_FORMATTERS];
const TALKERS = ['BD', 'GB', 'GN', 'GP', 'CC', 'GL', 'XX'];
const REGISTRY = defaultCodecRegistry();
const RX = Date.UTC(2024, 1, 6, 12);

/** Decode exactly as the line router would, with both decoders' contexts. */
function decodeAny(line: string): unknown {
  const frame = frameLine(line);
  if (isDecodeError(frame)) return frame;
  const ctx = { rxTime: RX, codecs: REGISTRY, terminalModel: 'ANY' };
  if (GNSS_FORMATTERS.has(frame.formatter)) return decodeGnss(frame, ctx);
  if (RDSS_FORMATTERS.has(frame.formatter)) return decodeRdss(frame, ctx);
  // Outside the router's dispatch the decoders must still answer, never throw.
  const a = decodeGnss(frame, ctx);
  const b = decodeRdss(frame, ctx);
  expect(a).toMatchObject({ code: 'unsupported' });
  return b;
}

function checkResult(r: unknown): void {
  if (r instanceof DecodeError) {
    expect(CODES.has(r.code), `unexpected code ${r.code}`).toBe(true);
    expect(r.message.length).toBeGreaterThan(5);
    return;
  }
  expect(r).toMatchObject({ kind: expect.stringMatching(/^(gnss|rdss)$/) });
  assertFinite(r, '');
}

function assertFinite(v: unknown, path: string): void {
  if (typeof v === 'number') {
    expect(Number.isFinite(v), `${path} = ${v}`).toBe(true);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => assertFinite(x, `${path}[${i}]`));
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) assertFinite(x, `${path}.${k}`);
  }
}

function seal(body: string): string {
  return `$${body}*${hex2(xorChecksum(body, 0, body.length))}`;
}

const latin1 = (max: number) =>
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: max }).map((a) => String.fromCharCode(...a));

/** Tokens that poke at number, time, hemisphere, card and hex parsing. */
const token = fc.oneof(
  fc.constantFrom('', '0', '-', '.', '+', '-0', '1e5', '00', '999999999999999999999', 'A', 'V', 'N', 'S', 'E', 'W', 'Y', 'T', 'M', 'K', 'H', 'L', '235960', '240000', '123519.', '9000.000', '18100.0', 'A4', 'BF01', 'D135', 'D|', '060180', '310299', 'ÿþ', '\u0000'),
  fc.integer({ min: -1e6, max: 1e9 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b).toString('hex').toUpperCase()),
  latin1(12).map((s) => s.replace(/[,*$\r\n\\]/g, '')),
);

const validLines = briefVectors()
  .filter((v) => !v.bad)
  .map((v) => v.line);
validLines.push(
  seal(`BDTXR,1,0166166,1,,${Buffer.from(encodeBf01([{ time: Date.UTC(2024, 0, 1), lat: 35, lon: 119 }])).toString('hex')}`),
  seal(`BDTXR,1,0166166,0,,${bytesToLatin1(encodeGbk('你好，鲁日渔'))}`),
  seal('BDDWR,1,0312194,072236.37,3802.69,N,11426.16,E,61.5,M,-5.2,M,0,A,V,H'),
  seal('BDPWI,082920,2,1,3,0,2,2,0,2,5,40,1,6,45,0'),
  seal('BDICZ,3,0166166,0179773,04207733'),
  seal('GNVTG,054.7,T,034.4,M,005.5,N,010.2,K,A'),
  seal('GBGLL,3114.8770,N,12135.2463,E,074155.799,A,A'),
  seal('CCTCQ,04204990,2,1,3,A4313233,0'),
);

/** Body of a valid line (between $ and *) split into address and fields. */
function parts(line: string): string[] {
  return line.slice(1, line.lastIndexOf('*')).split(',');
}

const mutation = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), tok: token }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), tok: token }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('retype' as const), talker: fc.constantFrom(...TALKERS), formatter: fc.constantFrom(...FORMATTERS) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(line: string, ms: Mutation[]): string {
  const p = parts(line);
  for (const m of ms) {
    const n = Math.max(p.length - 1, 1);
    switch (m.op) {
      case 'replace':
        p[1 + (m.at % n)] = m.tok;
        break;
      case 'delete':
        if (p.length > 1) p.splice(1 + (m.at % n), 1);
        break;
      case 'insert':
        p.splice(1 + (m.at % (n + 1)), 0, m.tok);
        break;
      case 'truncate':
        p.length = Math.max(1, 1 + (m.at % n));
        break;
      case 'retype':
        p[0] = m.talker + m.formatter; // feed one sentence's fields to another's layout
        break;
    }
  }
  return seal(p.join(','));
}

describe('property: decoders never throw', () => {
  it('random latin1 lines (framing mostly rejects them)', () => {
    fc.assert(
      fc.property(latin1(120), (line) => checkResult(decodeAny(line))),
      { numRuns: 2000 },
    );
  });

  it('random fields under every known address, with a correct checksum so they reach the decoders', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TALKERS), fc.constantFrom(...FORMATTERS), fc.array(token, { maxLength: 30 }), (talker, formatter, fields) => {
        checkResult(decodeAny(seal([talker + formatter, ...fields].join(','))));
      }),
      { numRuns: 4000 },
    );
  });

  it('mutated real sentences (replace/insert/delete/truncate fields, swap the formatter)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...validLines), fc.array(mutation, { minLength: 1, maxLength: 4 }), (line, ms) => {
        checkResult(decodeAny(mutate(line, ms)));
      }),
      { numRuns: 5000 },
    );
  });

  it('every unmutated valid line decodes, and a bad line between two copies does not change the second', () => {
    for (const line of validLines) {
      const r = decodeAny(line);
      expect(isDecodeError(r), `${line}: ${(r as DecodeError).message}`).toBe(false);
      checkResult(r);
    }
    fc.assert(
      fc.property(fc.constantFrom(...validLines), latin1(80), (good, bad) => {
        const before = decodeAny(good);
        decodeAny(bad);
        decodeAny(`$${bad}`);
        expect(decodeAny(good)).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: payload codecs never throw', () => {
  const magic = fc.constantFrom([], [0xbf, 0x01], [0xd1, 0x35], [0x44, 0x7c], [0x90], [0xa4]);
  const bytes = fc.tuple(magic, fc.uint8Array({ maxLength: 120 })).map(([m, rest]) => Uint8Array.from([...m, ...rest]));
  const lengthy = fc.tuple(magic, fc.constantFrom(21, 23, 36, 49, 62, 73, 75, 76)).chain(([m, n]) =>
    fc.uint8Array({ minLength: n, maxLength: n }).map((rest) => Uint8Array.from([...m, ...rest.subarray(m.length)])),
  );

  it('decoders and the registry on random bytes (with and without magic, at the lengths that pass the size checks)', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, lengthy), fc.constantFrom<ContentEncoding>('chinese', 'code', 'mixed', 'compressed-chinese', 'compressed-code'), (b, encoding) => {
        for (const r of [decodeBf01(b), decodeA225(b), decodeTrack(b)]) {
          if (isDecodeError(r)) {
            expect(r.code).toBe('payload');
            expect(r.message.length).toBeGreaterThan(5);
          } else assertFinite(r, 'fixes');
        }
        const hex = Buffer.from(b).toString('hex');
        const again = redecodeContent(hex, encoding, { codecs: REGISTRY, rxTime: RX });
        if (isDecodeError(again)) expect(CODES.has(again.code)).toBe(true);
        else assertFinite(again, 'content');
      }),
      { numRuns: 3000 },
    );
  });

  it('redecodeContent on arbitrary strings and encodings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 20 }), (hex, encoding) => {
        const r = redecodeContent(hex, encoding as ContentEncoding);
        if (isDecodeError(r)) expect(r.message.length).toBeGreaterThan(5);
      }),
      { numRuns: 1000 },
    );
  });
});
