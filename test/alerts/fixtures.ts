import type { VesselFix } from '../../core/records.js';

/** An AIS fix of 鲁日渔60123 off Rizhao. */
export function fix(time: number, lon = 119.65, lat = 35.35): VesselFix {
  return { kind: 'vessel-fix', source: 'ais', key: 'mmsi:412325670', vessel: '鲁日渔60123', time, lat, lon, sog: 3.2, cog: 45 };
}
