/**
 * Correctness proof: our AIS decoder against gpsd's reference decoder `gpsdecode`, over the real
 * captures shipped in gpsd's source package (test/sample.aivdm and every test/daemon/*.log holding
 * VDM/VDO sentences).
 *
 * gpsdecode -s -j -u prints one JSON object per decoded message with *unscaled* wire values
 * (lat/lon in 1/10000 minute, speed in 1/10 knot, course in 1/10 degree; type 27 in 1/10 minute,
 * knots and degrees). Each of our values is converted back to that wire unit and must be exactly
 * equal; where gpsd prints a "not available" sentinel our property must be absent.
 *
 * Normalisations, where gpsd and our record model legitimately differ (each rule below says which):
 *  - "Not available" sentinels (lat 91°, lon 181°, speed 1023, course 3600, heading 511, turn -128,
 *    second ≥ 60, altitude 4095, IMO 0, draught 0, ship type 0, manoeuvre 0; type 27: 91°/181° in
 *    1/10 minute, speed 63, course 511) and values outside a field's range: gpsd prints the raw
 *    number, our property is absent.
 *  - Text: both cut at the first '@' and drop trailing spaces; gpsd's "" is our absent property.
 *  - ETA and type 4/11 time: gpsd prints the raw parts; we compare part by part (ETA) or as the
 *    epoch time they make when every part is valid (absent otherwise).
 *  - ROT: gpsd prints the ROT_AIS indicator; ours in °/min is turned back with ±round(4.733·√|rot|).
 *  - Type 24 B: gpsd copies the name of an earlier 24 A onto it; the vendor id is gpsd's old
 *    7-character field, ours the 3-character manufacturer id of M.1371-4 (its first 3 characters).
 *
 * Needs the gpsd source tree (GPSD_SRC, else the newest /tmp/gpsdsrc/gpsd-* or
 * <repo>/.cache/gpsd-src/gpsd-*) and gpsdecode on PATH; scripts/test-all.sh installs both.
 * If either is missing this test FAILS: it is the proof, it must not be skipped silently.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { AisDecoder, type AisRecord } from '../../gateway/decoders/ais/index.js';
import { frameLine } from '../../gateway/decoders/nmea/frame.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Json = Record<string, unknown>;

function newestGpsdTree(parent: string): string | undefined {
  if (!existsSync(parent)) return undefined;
  const trees = readdirSync(parent)
    .filter((n) => n.startsWith('gpsd-') && existsSync(join(parent, n, 'test', 'sample.aivdm')))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return trees.length ? join(parent, trees[trees.length - 1]) : undefined;
}

function gpsdSourceTree(): string {
  const given = process.env.GPSD_SRC;
  if (given) {
    if (!existsSync(join(given, 'test', 'sample.aivdm'))) {
      throw new Error(`GPSD_SRC=${given} has no test/sample.aivdm: point it at an unpacked gpsd source tree`);
    }
    return given;
  }
  const tree = newestGpsdTree('/tmp/gpsdsrc') ?? newestGpsdTree(join(REPO, '.cache', 'gpsd-src'));
  if (!tree) {
    throw new Error(
      'gpsd source tree not found: set GPSD_SRC, or run `bash scripts/fetch-gpsd-src.sh` (it unpacks `apt-get source gpsd` into .cache/gpsd-src/)',
    );
  }
  return tree;
}

function gpsdecodePath(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'gpsdecode');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  throw new Error('gpsdecode is not on PATH: install Debian package gpsd-clients (scripts/fetch-gpsd-src.sh does)');
}

/**
 * The capture files: sample.aivdm plus every daemon log mentioning VDM/VDO (rtcm2.bend.log only by
 * chance inside binary RTCM data: a useful negative case where both sides must find nothing).
 */
function captureFiles(tree: string): string[] {
  const files = [join(tree, 'test', 'sample.aivdm')];
  const daemon = join(tree, 'test', 'daemon');
  if (existsSync(daemon)) {
    for (const name of readdirSync(daemon).sort()) {
      if (!name.endsWith('.log')) continue;
      const p = join(daemon, name);
      if (/VD[MO]/.test(readFileSync(p, 'latin1'))) files.push(p);
    }
  }
  return files;
}

interface Ours {
  rec: AisRecord;
  line: number;
}

function runGpsdecode(exe: string, file: string): Json[] {
  const r = spawnSync(exe, ['-s', '-j', '-u'], { input: readFileSync(file), maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`gpsdecode failed to run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`gpsdecode exited ${r.status} on ${file}: ${r.stderr.toString().slice(0, 500)}`);
  return r.stdout
    .toString('latin1')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Json)
    .filter((j) => j.class === 'AIS');
}

/**
 * Our decoder over every line of the file. Also checks that the `decodeLine` shortcut and the
 * full `frameLine` + `decodeFrame` path agree on every line (counted in `pathChecks`).
 */
function runOurs(file: string, pathChecks: { lines: number; differ: string[] }): Ours[] {
  const decoder = new AisDecoder();
  const viaFrame = new AisDecoder();
  const out: Ours[] = [];
  const lines = readFileSync(file, 'latin1').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const r = decoder.decodeLine(lines[i]);
    const frame = frameLine(lines[i]);
    const r2 = frame instanceof DecodeError ? frame : viaFrame.decodeFrame(frame);
    pathChecks.lines++;
    if (JSON.stringify(r) !== JSON.stringify(r2)) pathChecks.differ.push(`${file}:${i + 1}`);
    if (r !== null && !(r instanceof DecodeError)) out.push({ rec: r, line: i + 1 });
  }
  return out;
}

/** Longest common subsequence of the (type, mmsi) sequences: pairs of indexes. */
function align(a: string[], b: string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i] === b[j]) pairs.push([i++, j++]);
    else if (dp[i + 1][j] >= dp[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

// ---- Field comparison rules --------------------------------------------------------------------

/** One compared field: gpsd's key, the message types it applies to, and how our record maps to gpsd's raw value. */
interface Rule {
  g: string;
  types: readonly number[] | 'all';
  /** gpsd's raw value is a "not available" sentinel (or out of range): our property must be absent. */
  na?: (raw: never) => boolean;
  /** Our value in gpsd's raw unit (undefined = absent). */
  ours: (r: AisRecord) => unknown;
  /** Optional normalisation of gpsd's value before comparing. */
  norm?: (raw: never, j: Json) => unknown;
  /** Skip this rule for some gpsd objects. */
  skip?: (j: Json) => boolean;
}

const POS = [1, 2, 3, 4, 9, 11, 18, 19, 21];
/** Types whose own layout has these fields (gpsd also prints same-named fields it decodes inside binary messages 6/8). */
const FLAGGED = [...POS, 27];
const EPFD = [4, 5, 11, 19, 21];
const STATIC = [5, 19, 21, 24];
const CLASS_A = [1, 2, 3];
const r10 = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 10));
const text = (v: string) => (v === '' ? undefined : v);

/** ROT back to the ROT_AIS indicator: v = ±4.733·√|rot|. */
function rotIndicator(rot: number | undefined): number | undefined {
  if (rot === undefined) return undefined;
  const v = Math.round(4.733 * Math.sqrt(Math.abs(rot)));
  return rot < 0 ? -v : v;
}

function utcFromGpsd(ts: string): number | undefined {
  const m = /^(\d{4,5})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(ts);
  if (!m) throw new Error(`unexpected gpsd timestamp ${ts}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  if (y === 0 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // unlike Date.UTC, keeps years 1–99 as they are
  date.setUTCHours(h, mi, s, 0);
  return date.getUTCDate() === d ? date.getTime() : undefined;
}

function etaFromGpsd(eta: string): string | undefined {
  const m = /^(\d{2})-(\d{2})T(\d{2}):(\d{2})Z$/.exec(eta);
  if (!m) throw new Error(`unexpected gpsd eta ${eta}`);
  const [mo, d, h, mi] = m.slice(1).map(Number);
  const parts = {
    month: mo >= 1 && mo <= 12 ? mo : undefined,
    day: d >= 1 && d <= 31 ? d : undefined,
    hour: h <= 23 ? h : undefined,
    minute: mi <= 59 ? mi : undefined,
  };
  return Object.values(parts).every((v) => v === undefined) ? undefined : JSON.stringify(parts);
}

/** gpsd "data" of binary messages is "<bits>:<hex>" of the bits after the header at `from`. */
function dataFrom(r: AisRecord, from: number): string | undefined {
  if (r.payload === undefined || r.payloadBits === undefined) return undefined;
  const bits = r.payloadBits - from;
  let bin = '';
  for (const h of r.payload) bin += parseInt(h, 16).toString(2).padStart(4, '0');
  bin = bin.slice(from, from + bits).padEnd(Math.ceil(bits / 8) * 8, '0');
  let hex = '';
  for (let i = 0; i < bin.length; i += 8) hex += parseInt(bin.slice(i, i + 8), 2).toString(16).padStart(2, '0');
  return `${bits}:${hex}`;
}

const RULES: Rule[] = [
  { g: 'type', types: 'all', ours: (r) => r.type },
  { g: 'repeat', types: 'all', ours: (r) => r.repeat },
  { g: 'mmsi', types: 'all', ours: (r) => r.mmsi },
  // Positions: our degrees × 600000 (type 27: × 600), rounded, must equal gpsd's integer exactly.
  { g: 'lat', types: POS, na: (v: number) => Math.abs(v) > 90 * 600000, ours: (r) => (r.lat === undefined ? undefined : Math.round(r.lat * 600000)) },
  { g: 'lon', types: POS, na: (v: number) => Math.abs(v) > 180 * 600000, ours: (r) => (r.lon === undefined ? undefined : Math.round(r.lon * 600000)) },
  { g: 'lat', types: [27], na: (v: number) => Math.abs(v) > 90 * 600, ours: (r) => (r.lat === undefined ? undefined : Math.round(r.lat * 600)) },
  { g: 'lon', types: [27], na: (v: number) => Math.abs(v) > 180 * 600, ours: (r) => (r.lon === undefined ? undefined : Math.round(r.lon * 600)) },
  { g: 'speed', types: [1, 2, 3, 18, 19], na: (v: number) => v === 1023, ours: (r) => r10(r.sog) },
  { g: 'speed', types: [9], na: (v: number) => v === 1023, ours: (r) => r.sog },
  { g: 'speed', types: [27], na: (v: number) => v === 63, ours: (r) => r.sog },
  { g: 'course', types: [1, 2, 3, 9, 18, 19], na: (v: number) => v >= 3600, ours: (r) => r10(r.cog) },
  { g: 'course', types: [27], na: (v: number) => v >= 360, ours: (r) => r.cog },
  { g: 'heading', types: [1, 2, 3, 18, 19], na: (v: number) => v >= 360, ours: (r) => r.heading },
  { g: 'status', types: [1, 2, 3, 27], ours: (r) => r.navStatus },
  { g: 'turn', types: CLASS_A, na: (v: number) => v === -128, ours: (r) => rotIndicator(r.rot) },
  { g: 'second', types: [1, 2, 3, 9, 18, 19, 21], na: (v: number) => v >= 60, ours: (r) => r.second },
  { g: 'maneuver', types: CLASS_A, na: (v: number) => v === 0 || v === 3, ours: (r) => r.maneuver },
  { g: 'accuracy', types: FLAGGED, ours: (r) => r.accuracy },
  { g: 'raim', types: FLAGGED, ours: (r) => r.raim },
  { g: 'timestamp', types: [4, 11], ours: (r) => r.utcTime, norm: (v: string) => utcFromGpsd(v) },
  { g: 'epfd', types: EPFD, ours: (r) => r.epfd },
  // Text: gpsd cuts at the first '@' and strips trailing spaces, as we do; its "" is our absent.
  {
    g: 'shipname',
    types: [5, 19, 24],
    ours: (r) => r.name,
    norm: (v: string) => text(v),
    // gpsd merges a 24 B with the 24 A it saw earlier and repeats the A's name on it; our records
    // are per message, so the name of a merged 24 B is only compared on its 24 A.
    skip: (j) => j.type === 24 && j.part !== 'A',
  },
  { g: 'name', types: [21], ours: (r) => r.name, norm: (v: string) => text(v) },
  { g: 'callsign', types: [5, 24], ours: (r) => r.callsign, norm: (v: string) => text(v) },
  { g: 'destination', types: [5], ours: (r) => r.destination, norm: (v: string) => text(v) },
  { g: 'imo', types: [5], na: (v: number) => v === 0, ours: (r) => r.imo },
  { g: 'shiptype', types: [5, 19, 24], na: (v: number) => v === 0, ours: (r) => r.shipType },
  { g: 'to_bow', types: STATIC, ours: (r) => r.dimToBow },
  { g: 'to_stern', types: STATIC, ours: (r) => r.dimToStern },
  { g: 'to_port', types: STATIC, ours: (r) => r.dimToPort },
  { g: 'to_starboard', types: STATIC, ours: (r) => r.dimToStarboard },
  { g: 'mothership_mmsi', types: [24], ours: (r) => r.mothershipMmsi },
  { g: 'draught', types: [5], na: (v: number) => v === 0, ours: (r) => r10(r.draught) },
  { g: 'eta', types: [5], ours: (r) => (r.eta === undefined ? undefined : JSON.stringify({ month: r.eta.month, day: r.eta.day, hour: r.eta.hour, minute: r.eta.minute })), norm: (v: string) => etaFromGpsd(v) },
  { g: 'ais_version', types: [5], ours: (r) => r.aisVersion },
  { g: 'dte', types: [5, 9, 19], ours: (r) => r.dte, norm: (v: number | boolean) => Number(v) },
  { g: 'alt', types: [9], na: (v: number) => v === 4095, ours: (r) => r.altitude },
  { g: 'assigned', types: [9, 19, 21], ours: (r) => r.assigned },
  { g: 'text', types: [12, 14], ours: (r) => r.text, norm: (v: string) => text(v) },
  { g: 'aid_type', types: [21], ours: (r) => r.aidType },
  { g: 'off_position', types: [21], ours: (r) => r.offPosition },
  { g: 'virtual_aid', types: [21], ours: (r) => r.virtualAid },
  { g: 'cs', types: [18], ours: (r) => r.cs },
  { g: 'display', types: [18], ours: (r) => r.display },
  { g: 'dsc', types: [18], ours: (r) => r.dsc },
  { g: 'band', types: [18], ours: (r) => r.band },
  { g: 'msg22', types: [18], ours: (r) => r.msg22 },
  { g: 'gnss', types: [27], ours: (r) => r.gnss },
  { g: 'part', types: [24], ours: (r) => (r.partNumber === 0 ? 'A' : r.partNumber === 1 ? 'B' : r.partNumber) },
  // gpsd reads the pre-M.1371-4 7-character vendor id; ours is its first 3 characters (manufacturer).
  { g: 'vendorid', types: [24], ours: (r) => r.vendorId, norm: (v: string) => text(v.slice(0, 3).trimEnd()) },
  { g: 'model', types: [24], ours: (r) => r.model },
  { g: 'serial', types: [24], ours: (r) => r.serial },
  { g: 'dac', types: [6, 8], ours: (r) => r.dac },
  { g: 'fid', types: [6, 8], ours: (r) => r.fid },
  { g: 'seqno', types: [6, 12], ours: (r) => r.seqNo },
  { g: 'dest_mmsi', types: [6, 10, 12], ours: (r) => r.destMmsi },
  { g: 'retransmit', types: [6, 12], ours: (r) => r.retransmit },
  { g: 'data', types: [6], ours: (r) => dataFrom(r, 88) },
  { g: 'data', types: [8], ours: (r) => dataFrom(r, 56) },
  { g: 'data', types: [17], ours: (r) => dataFrom(r, 80) },
];

interface Disagreement {
  file: string;
  line: number;
  type: number;
  mmsi: number;
  field: string;
  gpsd: unknown;
  ours: unknown;
}

function compare(file: string, o: Ours, j: Json, out: Disagreement[], perField: Map<string, number>): number {
  let fields = 0;
  const type = j.type as number;
  for (const rule of RULES) {
    if (rule.types !== 'all' && !rule.types.includes(type)) continue;
    if (!(rule.g in j)) continue;
    if (rule.skip?.(j)) continue;
    const raw = j[rule.g] as never;
    const expected = rule.na?.(raw) ? undefined : rule.norm ? rule.norm(raw, j) : raw;
    const actual = rule.ours(o.rec);
    fields++;
    perField.set(rule.g, (perField.get(rule.g) ?? 0) + 1);
    if (actual !== expected) {
      out.push({ file, line: o.line, type, mmsi: o.rec.mmsi, field: rule.g, gpsd: raw, ours: actual });
    }
  }
  return fields;
}

describe('agreement with gpsd gpsdecode', () => {
  it('decodes every capture message like gpsdecode, field by field', () => {
    const tree = gpsdSourceTree();
    const exe = gpsdecodePath();
    const files = captureFiles(tree);
    for (const name of ['sample.aivdm', 'ais-nmea.log', 'ais-nmea-type6-fid55.log', 'ais_unpack_sixbit.log', 'ait250.log', 'saab-r4.log']) {
      expect(files.some((f) => f.endsWith(`/${name}`)), `gpsd capture ${name}`).toBe(true);
    }

    let messages = 0;
    let fields = 0;
    const disagreements: Disagreement[] = [];
    const unmatched: string[] = [];
    const perField = new Map<string, number>();
    const pathChecks = { lines: 0, differ: [] as string[] };
    let sanity: { o: Ours; j: Json } | undefined;
    const summary: string[] = [];
    for (const file of files) {
      const short = file.slice(tree.length + 1);
      const gpsd = runGpsdecode(exe, file);
      const ours = runOurs(file, pathChecks);
      const pairs = align(
        ours.map((o) => `${o.rec.type}:${o.rec.mmsi}`),
        gpsd.map((j) => `${j.type}:${j.mmsi}`),
      );
      const usedO = new Set(pairs.map((p) => p[0]));
      const usedG = new Set(pairs.map((p) => p[1]));
      // Every message must pair up: both decoders accept and reject the same sentences here.
      ours.forEach((o, i) => usedO.has(i) || unmatched.push(`${short} line ${o.line}: type ${o.rec.type} MMSI ${o.rec.mmsi} only decoded by us`));
      gpsd.forEach((j, i) => usedG.has(i) || unmatched.push(`${short} gpsd message #${i + 1}: type ${j.type} MMSI ${j.mmsi} only decoded by gpsd`));
      for (const [io, ig] of pairs) {
        fields += compare(short, ours[io], gpsd[ig], disagreements, perField);
        if (!sanity && gpsd[ig].type === 1) sanity = { o: ours[io], j: gpsd[ig] };
      }
      messages += pairs.length;
      summary.push(`${short}: gpsdecode ${gpsd.length}, ours ${ours.length}, paired ${pairs.length}`);
    }
    console.log(
      [
        ...summary,
        `fields compared by gpsd name: ${[...perField].map(([k, n]) => `${k} ${n}`).join(', ')}`,
        `lines decoded both ways (decodeLine, frameLine + decodeFrame): ${pathChecks.lines}, differing: ${pathChecks.differ.length}`,
        `messages compared: ${messages}, fields compared: ${fields}, disagreements: ${disagreements.length}, unpaired: ${unmatched.length}`,
        ...unmatched.map((u) => `UNPAIRED ${u}`),
        ...disagreements.slice(0, 50).map((d) => `DISAGREE ${JSON.stringify(d)}`),
      ].join('\n'),
    );
    // The comparison is not vacuous: one 1/10000-minute step in latitude is caught.
    expect(sanity).toBeDefined();
    const nudged = { ...sanity!.o, rec: { ...sanity!.o.rec, lat: sanity!.o.rec.lat! + 1 / 600000 } };
    const caught: Disagreement[] = [];
    compare('sanity', nudged, sanity!.j, caught, new Map());
    expect(caught.map((d) => d.field)).toEqual(['lat']);

    expect(pathChecks.differ, 'decodeLine and frameLine + decodeFrame must agree').toEqual([]);
    expect(pathChecks.lines).toBeGreaterThan(4000);
    expect(disagreements).toEqual([]);
    expect(unmatched).toEqual([]);
    expect(messages).toBeGreaterThanOrEqual(1650);
    expect(fields).toBeGreaterThanOrEqual(20000);
  });
});
