// Shared plumbing for the bench sections: repo paths, the compiled project, child-process workers.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO = join(BENCH_DIR, '..', '..');
export const DIST = join(REPO, 'dist');

/** Source folders whose .ts/.proto files `npm run build` compiles into dist/. */
const SOURCE_DIRS = ['core', 'gateway', 'api', 'proto'];

function newestMtime(dir, exts) {
  let newest = 0;
  let newestFile = '';
  if (!existsSync(dir)) return { newest, newestFile };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'generated' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = newestMtime(p, exts);
      if (sub.newest > newest) ({ newest, newestFile } = sub);
    } else if (exts.some((e) => entry.name.endsWith(e)) && !entry.name.endsWith('.test.ts')) {
      const m = statSync(p).mtimeMs;
      if (m > newest) {
        newest = m;
        newestFile = p;
      }
    }
  }
  return { newest, newestFile };
}

function distState() {
  const main = join(DIST, 'gateway', 'cli', 'main.js');
  if (!existsSync(main)) return { stale: true, why: 'dist/gateway/cli/main.js is missing' };
  const built = newestMtime(DIST, ['.js']).newest;
  let newestSrc = 0;
  let file = '';
  for (const d of SOURCE_DIRS) {
    const s = newestMtime(join(REPO, d), ['.ts', '.proto']);
    if (s.newest > newestSrc) ({ newest: newestSrc, newestFile: file } = s);
  }
  if (newestSrc > built) return { stale: true, why: `${relative(REPO, file)} is newer than dist/` };
  return { stale: false };
}

/** Run `npm run build` when dist/ is missing or older than a source file; throw if the build fails. */
export function ensureBuilt({ build, log }) {
  const state = distState();
  if (!state.stale) return 'dist/ is up to date';
  if (!build) {
    if (!existsSync(join(DIST, 'gateway', 'cli', 'main.js'))) {
      throw new Error('dist/ is missing and --no-build was given: run `npm run build` first');
    }
    return `dist/ may be stale (${state.why}); measuring it anyway because of --no-build`;
  }
  log(`building: ${state.why} → npm run build`);
  // The build's output goes to stderr: stdout carries only the tables.
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status}); fix the build or pass --no-build to measure the existing dist/`);
  return 'built with npm run build';
}

/** Import a module of the compiled project, with an error that says what is missing. */
export async function importDist(rel, what) {
  const file = join(DIST, rel);
  if (!existsSync(file)) {
    throw new MissingModuleError(`${what} is not built: dist/${rel} does not exist (is its source written yet? then npm run build)`);
  }
  return import(pathToFileURL(file).href);
}

export class MissingModuleError extends Error {
  name = 'MissingModuleError';
}

/**
 * Run a worker script in a fresh `node --expose-gc` and parse the JSON object it prints last on stdout.
 * A fresh process per measured decoder keeps peak RSS honest and the JIT unpolluted by the others.
 */
export function runWorker(script, args, { timeoutMs = 15 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(BENCH_DIR, script), ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      let parsed;
      try {
        parsed = JSON.parse(last);
      } catch {
        parsed = undefined;
      }
      if (code === 0 && parsed) return resolve(parsed);
      if (parsed?.error) return reject(Object.assign(new Error(parsed.error), { missing: parsed.missing }));
      reject(new Error(`${script} ${args.join(' ')} exited ${signal ?? code}${err ? `:\n${err.trim()}` : ''}`));
    });
  });
}

/** GNU time, when installed, reports a command's peak RSS (`-f %M`, KiB). */
export const GNU_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/time' : null;

/**
 * Time a whole command (spawned directly, no shell) from spawn to exit, in nanoseconds.
 * stdin from `stdinFile`; stdout to /dev/null, or counted (`countStdout`: newlines and bytes, nothing kept);
 * stderr to /dev/null, or its last 2000 characters kept (`tailStderr`). With `peakRss` (and GNU time installed) the command runs under /usr/bin/time to
 * report its peak RSS; leave it off for the timed runs.
 */
export function timeCommand(cmd, args, { stdinFile, countStdout = false, peakRss = false, tailStderr = false, cwd = REPO } = {}) {
  return new Promise((resolve, reject) => {
    const fds = [];
    const open = (target, flags) => {
      const fd = openSync(target, flags);
      fds.push(fd);
      return fd;
    };
    const closeAll = () => fds.splice(0).forEach((fd) => closeSync(fd));
    let rssFile;
    let argv0 = cmd;
    let argv = args;
    if (peakRss && GNU_TIME) {
      rssFile = join(tmpdir(), `tidewatch-bench-rss-${process.pid}-${Date.now()}`);
      argv0 = GNU_TIME;
      argv = ['-f', '%M', '-o', rssFile, cmd, ...args];
    }
    const stdio = [
      stdinFile ? open(stdinFile, 'r') : 'ignore',
      countStdout ? 'pipe' : open('/dev/null', 'w'),
      tailStderr ? 'pipe' : open('/dev/null', 'w'),
    ];
    const t0 = process.hrtime.bigint();
    const child = spawn(argv0, argv, { cwd, stdio });
    let lines = 0;
    let bytes = 0;
    let errTail = '';
    if (tailStderr) {
      child.stderr.setEncoding('latin1').on('data', (d) => {
        errTail = (errTail + d).slice(-2000);
      });
    }
    if (countStdout) {
      child.stdout.on('data', (d) => {
        bytes += d.length;
        for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      });
    }
    child.on('error', (e) => {
      closeAll();
      reject(e);
    });
    child.on('close', (code, signal) => {
      const ns = Number(process.hrtime.bigint() - t0);
      closeAll();
      let peakRssBytes;
      if (rssFile) {
        try {
          peakRssBytes = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) * 1024;
          rmSync(rssFile, { force: true });
        } catch {
          peakRssBytes = undefined;
        }
      }
      resolve({ ns, code, signal, lines, bytes, peakRssBytes, stderr: errTail });
    });
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Run one worker per decoder, one after another, on the same input file: `{results, failures}` by
 * name. A decoder that fails is reported and the others still run.
 */
export async function runEachDecoder(script, names, file, opts, log) {
  const results = {};
  const failures = {};
  for (const name of names) {
    log(`  ${name} …`);
    try {
      results[name] = await runWorker(script, [name, file, String(opts.runs), String(opts.maxSeconds)]);
    } catch (e) {
      failures[name] = e.message;
      log(`  ${name} FAILED: ${e.message}`);
    }
  }
  return { results, failures };
}

/** Deterministic PRNG (mulberry32): the same seed gives every run the same input. Returns floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
