import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type DecodeError, isDecodeError } from '../../core/errors.js';
import {
  decodeGnss,
  decodeRdss,
  GNSS_FORMATTERS,
  type GnssRecord,
  RDSS_FORMATTERS,
  type RdssContext,
  type RdssRecord,
} from '../../gateway/decoders/beidou/index.js';
import { frameLine } from '../../gateway/decoders/nmea/frame.js';

/** Frame a latin1 line and route it the way the line router does (by formatter). */
export function decodeLine(line: string, ctx: RdssContext = {}): GnssRecord | RdssRecord | DecodeError {
  const frame = frameLine(line);
  if (isDecodeError(frame)) return frame;
  if (GNSS_FORMATTERS.has(frame.formatter)) return decodeGnss(frame, ctx);
  if (RDSS_FORMATTERS.has(frame.formatter)) return decodeRdss(frame, ctx);
  throw new Error(`test routed ${frame.formatter}, which neither decoder claims`);
}

export function gnss(line: string, ctx: RdssContext = {}): GnssRecord {
  const r = decodeLine(line, ctx);
  if (isDecodeError(r)) throw new Error(`${line}: ${r.code}: ${r.message}`);
  if (r.kind !== 'gnss') throw new Error(`${line} decoded as ${r.kind}`);
  return r;
}

export function rdss(line: string, ctx: RdssContext = {}): RdssRecord {
  const r = decodeLine(line, ctx);
  if (isDecodeError(r)) throw new Error(`${line}: ${r.code}: ${r.message}`);
  if (r.kind !== 'rdss') throw new Error(`${line} decoded as ${r.kind}`);
  return r;
}

export function rejected(line: string, ctx: RdssContext = {}): DecodeError {
  const r = decodeLine(line, ctx);
  if (!isDecodeError(r)) throw new Error(`${line} was accepted: ${JSON.stringify(r)}`);
  return r;
}

export interface BriefVector {
  line: string;
  /** Expected rejection code, for the published sentences with wrong checksums. */
  bad?: string;
  section: string;
}

/** The brief's real sentences (test/fixtures/beidou/brief-vectors.txt). */
export function briefVectors(): BriefVector[] {
  const text = readFileSync(resolve(import.meta.dirname, '../fixtures/beidou/brief-vectors.txt'), 'utf8');
  const out: BriefVector[] = [];
  let bad: string | undefined;
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('# §')) section = line.slice(2);
    if (line.startsWith('@bad ')) bad = line.slice(5).trim();
    if (!line.startsWith('$')) continue;
    out.push({ line, bad, section });
    bad = undefined;
  }
  return out;
}

export const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
