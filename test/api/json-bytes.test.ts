import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../../api/json-bytes.js';

const text = (write: (out: JsonBytes) => void, expectedBytes = 8): string => {
  const out = new JsonBytes(expectedBytes);
  write(out);
  return out.bytes().toString('utf8');
};

describe('JsonBytes', () => {
  it('writes a number rounded to the places asked, as the nearest double to that decimal, in the shortest form', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: -180, max: 180, noNaN: true })), fc.integer({ min: 0, max: 9 }), (x, decimals) => {
        const written = text((out) => out.decimal(x, decimals));
        const scale = 10 ** decimals;
        const rounded = Math.round(Math.abs(x) * scale);
        if (!Number.isSafeInteger(rounded)) {
          expect(written).toBe(JSON.stringify(x));
          return;
        }
        // A correctly rounded division of two exact integers is the double nearest the decimal, as JSON.parse gives.
        const expected = rounded === 0 ? 0 : (Math.sign(x) * rounded) / scale;
        expect(JSON.parse(written)).toBe(expected);
        expect(written).toMatch(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
      }),
      { numRuns: 5000 },
    );
  });

  it('writes what JSON.stringify writes for positions, speeds and the values it cannot carry', () => {
    expect(text((out) => out.decimal(119.5287833, 7))).toBe('119.5287833');
    expect(text((out) => out.decimal(35.123456666666664, 7))).toBe('35.1234567');
    expect(text((out) => out.decimal(-0.00000004, 7))).toBe('0');
    expect(text((out) => out.decimal(-12.5, 2))).toBe('-12.5');
    expect(text((out) => out.decimal(5.400000095367432, 2))).toBe('5.4');
    expect(text((out) => out.decimal(100, 2))).toBe('100');
    expect(text((out) => out.decimal(Number.NaN, 2).raw(',').decimal(Infinity, 2))).toBe('null,null');
    expect(text((out) => out.decimal(1e300, 7))).toBe('1e+300');
  });

  it('writes times exactly as Date#toISOString, across days and before 1970', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -30_000_000_000_000, max: 250_000_000_000_000 }), { maxLength: 20 }), (times) => {
        const written = text((out) => times.forEach((ms, i) => (i === 0 ? out : out.raw(',')).isoTime(ms)));
        expect(JSON.parse(`[${written}]`)).toEqual(times.map((ms) => new Date(ms).toISOString()));
      }),
      { numRuns: 500 },
    );
  });

  it('writes strings exactly as JSON.stringify, escapes and any Unicode included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('ais', 'bds-rdss', '鲁日渔60123', 'a"b\\c\n')), (s) => {
        expect(text((out) => out.string(s))).toBe(JSON.stringify(s));
        expect(text((out) => out.raw('[').string(s).raw(',').value({ s }).raw(']'))).toBe(JSON.stringify([s, { s }]));
      }),
      { numRuns: 2000 },
    );
  });

  it('grows past its first guess without losing what it holds', () => {
    const values = Array.from({ length: 5000 }, (_, i) => i / 7);
    const written = text((out) => {
      out.raw('{"name":').string('鲁日渔60123').raw(',"x":[');
      values.forEach((v, i) => (i === 0 ? out : out.raw(',')).decimal(v, 7));
      out.raw(']}');
    }, 1);
    expect(JSON.parse(written)).toEqual({ name: '鲁日渔60123', x: values.map((v) => Math.round(v * 1e7) / 1e7) });
  });
});
