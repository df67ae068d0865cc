import type { Position } from '../../gateway/zones/model.js';

/** Zones off Rizhao port (about 119.55°E, 35.37°N), as clients would send them. */

/** A closed rectangle, counterclockwise. */
export function rectangle(minLon: number, minLat: number, maxLon: number, maxLat: number): Position[] {
  return [
    [minLon, minLat],
    [maxLon, minLat],
    [maxLon, maxLat],
    [minLon, maxLat],
    [minLon, minLat],
  ];
}

export function feature(geometry: unknown, properties: Record<string, unknown> = { name: '测试区', kind: 'custom' }) {
  return { type: 'Feature', geometry, properties };
}

/** A no-fishing rectangle in the approaches east of Rizhao port, about 13.6 km × 11.1 km. */
export const noFishingOffPort = feature(
  { type: 'Polygon', coordinates: [rectangle(119.6, 35.3, 119.75, 35.4)] },
  {
    name: '日照港航道禁渔区',
    kind: 'no_fishing',
    severity: 'critical',
    legalBasis: '日政发〔2024〕3号',
    windows: [{ yearly: { start: '05-01', end: '09-16' } }],
    vesselFilter: { gearTypes: ['trawl', 'gillnet'], excludeVessels: ['鲁日渔60123'] },
  },
);

/** A marine ranch with a reef hole (clockwise, as RFC 7946 advises). */
export const marineRanch = feature(
  { type: 'Polygon', coordinates: [rectangle(119.7, 35.1, 119.85, 35.2), rectangle(119.75, 35.13, 119.8, 35.17).reverse()] },
  { name: '前三岛海洋牧场', kind: 'marine_ranch' },
);

/** Two protected reef patches. */
export const reefs = feature(
  { type: 'MultiPolygon', coordinates: [[rectangle(119.9, 35.0, 119.95, 35.05)], [rectangle(120.0, 35.0, 120.05, 35.05)]] },
  { name: '人工鱼礁保护区', kind: 'protected', windows: [{ daily: { start: '20:00', end: '06:00' }, timezone: 'Asia/Shanghai' }] },
);

/** 2 km around a wreck. */
export const wreckCircle = feature({ type: 'Circle', center: [119.65, 35.05], radius: 2000 }, { name: '沉船警戒区', kind: 'custom', severity: 'info' });
