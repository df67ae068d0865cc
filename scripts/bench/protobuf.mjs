// Section "protobuf": buoy Envelope frames per second, our decodeEnvelope vs protobufjs runtime reflection,
// on the same bytes: N realistic buoy frames (18 series × 6 samples) made with the project's encodeEnvelope.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { importProtobufModule, PROTOBUF_DECODERS, PROTOBUF_PEERS } from './protobuf-adapters.mjs';
import { shortRunNotes } from './ais.mjs';
import { fmtInt, passesNote } from './report.mjs';
import { rng, runEachDecoder } from './util.mjs';

const require = createRequire(import.meta.url);

/** The 18 series of a coastal buoy (Rizhao-like): [variable, depth m, mean, daily amplitude, noise]. */
const SERIES = [
  ['sea_surface_temperature', 0.5, 17.5, 1.2, 0.05],
  ['sea_water_temperature', 5, 15.8, 0.6, 0.03],
  ['sea_water_temperature', 15, 13.2, 0.3, 0.02],
  ['sea_water_practical_salinity', 0.5, 31.2, 0.2, 0.02],
  ['sea_surface_wave_significant_height', 0, 0.9, 0.3, 0.05],
  ['sea_surface_wave_maximum_height', 0, 1.6, 0.5, 0.1],
  ['sea_surface_wave_period_at_variance_spectral_density_maximum', 0, 6.5, 1, 0.3],
  ['sea_surface_wave_from_direction', 0, 135, 20, 5],
  ['wind_speed', 0, 6.2, 2, 0.6],
  ['wind_from_direction', 0, 160, 40, 10],
  ['wind_speed_of_gust', 0, 8.9, 2.5, 0.9],
  ['air_pressure_at_mean_sea_level', 0, 1012.6, 2, 0.1],
  ['air_temperature', 0, 19.4, 3, 0.2],
  ['relative_humidity', 0, 78, 8, 1],
  ['mass_concentration_of_oxygen_in_sea_water', 1, 7.9, 0.4, 0.05],
  ['sea_water_ph_reported_on_total_scale', 1, 8.05, 0.03, 0.005],
  ['mass_concentration_of_chlorophyll_a_in_sea_water', 1, 2.4, 0.8, 0.1],
  ['battery_voltage', 0, 12.6, 0.3, 0.02],
];
const SAMPLES = 6;
const STEP_S = 600; // 10-minute means, one frame an hour
const BUOYS = 40;

/** N buoy frames from BUOYS buoys, hour after hour, as encodeEnvelope inputs. */
function* buoyFrames(n) {
  const rand = rng(20240611);
  const start = Date.UTC(2025, 4, 1);
  for (let k = 0; k < n; k++) {
    const buoy = k % BUOYS;
    const hour = Math.floor(k / BUOYS);
    const baseTime = start + hour * 3_600_000;
    const observations = [];
    for (let i = 0; i < SAMPLES; i++) {
      const time = baseTime + i * STEP_S * 1000;
      const dayPhase = ((time / 86_400_000) % 1) * 2 * Math.PI;
      for (const [variable, depth, mean, amp, noise] of SERIES) {
        const r = rand();
        const qc = r < 0.002 ? 9 : r < 0.01 ? 3 : 1;
        let value = mean + amp * Math.sin(dayPhase + buoy) + noise * (rand() * 2 - 1);
        if (variable.endsWith('direction')) value = ((value % 360) + 360) % 360;
        observations.push({ time, variable, value: qc === 9 ? 0 : value, depth, qc });
      }
    }
    yield {
      deviceId: `BUOY-RZ-${String(buoy + 1).padStart(3, '0')}`,
      bootId: 7 + buoy,
      seq: hour + 1,
      sentTime: baseTime + SAMPLES * STEP_S * 1000 + 4_000,
      payload: {
        type: 'buoy-batch',
        baseTime,
        averagingPeriod: STEP_S,
        position: { lat: 35.3 + buoy * 0.01 + rand() * 1e-4, lon: 119.6 + buoy * 0.01 + rand() * 1e-4 },
        observations,
      },
    };
  }
}

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** Encode N frames with the project's encodeEnvelope into one varint length-delimited file. */
async function writeFrames(file, n) {
  const { encodeEnvelope } = await importProtobufModule();
  if (typeof encodeEnvelope !== 'function') throw new Error('the protobuf module does not export encodeEnvelope');
  const parts = [];
  let total = 0;
  let frameBytes = 0;
  for (const input of buoyFrames(n)) {
    const bytes = encodeEnvelope(input);
    const prefix = Uint8Array.from(varint(bytes.length));
    parts.push(prefix, bytes);
    total += prefix.length + bytes.length;
    frameBytes += bytes.length;
  }
  const buf = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    buf.set(p, pos);
    pos += p.length;
  }
  writeFileSync(file, buf);
  return { bytes: total, meanFrameBytes: frameBytes / n };
}

export async function runProtobuf({ opts, tmp, log }) {
  const file = join(tmp.dir, 'buoy-frames.bin');
  log(`protobuf: encoding ${fmtInt(opts.frames)} buoy frames with encodeEnvelope …`);
  const { bytes, meanFrameBytes } = await writeFrames(file, opts.frames);
  const names = ['tidewatch', ...PROTOBUF_PEERS];
  const { results, failures } = await runEachDecoder('protobuf-worker.mjs', names, file, opts, log);
  const ours = results.tidewatch;
  const pbVersion = require('protobufjs/package.json').version;
  const rows = names.map((name) => {
    const spec = PROTOBUF_DECODERS[name];
    const label = spec.npm ? `${spec.npm}@${pbVersion} reflection` : spec.label;
    const r = results[name];
    if (!r) return { name: label, ours: name === 'tidewatch', failed: failures[name] };
    return {
      name: label,
      ours: name === 'tidewatch',
      rate: r.medianPerSecond,
      best: r.bestPerSecond,
      unit: 'frames/s',
      ratio: ours && name !== 'tidewatch' ? ours.medianPerSecond / r.medianPerSecond : undefined,
      memory: r.memory,
      extra: {
        decoded: `${fmtInt(r.decoded)} frames`,
        values: `${fmtInt(r.values)} samples`,
        mbps: `${((r.medianPerSecond * meanFrameBytes) / 1e6).toFixed(1)} MB/s`,
        first: r.first ?? '—',
      },
    };
  });
  const notes = shortRunNotes(results, opts);
  notes.push(...names.map((n) => `how: ${PROTOBUF_DECODERS[n].npm ?? 'ours'}: ${PROTOBUF_DECODERS[n].how}`));
  notes.push(
    'ours does more than the peer: it also checks the schema rules and turns each sample into a BuoyObservation in physical units with its QARTOD flag; the peer returns wire values as a plain object.',
  );
  if (ours) {
    for (const name of PROTOBUF_PEERS) {
      const r = results[name];
      if (r && r.decoded !== ours.decoded) notes.push(`WARNING: ${name} decoded ${r.decoded} frames, ours ${ours.decoded}.`);
    }
  }
  return {
    id: 'protobuf',
    title: 'Protobuf buoy frames (tidewatch.v1.Envelope)',
    input: `${fmtInt(opts.frames)} frames of 18 series × 6 samples from ${BUOYS} buoys, made by encodeEnvelope, ${meanFrameBytes.toFixed(0)} bytes each on average (${(bytes / 1e6).toFixed(1)} MB); in memory, ${passesNote(opts)}`,
    unit: 'frames/s',
    columns: [
      { key: 'decoded', title: 'frames decoded' },
      { key: 'values', title: 'samples' },
      { key: 'mbps', title: 'bytes in' },
      { key: 'first', title: 'first sample' },
    ],
    rows,
    notes,
  };
}
