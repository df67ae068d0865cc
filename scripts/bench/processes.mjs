// Child processes of the benchmark sections (gateways, influxd, raw writers): tracked so that they
// are always ended, even when a section fails or the bench is interrupted.
import { createServer } from 'node:net';

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
