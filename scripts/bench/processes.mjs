// Child processes of the benchmark sections (gateways, influxd, raw writers): tracked so that they
// are always ended, even when a section fails or the bench is interrupted.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, freePorts, influxdBinary, spawnInfluxd, untilHealthy } from '../influxd.mjs';
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

export { freePort };

/** InfluxQL over /query (POST), with the first error of the answer thrown. */
export async function influxQl(url, q) {
  const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }), signal: AbortSignal.timeout(30_000) });
  const body = await res.json().catch(() => ({}));
  const error = body.error ?? body.results?.find((r) => r.error)?.error;
  if (!res.ok || error) throw new Error(`InfluxDB refused ${q}: HTTP ${res.status} ${error ?? ''}`);
  return body;
}

/** influxd (scripts/influxd.mjs, built first when missing) with its files under `dir`; a few fresh ports are tried. */
export async function startInfluxd(dir, log) {
  const binary = influxdBinary({ build: true, log: (line) => log(`  ${line}`) });
  mkdirSync(dir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts();
    const child = track(spawnInfluxd(binary, { dir, ...ports }));
    const url = `http://127.0.0.1:${ports.httpPort}`;
    try {
      await untilHealthy({ url, dir, exitReason: () => child.exitReason });
      const version = (await fetch(`${url}/ping`)).headers.get('x-influxdb-version') ?? '?';
      return { url, pid: child.pid, version, stop: () => endChild(child, 'SIGTERM', 15_000) };
    } catch (e) {
      await endChild(child, 'SIGKILL');
      if (attempt === 3) throw e;
    }
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
