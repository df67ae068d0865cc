// Section "ingest": AIS messages per second end to end (WebSocket in → stored), the whole gateway
// (`tidewatch serve`, compiled) in its own process, on the embedded store and on a real InfluxDB 1.8.10,
// each set beside the same points written straight to the same store without the gateway: the
// embedded store's own write() and @influxdata/influxdb-client's WriteApi alone. Peak RSS and CPU of
// every measured process.
//
// This file is also the raw writers' worker (`node scripts/bench/ingest.mjs raw-embedded|raw-influx …`,
// run through runWorker), so that every measured writer runs in its own process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MemoryProbe, workerMain } from './harness.mjs';
import { fmtInt } from './report.mjs';
import { importDist, median, REPO, rng, runWorker } from './util.mjs';
import { children, influxQl, MAIN_JS, startInfluxd, startServeProcess, tidewatchEnv, track } from './processes.mjs';

/** Records per store write in the raw baselines, as the gateway's spool uses. */
const RAW_BATCH = 5000;
/** A vessel's reports are stamped with consecutive UTC seconds; at most this many per vessel (see fleet()). */
const MAX_REPORTS_PER_VESSEL = 30;
/** Every run writes into a database of its own, created just before and dropped after it. */
const rawDatabase = (run) => `tidewatch_raw_${run}`;
const gatewayDatabase = (run) => `tidewatch_gw_${run}`;
const INFLUX_TOKEN = 'tidewatch:tidewatch'; // auth is off; 1.8 wants user:password
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- input: a Rizhao fleet's class A position reports --------------------------------------------

/** Vessels needed so that no vessel sends more than MAX_REPORTS_PER_VESSEL of the N reports. */
export function vesselsFor(messages, asked) {
  const least = Math.ceil(messages / MAX_REPORTS_PER_VESSEL);
  if (asked !== undefined && asked < least) {
    throw new Error(
      `--ingest-vessels ${asked} is too few for ${messages} messages: each vessel may send at most ${MAX_REPORTS_PER_VESSEL} (distinct UTC seconds within ±30 s of the receive time, so that no two of its fixes share a time and none looks like a jump); use at least ${least}`,
    );
  }
  return asked ?? Math.max(2000, least);
}

/**
 * The fleet off Rizhao (Shandong): Chinese MMSIs (MIDs 412/413/414), positions 34.9–35.8°N
 * 119.55–120.6°E; 40% trawling at 2.5–4 kn (status 7, engaged in fishing), 30% under way at 7–12 kn
 * (status 0), 30% at anchor near the port (status 1, under 0.3 kn). The viewer section draws it too.
 */
export function fleet(count, seed = 20250611) {
  const rand = rng(seed);
  const used = new Set();
  const out = [];
  const mids = [412, 413, 414];
  for (let v = 0; v < count; v++) {
    let mmsi;
    do mmsi = mids[Math.floor(rand() * 3)] * 1_000_000 + Math.floor(rand() * 1_000_000);
    while (used.has(mmsi));
    used.add(mmsi);
    const kind = rand();
    const anchored = kind >= 0.7;
    const sog = kind < 0.4 ? 2.5 + rand() * 1.5 : kind < 0.7 ? 7 + rand() * 5 : rand() * 0.3;
    const cog = rand() * 360;
    const lat = anchored ? 35.3 + rand() * 0.15 : 34.9 + rand() * 0.9;
    const lon = anchored ? 119.6 + rand() * 0.2 : 119.55 + rand() * 1.05;
    // Degrees per second along the course (1 kn = 1852 m/h).
    const mps = (sog * 1852) / 3600;
    const dLat = (mps * Math.cos((cog * Math.PI) / 180)) / 111_320;
    const dLon = (mps * Math.sin((cog * Math.PI) / 180)) / (111_320 * Math.cos((lat * Math.PI) / 180));
    out.push({
      mmsi,
      lat,
      lon,
      dLat,
      dLon,
      sog,
      cog,
      heading: Math.round(cog + (rand() - 0.5) * 6 + 360) % 360,
      navStatus: kind < 0.4 ? 7 : kind < 0.7 ? 0 : 1,
      phase: Math.floor(rand() * 60),
      channel: rand() < 0.5 ? 'A' : 'B',
    });
  }
  return out;
}

/**
 * The encoder stops at the 149 bits Tidewatch decodes; on the air a type 1 report is 168 bits, ending
 * in the 19-bit SOTDMA radio status. Append one (sync state 0, slot time-out and slot number from the
 * report index) so the lines are as long as a receiver's: 28 payload characters, 0 fill bits.
 */
function withRadioStatus(line, k) {
  const f = line.split(',');
  const payload = f[5];
  const fill = Number(f[6].slice(0, f[6].indexOf('*')));
  let bits = '';
  for (let i = 0; i < payload.length; i++) {
    let v = payload.charCodeAt(i) - 48;
    if (v > 40) v -= 8;
    bits += v.toString(2).padStart(6, '0');
  }
  bits = bits.slice(0, bits.length - fill);
  if (bits.length !== 149) return line; // not the expected layout: leave it as the encoder made it
  bits += '00' + ((k % 8) >>> 0).toString(2).padStart(3, '0') + ((k * 37) % 2250).toString(2).padStart(14, '0');
  let armoured = '';
  for (let i = 0; i < bits.length; i += 6) {
    const v = parseInt(bits.slice(i, i + 6), 2);
    armoured += String.fromCharCode(v < 40 ? v + 48 : v + 56);
  }
  const body = `${f[0].slice(1)},${f[1]},${f[2]},${f[3]},${f[4]},${armoured},0`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return `!${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * N class A position reports (type 1) as `!AIVDM` lines, encoded with the project's encodeAisSentences,
 * in reception order: round k holds report k of every vessel (the last round only of the first ones).
 * Vessel v's report k carries UTC second (phase_v + k) mod 60 and the position k seconds along its
 * track, so every report is a distinct fix: the gateway dates it at the receive time moved to that
 * second (within ±30 s), and with at most 30 reports a vessel its fixes never share a time and two of
 * them never imply more than the vessel's own speed (the plausibility check flags nothing).
 * Returns the lines and, for each, the index of its vessel.
 */
export async function aisReports(messages, vessels) {
  const { encodeAisSentences } = await importDist('gateway/decoders/ais/encode.js', 'the AIS encoder');
  const ships = fleet(vessels);
  const lines = new Array(messages);
  const vesselOf = new Uint32Array(messages);
  for (let i = 0; i < messages; i++) {
    const v = i % vessels;
    const k = Math.floor(i / vessels);
    const s = ships[v];
    const [line] = encodeAisSentences(
      {
        type: 1,
        mmsi: s.mmsi,
        navStatus: s.navStatus,
        rot: 0,
        sog: Math.round(s.sog * 10) / 10,
        accuracy: true,
        lat: s.lat + s.dLat * k,
        lon: s.lon + s.dLon * k,
        cog: Math.round(s.cog * 10) / 10,
        heading: s.heading,
        second: (s.phase + k) % 60,
        maneuver: 0,
        raim: false,
      },
      { channel: s.channel },
    );
    lines[i] = withRadioStatus(line, k);
    vesselOf[i] = v;
  }
  return { lines, vesselOf };
}

/** The records the gateway makes of these lines (decoded and normalised by the project's own code). */
async function recordsOf(lines) {
  const { LineDecoder } = await importDist('gateway/decoders/line.js', 'the line decoder');
  const { normalise } = await importDist('gateway/pipeline/normalise.js', 'the pipeline');
  const decoder = new LineDecoder();
  const now = Date.now();
  const out = [];
  for (const line of lines) {
    const r = decoder.decode(line, now);
    if (r === null || r instanceof Error) throw new Error(`bench input line does not decode: ${line}${r ? ` (${r.message})` : ''}`);
    normalise(r, { now }, out);
  }
  // Not in the registry: the gateway stores a fix under its identifier key.
  for (const r of out) r.vessel = r.key;
  return out;
}

// --- processes: /proc readings, a real influxd, the gateway ---------------------------------------

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User + system CPU seconds a process has used so far (Linux /proc), undefined when unreadable. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15: utime, stime
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has spent busy (all cores; Linux /proc/stat), undefined when unreadable. */
function machineBusySeconds() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait
    return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds other processes used in a timed window: the machine's busy time minus the measured
 * processes' (`ours`: CPU seconds of every process of the bench that ran in the window).
 */
function otherCpu(busy0, ours) {
  const busy = machineBusySeconds();
  return busy === undefined || busy0 === undefined || ours.some((x) => x === undefined) ? undefined : Math.max(0, busy - busy0 - ours.reduce((a, b) => a + b, 0));
}

/** VmHWM (peak RSS) and VmRSS of a process in bytes. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => {
      const m = new RegExp(`${name}:\\s+(\\d+)\\s*kB`).exec(status);
      return m ? Number(m[1]) * 1024 : undefined;
    };
    return { peak: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return {};
  }
}

/** Children of this section; killed on the way out whatever happens (exit, Ctrl-C, SIGTERM). */

function installReaper() {
  const killAll = () => children.forEach((c) => c.kill('SIGKILL'));
  const onSignal = (signal) => {
    killAll();
    process.kill(process.pid, signal);
  };
  process.once('exit', killAll);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.once(s, onSignal);
  return () => {
    process.off('exit', killAll);
    for (const s of signals) process.off(s, onSignal);
  };
}

/**
 * A real InfluxDB 1.8.10 on free loopback ports, all its files under `dir` (the same settings as the
 * test suite's test/support/influxdb.ts: reporting off, Flux on, HTTP log off).
 */

/** Wait until a process has been nearly idle (< 5% of a core) for half a second, at most `maxMs`. */
async function settle(pid, maxMs = 20_000) {
  const deadline = Date.now() + maxMs;
  let before = cpuSeconds(pid);
  while (before !== undefined && Date.now() < deadline) {
    await sleep(500);
    const now = cpuSeconds(pid);
    if (now === undefined || now - before < 0.025) return;
    before = now;
  }
}

/** `tidewatch token create --role device --name bench` in the gateway's data directory; returns the secret. */
function deviceToken(env) {
  const r = spawnSync(process.execPath, [MAIN_JS, 'token', 'create', '--role', 'device', '--name', 'bench-receiver'], { cwd: REPO, env, encoding: 'utf8' });
  const token = /\b(tw_[A-Za-z0-9_-]+)/.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || !token) throw new Error(`tidewatch token create failed (exit ${r.status}): ${(r.stderr || r.stdout || '').trim()}`);
  return token;
}

/**
 * `node dist/gateway/cli/main.js serve` in its own process: HTTP on a port the OS picks, NMEA
 * listeners off, the given data directory (and InfluxDB, when given). Resolves with its URL once it
 * listens.
 */
async function startGatewayProcess({ dataDir, influx, cpuProfDir }) {
  const env = tidewatchEnv({
    TIDEWATCH_DATA_DIR: dataDir,
    TIDEWATCH_HTTP_HOST: '127.0.0.1',
    TIDEWATCH_HTTP_PORT: '0',
    TIDEWATCH_NMEA_PORT: '0',
    TIDEWATCH_LOG_LEVEL: 'warn',
    ...(influx && { TIDEWATCH_INFLUX_URL: influx.url, TIDEWATCH_INFLUX_TOKEN: INFLUX_TOKEN, TIDEWATCH_INFLUX_BUCKET: influx.bucket }),
  });
  const token = deviceToken(env);
  return { ...(await startServeProcess(env, cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [])), token };
}

/** The gateway's Prometheus samples that the bench reads: name (labels summed) → value. */
async function scrape(url) {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const out = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('tidewatch_') || ((line.startsWith('tidewatch_nodejs') || line.startsWith('tidewatch_process')) && !line.startsWith('tidewatch_nodejs_heap_size_used_bytes '))) continue;
    const m = /^(tidewatch_[a-z_]+)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[4]);
    out[m[1]] = (out[m[1]] ?? 0) + value;
    if (m[3]) out[`${m[1]}{${m[3]}}`] = value;
  }
  return out;
}

// --- the sender: a few receiver stations on the WebSocket ingest ----------------------------------

/**
 * The lines as each connection sends them: vessel v is heard by station v mod C, in reception order,
 * `linesPerMessage` CRLF-terminated lines to a WebSocket text message.
 */
function messagesPerConnection(lines, vesselOf, connections, linesPerMessage) {
  const perConn = Array.from({ length: connections }, () => []);
  for (let i = 0; i < lines.length; i++) perConn[vesselOf[i] % connections].push(lines[i]);
  return perConn.map((ls) => {
    const msgs = [];
    for (let i = 0; i < ls.length; i += linesPerMessage) msgs.push(Buffer.from(`${ls.slice(i, i + linesPerMessage).join('\r\n')}\r\n`, 'latin1'));
    return msgs;
  });
}

/**
 * Open one WebSocket per station to /ingest (device token), then send every message, at most
 * `window` sends not yet written to the socket per connection and never more than `maxBuffered`
 * bytes waiting in ws: the gateway's back-pressure (it pauses reading) stops the sender.
 * `onStart` is called just before the first send; resolves when every message is written out.
 */
async function sendAll(url, token, perConn, { window = 4, maxBuffered = 4 * 2 ** 20, onStart }) {
  const { WebSocket } = await import('ws');
  const wsUrl = `${url.replace(/^http/, 'ws')}/ingest`;
  const sockets = await Promise.all(
    perConn.map(
      () =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(wsUrl, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
          ws.once('open', () => resolve(ws));
          ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade refused: HTTP ${res.statusCode}`)));
          ws.once('error', reject);
        }),
    ),
  );
  onStart();
  try {
    await Promise.all(
      sockets.map(
        (ws, c) =>
          new Promise((resolve, reject) => {
            const msgs = perConn[c];
            let next = 0;
            let pending = 0;
            let failed = false;
            ws.on('close', (code) => {
              if (next < msgs.length || pending > 0) fail(new Error(`the gateway closed ingest connection ${c + 1} (code ${code}) after ${next} of ${msgs.length} messages`));
            });
            ws.on('error', (e) => fail(e));
            function fail(e) {
              if (!failed) {
                failed = true;
                reject(e);
              }
            }
            function pump() {
              while (!failed && next < msgs.length && pending < window && ws.bufferedAmount <= maxBuffered) {
                pending++;
                ws.send(msgs[next++], { binary: false }, (e) => {
                  pending--;
                  if (e) return fail(e);
                  if (next === msgs.length && pending === 0) resolve();
                  else pump();
                });
              }
            }
            if (msgs.length === 0) resolve();
            else pump();
          }),
      ),
    );
  } catch (e) {
    sockets.forEach((ws) => ws.terminate());
    throw e;
  }
  return sockets;
}

/**
 * Watch the gateway's /metrics from the first send: when every record was accepted (durable in the
 * spool: what the gateway acknowledges), when the store held `n` (tidewatch_stored_records: records
 * whose store write has succeeded), and the V8 heap's peak. Polls every 50 ms, every 20 ms once all
 * are accepted. Resolves when all `n` are stored, or when the gateway is idle with fewer (every line
 * taken, spool empty, nothing moving for 2 s: some were dropped or refused, reported by the caller);
 * rejects after `timeoutMs`.
 */
async function monitor(url, n, t0, { timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  const seconds = (at) => Number(at - t0) / 1e9;
  let last;
  let idleSince;
  let acceptedAt;
  let heapPeak = 0;
  for (;;) {
    const m = await scrape(url);
    const at = process.hrtime.bigint();
    const stored = m.tidewatch_stored_records ?? 0;
    const accepted = m.tidewatch_records_accepted_total ?? 0;
    heapPeak = Math.max(heapPeak, m.tidewatch_nodejs_heap_size_used_bytes ?? 0);
    if (acceptedAt === undefined && accepted >= n) acceptedAt = seconds(at);
    const result = { at, metrics: m, acceptedSeconds: acceptedAt, heapPeakBytes: heapPeak || undefined };
    if (stored >= n) return result;
    const idle = (m.tidewatch_lines_in_total ?? 0) >= n && (m.tidewatch_spool_backlog_records ?? 0) === 0 && stored === last;
    if (idle) {
      idleSince ??= Date.now();
      if (Date.now() - idleSince > 2000) return { ...result, short: true };
    } else idleSince = undefined;
    last = stored;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000} s with ${fmtInt(accepted)} of ${fmtInt(n)} records accepted and ${fmtInt(stored)} stored (spool backlog ${fmtInt(m.tidewatch_spool_backlog_records ?? 0)}, store up ${m.tidewatch_store_up})`,
      );
    }
    await sleep(acceptedAt === undefined ? 50 : 20);
  }
}

/** Records of a kind in a store, counted by the project's own store classes (after the writer has stopped). */
async function countStored({ dataDir, influx, bucket }) {
  const stores = await importDist('gateway/store/index.js', 'the series stores');
  const store = influx ? new stores.InfluxSeriesStore({ url: influx.url, token: INFLUX_TOKEN, org: '', bucket }, { timeoutMs: 120_000 }) : new stores.EmbeddedSeriesStore(join(dataDir, 'series.db'));
  try {
    return await store.count('vessel-fix');
  } finally {
    await store.close();
  }
}

/** One gateway run: start, send everything, wait until stored, read its peak RSS and CPU, stop, count. */
async function gatewayRun({ input, n, influx, dir, opts, cpuProfDir, log }) {
  const dataDir = join(dir, 'data');
  const gw = await startGatewayProcess({ dataDir, influx, cpuProfDir });
  let sockets = [];
  try {
    const before = memoryOf(gw.pid);
    const heapBefore = (await scrape(gw.url)).tidewatch_nodejs_heap_size_used_bytes;
    let t0;
    let cpu0;
    let influxCpu0;
    let busy0;
    let self0;
    let watching;
    sockets = await sendAll(gw.url, gw.token, input.perConn, {
      onStart: () => {
        busy0 = machineBusySeconds();
        self0 = process.cpuUsage();
        cpu0 = cpuSeconds(gw.pid);
        influxCpu0 = influx ? cpuSeconds(influx.pid) : undefined;
        t0 = process.hrtime.bigint();
        watching = monitor(gw.url, n, t0, { timeoutMs: Math.max(120_000, n / 2) });
        watching.catch(() => {}); // awaited below; a failed send must not leave it unhandled
      },
    });
    const sentNs = Number(process.hrtime.bigint() - t0);
    const done = await watching;
    const ns = Number(done.at - t0);
    const cpu = cpuSeconds(gw.pid) - cpu0;
    const influxCpu = influx ? cpuSeconds(influx.pid) - influxCpu0 : undefined;
    const self = process.cpuUsage(self0);
    const other = otherCpu(busy0, [cpu, influxCpu ?? 0, (self.user + self.system) / 1e6]);
    const mem = memoryOf(gw.pid);
    for (const ws of sockets) ws.close(1000);
    sockets = [];
    await gw.stop();
    const count = await countStored({ dataDir, influx, bucket: influx?.bucket });
    const m = done.metrics;
    const result = {
      ns,
      sentNs,
      count,
      cpu,
      influxCpu,
      otherCpu: other,
      peakRssBytes: mem.peak,
      baselineRssBytes: before.rss,
      heapPeakDeltaBytes: done.heapPeakBytes !== undefined && heapBefore !== undefined ? done.heapPeakBytes - heapBefore : undefined,
      acceptedSeconds: done.acceptedSeconds,
      metrics: {
        lines: m.tidewatch_lines_in_total ?? 0,
        accepted: m.tidewatch_records_accepted_total ?? 0,
        stored: m.tidewatch_stored_records ?? 0,
        duplicates: m.tidewatch_duplicates_total ?? 0,
        rejected: m.tidewatch_rejected_total ?? 0,
        suspect: m.tidewatch_suspect_fixes_total ?? 0,
      },
    };
    log(
      `    ${fmtInt((n * 1e9) / ns)} msg/s in → stored (${(ns / 1e9).toFixed(2)} s; all written out by the sender after ${(sentNs / 1e9).toFixed(2)} s, all accepted after ${done.acceptedSeconds?.toFixed(2) ?? '?'} s), ${fmtInt(count)} in the store, gateway CPU ${cpu.toFixed(1)} s (${cpuPerMessage(result, n)}/msg), peak RSS ${((mem.peak ?? 0) / 2 ** 20).toFixed(0)} MiB, heap peak ${(((done.heapPeakBytes ?? 0) - (heapBefore ?? 0)) / 2 ** 20).toFixed(0)} MiB over idle${otherNote({ ns, otherCpu: other })}`,
    );
    return result;
  } catch (e) {
    const tail = gw.stderrTail();
    throw new Error(`${e.message}${tail ? `\n  gateway stderr: ${tail.slice(-600)}` : ''}`);
  } finally {
    for (const ws of sockets) ws.terminate();
    await gw.kill();
    if (!opts.keepInput) rmSync(dir, { recursive: true, force: true });
  }
}

// --- the section --------------------------------------------------------------------------------

/** For the progress log: other processes' CPU in a run's timed window. */
function otherNote(r) {
  return r.otherCpu === undefined ? '' : `; other processes: ${r.otherCpu.toFixed(1)} CPU s (${((r.otherCpu * 1e11) / r.ns / cpus().length).toFixed(0)}% of the machine)`;
}

/** CPU seconds of the measured process in the timed window, and that as a share of one core. */
function cpuCell(r) {
  return r.cpu === undefined ? '—' : `${r.cpu.toFixed(1)} s (${((r.cpu * 1e9 * 100) / r.ns).toFixed(0)}%)`;
}

/**
 * CPU µs per message: the measured process's, and influxd's beside it (`+`). Unlike throughput it
 * hardly moves when other work shares the machine, so it compares runs on a busy machine.
 */
function cpuPerMessage(r, n) {
  if (r.cpu === undefined) return '—';
  const us = (seconds) => ((seconds * 1e6) / n).toFixed(1);
  return r.influxCpu === undefined ? `${us(r.cpu)} µs` : `${us(r.cpu)} + ${us(r.influxCpu)} µs`;
}

/** Median run by throughput, with the peak RSS the highest of all runs (reported as is: conservative). */
function summarise(runs) {
  const rates = runs.map((r) => r.rate);
  const med = median(rates);
  const mid = runs.reduce((a, b) => (Math.abs(b.rate - med) < Math.abs(a.rate - med) ? b : a));
  return { ...mid, rate: med, best: Math.max(...rates), peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes ?? 0)) || undefined };
}

export async function runIngest({ opts, tmp, log }) {
  const n = opts.ingestMessages;
  const vessels = vesselsFor(n, opts.ingestVessels);
  const runs = opts.ingestRuns;
  const removeReaper = installReaper();
  const base = mkdtempSync(join(tmp.dir, 'ingest-'));
  const results = { rawEmbedded: [], gwEmbedded: [], rawInflux: [], gwInflux: [] };
  const failures = {};
  let influx;
  try {
    log(`ingest: ${fmtInt(n)} AIS class A position reports from ${fmtInt(vessels)} vessels, encoded with encodeAisSentences …`);
    const { lines, vesselOf } = await aisReports(n, vessels);
    const perConn = messagesPerConnection(lines, vesselOf, opts.ingestConnections, opts.ingestLinesPerMessage);
    const bytes = perConn.flat().reduce((s, b) => s + b.length, 0);
    const input = { perConn, bytes, messages: perConn.reduce((s, m) => s + m.length, 0) };
    const workerArgs = ['--messages', String(n), '--vessels', String(vessels)];

    const attempt = async (key, what, fn) => {
      if (failures[key]) return;
      try {
        results[key].push(await fn());
      } catch (e) {
        failures[key] = e.message;
        log(`  ${what} FAILED: ${e.message}`);
      }
    };

    for (let run = 1; run <= runs; run++) {
      const tag = runs > 1 ? ` (run ${run}/${runs})` : '';
      log(`  embedded store, raw EmbeddedSeriesStore.write${tag} …`);
      await attempt('rawEmbedded', 'raw embedded write', async () => {
        const dir = join(base, `raw-embedded-${run}`);
        try {
          const r = await runWorker('ingest.mjs', ['raw-embedded', ...workerArgs, '--dir', dir]);
          log(`    ${fmtInt(r.rate)} points/s (${(r.ns / 1e9).toFixed(2)} s, ${cpuPerMessage(r, n)}/point), ${fmtInt(r.count)} in the store${otherNote(r)}`);
          return r;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
      log(`  embedded store, tidewatch serve${tag} …`);
      await attempt('gwEmbedded', 'gateway → embedded store', async () => {
        const r = await gatewayRun({ input, n, dir: join(base, `gw-embedded-${run}`), opts, cpuProfDir: opts.ingestCpuProf && join(opts.ingestCpuProf, 'embedded'), log });
        return { ...r, rate: (n * 1e9) / r.ns };
      });
    }

    try {
      influx = await startInfluxd(join(base, 'influxdb'), log);
      log(`  InfluxDB ${influx.version} at ${influx.url} (pid ${influx.pid})`);
    } catch (e) {
      failures.rawInflux = failures.gwInflux = e.message;
      log(`  InfluxDB FAILED: ${e.message}`);
    }
    for (let run = 1; influx && run <= runs; run++) {
      const tag = runs > 1 ? ` (run ${run}/${runs})` : '';
      // Each run on a fresh, empty database, with influxd idle (compactions of the last run done).
      log(`  InfluxDB, raw client WriteApi${tag} …`);
      await attempt('rawInflux', 'raw InfluxDB client write', async () => {
        const db = rawDatabase(run);
        await influxQl(influx.url, `CREATE DATABASE ${db}`);
        await settle(influx.pid);
        try {
          const r = await runWorker('ingest.mjs', ['raw-influx', ...workerArgs, '--url', influx.url, '--bucket', `${db}/autogen`, '--influxd-pid', String(influx.pid)]);
          log(`    ${fmtInt(r.rate)} points/s (${(r.ns / 1e9).toFixed(2)} s, ${cpuPerMessage(r, n)}/point), ${fmtInt(r.count)} in the store${otherNote(r)}`);
          return r;
        } finally {
          await influxQl(influx.url, `DROP DATABASE ${db}`).catch(() => {});
        }
      });
      log(`  InfluxDB, tidewatch serve${tag} …`);
      await attempt('gwInflux', 'gateway → InfluxDB', async () => {
        // The gateway creates its database itself at start (ensureDatabase).
        const db = gatewayDatabase(run);
        await settle(influx.pid);
        try {
          const r = await gatewayRun({ input, n, influx: { ...influx, bucket: `${db}/autogen` }, dir: join(base, `gw-influx-${run}`), opts, cpuProfDir: opts.ingestCpuProf && join(opts.ingestCpuProf, 'influxdb'), log });
          return { ...r, rate: (n * 1e9) / r.ns };
        } finally {
          await influxQl(influx.url, `DROP DATABASE ${db}`).catch(() => {});
        }
      });
    }

    return section({ n, vessels, runs, input, opts, results, failures, influxVersion: influx?.version });
  } finally {
    await influx?.stop().catch(() => {});
    for (const c of children) c.kill('SIGKILL');
    removeReaper();
    if (!opts.keepInput) rmSync(base, { recursive: true, force: true });
  }
}

function section({ n, vessels, runs, input, opts, results, failures, influxVersion }) {
  const clientVersion = (() => {
    try {
      return JSON.parse(readFileSync(join(REPO, 'node_modules', '@influxdata', 'influxdb-client', 'package.json'), 'utf8')).version;
    } catch {
      return '?';
    }
  })();
  const influxName = `InfluxDB ${influxVersion ?? '1.8.10'}`;
  const spec = [
    { key: 'rawEmbedded', store: 'embedded', gateway: false, name: `EmbeddedSeriesStore.write alone, ${fmtInt(RAW_BATCH)}/batch → embedded`, unit: 'points/s' },
    { key: 'gwEmbedded', store: 'embedded', gateway: true, name: 'tidewatch serve: WebSocket in → embedded store', unit: 'msg/s' },
    { key: 'rawInflux', store: 'influxdb', gateway: false, name: `@influxdata/influxdb-client@${clientVersion} WriteApi alone, ${fmtInt(RAW_BATCH)}/batch → ${influxName}`, unit: 'points/s' },
    { key: 'gwInflux', store: 'influxdb', gateway: true, name: `tidewatch serve: WebSocket in → ${influxName}`, unit: 'msg/s' },
  ];
  const summary = {};
  for (const s of spec) if (results[s.key].length) summary[s.key] = summarise(results[s.key]);
  const gatewayOf = { rawEmbedded: 'gwEmbedded', rawInflux: 'gwInflux' };
  const rows = spec.map((s) => {
    const r = summary[s.key];
    if (!r) return { name: s.name, ours: s.gateway, store: s.store, gateway: s.gateway, failed: failures[s.key] ?? 'not run' };
    const gw = summary[gatewayOf[s.key]];
    const countOk = r.count === n;
    return {
      name: s.name,
      ours: s.gateway,
      store: s.store,
      gateway: s.gateway,
      rate: r.rate,
      best: r.best,
      unit: s.unit,
      ratio: !s.gateway && gw ? gw.rate / r.rate : undefined,
      countOk,
      ...(!countOk && { failed: `the store holds ${fmtInt(r.count)} records, not ${fmtInt(n)}` }),
      memory: {
        peakRssBytes: r.peakRssBytes,
        rssDeltaBytes: r.peakRssBytes !== undefined && r.baselineRssBytes !== undefined ? r.peakRssBytes - r.baselineRssBytes : undefined,
        heapPeakDeltaBytes: r.heapPeakDeltaBytes,
      },
      extra: {
        stored: `${fmtInt(r.count)}${countOk ? ' ✓' : ' ✗'}`,
        wall: `${(r.ns / 1e9).toFixed(2)} s`,
        cpu: cpuCell(r),
        influxd: r.influxCpu === undefined ? '—' : `${r.influxCpu.toFixed(1)} s`,
        cpuPerMessage: cpuPerMessage(r, n),
      },
    };
  });
  const notes = [];
  const gwE = summary.gwEmbedded;
  const gwI = summary.gwInflux;
  for (const [label, g] of [
    ['embedded', gwE],
    ['InfluxDB', gwI],
  ]) {
    if (!g) continue;
    const m = g.metrics;
    notes.push(
      `gateway → ${label}: ${fmtInt(m.lines)} lines in, ${fmtInt(m.accepted)} records accepted, ${fmtInt(m.stored)} stored; ${fmtInt(m.duplicates)} dropped as duplicates, ${fmtInt(m.rejected)} rejected, ${fmtInt(m.suspect)} flagged suspect. The sender had written every message out after ${(g.sentNs / 1e9).toFixed(2)} s (kernel socket buffers take much of it); the gateway had accepted every record (durable in its spool) after ${g.acceptedSeconds?.toFixed(2) ?? '?'} s and stored them after ${(g.ns / 1e9).toFixed(2)} s.`,
    );
  }
  notes.push(
    `"ours / this" on a raw row is gateway / raw on that store: the share of the store's own write rate the whole gateway keeps. CPU: user + system seconds of the measured process during the timed window (% of one core); influxd: InfluxDB's CPU in the same window; CPU µs/msg: those per message (per point on raw rows), the process's + influxd's — the number that other work on the machine moves least.`,
    `Gateway rows: \`node dist/gateway/cli/main.js serve\` in its own process (fresh data directory, device token made with \`tidewatch token create\`, HTTP on a free port, NMEA off, log level warn), fed by ${opts.ingestConnections} WebSocket connection${opts.ingestConnections === 1 ? '' : 's'} to /ingest (one receiver station each; a vessel is heard by one station) sending ${fmtInt(input.messages)} text messages of ${opts.ingestLinesPerMessage} lines (${(input.bytes / 1e6).toFixed(1)} MB), at most 4 sends in flight per connection (back-pressure: the gateway pauses reading). Timed from the first send until /metrics shows all ${fmtInt(n)} records written to the store (tidewatch_stored_records; /metrics polled every 50 ms, every 20 ms once all are accepted — about 1% of the gateway's CPU); then the gateway is stopped (SIGINT) and the store is counted. Peak RSS: the gateway process's VmHWM (whole run); RSS Δ: that minus its RSS before the first send.`,
    `Raw rows: the same ${fmtInt(n)} lines decoded and normalised untimed by the project's own code into the records the gateway stores, then written in a fresh process: embedded — EmbeddedSeriesStore.write, ${fmtInt(RAW_BATCH)} records a call, awaited in turn, into a fresh series.db; InfluxDB — the client's WriteApi, ${fmtInt(RAW_BATCH)} lines a batch with its flush awaited before the next (the client's defaults otherwise: gzip above 1 kB; the gateway's store instead sends each batch through the client's transport as two concurrent requests, uncompressed on loopback), line protocol of the same shape built in the timed loop (measurement vessel_fix, tags key/source/vessel, the same fields, ms precision), every batch acknowledged (writeSuccess). Peak RSS there: the timed window's high-water mark, the ${fmtInt(n)} records in memory included.`,
    `InfluxDB: one influxd (${influxName}, scripts/influxdb.sh) on loopback for the whole section; every run writes into a database of its own (raw: created just before; gateway: created by the gateway at start, as in production), dropped afterwards, with influxd idle before the run starts.`,
  );
  const cores = cpus().length;
  // Other processes' CPU in each timed window, as a share of the machine's (all cores) time in it.
  const shares = Object.values(results)
    .flat()
    .filter((r) => r.otherCpu !== undefined)
    .map((r) => r.otherCpu / ((r.ns / 1e9) * cores));
  if (shares.length) {
    const worst = Math.max(...shares);
    notes.push(
      `Other processes on the machine used at most ${(worst * 100).toFixed(0)}% of its ${cores} cores during any timed window (busy time in /proc/stat minus the measured processes')${worst > 0.1 ? ': other work was running, so these numbers are lower and noisier than on an idle machine' : ''}.`,
    );
  }
  if (runs > 1) notes.push(`${runs} runs of each, alternating raw and gateway per store; throughput: the median run (best in its own column); peak RSS: the highest of the runs.`);
  return {
    id: 'ingest',
    title: 'Ingest end to end: AIS over WebSocket → stored',
    input: `${fmtInt(n)} AIS class A position reports (type 1, 168 bits, encodeAisSentences) from ${fmtInt(vessels)} vessels off Rizhao, each a distinct fix (≤ ${MAX_REPORTS_PER_VESSEL} a vessel, consecutive UTC seconds along its track), ${(input.bytes / n).toFixed(1)} bytes a line with CRLF`,
    unit: 'msg/s',
    nameTitle: 'path',
    columns: [
      { key: 'stored', title: 'in the store' },
      { key: 'wall', title: 'wall time' },
      { key: 'cpu', title: 'CPU (process)' },
      { key: 'influxd', title: 'CPU (influxd)' },
      { key: 'cpuPerMessage', title: 'CPU µs/msg (+ influxd)' },
    ],
    rows,
    notes,
  };
}

// --- raw-writer workers -------------------------------------------------------------------------

/** Line protocol of a fix, as a client user would write it (the gateway's shape: sorted tags, ms time). */
function fixLine(r) {
  let line = `vessel_fix,key=${r.key},source=${r.source},vessel=${r.vessel} lat=${r.lat},lon=${r.lon}`;
  if (r.sog !== undefined) line += `,sog=${r.sog}`;
  if (r.cog !== undefined) line += `,cog=${r.cog}`;
  if (r.heading !== undefined) line += `,heading=${r.heading}`;
  if (r.navStatus !== undefined) line += `,nav_status=${r.navStatus}i`;
  if (r.station) line += `,station="${r.station}"`;
  if (r.suspect) line += `,suspect="${r.suspect}"`;
  if (r.rxTime !== undefined) line += `,rx_time=${r.rxTime}i`;
  return `${line} ${r.time}`;
}

async function rawEmbedded(records, { dir }) {
  const { EmbeddedSeriesStore } = await importDist('gateway/store/index.js', 'the series stores');
  const store = new EmbeddedSeriesStore(join(dir, 'series.db'));
  try {
    const probe = new MemoryProbe();
    const busy0 = machineBusySeconds();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < records.length; i += RAW_BATCH) {
      await store.write(records.slice(i, i + RAW_BATCH));
      probe.sample();
    }
    const ns = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    const other = otherCpu(busy0, [(cpu.user + cpu.system) / 1e6]);
    const memory = probe.result();
    const count = await store.count('vessel-fix');
    return { ns, count, cpu: (cpu.user + cpu.system) / 1e6, otherCpu: other, peakRssBytes: memory.peakRssBytes, baselineRssBytes: memory.baselineRssBytes };
  } finally {
    await store.close();
  }
}

/**
 * The client alone, written the way its users write: a WriteApi with batching, a batch of RAW_BATCH
 * lines at a time and its flush awaited before the next (the client's own defaults otherwise, gzip
 * included). Firing every batch at once instead makes influxd 1.8 answer 500 "timeout" on a busy
 * 2-core machine. The gateway's store also awaits each batch, but sends it as two concurrent requests
 * without gzip on loopback: the ratio shows what the gateway costs against the client used plainly.
 */
async function rawInflux(records, { url, bucket, influxdPid }) {
  const { InfluxDB } = await import('@influxdata/influxdb-client');
  const client = new InfluxDB({ url, token: INFLUX_TOKEN, timeout: 120_000 });
  let written = 0;
  let failure;
  const writeApi = client.getWriteApi('', bucket, 'ms', {
    batchSize: RAW_BATCH + 1, // sent by flush() below, not in the background
    flushInterval: 0,
    maxRetries: 0,
    writeSuccess(lines) {
      written += lines.length;
    },
    writeFailed(error) {
      failure ??= error;
    },
  });
  const probe = new MemoryProbe();
  const busy0 = machineBusySeconds();
  const influxCpu0 = cpuSeconds(influxdPid);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < records.length && !failure; i += RAW_BATCH) {
    const end = Math.min(records.length, i + RAW_BATCH);
    for (let j = i; j < end; j++) writeApi.writeRecord(fixLine(records[j]));
    await writeApi.flush();
    probe.sample();
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const influxCpu = cpuSeconds(influxdPid) - influxCpu0;
  const other = otherCpu(busy0, [(cpu.user + cpu.system) / 1e6, influxCpu]);
  const memory = probe.result();
  await writeApi.close().catch(() => {});
  if (failure) throw new Error(`InfluxDB write failed: ${failure.message}`);
  if (written !== records.length) throw new Error(`InfluxDB acknowledged ${written} of ${records.length} lines`);
  const count = await countStored({ influx: { url }, bucket });
  return { ns, count, cpu: (cpu.user + cpu.system) / 1e6, influxCpu, otherCpu: other, peakRssBytes: memory.peakRssBytes, baselineRssBytes: memory.baselineRssBytes };
}

async function workerRun(argv) {
  const [role, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { messages: { type: 'string' }, vessels: { type: 'string' }, dir: { type: 'string' }, url: { type: 'string' }, bucket: { type: 'string' }, 'influxd-pid': { type: 'string' } },
    strict: true,
  });
  const n = Number(values.messages);
  const { lines } = await aisReports(n, Number(values.vessels));
  const records = await recordsOf(lines);
  lines.length = 0;
  if (records.length !== n) throw new Error(`${records.length} records from ${n} lines`);
  let r;
  if (role === 'raw-embedded') r = await rawEmbedded(records, { dir: values.dir });
  else if (role === 'raw-influx') r = await rawInflux(records, { url: values.url, bucket: values.bucket, influxdPid: Number(values['influxd-pid']) });
  else throw new Error(`unknown worker role ${role}`);
  return { ...r, rate: (n * 1e9) / r.ns };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  workerMain(() => workerRun(process.argv.slice(2)));
}
