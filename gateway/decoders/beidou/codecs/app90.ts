import type { PayloadCodec, PayloadInfo } from '../types.js';
import { bytesToHex, decodeGbk, isCleanGbk } from '../gbk.js';
import { type BinField, readStruct, structSize } from './binary.js';

/**
 * Application header 0x90 (brief §1.2.4, "app header byte + Unix time + text"): a handler byte,
 * 5 id bytes, a u32 Unix time (UTC) and a GBK body. Verified on two real messages: the time
 * `65BEF749` is 2024-02-04 02:32:41 UTC one second before the carrying `$BDTCI` time 023242, and
 * the body `B2E2CAD4` is "测试". It carries no position: `decode` gives no fixes, `describe` gives
 * the text and the time. The sibling handlers 0x91–0x93 / 0xA7 have no verified layout and are left raw.
 */

type Key = 'handler' | 'time';

export const APP90_HEAD: readonly BinField<Key>[] = [
  { key: 'handler', at: 0, type: 'u8' },
  { key: 'time', at: 6, type: 'u32' },
];

const ID_FROM = 1;
const ID_TO = 6;
const HEAD_SIZE = structSize(APP90_HEAD); // 10

export function createApp90Codec(): PayloadCodec {
  return {
    id: 'app-90',
    encodings: ['code', 'mixed'],
    match: (bytes) => bytes.length >= HEAD_SIZE && bytes[0] === 0x90,
    decode: () => [],
    describe(bytes): PayloadInfo | undefined {
      if (bytes.length < HEAD_SIZE) return undefined;
      const head = readStruct(bytes, 0, APP90_HEAD);
      const info: PayloadInfo = { sentTime: head.time * 1000, terminalId: bytesToHex(bytes.subarray(ID_FROM, ID_TO)) };
      const body = bytes.subarray(HEAD_SIZE);
      if (body.length > 0 && isCleanGbk(body)) info.text = decodeGbk(body);
      return info;
    },
  };
}
