import { DecodeError } from '../../../core/errors.js';
import type { NmeaFrame } from '../nmea/frame.js';
import { interpretContent } from './content.js';
import { type FieldSpec, normaliseCard, parseInteger, parseNumber, readSentence, type SentenceLayout } from './fields.js';
import { bytesToHex, hexToBytes, isHex, latin1Bytes } from './gbk.js';
import { completeTimeOfDay } from './time.js';
import type { ContentEncoding, RdssContext, RdssProtocol, RdssRecord } from './types.js';

/**
 * Beidou RDSS short-message sentences, interface protocol 2.1 (BD-2) and the BDS-3 "4.0" text
 * protocol (brief §1.2.2–1.2.3). Each sentence is a field table; content fields are split off and
 * interpreted as bytes (GBK text, hex code, A4-mixed) and handed to the payload codecs.
 */

type Key = keyof RdssRecord & string;
type Spec = FieldSpec<Key>;

interface ContentSpec {
  /** Field index where the content starts. */
  at: number;
  /** The content runs to the end of the sentence (commas inside raw 汉字 text are rejoined). */
  toEnd: boolean;
  /** Which numbering the encoding field uses. */
  scheme: RdssProtocol;
}

interface Layout extends SentenceLayout<RdssRecord> {
  protocol: RdssProtocol;
  fields: readonly Spec[];
  content?: ContentSpec;
}

const FORM = { key: 'form', kind: 'int', label: '电文形式 (content form)', need: 'value', min: 0, max: 2 } as const;
const CATEGORY = { key: 'encodingCategory', kind: 'int', label: '编码类别 (encoding)', need: 'value', min: 1, max: 5 } as const;

const TXR_CLASS: readonly (RdssRecord['messageClass'] | undefined)[] = [undefined, 'normal', 'express', 'broadcast', 'query-latest', 'query-sender'];
const TXA_CLASS: readonly RdssRecord['messageClass'][] = ['express', 'normal'];

/** 4.0 FKI failure codes (brief §1.2.3). */
const FKI_FAILURES: Readonly<Record<number, string>> = {
  1: 'send interval not yet elapsed (频度未到)',
  2: 'system inhibition',
  3: 'radio silence',
  4: 'power not locked',
  5: 'no IC module',
  11: 'checksum error (校验错误)',
};

// ---------------------------------------------------------------- 2.1
const TXR: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'infoType', kind: 'int', label: '信息类别 (message type)', need: 'value', min: 1, max: 5 },
    { at: 1, key: 'card', kind: 'card', label: 'sender card', need: 'value' },
    { at: 2, ...FORM },
    // hhmm, filled for the query types 4/5 (and by some modules for all types). Read as UTC like
    // the verified 4.0 TCI time; for 2.1 that is an assumption (see the brief's open items).
    { at: 3, key: 'timeOfDay', kind: 'hhmm', label: '发信时间 (send time)' },
  ],
  content: { at: 4, toEnd: true, scheme: '2.1' },
  finish(rec) {
    rec.messageClass = TXR_CLASS[rec.infoType!];
    return undefined;
  },
};

const TXA: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'recipient', kind: 'card', label: 'recipient card', need: 'value' },
    { at: 1, key: 'infoType', kind: 'int', label: '通信类别 (0 express, 1 normal)', need: 'value', min: 0, max: 1 },
    { at: 2, ...FORM },
  ],
  content: { at: 3, toEnd: true, scheme: '2.1' },
  finish(rec) {
    rec.messageClass = TXA_CLASS[rec.infoType!];
    return undefined;
  },
};

/** 2.1 FKI: instruction, 执行情况, 频度设置指示, 发射抑制指示, 等待时间. */
const FKI21: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'command', kind: 'text', label: 'instruction', need: 'value' },
    { at: 1, key: 'ok', kind: 'yn', label: '执行情况 (accepted)', need: 'value' },
    { at: 2, key: 'frequencyOk', kind: 'yn', label: '频度设置指示' },
    { at: 3, key: 'suppression', kind: 'int', label: '发射抑制指示', min: 0, max: 9 },
    { at: 4, key: 'waitSeconds', kind: 'int', label: '等待时间 (wait, s)', min: 0 },
  ],
};

/** 4.0 FKI: time, instruction, Y/N, failure code, remaining wait. */
const FKI40: Layout = {
  protocol: '4.0',
  fields: [
    { at: 0, key: 'timeOfDay', kind: 'time', label: 'UTC time', need: 'value' },
    { at: 1, key: 'command', kind: 'text', label: 'instruction', need: 'value' },
    { at: 2, key: 'ok', kind: 'yn', label: 'accepted', need: 'value' },
    { at: 3, key: 'failureCode', kind: 'int', label: 'failure code', min: 0 },
    { at: 4, key: 'waitSeconds', kind: 'float', label: 'remaining wait (s)', min: 0 },
  ],
  finish(rec) {
    if (rec.failureCode) rec.failureReason = FKI_FAILURES[rec.failureCode] ?? `failure code ${rec.failureCode}`;
    return undefined;
  },
};

const QUERY = (protocol: RdssProtocol): Layout => ({
  protocol,
  fields: [
    { at: 0, key: 'queryType', kind: 'int', label: 'query type (0 own card, 1 subordinates)', need: 'value', min: 0 },
    { at: 1, key: 'frameNo', kind: 'int', label: 'frame number', min: 0 },
  ],
});

const ICI: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'card', kind: 'card', label: 'user address (card)', need: 'value' },
    { at: 1, key: 'serial', kind: 'text', label: '序列号 (serial)' },
    { at: 2, key: 'broadcastId', kind: 'card', label: '通播地址 (broadcast id)' },
    { at: 3, key: 'userCharacteristic', kind: 'int', label: '用户特征值' },
    { at: 4, key: 'serviceIntervalS', kind: 'float', label: '服务频度 (s)', min: 0 },
    { at: 5, key: 'level', kind: 'int', label: '通信等级', min: 0, max: 9 },
    { at: 6, key: 'encrypted', kind: 'en', label: '加密标志 (E/N)' },
    { at: 7, key: 'subordinateCount', kind: 'int', label: '下属用户数', min: 0 },
  ],
};

const ICZ: Layout = {
  protocol: '2.1',
  fields: [{ at: 0, key: 'subordinateCount', kind: 'int', label: 'subordinate users', need: 'value', min: 0 }],
  finish(rec, fields) {
    const subs: string[] = [];
    for (let i = 1; i < fields.length; i++) {
      if (fields[i] === '') continue;
      const card = normaliseCard(fields[i]);
      if (card === undefined) return new DecodeError('field', `ICZ field ${i + 1} (user id) ${JSON.stringify(fields[i].slice(0, 24))} is not a card number`);
      subs.push(card);
    }
    rec.subordinates = subs;
    return undefined;
  },
};

const WAA: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'infoType', kind: 'int', label: '信息类型 (0 received, 1 sent)', min: 0, max: 1 },
    { at: 1, key: 'reportIntervalS', kind: 'float', label: '报告频度 (s)', min: 0 },
    { at: 2, key: 'card', kind: 'card', label: 'user address', need: 'value' },
    { at: 3, key: 'timeOfDay', kind: 'time', label: 'UTC time' },
    { at: 4, key: 'lat', kind: 'lat', label: 'latitude', need: 'present' },
    { at: 6, key: 'lon', kind: 'lon', label: 'longitude', need: 'present' },
    { at: 8, key: 'altitude', kind: 'float', label: 'height' },
  ],
};

const DWR: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'positionType', kind: 'int', label: '定位信息类型', need: 'value', min: 1, max: 3 },
    { at: 1, key: 'card', kind: 'card', label: 'user address', need: 'value' },
    { at: 2, key: 'timeOfDay', kind: 'time', label: 'UTC time' },
    { at: 3, key: 'lat', kind: 'lat', label: 'latitude', need: 'present' },
    { at: 5, key: 'lon', kind: 'lon', label: 'longitude', need: 'present' },
    { at: 7, key: 'altitude', kind: 'float', label: '大地高 (height)' },
    { at: 9, key: 'heightAnomaly', kind: 'float', label: '高程异常' },
    { at: 11, key: 'precision', kind: 'int', label: '精度指示', min: 0 },
    { at: 12, key: 'emergency', kind: 'av', label: '紧急定位 (A/V)' },
    { at: 13, key: 'multiSolution', kind: 'av', label: '多值解 (A/V)' },
    { at: 14, key: 'heightType', kind: 'char', label: '高程类型 (H/L)', chars: 'HL' },
  ],
};

const DWA: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'card', kind: 'card', label: 'user address', need: 'value' },
    { at: 1, key: 'emergency', kind: 'av', label: '紧急 (A/V)' },
    { at: 2, key: 'heightMode', kind: 'int', label: '测高方式', min: 0, max: 3 },
    { at: 3, key: 'heightType', kind: 'char', label: '高程指示 (H/L)', chars: 'HL' },
    { at: 4, key: 'altitude', kind: 'float', label: 'height' },
    { at: 5, key: 'antennaHeight', kind: 'float', label: 'antenna height' },
    { at: 6, key: 'airPressure', kind: 'float', label: 'air pressure' },
    { at: 7, key: 'temperature', kind: 'float', label: 'temperature' },
    { at: 8, key: 'repeatIntervalS', kind: 'float', label: '申请频度 (s)', min: 0 },
  ],
};

const WBA: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'card', kind: 'card', label: 'user address', need: 'value' },
    { at: 1, key: 'heightType', kind: 'char', label: '高程指示 (H/L)', chars: 'HL' },
    { at: 2, key: 'antennaHeight', kind: 'float', label: 'antenna height' },
    { at: 3, key: 'reportIntervalS', kind: 'float', label: '报告频度 (s)', min: 0 },
  ],
};

const BSI: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'responseBeam', kind: 'int', label: '响应波束', need: 'value', min: 0 },
    { at: 1, key: 'timeDiffBeam', kind: 'int', label: '时差波束', min: 0 },
  ],
  finish(rec, fields) {
    const levels = intList('BSI', fields, 2, fields.length, 'beam power');
    if (levels instanceof DecodeError) return levels;
    rec.beamPower = levels;
    return undefined;
  },
};

const RMO: Layout = {
  protocol: '2.1',
  fields: [
    { at: 0, key: 'targetSentence', kind: 'text', label: 'target sentence', need: 'value' },
    { at: 1, key: 'outputMode', kind: 'int', label: 'mode', min: 0 },
    { at: 2, key: 'outputRate', kind: 'float', label: 'rate', min: 0 },
  ],
};

// ---------------------------------------------------------------- 4.0
const TCI: Layout = {
  protocol: '4.0',
  fields: [
    { at: 0, key: 'card', kind: 'card', label: 'sender card', need: 'value' },
    { at: 1, key: 'recipient', kind: 'card', label: 'recipient card' },
    { at: 2, key: 'frequencyPoint', kind: 'int', label: '频点', min: 0 },
    { at: 3, key: 'timeOfDay', kind: 'time', label: '发信时间 (UTC)' },
    { at: 4, ...CATEGORY },
    { at: 5, key: 'tciFlag', kind: 'text', label: 'field 6' },
  ],
  content: { at: 6, toEnd: true, scheme: '4.0' },
};

const TCQ: Layout = {
  protocol: '4.0',
  fields: [
    { at: 0, key: 'recipient', kind: 'card', label: 'recipient card', need: 'value' },
    { at: 1, key: 'frequencyPoint', kind: 'int', label: '频点', min: 0 },
    { at: 2, key: 'inboundAck', kind: 'int', label: '入站确认', min: 0 },
    { at: 3, ...CATEGORY },
    { at: 5, key: 'repeatIntervalS', kind: 'float', label: '频度 (s)', min: 0 },
  ],
  content: { at: 4, toEnd: false, scheme: '4.0' },
};

/** ICP: only card (1), service interval (14) and level (15) are documented; all fields are kept raw too. */
const ICP: Layout = {
  protocol: '4.0',
  fields: [
    { at: 0, key: 'card', kind: 'card', label: 'card', need: 'value' },
    { at: 13, key: 'serviceIntervalS', kind: 'float', label: '服务频度 (s)', min: 0 },
    { at: 14, key: 'level', kind: 'int', label: '通信等级', min: 0, max: 9 },
  ],
  finish(rec, fields) {
    if (rec.level === 0) rec.level = 5; // level 0 is how BDS-3 cards write level 5
    rec.rawFields = fields.slice();
    return undefined;
  },
};

/** PWI: time, RDSS-2 beam count + triples, RDSS-3 beam count + equal groups (their inner layout is not public). */
const PWI: Layout = {
  protocol: '4.0',
  fields: [{ at: 0, key: 'timeOfDay', kind: 'time', label: 'UTC time' }],
  finish(rec, fields) {
    const n2 = fields.length > 1 && fields[1] !== '' ? parseInteger(fields[1]) : 0;
    if (Number.isNaN(n2) || n2 < 0 || 2 + 3 * n2 > fields.length) {
      return new DecodeError('field', `PWI field 2 (RDSS-2 beam count) ${JSON.stringify(fields[1]?.slice(0, 24))} does not match the fields that follow`);
    }
    const two = intList('PWI', fields, 2, 2 + 3 * n2, 'RDSS-2 beam value');
    if (two instanceof DecodeError) return two;
    rec.rdss2Beams = groups(two, 3);
    const at3 = 2 + 3 * n2;
    if (at3 < fields.length && fields[at3] !== '') {
      const n3 = parseInteger(fields[at3]);
      const rest = intList('PWI', fields, at3 + 1, fields.length, 'RDSS-3 beam value');
      if (rest instanceof DecodeError) return rest;
      if (Number.isNaN(n3) || n3 < 0 || (n3 > 0 && (rest.length === 0 || rest.length % n3 !== 0)) || (n3 === 0 && rest.length > 0)) {
        return new DecodeError('field', `PWI field ${at3 + 1} (RDSS-3 beam count) ${JSON.stringify(fields[at3].slice(0, 24))} does not divide the ${rest.length} values after it`);
      }
      rec.rdss3Beams = n3 === 0 ? [] : groups(rest, rest.length / n3);
    }
    rec.rawFields = fields.slice();
    return undefined;
  },
};

function intList(sentence: string, fields: readonly string[], from: number, to: number, label: string): number[] | DecodeError {
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    const n = parseNumber(fields[i]);
    if (Number.isNaN(n)) return new DecodeError('field', `${sentence} field ${i + 1} (${label}) ${JSON.stringify(fields[i].slice(0, 24))} is not a number`);
    out.push(n);
  }
  return out;
}

function groups(values: number[], size: number): number[][] {
  const out: number[][] = [];
  if (size < 1) return out;
  for (let i = 0; i + size <= values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

const LAYOUTS: Readonly<Record<string, Layout>> = {
  TXR,
  TXA,
  ICA: QUERY('2.1'),
  ICI,
  ICZ,
  WAA,
  DWR,
  DWA,
  WBA,
  BSI,
  RMO,
  TCI,
  TCQ,
  ICR: QUERY('4.0'),
  ICP,
  PWI,
};

/** Formatters decodeRdss handles (the line router dispatches on these). */
export const RDSS_FORMATTERS: ReadonlySet<string> = new Set([...Object.keys(LAYOUTS), 'FKI']);

/** FKI exists in both protocols: 4.0 opens with a time, 2.1 with the instruction name. */
function fkiLayout(fields: readonly string[]): Layout | DecodeError {
  const first = fields[0] ?? '';
  const c = first.charCodeAt(0);
  if (c >= 48 && c <= 57) return FKI40;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return FKI21;
  return new DecodeError('field', `FKI field 1 ${JSON.stringify(first.slice(0, 24))} is neither a time (protocol 4.0) nor an instruction name (2.1)`);
}

const ENCODING_21: readonly ContentEncoding[] = ['chinese', 'code', 'mixed'];
const ENCODING_40: readonly (ContentEncoding | undefined)[] = [undefined, 'chinese', 'code', 'mixed', 'compressed-chinese', 'compressed-code'];

/** Decode one framed RDSS sentence. Never throws; bad input gives a DecodeError. */
export function decodeRdss(frame: NmeaFrame, ctx: RdssContext = {}): RdssRecord | DecodeError {
  const { fields } = frame;
  let layout: Layout | DecodeError | undefined;
  if (frame.formatter === 'FKI') layout = fkiLayout(fields);
  else if (Object.prototype.hasOwnProperty.call(LAYOUTS, frame.formatter)) layout = LAYOUTS[frame.formatter];
  if (layout === undefined) {
    return new DecodeError('unsupported', `${frame.talker}${frame.formatter} is not an RDSS sentence this decoder handles`);
  }
  if (layout instanceof DecodeError) return layout;

  const sentence = frame.formatter;
  const rec: RdssRecord = {
    kind: 'rdss',
    protocol: layout.protocol,
    talker: frame.talker,
    sentence,
    direction: frame.talker === 'CC' ? 'command' : 'report',
  };
  const read = readSentence(frame, ctx.rxTime, sentence, layout, rec);
  if (read instanceof DecodeError) return read;
  const { scratch, rxTime } = read;
  if (scratch.msOfDay >= 0 && rxTime !== undefined) rec.time = completeTimeOfDay(scratch.msOfDay, rxTime);

  if (layout.content) {
    const err3 = readContent(rec, fields, layout.content, ctx);
    if (err3) return err3;
  }
  return rec;
}

function readContent(rec: RdssRecord, fields: readonly string[], spec: ContentSpec, ctx: RdssContext): DecodeError | undefined {
  if (spec.at >= fields.length) return undefined;
  const raw = spec.toEnd && spec.at < fields.length - 1 ? fields.slice(spec.at).join(',') : fields[spec.at];
  const encoding = spec.scheme === '2.1' ? ENCODING_21[rec.form!] : ENCODING_40[rec.encodingCategory!];
  if (encoding === undefined) return undefined; // excluded by the tables' ranges
  rec.encoding = encoding;
  if (raw === '') return undefined;

  let bytes: Uint8Array | undefined;
  // 2.1 汉字 is raw GBK on the wire; 4.0 documents hex for every category but raw text is seen too.
  const hexForm = encoding !== 'chinese' || spec.scheme === '4.0';
  const halfByteOk = encoding === 'code' || encoding === 'compressed-code'; // code mode counts nibbles
  if (hexForm && isHex(raw) && (raw.length % 2 === 0 || halfByteOk)) {
    bytes = hexToBytes(raw)!;
    rec.contentHex = raw.toUpperCase();
  } else if (encoding === 'code' || encoding === 'mixed') {
    const why = isHex(raw) ? 'an even number of hex digits' : 'hex digits';
    return new DecodeError('field', `${rec.sentence} content in ${encoding} form must be ${why}, found ${JSON.stringify(raw.slice(0, 24))}`);
  } else {
    bytes = latin1Bytes(raw);
    if (bytes === undefined) {
      return new DecodeError('field', `${rec.sentence} content has characters above U+00FF: the line must be read as latin1 bytes, not decoded text`);
    }
    rec.contentHex = bytesToHex(bytes);
  }

  const result = interpretContent(bytes, encoding, {
    rxTime: rec.rxTime,
    messageTime: rec.time,
    terminalModel: ctx.terminalModel ?? (rec.card !== undefined ? ctx.terminalModelOf?.(rec.card) : undefined),
    card: rec.card,
    codecs: ctx.codecs,
  });
  if (result.text !== undefined) rec.text = result.text;
  if (result.codec !== undefined) rec.codec = result.codec;
  if (result.fixes !== undefined) rec.fixes = result.fixes;
  if (result.payloadError !== undefined) rec.payloadError = result.payloadError;
  if (result.sentTime !== undefined) rec.sentTime = result.sentTime;
  if (result.terminalId !== undefined) rec.terminalId = result.terminalId;
  return undefined;
}
