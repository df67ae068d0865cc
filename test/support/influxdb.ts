import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDatabase } from '../../gateway/store/influx.js';
import { freePorts, influxdBinary, influxdLogTail, spawnInfluxd, untilHealthy } from '../../scripts/influxd.mjs';

/**
 * A real InfluxDB OSS 1.8.10 for tests (research/influxdb.md): loopback only, free ports, all of
 * its files in one temporary directory, run the way scripts/influxd.mjs says (the bench's too), with
 * a lifecycle tests need: stopped, killed and started again on the same data. `scripts/influxdb.sh
 * build` makes the binary; test-all.sh exports its path as INFLUXD_BIN.
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
const EXIT_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 3;

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
  let httpPort = 0;
  let bindPort = 0;
  let influxd: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  /** Set when the process is gone: how it ended. */
  let exitReason: string | undefined;
  /** True when we asked it to end (stop/kill), so an exit is not a crash. */
  let signalled = false;

  killRunningOnExit();

  const logTail = (lines = 30): string => influxdLogTail(dir, lines);

  const spawnOnPorts = () => {
    const child = spawnInfluxd(binary, { dir, httpPort, bindPort });
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
    spawnOnPorts();
    await untilHealthy({ url: `http://127.0.0.1:${httpPort}`, dir, exitReason: () => exitReason });
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
      ({ httpPort, bindPort } = await freePorts());
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
