import type { Polygon, Position } from 'geojson';
import type { ZoneGeometry } from './api-types.js';

/** Spherical geometry the map needs on the client: circles as polygons, point-in-zone tests. */

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;
const CIRCLE_SIDES = 64;

/** A circle (centre [lon, lat], radius m) as a closed ring of CIRCLE_SIDES positions, for drawing. */
export function circleRing(center: [number, number], radius: number): Position[] {
  const [lon0, lat0] = [center[0] * RAD, center[1] * RAD];
  const d = radius / EARTH_RADIUS_M;
  const ring: Position[] = [];
  for (let i = 0; i < CIRCLE_SIDES; i++) {
    const bearing = (2 * Math.PI * i) / CIRCLE_SIDES;
    const lat = Math.asin(Math.sin(lat0) * Math.cos(d) + Math.cos(lat0) * Math.sin(d) * Math.cos(bearing));
    const lon = lon0 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat0), Math.cos(d) - Math.sin(lat0) * Math.sin(lat));
    ring.push([lon / RAD, lat / RAD]);
  }
  ring.push(ring[0]);
  return ring;
}

/** Great-circle distance in metres. */
export function distanceM(a: [number, number], b: [number, number]): number {
  const dLat = (b[1] - a[1]) * RAD;
  const dLon = (b[0] - a[0]) * RAD;
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * RAD) * Math.cos(b[1] * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(x));
}

/** Zone geometry as GeoJSON the map can draw (circles become polygons). */
export function drawable(g: ZoneGeometry): Exclude<ZoneGeometry, { type: 'Circle' }> {
  return g.type === 'Circle' ? { type: 'Polygon', coordinates: [circleRing(g.center, g.radius)] } : g;
}

/** Ray casting; rings after the first are holes. Fine at zone scale, where lon/lat are near planar. */
function inPolygon(p: [number, number], rings: Position[][]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

export function inZone(p: [number, number], g: ZoneGeometry): boolean {
  if (g.type === 'Circle') return distanceM(p, g.center) <= g.radius;
  const polygons: Polygon['coordinates'][] = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polygons.some((rings) => inPolygon(p, rings));
}
