import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeError } from '../../core/errors.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { LineDecoder } from '../decoders/line.js';

export const DEMO_HELP = `Usage: tidewatch demo

Decodes the bundled sample of Rizhao traffic (AIS, Beidou NMEA, Beidou RDSS short messages) and
prints what it saw: each vessel's latest position and identity, and every rejected line with its
reason. The full product (gateway, API, map, simulator) replaces this demo in a later release.
`;

/** The bundled sample: real sentence formats, Rizhao waters. */
export const SAMPLE_FILE = join(PACKAGE_ROOT, 'gateway', 'cli', 'sample', 'rizhao.nmea');

interface VesselSeen {
  key: string;
  name?: string;
  lat?: number;
  lon?: number;
  sog?: number;
  source: string;
  reports: number;
}

export async function runDemo(): Promise<number> {
  const text = readFileSync(SAMPLE_FILE, 'latin1');
  const decoder = new LineDecoder();
  const vessels = new Map<string, VesselSeen>();
  const rejected: string[] = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const r = decoder.decode(line);
    if (r === null) continue;
    if (r instanceof DecodeError) {
      rejected.push(`  line ${lineNo}: ${r.code}: ${r.message}`);
      continue;
    }
    let seen: VesselSeen | undefined;
    const touch = (key: string, source: string) => {
      seen = vessels.get(key) ?? { key, source, reports: 0 };
      seen.reports++;
      vessels.set(key, seen);
      return seen;
    };
    if (r.kind === 'ais') {
      const v = touch(`MMSI ${r.mmsi}`, 'AIS');
      if (r.name) v.name = r.name;
      if (r.lat !== undefined && r.lon !== undefined) Object.assign(v, { lat: r.lat, lon: r.lon, sog: r.sog });
    } else if (r.kind === 'rdss' && r.card) {
      const v = touch(`Beidou card ${r.card}`, `RDSS ${r.sentence}`);
      const fix = r.fixes?.[r.fixes.length - 1];
      if (fix) Object.assign(v, { lat: fix.lat, lon: fix.lon, sog: fix.sog });
    } else if (r.kind === 'gnss' && r.lat !== undefined && r.lon !== undefined) {
      const v = touch(`GNSS ${r.talker}`, `NMEA ${r.sentence}`);
      Object.assign(v, { lat: r.lat, lon: r.lon, sog: r.sog ?? v.sog });
    }
  }
  const out: string[] = [`Tidewatch demo: ${SAMPLE_FILE}`, '', 'vessel                     name                 lat °       lon °     sog kn  reports  source'];
  for (const v of vessels.values()) {
    out.push(
      `${v.key.padEnd(26)} ${(v.name ?? '').padEnd(20)} ${fmt(v.lat, 5, 10)} ${fmt(v.lon, 5, 11)} ${fmt(v.sog, 1, 7)}  ${String(v.reports).padStart(7)}  ${v.source}`,
    );
  }
  out.push('', `${rejected.length} lines rejected (bad input is reported, never fatal):`, ...rejected, '');
  out.push("Decode any file yourself: tidewatch decode FILE   (see 'tidewatch decode --help')", '');
  process.stdout.write(out.join('\n'));
  return 0;
}

function fmt(n: number | undefined, digits: number, width: number): string {
  return (n === undefined ? '—' : n.toFixed(digits)).padStart(width);
}
