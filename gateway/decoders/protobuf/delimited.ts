import { DecodeError } from '../../../core/errors.js';

/**
 * Length-delimited framing for files and byte streams: each Envelope is preceded by its byte
 * length as a base-128 varint (what protobuf calls "delimited"; `writeDelimitedTo` in C++/Java).
 * WebSocket messages need none of this: the socket frames them.
 */

/** Larger frames are refused: a corrupt length prefix must not look like a 2 GB frame. */
export const MAX_FRAME_BYTES = 1 << 20;

export interface SplitResult {
  /** Frames before the first framing problem, as views into the input (no copies). */
  frames: Uint8Array[];
  /** Set when the input did not end cleanly on a frame boundary. */
  error?: DecodeError;
  /** Byte offset of each frame's first byte (after its prefix), parallel to `frames`. */
  offsets: number[];
}

/**
 * Splits varint-length-delimited frames. Never throws: a truncated tail or a bad prefix stops the
 * split with `error` set, and every complete frame before it is still returned.
 */
export function splitDelimited(buf: Uint8Array, maxFrameBytes: number = MAX_FRAME_BYTES): SplitResult {
  const frames: Uint8Array[] = [];
  const offsets: number[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    let len = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) {
        return { frames, offsets, error: new DecodeError('framing', `truncated length prefix at byte ${start}`) };
      }
      const b = buf[pos++];
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift > 28) {
        return { frames, offsets, error: new DecodeError('framing', `length prefix at byte ${start} is longer than 5 bytes`) };
      }
    }
    if (len > maxFrameBytes) {
      return {
        frames,
        offsets,
        error: new DecodeError('framing', `frame at byte ${start} claims ${len} bytes, above the ${maxFrameBytes}-byte limit`),
      };
    }
    if (pos + len > buf.length) {
      return {
        frames,
        offsets,
        error: new DecodeError('framing', `truncated frame at byte ${start}: prefix says ${len} bytes, ${buf.length - pos} remain`),
      };
    }
    frames.push(buf.subarray(pos, pos + len));
    offsets.push(pos);
    pos += len;
  }
  return { frames, offsets };
}

/** Joins frames with varint length prefixes (the inverse of splitDelimited). */
export function encodeDelimited(frames: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const f of frames) size += varintSize(f.length) + f.length;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const f of frames) {
    let n = f.length;
    while (n >= 0x80) {
      out[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    out[pos++] = n;
    out.set(f, pos);
    pos += f.length;
  }
  return out;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n >>>= 7;
    size++;
  }
  return size;
}
