/**
 * The `Variable` enum of proto/tidewatch/v1/telemetry.proto as data: physical value = wire × scale.
 * This table is the one place the gateway learns units and scales; the decoder, the encoder and
 * the API read it. A test checks it against the generated enum and the .proto comments, so the
 * schema, its documentation and this table cannot drift apart.
 */

/** What records, stores and the API know of a variable a buoy observation may carry. */
export interface ObservationVariableInfo {
  /** Stable variable name used in records and the API: the CF standard name where one exists. */
  readonly name: string;
  /** CF standard name, or null where CF has none. */
  readonly cfStandardName: string | null;
  /** Unit of the physical value (UDUNITS spelling where one exists). */
  readonly unit: string;
  /** Human label for charts and tables. */
  readonly label: string;
}

export interface VariableInfo extends ObservationVariableInfo {
  /** Enum value on the wire. */
  readonly code: number;
  /** Enum value name in the .proto. */
  readonly protoName: string;
  /** physical = wire × scale; always 10^-k. */
  readonly scale: number;
  /** 1 / scale as an exact integer: the decoder divides by it, which rounds correctly. */
  readonly divisor: number;
  /**
   * Physically possible range in `unit`. A value outside it fails the QARTOD gross-range test:
   * the decoder flags it 4 (FAIL) but keeps it.
   */
  readonly validMin: number;
  readonly validMax: number;
}

type Row = [code: number, protoName: string, cf: string | null, stableName: string | null, unit: string, scale: number, min: number, max: number, label: string];

// prettier-ignore
const ROWS: readonly Row[] = [
  [1,  'VARIABLE_SEA_SURFACE_TEMPERATURE', 'sea_surface_temperature', null, 'degC', 0.01, -5, 45, 'Sea surface temperature'],
  [2,  'VARIABLE_SEA_WATER_TEMPERATURE', 'sea_water_temperature', null, 'degC', 0.01, -5, 45, 'Water temperature'],
  [3,  'VARIABLE_SEA_WATER_PRACTICAL_SALINITY', 'sea_water_practical_salinity', null, '1', 0.01, 0, 45, 'Practical salinity (PSS-78)'],
  [4,  'VARIABLE_SEA_WATER_ELECTRICAL_CONDUCTIVITY', 'sea_water_electrical_conductivity', null, 'S m-1', 0.001, 0, 10, 'Conductivity'],
  [10, 'VARIABLE_WAVE_SIGNIFICANT_HEIGHT', 'sea_surface_wave_significant_height', null, 'm', 0.01, 0, 30, 'Significant wave height'],
  [11, 'VARIABLE_WAVE_MAXIMUM_HEIGHT', 'sea_surface_wave_maximum_height', null, 'm', 0.01, 0, 50, 'Maximum wave height'],
  [12, 'VARIABLE_WAVE_PEAK_PERIOD', 'sea_surface_wave_period_at_variance_spectral_density_maximum', null, 's', 0.1, 0, 40, 'Peak wave period'],
  [13, 'VARIABLE_WAVE_MEAN_PERIOD_TM02', 'sea_surface_wave_mean_period_from_variance_spectral_density_second_frequency_moment', null, 's', 0.1, 0, 40, 'Mean wave period (Tm02)'],
  [14, 'VARIABLE_WAVE_ZERO_UPCROSSING_PERIOD', 'sea_surface_wave_zero_upcrossing_period', null, 's', 0.1, 0, 40, 'Zero-upcrossing wave period'],
  [15, 'VARIABLE_WAVE_FROM_DIRECTION', 'sea_surface_wave_from_direction', null, 'degree', 0.1, 0, 360, 'Mean wave direction (from)'],
  [16, 'VARIABLE_WAVE_PEAK_FROM_DIRECTION', 'sea_surface_wave_from_direction_at_variance_spectral_density_maximum', null, 'degree', 0.1, 0, 360, 'Peak wave direction (from)'],
  [20, 'VARIABLE_WIND_SPEED', 'wind_speed', null, 'm s-1', 0.01, 0, 100, 'Wind speed'],
  [21, 'VARIABLE_WIND_FROM_DIRECTION', 'wind_from_direction', null, 'degree', 0.1, 0, 360, 'Wind direction (from)'],
  [22, 'VARIABLE_WIND_SPEED_OF_GUST', 'wind_speed_of_gust', null, 'm s-1', 0.01, 0, 120, 'Wind gust'],
  [23, 'VARIABLE_AIR_PRESSURE_AT_MEAN_SEA_LEVEL', 'air_pressure_at_mean_sea_level', null, 'hPa', 0.01, 850, 1100, 'Air pressure at mean sea level'],
  [24, 'VARIABLE_AIR_PRESSURE', 'air_pressure', null, 'hPa', 0.01, 800, 1100, 'Air pressure at sensor height'],
  [25, 'VARIABLE_AIR_TEMPERATURE', 'air_temperature', null, 'degC', 0.01, -60, 60, 'Air temperature'],
  [26, 'VARIABLE_RELATIVE_HUMIDITY', 'relative_humidity', null, '%', 0.1, 0, 100, 'Relative humidity'],
  [27, 'VARIABLE_DEW_POINT_TEMPERATURE', 'dew_point_temperature', null, 'degC', 0.01, -60, 40, 'Dew point'],
  [30, 'VARIABLE_DISSOLVED_OXYGEN_MASS_CONCENTRATION', 'mass_concentration_of_oxygen_in_sea_water', null, 'mg L-1', 0.01, 0, 30, 'Dissolved oxygen'],
  [31, 'VARIABLE_DISSOLVED_OXYGEN_MOLE_CONCENTRATION', 'mole_concentration_of_dissolved_molecular_oxygen_in_sea_water', null, 'umol L-1', 0.1, 0, 1000, 'Dissolved oxygen (molar)'],
  [32, 'VARIABLE_DISSOLVED_OXYGEN_PER_UNIT_MASS', 'moles_of_oxygen_per_unit_mass_in_sea_water', null, 'umol kg-1', 0.1, 0, 1000, 'Dissolved oxygen (per kg)'],
  [33, 'VARIABLE_DISSOLVED_OXYGEN_SATURATION', 'fractional_saturation_of_oxygen_in_sea_water', null, '%', 0.1, 0, 500, 'Oxygen saturation'],
  [34, 'VARIABLE_PH_TOTAL_SCALE', 'sea_water_ph_reported_on_total_scale', null, '1', 0.001, 0, 14, 'pH (total scale)'],
  [35, 'VARIABLE_PH_NBS_SCALE', null, 'sea_water_ph_nbs_scale', '1', 0.001, 0, 14, 'pH (NBS scale)'],
  [36, 'VARIABLE_CHLOROPHYLL_A_MASS_CONCENTRATION', 'mass_concentration_of_chlorophyll_a_in_sea_water', null, 'ug L-1', 0.01, 0, 1000, 'Chlorophyll-a'],
  [37, 'VARIABLE_TURBIDITY', 'sea_water_turbidity', null, 'NTU', 0.1, 0, 4000, 'Turbidity'],
  [40, 'VARIABLE_CURRENT_SPEED', 'sea_water_speed', null, 'm s-1', 0.001, 0, 10, 'Current speed'],
  [41, 'VARIABLE_CURRENT_TO_DIRECTION', 'sea_water_to_direction', null, 'degree', 0.1, 0, 360, 'Current direction (to)'],
  [42, 'VARIABLE_CURRENT_EASTWARD_VELOCITY', 'eastward_sea_water_velocity', null, 'm s-1', 0.001, -10, 10, 'Current, eastward'],
  [43, 'VARIABLE_CURRENT_NORTHWARD_VELOCITY', 'northward_sea_water_velocity', null, 'm s-1', 0.001, -10, 10, 'Current, northward'],
  [50, 'VARIABLE_WATER_LEVEL_ABOVE_MEAN_SEA_LEVEL', 'sea_surface_height_above_mean_sea_level', null, 'm', 0.001, -20, 20, 'Water level above MSL'],
  [51, 'VARIABLE_WATER_LEVEL_ABOVE_DEVICE_DATUM', 'water_surface_height_above_reference_datum', null, 'm', 0.001, -50, 50, 'Water level above datum'],
  [60, 'VARIABLE_BATTERY_VOLTAGE', null, 'battery_voltage', 'V', 0.001, 0, 100, 'Battery voltage'],
];

function build(): Readonly<Record<number, VariableInfo>> {
  const table: Record<number, VariableInfo> = {};
  for (const [code, protoName, cf, stable, unit, scale, validMin, validMax, label] of ROWS) {
    const divisor = Math.round(1 / scale);
    table[code] = Object.freeze({ code, protoName, name: cf ?? stable!, cfStandardName: cf, unit, scale, divisor, validMin, validMax, label });
  }
  return Object.freeze(table);
}

/** Enum value → variable metadata. Enum value 0 (VARIABLE_UNSPECIFIED) has no entry. */
export const VARIABLES: Readonly<Record<number, VariableInfo>> = build();

/** Stable name (`sea_surface_temperature`) → metadata, for encoders and API queries. */
export const VARIABLES_BY_NAME: ReadonlyMap<string, VariableInfo> = new Map(
  Object.values(VARIABLES).map((v) => [v.name, v]),
);

/**
 * The buoy's own coordinates. They are not `Variable` enum members: a BuoyObservationBatch carries
 * them in its `position` field, and normalise.ts turns that into two observations of the buoy at
 * the batch's base time, as CF trajectory data (IOOS, ERDDAP) names a moving platform's
 * coordinates. No protobuf code or scale: the encoder and decoder never see them as series.
 */
export const POSITION_VARIABLES = Object.freeze({
  latitude: Object.freeze({ name: 'latitude', cfStandardName: 'latitude', unit: 'degree_north', label: 'Latitude' }),
  longitude: Object.freeze({ name: 'longitude', cfStandardName: 'longitude', unit: 'degree_east', label: 'Longitude' }),
} satisfies Record<string, ObservationVariableInfo>);

/**
 * Every variable a stored buoy observation may carry, by name: the protobuf variables and the
 * buoy's position coordinates. The API validates `variables=` against it.
 */
export const OBSERVATION_VARIABLES: ReadonlyMap<string, ObservationVariableInfo> = new Map<string, ObservationVariableInfo>([
  ...VARIABLES_BY_NAME,
  ...Object.values(POSITION_VARIABLES).map((v): [string, ObservationVariableInfo] => [v.name, v]),
]);

/** IOOS QARTOD flags as carried in BuoyObservation.qc. */
export const QC = Object.freeze({ PASS: 1, NOT_EVALUATED: 2, SUSPECT: 3, FAIL: 4, MISSING: 9 } as const);
