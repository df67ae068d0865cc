// Section "AIS": sentences per second of our AisDecoder and the three most used AIS decoders on npm,
// on the same real capture (gpsd's test logs) repeated to N sentences; each decoder in its own process.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AIS_DECODERS, PEERS } from './ais-adapters.mjs';
import { firstPayloadType, repeatLines, writeLines } from './input.mjs';
import { passesNote } from './report.mjs';
import { runEachDecoder } from './util.mjs';

const require = createRequire(import.meta.url);

/** Message types every measured decoder fully decodes (ais-stream-decoder supports the fewest). */
export const COMMON_TYPES = [1, 2, 3, 4, 5, 18, 24];

/**
 * Keep only the messages whose type is in `types`, whole: a multi-sentence message is kept or dropped
 * with all its fragments (decided by its first fragment's first payload character).
 */
export function filterByType(lines, types) {
  const keep = new Set(types);
  const out = [];
  let keepGroup = false;
  for (const line of lines) {
    const f = line.slice(line.indexOf('!')).split(',');
    const total = Number(f[1]);
    const index = Number(f[2]);
    if (total > 1 && index > 1) {
      if (keepGroup) out.push(line);
      continue;
    }
    keepGroup = keep.has(firstPayloadType(line));
    if (keepGroup) out.push(line);
  }
  return out;
}

/** Say which decoders ran fewer timed passes than asked (slow ones stop at 3 past the time cap). */
export function shortRunNotes(results, opts) {
  return Object.entries(results)
    .filter(([, r]) => r.ratesPerSecond.length < opts.runs)
    .map(([name, r]) => `${name}: ${r.ratesPerSecond.length} timed passes, not ${opts.runs}: its passes took over ${opts.maxSeconds} s.`);
}

function peerVersion(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return '?';
  }
}

/**
 * Run one AIS table: ours first, then each peer, each in a fresh process on the same file.
 * Returns a section for report.mjs.
 */
async function runTable({ id, title, lines, sourceNote, opts, tmp, log }) {
  const { lines: repeated, copies } = repeatLines(lines, opts.sentences);
  const file = join(tmp.dir, `${id}.nmea`);
  writeLines(file, repeated);
  log(`${title}: ${repeated.length.toLocaleString('en-US')} sentences (${lines.length} real lines × ${copies}) in ${file}`);

  const names = ['tidewatch', ...PEERS];
  const { results, failures } = await runEachDecoder('ais-worker.mjs', names, file, opts, log);
  const ours = results.tidewatch;
  const rows = names.map((name) => {
    const spec = AIS_DECODERS[name];
    const r = results[name];
    const label = spec.npm ? `${spec.npm}@${peerVersion(spec.npm)}` : spec.label;
    if (!r) return { name: label, ours: name === 'tidewatch', failed: failures[name] };
    return {
      name: label,
      ours: name === 'tidewatch',
      rate: r.medianPerSecond,
      best: r.bestPerSecond,
      unit: 'sentences/s',
      ratio: ours && name !== 'tidewatch' ? ours.medianPerSecond / r.medianPerSecond : undefined,
      memory: r.memory,
      extra: {
        decoded: `${r.decoded.toLocaleString('en-US')} msgs`,
        positions: `${r.positions.toLocaleString('en-US')} fixes`,
        first: r.firstType1 ? `${r.firstType1.mmsi} ${r.firstType1.lat.toFixed(5)},${r.firstType1.lon.toFixed(5)}` : '—',
      },
      raw: r,
    };
  });

  const notes = shortRunNotes(results, opts);
  // Sanity: everyone must have found the same first type-1 position and (nearly) the same position fixes.
  const firsts = Object.values(results).map((r) => JSON.stringify(r.firstType1 && [r.firstType1.mmsi, r.firstType1.lat.toFixed(4), r.firstType1.lon.toFixed(4)]));
  if (new Set(firsts).size > 1) notes.push('WARNING: the decoders disagree on the first type-1 position: check the adapters.');
  if (ours) {
    for (const name of PEERS) {
      const r = results[name];
      if (!r) continue;
      const diff = Math.abs(r.positions - ours.positions) / Math.max(1, ours.positions);
      if (diff > 0.02) notes.push(`WARNING: ${name} decoded ${r.positions} position fixes, ours ${ours.positions} (${(diff * 100).toFixed(1)}% apart).`);
    }
  }
  return {
    id,
    title,
    input: `${repeated.length.toLocaleString('en-US')} sentences: ${sourceNote}, ${lines.length.toLocaleString('en-US')} real lines repeated ${copies}×; in memory, ${passesNote(opts)}`,
    unit: 'sentences/s',
    columns: [
      { key: 'decoded', title: 'messages decoded' },
      { key: 'positions', title: 'position fixes' },
      { key: 'first', title: 'first type-1 fix (mmsi lat,lon)' },
    ],
    rows,
    notes,
    results,
  };
}

export async function runAis({ opts, capture, tmp, log }) {
  const sourceNote = `gpsd ${capture.version} test captures (${capture.sources.map((s) => s.file.replace(/^test\//, '')).join(', ')})`;
  const sections = [];
  sections.push(
    await runTable({ id: 'ais', title: 'AIS sentences, full decode (real capture)', lines: capture.lines, sourceNote, opts, tmp, log }),
  );
  if (opts.aisCommon) {
    const common = filterByType(capture.lines, COMMON_TYPES);
    sections.push(
      await runTable({
        id: 'ais-common',
        title: `AIS sentences, only types every decoder decodes (${COMMON_TYPES.join(', ')})`,
        lines: common,
        sourceNote: `the same capture keeping only messages of types ${COMMON_TYPES.join('/')}`,
        opts,
        tmp,
        log,
      }),
    );
  }
  sections[0].notes.push(
    'Messages decoded differ because the peers decode fewer message types: ais-stream-decoder 1–5, 8, 18, 24; aisparser 1–5, 8, 9, 14, 18, 19, 21, 24, 27; ggencoder returns every type but fills in fields for some only; ours decodes all 27. Position fixes (types 1/2/3/18/19 with a valid lat/lon) and the first type-1 fix are the like-for-like check.',
  );
  const how = ['tidewatch', ...PEERS].map((n) => `${AIS_DECODERS[n].npm ?? 'ours'}: ${AIS_DECODERS[n].how}`);
  sections[0].notes.unshift(...how.map((h) => `how: ${h}`));
  return sections;
}
