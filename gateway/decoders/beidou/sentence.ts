import { hex2, xorChecksum } from '../nmea/frame.js';

/**
 * Build a `$…*hh` sentence (latin1 byte string, no CR LF) from an address such as `BDTXR` and its
 * fields. For the simulator and tests: content that carries raw GBK must already be a latin1
 * byte string (see `bytesToLatin1`). Throws RangeError on a field holding `*`, `$`, CR or LF,
 * which would break the framing.
 */
export function buildSentence(address: string, fields: readonly (string | number)[]): string {
  const body = [address, ...fields.map(String)].join(',');
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 42 || c === 36 || c === 13 || c === 10 || c > 0xff) {
      throw new RangeError(`sentence ${address} would contain ${JSON.stringify(body[i])} at ${i}`);
    }
  }
  return `$${body}*${hex2(xorChecksum(body, 0, body.length))}`;
}
