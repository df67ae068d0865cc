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
