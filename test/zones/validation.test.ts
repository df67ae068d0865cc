import { describe, expect, it } from 'vitest';
import { circleToPolygon, ZONE_LIMITS } from '../../gateway/zones/geometry.js';
import type { Position } from '../../gateway/zones/model.js';
import { parseZoneFeature, ZoneInputError } from '../../gateway/zones/schema.js';
import { feature, marineRanch, noFishingOffPort, rectangle, reefs, wreckCircle } from './rizhao.js';

function rejection(input: unknown): ZoneInputError {
  try {
    parseZoneFeature(input);
  } catch (e) {
    if (e instanceof ZoneInputError) return e;
    throw e;
  }
  throw new Error('accepted');
}

const polygon = (...rings: Position[][]) => feature({ type: 'Polygon', coordinates: rings });

describe('valid Rizhao zones', () => {
  it('a no-fishing rectangle off the port: area, bbox, defaults', () => {
    const z = parseZoneFeature(noFishingOffPort);
    expect(z.facts.areaKm2).toBeGreaterThan(145);
    expect(z.facts.areaKm2).toBeLessThan(155);
    expect(z.facts.bbox).toEqual([119.6, 35.3, 119.75, 35.4]);
    expect(z.facts.warnings).toEqual([]);
    expect(z.properties.windows[0].timezone).toBe('Asia/Shanghai');
    expect(z.properties.severity).toBe('critical');
  });

  it('a marine ranch with a hole: the hole is subtracted', () => {
    const z = parseZoneFeature(marineRanch);
    const outer = parseZoneFeature(feature({ type: 'Polygon', coordinates: [rectangle(119.7, 35.1, 119.85, 35.2)] })).facts.areaKm2;
    const hole = parseZoneFeature(feature({ type: 'Polygon', coordinates: [rectangle(119.75, 35.13, 119.8, 35.17)] })).facts.areaKm2;
    expect(z.facts.areaKm2).toBeCloseTo(outer - hole, 6);
  });

  it('a MultiPolygon and a circle', () => {
    expect(parseZoneFeature(reefs).facts.areaKm2).toBeGreaterThan(40);
    const c = parseZoneFeature(wreckCircle);
    expect(c.facts.areaKm2).toBeCloseTo(Math.PI * 4, 6);
    const [minLon, minLat, maxLon, maxLat] = c.facts.bbox;
    expect(maxLat - minLat).toBeCloseTo(4000 / 111_195, 3);
    expect(minLon).toBeLessThan(119.65);
    expect(maxLon).toBeGreaterThan(119.65);
  });

  it('drops altitudes and accepts foreign members and read-only properties of a served zone', () => {
    const z = parseZoneFeature({
      ...feature({ type: 'Polygon', coordinates: [rectangle(119.6, 35.3, 119.75, 35.4).map(([x, y]) => [x, y, 12])] }, { name: 'x', kind: 'port', version: 3, areaKm2: 1, status: 'active' }),
      id: 7,
      bbox: [0, 0, 1, 1],
    });
    expect((z.geometry as { coordinates: number[][][] }).coordinates[0][0]).toEqual([119.6, 35.3]);
    expect(z.properties).not.toHaveProperty('version');
  });

  it('warns, but accepts, rings against the right-hand rule', () => {
    const z = parseZoneFeature(polygon(rectangle(119.6, 35.3, 119.75, 35.4).reverse()));
    expect(z.facts.warnings).toEqual([expect.stringContaining('ring 0 (outer) is clockwise')]);
  });

  it('an island inside a MultiPolygon part’s hole is not an overlap', () => {
    const lagoon = [rectangle(119.6, 35.0, 119.8, 35.2), rectangle(119.65, 35.05, 119.75, 35.15).reverse()];
    const island = [rectangle(119.68, 35.08, 119.72, 35.12)];
    expect(() => parseZoneFeature(feature({ type: 'MultiPolygon', coordinates: [lagoon, island] }))).not.toThrow();
  });

  it('checks a 10,000-position ring quickly', () => {
    const ring = circleToPolygon([119.7, 35.3], 20_000, ZONE_LIMITS.maxPositions - 1);
    const started = performance.now();
    const z = parseZoneFeature(polygon(ring));
    expect(performance.now() - started).toBeLessThan(1000);
    // The spherical area formula is within 0.5% at this size.
    expect(Math.abs(z.facts.areaKm2 / (Math.PI * 400) - 1)).toBeLessThan(0.005);
  });
});

describe('invalid geometry: 400 with the reason and where', () => {
  const R = rectangle(119.6, 35.3, 119.75, 35.4);
  const cases: [string, unknown, RegExp, string][] = [
    ['ring not closed', polygon(R.slice(0, 4)), /ring 0 \(outer\) is not closed: its last position \[119\.6, 35\.4\] must repeat its first/, 'geometry.coordinates.0.3'],
    ['ring too short', polygon([[119.6, 35.3], [119.7, 35.3], [119.6, 35.3]]), /has 3 positions; a ring needs at least 4/, 'geometry.coordinates.0'],
    ['longitude out of range', polygon([[119.6, 35.3], [181, 35.3], [119.7, 35.4], [119.6, 35.3]]), /longitude 181 is outside -180\.\.180/, 'geometry.coordinates.0.1.0'],
    ['latitude and longitude swapped', polygon(R.map(([x, y]) => [y, x])), /latitude 119\.6 is outside -90\.\.90 \(positions are \[longitude, latitude\]\)/, 'geometry.coordinates.0.0.1'],
    ['not numbers', polygon([['119.6', '35.3']] as never), /a coordinate must be a number/, 'geometry.coordinates.0.0.0'],
    ['bow tie', polygon([[119.6, 35.3], [119.7, 35.4], [119.7, 35.3], [119.6, 35.4], [119.6, 35.3]]), /ring 0 \(outer\) edge 0→1 crosses or touches edge 2→3 near \[119\.65, 35\.35\]/, 'geometry.coordinates.0.0'],
    ['ring touching itself at a vertex', polygon([[119.6, 35.3], [119.7, 35.3], [119.65, 35.35], [119.7, 35.4], [119.6, 35.4], [119.65, 35.35], [119.6, 35.3]]), /crosses or touches/, 'geometry.coordinates.0.1'],
    ['spike folding back', polygon([[119.6, 35.3], [119.7, 35.3], [119.8, 35.3], [119.65, 35.3], [119.65, 35.4], [119.6, 35.3]]), /edge 0→1 crosses or touches edge 2→3 near \[119\.7, 35\.3\]/, 'geometry.coordinates.0.0'],
    ['ring folding back onto itself', polygon([[119.6, 35.3], [119.8, 35.3], [119.7, 35.3], [119.6, 35.3]]), /edge 0→1 crosses or touches edge 2→3 near \[119\.6, 35\.3\]/, 'geometry.coordinates.0.0'],
    ['repeated vertex', polygon([R[0], R[1], R[1], R[2], R[3], R[4]]), /ring 0 \(outer\) vertex 2 repeats vertex 1/, 'geometry.coordinates.0.2'],
    ['hole outside its shell', polygon(R, rectangle(119.8, 35.3, 119.85, 35.35).reverse()), /ring 1 \(hole\) is not inside ring 0 \(outer\)/, 'geometry.coordinates.1'],
    ['hole crossing its shell', polygon(R, rectangle(119.7, 35.32, 119.8, 35.35).reverse()), /ring 0 \(outer\) edge 1→2 crosses or touches ring 1 \(hole\)/, 'geometry.coordinates.0.1'],
    ['nested holes', polygon(R, rectangle(119.62, 35.32, 119.73, 35.38), rectangle(119.65, 35.34, 119.7, 35.36)), /ring 2 \(hole\) and ring 1 \(hole\) are nested/, 'geometry.coordinates.2'],
    ['overlapping MultiPolygon parts', feature({ type: 'MultiPolygon', coordinates: [[R], [rectangle(119.65, 35.32, 119.7, 35.35)]] }), /polygon 1 overlaps polygon 0/, 'geometry.coordinates.1'],
    ['too small', polygon(rectangle(119.6, 35.3, 119.60005, 35.30005)), /area is 25 m²; at least 100 m²/, 'geometry.coordinates'],
    ['too large', polygon(rectangle(110, 10, 140, 40)), /area is [\d,]+ km²; at most 500,000 km²/, 'geometry.coordinates'],
    ['across the antimeridian', polygon(rectangle(-179.5, 35, 179.5, 35.01)), /spans 359° of longitude; split a zone that crosses the antimeridian/, 'geometry.coordinates.0'],
    ['too many positions', polygon(circleToPolygon([119.7, 35.3], 20_000, ZONE_LIMITS.maxPositions)), /has 10001 positions; at most 10000/, 'geometry.coordinates'],
    ['circle too small', feature({ type: 'Circle', center: [119.65, 35.05], radius: 5 }), /radius is 5 m; it must be 10 m to 500 km/, 'geometry.radius'],
    ['circle too large', feature({ type: 'Circle', center: [119.65, 35.05], radius: 600_000 }), /radius is 600000 m/, 'geometry.radius'],
    ['a LineString', feature({ type: 'LineString', coordinates: R }), /geometry type must be Polygon, MultiPolygon or Circle/, 'geometry.type'],
    ['no polygon in a MultiPolygon', feature({ type: 'MultiPolygon', coordinates: [] }), /a MultiPolygon needs a polygon/, 'geometry.coordinates'],
  ];
  it.each(cases)('%s', (_, input, message, path) => {
    const e = rejection(input);
    expect(e.message).toMatch(message);
    expect(e.path).toBe(path);
  });
});

describe('invalid properties', () => {
  const geometry = { type: 'Polygon', coordinates: [rectangle(119.6, 35.3, 119.75, 35.4)] };
  const cases: [string, unknown, RegExp, string][] = [
    ['not a Feature', { type: 'Polygon', coordinates: [] }, /the body must be a GeoJSON Feature/, 'type'],
    ['no properties', { type: 'Feature', geometry }, /properties must be an object/, 'properties'],
    ['no name', feature(geometry, { kind: 'port' }), /a zone needs a name/, 'properties.name'],
    ['unknown kind', feature(geometry, { name: 'x', kind: 'fishing' }), /kind must be one of no_fishing, protected/, 'properties.kind'],
    ['unknown property', feature(geometry, { name: 'x', kind: 'port', colour: 'red' }), /colour/, 'properties'],
    ['no such day', feature(geometry, { name: 'x', kind: 'port', windows: [{ yearly: { start: '02-30', end: '03-01' } }] }), /is not a day of the year/, 'properties.windows.0.yearly.start'],
    ['bad time of day', feature(geometry, { name: 'x', kind: 'port', windows: [{ daily: { start: '25:00', end: '06:00' } }] }), /must be HH:MM/, 'properties.windows.0.daily.start'],
    ['unknown time zone', feature(geometry, { name: 'x', kind: 'port', windows: [{ daily: { start: '20:00', end: '06:00' }, timezone: 'Asia/Rizhao' }] }), /IANA name/, 'properties.windows.0.timezone'],
    ['window ends before it starts', feature(geometry, { name: 'x', kind: 'port', windows: [{ from: '2026-06-01T00:00:00Z', to: '2026-05-01T00:00:00Z' }] }), /to must be after from/, 'properties.windows.0.to'],
    ['time without a zone', feature(geometry, { name: 'x', kind: 'port', windows: [{ from: '2026-06-01T00:00:00' }] }), /ISO 8601 time with a zone/, 'properties.windows.0.from'],
    ['empty window', feature(geometry, { name: 'x', kind: 'port', windows: [{}] }), /a window needs from, to, yearly or daily/, 'properties.windows.0'],
    ['bad ship type', feature(geometry, { name: 'x', kind: 'port', vesselFilter: { shipTypes: [300] } }), /AIS ship types are 0–99/, 'properties.vesselFilter.shipTypes.0'],
  ];
  it.each(cases)('%s', (_, input, message, path) => {
    const e = rejection(input);
    expect(e.message).toMatch(message);
    expect(e.path).toBe(path);
  });
});
