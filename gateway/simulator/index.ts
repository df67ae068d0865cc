import type { BuoyProfile } from './buoys.js';
import type { VesselProfile } from './fleet.js';
import type { Emission } from './reports.js';
import { Simulation } from './simulation.js';
import {
  type Backoff,
  DEFAULT_BACKOFF,
  DeviceLink,
  ingestUrl,
  type LinkEvent,
  parseTcpUrl,
  probeGateway,
  SimulatorError,
  TcpLineLink,
} from './transport.js';

/**
 * `startSimulator`: the simulated fleet and buoys talking to a gateway over its real ports, for
 * `tidewatch simulate` (a remote gateway) and `tidewatch serve --simulate` (its own ports).
 */

export { SimulatorError, type LinkEvent } from './transport.js';
export { createFleet, simulatedTerminalIntervals, TERMINAL_MODELS, type VesselProfile } from './fleet.js';
export type { BuoyProfile } from './buoys.js';
/** Ports and marine ranches, for a demo gateway's port and no-trawling zones. */
export { PORTS, RANCH_ZONES } from './geo.js';

export interface SimulatorOptions {
  /** Gateway base URL (http:// or https://); devices connect to its `/ingest` WebSocket. */
  url: string;
  /** The gateway's NMEA TCP port, `tcp://host:port`. */
  nmea: string;
  /** Device token for `Authorization: Bearer`, one for all devices or one per device id. */
  token: string | ((deviceId: string) => string);
  /** default 40 */
  vessels?: number;
  /** default 4 */
  buoys?: number;
  /** World time per wall time (see Simulation); default 1 */
  speed?: number;
  /** default 1 */
  seed?: number;
  /** Handshake with the gateway first and fail at once on a wrong URL or token (default true). */
  probe?: boolean;
  /** Connection events (connected, disconnected, unreachable, refused). */
  onEvent?: (e: LinkEvent) => void;
  /** Wall clock, ms since epoch (tests run a faster one); default Date.now. */
  clock?: () => number;
  reconnect?: Backoff;
}

export interface SimulatorStats {
  /** Since the start: AIS sentences, RDSS short messages, RNSS messages (RMC + GGA), buoy batches, health frames. */
  aisSentences: number;
  rdssMessages: number;
  rnssMessages: number;
  buoyBatches: number;
  healthFrames: number;
  framesAcked: number;
  framesResent: number;
  framesUnacked: number;
  /** Lines or frames given up because a backlog was full. */
  dropped: number;
  /** WebSocket devices, and how many are connected now. */
  devices: number;
  devicesConnected: number;
  nmeaConnected: { ais: boolean; rdss: boolean };
}

export interface SimulatorHandle {
  readonly fleet: readonly VesselProfile[];
  readonly buoys: readonly BuoyProfile[];
  stats(): SimulatorStats;
  /** Stop the clock and close every connection. */
  stop(): Promise<void>;
}

/** How often the simulation catches up with the clock (devices are due every few seconds). */
const TICK_MS = 200;

function count(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new SimulatorError(`${name} must be a whole number from ${min} to ${max} (got ${v})`);
  return v;
}

/**
 * Starts the simulation and its connections. Resolves once the gateway has accepted a WebSocket
 * handshake with the token and a connection to its NMEA port (unless `probe` is false); rejects
 * with a SimulatorError saying what is wrong (bad option, unreachable gateway, refused token).
 * After that, lost connections are retried with backoff until `stop()`.
 */
export async function startSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const wsUrl = ingestUrl(options.url);
  const nmea = parseTcpUrl(options.nmea);
  const vessels = count('vessels', options.vessels, 40, 0, 9000);
  const buoys = count('buoys', options.buoys, 4, 0, 99);
  const seed = count('seed', options.seed, 1, 0, 2 ** 32 - 1);
  const speed = options.speed ?? 1;
  if (!(speed > 0 && speed <= 10_000)) throw new SimulatorError(`speed must be above 0 and at most 10000 (got ${speed})`);
  const clock = options.clock ?? Date.now;
  const onEvent = options.onEvent ?? (() => {});
  const token = options.token;
  const tokenFor = typeof token === 'function' ? token : () => token;
  const backoff = options.reconnect ?? DEFAULT_BACKOFF;

  const begin = () => new Simulation({ seed, vessels, buoys, speed, start: Math.round(clock()) });
  let sim = begin();
  const deviceIds = sim.webSocketDevices;
  for (const id of deviceIds) if (!tokenFor(id)) throw new SimulatorError(`no device token for ${id}: give --token or TIDEWATCH_TOKEN`);
  if (options.probe !== false) {
    await probeGateway(wsUrl, deviceIds.length > 0 ? tokenFor(deviceIds[0]) : undefined, nmea);
    sim = begin(); // the world starts once the gateway is known to listen
  }

  const tcp = {
    ais: new TcpLineLink(nmea, 'tcp ais shore station', onEvent, backoff),
    rdss: new TcpLineLink(nmea, 'tcp rdss command terminal', onEvent, backoff),
  };
  const devices = new Map<string, DeviceLink>();
  for (const id of deviceIds) devices.set(id, new DeviceLink({ url: wsUrl, deviceId: id, token: tokenFor(id), onEvent, backoff }));

  const totals = { aisSentences: 0, rdssMessages: 0, rnssMessages: 0, buoyBatches: 0, healthFrames: 0 };
  const dispatch = (e: Emission): void => {
    switch (e.kind) {
      case 'nmea':
        tcp[e.link].send(e.lines);
        if (e.link === 'ais') totals.aisSentences += e.lines.length;
        else totals.rdssMessages += e.lines.length;
        return;
      case 'text':
        devices.get(e.deviceId)!.sendText(e.text);
        totals.rnssMessages++;
        return;
      case 'frame':
        devices.get(e.deviceId)!.sendFrame(e.bootId, e.seq, e.bytes);
        if (e.payload === 'buoy-batch') totals.buoyBatches++;
        else totals.healthFrames++;
        return;
      case 'power':
        devices.get(e.deviceId)!.setPower(e.on);
        return;
    }
  };
  const tick = () => sim.advanceTo(clock(), dispatch);
  tick();
  const timer = setInterval(tick, TICK_MS);

  return {
    fleet: sim.fleet,
    buoys: sim.buoys,
    stats(): SimulatorStats {
      const links = [...devices.values()];
      const sum = (k: keyof DeviceLink['counts']) => links.reduce((s, l) => s + l.counts[k], 0);
      return {
        ...totals,
        framesAcked: sum('framesAcked'),
        framesResent: sum('framesResent'),
        framesUnacked: links.reduce((s, l) => s + l.unackedCount, 0),
        dropped: sum('framesDropped') + tcp.ais.counts.dropped + tcp.rdss.counts.dropped,
        devices: links.length,
        devicesConnected: links.filter((l) => l.isOpen).length,
        nmeaConnected: { ais: tcp.ais.isConnected, rdss: tcp.rdss.isConnected },
      };
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await Promise.all([tcp.ais.close(), tcp.rdss.close(), ...[...devices.values()].map((d) => d.close())]);
    },
  };
}
