import { type Environment, inFishingBan, localMidnight } from './environment.js';
import type { Gear, VesselProfile } from './fleet.js';
import {
  type Area,
  bearingDeg,
  destination,
  distanceM,
  GROUNDS,
  KNOT_M_S,
  type LatLon,
  normDeg,
  PORTS,
  type Port,
  RANCH_ZONES,
  turnDeg,
} from './geo.js';
import { Random } from './random.js';

/**
 * What one vessel does, in simulated ("world") time: in port → outbound (8–10 kn) → fishing with
 * its gear's pattern → inbound → in port, day after day, with rest days, weather days, the
 * summer ban, silences and, for the `goes-dark` vessel, illegal trawling in a marine ranch with
 * its transmitters off.
 *
 * The model moves on a fixed 5 s grid from its own epoch and draws from its own random stream,
 * so its track does not depend on when or how often it is asked where it is.
 */

export type Activity = 'in-port' | 'outbound' | 'fishing' | 'inbound';

/** AIS navigational status codes the fleet uses. */
const NAV_STATUS = { underWay: 0, moored: 5, fishing: 7 } as const;

export interface VesselState {
  /** world time, ms since epoch */
  time: number;
  position: LatLon;
  /** knots over ground */
  sog: number;
  /** degrees true */
  cog: number;
  /** degrees true */
  heading: number;
  /** degrees per minute, + to starboard */
  rot: number;
  activity: Activity;
  navStatus: number;
  /** false while the crew has switched the transmitters off */
  transmitting: boolean;
}

type Leg =
  | { kind: 'go'; to: LatLon; sog: number }
  /** Lie still (hauling, soaking nets, pursing) and drift with `drift` × the tidal stream. */
  | { kind: 'hold'; duration: number; drift: number; until?: number }
  /** Turn at constant rate around a circle of `radius` m (a purse seine being shot). */
  | { kind: 'circle'; sog: number; radius: number; degrees: number; turned: number; sense: 1 | -1 };

interface Trip {
  ground: Area;
  /** Return to the berth by this time. */
  returnBy: number;
  fishingEnd?: number;
  /** Course of the trawl tows. */
  towAxis: number;
  /** Transmitters off in [from, to). */
  silence?: { from: number; to: number };
  /** Trawling inside a marine ranch with the transmitters off near it. */
  illegal: boolean;
}

const STEP_MS = 5000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RAD = Math.PI / 180;
/** knots gained or lost per second under way */
const ACCELERATION = 0.12;
/** The `goes-dark` vessel is silent within this distance of the ranch's edge. */
const DARK_MARGIN_M = 3000;

/** Local departure and return hours by gear: day boats out before dawn, purse seiners overnight. */
const SCHEDULE: Record<Gear, { depart: readonly [number, number]; back: readonly [number, number]; overnight: boolean }> = {
  'trawl': { depart: [3, 6], back: [15, 18.5], overnight: false },
  'gillnet': { depart: [4, 6], back: [13, 16], overnight: false },
  'stow-net': { depart: [4.5, 6.5], back: [12, 15], overnight: false },
  'purse-seine': { depart: [15, 17], back: [6, 9], overnight: true },
};

export class VesselModel {
  private readonly rng: Random;
  private readonly port: Port;
  /** This vessel's place at the moorings. */
  private readonly berth: LatLon;
  private readonly transitSpeed: number;
  /** degrees per second */
  private readonly turnRate: number;
  /** Where this stow-net boat's fixed nets stand. */
  private readonly netSites: LatLon[] = [];

  private t: number;
  private pos: LatLon;
  private heading: number;
  /** knots through the water along the heading */
  private way = 0;
  private rot = 0;
  private drift = { east: 0, north: 0 };
  private activity: Activity = 'in-port';
  private legs: Leg[] = [];
  private nextDeparture: number;
  private trip: Trip | undefined;
  private netIndex = 0;

  constructor(
    readonly profile: VesselProfile,
    private readonly env: Environment,
    seed: number,
    /** World time at which the vessel is moored in its home port, before anything happens. */
    epoch: number,
  ) {
    this.rng = new Random(seed, 'vessel', profile.hullName);
    this.port = PORTS[profile.homePort];
    this.berth = destination(this.port.berth, this.rng.range(0, 360), this.rng.range(10, 150));
    const big = profile.length >= 25;
    this.transitSpeed = big ? this.rng.range(9, 10) : this.rng.range(8, 9.2);
    this.turnRate = big ? 2 : 3;
    if (profile.gear === 'stow-net') {
      const ground = this.pickGround();
      for (let i = 0; i < 3; i++) this.netSites.push(destination(ground.center, this.rng.range(0, 360), this.rng.range(0, 0.6) * ground.radiusM));
    }
    this.t = epoch;
    this.pos = this.berth;
    this.heading = this.rng.range(0, 360);
    this.nextDeparture = this.plannedDeparture(epoch);
  }

  /** Where the vessel is at world time `time` (not before the last time asked). */
  stateAt(time: number): VesselState {
    this.advance(time);
    const dt = Math.max(0, time - this.t) / 1000;
    const v = this.velocity();
    const moved = this.activity === 'in-port' ? this.pos : offset(this.pos, v.east * dt, v.north * dt);
    const sog = Math.hypot(v.east, v.north) / KNOT_M_S;
    return {
      time,
      position: moved,
      sog,
      cog: sog < 0.05 ? this.heading : normDeg(Math.atan2(v.east, v.north) / RAD),
      heading: this.heading,
      rot: this.rot,
      activity: this.activity,
      navStatus: this.activity === 'in-port' ? NAV_STATUS.moored : this.activity === 'fishing' ? NAV_STATUS.fishing : NAV_STATUS.underWay,
      transmitting: this.transmitting(moved, time),
    };
  }

  private transmitting(position: LatLon, time: number): boolean {
    const trip = this.trip;
    if (this.activity === 'in-port' || !trip) return true;
    if (trip.silence && time >= trip.silence.from && time < trip.silence.to) return false;
    return !(trip.illegal && distanceM(position, trip.ground.center) < trip.ground.radiusM + DARK_MARGIN_M);
  }

  /** m s-1 east and north: own way along the heading plus the drift of the stream. */
  private velocity(): { east: number; north: number } {
    const w = this.way * KNOT_M_S;
    return { east: w * Math.sin(this.heading * RAD) + this.drift.east, north: w * Math.cos(this.heading * RAD) + this.drift.north };
  }

  private advance(time: number): void {
    while (this.t + STEP_MS <= time) {
      if (this.activity === 'in-port' && this.nextDeparture > this.t + STEP_MS) {
        // Nothing moves at the moorings: skip whole steps up to the departure (or the asked time).
        const until = Math.min(time, this.nextDeparture);
        this.t += Math.floor((until - this.t) / STEP_MS) * STEP_MS;
        if (this.t + STEP_MS > time) break;
      }
      this.step();
    }
  }

  private step(): void {
    const t = this.t;
    if (this.activity === 'in-port' && t >= this.nextDeparture) this.depart();
    if (this.activity === 'fishing' && this.trip?.fishingEnd !== undefined && t >= this.trip.fishingEnd) this.headHome();
    const dt = STEP_MS / 1000;
    let leg = this.currentLeg();
    // A plan can finish several legs at once (a hold that was due, a waypoint already reached).
    for (let guard = 0; leg && guard < 8 && this.legDone(leg); guard++) {
      this.legs.shift();
      leg = this.currentLeg();
    }
    const before = this.heading;
    this.drift = { east: 0, north: 0 };
    if (leg?.kind === 'go') {
      const turn = turnDeg(this.heading, bearingDeg(this.pos, leg.to));
      this.heading = normDeg(this.heading + clamp(turn, this.turnRate * dt));
      this.way = approach(this.way, leg.sog, ACCELERATION * dt);
    } else if (leg?.kind === 'circle') {
      const rate = (Math.max(this.way, 1) * KNOT_M_S) / leg.radius / RAD; // deg/s
      this.heading = normDeg(this.heading + leg.sense * rate * dt);
      leg.turned += rate * dt;
      this.way = approach(this.way, leg.sog, ACCELERATION * dt);
    } else if (leg?.kind === 'hold') {
      this.way = approach(this.way, 0, ACCELERATION * dt);
      const c = this.env.current(t);
      const s = c.speed * leg.drift * KNOT_M_S;
      this.drift = { east: s * Math.sin(c.toward * RAD), north: s * Math.cos(c.toward * RAD) };
    } else {
      this.way = 0;
    }
    if (this.activity !== 'in-port') {
      const v = this.velocity();
      this.pos = offset(this.pos, v.east * dt, v.north * dt);
    }
    this.rot = (turnDeg(before, this.heading) / dt) * 60;
    this.t = t + STEP_MS;
  }

  private legDone(leg: Leg): boolean {
    switch (leg.kind) {
      case 'go': {
        // Arrived once inside the turning circle: closer in, the boat would orbit the waypoint.
        const v = Math.max(this.way, 1) * KNOT_M_S;
        return distanceM(this.pos, leg.to) <= Math.max(40, (2 * v) / (this.turnRate * RAD), (v * STEP_MS) / 1000);
      }
      case 'hold':
        leg.until ??= this.t + leg.duration;
        return this.t >= leg.until;
      case 'circle':
        return leg.turned >= leg.degrees;
    }
  }

  /** The leg under way, planning more when the current plan is done. */
  private currentLeg(): Leg | undefined {
    if (this.legs.length === 0) this.planMore();
    return this.legs[0];
  }

  private planMore(): void {
    switch (this.activity) {
      case 'outbound':
        this.startFishing();
        this.legs = this.fishingPattern();
        return;
      case 'fishing':
        this.legs = this.fishingPattern();
        return;
      case 'inbound':
        this.activity = 'in-port';
        this.pos = this.berth;
        this.way = 0;
        this.trip = undefined;
        this.nextDeparture = this.plannedDeparture(this.t);
        return;
      case 'in-port':
        return;
    }
  }

  /** Next departure time after `after`, in the gear's local departure window. */
  private plannedDeparture(after: number): number {
    const s = SCHEDULE[this.profile.gear];
    let day = localMidnight(after);
    for (;;) {
      const t = day + this.rng.range(s.depart[0], s.depart[1]) * HOUR;
      if (t > after) return Math.round(t);
      day += DAY;
    }
  }

  /** Leave now, or stay in for the day: rest day, too much wind for the boat, summer ban. */
  private depart(): void {
    const p = this.profile;
    const wind = this.env.weather(this.t, this.port.offing).windSpeed;
    const windLimit = p.length >= 24 ? 13.9 : 10.8; // Beaufort 7 / 6
    const banned = inFishingBan(this.t) && !p.banPermit && p.role !== 'ban-breaker';
    if (this.rng.chance(0.1) || wind > windLimit || banned) {
      this.nextDeparture = this.plannedDeparture(this.t + 2 * HOUR);
      return;
    }
    const s = SCHEDULE[p.gear];
    const returnDay = localMidnight(this.t) + (s.overnight ? DAY : 0);
    const illegal = p.role === 'goes-dark';
    const ground = illegal ? { ...RANCH_ZONES[0], radiusM: RANCH_ZONES[0].radiusM * 0.7 } : this.pickGround();
    this.trip = {
      ground,
      returnBy: returnDay + this.rng.range(s.back[0], s.back[1]) * HOUR,
      towAxis: this.rng.pick([20, 200]) + this.rng.range(-30, 30),
      illegal,
    };
    const entry = destination(ground.center, this.rng.range(0, 360), this.rng.range(0, 0.5) * ground.radiusM);
    this.activity = 'outbound';
    this.legs = [
      { kind: 'go', to: this.port.mouth, sog: 5 },
      { kind: 'go', to: this.port.offing, sog: this.transitSpeed },
      { kind: 'go', to: entry, sog: this.transitSpeed },
    ];
  }

  /** A ground within a day boat's reach: small boats stay within 30 km of the port, big ones 60 km. */
  private pickGround(): Area {
    const reach = this.profile.length >= 25 ? 60_000 : 30_000;
    return this.rng.pick(GROUNDS.filter((g) => distanceM(this.port.offing, g.center) <= reach));
  }

  private startFishing(): void {
    const trip = this.trip!;
    this.activity = 'fishing';
    const home = distanceM(this.pos, this.port.offing) + distanceM(this.port.offing, this.port.mouth) + distanceM(this.port.mouth, this.berth);
    const homeward = (home / (this.transitSpeed * KNOT_M_S)) * 1000 + 15 * MINUTE;
    trip.fishingEnd = Math.max(this.t + HOUR, trip.returnBy - homeward);
    // A few skippers switch everything off for a while out there.
    if (this.profile.role === 'fisher' && this.rng.chance(0.15)) {
      const from = this.t + this.rng.range(0.2, 0.6) * (trip.fishingEnd - this.t);
      trip.silence = { from, to: from + this.rng.range(1, 3) * HOUR };
    }
  }

  private headHome(): void {
    this.activity = 'inbound';
    this.legs = [
      { kind: 'go', to: this.port.offing, sog: this.transitSpeed },
      { kind: 'go', to: this.port.mouth, sog: 6 },
      { kind: 'go', to: this.berth, sog: 3 },
    ];
  }

  /** The next few legs of the gear's fishing pattern, from where the vessel is now. */
  private fishingPattern(): Leg[] {
    const trip = this.trip!;
    const r = this.rng;
    const minutes = (a: number, b: number) => r.range(a, b) * MINUTE;
    switch (this.profile.gear) {
      case 'trawl': {
        // Tows along the tidal axis, alternating direction (racetrack lines), hauling between.
        trip.towAxis = normDeg(trip.towAxis + 180 + r.range(-10, 10));
        const length = trip.illegal ? r.range(1500, 2200) : r.range(4000, 8000);
        return [
          { kind: 'go', to: this.inside(trip.ground, trip.towAxis, length), sog: r.range(3, 4) },
          { kind: 'hold', duration: minutes(15, 25), drift: 0.5 },
        ];
      }
      case 'gillnet': {
        // Shoot a fleet of nets, let it soak, run back to its start and haul it slowly.
        const start = this.pos;
        const end = this.inside(trip.ground, r.range(0, 360), r.range(2000, 3500));
        return [
          { kind: 'go', to: end, sog: r.range(5, 6) },
          { kind: 'hold', duration: minutes(90, 150), drift: 0.3 },
          { kind: 'go', to: start, sog: 7 },
          { kind: 'go', to: end, sog: r.range(1.2, 1.8) },
        ];
      }
      case 'stow-net': {
        // Visit the fixed nets in turn and haul each.
        const site = this.netSites[this.netIndex++ % this.netSites.length];
        return [
          { kind: 'go', to: site, sog: 6 },
          { kind: 'hold', duration: minutes(40, 70), drift: 0.1 },
        ];
      }
      case 'purse-seine': {
        // Search, shoot the seine round the school, then purse and brail while drifting.
        const school = this.inside(trip.ground, r.range(0, 360), r.range(2000, 4000));
        return [
          { kind: 'go', to: school, sog: 8 },
          { kind: 'circle', sog: 8, radius: r.range(250, 350), degrees: 360, turned: 0, sense: r.chance(0.5) ? 1 : -1 },
          { kind: 'hold', duration: minutes(60, 100), drift: 0.6 },
        ];
      }
    }
  }

  /** `distance` m from here on `bearing`, or the other way, or toward the middle: within the area. */
  private inside(area: Area, bearing: number, distance: number): LatLon {
    for (const b of [bearing, bearing + 180]) {
      const p = destination(this.pos, b, distance);
      if (distanceM(p, area.center) <= area.radiusM) return p;
    }
    return destination(this.pos, bearingDeg(this.pos, area.center), Math.min(distance, distanceM(this.pos, area.center)));
  }
}

function clamp(v: number, limit: number): number {
  return Math.max(-limit, Math.min(limit, v));
}

function approach(v: number, target: number, maxChange: number): number {
  return v + clamp(target - v, maxChange);
}

/** Move by metres east and north (flat over one step). */
function offset(p: LatLon, east: number, north: number): LatLon {
  return { lat: p.lat + north / 111_195, lon: p.lon + east / (111_195 * Math.cos(p.lat * RAD)) };
}
