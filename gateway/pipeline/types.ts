/**
 * The seam between transports and the pipeline. A transport (WebSocket, TCP, UDP) authenticates
 * its peer, splits bytes into lines or frames, and hands them here; it never decodes.
 */

/** Who sent the data and how: carried with every line and frame into the pipeline. */
export interface IngestSource {
  /** `ws`, `tcp` or `udp`. */
  transport: 'ws' | 'tcp' | 'udp';
  /** Remote address and port, for logs. */
  peer: string;
  /** Name of the device token that authenticated a WebSocket (absent for TCP/UDP stations). */
  device?: string;
  /** Station id for the receive side (the device name, or `tcp:<address>` for a shore station). */
  station: string;
}

/** Answer to a protobuf frame: the Ack the transport sends back, once the data is durable. */
export interface FrameOutcome {
  /** Encoded `tidewatch.v1.Envelope` with an Ack payload, to send to the device; absent when none is owed. */
  ack?: Uint8Array;
  /** Why the frame was rejected (it is still acknowledged so the device stops resending it). */
  error?: string;
}

export interface IngestSink {
  /**
   * Text lines (NMEA / RDSS), decoded and stored in order. Resolves once they are durable
   * (spooled or stored); a bad line is counted and logged and never rejects the call.
   */
  ingestLines(lines: readonly string[], source: IngestSource): Promise<void>;
  /** One binary protobuf Envelope; resolves with the Ack to send once the frame is durable. */
  ingestFrame(bytes: Uint8Array, source: IngestSource): Promise<FrameOutcome>;
  /**
   * True while the store lags so far behind that senders must slow down: transports stop reading
   * (TCP `pause`, WebSocket `pause`) until `onDrain` fires. Devices are slowed, never dropped.
   */
  readonly saturated: boolean;
  /** Registers a lasting listener, called every time `saturated` turns false again. */
  onDrain(listener: () => void): void;
}
