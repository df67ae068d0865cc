// How this project runs a real InfluxDB OSS 1.8.10, for the store tests (test/support/influxdb.ts)
// and the bench (scripts/bench/processes.mjs): the binary, and one influxd on free loopback ports
// with all its files under one directory, Flux on, usage reporting and request logs off.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const INFLUXDB_SH = join(dirname(fileURLToPath(import.meta.url)), 'influxdb.sh');

/**
 * INFLUXD_BIN, else where `scripts/influxdb.sh build` puts influxd; `build: true` builds it there
 * when it is missing (a few minutes, needs Go; `log` says so first), else a missing binary is an
 * error saying how to get it.
 * @param {{ build?: boolean, log?: (line: string) => void }} [options]
 * @returns {string}
 */
export function influxdBinary({ build = false, log = () => {} } = {}) {
  if (process.env.INFLUXD_BIN) {
    if (!existsSync(process.env.INFLUXD_BIN)) throw new Error(`INFLUXD_BIN=${process.env.INFLUXD_BIN} does not exist: unset it, or point it at an influxd 1.8.x binary`);
    return process.env.INFLUXD_BIN;
  }
  const run = (command) => spawnSync('bash', [INFLUXDB_SH, command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = run('path').stdout.trim();
  if (existsSync(path)) return path;
  if (!build) {
    throw new Error(
      `InfluxDB 1.8.10 binary not found at ${path}: build it once with \`bash scripts/influxdb.sh build\` (needs Go), ` +
        'or set INFLUXD_BIN to an influxd 1.8.x binary; `npm test` does this for you',
    );
  }
  log(`influxd: not at ${path}: bash scripts/influxdb.sh build …`);
  const built = run('build');
  const builtPath = built.stdout?.trim().split('\n').pop();
  if (built.status !== 0 || !builtPath || !existsSync(builtPath)) throw new Error(`scripts/influxdb.sh build failed (exit ${built.status}): see above`);
  return builtPath;
}

/**
 * A port nobody listens on right now (the OS picks it); influxd binds it a moment later.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * Two different free ports: influxd's HTTP API and its backup/restore RPC (which it always binds).
 * @returns {Promise<{ httpPort: number, bindPort: number }>}
 */
export async function freePorts() {
  const httpPort = await freePort();
  let bindPort;
  do bindPort = await freePort();
  while (bindPort === httpPort);
  return { httpPort, bindPort };
}

/**
 * influxd on 127.0.0.1 with meta, data, wal and influxd.log (stdout and stderr, appended) under `dir`.
 * @param {string} binary
 * @param {{ dir: string, httpPort: number, bindPort: number }} where
 * @returns {import('node:child_process').ChildProcess}
 */
export function spawnInfluxd(binary, { dir, httpPort, bindPort }) {
  const log = openSync(join(dir, 'influxd.log'), 'a');
  try {
    return spawn(binary, [], {
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
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
}

/**
 * The last lines of the influxd.log in `dir`, for failure messages.
 * @param {string} dir
 * @param {number} [lines]
 */
export function influxdLogTail(dir, lines = 30) {
  const path = join(dir, 'influxd.log');
  const log = existsSync(path) ? readFileSync(path, 'utf8').trimEnd() : '';
  return log === '' ? '(influxd logged nothing)' : log.split('\n').slice(-lines).join('\n');
}

/**
 * Resolves once `url`/health answers; rejects, with the log, when `exitReason()` says influxd is
 * gone or `timeoutMs` passes.
 * @param {{ url: string, dir: string, exitReason: () => string | undefined, timeoutMs?: number }} options
 * @returns {Promise<void>}
 */
export async function untilHealthy({ url, dir, exitReason, timeoutMs = 30_000 }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const gone = exitReason();
    if (gone) throw new Error(`influxd ${gone} while starting; log tail:\n${influxdLogTail(dir)}`);
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`influxd did not answer /health within ${timeoutMs / 1000} s; log tail:\n${influxdLogTail(dir)}`);
}
