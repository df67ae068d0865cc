// Section "api": read latency through the query API beside the same query straight against the store,
// in the same run, on the embedded store and on a real InfluxDB 1.8.10:
//   - a 24 h track of one registered trawler (8,640 fixes, one every 10 s):
//       store.track({vessel, from, to})        vs  GET /api/v1/vessels/<id>/track?from=&to=
//   - the latest positions of 10,000 vessels (a few fixes each in the last half hour):
//       store.latestFixes({since: now − 1 h})  vs  GET /api/v1/positions/latest?maxAge=3600
// The data is written straight to the store (store.write, not through ingest), the registry and a
// regulator token straight into the gateway's configuration database; then the compiled gateway
// (`node dist/gateway/cli/main.js serve`, NMEA off) runs in its own process and the bench's fetch, in
// a worker thread with a heap of its own (keep-alive, one request at a time, whole body read, timed
// there), asks it. The direct queries run in the bench
// process on a second connection to the same store. Direct and API requests alternate, so drift in the
// machine's load hits both alike. Then, untimed, the API's work is split into spans (store read,
// registry look-ups, GeoJSON, JSON) with the project's own code in this process, and with
// --api-cpu-prof DIR the gateway is run once more per query under `node --cpu-prof` and its profile
// summarised (top self time, by function and by module).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fmtBytes, fmtInt, fmtRatio } from './report.mjs';
import { importDist, median, REPO, rng } from './util.mjs';
import { children, influxQl, MAIN_JS, startInfluxd, startServeProcess, tidewatchEnv, track } from './processes.mjs';

const INFLUX_TOKEN = 'tidewatch:tidewatch'; // auth is off; 1.8 wants user:password
const INFLUX_DATABASE = 'tidewatch_api';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The track: one fix every 10 s for 24 h. */
const TRACK_STEP_MS = 10_000;
const TRACK_FIXES = DAY_MS / TRACK_STEP_MS;
/** Fixes per vessel for the latest positions, GAP apart, the newest within the last LATEST_SPREAD. */
const FIXES_PER_VESSEL = 3;
const FIX_GAP_MS = 180_000;
const LATEST_SPREAD_MS = 20 * 60_000;
/** GET /positions/latest?maxAge=: one hour. */
const MAX_AGE_S = 3600;
/** Records per store.write, as the gateway's spool writes. */
const WRITE_BATCH = 5000;
/** The trawler whose track is read: registered under its hull name, as the bureau's register has it. */
const TRACKED = { id: '鲁日渔60123', mmsi: 412360123, name: 'LURIYU60123' };
/** Shijiu fishing harbour, Rizhao: where the tracked trawler sails from and back to. */
const HOME = { lat: 35.356, lon: 119.585 };
const TARGETS = { overhead: 1.2, trackP95Ms: 50 };
const STORES = ['embedded', 'influxdb'];
const QUERIES = {
  track: { label: '24 h track', what: 'fixes' },
  latest: { label: 'latest positions', what: 'vessels' },
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- data: a Rizhao fleet --------------------------------------------------------------------------

const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;
const norm360 = (d) => ((d % 360) + 360) % 360;

/** Move `metres` along `cog` (degrees true) on a local flat earth: fine over a 10 s or 3 min step. */
function move(lat, lon, cog, metres) {
  const c = (cog * Math.PI) / 180;
  return [lat + (metres * Math.cos(c)) / 111_320, lon + (metres * Math.sin(c)) / (111_320 * Math.cos((lat * Math.PI) / 180))];
}

function bearing(lat1, lon1, lat2, lon2) {
  const dy = lat2 - lat1;
  const dx = (lon2 - lon1) * Math.cos((lat1 * Math.PI) / 180);
  return norm360((Math.atan2(dx, dy) * 180) / Math.PI);
}

function distanceM(lat1, lon1, lat2, lon2) {
  const dy = (lat2 - lat1) * 111_320;
  const dx = (lon2 - lon1) * 111_320 * Math.cos((lat1 * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

/**
 * A bottom trawler's day out of Shijiu harbour: 2.5 h steaming ESE at ~9 kn (AIS status 0), four
 * tows of 3.5 h at 3.2–3.5 kn alternating NE/SW (status 7, engaged in fishing) with slow hauls in
 * between, then home at ~8.8 kn and moored (status 5) once in; dead-reckoned every 10 s from the
 * reported speed and course, with a little noise on both. 8,640 fixes in [from, from + 24 h).
 */
function trawlerDay(from, rand) {
  const legs = [
    { h: 2.5, sog: 9.2, cog: 112, status: 0 },
    { h: 3.5, sog: 3.4, cog: 40, status: 7 },
    { h: 0.75, sog: 1.2, cog: 130, status: 7 },
    { h: 3.5, sog: 3.3, cog: 222, status: 7 },
    { h: 0.75, sog: 1.0, cog: 300, status: 7 },
    { h: 3.5, sog: 3.5, cog: 38, status: 7 },
    { h: 0.75, sog: 1.1, cog: 130, status: 7 },
    { h: 3.5, sog: 3.2, cog: 218, status: 7 },
    { h: 0.5, sog: 1.0, cog: 90, status: 7 },
    { h: Infinity, home: true, sog: 8.8, status: 0 },
  ];
  const key = `mmsi:${TRACKED.mmsi}`;
  const fixes = [];
  let [lat, lon] = [HOME.lat, HOME.lon];
  let leg = 0;
  let legEnd = legs[0].h * HOUR_MS;
  for (let i = 0; i < TRACK_FIXES; i++) {
    const t = i * TRACK_STEP_MS;
    while (t >= legEnd) legEnd += legs[++leg].h * HOUR_MS;
    const L = legs[leg];
    let sog;
    let cog;
    let status = L.status;
    if (L.home && distanceM(lat, lon, HOME.lat, HOME.lon) < 400) {
      sog = 0;
      cog = fixes.length ? fixes[fixes.length - 1].cog : 0;
      status = 5;
    } else {
      sog = Math.max(0, L.sog + (rand() - 0.5) * 0.4);
      cog = norm360((L.home ? bearing(lat, lon, HOME.lat, HOME.lon) : L.cog) + (rand() - 0.5) * 6);
    }
    fixes.push({
      kind: 'vessel-fix',
      source: 'ais',
      key,
      vessel: TRACKED.id,
      time: from + t,
      lat: round(lat, 6),
      lon: round(lon, 6),
      sog: round(sog, 1),
      cog: round(cog, 1),
      heading: Math.round(norm360(cog + (rand() - 0.5) * 8)),
      navStatus: status,
      station: 'RZ-AIS-01',
      rxTime: from + t + 400 + Math.floor(rand() * 900),
    });
    [lat, lon] = move(lat, lon, cog, (sog * 1852 * TRACK_STEP_MS) / 3_600_000);
  }
  return fixes;
}

const NAME_PARTS = ['HAI', 'HUA', 'XIN', 'ZHONG', 'RI', 'LU', 'JIN', 'DONG', 'YUAN', 'HANG', 'AN', 'SHUN', 'DA', 'TAI'];
const MIDS = [412, 413, 414, 413, 412, 477, 440, 352, 636, 538, 373];

/**
 * The vessels heard in the last hour off Rizhao: vessel 0 is the tracked trawler; vessels 1 …
 * registered−1 are registered fishing vessels (鲁日渔6xxxx, MMSI 412…; 60% trawling at 2.5–4 kn,
 * 25% under way at 7–10 kn, 15% moored); the others are unregistered AIS traffic of a busy port
 * (Chinese and foreign MMSIs; 50% at anchor in the Rizhao anchorage, 35% under way at 10–14 kn,
 * 15% fishing), 80% of them with a name from their AIS static reports. Each has 3 fixes, 3 min
 * apart, the newest within LATEST_SPREAD before `now`.
 */
function fleet(count, registered, now, rand) {
  const used = new Set([TRACKED.mmsi]);
  const mmsiOf = (mids) => {
    let m;
    do m = mids[Math.floor(rand() * mids.length)] * 1_000_000 + Math.floor(rand() * 1_000_000);
    while (used.has(m));
    used.add(m);
    return m;
  };
  const vessels = [];
  const statics = [];
  const fixes = [];
  for (let v = 1; v < count; v++) {
    const isRegistered = v < registered;
    const mmsi = mmsiOf(isRegistered ? [412] : MIDS);
    const key = `mmsi:${mmsi}`;
    const id = isRegistered ? `鲁日渔${61000 + v}` : undefined;
    if (isRegistered) {
      vessels.push({ id, hullName: id, name: `LURIYU${61000 + v}`, gearType: rand() < 0.7 ? 'trawl' : 'gillnet', homePort: 'Rizhao', length: round(12 + rand() * 30, 1), identifiers: [{ key }] });
    } else if (rand() < 0.8) {
      const pick = () => NAME_PARTS[Math.floor(rand() * NAME_PARTS.length)];
      statics.push({ kind: 'vessel-static', key, time: now - Math.floor(rand() * 6 * HOUR_MS), name: `${pick()} ${pick()} ${1 + Math.floor(rand() * 99)}`, shipType: 70 + Math.floor(rand() * 10) });
    }
    const kind = rand();
    let sog;
    let status;
    let lat;
    let lon;
    if (isRegistered) {
      [sog, status] = kind < 0.6 ? [2.5 + rand() * 1.5, 7] : kind < 0.85 ? [7 + rand() * 3, 0] : [rand() * 0.2, 5];
      [lat, lon] = status === 5 ? [35.1 + rand() * 0.28, 119.37 + rand() * 0.2] : [34.9 + rand() * 0.9, 119.5 + rand() * 1.3];
    } else {
      [sog, status] = kind < 0.5 ? [rand() * 0.3, 1] : kind < 0.85 ? [10 + rand() * 4, 0] : [2.5 + rand() * 1.5, 7];
      [lat, lon] = status === 1 ? [35.2 + rand() * 0.15, 119.6 + rand() * 0.2] : [34.9 + rand() * 0.9, 119.55 + rand() * 1.25];
    }
    const cog = rand() * 360;
    const newest = now - Math.floor(rand() * LATEST_SPREAD_MS);
    for (let k = FIXES_PER_VESSEL - 1; k >= 0; k--) {
      const [fLat, fLon] = move(lat, lon, cog + 180, (sog * 1852 * k * FIX_GAP_MS) / 3_600_000);
      const time = newest - k * FIX_GAP_MS;
      fixes.push({
        kind: 'vessel-fix',
        source: 'ais',
        key,
        vessel: id ?? key,
        time,
        lat: round(fLat, 6),
        lon: round(fLon, 6),
        sog: round(sog, 1),
        cog: round(cog, 1),
        heading: Math.round(norm360(cog + (rand() - 0.5) * 6)),
        navStatus: status,
        station: rand() < 0.5 ? 'RZ-AIS-01' : 'RZ-AIS-02',
        rxTime: time + 300 + Math.floor(rand() * 1200),
      });
    }
  }
  return { vessels, statics, fixes };
}

/** Everything the section writes, relative to `now`; the track window ends on a 10 s boundary. */
function makeData(now, { vessels, registered }) {
  const rand = rng(20250611);
  const to = Math.floor(now / TRACK_STEP_MS) * TRACK_STEP_MS;
  const from = to - DAY_MS;
  const track = trawlerDay(from, rand);
  const others = fleet(vessels, registered, now, rand);
  const trackedVessel = { id: TRACKED.id, hullName: TRACKED.id, name: TRACKED.name, gearType: 'trawl', homePort: 'Rizhao', length: 36.8, identifiers: [{ key: `mmsi:${TRACKED.mmsi}` }] };
  return {
    track: { id: TRACKED.id, key: `mmsi:${TRACKED.mmsi}`, from, to, fixes: track.length },
    fixes: [...track, ...others.fixes],
    vessels: [trackedVessel, ...others.vessels],
    statics: others.statics,
    vesselCount: vessels,
  };
}

/**
 * Write the data straight to the store (store.write, WRITE_BATCH records a call, each resolving once
 * the store has it), the registry, AIS names and a regulator token into the gateway's configuration
 * database under `dataDir`. Returns what was written and the token.
 */
async function seed({ store, dataDir, opts, log }) {
  const { openConfigDb } = await importDist('gateway/configdb/database.js', 'the configuration database');
  const { VesselRegistry } = await importDist('gateway/registry/registry.js', 'the vessel registry');
  const { createToken } = await importDist('gateway/auth/tokens.js', 'the API tokens');
  const data = makeData(Date.now(), { vessels: opts.apiVessels, registered: opts.apiRegistered });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < data.fixes.length; i += WRITE_BATCH) await store.write(data.fixes.slice(i, i + WRITE_BATCH));
  const writeS = Number(process.hrtime.bigint() - t0) / 1e9;
  const db = openConfigDb(dataDir);
  let token;
  try {
    const registry = new VesselRegistry(db);
    registry.batch(() => {
      for (const v of data.vessels) registry.upsert(v);
      for (const s of data.statics) registry.recordStatic(s);
    });
    token = createToken(db, { role: 'regulator', name: 'bench-api' }).token;
  } finally {
    db.close();
  }
  const stored = await store.count('vessel-fix');
  if (stored !== data.fixes.length) throw new Error(`the ${store.kind} store holds ${stored} fixes after writing ${data.fixes.length}`);
  log(`    wrote ${fmtInt(data.fixes.length)} fixes in ${writeS.toFixed(2)} s; registry: ${fmtInt(data.vessels.length)} vessels, ${fmtInt(data.statics.length)} AIS names; regulator token made`);
  return { data, token };
}

// --- processes: a real influxd, the gateway ---------------------------------------------------------

/** Children of this section; killed on the way out whatever happens (exit, Ctrl-C, SIGTERM). */

/** Kill the children on exit and on a signal; on a signal also run `cleanup` (temp files), then die of it as usual. */
function installReaper(cleanup) {
  const killAll = () => children.forEach((c) => c.kill('SIGKILL'));
  const onSignal = (signal) => {
    killAll();
    try {
      cleanup();
    } catch {
      // best effort: the process is going down anyway
    }
    process.kill(process.pid, signal);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  process.once('exit', killAll);
  for (const s of signals) process.once(s, onSignal);
  return () => {
    process.off('exit', killAll);
    for (const s of signals) process.off(s, onSignal);
  };
}

/**
 * A real InfluxDB 1.8.10 on free loopback ports with all its files under `dir`: the test suite's
 * settings (test/support/influxdb.ts: reporting off, Flux on, HTTP and query logs off).
 */

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
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
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

/**
 * `node dist/gateway/cli/main.js serve` in its own process, as in production: HTTP on a port the OS
 * picks, NMEA listeners off, log level warn, the given data directory (and InfluxDB, when given).
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
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  return startServeProcess(env, cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []);
}

// --- measuring ---------------------------------------------------------------------------------------

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function latencyStats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, min: s[0], p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export function fmtMs(ms) {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : fmtInt(ms)} ms`;
}

function fmtPct(ratio) {
  const p = Math.round((ratio - 1) * 100);
  return p === 0 ? '±0%' : `${p < 0 ? '−' : '+'}${Math.abs(p)}%`;
}

/** How long `fn` took, or the time it measured itself when it returns a SelfTimed (the API client, timed in its own thread). */
async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  if (result instanceof SelfTimed) return { ms: result.ms, result: result.value };
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

class SelfTimed {
  constructor(ms, value) {
    this.ms = ms;
    this.value = value;
  }
}

/** Timed rounds a slow query still gets when the time budget (--api-max-seconds) is spent. */
const MIN_ROUNDS = 10;

/**
 * Warm-up, then `iterations` rounds of one request on each path (`paths`: name → function), the
 * order rotating each round. Each function checks its own answer and returns what it returned (a
 * count, or bytes for `api`). A slow query stops early: the timed rounds after MIN_ROUNDS once they
 * have taken `maxSeconds`, the warm-up after one round once it has taken a tenth of that. `pids`:
 * processes whose CPU time per request is reported (influxd).
 */
async function measurePaths({ paths, iterations, warmup, maxSeconds, pids = {} }) {
  const budgetNs = maxSeconds * 1e9;
  const names = Object.keys(paths);
  const w0 = process.hrtime.bigint();
  let warmed = 0;
  while (warmed < warmup && (warmed < 1 || Number(process.hrtime.bigint() - w0) < budgetNs / 10)) {
    for (const name of names) await paths[name]();
    warmed++;
  }
  const ms = Object.fromEntries(names.map((name) => [name, []]));
  let bytes = 0;
  let rounds = 0;
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const t0 = process.hrtime.bigint();
  for (; rounds < iterations && (rounds < MIN_ROUNDS || Number(process.hrtime.bigint() - t0) < budgetNs); rounds++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(rounds + k) % names.length];
      const r = await timed(paths[name]);
      ms[name].push(r.ms);
      if (name === 'api') bytes = r.result;
    }
  }
  const requests = rounds * names.length;
  const cpuPerRequestMs = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, ((cpuSeconds(pid) - cpu0[k]) * 1000) / requests]));
  const stats = Object.fromEntries(names.map((name) => [name, latencyStats(ms[name])]));
  return { ...stats, api: { ...stats.api, bytes }, rounds, warmup: warmed, asked: iterations, cpuPerRequestMs };
}

/**
 * The bench's HTTP client for the API rows, in a worker thread (api-client-worker.mjs): one request
 * at a time, each timed there, so no collection of the bench's own heap falls into it.
 */
function startApiClient() {
  const worker = new Worker(new URL('./api-client-worker.mjs', import.meta.url));
  worker.unref();
  let pending;
  worker.on('message', (reply) => pending?.(reply));
  worker.on('error', (e) => pending?.({ error: `API client worker: ${e.message}` }));
  const request = (url, headers) =>
    new Promise((resolve) => {
      pending = resolve;
      worker.postMessage({ url, headers });
    });
  return {
    /** GET a path of the gateway with the regulator token; reads the whole body; throws unless 200; SelfTimed bytes. */
    getter(gw, token, path) {
      const url = `${gw.url}${path}`;
      const headers = { authorization: `Bearer ${token}` };
      return async () => {
        const r = await request(url, headers);
        if (r.error) throw new Error(`GET ${path}: ${r.error}`);
        if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status} ${r.text}`);
        return new SelfTimed(r.ms, r.bytes);
      };
    },
    close: () => worker.terminate(),
  };
}

function trackPath(track) {
  return `/api/v1/vessels/${encodeURIComponent(track.id)}/track?from=${new Date(track.from).toISOString()}&to=${new Date(track.to).toISOString()}`;
}
const LATEST_PATH = `/api/v1/positions/latest?maxAge=${MAX_AGE_S}`;

/** Untimed: the API's answers hold what was written (8,640 track points; every vessel once). */
async function checkAnswers(gw, token, data) {
  const get = async (path) => {
    const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res.json();
  };
  const t = await get(trackPath(data.track));
  if (t.properties?.points !== data.track.fixes || t.geometry?.coordinates?.length !== data.track.fixes) {
    throw new Error(`the API's track has ${t.properties?.points} points, not ${data.track.fixes}`);
  }
  const l = await get(LATEST_PATH);
  if (l.features?.length !== data.vesselCount) throw new Error(`the API's latest positions hold ${l.features?.length} vessels, not ${data.vesselCount}`);
  const named = l.features.filter((f) => f.properties.name !== undefined).length;
  return { trackPoints: t.properties.points, latestVessels: l.features.length, named };
}

/**
 * Untimed diagnosis: the API's work for each query, step by step, with the project's own compiled
 * code in this process against the direct store and a registry on the same configuration database:
 * what each step costs (median of `n` runs), so that the API's overhead can be put down to causes.
 * The positions route's serialisation is its own class (LatestFeatures, api/routes/positions.ts), timed
 * cold (the first answer) and warm (every later one); the track's GeoJSON by the route's own trackFeature.
 */
async function spans({ store, dataDir, data, n, maxSeconds }) {
  const { openConfigDb } = await importDist('gateway/configdb/database.js', 'the configuration database');
  const { VesselRegistry, isIdentifierKey } = await importDist('gateway/registry/registry.js', 'the vessel registry');
  const { LatestFeatures } = await importDist('api/routes/positions.js', 'the positions route');
  const { trackFeatureJson } = await importDist('api/routes/tracks.js', 'the tracks route');
  const db = openConfigDb(dataDir);
  try {
    const registry = new VesselRegistry(db);
    const time = async (fn) => {
      const t0 = process.hrtime.bigint();
      const r = await fn();
      return [Number(process.hrtime.bigint() - t0) / 1e6, r];
    };
    const runs = { track: {}, latest: {} };
    /** The query's own store read is `store`: the baseline the direct rows measure; every other step is the API's. */
    const storeStep = { track: '', latest: '' };
    const add = (q, k, ms, isStore = false) => {
      (runs[q][k] ??= []).push(ms);
      if (isStore) storeStep[q] = k;
    };
    let trackBytes = 0;
    let latestBytes = 0;
    const iso = (ms) => new Date(ms).toISOString();
    /** The latest-positions features as the route keeps them between requests, and the first (cold) answers' times. */
    let warm;
    let warmFixes;
    const cold = [];
    const t0 = process.hrtime.bigint();
    let kept = 0;
    // Two warm-up rounds, then n, or at least 3 once they have taken half the time budget.
    for (let i = 0; kept < n && (kept < 3 || Number(process.hrtime.bigint() - t0) < (maxSeconds * 1e9) / 2); i++) {
      const keep = i >= 2;
      if (keep) kept++;
      // Track: GET /api/v1/vessels/:id/track for a registered vessel.
      const { id, from, to } = data.track;
      const [tReg, parts] = await time(() => {
        const vessel = isIdentifierKey(id) ? undefined : registry.get(id);
        const list = [{ series: id, from, to }];
        for (const b of vessel?.identifiers ?? []) {
          const p = { series: b.key, from: Math.max(from, b.validFrom ?? 0), to: Math.min(to, b.validTo ?? Infinity) };
          if (p.from < p.to) list.push(p);
        }
        return { vessel, list };
      });
      const [tStore, own] = await time(() => store.trackLine({ vessel: id, from, to, limit: 300_001 }));
      let tKeys = 0;
      for (const p of parts.list.slice(1)) tKeys += (await time(() => store.trackLine({ vessel: p.series, from: p.from, to: p.to, limit: 300_001 - own.length })))[0];
      const [tBuild, feature] = await time(() => {
        const read = Array.from({ length: own.length }, (_, i) => i);
        const shown = read.filter((i) => own.suspect[i] === undefined);
        return trackFeatureJson(id, own, shown, {
          vessel: id,
          registered: true,
          hullName: parts.vessel?.hullName,
          from: iso(from),
          to: iso(to),
          points: shown.length,
          fixes: read.length,
          suspect: 'exclude',
          suspectExcluded: read.length - shown.length,
        });
      });
      trackBytes = feature.length;
      if (keep) {
        add('track', 'registry.get + bindings', tReg);
        add('track', `store.trackLine (its id: ${fmtInt(own.length)} fixes)`, tStore, true);
        add('track', `store.trackLine (its ${parts.list.length - 1} identifier series, empty)`, tKeys);
        add('track', `GeoJSON Feature written into bytes (trackFeatureJson, ${fmtBytes(trackBytes)})`, tBuild);
      }

      // Latest: GET /api/v1/positions/latest?maxAge=3600. The gateway's in-memory index hands the route
      // the same fix objects until a vessel's fix changes, so the repeat answer reuses every cached feature.
      const now = Date.now();
      const [tLatest, fixes] = await time(() => store.latestFixes({ since: now - MAX_AGE_S * 1000 }));
      const [tCold, coldJson] = await time(() => new LatestFeatures(db, registry).json(fixes, now));
      if (!warm) {
        warm = new LatestFeatures(db, registry);
        warm.json(fixes, now);
        warmFixes = fixes;
      }
      const [tWarm, latestJson] = await time(() => warm.json(warmFixes, now));
      latestBytes = latestJson.length;
      if (!latestJson.equals(coldJson)) throw new Error('the latest-positions answer from cached features differs from the one built afresh');
      if (keep) {
        add('latest', `store.latestFixes (${fmtInt(fixes.length)} fixes)`, tLatest, true);
        add('latest', `FeatureCollection JSON, cached features (${fmtBytes(latestBytes)}, as on every request after the first)`, tWarm);
        cold.push(tCold);
      }
    }
    const summary = {};
    for (const q of Object.keys(runs)) summary[q] = Object.entries(runs[q]).map(([step, ms]) => ({ step, ms: median(ms), store: step === storeStep[q] }));
    return { ...summary, trackBytes, latestBytes, latestColdMs: median(cold), n: kept };
  } finally {
    db.close();
  }
}

// --- CPU profiles ------------------------------------------------------------------------------------

function shortUrl(url) {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + '/node_modules/'.length);
  if (u.startsWith(REPO)) u = u.slice(REPO.length + 1);
  return u;
}

function moduleOf(callFrame) {
  const { url, functionName } = callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  const u = shortUrl(url);
  if (url.includes('/node_modules/')) {
    const parts = u.split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (u.startsWith('node:')) return u.split('/').slice(0, 2).join('/');
  return u;
}

/**
 * Self time per function and per module of a .cpuprofile, only the samples taken in [fromUs, toUs]
 * (the requests' window: V8's profile clock and process.hrtime are both CLOCK_MONOTONIC on Linux; the
 * whole profile when the window holds no sample). Idle time is left out.
 */
export function summariseProfile(file, { fromUs, toUs, top = 8 } = {}) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const pick = (windowed) => {
    const self = new Map();
    let t = p.startTime;
    let kept = 0;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (windowed && (t < fromUs || t > toUs)) continue;
      const dt = p.timeDeltas[i + 1] ?? 0; // a sample stands for the time until the next one
      self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
      kept++;
    }
    return { self, kept };
  };
  let { self, kept } = pick(fromUs !== undefined);
  const windowed = kept > 0;
  if (!windowed) ({ self } = pick(false));
  const byFn = new Map();
  const byModule = new Map();
  let busy = 0;
  for (const [id, us] of self) {
    const cf = nodes.get(id).callFrame;
    if (cf.functionName === '(idle)') continue;
    busy += us;
    const where = cf.url ? ` ${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '';
    const fn = `${cf.functionName || '(anonymous)'}${where}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    const m = moduleOf(cf);
    byModule.set(m, (byModule.get(m) ?? 0) + us);
  }
  const topOf = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busy ? us / busy : 0 }));
  return { busyMs: busy / 1000, windowed, functions: topOf(byFn), modules: topOf(byModule) };
}

/** The gateway once more under --cpu-prof, serving only `path`; its profile summarised over the requests. */
async function profileRun({ dataDir, influx, token, path, iterations, warmup, dir }) {
  rmSync(dir, { recursive: true, force: true });
  const gw = await startGatewayProcess({ dataDir, influx, cpuProfDir: dir });
  let fromUs;
  let toUs;
  const client = startApiClient();
  try {
    const get = client.getter(gw, token, path);
    for (let i = 0; i < warmup; i++) await get();
    fromUs = Number(process.hrtime.bigint() / 1000n);
    for (let i = 0; i < iterations; i++) await get();
    toUs = Number(process.hrtime.bigint() / 1000n);
    await gw.stop();
  } finally {
    await client.close();
    await gw.kill();
  }
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().pop();
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return { file: join(dir, file), ...summariseProfile(join(dir, file), { fromUs, toUs }), requests: iterations };
}

// --- one store ---------------------------------------------------------------------------------------

/** Seed, start the gateway, measure both queries direct and through the API, split the API's time into spans, profile. */
async function runStore({ kind, store, dataDir, influx, opts, log }) {
  log(`  ${kind}: writing the data straight to the store …`);
  const { data, token } = await seed({ store, dataDir, opts, log });
  if (influx) await settle(influx.pid);
  const gw = await startGatewayProcess({ dataDir, influx });
  const result = { data, measured: {} };
  const client = startApiClient();
  try {
    const check = await checkAnswers(gw, token, data);
    result.check = check;
    const memBefore = memoryOf(gw.pid);
    const { track: t } = data;

    const trackDirect = async () => {
      const fixes = await store.track({ vessel: t.id, from: t.from, to: t.to });
      if (fixes.length !== t.fixes) throw new Error(`store.track returned ${fixes.length} fixes, not ${t.fixes}`);
      return fixes.length;
    };
    const trackLine = async () => {
      const line = await store.trackLine({ vessel: t.id, from: t.from, to: t.to });
      if (line.length !== t.fixes) throw new Error(`store.trackLine returned ${line.length} fixes, not ${t.fixes}`);
      return line.length;
    };
    const pids = influx ? { influxd: influx.pid } : {};
    log(`  ${kind}: 24 h track, ${opts.apiTrackIterations} × (store.track, store.trackLine, GET …/track) after ${warmupOf(opts.apiTrackIterations)} warm-up rounds …`);
    result.measured.track = await measurePaths({ paths: { direct: trackDirect, line: trackLine, api: client.getter(gw, token, trackPath(t)) }, iterations: opts.apiTrackIterations, warmup: warmupOf(opts.apiTrackIterations), maxSeconds: opts.apiMaxSeconds, pids });
    result.measured.track.memory = memoryOf(gw.pid);
    logPair(log, result.measured.track);

    const latestDirect = async () => {
      const fixes = await store.latestFixes({ since: Date.now() - MAX_AGE_S * 1000 });
      if (fixes.length !== data.vesselCount) throw new Error(`store.latestFixes returned ${fixes.length} vessels, not ${data.vesselCount}`);
      return fixes.length;
    };
    log(`  ${kind}: latest positions, ${opts.apiLatestIterations} × (store.latestFixes, GET /positions/latest) after ${warmupOf(opts.apiLatestIterations)} warm-up rounds …`);
    result.measured.latest = await measurePaths({ paths: { direct: latestDirect, api: client.getter(gw, token, LATEST_PATH) }, iterations: opts.apiLatestIterations, warmup: warmupOf(opts.apiLatestIterations), maxSeconds: opts.apiMaxSeconds, pids });
    result.measured.latest.memory = memoryOf(gw.pid);
    logPair(log, result.measured.latest);
    result.memBefore = memBefore;
    // Every vessel still within maxAge at the end (the data is relative to when it was written).
    const after = await checkAnswers(gw, token, data);
    if (after.latestVessels !== data.vesselCount) throw new Error(`at the end the API returned ${after.latestVessels} vessels`);
  } catch (e) {
    const tail = gw.stderrTail();
    throw new Error(`${e.message}${tail ? `\n  gateway stderr: ${tail.slice(-600)}` : ''}`);
  } finally {
    await client.close();
    await gw.stop().catch(() => gw.kill());
  }

  log(`  ${kind}: where the API's time goes (spans, untimed) …`);
  result.spans = await spans({ store, dataDir, data, n: Math.min(20, opts.apiLatestIterations), maxSeconds: opts.apiMaxSeconds });

  if (opts.apiCpuProf) {
    result.profiles = {};
    // As many requests as the timed rounds had (fewer than asked for a slow query).
    for (const [q, path, iterations] of [
      ['track', trackPath(data.track), result.measured.track.rounds],
      ['latest', LATEST_PATH, result.measured.latest.rounds],
    ]) {
      log(`  ${kind}: CPU profile of the gateway serving ${iterations} ${QUERIES[q].label} requests …`);
      try {
        result.profiles[q] = await profileRun({ dataDir, influx, token, path, iterations, warmup: result.measured[q].warmup, dir: join(opts.apiCpuProf, `${kind}-${q}`) });
        log(`    ${result.profiles[q].file}`);
      } catch (e) {
        log(`    profile FAILED: ${e.message}`);
      }
    }
  }
  return result;
}

const warmupOf = (iterations) => Math.max(3, Math.ceil(iterations / 10));

function logPair(log, m) {
  const r50 = m.api.p50 / m.direct.p50;
  const r95 = m.api.p95 / m.direct.p95;
  const short = m.rounds < m.asked ? ` [${m.rounds} rounds, not ${m.asked}: time budget]` : '';
  const line = m.line ? ` | store.trackLine p50 ${fmtMs(m.line.p50)} p95 ${fmtMs(m.line.p95)}` : '';
  log(`    store p50 ${fmtMs(m.direct.p50)} p95 ${fmtMs(m.direct.p95)}${line} | API p50 ${fmtMs(m.api.p50)} p95 ${fmtMs(m.api.p95)} (${fmtBytes(m.api.bytes)}) | API ÷ store p50 ${fmtRatio(r50)}, p95 ${fmtRatio(r95)}${short}`);
}

// --- the section ------------------------------------------------------------------------------------

export async function runApi({ opts, tmp, log }) {
  const base = mkdtempSync(join(tmp.dir, 'api-'));
  // On Ctrl-C or SIGTERM nothing below gets to its finally: the children are killed and the temp files removed there.
  const removeReaper = installReaper(() => {
    if (!opts.keepInput) rmSync(base, { recursive: true, force: true });
    tmp.cleanup();
  });
  const loadBefore = loadavg()[0];
  const results = {};
  const failures = {};
  let influx;
  const stores = await importDist('gateway/store/index.js', 'the series stores');
  try {
    log(`api: ${QUERIES.track.label} (${fmtInt(TRACK_FIXES)} fixes) and ${QUERIES.latest.label} of ${fmtInt(opts.apiVessels)} vessels (${fmtInt(opts.apiRegistered)} registered) on ${opts.apiStores.join(' and ')}`);
    if (opts.apiStores.includes('embedded')) {
      const dataDir = join(base, 'embedded', 'data');
      const store = new stores.EmbeddedSeriesStore(join(dataDir, 'series.db'));
      try {
        results.embedded = await runStore({ kind: 'embedded', store, dataDir, opts, log });
      } catch (e) {
        failures.embedded = e.message;
        log(`  embedded FAILED: ${e.message}`);
      } finally {
        await store.close();
      }
    }
    if (opts.apiStores.includes('influxdb')) {
      let store;
      try {
        influx = await startInfluxd(join(base, 'influxdb'), log);
        log(`  InfluxDB ${influx.version} at ${influx.url} (pid ${influx.pid})`);
        await influxQl(influx.url, `CREATE DATABASE ${INFLUX_DATABASE}`);
        influx.bucket = `${INFLUX_DATABASE}/autogen`;
        store = new stores.InfluxSeriesStore({ url: influx.url, token: INFLUX_TOKEN, org: '', bucket: influx.bucket }, { timeoutMs: 120_000 });
        results.influxdb = await runStore({ kind: 'influxdb', store, dataDir: join(base, 'influx', 'data'), influx, opts, log });
      } catch (e) {
        failures.influxdb = e.message;
        log(`  InfluxDB FAILED: ${e.message}`);
      } finally {
        await store?.close();
      }
    }
    return section({ opts, results, failures, influxVersion: influx?.version, load: [loadBefore, loadavg()[0]] });
  } finally {
    await influx?.stop().catch(() => {});
    for (const c of children) c.kill('SIGKILL');
    removeReaper();
    if (!opts.keepInput) rmSync(base, { recursive: true, force: true });
  }
}

function storeLabel(kind, influxVersion) {
  return kind === 'embedded' ? 'embedded store' : `InfluxDB ${influxVersion ?? '1.8.10'}`;
}

function section({ opts, results, failures, influxVersion, load }) {
  const rows = [];
  const notes = [];
  for (const kind of opts.apiStores) {
    const label = storeLabel(kind, influxVersion);
    const r = results[kind];
    for (const q of Object.keys(QUERIES)) {
      const names = {
        direct: `${q === 'track' ? 'store.track()' : 'store.latestFixes()'} in-process → ${label}`,
        line: `store.trackLine() in-process (the columns the route reads) → ${label}`,
        api: `${q === 'track' ? 'GET /api/v1/vessels/:id/track' : 'GET /api/v1/positions/latest'} → ${label}`,
      };
      const m = r?.measured[q];
      for (const path of ['direct', ...(q === 'track' ? ['line'] : []), 'api']) {
        const base = { name: names[path], ours: path === 'api', store: kind, query: q, api: path === 'api', path };
        if (!m) {
          rows.push({ ...base, failed: failures[kind] ?? 'not run' });
          continue;
        }
        const s = m[path];
        const isApi = path === 'api';
        // The shared printer rounds rates to integers: a query slower than 100 ms is counted per minute.
        const perMinute = s.p50 > 100;
        rows.push({
          ...base,
          stats: s,
          rate: (perMinute ? 60_000 : 1000) / s.p50,
          best: (perMinute ? 60_000 : 1000) / s.min,
          unit: perMinute ? 'req/min' : 'req/s',
          ratio: isApi ? undefined : s.p50 / m.api.p50,
          memory: isApi && m.memory.peak !== undefined ? { peakRssBytes: m.memory.peak, rssDeltaBytes: r.memBefore?.rss !== undefined ? m.memory.peak - r.memBefore.rss : undefined } : undefined,
          extra: {
            p50: fmtMs(s.p50),
            p95: fmtMs(s.p95),
            max: fmtMs(s.max),
            r50: isApi ? `${fmtRatio(m.api.p50 / m.direct.p50)} (${fmtPct(m.api.p50 / m.direct.p50)})` : '—',
            r95: isApi ? `${fmtRatio(m.api.p95 / m.direct.p95)} (${fmtPct(m.api.p95 / m.direct.p95)})` : '—',
            returned: `${fmtInt(q === 'track' ? r.data.track.fixes : r.data.vesselCount)} ${QUERIES[q].what}`,
            size: isApi ? fmtBytes(s.bytes) : path === 'line' ? '(columns)' : '(objects)',
          },
        });
      }
    }
    for (const q of Object.keys(QUERIES)) {
      const m = r?.measured[q];
      if (!m) continue;
      if (m.rounds < m.asked) notes.push(`${QUERIES[q].label}, ${label}: ${m.rounds} timed rounds, not ${m.asked}: they had taken over --api-max-seconds ${opts.apiMaxSeconds} s (at least ${MIN_ROUNDS} run); ${m.warmup} warm-up round${m.warmup === 1 ? '' : 's'}.`);
      if (m.cpuPerRequestMs.influxd !== undefined) notes.push(`${QUERIES[q].label}, ${label}: influxd used ${fmtMs(m.cpuPerRequestMs.influxd)} of CPU a request (user + system, store and API requests alike).`);
    }
    if (r?.spans) {
      for (const q of Object.keys(QUERIES)) {
        const m = r.measured[q];
        // The baseline is the store read the route itself makes.
        const own = m.line ?? m.direct;
        const over = m.api.p50 - own.p50;
        const steps = r.spans[q].filter((s) => !s.store);
        const storeSpan = r.spans[q].find((s) => s.store);
        const sum = steps.reduce((a, b) => a + b.ms, 0);
        notes.push(
          `Where the API's time goes, ${QUERIES[q].label}, ${label}: API − ${m.line ? 'store.trackLine()' : 'store'} at p50 = ${fmtMs(over)} (${fmtPct(m.api.p50 / own.p50)}). The route's own steps, re-run untimed in the bench process with the compiled code (median of ${r.spans.n}): ${steps.map((s) => `${s.step} ${fmtMs(s.ms)}`).join('; ')} — ${fmtMs(sum)} in all; ${
            over - sum >= 0
              ? `the remaining ${fmtMs(over - sum)} is HTTP, Koa, the token check, zod, writing and reading the body, and GC in the gateway`
              : 'these steps account for all of the gap and more (they ran after the timed requests, under other load: compare them with each other, not to the digit with the gap)'
          } (the store read itself took ${fmtMs(storeSpan?.ms)} here)${q === 'latest' ? `; the first answer after a start or a registry change reads the registry and builds every feature: ${fmtMs(r.spans.latestColdMs)}` : ''}.`,
        );
      }
    }
    if (r?.profiles) {
      for (const [q, p] of Object.entries(r.profiles)) {
        const fns = p.functions.map((f) => `${(f.share * 100).toFixed(0)}% ${f.name}`).join('; ');
        const mods = p.modules.map((f) => `${(f.share * 100).toFixed(0)}% ${f.name}`).join('; ');
        notes.push(
          `CPU profile, gateway serving ${fmtInt(p.requests)} ${QUERIES[q].label} requests, ${label} (${fmtInt(p.busyMs)} ms busy, ${fmtMs(p.busyMs / p.requests)} a request${p.windowed ? '' : ', start-up included'}; ${p.file}): top self time — ${fns}. By module — ${mods}. Native work (SQLite stepping in better-sqlite3, JSON.stringify) counts as self time of the JS function that called it.`,
        );
      }
    }
  }
  const any = Object.values(results)[0];
  const d = any?.data;
  notes.push(
    `Throughput here is 1 / the median latency (one request at a time), best: 1 / the fastest request; "ours / this" on a store row is API ÷ store throughput. Latency: from the call (fetch) to the last byte of the body read (arrayBuffer; not parsed), or to store.track()/latestFixes() resolving with VesselFix objects (store.trackLine(): with its columns); p50/p95 nearest-rank over ${fmtInt(opts.apiTrackIterations)} track and ${fmtInt(opts.apiLatestIterations)} latest-position requests a path (fewer, at least ${MIN_ROUNDS}, for a query whose rounds take over --api-max-seconds ${opts.apiMaxSeconds} s: noted above), after ${warmupOf(opts.apiTrackIterations)}/${warmupOf(opts.apiLatestIterations)} warm-up rounds (fewer for such a slow query), store and API requests alternating.`,
    `API rows: \`node dist/gateway/cli/main.js serve\` in its own process (NMEA off, log level warn, HTTP on a free loopback port), as deployed, so its event loop is not shared with the bench's client; a regulator token (createToken); Node's fetch with keep-alive, in a worker thread of the bench with its own heap and timed there, so the garbage the store rows leave in the bench's heap is not collected during an API request (it was, and made most of the API's p95 over the store's). Store rows: the same store class (EmbeddedSeriesStore on the same series.db, a second SQLite connection; InfluxSeriesStore on the same InfluxDB) in the bench process. Peak RSS: the gateway's VmHWM after that query's requests (its RSS before the first request for RSS Δ).`,
    d
      ? `Data, written straight to each store with store.write (${fmtInt(WRITE_BATCH)} a call, acknowledged), times relative to when it was written: the trawler ${TRACKED.id} (MMSI ${TRACKED.mmsi}, registered with that binding, so its track route also reads the identifier's own series) — ${fmtInt(TRACK_FIXES)} AIS fixes every 10 s over [to − 24 h, to): out of Shijiu harbour at ~9 kn, four 3.5 h tows at 3.2–3.5 kn, home and moored; ${fmtInt(d.vesselCount)} vessels with ${FIXES_PER_VESSEL} fixes each in the last ${(LATEST_SPREAD_MS + (FIXES_PER_VESSEL - 1) * FIX_GAP_MS) / 60_000} min (${fmtInt(d.vessels.length)} registered fishing vessels, ${fmtInt(d.vesselCount - d.vessels.length)} unregistered AIS targets, ${fmtInt(d.statics.length)} of them with an AIS name); ${fmtInt(d.fixes.length)} fixes in all. Checked through the API before and after: ${fmtInt(any.check.trackPoints)} track points, ${fmtInt(any.check.latestVessels)} vessels (${fmtInt(any.check.named)} with a name: registered ones from the registry, the others from their AIS static reports).`
      : 'No store was measured.',
  );
  const cores = cpus().length;
  notes.push(
    `Machine load (1-minute load average) ${load[0].toFixed(1)} when the section started, ${load[1].toFixed(1)} when it ended (this section's own processes keep about one core busy), on ${cores} cores${load[0] > cores / 2 ? ': other work was running, so these latencies are higher and noisier than on an idle machine' : ''}.`,
  );
  return {
    id: 'api',
    title: 'Query API latency vs the same query straight against the store',
    input: `${QUERIES.track.label} of one registered trawler (${fmtInt(TRACK_FIXES)} fixes, one every 10 s) and ${QUERIES.latest.label} of ${fmtInt(opts.apiVessels)} vessels off Rizhao (maxAge ${MAX_AGE_S} s), on ${opts.apiStores.map((k) => storeLabel(k, influxVersion)).join(' and ')}`,
    unit: 'req/s',
    nameTitle: 'query path',
    columns: [
      { key: 'p50', title: 'p50' },
      { key: 'p95', title: 'p95' },
      { key: 'max', title: 'max' },
      { key: 'r50', title: 'API ÷ store p50' },
      { key: 'r95', title: 'API ÷ store p95' },
      { key: 'returned', title: 'returned' },
      { key: 'size', title: 'response body' },
    ],
    rows,
    notes,
  };
}

/** The issue's targets for this section, checked against this run's numbers (reported, never asserted). */
export function apiTargetLines(sections) {
  const lines = [];
  for (const s of sections.filter((x) => x.id === 'api')) {
    const find = (store, query, path) => s.rows.find((r) => r.store === store && r.query === query && r.path === path && r.stats && !r.failed);
    for (const store of STORES) {
      for (const q of Object.keys(QUERIES)) {
        const api = find(store, q, 'api');
        const direct = find(store, q, 'direct');
        if (!api || !direct) continue;
        const r50 = api.stats.p50 / direct.stats.p50;
        const r95 = api.stats.p95 / direct.stats.p95;
        const ok50 = r50 < TARGETS.overhead;
        const ok95 = r95 < TARGETS.overhead;
        const which = ok50 === ok95 ? '' : ok50 ? ' (p50 met, p95 not)' : ' (p95 met, p50 not)';
        const label = direct.name.split(' → ')[1];
        lines.push(
          `${ok50 && ok95 ? 'MET    ' : 'NOT MET'}  API adds < 20% to the ${QUERIES[q].label} (${label})${which}: p50 ${fmtMs(api.stats.p50)} vs ${fmtMs(direct.stats.p50)} store = ${fmtPct(r50)}; p95 ${fmtMs(api.stats.p95)} vs ${fmtMs(direct.stats.p95)} = ${fmtPct(r95)}`,
        );
        const line = find(store, q, 'line');
        if (line) {
          lines.push(
            `  (and over store.trackLine(), the column read the route itself makes: p50 ${fmtMs(api.stats.p50)} vs ${fmtMs(line.stats.p50)} = ${fmtPct(api.stats.p50 / line.stats.p50)}; p95 ${fmtMs(api.stats.p95)} vs ${fmtMs(line.stats.p95)} = ${fmtPct(api.stats.p95 / line.stats.p95)}: what building and sending ${api.extra.size} of GeoJSON costs)`,
          );
        }
      }
    }
    const api = find('embedded', 'track', 'api');
    const direct = find('embedded', 'track', 'direct');
    if (api) {
      lines.push(
        `${api.stats.p95 < TARGETS.trackP95Ms ? 'MET    ' : 'NOT MET'}  24 h track p95 < ${TARGETS.trackP95Ms} ms through the API on the embedded store: p95 ${fmtMs(api.stats.p95)}${direct ? ` (store alone ${fmtMs(direct.stats.p95)})` : ''}`,
      );
    }
  }
  return lines;
}
