import { DecodeError } from '../../core/errors.js';
import { defaultCodecRegistry } from '../../gateway/decoders/beidou/index.js';
import { LineDecoder, type LineRecord } from '../../gateway/decoders/line.js';
import { decodeEnvelope, type EnvelopeRecord } from '../../gateway/decoders/protobuf/index.js';
import { TERMINAL_MODELS } from '../../gateway/simulator/fleet.js';
import type { Emission } from '../../gateway/simulator/reports.js';
import { Simulation, type SimulationOptions } from '../../gateway/simulator/simulation.js';

export const HOUR = 3_600_000;

/** A fix as decoded from the wire, under the identifier it arrived with. */
export interface WireFix {
  /** `mmsi:…`, `bds:…` (RDSS card) or `dev:…` (4G terminal, from the tag block) */
  key: string;
  time: number;
  lat: number;
  lon: number;
  sog?: number;
}

export interface Decoded {
  emissions: Emission[];
  lines: { link: string; line: string; record: LineRecord }[];
  envelopes: EnvelopeRecord[];
  fixes: WireFix[];
  errors: string[];
}

/** Codecs as a gateway configured for the simulated terminal models would have them. */
export function simulatorCodecs() {
  return defaultCodecRegistry({ bf01: { speedToKnots: TERMINAL_MODELS.rdss.speedToKnots }, models: { [TERMINAL_MODELS.rdss.model]: TERMINAL_MODELS.rdss.codec } });
}

/** Decodes everything the simulator sends with the gateway's own decoders, one decoder per connection. */
export class WireDecoder {
  readonly out: Decoded = { emissions: [], lines: [], envelopes: [], fixes: [], errors: [] };
  private readonly decoders = new Map<string, LineDecoder>();

  line(link: string, line: string): void {
    let d = this.decoders.get(link);
    if (!d) this.decoders.set(link, (d = new LineDecoder({ codecs: simulatorCodecs() })));
    const r = d.decode(line);
    if (r === null) return;
    if (r instanceof DecodeError) {
      this.out.errors.push(`${link}: ${r.code}: ${r.message}: ${line}`);
      return;
    }
    this.out.lines.push({ link, line, record: r });
    if (r.kind === 'ais' && r.lat !== undefined && r.lon !== undefined && [1, 2, 3, 18].includes(r.type)) {
      this.out.fixes.push({ key: `mmsi:${r.mmsi}`, time: r.rxTime!, lat: r.lat, lon: r.lon, sog: r.sog });
    } else if (r.kind === 'rdss') {
      for (const f of r.fixes ?? []) this.out.fixes.push({ key: `bds:${r.card}`, time: f.time!, lat: f.lat, lon: f.lon, sog: f.sog });
    } else if (r.kind === 'gnss' && r.sentence === 'RMC' && r.lat !== undefined && r.lon !== undefined) {
      this.out.fixes.push({ key: `dev:${r.station}`, time: r.time!, lat: r.lat, lon: r.lon, sog: r.sog });
    }
  }

  frame(bytes: Uint8Array): EnvelopeRecord | undefined {
    const r = decodeEnvelope(bytes);
    if (r instanceof DecodeError) {
      this.out.errors.push(`frame: ${r.code}: ${r.message}`);
      return undefined;
    }
    this.out.envelopes.push(r);
    return r;
  }

  emission(e: Emission): void {
    this.out.emissions.push(e);
    if (e.kind === 'nmea') for (const l of e.lines) this.line(e.link, l);
    else if (e.kind === 'text') for (const l of e.text.split('\r\n')) this.line(e.deviceId, l);
    else if (e.kind === 'frame') this.frame(e.bytes);
  }

  finish(): Decoded {
    for (const [link, d] of this.decoders) for (const e of d.finish()) this.out.errors.push(`${link}: ${e.code}: ${e.message}`);
    return this.out;
  }
}

/** Run a simulation offline for `hours` of wall time and decode all of it. */
export function runOffline(options: SimulationOptions, hours: number): { sim: Simulation; decoded: Decoded } {
  const sim = new Simulation(options);
  const wire = new WireDecoder();
  sim.advanceTo(options.start + hours * HOUR, (e) => wire.emission(e));
  return { sim, decoded: wire.finish() };
}
