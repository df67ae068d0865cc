import type { Position, ZoneGeometry } from '../zones/model.js';

/**
 * Zone geometries prepared once for the rules engine's point checks. Every polygon part (a polygon,
 * or one polygon of a MultiPolygon) and every circle is a "part"; all parts live in a few flat typed
 * arrays (layout below).
 *
 * Semantics match the rest of Tidewatch (gateway/zones/geometry.ts, geolib): polygon edges are
 * straight lines in longitude/latitude, as geolib's isPointInPolygon draws them, and a circle is a
 * spherical cap on the sphere of geolib's isPointWithinRadius and getBoundsOfDistance (radius
 * 6,378,137 m). The boundary counts as inside.
 *
 * Longitudes are not wrapped: validation rejects a ring spanning more than 180°, and Tidewatch's
 * waters (117–127°E) are far from the antimeridian, so a circle within its radius of ±180° does not
 * reach across it.
 */

/** geolib's earth radius, so circles here are the circles validation and isPointWithinRadius use. */
export const EARTH_RADIUS_M = 6_378_137;
const RAD = Math.PI / 180;

/** Edges per latitude band, about: a point check scans only the edges of its band. */
const EDGES_PER_BAND = 4;
/** Caps the bands of a large ring, and with them the copies of edges that cross several. */
const MAX_BANDS = 64;
/** Widens a circle's box by ~0.1 mm so rounding cannot drop a point on the circle. */
const CIRCLE_BOX_SLACK_DEG = 1e-9;

/** A grid cell's relation to a part (classifyCells): no point of the cell is in it, some may be, all are. */
export const CELL_OUTSIDE = 0;
export const CELL_PARTIAL = 1;
export const CELL_FULL = 2;
/** classifyCells widens each cell by this much (~0.1 mm): far above the rounding of a point's cell (~1e-14°). */
const CELL_SLACK_DEG = 1e-9;
/** Circles wider than this are never FULL in a cell (classifyCells' corner argument assumes a small cap); none are near it. */
const CIRCLE_FULL_MAX_RADIUS_M = 1_000_000;

/**
 * Metres along the great circle between two points (haversine: well conditioned at short range,
 * exact on the sphere to floating-point rounding).
 */
export function greatCircleMetres(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const sinHalfLat = Math.sin(((lat2 - lat1) * RAD) / 2);
  const sinHalfLon = Math.sin(((lon2 - lon1) * RAD) / 2);
  const h = sinHalfLat * sinHalfLat + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * sinHalfLon * sinHalfLon;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(Math.min(1, h)));
}

/**
 * The latitude band of `lat` in a part whose bands start at `minLat`. Monotonic in `lat`
 * (floating-point subtraction and multiplication are), so an edge listed in the bands of its two
 * ends' latitudes is listed in the band of every latitude between them.
 */
function bandOf(lat: number, minLat: number, bandsPerDegree: number, lastBand: number): number {
  return Math.min(lastBand, Math.floor((lat - minLat) * bandsPerDegree));
}

/*
 * Layout. Uniformly spread points make nearly every candidate check a cache miss, so the layout,
 * not the arithmetic, sets the speed: a part's fields share one 64-byte row of `header`, its band's
 * edge list is one run of `bandEdges`, and those edges sit close together in `coords` —
 *   polygon row: POLYGON, minLat, maxLat, bands per degree, last band, its first band's index in
 *                `bandStarts` (band b lists bandEdges[bandStarts[b]] … bandEdges[bandStarts[b + 1] − 1],
 *                each the coords index of an edge's first end; an edge crossing several bands is in each);
 *   circle row:  CIRCLE, centre lon, centre lat, cos(centre lat), sin²(radius / 2R) (the haversine a
 *                point's must not exceed), radius.
 */
const HEADER = 8;
const KIND = 0;
const POLYGON = 0;
const CIRCLE = 1;
const MIN_LAT = 1;
const MAX_LAT = 2;
const BANDS_PER_DEGREE = 3;
const LAST_BAND = 4;
const FIRST_BAND = 5;
const CENTER_LON = 1;
const CENTER_LAT = 2;
const COS_CENTER_LAT = 3;
const MAX_HAVERSINE = 4;
const RADIUS = 5;

/** The parts of some zone geometries, numbered in order: geometry g has parts firstPart(g) … firstPart(g + 1) − 1. */
export class PreparedShapes {
  readonly partCount: number;
  /** minLon, minLat, maxLon, maxLat per part. */
  readonly boxes: Float64Array;
  /** The geometry each part belongs to. */
  readonly geometryOfPart: Int32Array;
  private readonly firstParts: Int32Array;
  private readonly header: Float64Array;
  private readonly bandStarts: Int32Array;
  private readonly bandEdges: Int32Array;
  /** lon, lat, … of every ring, each closed, a part's outer ring first; part p's rings end at coords index ringEnds[r], r in firstRing[p] … firstRing[p + 1] − 1. */
  private readonly coords: Float64Array;
  private readonly ringEnds: Int32Array;
  private readonly firstRing: Int32Array;

  constructor(geometries: readonly ZoneGeometry[]) {
    const n = geometries.reduce((sum, g) => sum + (g.type === 'MultiPolygon' ? g.coordinates.length : 1), 0);
    this.partCount = n;
    this.boxes = new Float64Array(n * 4);
    this.geometryOfPart = new Int32Array(n);
    this.firstParts = new Int32Array(geometries.length + 1);
    this.header = new Float64Array(n * HEADER);
    this.firstRing = new Int32Array(n + 1);

    const built: Gathered = { coords: [], ringEnds: [], bandStarts: [], bandEdges: [] };
    let part = 0;
    geometries.forEach((geometry, g) => {
      this.firstParts[g] = part;
      const polygons = geometry.type === 'Circle' ? [] : geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
      const parts = geometry.type === 'Circle' ? 1 : polygons.length;
      for (let k = 0; k < parts; k++, part++) {
        this.geometryOfPart[part] = g;
        this.firstRing[part] = built.ringEnds.length;
        if (geometry.type === 'Circle') this.prepareCircle(part, geometry.center, geometry.radius);
        else this.preparePolygon(part, polygons[k], built);
      }
    });
    this.firstParts[geometries.length] = part;
    this.firstRing[n] = built.ringEnds.length;
    built.bandStarts.push(built.bandEdges.length);
    this.coords = Float64Array.from(built.coords);
    this.ringEnds = Int32Array.from(built.ringEnds);
    this.bandStarts = Int32Array.from(built.bandStarts);
    this.bandEdges = Int32Array.from(built.bandEdges);
  }

  firstPart(geometry: number): number {
    return this.firstParts[geometry];
  }

  private prepareCircle(part: number, [lon, lat]: Position, radius: number): void {
    const angle = radius / EARTH_RADIUS_M;
    const sinHalf = Math.sin(angle / 2);
    const cosLat = Math.cos(lat * RAD);
    this.header.set([CIRCLE, lon, lat, cosLat, sinHalf * sinHalf, radius], part * HEADER);
    // The cap's exact box on the sphere; the whole circle of longitudes when it reaches a pole.
    const dLat = angle / RAD;
    const dLon = Math.sin(angle) < cosLat ? Math.asin(Math.sin(angle) / cosLat) / RAD : 180;
    const s = CIRCLE_BOX_SLACK_DEG;
    this.boxes.set([lon - dLon - s, lat - dLat - s, lon + dLon + s, lat + dLat + s], part * 4);
  }

  private preparePolygon(part: number, rings: Position[][], { coords, ringEnds, bandStarts, bandEdges }: Gathered): void {
    const firstCoord = coords.length;
    for (const ring of rings) {
      for (const [lon, lat] of ring) coords.push(lon, lat);
      if (!samePosition(ring[0], ring[ring.length - 1])) coords.push(ring[0][0], ring[0][1]);
      ringEnds.push(coords.length);
    }
    // The outer ring's box, for valid zones; over every ring so a stray hole cannot fall outside the bands.
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    for (const ring of rings) {
      for (const [lon, lat] of ring) {
        box[0] = Math.min(box[0], lon);
        box[1] = Math.min(box[1], lat);
        box[2] = Math.max(box[2], lon);
        box[3] = Math.max(box[3], lat);
      }
    }
    this.boxes.set(box, part * 4);
    const [, minLat, , maxLat] = box;

    // Every edge, as the coords index of its first end (skipping the step from one ring to the next).
    const edges: number[] = [];
    let ringStart = firstCoord;
    for (let r = ringEnds.length - rings.length; r < ringEnds.length; r++) {
      for (let e = ringStart; e < ringEnds[r] - 2; e += 2) edges.push(e);
      ringStart = ringEnds[r];
    }
    const bands = Math.max(1, Math.min(MAX_BANDS, Math.ceil(edges.length / EDGES_PER_BAND)));
    // A flat (zero-area, invalid) ring keeps every edge in band 0.
    const perDegree = maxLat > minLat ? bands / (maxLat - minLat) : 0;
    const bandRange = (e: number): [number, number] => {
      const [y1, y2] = [coords[e + 1], coords[e + 3]];
      return [bandOf(Math.min(y1, y2), minLat, perDegree, bands - 1), bandOf(Math.max(y1, y2), minLat, perDegree, bands - 1)];
    };
    // Band lists laid out by counting first, then filling (no list per band).
    const fill = new Int32Array(bands + 1);
    for (const e of edges) {
      const [first, last] = bandRange(e);
      for (let b = first; b <= last; b++) fill[b + 1]++;
    }
    for (let b = 0; b < bands; b++) fill[b + 1] += fill[b];
    const base = bandEdges.length;
    this.header.set([POLYGON, minLat, maxLat, perDegree, bands - 1, bandStarts.length], part * HEADER);
    for (let b = 0; b < bands; b++) bandStarts.push(base + fill[b]);
    bandEdges.length = base + fill[bands];
    for (const e of edges) {
      const [first, last] = bandRange(e);
      for (let b = first; b <= last; b++) bandEdges[base + fill[b]++] = e;
    }
  }

  /**
   * Whether a part contains the point, boundary included. Circles compute cos(lat) of the point
   * themselves: taking it from the caller, computed once per query, would box a fresh double on every
   * call that V8 does not inline (~16 bytes of garbage per check on the ingest path).
   *
   * Polygons: even-odd ray casting eastwards over the outer ring and the holes together (a point in
   * a hole crosses both rings), over the edges of the point's latitude band only. An edge counts when
   * it straddles the point's latitude half-open, so a ray through a vertex counts once; the side of
   * the edge comes from the sign of a cross product, which is exactly 0 on vertices and on
   * north-south edges, so those boundary points are inside exactly. A point off a slanted edge by
   * less than float rounding (~1e-14°, nanometres) may land on either side.
   */
  contains(part: number, lon: number, lat: number): boolean {
    const h = this.header;
    const row = part * HEADER;
    if (h[row + KIND] === CIRCLE) {
      const sinHalfLat = Math.sin(((lat - h[row + CENTER_LAT]) * RAD) / 2);
      const sinHalfLon = Math.sin(((lon - h[row + CENTER_LON]) * RAD) / 2);
      return sinHalfLat * sinHalfLat + h[row + COS_CENTER_LAT] * Math.cos(lat * RAD) * sinHalfLon * sinHalfLon <= h[row + MAX_HAVERSINE];
    }
    const minLat = h[row + MIN_LAT];
    // The spatial index only asks about points in the part's box; distanceOutside may not.
    if (!(lat >= minLat && lat <= h[row + MAX_LAT])) return false;
    const band = h[row + FIRST_BAND] + bandOf(lat, minLat, h[row + BANDS_PER_DEGREE], h[row + LAST_BAND]);
    const c = this.coords;
    const edges = this.bandEdges;
    let inside = false;
    for (let k = this.bandStarts[band], end = this.bandStarts[band + 1]; k < end; k++) {
      const i = edges[k];
      const x1 = c[i];
      const y1 = c[i + 1];
      const x2 = c[i + 2];
      const y2 = c[i + 3];
      if (y1 > lat !== y2 > lat) {
        const cross = (x2 - x1) * (lat - y1) - (y2 - y1) * (lon - x1);
        if (cross === 0) return true;
        // Left of a northward edge, or right of a southward one: the edge is east of the point.
        if (cross > 0 === y2 > y1) inside = !inside;
      } else if (y1 === lat && (x1 === lon || (y2 === lat && (lon - x1) * (lon - x2) <= 0))) {
        return true; // on a vertex the straddle test passed by, or on an east-west edge
      }
    }
    return inside;
  }

  /**
   * How each cell of a uniform lon/lat grid relates to a part, for ZoneIndex's grid: writes CELL_OUTSIDE,
   * CELL_PARTIAL or CELL_FULL into `classes[(j − j0) × (i1 − i0 + 1) + (i − i0)]` for the cells i0 … i1 by
   * j0 … j1 (cell (i, j) spans x0 + i·width … x0 + (i + 1)·width by y0 + j·height … y0 + (j + 1)·height).
   *
   * Conservative: every cell is first widened by CELL_SLACK_DEG on each side, so a point the caller
   * assigns to a cell by rounding (off it by ~1e-14°) is still in the widened cell, and so the exact
   * classification cannot be upset by float rounding near the boundary (which puts anything within
   * CELL_SLACK_DEG of it in PARTIAL, where `contains` decides).
   *
   * Polygons: a cell that some ring edge meets (segment against the closed widened rectangle) is
   * PARTIAL. A cell no edge meets lies wholly on one side of the boundary: FULL when its 4 corners
   * are inside the part (in the outer ring, in none of its holes: `contains`, even-odd over all
   * rings), OUTSIDE when all 4 are outside, PARTIAL otherwise (which the geometry rules out; kept so a
   * rounding surprise costs speed, not a wrong answer). A hole wholly inside a cell has edges in it, so
   * the cell is PARTIAL. Edges are rasterised (each edge tests the cells of its own box), so a part
   * costs O(edges × cells along each edge + cells × one point check), not O(edges × cells).
   *
   * Circles: FULL when the farthest widened corner is inside (on the sphere the largest haversine over a
   * lon/lat rectangle is at a corner: it grows with |Δlon| at any latitude, and is convex in latitude
   * at any longitude while sin²(Δlon/2) < ½·cos(Δlat)/(cos φ·cos φc), true for every cell whose corners are
   * within the radius, which is capped at CIRCLE_FULL_MAX_RADIUS_M); OUTSIDE when a lower bound of the
   * haversine over the cell (nearest latitude and longitude taken separately, the smallest cos φ) exceeds
   * the radius's; PARTIAL otherwise. Both thresholds carry a relative margin of 1e-9.
   */
  classifyCells(
    part: number,
    x0: number,
    y0: number,
    width: number,
    height: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    classes: Uint8Array,
  ): void {
    const columns = i1 - i0 + 1;
    const s = CELL_SLACK_DEG;
    const row = part * HEADER;
    const h = this.header;
    if (h[row + KIND] === CIRCLE) {
      const [lon, lat, cosLat, maxHav] = [h[row + CENTER_LON], h[row + CENTER_LAT], h[row + COS_CENTER_LAT], h[row + MAX_HAVERSINE]];
      const fullAllowed = h[row + RADIUS] <= CIRCLE_FULL_MAX_RADIUS_M;
      for (let j = j0; j <= j1; j++) {
        const [ya, yb] = [y0 + j * height - s, y0 + (j + 1) * height + s];
        for (let i = i0; i <= i1; i++) {
          const [xa, xb] = [x0 + i * width - s, x0 + (i + 1) * width + s];
          let cls = CELL_PARTIAL;
          if (fullAllowed && Math.max(haversineOf(lon, lat, cosLat, xa, ya), haversineOf(lon, lat, cosLat, xb, ya), haversineOf(lon, lat, cosLat, xa, yb), haversineOf(lon, lat, cosLat, xb, yb)) <= maxHav * (1 - 1e-9)) {
            cls = CELL_FULL;
          } else {
            const dLat = lat < ya ? ya - lat : lat > yb ? lat - yb : 0;
            const dLon = lon < xa ? xa - lon : lon > xb ? lon - xb : 0;
            const minCos = Math.cos(Math.min(90, Math.max(Math.abs(ya), Math.abs(yb))) * RAD);
            const sinHalfLat = Math.sin((dLat * RAD) / 2);
            const sinHalfLon = Math.sin((Math.min(180, dLon) * RAD) / 2);
            if (sinHalfLat * sinHalfLat + cosLat * minCos * sinHalfLon * sinHalfLon > maxHav * (1 + 1e-9)) cls = CELL_OUTSIDE;
          }
          classes[(j - j0) * columns + (i - i0)] = cls;
        }
      }
      return;
    }

    // Edges first: every cell an edge meets is PARTIAL; 0 marks "no edge", decided by its corners below.
    classes.fill(0, 0, columns * (j1 - j0 + 1));
    const c = this.coords;
    const cellOf = (v: number, origin: number, size: number, first: number, last: number) =>
      size > 0 ? Math.min(last, Math.max(first, Math.floor((v - origin) / size))) : first;
    let start = this.firstRing[part] > 0 ? this.ringEnds[this.firstRing[part] - 1] : 0;
    for (let r = this.firstRing[part]; r < this.firstRing[part + 1]; r++) {
      const end = this.ringEnds[r];
      for (let e = start; e < end - 2; e += 2) {
        const [ax, ay, bx, by] = [c[e], c[e + 1], c[e + 2], c[e + 3]];
        const [ea, eb] = [cellOf(Math.min(ax, bx) - s, x0, width, i0, i1), cellOf(Math.max(ax, bx) + s, x0, width, i0, i1)];
        const [fa, fb] = [cellOf(Math.min(ay, by) - s, y0, height, j0, j1), cellOf(Math.max(ay, by) + s, y0, height, j0, j1)];
        for (let j = fa; j <= fb; j++) {
          const [ya, yb] = [y0 + j * height - s, y0 + (j + 1) * height + s];
          for (let i = ea; i <= eb; i++) {
            const k = (j - j0) * columns + (i - i0);
            if (classes[k] === 0 && segmentMeetsBox(ax, ay, bx, by, x0 + i * width - s, ya, x0 + (i + 1) * width + s, yb)) classes[k] = CELL_PARTIAL;
          }
        }
      }
      start = end;
    }
    // The cells' own corners, each tested once though up to 4 cells share it (corner (i, j) is cell (i, j)'s
    // south-west one). A cell no edge meets, widened, has its corners CELL_SLACK_DEG inside the widened
    // cell, so at least that far from every edge: far beyond what rounding can move a ray cast by.
    const stride = columns + 1;
    const corners = new Int8Array(stride * (j1 - j0 + 2)).fill(-1);
    const corner = (i: number, j: number): number => {
      const k = (j - j0) * stride + (i - i0);
      if (corners[k] < 0) corners[k] = this.contains(part, x0 + i * width, y0 + j * height) ? 1 : 0;
      return corners[k];
    };
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const k = (j - j0) * columns + (i - i0);
        if (classes[k] !== 0) continue;
        const inside = corner(i, j) + corner(i + 1, j) + corner(i, j + 1) + corner(i + 1, j + 1);
        classes[k] = inside === 4 ? CELL_FULL : inside === 0 ? CELL_OUTSIDE : CELL_PARTIAL;
      }
    }
  }

  /** Metres from the point to the geometry's area: 0 inside (boundary included), else to the nearest boundary. */
  distanceOutside(geometry: number, lon: number, lat: number): number {
    const [first, end] = [this.firstParts[geometry], this.firstParts[geometry + 1]];
    let nearest = Infinity;
    for (let part = first; part < end; part++) {
      if (this.contains(part, lon, lat)) return 0;
      nearest = Math.min(nearest, this.distanceToBoundary(part, lon, lat));
    }
    return nearest;
  }

  /**
   * Metres from the point to the part's boundary. Circles: exact on the sphere. Polygons: the nearest
   * boundary point is found in an equirectangular projection centred on the point (lon/lat-straight
   * edges stay straight in it, so the search is exact for the edges as drawn), and its distance is
   * then measured on the sphere. The projection's scale error, about tan(lat)·Δlat, only affects
   * which boundary point is picked, so the result is the true distance to a boundary point and at
   * most that much longer than the nearest: ≤ 0.1% within 10 km at 35°N, i.e. centimetres at
   * hysteresis margins of a few hundred metres. (Edges are lon/lat-straight, as containment draws
   * them; a great-circle edge of 20 km would bow ~5 m from one at 35°N.)
   */
  private distanceToBoundary(part: number, lon: number, lat: number): number {
    const row = part * HEADER;
    if (this.header[row + KIND] === CIRCLE) {
      return Math.abs(greatCircleMetres(lon, lat, this.header[row + CENTER_LON], this.header[row + CENTER_LAT]) - this.header[row + RADIUS]);
    }
    const c = this.coords;
    const kx = Math.cos(lat * RAD);
    let best = Infinity;
    let nearestLon = lon;
    let nearestLat = lat;
    let start = this.firstRing[part] > 0 ? this.ringEnds[this.firstRing[part] - 1] : 0;
    for (let r = this.firstRing[part]; r < this.firstRing[part + 1]; r++) {
      const end = this.ringEnds[r];
      for (let i = start; i < end - 2; i += 2) {
        const ax = (c[i] - lon) * kx;
        const ay = c[i + 1] - lat;
        const ex = (c[i + 2] - c[i]) * kx;
        const ey = c[i + 3] - c[i + 1];
        const lengthSq = ex * ex + ey * ey;
        const t = lengthSq === 0 ? 0 : Math.min(1, Math.max(0, -(ax * ex + ay * ey) / lengthSq));
        const dx = ax + t * ex;
        const dy = ay + t * ey;
        if (dx * dx + dy * dy < best) {
          best = dx * dx + dy * dy;
          nearestLon = c[i] + t * (c[i + 2] - c[i]);
          nearestLat = c[i + 1] + t * ey;
        }
      }
      start = end;
    }
    return greatCircleMetres(lon, lat, nearestLon, nearestLat);
  }
}

/** The haversine (sin² of half the central angle) from a centre, given cos of its latitude, to a point. */
function haversineOf(lon: number, lat: number, cosLat: number, x: number, y: number): number {
  const sinHalfLat = Math.sin(((y - lat) * RAD) / 2);
  const sinHalfLon = Math.sin(((x - lon) * RAD) / 2);
  return sinHalfLat * sinHalfLat + cosLat * Math.cos(y * RAD) * sinHalfLon * sinHalfLon;
}

/**
 * Whether the segment a–b meets the closed box [xa, xb] × [ya, yb]: their boxes overlap and the
 * segment's line does not leave all 4 corners strictly on one side. Touching counts as meeting.
 */
function segmentMeetsBox(ax: number, ay: number, bx: number, by: number, xa: number, ya: number, xb: number, yb: number): boolean {
  if (Math.max(ax, bx) < xa || Math.min(ax, bx) > xb || Math.max(ay, by) < ya || Math.min(ay, by) > yb) return false;
  const [dx, dy] = [bx - ax, by - ay];
  const side = (x: number, y: number) => Math.sign(dx * (y - ay) - dy * (x - ax));
  const sum = side(xa, ya) + side(xb, ya) + side(xa, yb) + side(xb, yb);
  return sum !== 4 && sum !== -4;
}

/** The growing arrays the polygon parts are gathered into while building. */
interface Gathered {
  coords: number[];
  ringEnds: number[];
  bandStarts: number[];
  bandEdges: number[];
}

function samePosition(a: Position, b: Position): boolean {
  return a[0] === b[0] && a[1] === b[1];
}
