// Child process: measure one AIS decoder on one input file. Prints one JSON line.
// Usage: node --expose-gc scripts/bench/ais-worker.mjs DECODER FILE RUNS MAX_SECONDS
import { readFileSync } from 'node:fs';
import { AIS_DECODERS } from './ais-adapters.mjs';
import { measure, workerMain } from './harness.mjs';

const POSITION_TYPES = new Set([1, 2, 3, 18, 19]);

workerMain(async () => {
  const [name, file, runsArg, maxArg] = process.argv.slice(2);
  const spec = AIS_DECODERS[name];
  if (!spec) throw new Error(`unknown AIS decoder ${name}`);
  const adapter = await spec.load();
  const lines = readFileSync(file, 'latin1').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();

  const result = measure(adapter.make, lines, { runs: Number(runsArg) || 5, maxSeconds: Number(maxArg) || 60 });

  // Untimed sanity pass after the timed ones (so it does not raise the peak RSS measured above):
  // what did it decode, and where is the first type-1 position?
  const check = adapter.make();
  const byType = {};
  let positions = 0;
  let firstType1 = null;
  let decodedOnce = 0;
  for (const line of lines) {
    const m = check.decode(line);
    if (m === null || m === undefined) continue;
    decodedOnce++;
    const d = adapter.describe(m);
    byType[d.type] = (byType[d.type] ?? 0) + 1;
    if (POSITION_TYPES.has(d.type) && Number.isFinite(d.lat) && Number.isFinite(d.lon) && Math.abs(d.lat) <= 90 && Math.abs(d.lon) <= 180) positions++;
    if (firstType1 === null && d.type === 1) firstType1 = { mmsi: Number(d.mmsi), lat: d.lat, lon: d.lon };
  }

  if (result.decoded !== decodedOnce) throw new Error(`${name}: timed passes decoded ${result.decoded}, the check pass ${decodedOnce}`);
  return { name, ...result, positions, byType, firstType1 };
});
