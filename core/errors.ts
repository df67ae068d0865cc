/**
 * Decoders never throw on bad input: they return a DecodeError value that says what was wrong
 * in words a user can act on. `code` is stable and is what metrics and summaries count by.
 */
export type DecodeErrorCode =
  | 'empty' // nothing but whitespace
  | 'framing' // not a `$…*hh` / `!…*hh` sentence, or truncated
  | 'checksum' // XOR checksum mismatch
  | 'tag-block' // malformed NMEA 4.0 tag block
  | 'unsupported' // a well-formed sentence of a type we do not decode
  | 'field' // a field is missing or out of range
  | 'armour' // AIS 6-bit armour: bad character or fill bits
  | 'fragment' // AIS multi-sentence: inconsistent, duplicate or abandoned fragment
  | 'length' // payload too short for its message type
  | 'payload' // vendor payload inside a short message did not decode
  | 'protobuf' // bytes are not a valid protobuf Envelope
  | 'schema'; // a valid Envelope that breaks the schema's rules (empty payload, length mismatch…)

export class DecodeError {
  readonly kind = 'error' as const;
  constructor(
    readonly code: DecodeErrorCode,
    readonly message: string,
  ) {}
}

export function isDecodeError(value: unknown): value is DecodeError {
  return value instanceof DecodeError;
}
