// Adapters for the protobuf section: our decodeEnvelope and protobufjs runtime reflection, on the same bytes.
// Same contract as ais-adapters.mjs: make() → { decode(bytes) → message | null }, describe(message) untimed.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { importDist, REPO } from './util.mjs';

const require = createRequire(import.meta.url);

export const PROTO_FILE = join(REPO, 'proto', 'tidewatch', 'v1', 'telemetry.proto');

/** dist/gateway/decoders/protobuf/index.js, or its decode.js/encode.js while index.ts is not written. */
export async function importProtobufModule() {
  try {
    return await importDist('gateway/decoders/protobuf/index.js', 'the protobuf decoder (gateway/decoders/protobuf)');
  } catch (e) {
    if (e.name !== 'MissingModuleError') throw e;
    const dec = await importDist('gateway/decoders/protobuf/decode.js', 'the protobuf decoder (gateway/decoders/protobuf/decode)');
    const enc = await importDist('gateway/decoders/protobuf/encode.js', 'the protobuf encoder (gateway/decoders/protobuf/encode)');
    return { ...dec, ...enc };
  }
}

export const PROTOBUF_DECODERS = {
  tidewatch: {
    label: 'tidewatch decodeEnvelope (ours)',
    how: 'dist/gateway/decoders/protobuf: decodeEnvelope(bytes) → EnvelopeRecord (schema checks, physical units, one BuoyObservation per sample) | DecodeError',
    async load() {
      const { decodeEnvelope } = await importProtobufModule();
      if (typeof decodeEnvelope !== 'function') throw new Error('the protobuf module does not export decodeEnvelope');
      return {
        make: () => ({
          decode(bytes) {
            const r = decodeEnvelope(bytes);
            return r.kind === 'envelope' ? r : null;
          },
        }),
        describe(r) {
          const obs = r.payload.observations ?? [];
          const o = obs[0];
          return { values: obs.length + (r.payload.missingSamples ?? 0), first: o ? `${o.variable} ${o.value} ${o.unit}` : '—' };
        },
      };
    },
  },
  'protobufjs-reflect': {
    label: 'protobufjs (reflection)',
    npm: 'protobufjs',
    how: "require('protobufjs').loadSync(telemetry.proto).lookupType('tidewatch.v1.Envelope'): Type.decode(bytes) then Type.toObject(msg, { longs: Number, enums: String })",
    async load() {
      const protobuf = require('protobufjs');
      const Envelope = protobuf.loadSync(PROTO_FILE).lookupType('tidewatch.v1.Envelope');
      const options = { longs: Number, enums: String };
      return {
        make: () => ({
          decode(bytes) {
            try {
              return Envelope.toObject(Envelope.decode(bytes), options);
            } catch {
              return null;
            }
          },
        }),
        describe(o) {
          const series = o.buoyBatch?.series ?? [];
          let values = 0;
          for (const s of series) values += s.values?.length ?? 0;
          const s0 = series[0];
          return { values, first: s0 ? `${s0.variable} ${s0.values[0]} (wire)` : '—' };
        },
      };
    },
  },
};

export const PROTOBUF_PEERS = ['protobufjs-reflect'];
