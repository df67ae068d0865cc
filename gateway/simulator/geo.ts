/**
 * Rizhao waters for the simulator: a coarse coastline, the fishing ports, fishing grounds, the
 * marine-ranch protection zones and small spherical-earth helpers. The coastline is a rough
 * sketch (islands ignored) good for "is this point on land?", not for navigation.
 */

export interface LatLon {
  /** decimal degrees WGS-84 */
  lat: number;
  lon: number;
}

const EARTH_RADIUS_M = 6_371_000;
/** metres per second in one knot */
export const KNOT_M_S = 1852 / 3600;

const RAD = Math.PI / 180;

export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial course from a to b, degrees true 0–360. */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const y = Math.sin((b.lon - a.lon) * RAD) * Math.cos(b.lat * RAD);
  const x = Math.cos(a.lat * RAD) * Math.sin(b.lat * RAD) - Math.sin(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.cos((b.lon - a.lon) * RAD);
  return normDeg(Math.atan2(y, x) / RAD);
}

/** The point `distance` metres from `from` on course `bearing`. */
export function destination(from: LatLon, bearing: number, distance: number): LatLon {
  const d = distance / EARTH_RADIUS_M;
  const b = bearing * RAD;
  const lat1 = from.lat * RAD;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lon2 = from.lon * RAD + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: lat2 / RAD, lon: lon2 / RAD };
}

export function normDeg(d: number): number {
  return ((d % 360) + 360) % 360;
}

/** Signed smallest turn from `from` to `to`, −180…180 degrees. */
export function turnDeg(from: number, to: number): number {
  return normDeg(to - from + 180) - 180;
}

/** Where the simulated world lives; every position the simulator sends is inside. */
export const RIZHAO_BOUNDS = { south: 34.85, north: 35.85, west: 119.15, east: 120.6 } as const;

export function inBounds(p: LatLon): boolean {
  const b = RIZHAO_BOUNDS;
  return p.lat >= b.south && p.lat <= b.north && p.lon >= b.west && p.lon <= b.east;
}

/**
 * The shore from the Haizhou Bay (Jiangsu border) in the south to the Qingdao border in the
 * north, south to north. It runs roughly NNE; the sea is east of it. Drawn from rough knowledge.
 */
const COASTLINE: readonly LatLon[] = [
  { lat: 34.85, lon: 119.17 },
  { lat: 34.95, lon: 119.22 },
  { lat: 35.03, lon: 119.28 },
  { lat: 35.08, lon: 119.33 },
  { lat: 35.11, lon: 119.36 }, // Lanshan
  { lat: 35.17, lon: 119.4 },
  { lat: 35.24, lon: 119.44 }, // Taoluo
  { lat: 35.31, lon: 119.5 },
  { lat: 35.36, lon: 119.54 },
  { lat: 35.39, lon: 119.555 }, // Shijiu, Rizhao port
  { lat: 35.44, lon: 119.575 }, // Wanpingkou
  { lat: 35.5, lon: 119.6 },
  { lat: 35.55, lon: 119.635 }, // Taohua Island, Shanhaitian
  { lat: 35.6, lon: 119.68 },
  { lat: 35.66, lon: 119.8 },
  { lat: 35.72, lon: 119.92 },
  { lat: 35.8, lon: 120.05 },
  { lat: 35.88, lon: 120.15 },
];

/** Longitude of the coast at a latitude (the polyline rises monotonically in latitude). */
export function coastLonAt(lat: number): number {
  const c = COASTLINE;
  if (lat <= c[0].lat) return c[0].lon;
  for (let i = 1; i < c.length; i++) {
    if (lat <= c[i].lat) {
      const f = (lat - c[i - 1].lat) / (c[i].lat - c[i - 1].lat);
      return c[i - 1].lon + f * (c[i].lon - c[i - 1].lon);
    }
  }
  return c[c.length - 1].lon;
}

/** East of the coastline: water. West of it: land. */
export function isAtSea(p: LatLon): boolean {
  return p.lon > coastLonAt(p.lat);
}

/** Shortest distance to the coastline polyline (flat projection: fine over tens of km). */
export function distanceToCoastM(p: LatLon): number {
  const kx = Math.cos(p.lat * RAD) * EARTH_RADIUS_M * RAD;
  const ky = EARTH_RADIUS_M * RAD;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i < COASTLINE.length; i++) {
    const a = COASTLINE[i - 1];
    const b = COASTLINE[i];
    const ax = (a.lon - p.lon) * kx;
    const ay = (a.lat - p.lat) * ky;
    const bx = (b.lon - p.lon) * kx;
    const by = (b.lat - p.lat) * ky;
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
  }
  return best;
}

export type PortId = 'rizhao' | 'lanshan' | 'taohua';

export interface Port {
  id: PortId;
  name: string;
  nameZh: string;
  /** Middle of the moorings inside the basin. */
  berth: LatLon;
  /** Harbour entrance, on water. */
  mouth: LatLon;
  /** A point a few km out where boats leave the approach channel and set course. */
  offing: LatLon;
  /** Ends of AIS destinations (six-bit text). */
  aisName: string;
}

export const PORTS: Readonly<Record<PortId, Port>> = {
  rizhao: {
    id: 'rizhao',
    name: 'Rizhao fishing port (Shijiu)',
    nameZh: '日照渔港',
    berth: { lat: 35.381, lon: 119.559 },
    mouth: { lat: 35.377, lon: 119.575 },
    offing: { lat: 35.365, lon: 119.63 },
    aisName: 'RIZHAO',
  },
  lanshan: {
    id: 'lanshan',
    name: 'Lanshan fishing port',
    nameZh: '岚山渔港',
    berth: { lat: 35.1, lon: 119.363 },
    mouth: { lat: 35.095, lon: 119.379 },
    offing: { lat: 35.08, lon: 119.43 },
    aisName: 'LANSHAN',
  },
  taohua: {
    id: 'taohua',
    name: 'Taohua Island fishing port',
    nameZh: '桃花岛渔港',
    berth: { lat: 35.52, lon: 119.622 },
    mouth: { lat: 35.517, lon: 119.636 },
    offing: { lat: 35.508, lon: 119.69 },
    aisName: 'TAOHUADAO',
  },
};

/** Radius around a port's berth inside which a vessel counts as in port (basin and entrance). */
const PORT_AREA_RADIUS_M = 2500;

export function portAt(p: LatLon): Port | undefined {
  return Object.values(PORTS).find((port) => distanceM(p, port.berth) <= PORT_AREA_RADIUS_M);
}

export interface Area {
  id: string;
  name: string;
  center: LatLon;
  radiusM: number;
}

/** Fishing grounds 15–60 km off the coast. */
export const GROUNDS: readonly Area[] = [
  { id: 'rizhao-near', name: '日照东近海', center: { lat: 35.33, lon: 119.8 }, radiusM: 6000 },
  { id: 'rizhao-offshore', name: '日照外海', center: { lat: 35.28, lon: 120.12 }, radiusM: 8000 },
  { id: 'lanshan-southeast', name: '岚山东南', center: { lat: 34.98, lon: 119.62 }, radiusM: 6000 },
  { id: 'qiansan-north', name: '前三岛北', center: { lat: 35.1, lon: 119.85 }, radiusM: 6000 },
  { id: 'taohua-east', name: '桃花岛以东', center: { lat: 35.55, lon: 119.95 }, radiusM: 7000 },
  { id: 'north-offshore', name: '北部外海', center: { lat: 35.66, lon: 120.18 }, radiusM: 8000 },
];

/** Marine ranches (海洋牧场): trawling inside is forbidden; one simulated trawler does it with its transmitters off. */
export const RANCH_ZONES: readonly Area[] = [
  { id: 'rizhao-ranch', name: '日照海洋牧场', center: { lat: 35.462, lon: 119.69 }, radiusM: 2000 },
  { id: 'lanshan-ranch', name: '岚山海洋牧场', center: { lat: 35.142, lon: 119.5 }, radiusM: 2000 },
];
