#!/usr/bin/env node
// Writes gateway/cli/sample/rizhao.nmea, the small sample `tidewatch demo` decodes: a few Rizhao
// fishing vessels over AIS (class A and B, tag blocks from a shore station) and Beidou (RNSS NMEA,
// RDSS 2.1 and 4.0 short messages with vendor position payloads), plus bad lines showing how
// rejections are reported. Deterministic; encoded with the project's own encoders (run `npm run build` first).
import { writeFileSync } from 'node:fs';
import { encodeAisSentences } from '../dist/gateway/decoders/ais/index.js';
import { buildSentence, bytesToHex, encodeBf01, encodeTrack, encodeGbk } from '../dist/gateway/decoders/beidou/index.js';
import { hex2, xorChecksum } from '../dist/gateway/decoders/nmea/frame.js';

const START = Date.UTC(2026, 4, 16, 22, 0, 0); // a May night, 06:00 Beijing time next morning
const lines = [
  '# Tidewatch sample: Rizhao waters, Yellow Sea. Made by scripts/make-sample.mjs (synthetic vessels, real formats).',
];

const tagged = (sentence, time) => {
  const inner = `s:rizhao-ais-1,c:${Math.round(time / 1000)}`;
  return `\\${inner}*${hex2(xorChecksum(inner, 0, inner.length))}\\${sentence}`;
};

// Class A trawler leaving Rizhao fishing port eastwards, and its static data.
const trawler = { mmsi: 412325670, name: 'LU RI YU 60123', callsign: 'BZRY3' };
let seq = 0;
for (const s of encodeAisSentences({ type: 5, mmsi: trawler.mmsi, name: trawler.name, callsign: trawler.callsign, shipType: 30, destination: 'RIZHAO', dimToBow: 24, dimToStern: 12, dimToPort: 4, dimToStarboard: 4, draught: 3.1 }, { sequenceId: seq++ })) {
  lines.push(tagged(s, START));
}
for (let i = 0; i < 6; i++) {
  const t = START + i * 10_000;
  for (const s of encodeAisSentences({ type: 1, mmsi: trawler.mmsi, navStatus: 0, sog: 8.2, cog: 92.4, heading: 93, lat: 35.3861 - i * 0.0002, lon: 119.5712 + i * 0.0041, second: (i * 10) % 60, rot: 0 })) {
    lines.push(tagged(s, t));
  }
}
// Class B gillnetter off Lanshan, slow (hauling nets).
for (let i = 0; i < 3; i++) {
  for (const s of encodeAisSentences({ type: 18, mmsi: 412440002, sog: 1.4, cog: 210, heading: 205, lat: 35.0912 + i * 0.0003, lon: 119.4433 - i * 0.0002, second: i * 30, cs: true }, { channel: 'B' })) {
    lines.push(tagged(s, START + 60_000 + i * 30_000));
  }
}
for (const part of [{ partNumber: 0, name: 'LU RI YU 61234' }, { partNumber: 1, shipType: 30, callsign: 'BZRK7', dimToBow: 10, dimToStern: 6, dimToPort: 2, dimToStarboard: 2 }]) {
  for (const s of encodeAisSentences({ type: 24, mmsi: 412440002, ...part }, { channel: 'B' })) lines.push(tagged(s, START + 120_000));
}

// A Beidou terminal's own RNSS output (BDS-only talker and combined GN solution).
const rnss = (t, lat, lon, sog, cog) => {
  const d = new Date(t);
  const hms = `${String(d.getUTCHours()).padStart(2, '0')}${String(d.getUTCMinutes()).padStart(2, '0')}${String(d.getUTCSeconds()).padStart(2, '0')}.00`;
  const dmy = `${String(d.getUTCDate()).padStart(2, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCFullYear() % 100).padStart(2, '0')}`;
  const ddmm = (v, w) => `${String(Math.floor(v)).padStart(w, '0')}${((v % 1) * 60).toFixed(5).padStart(8, '0')}`;
  lines.push(buildSentence('GNRMC', [hms, 'A', ddmm(lat, 2), 'N', ddmm(lon, 3), 'E', sog.toFixed(1), cog.toFixed(1), dmy, '', '', 'A', 'V']));
  lines.push(buildSentence('BDGGA', [hms, ddmm(lat, 2), 'N', ddmm(lon, 3), 'E', 1, 9, '0.9', '4.2', 'M', '', 'M', '', '']));
};
rnss(START + 30_000, 35.2304, 119.8125, 3.1, 47.0);

// RDSS 2.1: a BF01 terminal's five-fix burst through a shore command terminal, code form (1).
const bf01 = encodeBf01(
  Array.from({ length: 5 }, (_, i) => ({ time: START + i * 60_000, lat: 35.5108 + i * 0.0011, lon: 120.0421 + i * 0.0018, altitude: 3, heading: 52, speedRaw: 61 })),
);
lines.push(buildSentence('BDTXR', [1, '0312345', 1, '', bytesToHex(bf01)]));
// RDSS 4.0: an ASCII track string (first/middle/last fix of the window), code form (2).
const track = encodeTrack([{ lat: 35.1702, lon: 119.9533 }, { lat: 35.1731, lon: 119.9601 }, { lat: 35.1755, lon: 119.9688 }]);
lines.push(buildSentence('BDTCI', ['04207733', '4204990', 2, '220500', 2, 0, bytesToHex(track)]));
// A skipper's text message in mixed form: A4 marker + GBK.
lines.push(buildSentence('BDTXR', [1, '0312345', 2, '', `A4${bytesToHex(encodeGbk('网已下，一切正常'))}`]));
// Delivery feedback and card status.
lines.push('$BDFKI,TXA,Y,Y,0,0040*17');
lines.push('$BDICI,0166166,02097151,0000011,6,40,3,N,000*33');

// Bad input: a published sentence with a wrong checksum, a truncated AIS line, an unknown sentence.
lines.push('$GPGGA,121252.000,3937.3032,N,11611.6046,E,1,05,2.0,45.9,M,-5.7,M,,0000*77');
lines.push(encodeAisSentences({ type: 1, mmsi: 412325670, lat: 35.39, lon: 119.6 })[0].slice(0, 30));
lines.push(buildSentence('GPXTE', ['A', 'A', '0.67', 'L', 'N']));

writeFileSync(new URL('../gateway/cli/sample/rizhao.nmea', import.meta.url), `${lines.join('\n')}\n`, 'latin1');
console.log(`wrote ${lines.length} lines to gateway/cli/sample/rizhao.nmea`);
