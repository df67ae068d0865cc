import fc from 'fast-check';
import { computeDestinationPoint, getDistance, getDistanceFromLine, isPointInPolygon, isPointWithinRadius } from 'geolib';
import { describe, expect, it } from 'vitest';
import { ZoneIndex } from '../../gateway/rules/zone-index.js';
import { greatCircleMetres } from '../../gateway/rules/zone-shapes.js';
import { checkZoneGeometry } from '../../gateway/zones/geometry.js';
import type { PolygonRings, Position, ZoneGeometry, ZoneVersion } from '../../gateway/zones/model.js';
import { rectangle } from '../zones/rizhao.js';

const t = (s: string) => Date.parse(s);
const NOW = t('2026-06-01T00:00:00Z');
const RAD = Math.PI / 180;

let nextZoneId = 1;

/** A version as the store would give it: geometry checked, bbox and area from checkZoneGeometry. */
function zone(geometry: ZoneGeometry, v: Partial<Pick<ZoneVersion, 'zoneId' | 'version' | 'effectiveFrom' | 'effectiveTo' | 'retired'>> = {}): ZoneVersion {
  const { areaKm2, bbox } = checkZoneGeometry(geometry);
  return {
    zoneId: v.zoneId ?? nextZoneId++,
    version: v.version ?? 1,
    effectiveFrom: v.effectiveFrom ?? t('2025-01-01T00:00:00Z'),
    ...(v.effectiveTo !== undefined ? { effectiveTo: v.effectiveTo } : {}),
    retired: v.retired ?? false,
    geometry,
    properties: { name: '测试区', kind: 'custom', severity: 'warning', windows: [] },
    areaKm2,
    bbox,
    createdBy: 'test',
    createdAt: 0,
  };
}

/** Off Rizhao: a marine ranch with a reef hole, two reef patches, a wreck circle. */
const ranch = zone({ type: 'Polygon', coordinates: [rectangle(119.7, 35.1, 119.85, 35.2), rectangle(119.75, 35.13, 119.8, 35.17).reverse()] });
const reefs = zone({ type: 'MultiPolygon', coordinates: [[rectangle(119.9, 35.0, 119.95, 35.05)], [rectangle(120.0, 35.0, 120.05, 35.05)]] });
const wreck = zone({ type: 'Circle', center: [119.65, 35.05], radius: 2000 });
const triangle = zone({ type: 'Polygon', coordinates: [[[120, 35], [121, 35], [121, 36], [120, 35]]] });

const ids = (found: ZoneVersion[]) => found.map((v) => `${v.zoneId}.${v.version}`).sort();

/** geolib deciding one zone, the naive way: any part's outer ring and none of its holes, or within the radius. */
function geolibContains(geometry: ZoneGeometry, [lon, lat]: Position): boolean {
  const point = { longitude: lon, latitude: lat };
  if (geometry.type === 'Circle') return isPointWithinRadius(point, { longitude: geometry.center[0], latitude: geometry.center[1] }, geometry.radius);
  const parts = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return parts.some(([outer, ...holes]) => isPointInPolygon(point, outer) && !holes.some((hole) => isPointInPolygon(point, hole)));
}

function rings(geometry: ZoneGeometry): PolygonRings {
  if (geometry.type === 'Circle') return [];
  return geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
}

/** Planar distance in degrees from the point to the nearest ring edge. */
function degreesToEdge(geometry: ZoneGeometry, [x, y]: Position): number {
  let best = Infinity;
  for (const ring of rings(geometry)) {
    for (let i = 0; i < ring.length - 1; i++) {
      const [[ax, ay], [bx, by]] = [ring[i], ring[i + 1]];
      const [ex, ey] = [bx - ax, by - ay];
      const s = Math.min(1, Math.max(0, ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)));
      best = Math.min(best, Math.hypot(ax + s * ex - x, ay + s * ey - y));
    }
  }
  return best;
}

/**
 * Points a rounding error from the boundary are legitimately decided either way (geolib counts some
 * boundary points out, we count them in): ~0.1 mm for polygons; for circles 5 cm, as geolib rounds
 * distances to 1 cm.
 */
function onTheFence(geometry: ZoneGeometry, p: Position): boolean {
  if (geometry.type === 'Circle') return Math.abs(greatCircleMetres(p[0], p[1], geometry.center[0], geometry.center[1]) - geometry.radius) < 0.05;
  return degreesToEdge(geometry, p) < 1e-9;
}

describe('ZoneIndex.containing', () => {
  const index = ZoneIndex.build([ranch, reefs, wreck, triangle]);
  const at = (lon: number, lat: number, time = NOW) => ids(index.containing(lon, lat, time));

  it('finds polygons, not their holes, each MultiPolygon part, circles', () => {
    expect(index.size).toBe(4);
    expect(at(119.72, 35.15)).toEqual(ids([ranch]));
    expect(at(119.775, 35.15)).toEqual([]); // in the reef hole
    expect(at(119.92, 35.02)).toEqual(ids([reefs]));
    expect(at(120.02, 35.02)).toEqual(ids([reefs]));
    expect(at(119.97, 35.02)).toEqual([]); // between the reef patches
    expect(at(119.65, 35.05)).toEqual(ids([wreck]));
    expect(at(118, 34)).toEqual([]);
  });

  it('counts the boundary as inside: edges, vertices, hole edges, a slanted edge, the circle', () => {
    for (const [lon, lat] of [
      [119.7, 35.15], // west edge
      [119.85, 35.12], // east edge
      [119.72, 35.1], // south edge
      [119.72, 35.2], // north edge
      [119.7, 35.1], // south-west corner
      [119.85, 35.2], // north-east corner
      [119.75, 35.15], // hole's west edge
      [119.775, 35.17], // hole's north edge
      [119.8, 35.13], // hole's corner
    ]) {
      expect(at(lon, lat), `${lon}, ${lat}`).toEqual(ids([ranch]));
    }
    expect(at(120.5, 35.5)).toEqual(ids([triangle])); // on the hypotenuse: the cross product is exactly 0
    expect(at(121, 36)).toEqual(ids([triangle]));
    const north = computeDestinationPoint({ longitude: 119.65, latitude: 35.05 }, 1999.99, 0, 6_378_137);
    const beyond = computeDestinationPoint({ longitude: 119.65, latitude: 35.05 }, 2000.01, 0, 6_378_137);
    expect(at(north.longitude, north.latitude)).toEqual(ids([wreck]));
    expect(at(beyond.longitude, beyond.latitude)).toEqual([]);
  });

  it('counts a ray through a vertex once', () => {
    const diamond = zone({ type: 'Polygon', coordinates: [[[120, 35], [121, 34], [122, 35], [121, 36], [120, 35]]] });
    const single = ZoneIndex.build([diamond]);
    const level = (lon: number) => single.containing(lon, 35, NOW).length;
    expect([119.5, 120.5, 121, 121.5, 122.5].map(level)).toEqual([0, 1, 1, 1, 0]);
    const hexagon = zone({ type: 'Polygon', coordinates: [[[120, 35], [120.5, 34], [121.5, 34], [122, 35], [121.5, 36], [120.5, 36], [120, 35]]] });
    const flat = ZoneIndex.build([hexagon]);
    expect([119.9, 120.2, 121, 122.1].map((lon) => flat.containing(lon, 34, NOW).length)).toEqual([0, 0, 1, 0]); // along the south edge
  });

  it('returns a MultiPolygon once, even when given overlapping parts', () => {
    // Validation would reject parts that touch; the index must still not list the zone twice.
    const doubled: ZoneVersion = { ...zone({ type: 'Polygon', coordinates: [rectangle(121, 35, 121.2, 35.1)] }), geometry: { type: 'MultiPolygon', coordinates: [[rectangle(121, 35, 121.1, 35.1)], [rectangle(121.1, 35, 121.2, 35.1)]] } };
    expect(ids(ZoneIndex.build([doubled]).containing(121.1, 35.05, NOW))).toEqual(ids([doubled]));
  });

  it('picks the version in effect: effectiveFrom inclusive, effectiveTo exclusive, retired never', () => {
    const changed = t('2026-03-01T00:00:00Z');
    const retiredAt = t('2026-05-01T00:00:00Z');
    const zoneId = 900;
    const v1 = zone({ type: 'Polygon', coordinates: [rectangle(122, 35, 122.2, 35.2)] }, { zoneId, version: 1, effectiveFrom: t('2025-01-01T00:00:00Z'), effectiveTo: changed });
    const v2 = zone({ type: 'Polygon', coordinates: [rectangle(122.1, 35, 122.3, 35.2)] }, { zoneId, version: 2, effectiveFrom: changed, effectiveTo: retiredAt });
    const v3 = zone(v2.geometry, { zoneId, version: 3, effectiveFrom: retiredAt, retired: true });
    const future = zone({ type: 'Circle', center: [122.15, 35.1], radius: 500 }, { effectiveFrom: t('2027-01-01T00:00:00Z') });
    const history = ZoneIndex.build([v1, v2, v3, future]);
    const found = (lon: number, time: number) => ids(history.containing(lon, 35.1, time));

    expect(history.size).toBe(4);
    expect(found(122.05, t('2024-12-31T23:59:59Z'))).toEqual([]); // before the first version
    expect(found(122.05, t('2025-01-01T00:00:00Z'))).toEqual(ids([v1]));
    expect(found(122.05, changed - 1)).toEqual(ids([v1]));
    expect(found(122.05, changed)).toEqual([]); // v1 ended; v2 does not reach 122.05
    expect(found(122.25, changed)).toEqual(ids([v2]));
    expect(found(122.15, changed)).toEqual(ids([v2]));
    expect(found(122.15, retiredAt - 1)).toEqual(ids([v2]));
    expect(found(122.15, retiredAt)).toEqual([]); // retired
    expect(found(122.15, t('2027-01-01T00:00:00Z'))).toEqual(ids([future])); // the future circle, once in effect
  });

  it('writes into the given array, clearing it first', () => {
    const out = [triangle, triangle];
    expect(index.containing(119.65, 35.05, NOW, out)).toBe(out);
    expect(ids(out)).toEqual(ids([wreck]));
    expect(index.containing(118, 34, NOW, out)).toEqual([]);
  });

  it('an empty index, or one of retired versions only, finds nothing', () => {
    const empty = ZoneIndex.build([]);
    expect(empty.size).toBe(0);
    expect(empty.containing(119.72, 35.15, NOW, [ranch])).toEqual([]);
    const retired = ZoneIndex.build([zone(ranch.geometry, { retired: true })]);
    expect(retired.size).toBe(1);
    expect(retired.containing(119.72, 35.15, NOW)).toEqual([]);
  });

  it('does not wrap longitudes: zones are validated not to cross the antimeridian, and Tidewatch waters are 117–127°E', () => {
    const dateLine = ZoneIndex.build([zone({ type: 'Circle', center: [179.999, 0], radius: 1000 })]);
    expect(dateLine.containing(179.9999, 0, NOW)).toHaveLength(1);
    expect(dateLine.containing(-179.9999, 0, NOW)).toEqual([]); // 122 m from the centre, across ±180°: not supported
  });
});

describe('ZoneIndex.distanceOutside', () => {
  const index = ZoneIndex.build([ranch, reefs, wreck]);

  it('is 0 inside and on the boundary', () => {
    expect(index.distanceOutside(ranch, 119.72, 35.15)).toBe(0);
    expect(index.distanceOutside(ranch, 119.7, 35.15)).toBe(0);
    expect(index.distanceOutside(reefs, 120.02, 35.02)).toBe(0);
    expect(index.distanceOutside(wreck, 119.65, 35.06)).toBe(0);
  });

  it('measures to the nearest boundary, holes included, as geolib does', () => {
    // Due west of the ranch, at its latitude: the distance along the parallel to the west edge.
    expect(index.distanceOutside(ranch, 119.69, 35.15)).toBeCloseTo(getDistance({ longitude: 119.69, latitude: 35.15 }, { longitude: 119.7, latitude: 35.15 }, 0.01), 1);
    // In the hole, 0.005° from its west edge and 0.02° from its north edge.
    const inHole = index.distanceOutside(ranch, 119.755, 35.15);
    expect(inHole).toBeCloseTo(getDistanceFromLine({ longitude: 119.755, latitude: 35.15 }, { longitude: 119.75, latitude: 35.13 }, { longitude: 119.75, latitude: 35.17 }, 0.01), 0);
    // Between the reef patches, nearer the western one.
    expect(index.distanceOutside(reefs, 119.96, 35.02)).toBeCloseTo(getDistance({ longitude: 119.96, latitude: 35.02 }, { longitude: 119.95, latitude: 35.02 }, 0.01), 1);
    expect(index.distanceOutside(wreck, 119.65, 35.1)).toBeCloseTo(getDistance({ longitude: 119.65, latitude: 35.1 }, { longitude: 119.65, latitude: 35.05 }, 0.01) - 2000, 1);
  });

  it('works for a version it was not built with (e.g. one the engine kept across a rebuild)', () => {
    const copy = structuredClone(ranch);
    expect(index.distanceOutside(copy, 119.69, 35.15)).toBeCloseTo(index.distanceOutside(ranch, 119.69, 35.15), 6);
    expect(ZoneIndex.build([]).distanceOutside(wreck, 119.65, 35.05)).toBe(0);
  });
});

// ---- Property tests: random zones shaped like validated ones, against geolib ----

/** Star-shaped ring: vertex k at angle (k + jitter)/n of a turn, radius 0.6–1 × r, so it never crosses itself. */
function starRing(center: Position, radiusKm: number, vertices: [number, number][], clockwise: boolean): Position[] {
  const kmPerDegLat = 111.32;
  const kmPerDegLon = kmPerDegLat * Math.cos(center[1] * RAD);
  const ring: Position[] = vertices.map(([jitter, scale], k) => {
    const angle = ((k + jitter) / vertices.length) * 2 * Math.PI;
    return [center[0] + (radiusKm * scale * Math.cos(angle)) / kmPerDegLon, center[1] + (radiusKm * scale * Math.sin(angle)) / kmPerDegLat];
  });
  if (clockwise) ring.reverse();
  return [...ring, ring[0]];
}

const vertexArb = (min: number, max: number) => fc.array(fc.tuple(fc.double({ min: 0, max: 0.8, noNaN: true }), fc.double({ min: 0.6, max: 1, noNaN: true })), { minLength: min, maxLength: max });

/**
 * A polygon with up to two holes, which stay inside 0.4 × r: with ≥ 12 outer vertices the outer
 * edges keep beyond 0.6·cos(27°) ≈ 0.53 × r of the centre.
 */
const polygonRingsArb = (center: Position, radiusKm: number) =>
  fc.record({ outer: vertexArb(5, 40), holes: fc.array(vertexArb(5, 8), { maxLength: 2 }) }).map(({ outer, holes }): PolygonRings => {
    const kept = outer.length >= 12 ? holes : [];
    const holeCenter = (h: number): Position => [center[0] + (kept.length === 1 ? 0 : (h === 0 ? -0.22 : 0.22) * radiusKm) / (111.32 * Math.cos(center[1] * RAD)), center[1]];
    return [starRing(center, radiusKm, outer, false), ...kept.map((hole, h) => starRing(holeCenter(h), radiusKm * 0.18, hole, true))];
  });

/** Zones from 100 m to 200 km across in Tidewatch waters: polygons with holes, MultiPolygons side by side, circles. */
const geometryArb: fc.Arbitrary<ZoneGeometry> = fc
  .record({ lon: fc.double({ min: 117, max: 127, noNaN: true }), lat: fc.double({ min: 30, max: 42, noNaN: true }), logRadius: fc.double({ min: Math.log(0.05), max: Math.log(100), noNaN: true }) })
  .chain(({ lon, lat, logRadius }) => {
    const radiusKm = Math.exp(logRadius);
    const stepDeg = (radiusKm * 2.1) / (111.32 * Math.cos(lat * RAD));
    return fc.oneof(
      fc.constant<ZoneGeometry>({ type: 'Circle', center: [lon, lat], radius: Math.max(10, radiusKm * 1000) }),
      polygonRingsArb([lon, lat], radiusKm).map((coordinates): ZoneGeometry => ({ type: 'Polygon', coordinates })),
      fc.array(fc.constant(null), { minLength: 2, maxLength: 3 }).chain((parts) =>
        fc.tuple(...parts.map((_, p) => polygonRingsArb([lon + p * stepDeg, lat], radiusKm))).map((coordinates): ZoneGeometry => ({ type: 'MultiPolygon', coordinates })),
      ),
    );
  });

/**
 * A point for a geometry from numbers in [0, 1): anywhere in a box around the zone; on a ring edge
 * or the circle, or just off it (1 cm, 10 cm or 1 m in degrees); at a vertex; or level with a vertex
 * (its exact latitude, so the ray runs through the vertex).
 */
interface Placement {
  where: 'around' | 'edge' | 'vertex' | 'level';
  a: number;
  b: number;
  offsetDeg: number;
}

const placementArb: fc.Arbitrary<Placement> = fc.record({
  where: fc.constantFrom('around' as const, 'edge' as const, 'vertex' as const, 'level' as const),
  a: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  b: fc.double({ min: 0, max: 1, noNaN: true }),
  offsetDeg: fc.constantFrom(0, 1e-7, -1e-7, 1e-6, -1e-6, 1e-5, -1e-5),
});

function place(geometry: ZoneGeometry, { where, a, b, offsetDeg }: Placement): Position {
  const box = checkZoneGeometry(geometry).bbox;
  const [w, h] = [box[2] - box[0], box[3] - box[1]];
  if (where === 'around') return [box[0] - w * 0.2 + a * w * 1.4, box[1] - h * 0.2 + b * h * 1.4];
  if (geometry.type === 'Circle') {
    const p = computeDestinationPoint({ longitude: geometry.center[0], latitude: geometry.center[1] }, geometry.radius + offsetDeg * 111_000, a * 360, 6_378_137);
    return [p.longitude, p.latitude];
  }
  const edges = rings(geometry).flatMap((ring) => ring.slice(0, -1).map((start, i) => [start, ring[i + 1]] as const));
  const [[ax, ay], [bx, by]] = edges[Math.floor(a * edges.length)];
  if (where === 'level') return [box[0] - w * 0.2 + b * w * 1.4, ay];
  const s = where === 'vertex' ? 0 : b;
  const length = Math.hypot(bx - ax, by - ay);
  // Perpendicular to the edge by offsetDeg.
  return [ax + s * (bx - ax) - (offsetDeg * (by - ay)) / length, ay + s * (by - ay) + (offsetDeg * (bx - ax)) / length];
}

describe('ZoneIndex agrees with geolib (property)', () => {
  it('prepared shapes decide as geolib isPointInPolygon / isPointWithinRadius, off the boundary', () => {
    fc.assert(
      fc.property(geometryArb, fc.array(placementArb, { minLength: 1, maxLength: 20 }), (geometry, placements) => {
        const version = zone(geometry);
        const index = ZoneIndex.build([version]);
        for (const placement of placements) {
          const p = place(geometry, placement);
          const ours = index.containing(p[0], p[1], NOW).length === 1;
          if (ours !== geolibContains(geometry, p) && !onTheFence(geometry, p)) {
            throw new Error(`at ${p.join(', ')} (${placement.where}, offset ${placement.offsetDeg}°): ours ${ours}, geolib ${!ours}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('containing equals a naive loop over every version with geolib, versions and times included', () => {
    const historyArb = fc.array(
      fc.record({ geometry: geometryArb, from: fc.integer({ min: 0, max: 100 }), length: fc.option(fc.integer({ min: 1, max: 100 })), retired: fc.boolean() }),
      { minLength: 0, maxLength: 12 },
    );
    const pointArb = fc.tuple(fc.double({ min: 117, max: 127, noNaN: true }), fc.double({ min: 30, max: 42, noNaN: true }));
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 200 }), fc.array(fc.oneof(pointArb.map((p) => ({ p })), placementArb), { maxLength: 30 }), (history, time, queries) => {
        const versions = history.map(({ geometry, from, length, retired }, i) =>
          zone(geometry, { zoneId: i + 1, effectiveFrom: from, ...(length !== null ? { effectiveTo: from + length } : {}), retired: retired && i % 3 === 0 }),
        );
        const index = ZoneIndex.build(versions);
        expect(index.size).toBe(versions.length);
        const out: ZoneVersion[] = [];
        queries.forEach((q, k) => {
          // A placement is around or on the edge of one of the zones, when there is one.
          const p: Position = 'p' in q ? q.p : versions.length > 0 ? place(versions[k % versions.length].geometry, q) : [120, 35];
          const inEffect = versions.filter((v) => !v.retired && v.effectiveFrom <= time && (v.effectiveTo === undefined || time < v.effectiveTo));
          const naive = inEffect.filter((v) => geolibContains(v.geometry, p));
          const ours = index.containing(p[0], p[1], time, out);
          const fenced = new Set(inEffect.filter((v) => onTheFence(v.geometry, p)));
          expect(ids(ours.filter((v) => !fenced.has(v)))).toEqual(ids(naive.filter((v) => !fenced.has(v))));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('distanceOutside matches geolib distances to the nearest edge / the circle', () => {
    // Zones up to 10 km across and points within 20 km: a lon/lat-straight edge (ours, as drawn) and
    // a great-circle one (geolib's) then differ by at most a few metres.
    const smallGeometryArb = geometryArb.filter((g) => {
      const box = checkZoneGeometry(g).bbox;
      return greatCircleMetres(box[0], box[1], box[2], box[3]) < 10_000;
    });
    fc.assert(
      fc.property(smallGeometryArb, fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min: 1, max: 20_000, noNaN: true }), (geometry, bearing, metres) => {
        const version = zone(geometry);
        const index = ZoneIndex.build([version]);
        const box = version.bbox;
        const from = computeDestinationPoint({ longitude: (box[0] + box[2]) / 2, latitude: (box[1] + box[3]) / 2 }, metres, bearing);
        const p: Position = [from.longitude, from.latitude];
        const ours = index.distanceOutside(version, p[0], p[1]);
        const point = { longitude: p[0], latitude: p[1] };
        let expected: number;
        if (geometry.type === 'Circle') {
          expected = Math.max(0, getDistance(point, { longitude: geometry.center[0], latitude: geometry.center[1] }, 0.01) - geometry.radius);
          expect(Math.abs(ours - expected)).toBeLessThan(0.05);
          return;
        }
        if (geolibContains(geometry, p)) {
          expect(ours).toBe(0);
          return;
        }
        expected = Math.min(
          ...rings(geometry).flatMap((ring) =>
            ring.slice(0, -1).map((a, i) => getDistanceFromLine(point, { longitude: a[0], latitude: a[1] }, { longitude: ring[i + 1][0], latitude: ring[i + 1][1] }, 0.01)),
          ),
        );
        expect(Math.abs(ours - expected)).toBeLessThan(3 + expected * 0.005);
      }),
      { numRuns: 300 },
    );
  });
});

// ---- The grid's FULL cells: a cell classified as wholly inside a part skips the point test ----

describe('ZoneIndex grid: FULL and PARTIAL cells', () => {
  /** Every version the naive loop (geolib, in effect at NOW) says contains p, off the fence, against ours. */
  function expectAgreement(index: ZoneIndex, versions: ZoneVersion[], points: Position[]): void {
    const out: ZoneVersion[] = [];
    for (const p of points) {
      const fenced = new Set(versions.filter((v) => onTheFence(v.geometry, p)));
      const naive = versions.filter((v) => !v.retired && !fenced.has(v) && geolibContains(v.geometry, p));
      const ours = index.containing(p[0], p[1], NOW, out).filter((v) => !fenced.has(v));
      expect(ids(ours), `at ${p.join(', ')}`).toEqual(ids(naive));
    }
  }

  /** Points on the grid's lines: every cell corner, the middles of its borders, its centre, and a hair (1e-12°) to either side of a corner. */
  function gridLattice(index: ZoneIndex): Position[] {
    const { minLon, minLat, columns, rows, cellWidth, cellHeight } = index.gridStats;
    const points: Position[] = [];
    for (let i = 0; i <= columns; i++) {
      for (let j = 0; j <= rows; j++) {
        const [x, y] = [minLon + i * cellWidth, minLat + j * cellHeight];
        points.push([x, y], [x + cellWidth / 2, y], [x, y + cellHeight / 2], [x + cellWidth / 2, y + cellHeight / 2]);
        points.push([x - 1e-12, y - 1e-12], [x + 1e-12, y + 1e-12], [x - 1e-12, y + 1e-12], [x + 1e-12, y - 1e-12]);
      }
    }
    return points;
  }

  it('a hole inside a cell that would otherwise be FULL makes that cell PARTIAL', () => {
    const outer = rectangle(120, 34, 122, 36);
    const solid = ZoneIndex.build([zone({ type: 'Polygon', coordinates: [outer] })]);
    const { minLon, minLat, columns, rows, cellWidth, cellHeight } = solid.gridStats;
    // The middle cell lies well inside the rectangle: FULL without the hole.
    const [i, j] = [Math.floor(columns / 2), Math.floor(rows / 2)];
    const [cx, cy] = [minLon + (i + 0.5) * cellWidth, minLat + (j + 0.5) * cellHeight];
    const hole = rectangle(cx - 0.01, cy - 0.01, cx + 0.01, cy + 0.01).reverse();
    const holed = zone({ type: 'Polygon', coordinates: [outer, hole] });
    const index = ZoneIndex.build([holed]);
    expect(index.gridStats.columns).toBe(columns);
    expect(solid.gridStats.fullEntries).toBeGreaterThan(0);
    expect(index.gridStats.fullEntries).toBe(solid.gridStats.fullEntries - 1);
    expect(solid.containing(cx, cy, NOW)).toHaveLength(1);
    expect(index.containing(cx, cy, NOW)).toEqual([]); // in the hole
    expect(index.containing(cx + 0.005, cy - 0.005, NOW)).toEqual([]);
    expect(ids(index.containing(cx - 0.01, cy, NOW))).toEqual(ids([holed])); // on the hole's edge
    expect(ids(index.containing(cx + 0.02, cy + 0.02, NOW))).toEqual(ids([holed])); // same cell, outside the hole
    expectAgreement(index, [holed], [...gridLattice(index), [cx, cy], [cx + 0.0099, cy - 0.0099], [cx + 0.0101, cy]]);
  });

  it('a hole whose edges cross cells, a large circle and a large star polygon: FULL cells exist, and a lattice over the grid agrees with geolib', () => {
    const holed = zone({ type: 'Polygon', coordinates: [rectangle(120, 34, 122, 36), rectangle(120.3, 34.2, 121.7, 34.4).reverse(), rectangle(121, 35, 121.05, 35.9).reverse()] });
    const circle = zone({ type: 'Circle', center: [123, 35], radius: 90_000 });
    const star = zone({ type: 'Polygon', coordinates: [starRing([124.5, 36], 80, Array.from({ length: 40 }, (_, k) => [((k * 7) % 10) / 12, 0.6 + ((k * 3) % 5) / 10] as [number, number]), false)] });
    const versions = [holed, circle, star];
    const index = ZoneIndex.build(versions);
    const stats = index.gridStats;
    expect(stats.fullEntries).toBeGreaterThan(0);
    expect(stats.entries).toBeGreaterThan(stats.fullEntries);
    expect(stats.bytes).toBe((stats.columns * stats.rows + 1) * 4 + stats.entries * 4);
    expectAgreement(index, versions, gridLattice(index));
    // Finer: many points per cell, FULL cells included.
    const dense: Position[] = [];
    for (let x = 119.95; x <= 125.6; x += 0.0373) for (let y = 33.1; y <= 36.95; y += 0.0291) dense.push([x, y]);
    expectAgreement(index, versions, dense);
  });

  it('zones far smaller than a cell, beside one covering many cells', () => {
    const large = zone({ type: 'Polygon', coordinates: [rectangle(119, 33, 124, 38)] });
    const tiny = [
      zone({ type: 'Polygon', coordinates: [rectangle(120.1, 34.1, 120.1009, 34.1009)] }), // ~100 m
      zone({ type: 'Circle', center: [121.3, 35.7], radius: 50 }),
      zone({ type: 'Polygon', coordinates: [rectangle(122.2, 36.2, 122.201, 36.201), rectangle(122.2004, 36.2004, 122.2006, 36.2006).reverse()] }),
      zone({ type: 'MultiPolygon', coordinates: [[rectangle(123, 37, 123.0004, 37.0005)], [rectangle(123.0006, 37, 123.001, 37.0005)]] }),
    ];
    const versions = [large, ...tiny];
    const index = ZoneIndex.build(versions);
    const { cellWidth, cellHeight } = index.gridStats;
    expect(cellWidth).toBeGreaterThan(0.1);
    expect(cellHeight).toBeGreaterThan(0.1);
    expect(ids(index.containing(120.10045, 34.10045, NOW))).toEqual(ids([large, tiny[0]]));
    expect(ids(index.containing(122.2005, 36.2005, NOW))).toEqual(ids([large])); // in the tiny zone's hole
    expect(ids(index.containing(123.0008, 37.0002, NOW))).toEqual(ids([large, tiny[3]]));
    expect(ids(index.containing(123.0005, 37.0002, NOW))).toEqual(ids([large])); // between the parts
    const near: Position[] = [];
    for (const v of tiny) {
      const [x0, y0, x1, y1] = v.bbox;
      for (let a = -0.25; a <= 1.25; a += 0.05) for (let b = -0.25; b <= 1.25; b += 0.05) near.push([x0 + a * (x1 - x0), y0 + b * (y1 - y0)]);
    }
    expectAgreement(index, versions, [...near, ...gridLattice(index)]);
  });

  it('points on the grid edge are found; a hair beyond it, nothing', () => {
    const square = zone({ type: 'Polygon', coordinates: [rectangle(120, 34, 121, 35)] });
    const circle = zone({ type: 'Circle', center: [120.5, 34.5], radius: 10_000 });
    const index = ZoneIndex.build([square, circle]);
    const { minLon, minLat, columns, rows, cellWidth, cellHeight } = index.gridStats;
    expect([minLon, minLat]).toEqual([120, 34]);
    expect(minLon + columns * cellWidth).toBeCloseTo(121, 12);
    expect(minLat + rows * cellHeight).toBeCloseTo(35, 12);
    for (const [lon, lat] of [
      [120, 34],
      [121, 35],
      [121, 34.3],
      [120.7, 35],
      [120, 34.9],
      [120.4, 34],
    ]) {
      expect(ids(index.containing(lon, lat, NOW)), `${lon}, ${lat}`).toEqual(ids([square]));
    }
    for (const [lon, lat] of [
      [121 + 1e-12, 34.5],
      [120.5, 35 + 1e-12],
      [120 - 1e-12, 34.5],
      [120.5, 34 - 1e-12],
      [Number.NaN, 34.5],
      [120.5, Number.NaN],
    ]) {
      expect(index.containing(lon, lat, NOW), `${lon}, ${lat}`).toEqual([]);
    }
  });

  it('time and retirement still apply in FULL cells', () => {
    const zoneId = 901;
    const changed = t('2026-03-01T00:00:00Z');
    const v1 = zone({ type: 'Polygon', coordinates: [rectangle(120, 34, 122, 36)] }, { zoneId, version: 1, effectiveTo: changed });
    const v2 = zone(v1.geometry, { zoneId, version: 2, effectiveFrom: changed, retired: true });
    const index = ZoneIndex.build([v1, v2]);
    expect(index.gridStats.fullEntries).toBeGreaterThan(0);
    expect(ids(index.containing(121, 35, changed - 1))).toEqual(ids([v1]));
    expect(index.containing(121, 35, changed)).toEqual([]);
    expect(index.containing(121, 35, t('2024-01-01T00:00:00Z'))).toEqual([]);
  });

  it('cell corners and borders of random zone sets agree with geolib (property)', () => {
    fc.assert(
      fc.property(fc.array(geometryArb, { minLength: 1, maxLength: 8 }), (geometries) => {
        const versions = geometries.map((g) => zone(g));
        const index = ZoneIndex.build(versions);
        expectAgreement(index, versions, gridLattice(index));
      }),
      { numRuns: 60 },
    );
  });
});
