import type { PortId } from './geo.js';
import { Random } from './random.js';

/**
 * Who is in the simulated fleet: identities as the vessel registry holds them (DESIGN §3), drawn
 * from the seed. What the vessels do is in voyage.ts.
 */

export type Gear = 'trawl' | 'gillnet' | 'purse-seine' | 'stow-net';

/** How a Beidou terminal reaches the shore: RDSS short messages, or its own RNSS NMEA over 4G. */
export type BeidouLink = 'rdss' | 'rnss-4g';

/**
 * The simulated terminal models (fictional names). The RDSS model packs five fixes per short
 * message in the BF01 codec with speed in units of 0.1 kn; a gateway's vessel registry binds the
 * model to codec `bf01` with `speedToKnots` 0.1 to read it.
 */
export const TERMINAL_MODELS = {
  // One short message of five 1-min fixes every 5 min.
  'rdss': { model: 'SIM-BD2-BF01', codec: 'bf01', speedToKnots: 0.1, reportIntervalMs: 5 * 60_000 },
  // RNSS NMEA over 4G every 30 s.
  'rnss-4g': { model: 'SIM-BD3-4G', reportIntervalMs: 30_000 },
} as const;

/** Report interval per simulated terminal model, ms: what a gateway's dark rule expects of them. */
export function simulatedTerminalIntervals(): Record<string, number> {
  return Object.fromEntries(Object.values(TERMINAL_MODELS).map((t) => [t.model, t.reportIntervalMs]));
}

/**
 * What the scenario has a vessel do besides fishing: `goes-dark` trawls inside a marine ranch
 * with every transmitter off; `ban-breaker` goes out during the summer fishing ban.
 */
export type Role = 'fisher' | 'goes-dark' | 'ban-breaker';

export interface VesselProfile {
  /** 船名号, e.g. 鲁日渔60123 */
  hullName: string;
  /** The hull name in AIS six-bit text: LU RI YU 60123 */
  aisName: string;
  callsign: string;
  /** Absent: no AIS transponder fitted (small boats often have only the Beidou terminal). */
  ais?: { mmsi: number; class: 'A' | 'B' };
  beidou: {
    /** Card number (用户地址), seven digits as RDSS sentences write it */
    card: string;
    model: string;
    link: BeidouLink;
    /** WebSocket device id of a 4G terminal */
    deviceId?: string;
  };
  gear: Gear;
  homePort: PortId;
  /** metres */
  length: number;
  beam: number;
  draught: number;
  role: Role;
  /** Holds a special permit to fish during the summer ban. */
  banPermit: boolean;
}

const GEAR_MIX: readonly (readonly [Gear, number])[] = [
  ['trawl', 0.4],
  ['gillnet', 0.3],
  ['stow-net', 0.15],
  ['purse-seine', 0.15],
];

const PORT_MIX: readonly (readonly [PortId, number])[] = [
  ['rizhao', 0.45],
  ['lanshan', 0.35],
  ['taohua', 0.2],
];

/** metres: [min, max] length overall by gear */
const LENGTH: Record<Gear, readonly [number, number]> = {
  'trawl': [28, 42],
  'purse-seine': [32, 48],
  'gillnet': [12, 22],
  'stow-net': [14, 24],
};

const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

/** The fleet for a seed (at most 9999 vessels: hull numbers run 60001–69999): the same seed gives the same vessels, in the same order. */
export function createFleet(seed: number, count: number): VesselProfile[] {
  const rng = new Random(seed, 'fleet');
  const used = new Set<string>();
  const unique = (make: () => string): string => {
    for (;;) {
      const v = make();
      if (!used.has(v)) {
        used.add(v);
        return v;
      }
    }
  };
  const fleet: VesselProfile[] = [];
  for (let i = 0; i < count; i++) {
    // The scenario's two special vessels come first so that even a small fleet has them.
    const role: Role = i === 0 ? 'goes-dark' : i === 1 ? 'ban-breaker' : 'fisher';
    const gear: Gear = role === 'fisher' ? rng.weighted(GEAR_MIX) : 'trawl';
    const homePort: PortId = role === 'goes-dark' ? 'rizhao' : role === 'ban-breaker' ? 'lanshan' : rng.weighted(PORT_MIX);
    const big = gear === 'trawl' || gear === 'purse-seine';
    const aisClass = role === 'goes-dark' ? 'A' : rng.weighted<'A' | 'B' | 'none'>(big ? [['A', 0.7], ['B', 0.25], ['none', 0.05]] : [['A', 0.1], ['B', 0.6], ['none', 0.3]]);
    const link: BeidouLink = role === 'goes-dark' ? 'rdss' : rng.chance(0.5) ? 'rdss' : 'rnss-4g';
    const number = unique(() => `6${String(rng.int(1, 9999)).padStart(4, '0')}`);
    const card = unique(() => `03${String(rng.int(0, 99999)).padStart(5, '0')}`);
    const length = Math.round(rng.range(...LENGTH[gear]) * 10) / 10;
    const profile: VesselProfile = {
      hullName: `鲁日渔${number}`,
      aisName: `LU RI YU ${number}`,
      callsign: unique(() => `B${rng.pick([...LETTERS])}${rng.pick([...LETTERS])}${rng.pick([...LETTERS])}${rng.int(1, 9)}`),
      beidou: { card, model: TERMINAL_MODELS[link].model, link },
      gear,
      homePort,
      length,
      beam: Math.round((length / rng.range(4.3, 5.5)) * 10) / 10,
      draught: Math.round(rng.range(0.07, 0.1) * length * 10) / 10,
      role,
      banPermit: gear === 'gillnet' && rng.chance(0.35),
    };
    if (aisClass !== 'none') profile.ais = { mmsi: Number(unique(() => `4123${String(rng.int(0, 99999)).padStart(5, '0')}`)), class: aisClass };
    if (link === 'rnss-4g') profile.beidou.deviceId = `BDT-${card}`;
    fleet.push(profile);
  }
  return fleet;
}
