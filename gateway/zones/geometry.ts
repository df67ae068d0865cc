import { computeDestinationPoint, getAreaOfPolygon, getBoundsOfDistance, isPointInPolygon } from 'geolib';
import type { Bbox, PolygonRings, Position, Ring, ZoneGeometry } from './model.js';

/**
 * Geometry checks for zones, beyond the shape the schema already checked (numbers, coordinate
 * ranges): rings closed and long enough, no ring crossing or touching itself or another ring,
 * holes inside their outer ring, parts of a MultiPolygon apart, and a sane size. A failure names
 * the ring and vertex, in words and as a path into the geometry, so a user can find it in an editor.
 */

export const ZONE_LIMITS = {
  /** 100 m²: smaller is a digitising slip, not a regulated area. */
  minAreaKm2: 0.0001,
  /** Larger than the whole Yellow Sea (≈ 380,000 km²): a wrong ring order or units. */
  maxAreaKm2: 500_000,
  minRadiusM: 10,
  maxRadiusM: 500_000,
  /** Positions in all rings; keeps checks and rules fast and bodies small. */
  maxPositions: 10_000,
} as const;

/** A path into the geometry object, e.g. `['coordinates', 0, 1, 5]` (polygon 0, ring 1, vertex 5). */
export type GeometryPath = (string | number)[];

export class GeometryError extends Error {
  override readonly name = 'GeometryError';
  constructor(
    message: string,
    readonly path: GeometryPath,
  ) {
    super(message);
  }
}

export interface GeometryFacts {
  areaKm2: number;
  bbox: Bbox;
  /** Accepted but worth fixing (RFC 7946 winding order). */
  warnings: string[];
}

/** Checks a zone geometry; throws GeometryError with the reason and where. */
export function checkZoneGeometry(geometry: ZoneGeometry): GeometryFacts {
  if (geometry.type === 'Circle') return checkCircle(geometry.center, geometry.radius);
  const multi = geometry.type === 'MultiPolygon';
  const polygons = multi ? geometry.coordinates : [geometry.coordinates];
  const rings = polygons.flatMap((rs, p) => rs.map((coords, r) => ({ coords, label: ringLabel(multi, p, r), path: multi ? ['coordinates', p, r] : ['coordinates', r] })));

  const positions = rings.reduce((n, r) => n + r.coords.length, 0);
  if (positions > ZONE_LIMITS.maxPositions) {
    throw new GeometryError(`the zone has ${positions} positions; at most ${ZONE_LIMITS.maxPositions} (simplify it)`, ['coordinates']);
  }
  for (const ring of rings) checkRing(ring);
  const crossing = findCrossing(rings.map((r) => r.coords));
  if (crossing) {
    const [a, b] = [rings[crossing.a.ring], rings[crossing.b.ring]];
    const edge = (e: EdgeRef) => `edge ${e.vertex}→${e.vertex + 1}`;
    const other = crossing.a.ring === crossing.b.ring ? edge(crossing.b) : `${b.label} ${edge(crossing.b)}`;
    throw new GeometryError(
      `${a.label} ${edge(crossing.a)} crosses or touches ${other} near ${formatPosition(crossing.near)}; rings must not intersect themselves or each other`,
      [...a.path, crossing.a.vertex],
    );
  }
  polygons.forEach((rs, p) => checkHoles(rs, (r) => ringLabel(multi, p, r), multi ? ['coordinates', p] : ['coordinates']));
  if (multi) checkPartsApart(polygons);

  const areaM2 = polygons.reduce((sum, rs) => sum + ringArea(rs[0]) - rs.slice(1).reduce((h, ring) => h + ringArea(ring), 0), 0);
  checkArea(areaM2 / 1e6);
  return { areaKm2: areaM2 / 1e6, bbox: bboxOf(polygons.flatMap((rs) => rs[0])), warnings: windingWarnings(polygons, multi) };
}

/** A circle as a closed counterclockwise polygon of `segments` sides, its vertices on the circle. */
export function circleToPolygon(center: Position, radius: number, segments = 64): Ring {
  const ring: Ring = [];
  for (let k = 0; k < segments; k++) {
    // Bearings decrease: north → west → south → east is counterclockwise on the map.
    const p = computeDestinationPoint(center, radius, (360 - (k * 360) / segments) % 360);
    ring.push([round7(p.longitude), round7(p.latitude)]);
  }
  ring.push(ring[0]);
  return ring;
}

function checkCircle(center: Position, radius: number): GeometryFacts {
  if (radius < ZONE_LIMITS.minRadiusM || radius > ZONE_LIMITS.maxRadiusM) {
    throw new GeometryError(`circle radius is ${radius} m; it must be ${ZONE_LIMITS.minRadiusM} m to ${ZONE_LIMITS.maxRadiusM / 1000} km (radius is in metres)`, ['radius']);
  }
  const [sw, ne] = getBoundsOfDistance(center, radius);
  return { areaKm2: (Math.PI * radius * radius) / 1e6, bbox: [sw.longitude, sw.latitude, ne.longitude, ne.latitude], warnings: [] };
}

function ringLabel(multi: boolean, polygon: number, ring: number): string {
  return `${multi ? `polygon ${polygon} ` : ''}ring ${ring} (${ring === 0 ? 'outer' : 'hole'})`;
}

function formatPosition([lon, lat]: Position): string {
  return `[${round7(lon)}, ${round7(lat)}]`;
}

function round7(x: number): number {
  return Math.round(x * 1e7) / 1e7;
}

function samePosition(a: Position, b: Position): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function checkRing({ coords, label, path }: { coords: Ring; label: string; path: GeometryPath }): void {
  if (coords.length < 4) {
    throw new GeometryError(`${label} has ${coords.length} positions; a ring needs at least 4, the last repeating the first`, path);
  }
  const last = coords.length - 1;
  if (!samePosition(coords[0], coords[last])) {
    throw new GeometryError(`${label} is not closed: its last position ${formatPosition(coords[last])} must repeat its first ${formatPosition(coords[0])}`, [...path, last]);
  }
  for (let i = 1; i < coords.length; i++) {
    if (samePosition(coords[i], coords[i - 1])) throw new GeometryError(`${label} vertex ${i} repeats vertex ${i - 1}; remove the duplicate`, [...path, i]);
  }
  const lons = coords.map((p) => p[0]);
  const span = Math.max(...lons) - Math.min(...lons);
  if (span > 180) {
    throw new GeometryError(`${label} spans ${Math.round(span)}° of longitude; split a zone that crosses the antimeridian into parts on each side (RFC 7946 §3.1.9)`, path);
  }
}

interface EdgeRef {
  ring: number;
  /** The edge runs from this vertex to the next. */
  vertex: number;
}

interface Edge extends EdgeRef {
  a: Position;
  b: Position;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  /** Edges in the ring, to tell neighbours (which share a vertex by construction). */
  ringEdges: number;
}

/**
 * The first pair of edges that cross or touch, other than neighbours meeting at their shared
 * vertex. A sweep over x with an active list: near n log n for zone-like shapes instead of n².
 */
function findCrossing(rings: Ring[]): { a: EdgeRef; b: EdgeRef; near: Position } | undefined {
  const edges: Edge[] = [];
  rings.forEach((coords, ring) => {
    for (let vertex = 0; vertex < coords.length - 1; vertex++) {
      const [a, b] = [coords[vertex], coords[vertex + 1]];
      edges.push({ ring, vertex, a, b, minX: Math.min(a[0], b[0]), maxX: Math.max(a[0], b[0]), minY: Math.min(a[1], b[1]), maxY: Math.max(a[1], b[1]), ringEdges: coords.length - 1 });
    }
  });
  edges.sort((e, f) => e.minX - f.minX);
  let active: Edge[] = [];
  for (const e of edges) {
    active = active.filter((f) => f.maxX >= e.minX);
    for (const f of active) {
      if (f.maxY < e.minY || f.minY > e.maxY) continue;
      const near = meeting(f, e);
      if (near) {
        const [first, second] = f.ring < e.ring || (f.ring === e.ring && f.vertex < e.vertex) ? [f, e] : [e, f];
        return { a: { ring: first.ring, vertex: first.vertex }, b: { ring: second.ring, vertex: second.vertex }, near };
      }
    }
    active.push(e);
  }
  return undefined;
}

/** Cross product sign of (q − p) × (r − p): > 0 when r is left of p→q, 0 when collinear. */
function orient(p: Position, q: Position, r: Position): number {
  return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
}

/** r is on segment p–q, given the three are collinear. */
function within(p: Position, q: Position, r: Position): boolean {
  return Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
}

/** Where two edges meet in a way a valid ring does not allow, or undefined. */
function meeting(e: Edge, f: Edge): Position | undefined {
  if (e.ring === f.ring) {
    const d = Math.abs(e.vertex - f.vertex);
    if (d === 1 || d === e.ringEdges - 1) {
      // Neighbours share a vertex; wrong only when they fold back over each other (a spike).
      const eEndsAtShared = f.vertex === e.vertex + 1 || (e.vertex === e.ringEdges - 1 && f.vertex === 0);
      const [p, shared] = eEndsAtShared ? [e.a, e.b] : [e.b, e.a];
      const q = eEndsAtShared ? f.b : f.a;
      const folds = orient(p, shared, q) === 0 && (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1]) > 0;
      return folds ? shared : undefined;
    }
  }
  const d1 = orient(f.a, f.b, e.a);
  const d2 = orient(f.a, f.b, e.b);
  const d3 = orient(e.a, e.b, f.a);
  const d4 = orient(e.a, e.b, f.b);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    const t = d1 / (d1 - d2);
    return [e.a[0] + t * (e.b[0] - e.a[0]), e.a[1] + t * (e.b[1] - e.a[1])];
  }
  if (d1 === 0 && within(f.a, f.b, e.a)) return e.a;
  if (d2 === 0 && within(f.a, f.b, e.b)) return e.b;
  if (d3 === 0 && within(e.a, e.b, f.a)) return f.a;
  if (d4 === 0 && within(e.a, e.b, f.b)) return f.b;
  return undefined;
}

/**
 * With no rings crossing or touching, a ring is inside another exactly when one of its vertices
 * is, so one point-in-polygon test per pair decides.
 */
function checkHoles(rings: PolygonRings, label: (r: number) => string, path: GeometryPath): void {
  const [outer, ...holes] = rings;
  holes.forEach((hole, h) => {
    const r = h + 1;
    if (!isPointInPolygon(hole[0], outer)) throw new GeometryError(`${label(r)} is not inside ${label(0)}; a hole must lie within its outer ring`, [...path, r]);
    for (let k = 0; k < h; k++) {
      if (isPointInPolygon(hole[0], holes[k]) || isPointInPolygon(holes[k][0], hole)) {
        throw new GeometryError(`${label(r)} and ${label(k + 1)} are nested; holes of one polygon must not contain each other`, [...path, r]);
      }
    }
  });
}

function insidePolygon(point: Position, rings: PolygonRings): boolean {
  return isPointInPolygon(point, rings[0]) && !rings.slice(1).some((hole) => isPointInPolygon(point, hole));
}

/** Parts of a MultiPolygon must not overlap (an island may sit in another part's hole). */
function checkPartsApart(polygons: PolygonRings[]): void {
  const boxes = polygons.map((rs) => bboxOf(rs[0]));
  for (let q = 1; q < polygons.length; q++) {
    for (let p = 0; p < q; p++) {
      const [a, b] = [boxes[p], boxes[q]];
      if (a[2] < b[0] || b[2] < a[0] || a[3] < b[1] || b[3] < a[1]) continue;
      if (insidePolygon(polygons[q][0][0], polygons[p]) || insidePolygon(polygons[p][0][0], polygons[q])) {
        throw new GeometryError(`polygon ${q} overlaps polygon ${p}; parts of a MultiPolygon must not overlap (merge them into one polygon)`, ['coordinates', q]);
      }
    }
  }
}

/** m², on the sphere. */
function ringArea(ring: Ring): number {
  return getAreaOfPolygon(ring.slice(0, -1));
}

function checkArea(areaKm2: number): void {
  if (areaKm2 < ZONE_LIMITS.minAreaKm2) {
    throw new GeometryError(`the zone's area is ${Math.round(areaKm2 * 1e6)} m²; at least ${ZONE_LIMITS.minAreaKm2 * 1e6} m² (are the positions [longitude, latitude] in degrees?)`, ['coordinates']);
  }
  if (areaKm2 > ZONE_LIMITS.maxAreaKm2) {
    throw new GeometryError(`the zone's area is ${Math.round(areaKm2).toLocaleString('en')} km²; at most ${ZONE_LIMITS.maxAreaKm2.toLocaleString('en')} km² (are the positions [longitude, latitude] in degrees?)`, ['coordinates']);
  }
}

function bboxOf(positions: readonly Position[]): Bbox {
  const box: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of positions) {
    box[0] = Math.min(box[0], lon);
    box[1] = Math.min(box[1], lat);
    box[2] = Math.max(box[2], lon);
    box[3] = Math.max(box[3], lat);
  }
  return box;
}

/** Twice the signed planar area in degrees²: positive when counterclockwise. */
function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++) sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return sum;
}

/** RFC 7946 §3.1.6: outer rings counterclockwise, holes clockwise — advised, not required. */
function windingWarnings(polygons: PolygonRings[], multi: boolean): string[] {
  const warnings: string[] = [];
  polygons.forEach((rs, p) =>
    rs.forEach((ring, r) => {
      const counterclockwise = signedArea(ring) > 0;
      if (counterclockwise !== (r === 0)) {
        warnings.push(`${ringLabel(multi, p, r)} is ${counterclockwise ? 'counterclockwise' : 'clockwise'}; RFC 7946 advises ${r === 0 ? 'counterclockwise outer rings' : 'clockwise holes'} (accepted as it is)`);
      }
    }),
  );
  return warnings;
}
