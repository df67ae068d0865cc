/** Protobuf Envelope frames (proto/tidewatch/v1/telemetry.proto): decoder, encoder, file framing. */
export {
  decodeEnvelope,
  SCHEMA_MAJOR,
  SCHEMA_MINOR,
  MIN_TIME_MS,
  MAX_TIME_MS,
  type AckPayload,
  type BuoyBatchPayload,
  type DecodeContext,
  type EnvelopePayload,
  type EnvelopeRecord,
  type HealthPayload,
  type LatLon,
  type VesselBatchPayload,
} from './decode.js';
export {
  encodeAck,
  encodeEnvelope,
  type AckInput,
  type BuoyBatchInput,
  type BuoyObservationInput,
  type EnvelopeHeaderInput,
  type EnvelopeInput,
  type HealthInput,
  type PayloadInput,
  type VesselBatchInput,
  type VesselFixInput,
} from './encode.js';
export { encodeDelimited, MAX_FRAME_BYTES, splitDelimited, type SplitResult } from './delimited.js';
export { QC, VARIABLES, VARIABLES_BY_NAME, type VariableInfo } from './variables.js';
