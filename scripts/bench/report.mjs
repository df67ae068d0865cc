// The common table printer for every bench section: plain text tables on the terminal, then one
// Markdown block with all sections for the README.
//
// A section is { id, title, input, unit, nameTitle?, columns: [{ key, title }], rows, notes }, and a row is
// { name, ours?, rate, best?, unit, ratio?, memory?: { peakRssBytes, rssDeltaBytes, heapPeakDeltaBytes },
//   extra: { [column key]: string }, failed?: string }.
// `ratio` is ours / this row's throughput (how many times faster we are), absent on our own row.
import { cpus, totalmem } from 'node:os';

export function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtRate(n, unit) {
  return `${fmtInt(n)} ${unit}`;
}

export function fmtRatio(r) {
  if (r === undefined || !Number.isFinite(r)) return '—';
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

export function fmtBytes(b, signed = false) {
  if (b === undefined || !Number.isFinite(b)) return '—';
  const sign = signed ? (b < 0 ? '−' : '+') : b < 0 ? '−' : '';
  const a = Math.abs(b);
  if (a >= 1024 ** 3) return `${sign}${(a / 1024 ** 3).toFixed(2)} GiB`;
  if (a >= 1024 ** 2) return `${sign}${(a / 1024 ** 2).toFixed(1)} MiB`;
  return `${sign}${(a / 1024).toFixed(0)} KiB`;
}

export function fmtSeconds(ns) {
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** Header + cells of one section, the same for text and Markdown. */
function grid(section) {
  const head = [section.nameTitle ?? 'decoder', 'throughput (median)', 'best pass', 'ours / this', ...section.columns.map((c) => c.title), 'peak RSS', 'RSS Δ', 'heap Δ (peak)'];
  const body = section.rows.map((r) => {
    if (r.failed) return [r.name, `FAILED: ${r.failed.split('\n')[0]}`, ...Array(head.length - 2).fill('')];
    return [
      r.ours ? `**${r.name}**` : r.name,
      r.rate === undefined ? '—' : fmtRate(r.rate, r.unit),
      r.best === undefined ? '—' : fmtRate(r.best, r.unit),
      r.ours ? '1.00× (ours)' : fmtRatio(r.ratio),
      ...section.columns.map((c) => r.extra?.[c.key] ?? '—'),
      fmtBytes(r.memory?.peakRssBytes),
      fmtBytes(r.memory?.rssDeltaBytes, true),
      fmtBytes(r.memory?.heapPeakDeltaBytes, true),
    ];
  });
  return { head, body };
}

const NUMERIC = /^[−+\d]/;

export function textTable(section) {
  const { head, body } = grid(section);
  const rows = [head, ...body.map((r) => r.map((c) => c.replace(/\*\*/g, '')))];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i > 0 && NUMERIC.test(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [`== ${section.title}`, `   input: ${section.input}`, '', line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1)) out.push(line(r));
  const ratios = section.rows.filter((r) => !r.ours && r.ratio !== undefined).map((r) => `ours / ${r.name} = ${fmtRatio(r.ratio)}`);
  if (ratios.length) out.push('', `   ${ratios.join(';  ')}`);
  for (const n of section.notes ?? []) out.push(`   ${n}`);
  return out.join('\n');
}

export function markdownTable(section) {
  const { head, body } = grid(section);
  const esc = (c) => c.replace(/\|/g, '\\|');
  const align = head.map((_, i) => (i === 0 ? ':---' : '---:'));
  const lines = [`**${section.title}** — ${section.input}.`, '', `| ${head.map(esc).join(' | ')} |`, `| ${align.join(' | ')} |`];
  for (const r of body) lines.push(`| ${r.map(esc).join(' | ')} |`);
  for (const n of section.notes ?? []) if (!n.startsWith('how:')) lines.push('', n);
  return lines.join('\n');
}

export function machineLine() {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `Node ${process.version}, ${cpu}, ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${process.platform}/${process.arch}, ${new Date().toISOString().slice(0, 10)}`;
}

export function markdownReport(sections, { command }) {
  const parts = [
    `Measured with \`${command}\` on ${machineLine()}.`,
    'Throughput: the median timed pass. In the in-process sections every decoder runs in its own Node process on',
    'the same input already in memory, through the same loop, after a warm-up; the end-to-end section times whole',
    'commands from spawn to exit. "ours / this" is our throughput divided by that row\'s (above 1× = we are faster).',
    'Peak RSS: in-process, the resident-set high-water mark during the timed passes (input included); end to end,',
    "the whole command's (GNU time). RSS Δ: that peak minus the RSS just before the timed passes. Heap Δ: the peak",
    'rise of the V8 heap during the timed passes, garbage included.',
    '',
  ];
  for (const s of sections) parts.push(markdownTable(s), '');
  return parts.join('\n').trimEnd();
}

/** How many timed passes the in-process sections ran, in words. */
export function passesNote(opts) {
  const n = opts.runs;
  const cap = n > 3 ? ` (3 for a decoder whose passes exceed ${opts.maxSeconds} s)` : '';
  return `warm-up, then ${n} timed pass${n === 1 ? '' : 'es'}${cap}; median pass shown`;
}
