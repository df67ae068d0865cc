import type { BuoyObservationInput, HealthInput } from '../decoders/protobuf/index.js';
import { diurnal, type Environment, localMidnight } from './environment.js';
import { destination, type LatLon } from './geo.js';
import { unitHash } from './random.js';

/**
 * Ocean buoys: two marine-ranch buoys near the shore and offshore buoys, sampling the water,
 * waves and weather. Values are pure functions of (seed, buoy, world time) built on the shared
 * Environment: daily cycles of temperature and oxygen, the seasonal mean for the date, and on
 * some summer nights the ranch water sliding toward hypoxia before dawn.
 */

export type BuoyKind = 'marine-ranch' | 'offshore';

export interface BuoyProfile {
  /** Envelope device id */
  deviceId: string;
  name: string;
  kind: BuoyKind;
  /** Anchor position; the buoy swings round it on its mooring. */
  anchor: LatLon;
}

const SITES: readonly BuoyProfile[] = [
  { deviceId: 'BUOY-RZ-RANCH-01', name: '日照海洋牧场 1号浮标', kind: 'marine-ranch', anchor: { lat: 35.4655, lon: 119.6862 } },
  { deviceId: 'BUOY-RZ-OFF-02', name: '日照外海 2号浮标', kind: 'offshore', anchor: { lat: 35.3021, lon: 120.0517 } },
  { deviceId: 'BUOY-LS-RANCH-03', name: '岚山海洋牧场 3号浮标', kind: 'marine-ranch', anchor: { lat: 35.1448, lon: 119.5031 } },
  { deviceId: 'BUOY-RZ-OFF-04', name: '前三岛北 4号浮标', kind: 'offshore', anchor: { lat: 35.0983, lon: 119.9236 } },
];

/** The first `count` buoys; past the four sites, more are moored a few km from them. */
export function createBuoys(count: number): BuoyProfile[] {
  const out: BuoyProfile[] = [];
  for (let i = 0; i < count; i++) {
    const site = SITES[i % SITES.length];
    if (i < SITES.length) {
      out.push(site);
      continue;
    }
    const n = String(i + 1).padStart(2, '0');
    out.push({
      deviceId: `${site.deviceId.slice(0, -2)}${n}`,
      name: `${site.name.replace(/\d+号/, `${i + 1}号`)}`,
      kind: site.kind,
      anchor: destination(site.anchor, (i * 73) % 360, site.kind === 'marine-ranch' ? 800 : 4000),
    });
  }
  return out;
}

/** One-minute-scale white noise in [-1, 1] for a sample (sensor jitter). */
function jitter(key: string, what: string, time: number): number {
  return unitHash(key, what, Math.round(time / 1000)) * 2 - 1;
}

/**
 * Oxygen solubility in sea water, mg L-1, at one atmosphere: a cubic in temperature for fresh
 * water scaled down by salinity. Within a few percent of the standard tables over 0–30 °C.
 */
function oxygenSolubility(temperature: number, salinity: number): number {
  const t = temperature;
  const fresh = 14.62 - 0.3898 * t + 0.006969 * t * t - 0.00005897 * t * t * t;
  return fresh * (1 - 0.0062 * salinity);
}

export class BuoyModel {
  private readonly key: string;
  private readonly ranch: boolean;

  constructor(
    readonly profile: BuoyProfile,
    private readonly env: Environment,
    seed: number,
  ) {
    this.key = `${seed}/${profile.deviceId}`;
    this.ranch = profile.kind === 'marine-ranch';
  }

  /** The buoy lies 10–30 m down-stream of its anchor. */
  positionAt(world: number): LatLon {
    const c = this.env.current(world);
    return destination(this.profile.anchor, c.toward, 10 + 28 * c.speed);
  }

  /** Is `world` inside a night on which the ranch water goes hypoxic, and how deep is the dip there (0–1)? */
  private hypoxiaDip(world: number): { weight: number; floor: number } {
    // Nights run from 16:00 to 16:00 local; the dip is deepest around 04:30.
    const nightStart = localMidnight(world - 16 * 3_600_000) + 16 * 3_600_000;
    const hours = (world - nightStart) / 3_600_000;
    const night = Math.round(nightStart / 86_400_000);
    const p = 0.08 + 0.35 * this.env.summerness(world);
    if (!this.ranch || unitHash(this.key, 'hypoxic-night', night) >= p) return { weight: 0, floor: 0 };
    return { weight: Math.exp(-(((hours - 12.5) / 2.2) ** 2)), floor: 2.4 + 1.2 * unitHash(this.key, 'hypoxia-floor', night) };
  }

  /** Everything the buoy measures at one moment: `world` picks the values, `stamp` is the time written. */
  observe(world: number, stamp: number): BuoyObservationInput[] {
    const env = this.env;
    const k = this.key;
    const here = this.positionAt(world);
    const weather = env.weather(world, here);
    const sea = env.seaState(world, here);
    const summer = env.summerness(world);
    const j = (what: string) => jitter(k, what, world);

    const sst = env.seasonalSst(world) + (this.ranch ? 0.9 : 0.4) * diurnal(world, 15) + 0.6 * env.drift(`${k}/sst`, world, 48) + 0.03 * j('sst');
    const salinity = this.ranch ? 30.7 - 0.8 * summer + 0.15 * env.drift(`${k}/sal`, world) + 0.02 * j('sal') : 31.4 - 0.3 * summer + 0.08 * env.drift(`${k}/sal`, world);
    const solubility = oxygenSolubility(sst, salinity);
    // Photosynthesis by day, respiration by night: saturation peaks mid-afternoon.
    const saturation = (this.ranch ? 0.93 + 0.12 * diurnal(world, 15) : 1.0 + 0.04 * diurnal(world, 15)) + 0.03 * env.drift(`${k}/o2`, world, 12);
    let oxygen = solubility * saturation + 0.05 * j('o2');
    const dip = this.hypoxiaDip(world);
    oxygen -= Math.max(0, oxygen - dip.floor) * dip.weight;
    const ph = (this.ranch ? 8.02 : 8.08) + 0.6 * (oxygen / solubility - 1) + 0.02 * env.drift(`${k}/ph`, world) + 0.003 * j('ph');
    const bloom = 0.5 * (1 + env.drift(`${k}/bloom`, world, 240));
    // Fluorescence reads low under the midday sun (non-photochemical quenching).
    const quench = 1 - 0.25 * Math.max(0, diurnal(world, 13));
    const chlorophyll = Math.max(0.1, ((this.ranch ? 3.5 + 2.5 * bloom : 0.9 + 0.6 * bloom) + 0.1 * j('chl')) * quench);

    const obs: [variable: string, value: number, depth: number][] = [
      ['sea_surface_temperature', sst, 0.5],
      ['sea_water_practical_salinity', salinity, 1],
      ['mass_concentration_of_oxygen_in_sea_water', oxygen, 1],
      ['fractional_saturation_of_oxygen_in_sea_water', (100 * oxygen) / solubility, 1],
      ['sea_water_ph_reported_on_total_scale', ph, 1],
      ['mass_concentration_of_chlorophyll_a_in_sea_water', chlorophyll, 1],
      ['sea_surface_wave_significant_height', sea.significantHeight, 0],
      ['sea_surface_wave_maximum_height', sea.maximumHeight, 0],
      ['sea_surface_wave_period_at_variance_spectral_density_maximum', sea.peakPeriod, 0],
      ['sea_surface_wave_mean_period_from_variance_spectral_density_second_frequency_moment', sea.meanPeriod, 0],
      ['sea_surface_wave_from_direction', sea.from, 0],
      ['wind_speed', weather.windSpeed, 0],
      ['wind_from_direction', weather.windFrom, 0],
      ['wind_speed_of_gust', weather.gust, 0],
      ['air_pressure_at_mean_sea_level', weather.pressure, 0],
      ['air_temperature', weather.airTemperature, 0],
      ['relative_humidity', Math.max(5, weather.relativeHumidity), 0],
      ['battery_voltage', this.battery(world) + 0.01 * j('battery'), 0],
    ];
    if (this.ranch) {
      // Waves stir up the bottom of the shallow ranch.
      obs.push(['sea_water_turbidity', Math.max(0.5, 4 + 3 * sea.significantHeight ** 2 + 2 * env.drift(`${k}/turbidity`, world) + 0.3 * j('ntu')), 1]);
    } else {
      // Below the summer thermocline the water stays cold.
      obs.push(['sea_water_temperature', sst - (0.2 + 5 * summer) + 0.1 * j('t10'), 10]);
    }
    return obs.map(([variable, value, depth]) => ({ time: stamp, variable, value, depth }));
  }

  /** Solar-charged lead-acid battery, volts: up by day, down by night. */
  private battery(world: number): number {
    return 12.5 + 0.8 * Math.max(0, diurnal(world, 13)) + 0.1 * this.env.drift(`${this.key}/battery`, world);
  }

  health(world: number, uptimeS: number): HealthInput['health'] {
    const weather = this.env.weather(world, this.profile.anchor);
    return {
      battery: this.battery(world),
      // The electronics box warms in the sun.
      internalTemperature: weather.airTemperature + 3 + 4 * Math.max(0, diurnal(world, 13)),
      rssi: Math.round((this.ranch ? -72 : -98) + 5 * jitter(this.key, 'rssi', world)),
      firmwareBuild: 20_260_312,
      uptime: Math.floor(uptimeS),
    };
  }
}
