// Section "viewer": is the regulator's map smooth at 5,000 vessels (issue 6 §1)? A real `tidewatch serve` in its
// own process is fed N distinct vessels' AIS position reports over its NMEA TCP port (made with the project's
// encodeAisSentences) and keeps receiving one report per vessel every ~10 s of wall time, spread evenly, while
// Debian's chromium (headless, software WebGL through SwiftShader, the launch options of
// test/viewer/map.browser.test.ts) shows `/?token=…` at 1440×900. Measured in the page: requestAnimationFrame
// timestamps for 10 s with the map still and vessels updating live, then for 10 s while the mouse drags the map
// round a circle; the time from navigation to the vessel count showing N; the JS heap (CDP Performance.getMetrics).
// The same at 500 vessels in the same run, as the baseline for scaling.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fmtBytes, fmtInt } from './report.mjs';
import { children, freePort, MAIN_JS, startServeProcess, tidewatchEnv } from './processes.mjs';
import { fleet } from './ingest.mjs';
import { importDist, REPO } from './util.mjs';

const CHROMIUM = '/usr/bin/chromium';
const VIEWPORT = { width: 1440, height: 900 };
const CHROMIUM_ARGS = ['--enable-unsafe-swiftshader', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const PEER_VESSELS = 500;
const MEASURE_MS = 10_000;
/** Each vessel sends a new report this often (wall time), the fleet's reports spread evenly over it. */
const REPORT_PERIOD_MS = 10_000;
const FEED_TICK_MS = 100;
/** The mouse drags the map round a circle of this radius (px) once per PAN_PERIOD_MS: continuous panning that stays over the fleet. */
const PAN_RADIUS_PX = 220;
const PAN_PERIOD_MS = 4_000;
const LOAD_TIMEOUT_MS = 180_000;

function createToken(dataDir) {
  const r = spawnSync(process.execPath, [MAIN_JS, 'token', 'create', '--role', 'regulator', '--name', 'bench-viewer'], { cwd: REPO, env: tidewatchEnv({ TIDEWATCH_DATA_DIR: dataDir }), encoding: 'utf8' });
  const token = /\btw_[A-Za-z0-9_-]+/.exec(r.stdout ?? '')?.[0];
  if (r.status !== 0 || !token) throw new Error(`tidewatch token create failed (exit ${r.status}): ${(r.stderr || r.stdout || '').trim().slice(-400)}`);
  return token;
}

async function startGateway(dataDir) {
  const httpPort = await freePort();
  let nmeaPort;
  do nmeaPort = await freePort();
  while (nmeaPort === httpPort);
  const env = tidewatchEnv({
    TIDEWATCH_DATA_DIR: dataDir,
    TIDEWATCH_HTTP_HOST: '127.0.0.1',
    TIDEWATCH_HTTP_PORT: String(httpPort),
    TIDEWATCH_NMEA_PORT: String(nmeaPort),
    TIDEWATCH_LOG_LEVEL: 'warn',
  });
  return { ...(await startServeProcess(env)), nmeaPort };
}

/**
 * A receiver feeding the gateway's NMEA TCP port: every vessel's report at once, then each vessel again every
 * REPORT_PERIOD_MS, a slice of the fleet every FEED_TICK_MS. A report carries the current UTC second and the
 * position the vessel has reached along its course by now, so every fix is fresh and plausible.
 */
async function startFeed(port, ships, encodeAisSentences) {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const t0 = Date.now();
  let sent = 0;
  const line = (s) => {
    const now = Date.now();
    const elapsed = (now - t0) / 1000;
    const [l] = encodeAisSentences(
      { type: 1, mmsi: s.mmsi, navStatus: s.navStatus, rot: 0, sog: s.sog, accuracy: true, lat: s.lat + s.dLat * elapsed, lon: s.lon + s.dLon * elapsed, cog: s.cog, heading: s.heading, second: new Date(now).getUTCSeconds(), maneuver: 0, raim: false },
      { channel: s.channel },
    );
    sent++;
    return `${l}\r\n`;
  };
  const write = (chunk) => new Promise((resolve) => (socket.write(chunk) ? resolve() : socket.once('drain', resolve)));
  for (let i = 0; i < ships.length; i += 500) await write(ships.slice(i, i + 500).map(line).join(''));
  const perTick = ships.length / (REPORT_PERIOD_MS / FEED_TICK_MS);
  let next = 0;
  let owed = 0;
  let paused = false;
  const timer = setInterval(() => {
    if (paused) return;
    owed += perTick;
    const n = Math.floor(owed);
    owed -= n;
    let chunk = '';
    for (let k = 0; k < n; k++) {
      chunk += line(ships[next]);
      next = (next + 1) % ships.length;
    }
    if (chunk) socket.write(chunk);
  }, FEED_TICK_MS);
  return {
    sent: () => sent,
    pause: (p) => (paused = p),
    stop: () => {
      clearInterval(timer);
      socket.end();
    },
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function frameStats(stamps) {
  const gaps = [];
  for (let i = 1; i < stamps.length; i++) gaps.push(stamps[i] - stamps[i - 1]);
  const s = [...gaps].sort((a, b) => a - b);
  const span = stamps[stamps.length - 1] - stamps[0];
  return {
    frames: gaps.length,
    fps: (gaps.length / span) * 1000,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    max: s[s.length - 1],
    over50: gaps.filter((g) => g > 50).length,
  };
}

/**
 * In the page: rAF timestamps and long tasks for `ms`. With `pan`, the map is dragged meanwhile: a left-button
 * mousedown on the map's canvas, then one mousemove per animation frame along a circle (as chromium delivers real
 * mouse input, coalesced to one move a frame), then mouseup.
 */
function collectFrames({ ms, pan }) {
  return new Promise((resolve) => {
    const canvas = document.querySelector('.mapboxgl-canvas');
    const mouse = (type, x, y, target) =>
      target.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0, buttons: type === 'mouseup' ? 0 : 1 }));
    const at = (t) => {
      const a = (t / pan.periodMs) * 2 * Math.PI;
      return [pan.cx + pan.radius * Math.cos(a), pan.cy + pan.radius * Math.sin(a)];
    };
    let moves = 0;
    const stamps = [];
    let longTaskMs = 0;
    let longTasks = 0;
    let observer;
    try {
      observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          longTaskMs += e.duration;
          longTasks++;
        }
      });
      observer.observe({ type: 'longtask' });
    } catch {
      observer = undefined;
    }
    const start = performance.now();
    if (pan) mouse('mousedown', ...at(0), canvas);
    const tick = (t) => {
      stamps.push(t);
      if (t - start < ms) {
        if (pan) {
          mouse('mousemove', ...at(performance.now() - start), canvas);
          moves++;
        }
        requestAnimationFrame(tick);
      } else {
        if (pan) mouse('mouseup', ...at(performance.now() - start), canvas);
        observer?.disconnect();
        resolve({ stamps, longTaskMs, longTasks, moves });
      }
    };
    requestAnimationFrame(tick);
  });
}

async function heap(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  return { used: m.JSHeapUsedSize, total: m.JSHeapTotalSize, nodes: m.Nodes };
}

async function measure({ vessels, tmpDir, chromium, encodeAisSentences, log }) {
  const dir = join(tmpDir, `viewer-${vessels}`);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const token = createToken(dataDir);
  const gw = await startGateway(dataDir);
  let feed;
  let context;
  try {
    log(`  ${fmtInt(vessels)} vessels: gateway at ${gw.url}, NMEA TCP ${gw.nmeaPort}; feeding …`);
    feed = await startFeed(gw.nmeaPort, fleet(vessels, 20261121), encodeAisSentences);
    // The gateway has every vessel before the page opens (the page then loads them from /positions/latest).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`${gw.url}/api/v1/positions/latest`, { headers: { authorization: `Bearer ${token}` } });
      const n = res.ok ? ((await res.json()).features?.length ?? 0) : 0;
      if (n >= vessels) break;
      if (Date.now() > deadline) throw new Error(`the gateway has ${n} of ${vessels} vessels after 60 s: ${gw.stderrTail().slice(-400)}`);
      await sleep(250);
    }

    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), { executablePath: CHROMIUM, headless: true, viewport: VIEWPORT, args: CHROMIUM_ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Times from navigation start (performance.now()): map ready and the vessel count reaching N, polled every 20 ms.
    await page.addInitScript((n) => {
      const poll = setInterval(() => {
        if (window.__benchReady === undefined && document.body?.dataset.map === 'ready') window.__benchReady = performance.now();
        const el = document.querySelector('[data-testid="vessel-count"]');
        if (window.__benchAll === undefined && el && Number(el.textContent) >= n) window.__benchAll = performance.now();
        if (window.__benchAll !== undefined && window.__benchReady !== undefined) clearInterval(poll);
      }, 20);
    }, vessels);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${gw.url}/?token=${token}`);
    await page.waitForFunction(() => window.__benchAll !== undefined && window.__benchReady !== undefined, undefined, { timeout: LOAD_TIMEOUT_MS, polling: 100 });
    const load = await page.evaluate(() => ({ ready: window.__benchReady, all: window.__benchAll, count: Number(document.querySelector('[data-testid="vessel-count"]').textContent) }));
    log(`    map ready ${(load.ready / 1000).toFixed(2)} s, count ${load.count} at ${(load.all / 1000).toFixed(2)} s after navigation; settling 3 s …`);
    await sleep(3000);
    const heapLoaded = await heap(cdp);

    log('    still map, feed paused: 10 s …');
    feed.pause(true);
    await sleep(1000);
    const idle = await page.evaluate(collectFrames, { ms: MEASURE_MS });
    feed.pause(false);
    await sleep(1000);

    log('    still map, live updates: 10 s …');
    const sentBefore = feed.sent();
    const still = await page.evaluate(collectFrames, { ms: MEASURE_MS });
    const stillFeedRate = (feed.sent() - sentBefore) / (MEASURE_MS / 1000);
    const heapStill = await heap(cdp);

    log('    panning (drag round a circle), live updates: 10 s …');
    await page.screenshot({ path: join(dir, 'before-pan.png') }).catch(() => {});
    const pan = await page.evaluate(collectFrames, { ms: MEASURE_MS, pan: { cx: VIEWPORT.width / 2, cy: VIEWPORT.height / 2, radius: PAN_RADIUS_PX, periodMs: PAN_PERIOD_MS } });
    const movesPerS = pan.moves / (MEASURE_MS / 1000);
    const heapPan = await heap(cdp);
    const countAfter = Number(await page.getByTestId('vessel-count').textContent());
    await page.screenshot({ path: join(dir, 'map.png') }).catch(() => {});
    return {
      vessels,
      load,
      countAfter,
      idle: { ...frameStats(idle.stamps), longTaskMs: idle.longTaskMs, longTasks: idle.longTasks },
      still: { ...frameStats(still.stamps), longTaskMs: still.longTaskMs, longTasks: still.longTasks },
      pan: { ...frameStats(pan.stamps), longTaskMs: pan.longTaskMs, longTasks: pan.longTasks, movesPerS },
      stillFeedRate,
      heap: { loaded: heapLoaded, still: heapStill, pan: heapPan },
      errors,
    };
  } finally {
    await context?.close().catch(() => {});
    feed?.stop();
    await gw.stop();
  }
}

function rowsOf(big, peer) {
  const ms = (x) => `${x.toFixed(1)} ms`;
  const s = (x) => `${(x / 1000).toFixed(2)} s`;
  const ratio = (a, b, digits = 2) => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(digits)}×` : '—');
  const row = (name, get, fmt, unit) => ({
    name,
    unit,
    extra: { big: fmt(get(big)), peer: fmt(get(peer)), ratio: ratio(get(big), get(peer)), unit },
  });
  const mib = (b) => fmtBytes(b);
  return [
    row('load → map ready', (r) => r.load.ready, s, 's'),
    row('load → all vessels counted', (r) => r.load.all, s, 's'),
    row('still, no updates: frames per second', (r) => r.idle.fps, (x) => x.toFixed(1), 'fps'),
    row('still, no updates: frame time p95', (r) => r.idle.p95, ms, 'ms'),
    row('still, no updates: long tasks (total)', (r) => r.idle.longTaskMs, ms, 'ms'),
    row('still, live: frames per second', (r) => r.still.fps, (x) => x.toFixed(1), 'fps'),
    row('still, live: frame time p50', (r) => r.still.p50, ms, 'ms'),
    row('still, live: frame time p95', (r) => r.still.p95, ms, 'ms'),
    row('still, live: frame time max', (r) => r.still.max, ms, 'ms'),
    row('still, live: frames > 50 ms', (r) => r.still.over50, String, 'frames'),
    row('still, live: long tasks (total)', (r) => r.still.longTaskMs, ms, 'ms'),
    row('panning: frames per second', (r) => r.pan.fps, (x) => x.toFixed(1), 'fps'),
    row('panning: frame time p50', (r) => r.pan.p50, ms, 'ms'),
    row('panning: frame time p95', (r) => r.pan.p95, ms, 'ms'),
    row('panning: frame time max', (r) => r.pan.max, ms, 'ms'),
    row('panning: frames > 50 ms', (r) => r.pan.over50, String, 'frames'),
    row('panning: long tasks (total)', (r) => r.pan.longTaskMs, ms, 'ms'),
    row('JS heap used, loaded', (r) => r.heap.loaded.used, mib, 'bytes'),
    row('JS heap used, after panning', (r) => r.heap.pan.used, mib, 'bytes'),
    row('live reports fed during "still"', (r) => r.stillFeedRate, (x) => x.toFixed(0), 'reports/s'),
  ];
}

export async function runViewer({ opts, tmp, log }) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/test-all.sh does)`);
  const { chromium } = await import('playwright-core');
  const { encodeAisSentences } = await importDist('gateway/decoders/ais/encode.js', 'the AIS encoder');
  const n = opts.viewerVessels;
  const killAll = () => children.forEach((c) => c.kill('SIGKILL'));
  process.once('exit', killAll);
  try {
    log(`viewer: the map at ${fmtInt(n)} and ${fmtInt(PEER_VESSELS)} vessels in chromium (SwiftShader) …`);
    const big = await measure({ vessels: n, tmpDir: tmp.dir, chromium, encodeAisSentences, log });
    const peer = await measure({ vessels: PEER_VESSELS, tmpDir: tmp.dir, chromium, encodeAisSentences, log });
    const notes = [
      `Software WebGL (SwiftShader, --enable-unsafe-swiftshader) in headless Debian chromium on ${'2 shared cores'} (the gateway, its feed and the browser share them): a real GPU draws much faster; compare the two columns of one run, not with other machines.`,
      'Frames: requestAnimationFrame timestamps collected in the page for 10 s; fps = frames / span, frame time = the gap between consecutive frames (16.7 ms at 60 fps). Long tasks: PerformanceObserver "longtask" (main thread blocked > 50 ms).',
      `"still, live": the map untouched while every vessel sends a new report every ~${REPORT_PERIOD_MS / 1000} s (spread evenly, through the gateway's NMEA TCP port and /api/v1/live). "panning": live updates on, and a left-button drag dispatched in the page on the map's canvas, one mousemove per animation frame round a ${PAN_RADIUS_PX} px circle every ${PAN_PERIOD_MS / 1000} s (${big.pan.movesPerS.toFixed(1)} / ${peer.pan.movesPerS.toFixed(1)} moves/s); playwright's page.mouse waits for the renderer to acknowledge each move, so at 5,000 vessels it managed only 2 moves/s and the pan would be paced by the page it measures. "still, no updates": the feed paused, the map untouched (what the page costs with nothing changing).`,
      `"load → all vessels counted": navigation start to the status bar's vessel count showing N (it is refreshed once a second and the vessel layer redraws every 500 ms, so ±1 s); the count after the runs: ${fmtInt(big.countAfter)} / ${fmtInt(peer.countAfter)}. JS heap: CDP Performance.getMetrics JSHeapUsedSize of the page.`,
    ];
    const errs = [...big.errors, ...peer.errors];
    if (errs.length) notes.push(`WARNING: page errors: ${errs.slice(0, 3).join('; ')}`);
    return {
      id: 'viewer',
      title: `The map, ${fmtInt(n)} vessels beside ${fmtInt(PEER_VESSELS)}`,
      input: `\`tidewatch serve\` in its own process fed ${fmtInt(n)} (then ${fmtInt(PEER_VESSELS)}) distinct vessels' AIS type 1 reports off Rizhao over NMEA TCP, each vessel again every ~${REPORT_PERIOD_MS / 1000} s; headless chromium ${VIEWPORT.width}×${VIEWPORT.height} at /?token=…; 10 s per measurement`,
      unit: '',
      nameTitle: 'what',
      columns: [
        { key: 'big', title: `${fmtInt(n)} vessels` },
        { key: 'peer', title: `${fmtInt(PEER_VESSELS)} vessels (baseline)` },
        { key: 'ratio', title: `${fmtInt(n)} / ${fmtInt(PEER_VESSELS)}` },
        { key: 'unit', title: 'unit' },
      ],
      rows: rowsOf(big, peer),
      notes,
    };
  } finally {
    process.off('exit', killAll);
  }
}
