import { describe, expect, it } from 'vitest';
import { isDecodeError } from '../../core/errors.js';
import {
  buildSentence,
  bytesToHex,
  bytesToLatin1,
  CodecRegistry,
  decodeRdss,
  defaultCodecRegistry,
  encodeBf01,
  encodeGbk,
  type PayloadCodec,
  RDSS_FORMATTERS,
  type RdssRecord,
  redecodeContent,
} from '../../gateway/decoders/beidou/index.js';
import { frameLine, hex2, type NmeaFrame, xorChecksum } from '../../gateway/decoders/nmea/frame.js';
import { briefVectors, iso, rdss, rejected } from './helpers.js';

const RX = Date.UTC(2024, 1, 6, 12, 0, 0);

/** What each real RDSS sentence of the brief must decode to (a subset of fields). */
const EXPECTED: Record<string, Partial<RdssRecord>> = {
  '$CCTXA,0166166,1,1,3132333433333335*7F': { protocol: '2.1', direction: 'command', recipient: '166166', messageClass: 'normal', encoding: 'code', contentHex: '3132333433333335' },
  '$BDFKI,TXA,N,Y,0,0000*04': { protocol: '2.1', command: 'TXA', ok: false, frequencyOk: true, suppression: 0, waitSeconds: 0 },
  '$BDFKI,TXA,Y,Y,0,0040*17': { protocol: '2.1', command: 'TXA', ok: true, waitSeconds: 40 },
  '$BDTXR,1,0166166,1,,3132333433333335*46': { protocol: '2.1', direction: 'report', card: '166166', messageClass: 'normal', encoding: 'code', contentHex: '3132333433333335' },
  '$BDICI,0166166,02097151,0000011,6,40,3,N,000*33': { card: '166166', serial: '02097151', broadcastId: '11', userCharacteristic: 6, serviceIntervalS: 40, level: 3, encrypted: false, subordinateCount: 0 },
  '$BDICI,0241636,24000000,1933442,6,60,3,N,0*30': { card: '241636', serviceIntervalS: 60, level: 3, encrypted: false },
  '$BDICI,4207733,0,0,3,60,2,N,22*3A': { card: '4207733', serviceIntervalS: 60, level: 2, subordinateCount: 22 },
  '$CCICA,0,00*7B': { direction: 'command', queryType: 0, frameNo: 0 },
  '$CCDWA,0000000,V,1,L,,0,,,0*65': { card: '0', emergency: false, heightMode: 1, heightType: 'L', antennaHeight: 0, repeatIntervalS: 0 },
  '$BDWAA,0,,0312194,072236.37,3802.69000,N,11426.16000,E,61,M*05': { card: '312194', infoType: 0, timeOfDay: '07:22:36.370', altitude: 61 },
  '$BDBSI,01,03,3,2,2,0,3,0,0,3,0,0*5F': { responseBeam: 1, timeDiffBeam: 3, beamPower: [3, 2, 2, 0, 3, 0, 0, 3, 0, 0] },
  '$CCRMO,BSI,2,1*27': { targetSentence: 'BSI', outputMode: 2, outputRate: 1 },
  '$CCRMO,BSI,2,0*26': { targetSentence: 'BSI', outputMode: 2, outputRate: 0 },
  '$CCTXA,0179773,1,2,A468656C6C6F*7A': { recipient: '179773', encoding: 'mixed', text: 'hello', contentHex: 'A468656C6C6F' },
  '$BDTXR,1,0179773,2,,A468656C6C6F*43': { card: '179773', encoding: 'mixed', text: 'hello' },
  '$BDTXR,1,0195817,2,,A4FB113383315933313233343536*37': { card: '195817', encoding: 'mixed', contentHex: 'A4FB113383315933313233343536' },
  '$CCTXA,0247718,1,1,3132333435*70': { recipient: '247718', encoding: 'code', contentHex: '3132333435' },
  '$BDICI,2097151,00000000,2097151,0,9999.0,0,N,0*25': { card: '2097151', broadcastId: '2097151', serviceIntervalS: 9999, level: 0 },
  '$BDTXR,1,0920694,2,,A450D60119040312150042CB6666401A3D7100000000000000000000000000A1F00000000000000000000000000000000000000000*48': {
    card: '920694',
    encoding: 'mixed',
  },
  '$CCICR,0,00*68': { protocol: '4.0', direction: 'command', queryType: 0, frameNo: 0 },
  '$BDFKI,082920,TCQ,Y,0,0*70': { protocol: '4.0', timeOfDay: '08:29:20.000', command: 'TCQ', ok: true, failureCode: 0, waitSeconds: 0 },
  '$BDICP,4238473,0,0,3,0,N,2,N,1,0,0,3,1,60,2,0,0,0,0,21,0,0,0*48': { protocol: '4.0', card: '4238473', serviceIntervalS: 60, level: 2 },
  '$BDICP,15240507,2032472,1,3,0,N,1,Y,1,0,0,3,1,1,5,1,1,2,2,500,100,10,10*65': { card: '15240507', serviceIntervalS: 1, level: 5 },
  '$BDTCI,4204986,4204990,2,142204,2,0,3A642B500000000000000A01F35B41EC036542EE74F5*40': {
    protocol: '4.0',
    card: '4204986',
    recipient: '4204990',
    frequencyPoint: 2,
    encodingCategory: 2,
    encoding: 'code',
    tciFlag: '0',
    timeOfDay: '14:22:04.000',
    contentHex: '3A642B500000000000000A01F35B41EC036542EE74F5',
  },
  '$BDTCI,4204986,4204990,2,111143,2,0,FE24003100000000000006006E5141F0DF0242F3FBDC*31': {
    card: '4204986',
    timeOfDay: '11:11:43.000',
    contentHex: 'FE24003100000000000006006E5141F0DF0242F3FBDC',
  },
  '$BDTXR,1,4207733,1,2337,90000000000065C1FAF4B2E2CAD4*3F': { protocol: '2.1', card: '4207733', encoding: 'code', timeOfDay: '23:37:00.000' },
};

describe('RDSS: the brief’s real sentences (§1.2, §4)', () => {
  const vectors = briefVectors().filter((v) => !v.section.startsWith('§1.1') && RDSS_FORMATTERS.has(v.line.slice(3, 6)));

  it('covers every RDSS sentence of the fixture with an expectation', () => {
    expect(vectors.map((v) => v.line).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (line, expected) => {
    const r = rdss(line, { rxTime: RX });
    expect(r).toMatchObject({ kind: 'rdss', sentence: line.slice(3, 6), rxTime: RX, ...expected });
  });

  it('WAA position and completed time', () => {
    const r = rdss('$BDWAA,0,,0312194,072236.37,3802.69000,N,11426.16000,E,61,M*05', { rxTime: RX });
    expect(r.lat).toBeCloseTo(38 + 2.69 / 60, 10);
    expect(r.lon).toBeCloseTo(114 + 26.16 / 60, 10);
    expect(iso(r.time)).toBe('2024-02-06T07:22:36.370Z');
  });

  it('the BDTXR vector carrying an app-header payload: Unix time and GBK "测试" inside code content', () => {
    const r = rdss('$BDTXR,1,4207733,1,2337,90000000000065C1FAF4B2E2CAD4*3F', { rxTime: RX });
    expect(r).toMatchObject({ codec: 'app-90', text: '测试', contentHex: '90000000000065C1FAF4B2E2CAD4' });
    expect(iso(r.sentTime)).toBe('2024-02-06T09:25:08.000Z');
    expect(r.fixes).toBeUndefined();
  });

  it('BDTCI vectors: UTC time completed with the receive date, raw code content kept for later codecs', () => {
    const r = rdss('$BDTCI,4204986,4204990,2,142204,2,0,3A642B500000000000000A01F35B41EC036542EE74F5*40', { rxTime: RX });
    expect(iso(r.time)).toBe('2024-02-06T14:22:04.000Z');
    expect(r.codec).toBeUndefined(); // no documented format starts 3A 64
    expect(r.text).toBeUndefined();
  });

  it('2.1 mixed GBK text: A4 + "123你好这是测试"', () => {
    const r = rdss(buildSentence('BDTXR', [1, '0179773', 2, '', 'A4313233C4E3BAC3D5E2CAC7B2E2CAD4']));
    expect(r).toMatchObject({ encoding: 'mixed', text: '123你好这是测试', contentHex: 'A4313233C4E3BAC3D5E2CAC7B2E2CAD4' });
  });

  it('mixed content that is not clean GBK keeps its bytes and claims no text', () => {
    const r = rdss('$BDTXR,1,0195817,2,,A4FB113383315933313233343536*37');
    expect(r.text).toBeUndefined();
  });
});

describe('RDSS: content as bytes', () => {
  it('汉字 mode: raw GBK bytes survive framing as a latin1 byte string and decode to text', () => {
    const text = '鲁日渔60333返港，一切平安';
    const gbk = encodeGbk(text);
    const line = buildSentence('BDTXR', [1, '0166166', 0, '', bytesToLatin1(gbk)]);
    // The line is bytes: written out as latin1 it is exactly the GBK bytes between the commas.
    const wire = Buffer.from(`${line}\r\n`, 'latin1');
    expect(wire.includes(Buffer.from(gbk))).toBe(true);
    expect(line.length).toBeGreaterThan(20);
    const r = rdss(wire.toString('latin1'), { rxTime: RX });
    expect(r).toMatchObject({ encoding: 'chinese', form: 0, card: '166166', text, contentHex: bytesToHex(gbk) });
  });

  it('汉字 mode rejoins an ASCII comma inside the text', () => {
    const gbk = encodeGbk('你好,世界');
    const r = rdss(buildSentence('BDTXR', [1, '0166166', 0, '', bytesToLatin1(gbk)]));
    expect(r.text).toBe('你好,世界');
  });

  it('long lines (far beyond 82 chars) are fine', () => {
    const text = '测'.repeat(300);
    const line = buildSentence('BDTXR', [1, '0166166', 0, '', bytesToLatin1(encodeGbk(text))]);
    expect(line.length).toBeGreaterThan(600);
    expect(rdss(line).text).toBe(text);
  });

  it('a line decoded as text instead of bytes (chars above U+00FF) is rejected with the reason', () => {
    const body = 'BDTXR,1,0166166,0,,你好';
    const line = `$${body}*${hex2(xorChecksum(body, 0, body.length))}`;
    const e = rejected(line);
    expect(e.code).toBe('field');
    expect(e.message).toContain('latin1');
  });

  it('code mode keeps an odd nibble count (半字节)', () => {
    const r = rdss(buildSentence('CCTXA', ['0166166', 1, 1, '31323']));
    expect(r.contentHex).toBe('31323');
  });

  it('code and mixed content must be hex', () => {
    expect(rejected(buildSentence('BDTXR', [1, '0166166', 1, '', 'XYZ'])).message).toContain('hex');
    expect(rejected(buildSentence('BDTXR', [1, '0166166', 2, '', 'A4313'])).message).toContain('even number');
  });

  it('4.0 categories: 1 GBK hex, 3 mixed, 4/5 compressed kept raw', () => {
    const cat1 = rdss(buildSentence('BDTCI', ['4204986', '4204990', 2, '101010', 1, 0, bytesToHex(encodeGbk('你好'))]));
    expect(cat1).toMatchObject({ encoding: 'chinese', text: '你好' });
    const cat3 = rdss(buildSentence('BDTCI', ['4204986', '4204990', 2, '101010', 3, 0, `A4${bytesToHex(encodeGbk('123你好'))}`]));
    expect(cat3).toMatchObject({ encoding: 'mixed', text: '123你好' });
    const cat4 = rdss(buildSentence('BDTCI', ['4204986', '4204990', 2, '101010', 4, 0, 'C4E3BAC3']));
    expect(cat4).toMatchObject({ encoding: 'compressed-chinese', contentHex: 'C4E3BAC3' });
    expect(cat4.text).toBeUndefined();
    expect(cat4.codec).toBeUndefined();
    const cat5 = rdss(buildSentence('BDTCI', ['4204986', '4204990', 2, '101010', 5, 0, 'BF01']));
    expect(cat5).toMatchObject({ encoding: 'compressed-code', contentHex: 'BF01' });
    expect(cat5.codec).toBeUndefined();
    expect(rejected(buildSentence('BDTCI', ['4204986', '4204990', 2, '101010', 6, 0, '00'])).message).toContain('编码类别');
  });

  it('host command CCTCQ with mixed content', () => {
    const r = rdss(buildSentence('CCTCQ', ['04204990', 2, 1, 3, 'A4313233', 0]));
    expect(r).toMatchObject({ protocol: '4.0', direction: 'command', recipient: '4204990', frequencyPoint: 2, inboundAck: 1, encoding: 'mixed', text: '123', repeatIntervalS: 0 });
  });
});

describe('RDSS: card numbers, times, other sentences', () => {
  it('normalises card numbers to the canonical decimal string', () => {
    expect(rdss(buildSentence('BDTCI', ['04207733', '4207733', 2, '023242', 2, 0, '00'])).card).toBe('4207733');
    expect(rdss(buildSentence('BDTCI', ['00004207733', '000004207733', 2, '023242', 2, 0, '00'])).recipient).toBe('4207733');
    expect(rdss(buildSentence('BDTXR', [1, '0000000', 1, '', '00'])).card).toBe('0');
    const e = rejected(buildSentence('BDTXR', [1, '42O7733', 1, '', '00']));
    expect(e.code).toBe('field');
    expect(e.message).toContain('card');
  });

  it('the vendor BDTCI of the brief: UTC send time, in-payload Unix time one second earlier, text 测试', () => {
    const line = buildSentence('BDTCI', ['04207733', '4207733', 2, '023242', 2, 0, '90000000000065BEF749B2E2CAD4']);
    const r = rdss(line, { rxTime: Date.UTC(2024, 1, 4, 2, 35) });
    expect(iso(r.time)).toBe('2024-02-04T02:32:42.000Z');
    expect(iso(r.sentTime)).toBe('2024-02-04T02:32:41.000Z');
    expect(r).toMatchObject({ card: '4207733', recipient: '4207733', text: '测试', codec: 'app-90' });
  });

  it('midnight rollover: 23:59:59 received at 00:00:03 is the previous day; 00:00:01 received 23:59:58 is the next', () => {
    const tci = (t: string) => buildSentence('BDTCI', ['4204986', '4204990', 2, t, 2, 0, '00']);
    expect(iso(rdss(tci('235959'), { rxTime: Date.UTC(2024, 1, 5, 0, 0, 3) }).time)).toBe('2024-02-04T23:59:59.000Z');
    expect(iso(rdss(tci('000001'), { rxTime: Date.UTC(2024, 1, 4, 23, 59, 58) }).time)).toBe('2024-02-05T00:00:01.000Z');
    const fki = buildSentence('BDFKI', ['235959.50', 'TCQ', 'Y', 0, 0]);
    expect(iso(rdss(fki, { rxTime: Date.UTC(2024, 1, 5, 0, 0, 1) }).time)).toBe('2024-02-04T23:59:59.500Z');
  });

  it('takes rxTime and station from a tag block', () => {
    const inner = 's:rz-cmd-1,c:1707177603';
    const tag = `\\${inner}*${hex2(xorChecksum(inner, 0, inner.length))}\\`;
    const r = rdss(tag + buildSentence('BDTCI', ['4204986', '4204990', 2, '235959', 2, 0, '00']));
    expect(r.station).toBe('rz-cmd-1');
    expect(iso(r.time)).toBe('2024-02-05T23:59:59.000Z');
  });

  it('FKI: 2.1 and 4.0 told apart by the first field; 4.0 failure codes explained', () => {
    expect(rdss('$BDFKI,TXA,Y,Y,0,0040*17').protocol).toBe('2.1');
    const f = rdss(buildSentence('BDFKI', ['082920', 'TCQ', 'N', 1, 58]));
    expect(f).toMatchObject({ protocol: '4.0', ok: false, failureCode: 1, waitSeconds: 58 });
    expect(f.failureReason).toContain('频度未到');
    expect(rejected(buildSentence('BDFKI', ['', 'TCQ', 'N'])).message).toContain('neither a time');
  });

  it('ICZ, DWR, PWI, WBA', () => {
    expect(rdss(buildSentence('BDICZ', [3, '0166166', '0179773', '04207733'])).subordinates).toEqual(['166166', '179773', '4207733']);
    const dwr = rdss(buildSentence('BDDWR', [1, '0312194', '072236.37', '3802.69', 'N', '11426.16', 'E', 61.5, 'M', -5.2, 'M', 0, 'A', 'V', 'H']), { rxTime: RX });
    expect(dwr).toMatchObject({ positionType: 1, card: '312194', altitude: 61.5, heightAnomaly: -5.2, precision: 0, emergency: true, multiSolution: false, heightType: 'H' });
    expect(dwr.lat).toBeCloseTo(38.0448333, 6);
    const pwi = rdss(buildSentence('BDPWI', ['082920', 2, 1, 3, 0, 2, 2, 0, 2, 5, 40, 1, 6, 45, 0]));
    expect(pwi).toMatchObject({ rdss2Beams: [[1, 3, 0], [2, 2, 0]], rdss3Beams: [[5, 40, 1], [6, 45, 0]] });
    // Regression (found by the property test): a beam count with no values after it used to loop forever.
    expect(rejected(buildSentence('BDPWI', ['082920', 0, 2])).code).toBe('field');
    expect(rejected(buildSentence('BDPWI', ['082920', 3, 1, 2])).message).toContain('RDSS-2 beam count');
    expect(rdss(buildSentence('CCWBA', ['0312194', 'L', 1.5, 60]))).toMatchObject({ card: '312194', heightType: 'L', antennaHeight: 1.5, reportIntervalS: 60 });
  });

  it('missing required fields are field errors with a clear message', () => {
    expect(rejected(buildSentence('BDTXR', [1])).message).toMatch(/TXR is missing field 2 \(sender card\)/);
    expect(rejected(buildSentence('BDTCI', ['4204986', '4204990', 2, '142204'])).message).toContain('编码类别');
    expect(rejected(buildSentence('BDICI', [''])).message).toContain('empty');
  });

  it('a formatter it does not know is unsupported', () => {
    const frame = frameLine(buildSentence('BDZZZ', [1])) as NmeaFrame;
    expect(decodeRdss(frame)).toMatchObject({ code: 'unsupported' });
  });
});

describe('RDSS: positions inside content', () => {
  const fixes = [
    { time: Date.UTC(2024, 4, 1, 3, 0, 0), lat: 35.38, lon: 119.55, altitude: 3, heading: 90, speedRaw: 52 },
    { time: Date.UTC(2024, 4, 1, 3, 2, 0), lat: 35.3812, lon: 119.5531, altitude: 4, heading: 92, speedRaw: 55 },
  ];
  const bf01Hex = bytesToHex(encodeBf01(fixes, { terminalId: 0x057840 }));

  it('a BF01 payload in a TXR comes out as fixes, with the raw content kept', () => {
    const r = rdss(buildSentence('BDTXR', [1, '0166166', 1, '', bf01Hex]), { rxTime: RX });
    expect(r).toMatchObject({ codec: 'bf01', contentHex: bf01Hex, terminalId: String(0x057840) });
    expect(r.fixes).toHaveLength(2);
    expect(r.fixes![1].lat).toBeCloseTo(35.3812, 6);
    expect(iso(r.fixes![1].time)).toBe('2024-05-01T03:02:00.000Z');
  });

  it('a recognised payload that fails keeps the record, the raw content and says why', () => {
    const r = rdss(buildSentence('BDTXR', [1, '0166166', 1, '', 'BF01AABB']));
    expect(r).toMatchObject({ codec: 'bf01', contentHex: 'BF01AABB' });
    expect(r.payloadError).toMatch(/BF01 content is 4 bytes/);
    expect(r.fixes).toBeUndefined();
  });

  it('the terminal model picks the codec before magic bytes; unknown models fall back to magic', () => {
    const seen: string[] = [];
    const vendor: PayloadCodec = {
      id: 'vendor-x',
      encodings: ['code'],
      match: () => true,
      decode: (bytes) => {
        seen.push(bytesToHex(bytes.subarray(0, 2)));
        return [{ lat: 1, lon: 2 }];
      },
    };
    const codecs = defaultCodecRegistry().register(vendor).bindModel('HM-5', 'vendor-x');
    const line = buildSentence('BDTXR', [1, '0166166', 1, '', bf01Hex]);
    expect(rdss(line, { codecs, terminalModel: ' hm-5 ' }).codec).toBe('vendor-x');
    expect(rdss(line, { codecs, terminalModel: 'OTHER' }).codec).toBe('bf01');
    expect(rdss(line, { codecs }).codec).toBe('bf01');
    expect(seen).toEqual(['BF01']);
    // A model whose codec does not recognise the bytes (a text message) falls back to the rest.
    codecs.bindModel('BX-2', 'bf01');
    const text = rdss('$BDTXR,1,0179773,2,,A468656C6C6F*43', { codecs, terminalModel: 'BX-2' });
    expect(text).toMatchObject({ text: 'hello' });
    expect(text.codec).toBeUndefined();
  });

  it('a codec that throws does not take the decoder down', () => {
    const bad: PayloadCodec = {
      id: 'explodes',
      match: (b) => b[0] === 0x77,
      decode: () => {
        throw new Error('boom');
      },
    };
    const r = rdss(buildSentence('BDTXR', [1, '0166166', 1, '', '7700']), { codecs: new CodecRegistry([bad]) });
    expect(r.payloadError).toContain('boom');
  });

  it('undecoded content can be decoded again later from contentHex + encoding', () => {
    const r = rdss(buildSentence('BDTXR', [1, '0166166', 1, '', bf01Hex]), { codecs: new CodecRegistry() });
    expect(r.codec).toBeUndefined();
    expect(r.fixes).toBeUndefined();
    const again = redecodeContent(r.contentHex!, r.encoding!, { codecs: defaultCodecRegistry() });
    if (isDecodeError(again)) throw new Error(again.message);
    expect(again.codec).toBe('bf01');
    expect(again.fixes).toHaveLength(2);
    const text = redecodeContent('A4313233C4E3BAC3D5E2CAC7B2E2CAD4', 'mixed');
    expect(text).toMatchObject({ text: '123你好这是测试' });
    expect(redecodeContent('A4GG', 'mixed')).toMatchObject({ code: 'payload' });
    expect(redecodeContent('A43', 'mixed')).toMatchObject({ code: 'payload' });
    expect(redecodeContent('00', 'bogus' as never)).toMatchObject({ kind: 'error' });
  });
});
