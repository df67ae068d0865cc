import { DecodeError, isDecodeError } from '../../../core/errors.js';
import { CodecRegistry, defaultCodecRegistry } from './codecs/registry.js';
import { decodeGbk, hexToBytes, isCleanGbk } from './gbk.js';
import type { ContentEncoding, RdssRecord } from './types.js';

/** What the content of a short message says, beyond its raw bytes. */
export type ContentResult = Pick<RdssRecord, 'text' | 'codec' | 'fixes' | 'payloadError' | 'sentTime' | 'terminalId'>;

export interface ContentContext {
  rxTime?: number;
  /** Time of the carrying sentence (ms), handed to codecs. */
  messageTime?: number;
  terminalModel?: string;
  card?: string;
  codecs?: CodecRegistry;
}

/** The mixed (混发/混合) marker byte that opens mixed content. */
export const MIXED_MARKER = 0xa4;

export const CONTENT_ENCODINGS: readonly ContentEncoding[] = ['chinese', 'code', 'mixed', 'compressed-chinese', 'compressed-code'];

// Used only when the caller passes no registry; never handed out, so nobody can change it.
const BUILTIN = defaultCodecRegistry();

/**
 * Interpret content bytes (`mixed`: including the A4 marker). Compressed content is left alone:
 * its compression is not public.
 */
export function interpretContent(bytes: Uint8Array, encoding: ContentEncoding, ctx: ContentContext): ContentResult {
  const out: ContentResult = {};
  if (bytes.length === 0 || encoding === 'compressed-chinese' || encoding === 'compressed-code') return out;

  const payload = encoding === 'mixed' && bytes[0] === MIXED_MARKER ? bytes.subarray(1) : bytes;
  // 汉字 mode declares text; mixed content is text only when it reads as clean GBK.
  if (encoding === 'chinese') out.text = decodeGbk(payload);
  else if (encoding === 'mixed' && payload.length > 0 && isCleanGbk(payload)) out.text = decodeGbk(payload);

  const registry = ctx.codecs ?? BUILTIN;
  const codec = registry.select(payload, encoding, ctx.terminalModel);
  if (codec === undefined) return out;
  out.codec = codec.id;
  const pctx = { rxTime: ctx.rxTime, messageTime: ctx.messageTime, terminalModel: ctx.terminalModel, card: ctx.card };
  try {
    const fixes = codec.decode(payload, pctx);
    if (isDecodeError(fixes)) out.payloadError = fixes.message;
    else if (fixes.length > 0) out.fixes = fixes;
    const info = codec.describe?.(payload, pctx);
    if (info) {
      if (info.text !== undefined && out.text === undefined) out.text = info.text;
      if (info.sentTime !== undefined) out.sentTime = info.sentTime;
      if (info.terminalId !== undefined) out.terminalId = info.terminalId;
    }
  } catch (e) {
    out.payloadError = `codec ${codec.id} failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  return out;
}

/**
 * Run text decoding and the codec registry again on stored raw content (`contentHex` and
 * `encoding` of an RdssRecord), e.g. after a terminal's codec has been added or its model bound.
 */
export function redecodeContent(contentHex: string, encoding: ContentEncoding, ctx: ContentContext = {}): ContentResult | DecodeError {
  if (!CONTENT_ENCODINGS.includes(encoding)) return new DecodeError('field', `unknown content encoding ${JSON.stringify(encoding)}`);
  const bytes = hexToBytes(contentHex);
  if (bytes === undefined) return new DecodeError('payload', 'stored content is not hex digits');
  if (contentHex.length % 2 === 1 && encoding !== 'code') {
    return new DecodeError('payload', `stored ${encoding} content has an odd number of hex digits; only code content may end in half a byte`);
  }
  return interpretContent(bytes, encoding, ctx);
}
