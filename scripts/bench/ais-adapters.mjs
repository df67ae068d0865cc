// One adapter per AIS decoder. Each `make()` returns a fresh decoder `{ decode(line) }` that does a FULL
// decode of the line (checksum, armour, multi-sentence reassembly where the library supports it, every
// field of the message) and returns the decoded message, or null when the line completed no message.
// `describe(message)` (untimed) maps a message to { type, mmsi, lat, lon } for the sanity checks.
import { createRequire } from 'node:module';
import { importDist } from './util.mjs';

const require = createRequire(import.meta.url);

export const AIS_DECODERS = {
  tidewatch: {
    label: 'tidewatch AisDecoder (ours)',
    npm: null,
    how: 'dist/gateway/decoders/ais: new AisDecoder(), decodeLine(line) → AisRecord | null | DecodeError',
    async load() {
      const errors = await importDist('core/errors.js', 'core/errors');
      const mod = await importDist('gateway/decoders/ais/index.js', 'the AIS decoder (gateway/decoders/ais)');
      const { AisDecoder } = mod;
      const { DecodeError } = errors;
      if (typeof AisDecoder !== 'function') throw new Error('dist/gateway/decoders/ais/index.js does not export class AisDecoder');
      return {
        make() {
          const decoder = new AisDecoder();
          return {
            decode(line) {
              const r = decoder.decodeLine(line);
              return r === null || r instanceof DecodeError ? null : r;
            },
          };
        },
        describe: (r) => ({ type: r.type, mmsi: r.mmsi, lat: r.lat, lon: r.lon }),
      };
    },
  },

  ggencoder: {
    label: 'ggencoder',
    npm: 'ggencoder',
    how: "require('ggencoder').AisDecode: new AisDecode(line, session) decodes in its constructor; a shared session object reassembles multi-sentence messages",
    async load() {
      const { AisDecode } = require('ggencoder');
      return {
        make() {
          const session = {};
          return {
            decode(line) {
              let m;
              try {
                m = new AisDecode(line, session);
              } catch {
                return null;
              }
              // aistype is set once the (reassembled) payload is de-armoured; the fields are decoded eagerly.
              return m.aistype === undefined ? null : m;
            },
          };
        },
        describe: (m) => ({ type: m.aistype, mmsi: m.immsi, lat: m.lat, lon: m.lon }),
      };
    },
  },

  'ais-stream-decoder': {
    label: 'ais-stream-decoder',
    npm: 'ais-stream-decoder',
    how: "require('ais-stream-decoder').default: a Transform stream (write(line) → 'data' JSON string); driven through its _transform hook with push() captured, i.e. without stream overhead (favours the peer)",
    async load() {
      const AisStreamDecoder = require('ais-stream-decoder').default;
      return {
        make() {
          const d = new AisStreamDecoder({ silent: true });
          let out = null;
          d.push = (chunk) => {
            out = chunk;
            return true;
          };
          const done = (err) => {
            if (err) out = null;
          };
          return {
            decode(line) {
              out = null;
              d._transform(line, 'utf8', done);
              return out;
            },
          };
        },
        describe: (json) => {
          const m = JSON.parse(json);
          return { type: m.type, mmsi: m.mmsi, lat: m.lat, lon: m.lon };
        },
      };
    },
  },

  aisparser: {
    label: 'aisparser',
    npm: 'aisparser',
    how: "require('aisparser'): new AisParser({ checksum: true }).parse(line) → lazy result; every field in result.supportedValues is read (its decoding happens in those getters)",
    async load() {
      const AisParser = require('aisparser');
      return {
        make() {
          const parser = new AisParser({ checksum: true });
          return {
            decode(line) {
              const m = parser.parse(line);
              if (m.valid !== 'VALID') return null;
              const out = {};
              for (const key in m.supportedValues) {
                try {
                  out[key] = m[key];
                } catch {
                  out[key] = undefined;
                }
              }
              return out;
            },
          };
        },
        describe: (o) => ({ type: o.aisType, mmsi: o.mmsi, lat: o.latitude, lon: o.longitude }),
      };
    },
  },
};

export const PEERS = ['ggencoder', 'ais-stream-decoder', 'aisparser'];
