import { DecodeError } from '../../core/errors.js';
import { frameLine } from './nmea/frame.js';
import { AisDecoder, type AisRecord } from './ais/index.js';
import {
  GNSS_FORMATTERS,
  RDSS_FORMATTERS,
  decodeGnss,
  decodeRdss,
  defaultCodecRegistry,
  type CodecRegistry,
  type GnssRecord,
  type RdssRecord,
} from './beidou/index.js';

export type LineRecord = AisRecord | GnssRecord | RdssRecord;

export interface LineDecoderOptions {
  /** Payload codecs for Beidou short messages (default: every built-in codec). */
  codecs?: CodecRegistry;
  /** Terminal model of a Beidou card, from the vessel registry; selects the payload codec. */
  terminalModelOf?: (card: string) => string | undefined;
}

/**
 * Routes one text line to the decoder for its sentence: AIS (`VDM`/`VDO`), GNSS NMEA
 * (`GGA`, `RMC`, …) or Beidou RDSS (`TXR`, `TCI`, …). Holds only the AIS reassembly state, which
 * belongs to one input stream: give each connection or file its own LineDecoder.
 */
export class LineDecoder {
  private readonly ais = new AisDecoder();
  private readonly codecs: CodecRegistry;
  private readonly terminalModelOf?: (card: string) => string | undefined;

  constructor(options: LineDecoderOptions = {}) {
    this.codecs = options.codecs ?? defaultCodecRegistry();
    this.terminalModelOf = options.terminalModelOf;
  }

  /** A record, null while an AIS message waits for its other fragments, or why the line was rejected. */
  decode(line: string, now?: number): LineRecord | null | DecodeError {
    // Most traffic is plain AIS: the AIS decoder reads `!` lines in place, skipping the generic framing.
    if (line.charCodeAt(0) === 33 /* ! */) return this.ais.decodeLine(line, now);
    const frame = frameLine(line);
    if (frame instanceof DecodeError) return frame;
    const f = frame.formatter;
    if (f === 'VDM' || f === 'VDO') return this.ais.decodeFrame(frame, now);
    const rxTime = frame.tag?.rxTime ?? now;
    if (GNSS_FORMATTERS.has(f)) return decodeGnss(frame, { rxTime });
    if (RDSS_FORMATTERS.has(f)) return decodeRdss(frame, { rxTime, codecs: this.codecs, terminalModelOf: this.terminalModelOf });
    return new DecodeError('unsupported', `sentence type ${frame.start}${frame.talker}${f} is not decoded by Tidewatch`);
  }

  /** End of input: AIS messages still waiting for fragments are reported as lost. */
  finish(): DecodeError[] {
    return this.ais.expire(Number.POSITIVE_INFINITY);
  }
}
