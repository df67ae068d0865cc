import { parentPort } from 'node:worker_threads';
import { decodeSegment } from './decode-segment.js';

/** Worker thread of `tidewatch decode`: decodes the pieces of input it is sent. */
parentPort?.on('message', (job: { id: number; bytes: Uint8Array; withErrors: boolean }) => {
  const { out, ...rest } = decodeSegment(job.bytes, job.withErrors);
  // Encode here and move the bytes: the main thread then only writes.
  const bytes = Buffer.from(out, 'utf8');
  parentPort?.postMessage({ id: job.id, result: { ...rest, out: bytes } }, [bytes.buffer as ArrayBuffer]);
});
