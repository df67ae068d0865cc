#!/usr/bin/env node
// `npm run bench`: Tidewatch's benchmark, one run, several sections, one table printer.
// Sections live in scripts/bench/<section>.mjs and return tables for scripts/bench/report.mjs.
// It measures the COMPILED project (dist/), building it first when a source file is newer.
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { runAis } from './bench/ais.mjs';
import { apiTargetLines, runApi } from './bench/api.mjs';
import { runE2e } from './bench/e2e.mjs';
import { runIngest } from './bench/ingest.mjs';
import { benchTempDir, gpsdSourceTree, loadGpsdCapture, repeatLines, writeLines } from './bench/input.mjs';
import { runProtobuf } from './bench/protobuf.mjs';
import { fmtRate, fmtRatio, machineLine, markdownReport, textTable } from './bench/report.mjs';
import { rulesTargetLines, runRules } from './bench/rules.mjs';
import { ensureBuilt } from './bench/util.mjs';
import { runViewer } from './bench/viewer.mjs';

const SECTIONS = ['ais', 'protobuf', 'e2e', 'ingest', 'api', 'rules', 'viewer'];

const HELP = `Usage: npm run bench [-- options]        (or: node scripts/bench.mjs [options])

Benchmarks the compiled project (dist/; runs \`npm run build\` first when a source is newer) and prints
one table per section, then a Markdown block of all of them for the README.

Sections:
  ais        AIS sentences/s, full decode, of our AisDecoder and the three most used AIS decoders
             on npm (ggencoder, ais-stream-decoder, aisparser) on the real AIS captures in gpsd's
             Debian source package repeated to --sentences lines; each decoder in its own process,
             same input, same loop; decoded-message counts and the first type-1 fix shown as a check.
             A second table repeats it on the message types all four decode (--no-common to skip).
  protobuf   buoy Envelope frames/s (18 series × 6 samples, made by our encodeEnvelope): our
             decodeEnvelope vs protobufjs runtime reflection (loadSync + Type.decode + toObject).
  e2e        whole process: \`tidewatch decode FILE > /dev/null\` vs \`gpsdecode -s -j -u < FILE > /dev/null\`
             on the same AIS file of --sentences lines, lines/s.
  ingest     AIS messages/s end to end, WebSocket in → stored: \`tidewatch serve\` in its own process fed
             by a few WebSocket connections, on the embedded store and on a real InfluxDB 1.8.10
             (started here; scripts/influxdb.sh build, or $INFLUXD_BIN), each beside the same points
             written straight to that store without the gateway (EmbeddedSeriesStore.write; the
             @influxdata/influxdb-client WriteApi alone); stored counts checked, peak RSS and CPU.
  api        query latency (p50/p95/max ms) through the API beside the same query straight against the
             store, same run: a registered trawler's 24 h track (8,640 fixes; GET /api/v1/vessels/:id/track
             vs store.track) and the latest positions of --api-vessels vessels (GET /api/v1/positions/latest
             vs store.latestFixes), data written straight to the embedded store and to a real InfluxDB
             1.8.10 (started here), \`tidewatch serve\` in its own process; where the API's time goes.
  rules      zone point checks/s (ZoneIndex.containing at a fixed time) against 1,000 and 10,000 seeded
             zones over the Yellow Sea, beside flatbush candidates decided by geolib and a naive loop over
             every zone with geolib, same points, same run; index build time and memory.
  viewer     the map in Debian's chromium (headless, SwiftShader): \`tidewatch serve\` fed --viewer-vessels
             vessels' AIS reports over NMEA TCP, each again every ~10 s; fps and frame-time p50/p95/max
             (requestAnimationFrame) for 10 s still with live updates and 10 s panning, load time to all
             vessels counted, JS heap; beside the same at 500 vessels, same run.

Options:
  --only LIST        sections to run, comma-separated: ${SECTIONS.join(', ')} (default: all)
  --sentences N      AIS lines in the input, at least (default 1000000; whole copies of the capture)
  --frames N         protobuf frames (default 100000)
  --runs N           timed in-process passes per decoder, median reported (default 5)
  --max-seconds S    a decoder whose timed passes have taken S seconds stops after 3 (default 60)
  --e2e-runs N       timed runs per command in the e2e section (default 3)
  --ingest-messages N        AIS messages in the ingest section (default 300000)
  --ingest-vessels N         distinct MMSIs sending them (default max(2000, messages/30); at least messages/30)
  --ingest-connections N     WebSocket connections (receiver stations) feeding the gateway (default 4)
  --ingest-lines-per-message N  AIS lines per WebSocket text message (default 500)
  --ingest-runs N            runs of each ingest measurement, median reported (default 3)
  --ingest-cpu-prof DIR      run the gateway under node --cpu-prof, profiles into DIR/embedded, DIR/influxdb
  --api-track-iterations N   timed track requests per path (store, API) in the api section (default 200)
  --api-latest-iterations N  timed latest-position requests per path (default 50)
  --api-vessels N            vessels with a recent position (default 10000)
  --api-registered N         of which in the registry, the tracked trawler included (default 2000)
  --api-stores LIST          embedded, influxdb or both, comma-separated (default both)
  --api-max-seconds S        a query whose timed rounds have taken S seconds stops after 10 rounds (default 120)
  --api-cpu-prof DIR         after the timed runs, profile the gateway per store and query (node --cpu-prof,
                             into DIR/<store>-<query>) and print its top self time
  --viewer-vessels N         vessels on the map in the viewer section (default 5000)
  --no-common        skip the AIS table restricted to the types every decoder decodes
  --no-build         do not run \`npm run build\`; measure dist/ as it is
  --gpsd-src DIR     gpsd source tree (default: $GPSD_SRC, else what scripts/fetch-gpsd-src.sh prints;
                     that script fetches it with apt-get source and installs gpsdecode the first time)
  --keep-input       keep the generated input files (their directory is printed)
  --markdown-only    print only the final Markdown block on stdout (progress still goes to stderr)
  -h, --help         show this help

Progress goes to stderr, tables to stdout. Numbers depend on the machine: compare within one run.
`;

function positiveInt(name, v) {
  const n = Number(String(v).replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got ${v})`);
  return n;
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      sentences: { type: 'string', default: '1000000' },
      frames: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '5' },
      'max-seconds': { type: 'string', default: '60' },
      'e2e-runs': { type: 'string', default: '3' },
      'ingest-messages': { type: 'string', default: '300000' },
      'ingest-vessels': { type: 'string' },
      'ingest-connections': { type: 'string', default: '4' },
      'ingest-lines-per-message': { type: 'string', default: '500' },
      'ingest-runs': { type: 'string', default: '3' },
      'ingest-cpu-prof': { type: 'string' },
      'api-track-iterations': { type: 'string', default: '200' },
      'api-latest-iterations': { type: 'string', default: '50' },
      'api-vessels': { type: 'string', default: '10000' },
      'api-registered': { type: 'string', default: '2000' },
      'api-stores': { type: 'string', default: 'embedded,influxdb' },
      'api-max-seconds': { type: 'string', default: '120' },
      'api-cpu-prof': { type: 'string' },
      'viewer-vessels': { type: 'string', default: '5000' },
      'no-common': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'gpsd-src': { type: 'string' },
      'keep-input': { type: 'boolean', default: false },
      'markdown-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : SECTIONS;
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section "${s}" (known: ${SECTIONS.join(', ')})`);
  const apiStores = values['api-stores'].split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of apiStores) if (!['embedded', 'influxdb'].includes(s)) throw new Error(`--api-stores: unknown store "${s}" (known: embedded, influxdb)`);
  const apiVessels = positiveInt('api-vessels', values['api-vessels']);
  const apiRegistered = positiveInt('api-registered', values['api-registered']);
  if (apiRegistered > apiVessels) throw new Error(`--api-registered ${apiRegistered} is more than --api-vessels ${apiVessels}`);
  return {
    help: values.help,
    only,
    sentences: positiveInt('sentences', values.sentences),
    frames: positiveInt('frames', values.frames),
    runs: positiveInt('runs', values.runs),
    maxSeconds: positiveInt('max-seconds', values['max-seconds']),
    e2eRuns: positiveInt('e2e-runs', values['e2e-runs']),
    ingestMessages: positiveInt('ingest-messages', values['ingest-messages']),
    ingestVessels: values['ingest-vessels'] === undefined ? undefined : positiveInt('ingest-vessels', values['ingest-vessels']),
    ingestConnections: positiveInt('ingest-connections', values['ingest-connections']),
    ingestLinesPerMessage: positiveInt('ingest-lines-per-message', values['ingest-lines-per-message']),
    ingestRuns: positiveInt('ingest-runs', values['ingest-runs']),
    ingestCpuProf: values['ingest-cpu-prof'] === undefined ? undefined : resolve(values['ingest-cpu-prof']),
    apiTrackIterations: positiveInt('api-track-iterations', values['api-track-iterations']),
    apiLatestIterations: positiveInt('api-latest-iterations', values['api-latest-iterations']),
    apiVessels,
    apiRegistered,
    apiStores,
    apiMaxSeconds: positiveInt('api-max-seconds', values['api-max-seconds']),
    apiCpuProf: values['api-cpu-prof'] === undefined ? undefined : resolve(values['api-cpu-prof']),
    viewerVessels: positiveInt('viewer-vessels', values['viewer-vessels']),
    aisCommon: !values['no-common'],
    build: !values['no-build'],
    gpsdSrc: values['gpsd-src'],
    keepInput: values['keep-input'],
    markdownOnly: values['markdown-only'],
  };
}

/** The issue's targets, checked against this run's numbers (reported, never asserted). */
function targetLines(sections) {
  const lines = [];
  const row = (s, pred) => s.rows.filter((r) => r.rate !== undefined && pred(r));
  for (const s of sections.filter((x) => x.id === 'ais' || x.id === 'ais-common')) {
    const ours = row(s, (r) => r.ours)[0];
    const peers = row(s, (r) => !r.ours).sort((a, b) => b.rate - a.rate);
    if (!ours || !peers.length) continue;
    const ratio = ours.rate / peers[0].rate;
    lines.push(
      `${ratio >= 3 ? 'MET    ' : 'NOT MET'}  AIS ≥ 3× the fastest npm peer (${s.id === 'ais' ? 'full capture' : 'common types'}): ours ${fmtRate(ours.rate, ours.unit)} / ${peers[0].name} ${fmtRate(peers[0].rate, peers[0].unit)} = ${fmtRatio(ratio)}`,
    );
  }
  for (const s of sections.filter((x) => x.id === 'e2e')) {
    const ours = row(s, (r) => r.ours)[0];
    const peer = row(s, (r) => !r.ours)[0];
    if (!ours || !peer) continue;
    const ratio = ours.rate / peer.rate;
    lines.push(
      `${ratio > 1 ? 'MET    ' : 'NOT MET'}  tidewatch decode faster end to end than gpsdecode: ${fmtRate(ours.rate, ours.unit)} vs ${fmtRate(peer.rate, peer.unit)} = ${fmtRatio(ratio)}`,
    );
  }
  for (const s of sections.filter((x) => x.id === 'ingest')) {
    const ok = (r) => r.rate !== undefined && !r.failed;
    const stores = [
      ['embedded', 'embedded store'],
      ['influxdb', 'InfluxDB'],
    ];
    const gw = Object.fromEntries(stores.map(([k]) => [k, s.rows.find((r) => r.gateway && r.store === k && ok(r))]));
    const raw = s.rows.find((r) => !r.gateway && r.store === 'influxdb' && ok(r));
    if (gw.influxdb && raw) {
      const ratio = gw.influxdb.rate / raw.rate;
      lines.push(
        `${ratio >= 0.7 ? 'MET    ' : 'NOT MET'}  gateway keeps ≥ 70% of the raw InfluxDB write rate: ${fmtRate(gw.influxdb.rate, gw.influxdb.unit)} in → stored / ${fmtRate(raw.rate, raw.unit)} client alone = ${(ratio * 100).toFixed(0)}%`,
      );
    }
    for (const [k, label] of stores) {
      const g = gw[k];
      if (!g) continue;
      lines.push(`${g.rate >= 50_000 ? 'MET    ' : 'NOT MET'}  ≥ 50,000 AIS messages/s in → stored on this machine (${label}): ${fmtRate(g.rate, g.unit)}`);
    }
  }
  lines.push(...apiTargetLines(sections));
  lines.push(...rulesTargetLines(sections));
  return lines;
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${e.message}\n\n${HELP}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const log = (m) => process.stderr.write(`bench: ${m}\n`);
  const out = (s) => {
    if (!opts.markdownOnly) process.stdout.write(`${s}\n`);
  };

  log(machineLine());
  log(ensureBuilt({ build: opts.build, log }));

  const tmp = benchTempDir(opts.keepInput);
  const sections = [];
  const failed = [];
  try {
    let capture;
    const needAis = opts.only.includes('ais') || opts.only.includes('e2e');
    if (needAis) {
      const tree = gpsdSourceTree(opts.gpsdSrc);
      capture = { ...loadGpsdCapture(tree), version: tree.replace(/.*gpsd-/, '') };
      log(`AIS capture: ${capture.lines.length} real sentence lines from ${tree}/test (${capture.sources.map((s) => `${s.file} ${s.lines}`).join(', ')})`);
    }
    const run = async (name, fn) => {
      try {
        const result = await fn();
        for (const s of Array.isArray(result) ? result : [result]) {
          sections.push(s);
          out(`\n${textTable(s)}`);
        }
      } catch (e) {
        failed.push(name);
        log(`section ${name} FAILED: ${e.message}`);
      }
    };
    if (opts.only.includes('ais')) await run('ais', () => runAis({ opts, capture, tmp, log }));
    if (opts.only.includes('protobuf')) await run('protobuf', () => runProtobuf({ opts, tmp, log }));
    if (opts.only.includes('e2e')) {
      await run('e2e', () => {
        const { lines, copies } = repeatLines(capture.lines, opts.sentences);
        const file = join(tmp.dir, 'e2e.nmea');
        writeLines(file, lines);
        return runE2e({
          opts,
          file,
          lineCount: lines.length,
          inputNote: `gpsd ${capture.version} AIS test captures, ${capture.lines.length.toLocaleString('en-US')} real lines repeated ${copies}×`,
          log,
        });
      });
    }
    if (opts.only.includes('ingest')) await run('ingest', () => runIngest({ opts, tmp, log }));
    if (opts.only.includes('api')) await run('api', () => runApi({ opts, tmp, log }));
    if (opts.only.includes('rules')) await run('rules', () => runRules({ log }));
    if (opts.only.includes('viewer')) await run('viewer', () => runViewer({ opts, tmp, log }));
  } finally {
    tmp.cleanup();
    if (opts.keepInput) log(`inputs kept in ${tmp.dir}`);
  }

  const targets = targetLines(sections);
  if (targets.length) out(`\n== Targets\n${targets.map((t) => `   ${t}`).join('\n')}`);
  if (sections.length) {
    let md = markdownReport(sections, { command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}` });
    if (targets.length) md += `\n\nTargets from the issue, on this run:\n\n${targets.map((t) => (t.startsWith(' ') ? `  ${t.trim()}` : `- ${t.replace(/^(MET|NOT MET)\s+/, '**$1**: ')}`)).join('\n')}`;
    if (opts.markdownOnly) process.stdout.write(`${md}\n`);
    else out(`\n== Markdown for the README\n\n${md}`);
  }
  for (const sec of sections) for (const r of sec.rows) if (r.failed) failed.push(`${sec.id}: ${r.name}`);
  if (failed.length) {
    log(`FAILED: ${failed.join('; ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
