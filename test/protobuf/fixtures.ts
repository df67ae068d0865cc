import type { BuoyObservationInput, EnvelopeHeaderInput } from '../../gateway/decoders/protobuf/index.js';
import { tidewatch } from '../../proto/generated/tidewatch.js';

export const T0 = Date.UTC(2025, 5, 1, 8, 0, 0); // 2025-06-01T08:00:00Z

export const HEADER: EnvelopeHeaderInput = { deviceId: 'BUOY-RZ-007', bootId: 42, seq: 1001, sentTime: T0 + 3_600_000 };

/** Raw Envelope bytes straight from the generated encoder: no validation, for rejection tests. */
export function raw(props: tidewatch.v1.Envelope.$Properties): Uint8Array {
  return tidewatch.v1.Envelope.encode(props).finish();
}

/** A valid raw header; tests override one field at a time. */
export const RAW_HEADER = {
  schemaMajor: 1,
  deviceId: 'BUOY-RZ-007',
  bootId: 42,
  seq: 1001,
  sentTimeMs: T0 + 3_600_000,
} satisfies tidewatch.v1.Envelope.$Properties;

/**
 * A near-shore Rizhao buoy: 18 variables × 6 ten-minute samples, values at wire resolution.
 * Columns: name, depth m, six values.
 */
// prettier-ignore
export const RIZHAO_COLUMNS: [string, number, number[]][] = [
  ['sea_surface_temperature', 0.5, [18.23, 18.25, 18.3, 18.31, 18.29, 18.27]],
  ['sea_water_temperature', 5, [16.02, 16.01, 16.05, 16.04, 16.03, 16.03]],
  ['sea_water_practical_salinity', 0.5, [31.42, 31.4, 31.41, 31.39, 31.4, 31.43]],
  ['sea_surface_wave_significant_height', 0, [0.84, 0.86, 0.91, 0.88, 0.93, 0.95]],
  ['sea_surface_wave_maximum_height', 0, [1.42, 1.5, 1.61, 1.48, 1.7, 1.66]],
  ['sea_surface_wave_period_at_variance_spectral_density_maximum', 0, [5.9, 6.1, 6.1, 6.3, 6.2, 6.4]],
  ['sea_surface_wave_mean_period_from_variance_spectral_density_second_frequency_moment', 0, [4.2, 4.3, 4.3, 4.4, 4.4, 4.5]],
  ['sea_surface_wave_from_direction', 0, [112.5, 110.2, 108.9, 111, 109.4, 107.8]],
  ['wind_speed', 0, [6.42, 6.8, 7.15, 7.3, 6.95, 7.61]],
  ['wind_from_direction', 0, [135.2, 138.4, 140, 137.9, 141.3, 143.6]],
  ['wind_speed_of_gust', 0, [8.9, 9.42, 10.1, 9.87, 9.5, 10.44]],
  ['air_pressure_at_mean_sea_level', 0, [1008.42, 1008.37, 1008.3, 1008.21, 1008.15, 1008.02]],
  ['air_temperature', 0, [21.34, 21.5, 21.71, 21.9, 22.05, 22.18]],
  ['relative_humidity', 0, [82.4, 81.9, 81.2, 80.6, 80.1, 79.5]],
  ['mass_concentration_of_oxygen_in_sea_water', 0.5, [7.82, 7.85, 7.9, 7.94, 7.97, 8.01]],
  ['sea_water_ph_reported_on_total_scale', 0.5, [8.052, 8.049, 8.051, 8.055, 8.058, 8.06]],
  ['mass_concentration_of_chlorophyll_a_in_sea_water', 0.5, [2.31, 2.45, 2.38, 2.5, 2.62, 2.7]],
  ['sea_water_speed', 2, [0.312, 0.298, 0.275, 0.251, 0.233, 0.219]],
];

export function rizhaoObservations(): BuoyObservationInput[] {
  const out: BuoyObservationInput[] = [];
  for (const [variable, depth, values] of RIZHAO_COLUMNS) {
    values.forEach((value, i) => out.push({ time: T0 + i * 600_000, variable, value, depth, qc: 1 }));
  }
  return out;
}
