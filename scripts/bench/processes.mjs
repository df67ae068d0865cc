// Child processes of the benchmark sections (gateways, influxd, raw writers): tracked so that they
// are always ended, even when a section fails or the bench is interrupted.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO } from './util.mjs';

/** Every child still running; the sections' reapers kill them on exit or on a signal. */
export const children = new Set();

export function track(child) {
  children.add(child);
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      child.exitReason = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
    child.once('error', (e) => {
      children.delete(child);
      child.exitReason = `failed to start (${e.message})`;
      resolve();
    });
  });
  return child;
}

/** Signal a child and wait for it to exit; SIGKILL after `graceMs`. True when it exited in time. */
export async function endChild(child, signal = 'SIGTERM', graceMs = 30_000) {
  if (!child || child.exitReason) return true;
  child.kill(signal);
  let timer;
  const inTime = await Promise.race([child.exited.then(() => true), new Promise((resolve) => (timer = setTimeout(resolve, graceMs, false)))]);
  clearTimeout(timer);
  if (!inTime) {
    child.kill('SIGKILL');
    await child.exited;
  }
  return inTime;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** InfluxQL over /query (POST), with the first error of the answer thrown. */
export async function influxQl(url, q) {
  const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }), signal: AbortSignal.timeout(30_000) });
  const body = await res.json().catch(() => ({}));
  const error = body.error ?? body.results?.find((r) => r.error)?.error;
  if (!res.ok || error) throw new Error(`InfluxDB refused ${q}: HTTP ${res.status} ${error ?? ''}`);
  return body;
}

/** INFLUXD_BIN, else what `bash scripts/influxdb.sh build` prints (a no-op once built). */
function influxdBinary(log) {
  if (process.env.INFLUXD_BIN) {
    if (!existsSync(process.env.INFLUXD_BIN)) throw new Error(`INFLUXD_BIN=${process.env.INFLUXD_BIN} does not exist`);
    return process.env.INFLUXD_BIN;
  }
  const r = spawnSync('bash', [join(REPO, 'scripts', 'influxdb.sh'), 'path'], { encoding: 'utf8' });
  const path = r.stdout?.trim().split('\n').pop();
  if (path && existsSync(path)) return path;
  log('  influxd: bash scripts/influxdb.sh build …');
  const b = spawnSync('bash', [join(REPO, 'scripts', 'influxdb.sh'), 'build'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const built = b.stdout?.trim().split('\n').pop();
  if (b.status !== 0 || !built || !existsSync(built)) throw new Error(`scripts/influxdb.sh build failed (exit ${b.status}): InfluxDB 1.8.10 is needed for the InfluxDB rows`);
  return built;
}

export async function startInfluxd(dir, log) {
  const binary = influxdBinary(log);
  mkdirSync(dir, { recursive: true });
  const logPath = join(dir, 'influxd.log');
  const tail = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-20).join('\n') : '(no log)');
  for (let attempt = 1; ; attempt++) {
    const httpPort = await freePort();
    let bindPort;
    do bindPort = await freePort();
    while (bindPort === httpPort);
    const fd = openSync(logPath, 'a');
    const child = track(
      spawn(binary, [], {
        env: {
          PATH: process.env.PATH,
          INFLUXDB_REPORTING_DISABLED: 'true',
          INFLUXDB_BIND_ADDRESS: `127.0.0.1:${bindPort}`,
          INFLUXDB_HTTP_BIND_ADDRESS: `127.0.0.1:${httpPort}`,
          INFLUXDB_HTTP_FLUX_ENABLED: 'true',
          INFLUXDB_HTTP_LOG_ENABLED: 'false',
          INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false',
          INFLUXDB_MONITOR_STORE_ENABLED: 'false',
          INFLUXDB_META_DIR: join(dir, 'meta'),
          INFLUXDB_DATA_DIR: join(dir, 'data'),
          INFLUXDB_DATA_WAL_DIR: join(dir, 'wal'),
        },
        stdio: ['ignore', fd, fd],
      }),
    );
    closeSync(fd);
    const url = `http://127.0.0.1:${httpPort}`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !child.exitReason) {
      try {
        if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })).ok) {
          const version = (await fetch(`${url}/ping`)).headers.get('x-influxdb-version') ?? '?';
          return { url, pid: child.pid, version, stop: () => endChild(child, 'SIGTERM', 15_000) };
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await endChild(child, 'SIGKILL');
    if (attempt === 3) throw new Error(`influxd ${child.exitReason ?? 'did not answer /health within 30 s'}; log tail:\n${tail()}`);
  }
}

/** The tidewatch command the sections run, compiled. */
export const MAIN_JS = join(REPO, 'dist', 'gateway', 'cli', 'main.js');

/** The environment for the tidewatch CLI: ours, with every inherited TIDEWATCH_* setting dropped (unknown ones are refused). */
export function tidewatchEnv(settings) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TIDEWATCH_')) env[k] = v;
  return { ...env, ...settings };
}

/**
 * `node dist/gateway/cli/main.js serve` in its own process, as in production, with `env` (see
 * tidewatchEnv) and extra node arguments (e.g. --cpu-prof). Resolves with its URL once it listens.
 */
export async function startServeProcess(env, nodeArgs = []) {
  const child = track(spawn(process.execPath, [...nodeArgs, MAIN_JS, 'serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out = (out + d).slice(-4000)));
  child.stderr.setEncoding('utf8').on('data', (d) => (err = (err + d).slice(-4000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const url = /running at (http:\/\/[^\s]+?)\.?(\s|$)/.exec(out)?.[1];
    if (url) {
      return {
        url,
        pid: child.pid,
        stderrTail: () => err.trim(),
        /** SIGINT, as Ctrl-C: the gateway stops cleanly (and writes its CPU profile). */
        stop: async () => {
          if (!(await endChild(child, 'SIGINT', 60_000))) throw new Error('tidewatch serve did not stop within 60 s of SIGINT and was killed');
        },
        kill: () => endChild(child, 'SIGKILL'),
      };
    }
    if (child.exitReason || Date.now() > deadline) {
      await endChild(child, 'SIGKILL');
      throw new Error(`tidewatch serve ${child.exitReason ?? 'did not start within 30 s'}: ${(err || out).trim().slice(-800)}`);
    }
    await sleep(20);
  }
}
