import { describe, expect, it } from 'vitest';
import { buildSentence, decodeGnss, GNSS_FORMATTERS } from '../../gateway/decoders/beidou/index.js';
import { frameLine, type NmeaFrame } from '../../gateway/decoders/nmea/frame.js';
import { briefVectors, gnss, iso, rejected } from './helpers.js';

const RX = Date.UTC(2024, 1, 6, 12, 0, 0); // 2024-02-06 12:00 UTC

describe('GNSS NMEA: the brief’s real sentences (§1.1)', () => {
  const vectors = briefVectors().filter((v) => v.section.startsWith('§1.1'));

  it('has the 10 good and 2 bad sentences of §1.1', () => {
    expect(vectors.filter((v) => !v.bad)).toHaveLength(10);
    expect(vectors.filter((v) => v.bad)).toHaveLength(2);
  });

  it.each(vectors.filter((v) => !v.bad).map((v) => v.line))('decodes %s', (line) => {
    const r = gnss(line, { rxTime: RX });
    expect(GNSS_FORMATTERS.has(r.sentence)).toBe(true);
  });

  it('rejects the two published sentences whose checksums are wrong, saying what they compute to', () => {
    const [gga, gsa] = vectors.filter((v) => v.bad);
    const e1 = rejected(gga.line);
    expect(e1.code).toBe('checksum');
    expect(e1.message).toContain('computes to 75');
    const e2 = rejected(gsa.line);
    expect(e2.code).toBe('checksum');
    expect(e2.message).toContain('computes to 3A');
  });

  it('GGA: position, quality, altitude, and the time of day completed with the receive date', () => {
    const r = gnss('$GNGGA,162304.000,4544.97320,N,00450.24199,E,1,07,1.1,152.8,M,50.2,M,,*46', { rxTime: RX });
    expect(r).toMatchObject({
      talker: 'GN',
      sentence: 'GGA',
      system: 'multi',
      timeOfDay: '16:23:04.000',
      fixQuality: 1,
      satellites: 7,
      hdop: 1.1,
      altitude: 152.8,
      geoidSeparation: 50.2,
      valid: true,
      rxTime: RX,
    });
    expect(r.lat).toBeCloseTo(45 + 44.9732 / 60, 10);
    expect(r.lon).toBeCloseTo(4 + 50.24199 / 60, 10); // zero-padded degrees "004"
    expect(iso(r.time)).toBe('2024-02-06T16:23:04.000Z');
    expect(r.dgpsAge).toBeUndefined();
  });

  it('GGA without a receive time keeps the time of day but no absolute time', () => {
    const r = gnss('$GNGGA,162304.000,4544.97320,N,00450.24199,E,1,07,1.1,152.8,M,50.2,M,,*46');
    expect(r.timeOfDay).toBe('16:23:04.000');
    expect(r.time).toBeUndefined();
  });

  it('RMC 4.1x with nav status: date from the sentence, magnetic variation west negative', () => {
    const r = gnss('$GNRMC,015107.00,A,3412.76124010,N,10849.67444051,E,0.003,114.8,010323,3.4,W,A,V*4C', { rxTime: RX });
    expect(iso(r.time)).toBe('2023-03-01T01:51:07.000Z'); // the date wins over the receive time
    expect(r).toMatchObject({ status: 'A', mode: 'A', navStatus: 'V', valid: true, sog: 0.003, cog: 114.8, magneticVariation: -3.4 });
    expect(r.lat).toBeCloseTo(34 + 12.7612401 / 60, 10);
    expect(r.lon).toBeCloseTo(108 + 49.67444051 / 60, 10);
  });

  it('RMC before the first fix: status V + mode N is invalid and the GPS-epoch date 060180 gives no time', () => {
    const r = gnss('$GNRMC,000021.263,V,2228.7216,N,11345.5625,E,0.000,0.00,060180,,,N*5D', { rxTime: RX });
    expect(r.valid).toBe(false);
    expect(r.status).toBe('V');
    expect(r.mode).toBe('N');
    expect(r.time).toBeUndefined(); // not completed from rxTime either: the time of day is uptime
    expect(r.timeOfDay).toBe('00:00:21.263');
  });

  it('an all-zero date is a placeholder too, not a malformed sentence', () => {
    const r = gnss(buildSentence('GNRMC', ['000012.000', 'V', '', '', '', '', '', '', '000000', '', '', 'N']), { rxTime: RX });
    expect(r.valid).toBe(false);
    expect(r.time).toBeUndefined();
  });

  it('GSA: NMEA 4.10 system id decides the constellation of a GN sentence', () => {
    const glo = gnss('$GNGSA,A,1,,,,,,,,,,,,,13.4,8.2,10.6,2*3B');
    expect(glo).toMatchObject({ system: 'GLONASS', systemId: 2, fixType: 1, valid: false, prns: [], pdop: 13.4, hdop: 8.2, vdop: 10.6 });
    const gps = gnss('$GNGSA,A,3,05,07,13,14,15,20,30,,,,,,0.97,0.59,0.77,1*03');
    expect(gps).toMatchObject({ system: 'GPS', systemId: 1, fixType: 3, valid: true, prns: [5, 7, 13, 14, 15, 20, 30] });
    const bds = gnss(buildSentence('GNGSA', ['A', 3, 21, 22, 23, '', '', '', '', '', '', '', '', '', 1.2, 0.8, 0.9, 4]));
    expect(bds.system).toBe('BDS');
    const old = gnss('$BDGSA,A,1,,,,,,,,,,,,,,,*0F'); // pre-4.10: no id, the talker says BDS
    expect(old).toMatchObject({ system: 'BDS', fixType: 1, valid: false });
    expect(old.systemId).toBeUndefined();
  });

  it('GSV: satellites, empty values absent, 4.10 signal id and the BDS signal name', () => {
    const a = gnss('$BDGSV,1,1,03,14,38,234,28,24,65,289,28,41,,,21,0*7C');
    expect(a).toMatchObject({ system: 'BDS', msgTotal: 1, msgIndex: 1, satellitesInView: 3, signalId: 0, signal: 'all' });
    expect(a.sats).toEqual([
      { prn: 14, elevation: 38, azimuth: 234, snr: 28 },
      { prn: 24, elevation: 65, azimuth: 289, snr: 28 },
      { prn: 41, snr: 21 },
    ]);
    const b = gnss('$GBGSV,8,1,30,59,39,145,26,45,05,067,24,44,09,141,28,39,73,100,19,1*7D');
    expect(b).toMatchObject({ talker: 'GB', system: 'BDS', signalId: 1, signal: 'B1I', msgTotal: 8, satellitesInView: 30 });
    expect(b.sats).toHaveLength(4);
    const c = gnss('$BDGSV,2,1,05,06,54,173,,09,39,185,,10,09,197,,30,19,165,31,0*73');
    expect(c.sats![0]).toEqual({ prn: 6, elevation: 54, azimuth: 173 });
    const empty = gnss('$BDGSV,1,1,00*68');
    expect(empty).toMatchObject({ satellitesInView: 0, sats: [] });
    expect(empty.signalId).toBeUndefined();
  });

  it('BDS module extensions CNO and COV decode (COV layout kept modest: unconfirmed)', () => {
    const cno = gnss('$BDCNO,B3I,11,6,34,60,34,37,32,56,33,16,32,39,35,23,40,40,36,32,35,11,32,59,32*4F');
    expect(cno).toMatchObject({ signal: 'B3I', satellitesInView: 11, system: 'BDS' });
    expect(cno.sats).toHaveLength(11);
    expect(cno.sats![1]).toEqual({ prn: 60, snr: 34 });
    const cov = gnss('$BDCOV,1036,286176.000,00*66');
    expect(cov).toMatchObject({ bdsWeek: 1036, timeOfWeek: 286176, rawFields: ['00'] });
    expect(cov.time).toBeUndefined();
  });
});

describe('GNSS NMEA: layouts and tolerance', () => {
  it('GLL and both VTG variants', () => {
    const gll = gnss(buildSentence('GBGLL', ['3114.8770', 'N', '12135.2463', 'E', '074155.799', 'A', 'A']), { rxTime: RX });
    expect(gll).toMatchObject({ sentence: 'GLL', status: 'A', valid: true, timeOfDay: '07:41:55.799', system: 'BDS' });
    expect(gll.lat).toBeCloseTo(31.24795, 8);
    const gllNoFix = gnss(buildSentence('GNGLL', ['', '', '', '', '074155.799', 'V', 'N']));
    expect(gllNoFix.valid).toBe(false);
    expect(gllNoFix.lat).toBeUndefined();
    const vtg = gnss(buildSentence('GNVTG', ['054.7', 'T', '034.4', 'M', '005.5', 'N', '010.2', 'K', 'A']));
    expect(vtg).toMatchObject({ cog: 54.7, cogMagnetic: 34.4, sog: 5.5, sogKmh: 10.2, mode: 'A', valid: true });
    const old = gnss(buildSentence('GPVTG', ['054.7', '034.4', '005.5', '010.2']));
    expect(old).toMatchObject({ cog: 54.7, cogMagnetic: 34.4, sog: 5.5, sogKmh: 10.2, valid: true });
    const none = gnss(buildSentence('GNVTG', ['', 'T', '', 'M', '', 'N', '', 'K', 'N']));
    expect(none.valid).toBe(false);
  });

  it('tolerates extra trailing fields and missing optional trailing fields', () => {
    const extra = gnss('$GNGGA,074155.799,3114.8770,N,12135.2463,E,1,05,1.3,156.9,M,8.3,M,,0000,4.9*77'); // SiRF appends a field
    expect(extra).toMatchObject({ fixQuality: 1, altitude: 156.9, dgpsStation: '0000' });
    const short = gnss(buildSentence('GPRMC', ['123519', 'A', '4807.038', 'N', '01131.000', 'E', '022.4', '084.4', '230394']));
    expect(short).toMatchObject({ valid: true, sog: 22.4, cog: 84.4 });
    expect(iso(short.time)).toBe('1994-03-23T12:35:19.000Z');
    expect(short.mode).toBeUndefined();
    // SiRF writes a TDOP where 4.10 has the system id: ignored, not a rejection.
    const sirf = gnss('$GPGSA,A,3,25,32,,,,,,,,,,,5.1,1.3,4.9,3.3*3D');
    expect(sirf.systemId).toBeUndefined();
    expect(sirf.system).toBe('GPS');
  });

  it('rejects missing required fields with a message naming the field', () => {
    const e = rejected(buildSentence('GPGGA', ['123519', '4807.038', 'N']));
    expect(e.code).toBe('field');
    expect(e.message).toMatch(/GGA is missing field 6 \(fix quality\)/);
    const e2 = rejected(buildSentence('GNRMC', ['123519', '', '4807.038', 'N']));
    expect(e2.code).toBe('field');
    expect(e2.message).toContain('status');
    expect(rejected(buildSentence('BDGSV', ['1'])).message).toContain('message number');
  });

  it('rejects malformed values: bad minutes, latitude over 90, missing hemisphere, bad time', () => {
    expect(rejected(buildSentence('GPGGA', ['123519', '4867.038', 'N', '01131.000', 'E', '1'])).message).toContain('latitude');
    expect(rejected(buildSentence('GPGGA', ['123519', '9107.038', 'N', '01131.000', 'E', '1'])).code).toBe('field');
    expect(rejected(buildSentence('GPGGA', ['123519', '4807.038', '', '01131.000', 'E', '1'])).message).toContain('N or S');
    expect(rejected(buildSentence('GPGGA', ['126019', '4807.038', 'N', '01131.000', 'E', '1'])).message).toContain('UTC time');
    expect(rejected(buildSentence('GPRMC', ['123519', 'A', '', '', '', '', '', '', '310294'])).message).toContain('date');
    expect(rejected(buildSentence('GPGSV', ['2', '3', '08'])).code).toBe('field');
    expect(rejected(buildSentence('GPGSV', ['1', '1', '01', '07', '95', '100', '40'])).message).toContain('elevation');
  });

  it('says a sentence it does not decode is unsupported', () => {
    const frame = frameLine('$GNGNS,074150.799,,,,,NNNN,00,,,0.0,,0000*63') as NmeaFrame;
    const r = decodeGnss(frame, {});
    expect(r).toMatchObject({ kind: 'error', code: 'unsupported' });
  });

  it('takes the receive time and station from a tag block when the caller gives none', () => {
    const inner = 's:rz-01,c:1707177602';
    const x = [...inner].reduce((a, c) => a ^ c.charCodeAt(0), 0).toString(16).toUpperCase().padStart(2, '0');
    const line = `\\${inner}*${x}\\${buildSentence('GNGGA', ['235959.500', '3114.8770', 'N', '12135.2463', 'E', 1, '05', 1.3, 156.9, 'M', 8.3, 'M', '', ''])}`;
    const r = gnss(line);
    expect(r.station).toBe('rz-01');
    expect(r.rxTime).toBe(1707177602000); // 2024-02-06T00:00:02Z
    expect(iso(r.time)).toBe('2024-02-05T23:59:59.500Z'); // midnight rollover: the day before
  });
});

describe('time of day completion across midnight', () => {
  const gga = (t: string) => buildSentence('BDGGA', [t, '3114.8770', 'N', '12135.2463', 'E', 1, '05', 1.3, 156.9, 'M', 8.3, 'M', '', '']);

  it('a sentence stamped just before midnight and received just after belongs to the previous day', () => {
    const r = gnss(gga('235959.000'), { rxTime: Date.UTC(2024, 1, 6, 0, 0, 2) });
    expect(iso(r.time)).toBe('2024-02-05T23:59:59.000Z');
  });

  it('a receiver clock a little ahead of the receive time rolls into the next day', () => {
    const r = gnss(gga('000001.000'), { rxTime: Date.UTC(2024, 1, 5, 23, 59, 58) });
    expect(iso(r.time)).toBe('2024-02-06T00:00:01.000Z');
  });

  it('mid-day times stay on the receive date', () => {
    const r = gnss(gga('120000.250'), { rxTime: Date.UTC(2024, 1, 6, 11, 59, 0) });
    expect(iso(r.time)).toBe('2024-02-06T12:00:00.250Z');
  });
});
