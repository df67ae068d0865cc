// Child process: measure one Envelope decoder on a file of varint length-delimited frames. Prints one JSON line.
// Usage: node --expose-gc scripts/bench/protobuf-worker.mjs DECODER FILE RUNS MAX_SECONDS
import { readFileSync } from 'node:fs';
import { measure, workerMain } from './harness.mjs';
import { PROTOBUF_DECODERS } from './protobuf-adapters.mjs';

/** Split a delimited file into frame views (no copies), as the CLI does. */
function splitFrames(buf) {
  const frames = [];
  let pos = 0;
  while (pos < buf.length) {
    let len = 0;
    let shift = 0;
    let b;
    do {
      b = buf[pos++];
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b >= 0x80 && pos < buf.length);
    if (pos + len > buf.length) throw new Error(`truncated frame at byte ${pos}`);
    frames.push(buf.subarray(pos, pos + len));
    pos += len;
  }
  return frames;
}

workerMain(async () => {
  const [name, file, runsArg, maxArg] = process.argv.slice(2);
  const spec = PROTOBUF_DECODERS[name];
  if (!spec) throw new Error(`unknown protobuf decoder ${name}`);
  const adapter = await spec.load();
  const buf = new Uint8Array(readFileSync(file));
  const frames = splitFrames(buf);

  const result = measure(adapter.make, frames, { runs: Number(runsArg) || 5, maxSeconds: Number(maxArg) || 60, warmupItems: 20_000 });

  // Untimed sanity pass after the timed ones (so it does not raise the peak RSS measured above).
  const check = adapter.make();
  let decoded = 0;
  let values = 0;
  let first = null;
  for (const f of frames) {
    const m = check.decode(f);
    if (m === null || m === undefined) continue;
    decoded++;
    const d = adapter.describe(m);
    values += d.values;
    if (first === null) first = d.first;
  }
  if (decoded !== result.decoded) throw new Error(`${name}: timed passes decoded ${result.decoded}, the check pass ${decoded}`);
  return { name, ...result, values, first, bytes: buf.length };
});
