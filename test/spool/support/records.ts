import type { VesselFix } from '../../../core/records.js';

/** Time of the stream's first fix; fix i is i seconds later. */
export const STREAM_START = Date.UTC(2026, 5, 1);

/** The i-th vessel fix of a test stream: unique series and time, content derived from i. */
export function fix(i: number): VesselFix {
  const mmsi = 412_000_000 + (i % 997);
  return {
    kind: 'vessel-fix',
    source: 'ais',
    key: `mmsi:${mmsi}`,
    vessel: `mmsi:${mmsi}`,
    time: STREAM_START + i * 1000,
    lat: 35 + (i % 10_000) / 10_000,
    lon: 119.5 + (i % 7_000) / 10_000,
    sog: (i % 120) / 10,
    cog: i % 360,
    navStatus: 0,
    station: 'rizhao-1',
    rxTime: STREAM_START + i * 1000 + 350,
  };
}

export function fixes(from: number, count: number): VesselFix[] {
  return Array.from({ length: count }, (_, k) => fix(from + k));
}

/** The stream index a stored test fix came from. */
export function indexOf(r: { time: number }): number {
  return (r.time - STREAM_START) / 1000;
}
