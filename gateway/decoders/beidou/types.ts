import type { DecodeError } from '../../../core/errors.js';
import type { Reception } from '../../../core/records.js';
import type { CodecRegistry } from './codecs/registry.js';

/** GNSS sentence formatters this package decodes (CNO/COV are BDS-module extensions seen in the wild). */
export type GnssSentence = 'GGA' | 'RMC' | 'GLL' | 'VTG' | 'GSA' | 'GSV' | 'CNO' | 'COV';

/** Constellation, from the talker and (NMEA ≥ 4.10) the system id; `multi` = a combined `GN` solution. */
export type GnssSystem = 'GPS' | 'GLONASS' | 'Galileo' | 'BDS' | 'QZSS' | 'NavIC' | 'multi';

export interface GnssSatellite {
  /** As the receiver numbered it (BDS: 1–63, 141+, 201+ or 401+ depending on the vendor). */
  prn: number;
  /** degrees */
  elevation?: number;
  /** degrees true */
  azimuth?: number;
  /** C/N0, dB-Hz */
  snr?: number;
}

/** One decoded GNSS NMEA sentence (any talker). Absent = empty on the wire. */
export interface GnssRecord extends Reception {
  kind: 'gnss';
  talker: string;
  sentence: GnssSentence;
  system?: GnssSystem;
  /** ms since epoch UTC; only when the date is known (RMC) or could be completed from the receive time. */
  time?: number;
  /** "hh:mm:ss.sss" UTC, as the wire said. */
  timeOfDay?: string;
  lat?: number;
  lon?: number;
  /** knots */
  sog?: number;
  /** km/h (VTG) */
  sogKmh?: number;
  /** degrees true */
  cog?: number;
  /** degrees magnetic (VTG) */
  cogMagnetic?: number;
  /** degrees; east positive (RMC) */
  magneticVariation?: number;
  /** false for RMC/GLL status V, pos mode N, GGA quality 0, GSA fix type 1. Absent for sentences that claim no fix (GSV…). */
  valid?: boolean;
  /** RMC/GLL status letter (A valid, V void). */
  status?: string;
  fixQuality?: number;
  satellites?: number;
  hdop?: number;
  pdop?: number;
  vdop?: number;
  /** metres above mean sea level */
  altitude?: number;
  /** metres */
  geoidSeparation?: number;
  /** seconds */
  dgpsAge?: number;
  dgpsStation?: string;
  /** Positioning mode letter (A autonomous, D differential, E estimated, N none, …). */
  mode?: string;
  /** RMC navigational status (NMEA ≥ 4.10): S safe, C caution, U unsafe, V not valid. */
  navStatus?: string;
  /** GSA: M manual / A automatic 2D/3D selection. */
  selectionMode?: string;
  /** GSA: 1 no fix, 2 2D, 3 3D. */
  fixType?: number;
  /** GSA: satellites used in the solution. */
  prns?: number[];
  /** NMEA ≥ 4.10 system id (1 GPS, 2 GLONASS, 3 Galileo, 4 BDS, 5 QZSS, 6 NavIC). */
  systemId?: number;
  /** NMEA ≥ 4.10 GSV signal id (hex digit on the wire). */
  signalId?: number;
  /** Signal name when known (BDS table of NMEA 4.11, or the CNO signal field). */
  signal?: string;
  satellitesInView?: number;
  sats?: GnssSatellite[];
  msgIndex?: number;
  msgTotal?: number;
  /** COV: BDS week number and seconds of week (layout inferred from a public sample, see gnss.ts). */
  bdsWeek?: number;
  timeOfWeek?: number;
  /** Fields whose meaning is not confirmed, kept verbatim. */
  rawFields?: string[];
}

/** How short-message content is encoded (2.1 电文形式 / 4.0 编码类别). */
export type ContentEncoding = 'chinese' | 'code' | 'mixed' | 'compressed-chinese' | 'compressed-code';

/** A vessel position carried inside short-message content. */
export interface PayloadFix {
  /** ms since epoch UTC, when the payload carries a time. */
  time?: number;
  lat: number;
  lon: number;
  /** knots */
  sog?: number;
  /** degrees true */
  cog?: number;
  /** degrees true (what the terminal calls 航向) */
  heading?: number;
  /** metres */
  altitude?: number;
  /** Speed as sent, when the codec does not know its unit (see the codec's options). */
  speedRaw?: number;
  /** Vendor status byte, verbatim. */
  status?: number;
}

/** What a codec may know about a message besides positions. */
export interface PayloadInfo {
  /** GBK text carried by the payload. */
  text?: string;
  /** Time the terminal wrote into the payload, ms since epoch UTC (`sentTime` is a TIME_KEY: ISO in JSON). */
  sentTime?: number;
  /** Terminal / service id the payload names (hex or decimal as the codec defines). */
  terminalId?: string;
}

export interface PayloadContext {
  rxTime?: number;
  /** Time of the carrying sentence, when known. */
  messageTime?: number;
  terminalModel?: string;
  card?: string;
}

/** A vendor position format found inside RDSS content. Pure: bytes in, fixes or a DecodeError out. */
export interface PayloadCodec {
  readonly id: string;
  /** Content encodings the format can travel in; absent = any (except compressed). */
  readonly encodings?: readonly ContentEncoding[];
  /** Cheap test on magic bytes. */
  match(bytes: Uint8Array): boolean;
  decode(bytes: Uint8Array, ctx: PayloadContext): PayloadFix[] | DecodeError;
  /** Text, time or ids carried beside the positions. */
  describe?(bytes: Uint8Array, ctx: PayloadContext): PayloadInfo | undefined;
}

export type RdssProtocol = '2.1' | '4.0';

/** One decoded RDSS sentence (module report `$BD…` or host command `$CC…`). */
export interface RdssRecord extends Reception {
  kind: 'rdss';
  protocol: RdssProtocol;
  talker: string;
  /** Formatter: `TXR`, `TCI`, `FKI`, … */
  sentence: string;
  /** `report` = module → host (`BD`), `command` = host → module (`CC`). */
  direction: 'report' | 'command';
  /** Sender card (TXR/TCI/WAA/DWR) or own card (ICI/ICP), canonical decimal without leading zeros. */
  card?: string;
  recipient?: string;
  /** ms since epoch UTC: the sentence's UTC time of day completed with the receive date. */
  time?: number;
  /** "hh:mm:ss.sss" as the wire said. */
  timeOfDay?: string;

  // ---- short message content (TXR, TXA, TCI, TCQ)
  /** TXR 信息类别 1–5 / TXA 通信类别. */
  infoType?: number;
  messageClass?: 'normal' | 'express' | 'broadcast' | 'query-latest' | 'query-sender';
  /** 2.1 电文形式 (0 汉字, 1 代码, 2 混发). */
  form?: number;
  /** 4.0 编码类别 (1 汉字, 2 代码, 3 混合, 4 压缩汉字, 5 压缩代码). */
  encodingCategory?: number;
  encoding?: ContentEncoding;
  /** Raw content as hex (code/mixed: the hex digits as sent, odd counts kept; 汉字: the GBK bytes). */
  contentHex?: string;
  /** GBK-decoded text, when the content is text. */
  text?: string;
  /** Id of the payload codec that recognised the content. */
  codec?: string;
  fixes?: PayloadFix[];
  /** Why a recognised payload failed to decode (the record still carries the raw content). */
  payloadError?: string;
  /** Send time written inside the payload by the terminal, ms since epoch UTC. */
  sentTime?: number;
  terminalId?: string;
  /** 4.0 频点 */
  frequencyPoint?: number;
  /** 4.0 TCQ 入站确认 */
  inboundAck?: number;
  /** 4.0 TCI field 6 (meaning unconfirmed; observed 0). */
  tciFlag?: string;
  /** TCQ 频度 / DWA 申请频度, seconds (0 = once). */
  repeatIntervalS?: number;

  // ---- FKI
  command?: string;
  ok?: boolean;
  /** 2.1 频度设置指示 */
  frequencyOk?: boolean;
  /** 2.1 发射抑制指示 0–3 */
  suppression?: number;
  /** 4.0 failure code */
  failureCode?: number;
  failureReason?: string;
  waitSeconds?: number;

  // ---- ICI / ICP / ICZ / ICA / ICR
  serial?: string;
  broadcastId?: string;
  userCharacteristic?: number;
  serviceIntervalS?: number;
  level?: number;
  encrypted?: boolean;
  subordinateCount?: number;
  subordinates?: string[];
  queryType?: number;
  frameNo?: number;

  // ---- WAA / DWR / DWA / WBA
  positionType?: number;
  reportIntervalS?: number;
  lat?: number;
  lon?: number;
  /** metres (大地高 / height) */
  altitude?: number;
  heightAnomaly?: number;
  precision?: number;
  emergency?: boolean;
  multiSolution?: boolean;
  /** H high / L low (高程类型 / 高程指示) */
  heightType?: string;
  heightMode?: number;
  antennaHeight?: number;
  airPressure?: number;
  temperature?: number;

  // ---- BSI / PWI
  responseBeam?: number;
  timeDiffBeam?: number;
  beamPower?: number[];
  rdss2Beams?: number[][];
  rdss3Beams?: number[][];

  // ---- RMO
  targetSentence?: string;
  outputMode?: number;
  outputRate?: number;

  /** Fields whose meaning is not confirmed, kept verbatim (ICP, PWI). */
  rawFields?: string[];
}

export interface GnssContext {
  /** Receive time, ms since epoch: completes times of day and is passed through. */
  rxTime?: number;
}

export interface RdssContext extends GnssContext {
  /** Terminal model from the vessel registry: picks the payload codec before magic bytes do. */
  terminalModel?: string;
  /** Looks the terminal model up by the sender's normalised card number, when `terminalModel` is not given. */
  terminalModelOf?: (card: string) => string | undefined;
  /** Payload codecs; `defaultCodecRegistry()` when absent. */
  codecs?: CodecRegistry;
}
