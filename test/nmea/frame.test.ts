import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError } from '../../core/errors.js';
import { frameLine, hex2, xorChecksum } from '../../gateway/decoders/nmea/frame.js';
import { LineSplitter } from '../../gateway/decoders/nmea/line-splitter.js';

/** Wrap a sentence body with its correct checksum. */
function sentence(start: '!' | '$', body: string): string {
  return `${start}${body}*${hex2(xorChecksum(body, 0, body.length))}`;
}

describe('frameLine', () => {
  it('splits a sentence into talker, formatter and fields', () => {
    const f = frameLine('$GNRMC,015107.00,A,3412.76124010,N,10849.67444051,E,0.003,114.8,010323,3.4,W,A,V*4C\r\n');
    expect(f).not.toBeInstanceOf(DecodeError);
    if (f instanceof DecodeError) return;
    expect(f.start).toBe('$');
    expect(f.talker).toBe('GN');
    expect(f.formatter).toBe('RMC');
    expect(f.fields[0]).toBe('015107.00');
    expect(f.fields).toHaveLength(13);
  });

  it('rejects the wrong checksums printed in the brief', () => {
    for (const line of [
      '$GPGGA,121252.000,3937.3032,N,11611.6046,E,1,05,2.0,45.9,M,-5.7,M,,0000*77',
      '$GNGSA,A,3,,,,,,,,,,,,,1.13,.61,0.94,3*0A',
    ]) {
      const f = frameLine(line);
      expect(f).toBeInstanceOf(DecodeError);
      expect((f as DecodeError).code).toBe('checksum');
      expect((f as DecodeError).message).toMatch(/computes to (75|3A)/);
    }
  });

  it('parses an NMEA 4.0 tag block with station, time and group', () => {
    const inner = 's:rizhao-1,c:1700000000,g:1-2-73';
    const tag = `\\${inner}*${hex2(xorChecksum(inner, 0, inner.length))}\\`;
    const f = frameLine(`${tag}${sentence('!', 'AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0')}`);
    if (f instanceof DecodeError) throw new Error(f.message);
    expect(f.tag).toEqual({ station: 'rizhao-1', rxTime: 1_700_000_000_000, group: { index: 1, total: 2, id: '73' } });
  });

  it('rejects a tag block with a bad checksum but names it', () => {
    const f = frameLine(`\\s:x,c:1700000000*00\\${sentence('!', 'AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0')}`);
    expect(f).toBeInstanceOf(DecodeError);
    expect((f as DecodeError).code).toBe('tag-block');
  });

  it('keeps USCG receiver metadata after the checksum', () => {
    const f = frameLine(`${sentence('!', 'AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0')},s31350,d-090,T42.1,x152617,r003669945,1184201184`);
    if (f instanceof DecodeError) throw new Error(f.message);
    expect(f.trailer).toBe('s31350,d-090,T42.1,x152617,r003669945,1184201184');
  });

  it('never throws and always explains a rejection', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        const f = frameLine(s);
        if (f instanceof DecodeError) expect(f.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks and strips CR', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push(Buffer.from('$A*00\r\n$B'));
    s.push(Buffer.from('C*00\n\n$D*00'));
    s.end();
    expect(lines).toEqual(['$A*00', '$BC*00', '', '$D*00']);
  });

  it('keeps GBK bytes intact as latin1', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push(Buffer.from([0x24, 0xc4, 0xe3, 0x0a]));
    expect(Buffer.from(lines[0], 'latin1')).toEqual(Buffer.from([0x24, 0xc4, 0xe3]));
  });

  it('cuts an overlong line without losing the next good one', () => {
    const lines: string[] = [];
    const overlong: number[] = [];
    const s = new LineSplitter((l) => lines.push(l), (n) => overlong.push(n), 16);
    s.push(Buffer.from('x'.repeat(20)));
    s.push(Buffer.from('yyyy\n$GOOD*00\n'));
    expect(overlong).toEqual([20]);
    expect(lines).toEqual(['$GOOD*00']);
  });
});
