/**
 * Beidou NMEA against gpsd's own reference output: gpsd's Debian source ships two real SiRF-TriG
 * captures with BD and GB talkers (test/daemon/beidou-{bd,gb}.log) and the JSON gpsd printed for
 * them (*.log.chk). We decode the .log lines and check every TPV position/time/speed and the
 * BeiDou part of every SKY against our records. The files are read in place (licence hygiene:
 * they are not copied into this repository).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDecodeError } from '../../core/errors.js';
import { decodeGnss, GNSS_FORMATTERS, type GnssRecord } from '../../gateway/decoders/beidou/index.js';
import { frameLine } from '../../gateway/decoders/nmea/frame.js';

const REPO = resolve(import.meta.dirname, '../..');
const LOGS = ['beidou-bd.log', 'beidou-gb.log'];
/** gpsd's regression harness prints these 2015 captures 1024 GPS weeks late (its week-rollover guess). */
const GPS_WEEK_ROLLOVER_MS = 1024 * 7 * 86_400_000;
const KNOTS_TO_MPS = 1852 / 3600;

function newestGpsdTree(parent: string): string | undefined {
  if (!existsSync(parent)) return undefined;
  const trees = readdirSync(parent)
    .filter((n) => /^gpsd-\d/.test(n) && existsSync(join(parent, n, 'test', 'daemon')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return trees.length ? join(parent, trees[trees.length - 1]) : undefined;
}

function locateGpsd(): { dir?: string; tried: string[] } {
  const tried: string[] = [];
  const env = process.env.GPSD_SRC;
  if (env) {
    tried.push(`GPSD_SRC=${env}`);
    if (existsSync(join(env, 'test', 'daemon'))) return { dir: env, tried };
    const inner = newestGpsdTree(env);
    return { dir: inner, tried };
  }
  for (const parent of ['/tmp/gpsdsrc', join(REPO, '.cache', 'gpsd-src')]) {
    tried.push(`${parent}/gpsd-*`);
    const dir = newestGpsdTree(parent);
    if (dir) return { dir, tried };
  }
  return { tried };
}

const located = locateGpsd();

function requireTree(): string {
  if (!located.dir) {
    throw new Error(
      `gpsd source tree not found (looked in ${located.tried.join(', ')}). ` +
        'Run `bash scripts/fetch-gpsd-src.sh` and set GPSD_SRC to the printed path (npm test does this).',
    );
  }
  return located.dir;
}

/** `# Date = 2015-02-25` in the log header → noon that day, as the receive time for GGA/GLL completion. */
function logDate(text: string): number {
  const m = /^# Date = (\d{4})-(\d{2})-(\d{2})/m.exec(text);
  if (!m) throw new Error('log has no "# Date =" header');
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12);
}

interface Tpv {
  class: 'TPV';
  mode: number;
  time?: string;
  lat?: number;
  lon?: number;
  altMSL?: number;
  geoidSep?: number;
  speed?: number;
  track?: number;
}

interface SkySat {
  PRN: number;
  el: number;
  az: number;
  ss: number;
  used: boolean;
  gnssid: number;
  svid: number;
}

interface Sky {
  class: 'SKY';
  pdop?: number;
  hdop?: number;
  vdop?: number;
  satellites?: SkySat[];
}

/** gpsd numbers BeiDou 401+ (svid 1+); GB receivers here send 201+ (u-blox style), BD ones 1+. */
function bdsSvid(prn: number): number {
  return prn > 400 ? prn - 400 : prn > 200 ? prn - 200 : prn;
}

describe.each(LOGS)('gpsd capture %s', (name) => {
  it('decodes every GNSS sentence and agrees with every TPV and SKY gpsd printed', () => {
    const dir = requireTree();
    const logText = readFileSync(join(dir, 'test', 'daemon', name), 'latin1');
    const chkText = readFileSync(join(dir, 'test', 'daemon', `${name}.chk`), 'latin1');
    const rxTime = logDate(logText);

    // 1. Decode the capture itself: every sentence we claim must decode.
    const decoded = new Map<string, GnssRecord>();
    let ours = 0;
    for (const raw of logText.split('\n')) {
      const line = raw.trim(); // one RMC in beidou-bd.log is indented on purpose; frameLine copes, the map key must too
      if (!line.startsWith('$')) continue;
      const frame = frameLine(raw);
      if (isDecodeError(frame)) throw new Error(`${line}: ${frame.message}`);
      if (!GNSS_FORMATTERS.has(frame.formatter)) continue; // $PSRF…, $GNGNS: not ours
      const rec = decodeGnss(frame, { rxTime });
      if (isDecodeError(rec)) throw new Error(`${line}: ${rec.message}`);
      decoded.set(line, rec);
      ours++;
    }
    expect(ours).toBeGreaterThan(40);

    // 2. Replay gpsd's reference: its JSON follows the sentence that triggered it.
    let lastGga: GnssRecord | undefined;
    let lastRmc: GnssRecord | undefined;
    let lastPos: GnssRecord | undefined;
    let lastLine = '';
    const bdsGsa = new Map<string, GnssRecord>();
    let bdsSats: GnssRecord['sats'] = [];
    let pendingBds: NonNullable<GnssRecord['sats']> = [];
    let tpvChecked = 0;
    let timeChecked = 0;
    let speedChecked = 0;
    let skyChecked = 0;
    for (const raw of chkText.split('\n')) {
      const line = raw.trim();
      if (line.startsWith('$')) {
        lastLine = line;
        const rec = decoded.get(lastLine);
        if (!rec) continue;
        if (rec.sentence === 'GGA') lastGga = rec;
        if (rec.sentence === 'RMC') lastRmc = rec;
        if ((rec.sentence === 'GGA' || rec.sentence === 'RMC') && rec.lat !== undefined) lastPos = rec;
        if (rec.sentence === 'GSA') bdsGsa.set(rec.talker, rec);
        if (rec.sentence === 'GSV' && rec.system === 'BDS') {
          if (rec.msgIndex === 1) pendingBds = [];
          pendingBds.push(...(rec.sats ?? []));
          if (rec.msgIndex === rec.msgTotal) bdsSats = pendingBds;
        }
        continue;
      }
      if (!line.startsWith('{')) continue;
      const json = JSON.parse(line) as Tpv | Sky;
      if (json.class === 'TPV' && json.lat !== undefined && json.lon !== undefined) {
        expect(lastPos, `TPV after ${lastLine} has a position but we decoded none`).toBeDefined();
        expect(lastPos!.lat).toBeCloseTo(json.lat, 8);
        expect(lastPos!.lon).toBeCloseTo(json.lon, 8);
        expect(lastPos!.valid).toBe(true);
        if (json.altMSL !== undefined) expect(lastGga?.altitude).toBeCloseTo(json.altMSL, 6);
        if (json.geoidSep !== undefined) expect(lastGga?.geoidSeparation).toBeCloseTo(json.geoidSep, 6);
        tpvChecked++;
        if (json.time !== undefined) {
          const ours = lastPos!.time!;
          expect(ours, `no time decoded for ${lastLine}`).toBeDefined();
          const theirs = Date.parse(json.time);
          expect([0, GPS_WEEK_ROLLOVER_MS]).toContain(theirs - ours);
          expect(new Date(ours).toISOString().slice(11)).toBe(json.time.slice(11));
          timeChecked++;
        }
        // gpsd reports RMC's speed/track only in the TPV that RMC triggers (it carries `track`).
        if (json.track !== undefined && json.speed !== undefined) {
          expect(lastLine).toContain('RMC');
          expect(lastRmc!.sog! * KNOTS_TO_MPS).toBeCloseTo(json.speed, 3);
          expect(lastRmc!.cog).toBeCloseTo(json.track, 4);
          // RMC carries the date: the time is absolute, not completed from the receive time.
          expect(lastRmc!.time! % 86_400_000).toBe(Date.parse(json.time!) % 86_400_000);
          speedChecked++;
        }
      }
      if (json.class === 'SKY' && json.satellites) {
        const theirBds = json.satellites.filter((s) => s.gnssid === 3);
        if (theirBds.length === 0) continue;
        const mine = (bdsSats ?? []).map((s) => ({ svid: bdsSvid(s.prn), el: s.elevation ?? 0, az: s.azimuth ?? 0, ss: s.snr ?? 0 }));
        const theirs = theirBds.map((s) => ({ svid: s.svid, el: s.el, az: s.az, ss: s.ss }));
        expect(mine.sort((a, b) => a.svid - b.svid)).toEqual(theirs.sort((a, b) => a.svid - b.svid));
        // Satellites gpsd marks used are the ones our BDS GSA lists.
        const usedByGsa = new Set<number>();
        for (const gsa of bdsGsa.values()) {
          for (const prn of gsa.prns ?? []) {
            if (gsa.talker === 'BD' || gsa.talker === 'GB' || prn > 200) usedByGsa.add(bdsSvid(prn));
          }
        }
        expect(new Set(theirBds.filter((s) => s.used).map((s) => s.svid))).toEqual(usedByGsa);
        if (json.pdop !== undefined) {
          const gsa = [...bdsGsa.values()].at(-1)!;
          expect(gsa.pdop).toBeCloseTo(json.pdop, 2);
          expect(gsa.hdop).toBeCloseTo(json.hdop!, 2);
          expect(gsa.vdop).toBeCloseTo(json.vdop!, 2);
        }
        skyChecked++;
      }
    }
    expect(tpvChecked).toBeGreaterThanOrEqual(3);
    expect(timeChecked).toBeGreaterThanOrEqual(2);
    expect(speedChecked).toBeGreaterThanOrEqual(1);
    expect(skyChecked).toBeGreaterThanOrEqual(2);
  });
});
