import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { EmbeddedSeriesStore } from './embedded.js';
import { InfluxSeriesStore } from './influx.js';
import type { SeriesStore } from './types.js';

/**
 * The series store the configuration asks for: InfluxDB when TIDEWATCH_INFLUX_URL is set, else
 * the embedded store (`series.db` under the data directory). Opening does not contact InfluxDB:
 * the server calls `ensureDatabase` at start (1.8 needs the database created) and then `ping`.
 */
export function openSeriesStore(config: Pick<Config, 'dataDir' | 'influx'>): SeriesStore {
  if (config.influx) return new InfluxSeriesStore(config.influx);
  return new EmbeddedSeriesStore(join(config.dataDir, 'series.db'));
}

export { EmbeddedSeriesStore } from './embedded.js';
export { ensureDatabase, InfluxSeriesStore, type InfluxConnection, type InfluxStoreOptions } from './influx.js';
export * from './types.js';
