// Worker thread: the API section's HTTP client. It has its own V8 heap, so the garbage the direct
// store queries leave in the bench's heap is never collected in the middle of an API request (it was:
// the bench's young-generation collections made most of the API's p95 over the store's).
// Each message { url, headers } gets { ms, bytes, status, text } back: ms from the fetch call to the
// last byte of the body read; text (the start of the body) only when the status is not 200.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', async ({ url, headers }) => {
  try {
    const t0 = process.hrtime.bigint();
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const text = res.status === 200 ? undefined : Buffer.from(body).toString('utf8').slice(0, 300);
    parentPort.postMessage({ ms, bytes: body.byteLength, status: res.status, text });
  } catch (e) {
    parentPort.postMessage({ error: e.message });
  }
});
