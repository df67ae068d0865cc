import { BuoyModel, type BuoyProfile, createBuoys } from './buoys.js';
import { Environment } from './environment.js';
import { createFleet, type VesselProfile } from './fleet.js';
import { AisTransponder, BuoyTelemetry, type Emission, RdssTerminal, type Reporter, RnssTerminal, ShoreStation } from './reports.js';
import { VesselModel } from './voyage.js';

/**
 * The simulated world without any I/O: fleet, buoys and their devices, driven by `advanceTo`.
 * Deterministic: the same options give the same emissions in the same order.
 *
 * Time and `speed`: every timestamp the devices write is wall time (so the gateway sees current
 * data, never the future) and every device keeps its real cadence in wall time (AIS every 10 s,
 * a buoy batch every 10 min…). The world (vessel motion, daily cycles, trips) runs `speed` times
 * faster: world = start + (wall − start) × speed. At speed N a vessel moving at 9 kn covers 9·N kn
 * worth of ground between two reports while still reporting SOG 9 kn, and a simulated day passes
 * in 24/N hours; the gateway's implied-speed checks will flag that above a few × speed.
 */

export interface SimulationOptions {
  seed: number;
  vessels: number;
  buoys: number;
  /** World time per wall time; 1 = real time. */
  speed: number;
  /** Wall time the simulation starts at, ms since epoch. */
  start: number;
}

/** The fleet already lives this long before the start, so that it is spread out at sea (the longest trip is 18 h). */
const PRE_ROLL_MS = 24 * 3_600_000;

export class Simulation {
  readonly fleet: readonly VesselProfile[];
  readonly buoys: readonly BuoyProfile[];
  readonly vessels: readonly VesselModel[];
  private readonly queue = new DueQueue();

  constructor(readonly options: SimulationOptions) {
    const { seed, start, speed } = options;
    if (!(speed > 0)) throw new RangeError(`speed ${speed} must be above 0`);
    const env = new Environment(seed);
    const world = (wall: number) => start + (wall - start) * speed;
    this.fleet = createFleet(seed, options.vessels);
    this.buoys = createBuoys(options.buoys);
    this.vessels = this.fleet.map((p) => new VesselModel(p, env, seed, start - PRE_ROLL_MS));
    const station = new ShoreStation();
    for (const v of this.vessels) {
      const p = v.profile;
      if (p.ais) this.queue.add(new AisTransponder(v, p.ais, station, world, start, seed));
      this.queue.add(p.beidou.link === 'rdss' ? new RdssTerminal(v, world, start, seed) : new RnssTerminal(v, world, start, seed));
    }
    for (const b of this.buoys) this.queue.add(new BuoyTelemetry(new BuoyModel(b, env, seed), world, start, seed));
  }

  /** Devices with a WebSocket of their own: Beidou 4G terminals and buoys. */
  get webSocketDevices(): string[] {
    const ids: string[] = [];
    for (const p of this.fleet) if (p.beidou.deviceId) ids.push(p.beidou.deviceId);
    for (const b of this.buoys) ids.push(b.deviceId);
    return ids;
  }

  /** Fire, in time order, everything due up to wall time `wall`. */
  advanceTo(wall: number, emit: (e: Emission) => void): void {
    this.queue.runUntil(wall, emit);
  }
}

/** Reporters ordered by due time (ties in the order they were added): a binary min-heap. */
class DueQueue {
  private readonly heap: { r: Reporter; order: number }[] = [];
  private added = 0;

  add(r: Reporter): void {
    this.heap.push({ r, order: this.added++ });
    this.up(this.heap.length - 1);
  }

  runUntil(wall: number, emit: (e: Emission) => void): void {
    const h = this.heap;
    while (h.length > 0 && h[0].r.due <= wall) {
      h[0].r.fire(emit);
      this.down(0);
    }
  }

  private before(i: number, j: number): boolean {
    const a = this.heap[i];
    const b = this.heap[j];
    return a.r.due < b.r.due || (a.r.due === b.r.due && a.order < b.order);
  }

  private swap(i: number, j: number): void {
    [this.heap[i], this.heap[j]] = [this.heap[j], this.heap[i]];
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.before(l, m)) m = l;
      if (r < n && this.before(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
