import { describe, expect, it } from 'vitest';
import type { AisRecord } from '../../gateway/decoders/ais/index.js';
import type { GnssRecord, RdssRecord } from '../../gateway/decoders/beidou/index.js';
import { VARIABLES_BY_NAME } from '../../gateway/decoders/protobuf/index.js';
import { BuoyModel, createBuoys } from '../../gateway/simulator/buoys.js';
import { Environment, localHour } from '../../gateway/simulator/environment.js';
import { distanceM, inBounds, isAtSea, PORTS, portAt } from '../../gateway/simulator/geo.js';
import { CADENCE, SHORE_STATION } from '../../gateway/simulator/reports.js';
import { Simulation } from '../../gateway/simulator/simulation.js';
import { HOUR, runOffline, type WireFix } from './helpers.js';

/** 08:00 Beijing time, 21 November 2026. */
const START = Date.UTC(2026, 10, 21, 0, 0, 0);
const KNOT = 1852 / 3600;

describe('what the simulator sends, decoded by our own decoders', () => {
  const { sim, decoded } = runOffline({ seed: 7, vessels: 40, buoys: 4, speed: 1, start: START }, 30);
  const ais = decoded.lines.filter((l) => l.record.kind === 'ais').map((l) => l.record as AisRecord);
  const rdss = decoded.lines.filter((l) => l.record.kind === 'rdss').map((l) => l.record as RdssRecord);
  const gnss = decoded.lines.filter((l) => l.record.kind === 'gnss').map((l) => l.record as GnssRecord);

  it('decodes with zero errors: AIS, Beidou RDSS, Beidou RNSS NMEA and protobuf Envelopes', () => {
    expect(decoded.errors).toEqual([]);
    expect(new Set(ais.map((r) => (r.type === 24 ? `24${r.partNumber === 0 ? 'A' : 'B'}` : String(r.type))))).toEqual(new Set(['1', '18', '5', '24A', '24B']));
    expect(rdss.length).toBeGreaterThan(0);
    expect(rdss.every((r) => r.sentence === 'TXR' && r.codec === 'bf01' && r.fixes!.length >= 1 && r.fixes!.length <= 5 && !r.payloadError)).toBe(true);
    expect(new Set(gnss.map((r) => r.sentence))).toEqual(new Set(['RMC', 'GGA']));
    expect(gnss.every((r) => r.valid === true)).toBe(true);
    expect(new Set(decoded.envelopes.map((e) => e.payload.type))).toEqual(new Set(['buoy-batch', 'health']));
  });

  it('AIS comes from the shore station, with its receive time in NMEA 4.0 tag blocks', () => {
    expect(ais.every((r) => r.station === SHORE_STATION && typeof r.rxTime === 'number')).toBe(true);
    const lines = decoded.lines.filter((l) => l.link === 'ais').map((l) => l.line);
    expect(lines.every((l) => l.startsWith(`\\`) && l.includes(`s:${SHORE_STATION},c:`))).toBe(true);
    const names = new Set(ais.filter((r) => r.name).map((r) => r.name));
    expect([...names].every((n) => /^LU RI YU 6\d{4}$/.test(n!))).toBe(true);
    expect(names.size).toBe(sim.fleet.filter((v) => v.ais).length);
  });

  it('each 4G terminal names itself in its lines; each RDSS message its card', () => {
    const terminals = new Set(sim.fleet.flatMap((v) => (v.beidou.deviceId ? [v.beidou.deviceId] : [])));
    expect(new Set(gnss.map((r) => r.station))).toEqual(terminals);
    const cards = new Set(sim.fleet.filter((v) => v.beidou.link === 'rdss').map((v) => String(Number(v.beidou.card))));
    expect(new Set(rdss.map((r) => r.card))).toEqual(cards);
  });

  it('positions are at sea (outside port areas) and inside the Rizhao box', () => {
    expect(decoded.fixes.length).toBeGreaterThan(10_000);
    expect(decoded.fixes.filter((f) => !inBounds(f) || (!portAt(f) && !isAtSea(f)))).toEqual([]);
  });

  const byKey = new Map<string, WireFix[]>();
  for (const f of decoded.fixes) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
  for (const list of byKey.values()) list.sort((a, b) => a.time - b.time);

  it('no jumps: under 30 kn between consecutive fixes of one vessel', () => {
    let pairs = 0;
    const jumps: string[] = [];
    for (const [key, list] of byKey) {
      for (let i = 1; i < list.length; i++) {
        const dt = (list[i].time - list[i - 1].time) / 1000;
        if (dt <= 0) continue;
        pairs++;
        const kn = distanceM(list[i - 1], list[i]) / dt / KNOT;
        if (kn >= 30) jumps.push(`${key} at ${new Date(list[i].time).toISOString()}: ${kn.toFixed(1)} kn`);
      }
    }
    expect(jumps).toEqual([]);
    expect(pairs).toBeGreaterThan(10_000);
  });

  it('reported speeds are plausible (RDSS BF01 speeds in knots with the terminal model\'s codec)', () => {
    const max = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);
    expect(max(decoded.fixes.map((f) => f.sog ?? 0))).toBeLessThanOrEqual(10.5);
    expect(max(rdss.flatMap((r) => r.fixes!.map((f) => f.sog!)))).toBeGreaterThan(7);
  });

  it('vessels are seen leaving port and coming back', () => {
    const homeOf = (f: WireFix) => Object.values(PORTS).some((p) => distanceM(p.berth, f) < 2500);
    let seenBoth = 0;
    for (const list of byKey.values()) {
      const out = list.findIndex((f) => Object.values(PORTS).every((p) => distanceM(p.berth, f) > 10_000));
      if (out >= 0 && list.slice(out).some(homeOf)) seenBoth++;
    }
    expect(seenBoth).toBeGreaterThanOrEqual(0.6 * byKey.size);
  });

  it('keeps realistic reporting intervals', () => {
    const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)];
    const classA = sim.fleet.find((v) => v.ais?.class === 'A' && v.role === 'fisher')!.ais!.mmsi;
    const aGaps = gaps(ais.filter((r) => r.mmsi === classA && r.type === 1).map((r) => r.rxTime!));
    expect(aGaps[0]).toBe(CADENCE.aisClassAUnderway);
    expect(aGaps[aGaps.length - 1]).toBeGreaterThanOrEqual(CADENCE.aisClassAMoored);
    const classB = sim.fleet.find((v) => v.ais?.class === 'B' && v.role === 'fisher')!.ais!.mmsi;
    expect(gaps(ais.filter((r) => r.mmsi === classB && r.type === 18).map((r) => r.rxTime!))[0]).toBe(CADENCE.aisClassBUnderway);
    expect(median(gaps(ais.filter((r) => r.mmsi === classA && r.type === 5).map((r) => r.rxTime!)))).toBe(CADENCE.aisStatic);
    const card = rdss[0].card;
    expect(median(gaps(rdss.filter((r) => r.card === card).map((r) => r.fixes![0].time!)))).toBe(CADENCE.rdssBurst);
    expect(median(rdss.map((r) => r.fixes!.length))).toBe(5);
    const terminal = gnss[0].station;
    expect(median(gaps(gnss.filter((r) => r.station === terminal && r.sentence === 'RMC').map((r) => r.time!)))).toBe(CADENCE.rnss);
  });

  it('every buoy numbers its frames 1, 2, 3… under one boot id; batches every 10 min, health hourly', () => {
    for (const b of sim.buoys) {
      const frames = decoded.envelopes.filter((e) => e.deviceId === b.deviceId);
      expect(frames.map((e) => e.seq)).toEqual(frames.map((_, i) => i + 1));
      expect(new Set(frames.map((e) => e.bootId))).toEqual(new Set([Math.floor(START / 1000)]));
      expect(frames.filter((e) => e.payload.type === 'buoy-batch')).toHaveLength(30 * 6);
      expect(frames.filter((e) => e.payload.type === 'health')).toHaveLength(30);
    }
  });

  it('buoy values are within the VARIABLES valid ranges and plausible for November', () => {
    const names = new Set<string>();
    const bad: string[] = [];
    for (const e of decoded.envelopes) {
      if (e.payload.type !== 'buoy-batch') continue;
      expect(e.payload.observations).toHaveLength(5 * 19);
      expect(e.payload.position && isAtSea(e.payload.position)).toBe(true);
      for (const o of e.payload.observations) {
        const info = VARIABLES_BY_NAME.get(o.variable)!;
        names.add(o.variable);
        // The decoder flags a value outside the valid range QC 4 (FAIL); none may be.
        if (o.value < info.validMin || o.value > info.validMax || o.unit !== info.unit || o.qc !== 2) bad.push(JSON.stringify(o));
      }
    }
    expect(bad).toEqual([]);
    for (const n of ['sea_surface_temperature', 'sea_water_practical_salinity', 'mass_concentration_of_oxygen_in_sea_water', 'sea_water_ph_reported_on_total_scale', 'mass_concentration_of_chlorophyll_a_in_sea_water', 'sea_surface_wave_significant_height', 'sea_surface_wave_period_at_variance_spectral_density_maximum', 'sea_surface_wave_from_direction', 'wind_speed', 'wind_from_direction', 'air_pressure_at_mean_sea_level', 'battery_voltage']) {
      expect(names.has(n), n).toBe(true);
    }
    const values = (v: string) => decoded.envelopes.flatMap((e) => (e.payload.type === 'buoy-batch' ? e.payload.observations.filter((o) => o.variable === v).map((o) => o.value) : []));
    const within = (v: string, lo: number, hi: number) => {
      const xs = values(v);
      expect(xs.reduce((m, x) => Math.min(m, x)), v).toBeGreaterThanOrEqual(lo);
      expect(xs.reduce((m, x) => Math.max(m, x)), v).toBeLessThanOrEqual(hi);
    };
    within('sea_surface_temperature', 10, 19);
    within('sea_water_practical_salinity', 29.5, 32);
    within('mass_concentration_of_oxygen_in_sea_water', 2, 11);
    within('sea_water_ph_reported_on_total_scale', 7.7, 8.3);
    within('sea_surface_wave_significant_height', 0.1, 4);
    within('air_pressure_at_mean_sea_level', 990, 1040);
    within('battery_voltage', 11.8, 14);
  });

  it('is the same traffic for the same seed, byte for byte, and other traffic for another seed', () => {
    const a = runOffline({ seed: 7, vessels: 8, buoys: 2, speed: 1, start: START }, 1).decoded.emissions;
    const b = runOffline({ seed: 7, vessels: 8, buoys: 2, speed: 1, start: START }, 1).decoded.emissions;
    const c = runOffline({ seed: 8, vessels: 8, buoys: 2, speed: 1, start: START }, 1).decoded.emissions;
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });
});

describe('buoy daily cycles', () => {
  const env = new Environment(7);
  const [ranch, offshore] = createBuoys(2).map((b) => new BuoyModel(b, env, 7));
  const value = (m: BuoyModel, t: number, v: string) => m.observe(t, t).find((o) => o.variable === v)!.value;

  it('temperature and oxygen peak in the afternoon and bottom out before dawn', () => {
    let warmer = 0;
    let richer = 0;
    const days = 20;
    for (let d = 0; d < days; d++) {
      const midnight = Date.UTC(2026, 9, 1 + d, 16); // 00:00 local
      const afternoon = midnight + 15 * HOUR;
      const dawn = midnight + 5 * HOUR;
      if (value(ranch, afternoon, 'sea_surface_temperature') > value(ranch, dawn, 'sea_surface_temperature')) warmer++;
      if (value(ranch, afternoon, 'mass_concentration_of_oxygen_in_sea_water') > value(ranch, dawn, 'mass_concentration_of_oxygen_in_sea_water')) richer++;
    }
    expect(warmer).toBeGreaterThanOrEqual(days - 3);
    expect(richer).toBeGreaterThanOrEqual(days - 3);
  });

  it('the ranch buoy dips toward hypoxia on some summer nights; the offshore buoy does not', () => {
    const lows = (m: BuoyModel) => {
      const nights = new Set<number>();
      for (let t = Date.UTC(2026, 7, 1); t < Date.UTC(2026, 7, 31); t += 20 * 60_000) {
        if (value(m, t, 'mass_concentration_of_oxygen_in_sea_water') < 3.5) {
          expect(localHour(t) < 9 || localHour(t) > 22).toBe(true);
          nights.add(Math.floor(t / (24 * HOUR)));
        }
      }
      return nights.size;
    };
    const ranchNights = lows(ranch);
    expect(ranchNights).toBeGreaterThanOrEqual(3);
    expect(ranchNights).toBeLessThanOrEqual(20);
    expect(lows(offshore)).toBe(0);
  });
});

describe('--speed', () => {
  it('stamps wall time and moves the world N times faster', () => {
    const speed = 60;
    const wallMinutes = 6;
    const { decoded } = runOffline({ seed: 7, vessels: 6, buoys: 0, speed, start: START }, wallMinutes / 60);
    const reports = decoded.lines.map((l) => l.record).filter((r): r is AisRecord => r.kind === 'ais' && r.type === 1);
    expect(reports.every((r) => r.rxTime! <= START + wallMinutes * 60_000)).toBe(true);
    // The last report of a moving vessel shows where it is after (wall − start) × 60 of world time.
    const moving = reports.filter((r) => r.sog! > 2).pop()!;
    const real = new Simulation({ seed: 7, vessels: 6, buoys: 0, speed: 1, start: START });
    const i = real.fleet.findIndex((v) => v.ais?.mmsi === moving.mmsi);
    let nearest = Number.POSITIVE_INFINITY;
    // The tag block's time is whole seconds: one wall second is a world minute.
    for (let ms = 0; ms <= 1000; ms += 10) {
      const truth = real.vessels[i].stateAt(START + (moving.rxTime! - START + ms) * speed);
      nearest = Math.min(nearest, distanceM(truth.position, { lat: moving.lat!, lon: moving.lon! }));
    }
    expect(nearest).toBeLessThan(5);
  });
});
