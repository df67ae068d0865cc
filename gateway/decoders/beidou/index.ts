/**
 * Beidou decoders: GNSS NMEA from any talker (BD, GB, GN, GP, …) and RDSS short messages in
 * interface protocol 2.1 and the BDS-3 4.0 text protocol, with pluggable vendor payload codecs.
 * All pure: a framed sentence (from `frameLine`) in, a typed record or a DecodeError out.
 */
export { decodeGnss, gnssSystem, GNSS_FORMATTERS } from './gnss.js';
export { decodeRdss, RDSS_FORMATTERS } from './rdss.js';
export { redecodeContent, interpretContent, MIXED_MARKER, type ContentResult, type ContentContext } from './content.js';
export { CodecRegistry, defaultCodecRegistry, type DefaultRegistryOptions } from './codecs/registry.js';
export { createBf01Codec, decodeBf01, encodeBf01, BF01_EPOCH_MS, BF01_SIZE, type Bf01Options, type Bf01EncodeOptions } from './codecs/bf01.js';
export { createA225Codec, decodeA225, encodeA225 } from './codecs/a225.js';
export { createTrackCodec, decodeTrack, encodeTrack } from './codecs/track.js';
export { createApp90Codec } from './codecs/app90.js';
export { buildSentence } from './sentence.js';
export { normaliseCard } from './fields.js';
export { completeTimeOfDay } from './time.js';
export { bytesToHex, bytesToLatin1, decodeGbk, encodeGbk, hexToBytes } from './gbk.js';
export type {
  ContentEncoding,
  GnssContext,
  GnssRecord,
  GnssSatellite,
  GnssSentence,
  GnssSystem,
  PayloadCodec,
  PayloadContext,
  PayloadFix,
  PayloadInfo,
  RdssContext,
  RdssProtocol,
  RdssRecord,
} from './types.js';
