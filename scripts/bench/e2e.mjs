// Section "end to end": `tidewatch decode FILE > /dev/null` against gpsd's `gpsdecode -s -j -u < FILE > /dev/null`
// on the same ≥N-line AIS file: whole processes, start-up, reading, decoding and JSON output included.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fmtInt } from './report.mjs';
import { DIST, GNU_TIME, median, REPO, timeCommand } from './util.mjs';

function gpsdecodeVersion() {
  const r = spawnSync('gpsdecode', ['-V'], { encoding: 'utf8' });
  if (r.error) return null;
  const m = /(\d+\.\d+(?:\.\d+)?)/.exec(`${r.stdout}${r.stderr}`);
  return m ? m[1] : '?';
}

export async function runE2e({ opts, file, lineCount, inputNote, log }) {
  const main = join(DIST, 'gateway', 'cli', 'main.js');
  const gpsdVersion = gpsdecodeVersion();
  const commands = [
    {
      key: 'tidewatch',
      name: 'tidewatch decode FILE',
      ours: true,
      cmd: process.execPath,
      args: [main, 'decode', file],
      stdinFile: undefined,
      missing: existsSync(main) ? null : 'dist/gateway/cli/main.js is missing (npm run build)',
    },
    {
      key: 'gpsdecode',
      name: `gpsdecode ${gpsdVersion ?? ''} -s -j -u < FILE`.replace('  ', ' '),
      ours: false,
      cmd: 'gpsdecode',
      args: ['-s', '-j', '-u'],
      stdinFile: file,
      missing: gpsdVersion ? null : 'gpsdecode is not installed (bash scripts/fetch-gpsd-src.sh installs gpsd-clients)',
    },
  ];

  const results = {};
  for (const c of commands) {
    if (c.missing) {
      log(`  ${c.name}: ${c.missing}`);
      continue;
    }
    // Untimed first run: warms the page cache, counts what it printed, and measures peak RSS.
    log(`  ${c.name}: check run …`);
    const check = await timeCommand(c.cmd, c.args, { stdinFile: c.stdinFile, countStdout: true, peakRss: true, tailStderr: true });
    if (check.code !== 0) {
      const why = check.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
      c.missing = `exited ${check.signal ?? check.code}${why ? `: ${why}` : ''}`;
      log(`  ${c.name}: ${c.missing}`);
      continue;
    }
    results[c.key] = { check, times: [] };
  }
  // Timed runs, alternating the commands so drift in the machine's load hits both alike.
  for (let r = 0; r < opts.e2eRuns; r++) {
    for (const c of commands) {
      if (!results[c.key]) continue;
      const t = await timeCommand(c.cmd, c.args, { stdinFile: c.stdinFile });
      if (t.code !== 0) throw new Error(`${c.name} exited ${t.signal ?? t.code} on timed run ${r + 1}`);
      results[c.key].times.push(t.ns);
      log(`  ${c.name}: run ${r + 1}/${opts.e2eRuns} ${(t.ns / 1e9).toFixed(3)} s`);
    }
  }

  const ours = results.tidewatch;
  const rateOf = (ns) => (lineCount * 1e9) / ns;
  const rows = commands.map((c) => {
    const res = results[c.key];
    if (!res) return { name: c.name, ours: c.ours, failed: c.missing ?? 'not run' };
    const med = median(res.times);
    const best = Math.min(...res.times);
    return {
      name: c.name,
      ours: c.ours,
      rate: rateOf(med),
      best: rateOf(best),
      unit: 'lines/s',
      ratio: ours && !c.ours ? rateOf(median(ours.times)) / rateOf(med) : undefined,
      memory: { peakRssBytes: res.check.peakRssBytes },
      extra: {
        wall: `${(med / 1e9).toFixed(3)} s / ${(best / 1e9).toFixed(3)} s`,
        out: `${fmintOrDash(res.check.lines)} JSON lines`,
      },
    };
  });
  const notes = [
    `tidewatch runs as \`node dist/gateway/cli/main.js decode FILE\` (errors and summary to stderr, sent to /dev/null like stdout); gpsdecode reads the file on stdin.`,
    `Each command ran once untimed first (page cache warm, output lines counted${GNU_TIME ? ', peak RSS by GNU time' : ''}), then ${opts.e2eRuns} timed run${opts.e2eRuns === 1 ? '' : 's'} each, alternating the two; wall time from spawn to exit.`,
  ];
  if (results.tidewatch && results.gpsdecode) {
    const a = results.tidewatch.check.lines;
    const b = results.gpsdecode.check.lines;
    notes.push(a === b ? `Both printed ${fmtInt(a)} JSON lines (the same number of messages).` : `Output differs: tidewatch printed ${fmtInt(a)} JSON lines, gpsdecode ${fmtInt(b)}.`);
  }
  if (!GNU_TIME) notes.push('Peak RSS not measured: /usr/bin/time (GNU time, Debian package `time`) is not installed.');
  return {
    id: 'e2e',
    title: 'End to end: decode a file to JSON lines',
    input: `${fmtInt(lineCount)} lines: ${inputNote}; whole process, output to /dev/null`,
    unit: 'lines/s',
    nameTitle: 'command',
    columns: [
      { key: 'wall', title: 'wall time (median / best)' },
      { key: 'out', title: 'output' },
    ],
    rows,
    notes,
    repo: REPO,
  };
}

function fmintOrDash(n) {
  return Number.isFinite(n) ? fmtInt(n) : '—';
}
