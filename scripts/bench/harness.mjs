// The measuring loop every in-process bench worker uses, so every decoder gets the same loop shape:
// one fresh process per decoder, the input already in memory, a warm-up pass, then timed passes over
// the whole input with a fresh decoder instance each pass (multi-sentence state starts empty).
import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';


/** VmHWM (peak resident set) of this process in bytes, from /proc (Linux); undefined elsewhere. */
function vmHwm() {
  try {
    const m = /VmHWM:\s+(\d+)\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Reset the kernel's RSS high-water mark (Linux: write 5 to /proc/self/clear_refs). */
function resetHwm() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Memory probe for the timed passes only. Baseline after a forced GC with the input already in memory;
 * the RSS high-water mark is reset there (Linux), so peak RSS is the peak during the timed passes, not
 * while loading; the V8 heap is sampled every 1024 items inside the loop (getHeapStatistics, ~1 µs).
 */
export class MemoryProbe {
  constructor() {
    gc?.();
    this.baseHeap = getHeapStatistics().used_heap_size;
    this.peakHeap = this.baseHeap;
    this.hwmReset = resetHwm();
    this.baseRss = process.memoryUsage.rss();
  }

  sample() {
    const h = getHeapStatistics().used_heap_size;
    if (h > this.peakHeap) this.peakHeap = h;
  }

  result() {
    this.sample();
    // Without a resettable high-water mark, fall back to the whole process's (it includes loading).
    const peakRss = (this.hwmReset ? vmHwm() : undefined) ?? process.resourceUsage().maxRSS * 1024;
    return {
      baselineRssBytes: this.baseRss,
      peakRssBytes: peakRss,
      rssDeltaBytes: peakRss - this.baseRss,
      peakRssScope: this.hwmReset ? 'timed passes' : 'whole process',
      heapPeakDeltaBytes: this.peakHeap - this.baseHeap,
    };
  }
}

/**
 * One pass: `make()` returns a decoder `{ decode(item) }` whose decode returns the decoded message, or
 * null/undefined when the item completed no message (waiting for fragments, error, unsupported).
 */
function pass(make, items, probe) {
  const decoder = make();
  const n = items.length;
  let decoded = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const m = decoder.decode(items[i]);
    if (m !== null && m !== undefined) decoded++;
    if ((i & 1023) === 0 && probe !== undefined) probe.sample();
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return { ns, decoded };
}

/**
 * Warm up (two passes over the first `warmupItems` items), then timed passes over all items: `runs`
 * of them, except that a slow decoder stops after `minRuns` once `maxSeconds` of timed passes are spent.
 * Returns per-pass rates (items/s), the median and best, the decoded count and memory.
 */
export function measure(make, items, { runs = 5, minRuns = 3, maxSeconds = 60, warmupItems = 200_000 } = {}) {
  const warm = items.length > warmupItems ? items.slice(0, warmupItems) : items;
  pass(make, warm);
  pass(make, warm);
  const probe = new MemoryProbe();
  const rates = [];
  let decoded = -1;
  let spentNs = 0;
  while (rates.length < runs && (rates.length < minRuns || spentNs < maxSeconds * 1e9)) {
    const p = pass(make, items, probe);
    if (decoded >= 0 && p.decoded !== decoded) throw new Error(`decoded count changed between passes (${decoded} → ${p.decoded})`);
    decoded = p.decoded;
    spentNs += p.ns;
    rates.push((items.length * 1e9) / p.ns);
  }
  const sorted = [...rates].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    items: items.length,
    decoded,
    ratesPerSecond: rates,
    medianPerSecond: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    bestPerSecond: sorted[sorted.length - 1],
    memory: probe.result(),
  };
}

/** Worker entry helper: print the result (or a structured error) as the last stdout line. */
export async function workerMain(fn) {
  try {
    const result = await fn();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e), missing: e?.name === 'MissingModuleError' })}\n`);
    process.exitCode = 1;
  }
}
