/**
 * AIS (ITU-R M.1371) decoding for `!xxVDM` / `!xxVDO` sentences: 6-bit armour, multi-sentence
 * reassembly, NMEA 4.0 tag blocks and receiver trailers, message layouts as tables.
 */
export { AisDecoder, MAX_PAYLOAD_CHARS, type AisDecoderOptions } from './decoder.js';
export type { AisEta, AisRecord } from './record.js';
export { decodeBits, decodePayload } from './message.js';
export { LAYOUTS, Kind, type Field, type Layout } from './layouts.js';
export { parseTrailer, type TrailerInfo } from './reception.js';
export { BitBuffer, bitsToHex, readI, readU } from './sixbit.js';
export { encodeAisSentences, encodePayload, type AisInput, type AisSentenceOptions } from './encode.js';
