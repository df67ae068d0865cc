#!/usr/bin/env node
// The map's offline basemap: Natural Earth 1:10m land (npm world-atlas, public domain) clipped to
// the Yellow Sea around Rizhao, written as one small GeoJSON file the viewer ships with. Clipping
// happens at build time so the browser never loads the 3 MB world file.
//
// Usage: node scripts/make-basemap.mjs OUT_FILE

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { feature } from 'topojson-client';

/**
 * [west, south, east, north] in degrees: the Yellow Sea and its coasts, from Jiangsu and Shandong to
 * Korea's west coast. Wider than the viewer lets anyone pan (viewer/src/map/style.ts), so the cut
 * edges are never seen.
 */
export const BASEMAP_BOUNDS = [114, 28, 131, 43];

/** Sutherland–Hodgman: a ring clipped against one side of the box; `inside` and `cut` define the side. */
function clipSide(ring, inside, cut) {
  const out = [];
  for (let i = 0; i < ring.length; i++) {
    const current = ring[i];
    const previous = ring[(i + ring.length - 1) % ring.length];
    if (inside(current)) {
      if (!inside(previous)) out.push(cut(previous, current));
      out.push(current);
    } else if (inside(previous)) {
      out.push(cut(previous, current));
    }
  }
  return out;
}

const atLon = (a, b, lon) => [lon, a[1] + ((lon - a[0]) * (b[1] - a[1])) / (b[0] - a[0])];
const atLat = (a, b, lat) => [a[0] + ((lat - a[1]) * (b[0] - a[0])) / (b[1] - a[1]), lat];

/** A closed ring clipped to the box, closed again; null when nothing is left. Coordinates rounded to ~10 m. */
export function clipRing(ring, [west, south, east, north]) {
  let open = ring.slice(0, -1);
  open = clipSide(open, (p) => p[0] >= west, (a, b) => atLon(a, b, west));
  open = clipSide(open, (p) => p[0] <= east, (a, b) => atLon(a, b, east));
  open = clipSide(open, (p) => p[1] >= south, (a, b) => atLat(a, b, south));
  open = clipSide(open, (p) => p[1] <= north, (a, b) => atLat(a, b, north));
  if (open.length < 3) return null;
  const rounded = open.map(([lon, lat]) => [Math.round(lon * 1e4) / 1e4, Math.round(lat * 1e4) / 1e4]);
  return [...rounded, rounded[0]];
}

/** Land polygons of the world clipped to `bounds`, as a FeatureCollection of Polygons. */
export function clipLand(world, bounds) {
  const [west, south, east, north] = bounds;
  const land = feature(world, world.objects.land);
  const polygons = land.features.flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates));
  const features = [];
  for (const rings of polygons) {
    const outer = rings[0];
    // Cheap rejection first: most of the world's land is nowhere near the box.
    if (!outer.some(([lon, lat]) => lon >= west - 5 && lon <= east + 5 && lat >= south - 5 && lat <= north + 5)) continue;
    const clipped = rings.map((r) => clipRing(r, bounds));
    if (!clipped[0]) continue;
    features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: clipped.filter(Boolean) } });
  }
  return { type: 'FeatureCollection', features };
}

/** Writes the clipped land to `outFile`; returns how many polygons and bytes. */
export function writeBasemap(outFile) {
  const require = createRequire(import.meta.url);
  const world = JSON.parse(readFileSync(require.resolve('world-atlas/land-10m.json'), 'utf8'));
  const land = clipLand(world, BASEMAP_BOUNDS);
  mkdirSync(dirname(outFile), { recursive: true });
  const text = JSON.stringify(land);
  writeFileSync(outFile, text);
  return { polygons: land.features.length, bytes: text.length };
}

function main(outFile) {
  if (!outFile) {
    process.stderr.write('usage: node scripts/make-basemap.mjs OUT_FILE\n');
    process.exit(2);
  }
  const { polygons, bytes } = writeBasemap(outFile);
  process.stdout.write(`make-basemap: ${polygons} land polygons, ${Math.round(bytes / 1024)} KiB in ${outFile}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv[2]);
