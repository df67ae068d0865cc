import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { LineDecoder } from '../../gateway/decoders/line.js';

/** The bundled sample's good lines: AIS (single and multi-part), GNSS, RDSS 2.1 and 4.0. */
const SAMPLE = readFileSync(join(PACKAGE_ROOT, 'gateway', 'cli', 'sample', 'rizhao.nmea'), 'latin1')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'));

/** Decode a stream; the JSON of each good record, in order. */
function decodeAll(lines: readonly string[]): { records: string[]; errors: DecodeError[] } {
  const d = new LineDecoder();
  const records: string[] = [];
  const errors: DecodeError[] = [];
  for (const line of lines) {
    const r = d.decode(line);
    if (r instanceof DecodeError) errors.push(r);
    else if (r !== null) records.push(JSON.stringify(r));
  }
  errors.push(...d.finish());
  return { records, errors };
}

const goodLines = SAMPLE.filter((l) => {
  const d = new LineDecoder();
  return !(d.decode(l) instanceof DecodeError);
});
/** Single-sentence good lines: each decodes alone to one record. */
const standalone = goodLines.filter((l) => new LineDecoder().decode(l) !== null);

/** Noise: random text, random bytes, mutated good lines (one character changed, cut short, doubled). */
const noise = fc.oneof(
  fc.string({ maxLength: 100 }),
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('latin1').replace(/\n/g, '')),
  fc
    .tuple(fc.constantFrom(...goodLines), fc.nat(), fc.integer({ min: 32, max: 255 }))
    .map(([l, at, c]) => {
      const i = at % l.length;
      return l.slice(0, i) + String.fromCharCode(c) + l.slice(i + 1);
    }),
  fc.tuple(fc.constantFrom(...goodLines), fc.nat()).map(([l, at]) => l.slice(0, at % l.length)),
  fc.constantFrom(...goodLines).map((l) => l + l),
);

describe('line router: a bad line never spoils its neighbours', () => {
  it('the sample holds every family of good line', () => {
    const kinds = new Set(goodLines.map((l) => new LineDecoder().decode(l)).filter((r) => r && !(r instanceof DecodeError)).map((r) => (r as { kind: string }).kind));
    expect([...kinds].sort()).toEqual(['ais', 'gnss', 'rdss']);
  });

  it('good single-sentence lines decode the same with any noise between them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...standalone), fc.array(noise, { maxLength: 3 })), { minLength: 1, maxLength: 12 }), (pairs) => {
        const clean = pairs.map(([good]) => good);
        // Noise before each good line; a good line starting with `!` then still starts a fresh message.
        const noisy = pairs.flatMap(([good, junk]) => [...junk, good]);
        const expected = decodeAll(clean).records;
        const got = decodeAll(noisy);
        for (const e of got.errors) {
          expect(e).toBeInstanceOf(DecodeError);
          expect(e.message.length).toBeGreaterThan(0);
        }
        // Every clean record appears, in order, among the noisy run's records (noise may add records of its own, e.g. a doubled line).
        let at = 0;
        for (const rec of got.records) if (rec === expected[at]) at++;
        expect(at).toBe(expected.length);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on arbitrary input', () => {
    const d = new LineDecoder();
    fc.assert(
      fc.property(noise, (line) => {
        const r = d.decode(line);
        if (r instanceof DecodeError) expect(r.message).not.toBe('');
      }),
      { numRuns: 5000 },
    );
  });
});
