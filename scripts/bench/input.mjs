// Bench input: the real AIS captures in gpsd's Debian source package, repeated to N sentences.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO } from './util.mjs';

/** An AIS sentence line: optional NMEA 4.0 tag block, then `!xxVDM,` / `!xxVDO,`. */
export const AIS_LINE = /^(\\[^\\]*\\)?![A-Z0-9]{2}VD[MO],/;

/**
 * The gpsd source tree: `--gpsd-src DIR`, else $GPSD_SRC, else whatever scripts/fetch-gpsd-src.sh prints
 * (it fetches it with `apt-get source gpsd` the first time, and installs gpsdecode).
 */
export function gpsdSourceTree(explicit) {
  const given = explicit ?? process.env.GPSD_SRC;
  if (given) {
    if (!existsSync(join(given, 'test'))) throw new Error(`gpsd source tree ${given} has no test/ directory`);
    return given;
  }
  const script = join(REPO, 'scripts', 'fetch-gpsd-src.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    throw new Error(`scripts/fetch-gpsd-src.sh failed (exit ${r.status}); run it by hand to see why, or pass --gpsd-src DIR`);
  }
  const tree = r.stdout.trim().split('\n').pop();
  if (!tree || !existsSync(join(tree, 'test'))) throw new Error(`scripts/fetch-gpsd-src.sh printed "${tree}", which has no test/ directory`);
  return tree;
}

/**
 * Every AIS sentence line in gpsd's test captures (test/sample.aivdm and the test/daemon/*.log files
 * that hold AIS), in file order, comments and non-AIS lines dropped. Lines are kept byte for byte
 * (latin1), including receiver trailers after the checksum, minus a trailing CR.
 */
export function loadGpsdCapture(tree) {
  const testDir = join(tree, 'test');
  const files = [join(testDir, 'sample.aivdm')];
  const daemon = join(testDir, 'daemon');
  if (existsSync(daemon)) {
    for (const name of readdirSync(daemon).sort()) if (name.endsWith('.log')) files.push(join(daemon, name));
  }
  const lines = [];
  const sources = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    let n = 0;
    for (let line of readFileSync(file, 'latin1').split('\n')) {
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (AIS_LINE.test(line)) {
        lines.push(line);
        n++;
      }
    }
    if (n > 0) sources.push({ file: relative(tree, file), lines: n });
  }
  if (lines.length === 0) throw new Error(`no AIS sentence lines found under ${testDir}`);
  return { lines, sources };
}

/** Repeat whole copies of the capture until there are at least `min` lines. */
export function repeatLines(lines, min) {
  const copies = Math.max(1, Math.ceil(min / lines.length));
  const out = new Array(copies * lines.length);
  for (let c = 0, k = 0; c < copies; c++) for (let i = 0; i < lines.length; i++) out[k++] = lines[i];
  return { lines: out, copies };
}

/** A private temp dir for generated bench files (removed by the returned cleanup unless kept). */
export function benchTempDir(keep) {
  const dir = mkdtempSync(join(tmpdir(), 'tidewatch-bench-'));
  return {
    dir,
    cleanup() {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function writeLines(file, lines) {
  writeFileSync(file, `${lines.join('\n')}\n`, 'latin1');
}

/** AIS message type of a single-sentence line, from the first payload character (undefined if unknown). */
export function firstPayloadType(line) {
  const fields = line.slice(line.indexOf('!')).split(',');
  const payload = fields[5];
  if (!payload) return undefined;
  let v = payload.charCodeAt(0) - 48;
  if (v > 40) v -= 8;
  return v >= 0 && v < 64 ? v : undefined;
}
