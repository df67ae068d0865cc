import { type AisInput, encodeAisSentences } from '../decoders/ais/index.js';
import { buildSentence, bytesToHex, encodeBf01, type PayloadFix } from '../decoders/beidou/index.js';
import { hex2, xorChecksum } from '../decoders/nmea/frame.js';
import { encodeEnvelope, type PayloadInput } from '../decoders/protobuf/index.js';
import type { BuoyModel } from './buoys.js';
import { TERMINAL_MODELS, type VesselProfile } from './fleet.js';
import { PORTS } from './geo.js';
import { Random } from './random.js';
import type { VesselModel, VesselState } from './voyage.js';

/**
 * The devices of the simulated world and what they put on the wire: AIS transponders heard by a
 * shore station, Beidou RDSS terminals heard through a command terminal, Beidou 4G terminals
 * sending their own RNSS NMEA, and buoys sending protobuf Envelopes. Each device keeps its own
 * cadence in wall time; what it reports (positions, values) comes from world time.
 */

/** What leaves the simulator; transport.ts puts each on its connection. */
export type Emission =
  /** Lines for an NMEA TCP connection: the AIS shore station's or the RDSS command terminal's. */
  | { kind: 'nmea'; link: NmeaLink; lines: string[] }
  /** NMEA text from a device's own WebSocket (one text message). */
  | { kind: 'text'; deviceId: string; text: string }
  /** A protobuf Envelope from a device's own WebSocket. */
  | { kind: 'frame'; deviceId: string; bootId: number; seq: number; bytes: Uint8Array; payload: 'buoy-batch' | 'health' }
  /** A device switched on or off: its connection opens or closes. */
  | { kind: 'power'; deviceId: string; on: boolean };

export type NmeaLink = 'ais' | 'rdss';

/** Wall time → world time (see Simulation for the semantics of --speed). */
export type WorldClock = (wall: number) => number;

/** A device with its next due time (wall ms); `fire` sends what is due then and moves `due` on. */
export interface Reporter {
  due: number;
  fire(emit: (e: Emission) => void): void;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** AIS shore station id written into every tag block. */
export const SHORE_STATION = 'rizhao-ais-1';

/** Reporting intervals (wall time). */
export const CADENCE = {
  aisClassAUnderway: 10 * SECOND,
  aisClassAMoored: 3 * MINUTE,
  aisClassBUnderway: 30 * SECOND,
  aisClassBSlow: 3 * MINUTE,
  aisStatic: 6 * MINUTE,
  rdssFix: MINUTE,
  /** One BF01 message carries five fixes. */
  rdssBurst: TERMINAL_MODELS.rdss.reportIntervalMs,
  rnss: TERMINAL_MODELS['rnss-4g'].reportIntervalMs,
  buoyBatch: 10 * MINUTE,
  buoySample: 2 * MINUTE,
  buoyHealth: 60 * MINUTE,
} as const;

/** An NMEA 4.0 tag block: `\s:station,c:unix seconds*hh\`. */
function tagBlock(params: string): string {
  return `\\${params}*${hex2(xorChecksum(params, 0, params.length))}\\`;
}

/** ddmm.mmmmm / dddmm.mmmmm, rounding carried into the degrees. */
function nmeaAngle(value: number, degDigits: number): string {
  const units = Math.round(Math.abs(value) * 60 * 1e5);
  const deg = Math.floor(units / 6e6);
  return `${String(deg).padStart(degDigits, '0')}${((units - deg * 6e6) / 1e5).toFixed(5).padStart(8, '0')}`;
}

/** Course and heading as the wire fields want them: tenths 0–359.9, whole degrees 0–359. */
const tenths = (deg: number): number => (Math.round(deg * 10) % 3600) / 10;
const whole = (deg: number): number => Math.round(deg) % 360;

/**
 * The shore AIS receiver: tags each sentence with itself and the receive time, and numbers
 * multi-sentence messages (sequential message id and tag-block group) as receivers do.
 */
export class ShoreStation {
  private sequence = 0;
  private group = 0;

  lines(record: AisInput, channel: 'A' | 'B', wall: number): string[] {
    const sentences = encodeAisSentences(record, { channel, sequenceId: this.sequence });
    const c = `c:${Math.floor(wall / SECOND)}`;
    if (sentences.length === 1) return [`${tagBlock(`s:${SHORE_STATION},${c}`)}${sentences[0]}`];
    this.sequence = (this.sequence + 1) % 10;
    this.group = (this.group % 9999) + 1;
    return sentences.map((s, i) => `${tagBlock(`g:${i + 1}-${sentences.length}-${this.group},s:${SHORE_STATION},${c}`)}${s}`);
  }
}

export class AisTransponder implements Reporter {
  due: number;
  private positionDue: number;
  private staticDue: number;
  private channel: 'A' | 'B' = 'A';

  constructor(
    private readonly vessel: VesselModel,
    private readonly ais: NonNullable<VesselProfile['ais']>,
    private readonly station: ShoreStation,
    private readonly world: WorldClock,
    start: number,
    seed: number,
  ) {
    const rng = new Random(seed, 'ais', ais.mmsi);
    this.positionDue = start + Math.round(rng.range(0, ais.class === 'A' ? 10 : 30) * SECOND);
    this.staticDue = start + Math.round(rng.range(1, 45) * SECOND);
    this.due = Math.min(this.positionDue, this.staticDue);
  }

  fire(emit: (e: Emission) => void): void {
    const now = this.due;
    const s = this.vessel.stateAt(this.world(now));
    const lines: string[] = [];
    if (now === this.positionDue) {
      if (s.transmitting) lines.push(...this.send(this.position(s, now), now));
      this.positionDue = now + this.interval(s);
    }
    if (now === this.staticDue) {
      if (s.transmitting) for (const record of this.statics()) lines.push(...this.send(record, now));
      this.staticDue = now + CADENCE.aisStatic;
    }
    if (lines.length > 0) emit({ kind: 'nmea', link: 'ais', lines });
    this.due = Math.min(this.positionDue, this.staticDue);
  }

  private send(record: AisInput, now: number): string[] {
    this.channel = this.channel === 'A' ? 'B' : 'A';
    return this.station.lines(record, this.channel, now);
  }

  /** ITU-R M.1371: class A moored → 3 min, otherwise 10 s at fishing speeds; class B CS at 2 kn or less → 3 min. */
  private interval(s: VesselState): number {
    if (this.ais.class === 'A') return s.activity === 'in-port' ? CADENCE.aisClassAMoored : CADENCE.aisClassAUnderway;
    return s.sog <= 2 ? CADENCE.aisClassBSlow : CADENCE.aisClassBUnderway;
  }

  private position(s: VesselState, now: number): AisInput {
    const common = {
      mmsi: this.ais.mmsi,
      lat: s.position.lat,
      lon: s.position.lon,
      sog: Math.round(s.sog * 10) / 10,
      cog: tenths(s.cog),
      accuracy: false,
      raim: false,
      second: new Date(now).getUTCSeconds(),
    };
    if (this.ais.class === 'B') {
      // Most class B sets have no heading sensor: heading stays "not available".
      return { type: 18, ...common, cs: true, display: false, dsc: true, band: true, msg22: true, assigned: false };
    }
    return { type: 1, ...common, navStatus: s.navStatus, rot: s.activity === 'in-port' ? 0 : s.rot, heading: whole(s.heading) };
  }

  private statics(): AisInput[] {
    const p = this.vessel.profile;
    const bow = Math.round(p.length * 0.65);
    const port = Math.round(p.beam / 2);
    const dims = { dimToBow: bow, dimToStern: Math.round(p.length) - bow, dimToPort: port, dimToStarboard: Math.max(1, Math.round(p.beam) - port) };
    const fishing = 30; // AIS ship type "fishing"
    if (this.ais.class === 'B') {
      return [
        { type: 24, mmsi: this.ais.mmsi, partNumber: 0, name: p.aisName },
        { type: 24, mmsi: this.ais.mmsi, partNumber: 1, shipType: fishing, callsign: p.callsign, ...dims },
      ];
    }
    return [
      {
        type: 5,
        mmsi: this.ais.mmsi,
        aisVersion: 2,
        callsign: p.callsign,
        name: p.aisName,
        shipType: fishing,
        ...dims,
        epfd: 1,
        draught: p.draught,
        destination: PORTS[p.homePort].aisName,
        dte: 0,
      },
    ];
  }
}

/**
 * A Beidou RDSS terminal: records a fix a minute and sends five at a time as a BF01 short
 * message, which the shore command terminal outputs as `$BDTXR` (2.1, normal, code form).
 */
export class RdssTerminal implements Reporter {
  due: number;
  private fixDue: number;
  private burstDue: number;
  private pending: PayloadFix[] = [];

  constructor(
    private readonly vessel: VesselModel,
    private readonly world: WorldClock,
    start: number,
    seed: number,
  ) {
    const rng = new Random(seed, 'rdss', vessel.profile.beidou.card);
    // The first message goes out within the first minute, carrying the fix taken then.
    this.burstDue = start + Math.round(rng.range(10, 55) * SECOND);
    this.fixDue = this.burstDue;
    this.due = this.burstDue;
  }

  fire(emit: (e: Emission) => void): void {
    const now = this.due;
    const s = this.vessel.stateAt(this.world(now));
    if (now === this.fixDue) {
      // A terminal switched off loses what it had not sent.
      if (s.transmitting) this.pending.push(this.fix(s, now));
      else this.pending = [];
      this.fixDue = now + CADENCE.rdssFix;
    }
    if (now === this.burstDue) {
      if (s.transmitting && this.pending.length > 0) {
        const card = this.vessel.profile.beidou.card;
        const content = encodeBf01(this.pending, { terminalId: Number(card), speedToKnots: TERMINAL_MODELS.rdss.speedToKnots });
        emit({ kind: 'nmea', link: 'rdss', lines: [buildSentence('BDTXR', [1, card, 1, '', bytesToHex(content)])] });
      }
      this.pending = [];
      this.burstDue = now + CADENCE.rdssBurst;
    }
    this.due = Math.min(this.fixDue, this.burstDue);
  }

  private fix(s: VesselState, now: number): PayloadFix {
    return {
      time: Math.floor(now / SECOND) * SECOND,
      lat: s.position.lat,
      lon: s.position.lon,
      altitude: 5, // antenna above the sea
      sog: s.sog,
      heading: whole(s.cog),
    };
  }
}

/**
 * A Beidou 4G terminal streaming its own receiver's RMC and GGA over its WebSocket. The lines
 * carry a tag block naming the terminal (`s:`), so its fixes stay its own even when several
 * terminals share one access token.
 */
export class RnssTerminal implements Reporter {
  due: number;
  private powered = true;
  private readonly deviceId: string;
  private readonly rng: Random;

  constructor(
    private readonly vessel: VesselModel,
    private readonly world: WorldClock,
    start: number,
    seed: number,
  ) {
    this.deviceId = vessel.profile.beidou.deviceId!;
    this.rng = new Random(seed, 'rnss', this.deviceId);
    this.due = start + Math.round(this.rng.range(0, 30) * SECOND);
  }

  fire(emit: (e: Emission) => void): void {
    const now = this.due;
    const s = this.vessel.stateAt(this.world(now));
    if (s.transmitting !== this.powered) {
      this.powered = s.transmitting;
      emit({ kind: 'power', deviceId: this.deviceId, on: this.powered });
    }
    if (this.powered) emit({ kind: 'text', deviceId: this.deviceId, text: this.sentences(s, now).join('\r\n') });
    this.due = now + CADENCE.rnss;
  }

  private sentences(s: VesselState, now: number): string[] {
    const d = new Date(now);
    const two = (n: number) => String(n).padStart(2, '0');
    const hms = `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}.00`;
    const dmy = `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`;
    const lat = nmeaAngle(s.position.lat, 2);
    const lon = nmeaAngle(s.position.lon, 3);
    const tag = tagBlock(`s:${this.deviceId},c:${Math.floor(now / SECOND)}`);
    const rmc = buildSentence('GNRMC', [hms, 'A', lat, 'N', lon, 'E', s.sog.toFixed(1), tenths(s.cog).toFixed(1), dmy, '', '', 'A']);
    const satellites = this.rng.int(14, 24);
    const hdop = (0.6 + 0.5 * this.rng.next()).toFixed(1);
    const gga = buildSentence('GNGGA', [hms, lat, 'N', lon, 'E', 1, satellites, hdop, '5.2', 'M', '7.9', 'M', '', '']);
    return [tag + rmc, tag + gga];
  }
}

/** A buoy: a batch of five two-minute samples every ten minutes, and a health frame hourly. */
export class BuoyTelemetry implements Reporter {
  due: number;
  private batchDue: number;
  private healthDue: number;
  private seq = 0;
  /** Boot id: the Unix second the buoy (re)started, so a restart never reuses sequence numbers. */
  private readonly bootId: number;

  constructor(
    private readonly buoy: BuoyModel,
    private readonly world: WorldClock,
    private readonly start: number,
    seed: number,
  ) {
    const rng = new Random(seed, 'buoy', buoy.profile.deviceId);
    this.bootId = Math.floor(start / SECOND);
    this.healthDue = start + Math.round(rng.range(1, 5) * SECOND);
    this.batchDue = start + Math.round(rng.range(5, 40) * SECOND);
    this.due = Math.min(this.batchDue, this.healthDue);
  }

  fire(emit: (e: Emission) => void): void {
    const now = this.due;
    if (now === this.healthDue) {
      const uptime = (now - this.start) / SECOND;
      this.send(now, 'health', { type: 'health', health: this.buoy.health(this.world(now), uptime) }, emit);
      this.healthDue = now + CADENCE.buoyHealth;
    }
    if (now === this.batchDue) {
      // The buoy logs a sample every two minutes and sends the last ten minutes' worth.
      const last = Math.floor(now / SECOND) * SECOND;
      const samples = CADENCE.buoyBatch / CADENCE.buoySample;
      const observations = [];
      for (let i = samples - 1; i >= 0; i--) {
        const stamp = last - i * CADENCE.buoySample;
        observations.push(...this.buoy.observe(this.world(stamp), stamp));
      }
      // The GNSS fix at the batch's base time (its first sample), as the schema defines it.
      const baseTime = last - (samples - 1) * CADENCE.buoySample;
      const position = this.buoy.positionAt(this.world(baseTime));
      this.send(now, 'buoy-batch', { type: 'buoy-batch', baseTime, position, averagingPeriod: CADENCE.buoySample / SECOND, observations }, emit);
      this.batchDue = now + CADENCE.buoyBatch;
    }
    this.due = Math.min(this.batchDue, this.healthDue);
  }

  private send(now: number, kind: 'buoy-batch' | 'health', payload: PayloadInput, emit: (e: Emission) => void): void {
    const seq = ++this.seq;
    const deviceId = this.buoy.profile.deviceId;
    const bytes = encodeEnvelope({ deviceId, bootId: this.bootId, seq, sentTime: Math.round(now), payload });
    emit({ kind: 'frame', deviceId, bootId: this.bootId, seq, bytes, payload: kind });
  }
}
