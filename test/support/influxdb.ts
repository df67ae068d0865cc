import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDatabase } from '../../gateway/store/influx.js';

/**
 * A real InfluxDB OSS 1.8.10 for tests (research/influxdb.md): loopback only, free ports, all of
 * its files in one temporary directory. `scripts/influxdb.sh build` makes the binary; test-all.sh
 * exports its path as INFLUXD_BIN.
 */

export interface InfluxHandle {
  /** e.g. http://127.0.0.1:40123 — the same across stop()/start(). */
  readonly url: string;
  /** `tidewatch/autogen` (database/retention-policy, as the client wants it on 1.8); the database exists. */
  readonly bucket: string;
  /** Token the client sends: auth is off, so any `user:password` works. */
  readonly token: string;
  /** Temporary directory holding meta, data, wal and influxd.log. */
  readonly dir: string;
  /** Start again on the same data directory and ports (after stop() or kill()). */
  start(): Promise<void>;
  /** SIGTERM, then wait for the process to exit. Rejects, with the log, when influxd had died on its own. */
  stop(): Promise<void>;
  /** SIGKILL (no clean shutdown: what was acknowledged must come back from the WAL), then wait for the exit. */
  kill(): Promise<void>;
  /** Stop and remove the temporary directory. */
  dispose(): Promise<void>;
  /** The last lines of influxd's log, for failure messages. */
  logTail(lines?: number): string;
}

const DATABASE = 'tidewatch';
const STARTUP_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 3;

/** INFLUXD_BIN, else where `scripts/influxdb.sh build` puts it; a clear failure when it is not there. */
export function influxdBinary(): string {
  const path = process.env.INFLUXD_BIN || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tidewatch', 'influxdb-1.8.10', 'bin', 'influxd');
  if (!existsSync(path)) {
    throw new Error(
      `InfluxDB 1.8.10 binary not found at ${path}: build it once with \`bash scripts/influxdb.sh build\` (needs Go), ` +
        'or set INFLUXD_BIN to an influxd 1.8.x binary; `npm test` does this for you',
    );
  }
  return path;
}

/** A port nobody listens on right now (the OS picks it); influxd binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every influxd this process runs. A test run that ends without dispose() must not leave them
 * behind: vitest ends its workers with SIGTERM, on which Node runs no 'exit' hooks, so the signals
 * are caught too, then raised again.
 */
const running = new Set<ChildProcess>();
let reaperInstalled = false;
function killRunningOnExit(): void {
  if (reaperInstalled) return;
  reaperInstalled = true;
  const killAll = () => running.forEach((child) => child.kill('SIGKILL'));
  process.once('exit', killAll);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

export async function startInfluxDb(): Promise<InfluxHandle> {
  const binary = influxdBinary();
  const dir = mkdtempSync(join(tmpdir(), 'tidewatch-influxdb-'));
  const logPath = join(dir, 'influxd.log');
  let httpPort = 0;
  let bindPort = 0;
  let influxd: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  /** Set when the process is gone: how it ended. */
  let exitReason: string | undefined;
  /** True when we asked it to end (stop/kill), so an exit is not a crash. */
  let signalled = false;

  killRunningOnExit();

  const logTail = (lines = 30): string => {
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').trimEnd() : '';
    return log === '' ? '(influxd logged nothing)' : log.split('\n').slice(-lines).join('\n');
  };

  const spawnInfluxd = () => {
    const log = openSync(logPath, 'a');
    const child = spawn(binary, [], {
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
    closeSync(log);
    exitReason = undefined;
    signalled = false;
    running.add(child);
    exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        exitReason = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
      child.once('error', (error) => {
        running.delete(child);
        exitReason = `failed to start (${error.message})`;
        resolve();
      });
    });
    influxd = child;
  };

  /** Resolves when /health answers; rejects, with the log, when influxd dies or takes too long. */
  const waitUntilHealthy = async (): Promise<void> => {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exitReason) throw new Error(`influxd ${exitReason} while starting; log tail:\n${logTail()}`);
      try {
        if ((await fetch(`http://127.0.0.1:${httpPort}/health`, { signal: AbortSignal.timeout(1000) })).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`influxd did not answer /health within ${STARTUP_TIMEOUT_MS / 1000} s; log tail:\n${logTail()}`);
  };

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (!influxd) return;
    if (exitReason) {
      if (signalled) return;
      throw new Error(`influxd ${exitReason} without being stopped; log tail:\n${logTail()}`);
    }
    signalled = true;
    influxd.kill(signal);
    const timedOut = await Promise.race([exited.then(() => false), sleep(EXIT_TIMEOUT_MS).then(() => true)]);
    if (timedOut) {
      influxd.kill('SIGKILL');
      await exited;
      throw new Error(`influxd did not exit within ${EXIT_TIMEOUT_MS / 1000} s of ${signal}, so it was killed; log tail:\n${logTail()}`);
    }
  };

  const start = async (): Promise<void> => {
    if (influxd && !exitReason) throw new Error('influxd is already running');
    spawnInfluxd();
    await waitUntilHealthy();
  };

  const dispose = async (): Promise<void> => {
    try {
      await end('SIGTERM');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    // A port found free can be taken before influxd binds it: try fresh ports a few times.
    for (let attempt = 1; ; attempt++) {
      httpPort = await freePort();
      do bindPort = await freePort();
      while (bindPort === httpPort);
      try {
        await start();
        break;
      } catch (error) {
        await end('SIGKILL').catch(() => {}); // it may be gone already: `error` says why
        if (attempt === PORT_ATTEMPTS) throw error;
      }
    }
    const handle: InfluxHandle = {
      url: `http://127.0.0.1:${httpPort}`,
      bucket: `${DATABASE}/autogen`,
      token: 'tidewatch:tidewatch',
      dir,
      start,
      stop: () => end('SIGTERM'),
      kill: () => end('SIGKILL'),
      dispose,
      logTail,
    };
    await ensureDatabase(handle);
    return handle;
  } catch (error) {
    await dispose().catch(() => {});
    throw error;
  }
}
