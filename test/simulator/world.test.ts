import { describe, expect, it } from 'vitest';
import { Environment, inFishingBan } from '../../gateway/simulator/environment.js';
import { createFleet } from '../../gateway/simulator/fleet.js';
import {
  coastLonAt,
  distanceM,
  distanceToCoastM,
  GROUNDS,
  inBounds,
  isAtSea,
  PORTS,
  portAt,
  RANCH_ZONES,
} from '../../gateway/simulator/geo.js';
import { Simulation } from '../../gateway/simulator/simulation.js';
import type { VesselState } from '../../gateway/simulator/voyage.js';
import { HOUR } from './helpers.js';

/** 00:00 Beijing time on 21 November 2026: a whole fishing day follows. */
const MIDNIGHT_LOCAL = Date.UTC(2026, 10, 20, 16);
const MINUTE = 60_000;
const KNOT = 1852 / 3600;

/** Ground truth: every vessel's state once a minute for `hours`. */
function timelines(sim: Simulation, start: number, hours: number, stepMs = MINUTE): VesselState[][] {
  return sim.vessels.map((v) => {
    const out: VesselState[] = [];
    for (let t = start; t <= start + hours * HOUR; t += stepMs) out.push(v.stateAt(t));
    return out;
  });
}

describe('Rizhao geography', () => {
  it('the coastline runs NNE with the sea to the east', () => {
    expect(coastLonAt(35.1)).toBeLessThan(coastLonAt(35.4));
    expect(coastLonAt(35.4)).toBeLessThan(coastLonAt(35.6));
    expect(isAtSea({ lat: 35.4, lon: 119.45 })).toBe(false); // Rizhao city
    expect(isAtSea({ lat: 35.4, lon: 119.8 })).toBe(true);
  });

  it('ports: berths, harbour mouths and offings are on water, mouths further out than berths', () => {
    for (const p of Object.values(PORTS)) {
      for (const point of [p.berth, p.mouth, p.offing]) {
        expect(isAtSea(point), `${p.id} ${JSON.stringify(point)}`).toBe(true);
        expect(inBounds(point)).toBe(true);
      }
      expect(distanceToCoastM(p.mouth)).toBeGreaterThan(distanceToCoastM(p.berth));
      expect(distanceToCoastM(p.offing)).toBeGreaterThan(distanceToCoastM(p.mouth));
      expect(portAt(p.berth)?.id).toBe(p.id);
    }
    expect(PORTS.rizhao.berth.lat).toBeCloseTo(35.38, 1);
    expect(PORTS.lanshan.berth.lat).toBeCloseTo(35.1, 1);
  });

  it('fishing grounds lie 15–60 km offshore; marine ranches near the shore', () => {
    for (const g of GROUNDS) {
      const d = distanceToCoastM(g.center);
      expect(d - g.radiusM, g.id).toBeGreaterThan(10_000);
      expect(d, g.id).toBeGreaterThanOrEqual(15_000);
      expect(d, g.id).toBeLessThanOrEqual(60_000);
    }
    for (const z of RANCH_ZONES) {
      expect(distanceToCoastM(z.center)).toBeGreaterThan(z.radiusM + 3000);
      expect(distanceToCoastM(z.center)).toBeLessThan(15_000);
    }
  });

  it('the summer fishing ban runs from 1 May 12:00 to 1 September 12:00 Beijing time', () => {
    expect(inFishingBan(Date.UTC(2026, 4, 1, 3, 59))).toBe(false);
    expect(inFishingBan(Date.UTC(2026, 4, 1, 4, 0))).toBe(true);
    expect(inFishingBan(Date.UTC(2026, 6, 15))).toBe(true);
    expect(inFishingBan(Date.UTC(2026, 8, 1, 4, 0))).toBe(false);
    expect(inFishingBan(MIDNIGHT_LOCAL)).toBe(false);
  });

  it('sea surface temperature follows the season: cold in February, warm in August', () => {
    const env = new Environment(1);
    expect(env.seasonalSst(Date.UTC(2026, 1, 15))).toBeLessThan(7);
    expect(env.seasonalSst(Date.UTC(2026, 7, 15))).toBeGreaterThan(24);
  });
});

describe('the fleet', () => {
  const fleet = createFleet(7, 200);

  it('registry identities: hull names 鲁日渔6xxxx, MMSI 4123xxxxx, seven-digit Beidou cards, all unique', () => {
    for (const v of fleet) {
      expect(v.hullName).toMatch(/^鲁日渔6\d{4}$/);
      expect(v.aisName).toBe(v.hullName.replace('鲁日渔', 'LU RI YU '));
      expect(v.callsign).toMatch(/^B[A-Z]{3}\d$/);
      expect(v.beidou.card).toMatch(/^03\d{5}$/);
      if (v.ais) expect(String(v.ais.mmsi)).toMatch(/^4123\d{5}$/);
      expect(v.beidou.deviceId === undefined).toBe(v.beidou.link === 'rdss');
    }
    for (const key of ['hullName', 'callsign'] as const) expect(new Set(fleet.map((v) => v[key])).size).toBe(fleet.length);
    expect(new Set(fleet.map((v) => v.beidou.card)).size).toBe(fleet.length);
    const mmsis = fleet.flatMap((v) => (v.ais ? [v.ais.mmsi] : []));
    expect(new Set(mmsis).size).toBe(mmsis.length);
  });

  it('a mix of gear, AIS classes (and none) and Beidou links', () => {
    const kinds = (f: (v: (typeof fleet)[number]) => string) => new Set(fleet.map(f));
    expect(kinds((v) => v.gear)).toEqual(new Set(['trawl', 'gillnet', 'purse-seine', 'stow-net']));
    expect(kinds((v) => v.ais?.class ?? 'none')).toEqual(new Set(['A', 'B', 'none']));
    expect(kinds((v) => v.beidou.link)).toEqual(new Set(['rdss', 'rnss-4g']));
    expect(kinds((v) => v.homePort)).toEqual(new Set(['rizhao', 'lanshan', 'taohua']));
    expect(fleet.filter((v) => v.role === 'goes-dark')).toHaveLength(1);
  });

  it('is the same for the same seed and differs for another', () => {
    expect(createFleet(7, 20)).toEqual(createFleet(7, 20));
    expect(createFleet(8, 20).map((v) => v.hullName)).not.toEqual(createFleet(7, 20).map((v) => v.hullName));
  });
});

describe('a simulated day', () => {
  const sim = new Simulation({ seed: 7, vessels: 40, buoys: 0, speed: 1, start: MIDNIGHT_LOCAL });
  const days = timelines(sim, MIDNIGHT_LOCAL, 26);

  it('vessels leave port, fish and come back', () => {
    let leftAndReturned = 0;
    let roundTrips = 0;
    for (const states of days) {
      const seq = states.map((s) => s.activity).filter((a, i, all) => i === 0 || a !== all[i - 1]);
      // Purse seiners come home in the morning and go out again in the evening; day boats go and come back.
      if (seq.includes('outbound') && seq.includes('inbound') && seq.lastIndexOf('in-port') > 0) leftAndReturned++;
      const left = seq.indexOf('outbound');
      if (left >= 0 && seq.indexOf('fishing', left) > left && seq.indexOf('in-port', left) > left) roundTrips++;
    }
    expect(leftAndReturned).toBeGreaterThanOrEqual(0.75 * days.length);
    expect(roundTrips).toBeGreaterThanOrEqual(0.5 * days.length);
    // Everyone is home some time in the day, and out at some time too, bar rest days.
    expect(days.filter((s) => s.some((x) => x.activity === 'in-port')).length).toBe(days.length);
    expect(days.filter((s) => s.some((x) => x.activity === 'fishing')).length).toBeGreaterThanOrEqual(0.8 * days.length);
  });

  it('every position is at sea and inside the Rizhao box', () => {
    for (const states of days) {
      for (const s of states) {
        expect(inBounds(s.position)).toBe(true);
        if (!portAt(s.position)) expect(isAtSea(s.position), JSON.stringify(s)).toBe(true);
      }
    }
  });

  it('speeds are plausible: transit 8–10 kn, trawling 3–4 kn, never a jump', () => {
    for (const [i, states] of days.entries()) {
      for (let k = 1; k < states.length; k++) {
        const kn = distanceM(states[k - 1].position, states[k].position) / 60 / KNOT;
        expect(kn, `${sim.fleet[i].hullName} at ${k} min`).toBeLessThan(12);
      }
      const transit = states.filter((s) => s.activity === 'outbound' && s.sog > 6).map((s) => s.sog);
      if (transit.length > 0) expect(Math.max(...transit)).toBeLessThanOrEqual(10.5);
    }
    const towing = days.flatMap((states, i) => (sim.fleet[i].gear === 'trawl' ? states.filter((s) => s.activity === 'fishing' && s.sog > 2) : []));
    const median = towing.map((s) => s.sog).sort((a, b) => a - b)[Math.floor(towing.length / 2)];
    expect(median).toBeGreaterThanOrEqual(3);
    expect(median).toBeLessThanOrEqual(4);
  });

  it('reports AIS navigational status: moored in port, engaged in fishing, under way in transit', () => {
    const all = days.flat();
    expect(all.filter((s) => s.activity === 'in-port').every((s) => s.navStatus === 5)).toBe(true);
    expect(all.filter((s) => s.activity === 'fishing').every((s) => s.navStatus === 7)).toBe(true);
    expect(all.filter((s) => s.activity === 'outbound' || s.activity === 'inbound').every((s) => s.navStatus === 0)).toBe(true);
  });

  it('a few vessels switch their transmitters off at sea for a while', () => {
    const silent = days.filter((states, i) => sim.fleet[i].role === 'fisher' && states.some((s) => !s.transmitting));
    expect(silent.length).toBeGreaterThanOrEqual(1);
    expect(silent.length).toBeLessThanOrEqual(days.length / 4);
    for (const states of silent) {
      expect(states.filter((s) => !s.transmitting).every((s) => s.activity !== 'in-port')).toBe(true);
    }
  });

  it('one trawler goes dark near the marine ranch and trawls inside it', () => {
    const i = sim.fleet.findIndex((v) => v.role === 'goes-dark');
    const ranch = RANCH_ZONES[0];
    const states = days[i];
    const dark = states.filter((s) => !s.transmitting);
    expect(dark.length).toBeGreaterThan(60);
    expect(dark.some((s) => distanceM(s.position, ranch.center) < ranch.radiusM && s.activity === 'fishing')).toBe(true);
    // Wherever it is while transmitting, it is not inside the ranch.
    expect(states.filter((s) => s.transmitting).every((s) => distanceM(s.position, ranch.center) > ranch.radiusM + 2000)).toBe(true);
  });

  it('is independent of how often a vessel is asked where it is', () => {
    const a = new Simulation({ seed: 7, vessels: 3, buoys: 0, speed: 1, start: MIDNIGHT_LOCAL });
    const b = new Simulation({ seed: 7, vessels: 3, buoys: 0, speed: 1, start: MIDNIGHT_LOCAL });
    const end = MIDNIGHT_LOCAL + 12 * HOUR;
    for (let t = MIDNIGHT_LOCAL; t < end; t += 7_321) for (const v of a.vessels) v.stateAt(t);
    expect(a.vessels.map((v) => v.stateAt(end))).toEqual(b.vessels.map((v) => v.stateAt(end)));
  });
});

describe('the summer fishing ban', () => {
  it('keeps the fleet in port except permit holders and the one ban-breaker', () => {
    const start = Date.UTC(2026, 6, 9, 16); // midnight Beijing time, 10 July
    const sim = new Simulation({ seed: 3, vessels: 40, buoys: 0, speed: 1, start });
    const days = timelines(sim, start, 24, 10 * MINUTE);
    days.forEach((states, i) => {
      const v = sim.fleet[i];
      const atSea = states.some((s) => s.activity !== 'in-port');
      if (v.role === 'ban-breaker') expect(atSea).toBe(true);
      else if (!v.banPermit) expect(atSea, v.hullName).toBe(false);
    });
  });
});
