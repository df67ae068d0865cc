// Section "rules": zone point checks per second (issue 5 §4), our ZoneIndex.containing against the issue's
// "spatial index selects, geolib decides" and a naive loop over every zone with geolib, same zones, same points,
// same run. One child process per zone count (this file is also that child: `rules.mjs --worker N`), so each
// index's memory is measured in a fresh heap.
import Flatbush from 'flatbush';
import { isPointInPolygon, isPointWithinRadius } from 'geolib';
import { fileURLToPath } from 'node:url';
import { workerMain } from './harness.mjs';
import { fmtBytes, fmtInt, fmtRate, fmtRatio } from './report.mjs';
import { importDist, median, runWorker } from './util.mjs';

const ZONE_COUNTS = [1_000, 10_000];
const POINTS = 200_000;
const RUNS = 3;
/** Each timed measurement lasts at least this long. */
const MIN_RUN_NS = 1e9;
/** Points on which geolib over the candidates must find the same zone versions as ours. */
const AGREEMENT_POINTS = 20_000;
/** Zones × points the naive loop checks for agreement (it is slow): 200 points at 1,000 zones. */
const NAIVE_AGREEMENT_BUDGET = 200_000;
const TARGET_CHECKS_PER_S = 1_000_000;
const TARGET_ZONES = 10_000;

/** The Yellow Sea off Rizhao and Qingdao, where the zones and the points lie. */
const REGION = { minLon: 119, maxLon: 124, minLat: 33, maxLat: 38 };
const KM_PER_DEG_LAT = 111.32;
const RAD = Math.PI / 180;
const QUERY_TIME = Date.UTC(2025, 7, 1);
const T2023 = Date.UTC(2023, 0, 1);
const T2024 = Date.UTC(2024, 0, 1);

/** Deterministic PRNG (sfc32, one seed) so every run checks the same zones and points. */
function seededRandom(seed) {
  let [a, b, c, d] = [0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0];
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // mix the seed in
  return next;
}

const round7 = (x) => Math.round(x * 1e7) / 1e7;

/**
 * A closed star-shaped ring around (lon, lat): vertices at increasing angles, so it never crosses
 * itself; each at `minFrac`–1 of `radiusKm` from the centre.
 */
function starRing(rand, lon, lat, radiusKm, vertices, minFrac, clockwise) {
  const kmPerDegLon = KM_PER_DEG_LAT * Math.cos(lat * RAD);
  const ring = [];
  for (let k = 0; k < vertices; k++) {
    const angle = ((k + rand() * 0.8) / vertices) * 2 * Math.PI;
    const r = radiusKm * (minFrac + rand() * (1 - minFrac));
    ring.push([round7(lon + (r * Math.cos(angle)) / kmPerDegLon), round7(lat + (r * Math.sin(angle)) / KM_PER_DEG_LAT)]);
  }
  if (clockwise) ring.reverse();
  ring.push(ring[0]);
  return ring;
}

/** Outer ring, and 1–2 holes in a sixth of the polygons with enough vertices to keep them clear of the outer edges. */
function polygonRings(rand, lon, lat, radiusKm) {
  const vertices = 5 + Math.floor(rand() * 60);
  const rings = [starRing(rand, lon, lat, radiusKm, vertices, 0.6, false)];
  if (vertices >= 12 && rand() < 1 / 6) {
    const holes = 1 + Math.floor(rand() * 2);
    // Holes side by side inside the inner half of the outer ring (which stays beyond 0.5 × radius there).
    for (let h = 0; h < holes; h++) {
      const offsetKm = holes === 1 ? 0 : (h === 0 ? -1 : 1) * radiusKm * 0.22;
      rings.push(starRing(rand, lon + offsetKm / (KM_PER_DEG_LAT * Math.cos(lat * RAD)), lat, radiusKm * 0.18, 5 + Math.floor(rand() * 8), 0.5, true));
    }
  }
  return rings;
}

/** ~20% circles, ~10% MultiPolygons of 2–3 parts side by side, the rest Polygons; diameters log-uniform 0.5–30 km. */
function randomGeometry(rand) {
  const lon = REGION.minLon + rand() * (REGION.maxLon - REGION.minLon);
  const lat = REGION.minLat + rand() * (REGION.maxLat - REGION.minLat);
  const radiusKm = (0.5 * Math.exp(rand() * Math.log(30 / 0.5))) / 2;
  const kind = rand();
  if (kind < 0.2) return { type: 'Circle', center: [round7(lon), round7(lat)], radius: Math.round(radiusKm * 1000) };
  if (kind < 0.3) {
    const parts = 2 + Math.floor(rand() * 2);
    const stepDeg = (radiusKm * 1.2) / (KM_PER_DEG_LAT * Math.cos(lat * RAD));
    return { type: 'MultiPolygon', coordinates: Array.from({ length: parts }, (_, p) => polygonRings(rand, lon + p * stepDeg, lat, radiusKm / 2)) };
  }
  return { type: 'Polygon', coordinates: polygonRings(rand, lon, lat, radiusKm) };
}

/**
 * `zoneCount` zones as ZoneVersions, checked by the project's checkZoneGeometry (which also gives bbox and
 * area): 80% one version since 2024; 12% redrawn on 2025-03-01 (two versions); 5% retired on 2025-06-01;
 * 3% taking effect in 2026. At QUERY_TIME 92% are in force.
 */
function zoneVersions(zoneCount, checkZoneGeometry) {
  const rand = seededRandom(20250801 + zoneCount);
  const versions = [];
  const properties = { name: 'bench zone', kind: 'custom', severity: 'warning', windows: [] };
  const version = (zoneId, n, geometry, effectiveFrom, effectiveTo, retired = false) => {
    const { areaKm2, bbox } = checkZoneGeometry(geometry);
    versions.push({ zoneId, version: n, geometry, properties, effectiveFrom, ...(effectiveTo !== undefined ? { effectiveTo } : {}), retired, areaKm2, bbox, createdBy: 'bench', createdAt: effectiveFrom });
  };
  for (let zoneId = 1; zoneId <= zoneCount; zoneId++) {
    const history = rand();
    const geometry = randomGeometry(rand);
    if (history < 0.8) version(zoneId, 1, geometry, T2024, undefined);
    else if (history < 0.92) {
      const redrawnAt = Date.UTC(2025, 2, 1);
      version(zoneId, 1, geometry, T2023, redrawnAt);
      version(zoneId, 2, randomGeometry(rand), redrawnAt, undefined);
    } else if (history < 0.97) {
      const retiredAt = Date.UTC(2025, 5, 1);
      version(zoneId, 1, geometry, T2024, retiredAt);
      version(zoneId, 2, geometry, retiredAt, undefined, true);
    } else version(zoneId, 1, geometry, Date.UTC(2026, 0, 1), undefined);
  }
  return versions;
}

function uniformPoints(n) {
  const rand = seededRandom(7);
  const lons = new Float64Array(n);
  const lats = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lons[i] = REGION.minLon + rand() * (REGION.maxLon - REGION.minLon);
    lats[i] = REGION.minLat + rand() * (REGION.maxLat - REGION.minLat);
  }
  return { lons, lats, n };
}

/** geolib deciding one zone, as a naive engine would: any part's outer ring and none of its holes, or within the radius. */
function geolibContains(geometry, point) {
  if (geometry.type === 'Circle') return isPointWithinRadius(point, geometry.center, geometry.radius);
  const parts = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return parts.some(([outer, ...holes]) => isPointInPolygon(point, outer) && !holes.some((hole) => isPointInPolygon(point, hole)));
}

/** The issue's shape: flatbush over the in-force versions' boxes selects, geolib decides. Writes into `out`, as ours does. */
function geolibOverCandidates(inForce) {
  const tree = new Flatbush(inForce.length);
  for (const v of inForce) tree.add(...v.bbox);
  tree.finish();
  return {
    tree,
    containing: (lon, lat, out) => {
      out.length = 0;
      const point = [lon, lat];
      for (const i of tree.search(lon, lat, lon, lat)) if (geolibContains(inForce[i].geometry, point)) out.push(inForce[i]);
      return out;
    },
  };
}

function naiveGeolib(inForce) {
  return (lon, lat, out) => {
    out.length = 0;
    const point = [lon, lat];
    for (const v of inForce) if (geolibContains(v.geometry, point)) out.push(v);
    return out;
  };
}

/** The zone versions a method found at each of the first `n` points, as comparable strings. */
function foundAt(containing, points, n) {
  const out = [];
  return Array.from({ length: n }, (_, i) =>
    containing(points.lons[i], points.lats[i], out)
      .map((v) => `${v.zoneId}.${v.version}`)
      .sort()
      .join(),
  );
}

const sameCount = (a, b) => a.filter((x, i) => x === b[i]).length;

/**
 * Checks per second: `containing` over the points, cycling, for at least `minNs`. Chunks double until one takes
 * a twentieth of that, so a fast check reads the clock rarely and a slow one (the naive loop) stops in time.
 * Also per second of this process's CPU time, which leaves out the time other processes on a shared machine
 * held the core.
 */
function checksPerSecond(containing, points, minNs) {
  const { lons, lats, n } = points;
  let next = 0;
  let done = 0;
  let ns = 0;
  let chunk = 1;
  let matches = 0;
  const out = [];
  const cpu0 = process.cpuUsage();
  while (ns < minNs) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < chunk; k++) {
      matches += containing(lons[next], lats[next], out).length;
      if (++next === n) next = 0;
    }
    const spent = Number(process.hrtime.bigint() - t0);
    ns += spent;
    done += chunk;
    if (spent < minNs / 20) chunk *= 2;
  }
  const cpu = process.cpuUsage(cpu0);
  return { rate: (done * 1e9) / ns, cpuRate: (done * 1e6) / (cpu.user + cpu.system), matchesPerCheck: matches / done };
}

function memorySnapshot() {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers, rss: m.rss };
}

/** Build `make()` between two GC'd snapshots: its time, and the heap, ArrayBuffer and RSS it added. */
function measureBuild(make) {
  const before = memorySnapshot();
  const t0 = process.hrtime.bigint();
  const built = make();
  const buildNs = Number(process.hrtime.bigint() - t0);
  const after = memorySnapshot();
  return { built, buildNs, heapBytes: after.heap - before.heap, bufferBytes: after.buffers - before.buffers, rssAfterBytes: after.rss, rssDeltaBytes: after.rss - before.rss };
}

/** The child process: one zone count, every method, printed as one JSON line. */
async function measureZoneCount(zoneCount) {
  const { ZoneIndex } = await importDist('gateway/rules/zone-index.js', 'the zone index');
  const { checkZoneGeometry } = await importDist('gateway/zones/geometry.js', 'zone geometry checks');
  const versions = zoneVersions(zoneCount, checkZoneGeometry);
  const inForce = versions.filter((v) => !v.retired && v.effectiveFrom <= QUERY_TIME && (v.effectiveTo === undefined || QUERY_TIME < v.effectiveTo));
  const points = uniformPoints(POINTS);

  const ours = measureBuild(() => ZoneIndex.build(versions));
  const peer = measureBuild(() => geolibOverCandidates(inForce));
  const methods = {
    ours: (lon, lat, out) => ours.built.containing(lon, lat, QUERY_TIME, out),
    lookup: (lon, lat, out) => {
      out.length = 0;
      ours.built.cellEntries(lon, lat);
      return out;
    },
    candidates: peer.built.containing,
    naive: naiveGeolib(inForce),
  };

  // The same zones found: ours and geolib-on-candidates on many points, the naive loop (slow) on a few.
  const indexedFound = { ours: foundAt(methods.ours, points, AGREEMENT_POINTS), candidates: foundAt(methods.candidates, points, AGREEMENT_POINTS) };
  const naivePoints = Math.round(NAIVE_AGREEMENT_BUDGET / zoneCount);
  const naiveFound = foundAt(methods.naive, points, naivePoints);
  let candidates = 0;
  let cellEntries = 0;
  for (let i = 0; i < POINTS; i++) {
    candidates += peer.built.tree.search(points.lons[i], points.lats[i], points.lons[i], points.lats[i]).length;
    cellEntries += ours.built.cellEntries(points.lons[i], points.lats[i]);
  }

  for (const containing of Object.values(methods)) checksPerSecond(containing, points, MIN_RUN_NS / 4); // warm-up
  const runs = Object.fromEntries(Object.keys(methods).map((k) => [k, []]));
  // Methods alternate within each round, so drift in the shared machine's load hits them alike.
  for (let r = 0; r < RUNS; r++) for (const [name, containing] of Object.entries(methods)) runs[name].push(checksPerSecond(containing, points, MIN_RUN_NS));

  const result = (name) => ({ rates: runs[name].map((x) => x.rate), cpuRates: runs[name].map((x) => x.cpuRate), matchesPerCheck: median(runs[name].map((x) => x.matchesPerCheck)) });
  const build = ({ buildNs, heapBytes, bufferBytes, rssAfterBytes, rssDeltaBytes }) => ({ buildNs, heapBytes, bufferBytes, rssAfterBytes, rssDeltaBytes });
  return {
    zoneCount,
    versions: versions.length,
    inForce: inForce.length,
    candidatesPerCheck: candidates / POINTS,
    cellEntriesPerCheck: cellEntries / POINTS,
    grid: ours.built.gridStats,
    agreement: {
      points: AGREEMENT_POINTS,
      candidatesSameAsOurs: sameCount(indexedFound.candidates, indexedFound.ours),
      naivePoints,
      naiveSameAsOurs: sameCount(naiveFound, indexedFound.ours.slice(0, naivePoints)),
    },
    ours: { ...result('ours'), build: build(ours) },
    lookup: result('lookup'),
    candidates: { ...result('candidates'), build: build(peer) },
    naive: result('naive'),
  };
}

const ROWS = [
  { key: 'ours', name: 'ZoneIndex.containing (grid + prepared shapes)', how: 'a uniform grid over each polygon part and circle of every version not retired, each cell listing the parts that reach it as FULL (cell wholly inside: effective range checked only) or PARTIAL (effective range checked, then ray casting over the edges of the point\'s latitude band / a haversine threshold, from typed arrays prepared at build)' },
  { key: 'lookup', name: 'grid lookup alone, nothing decided', how: 'ZoneIndex.cellEntries: the bounds check, the point\'s cell and the length of its list, the ceiling of the grid design (flatbush.search alone, which the previous ZoneIndex paid, took ~600 ns at 10,000 zones)' },
  { key: 'candidates', name: 'flatbush candidates, geolib decides', how: 'flatbush over the in-force versions\' bboxes; geolib isPointInPolygon (outer ring, then holes) / isPointWithinRadius on each candidate' },
  { key: 'naive', name: 'naive loop over every zone, geolib', how: 'geolib isPointInPolygon / isPointWithinRadius on every version in force, no index' },
];

function section(r) {
  const oursRate = median(r.ours.rates);
  const { points, candidatesSameAsOurs, naivePoints, naiveSameAsOurs } = r.agreement;
  const agrees = { ours: '—', lookup: '—', candidates: `${fmtInt(candidatesSameAsOurs)} of ${fmtInt(points)}`, naive: `${fmtInt(naiveSameAsOurs)} of ${fmtInt(naivePoints)}` };
  const rows = ROWS.map(({ key, name }) => {
    const m = r[key];
    const rate = median(m.rates);
    const b = m.build;
    return {
      name,
      ours: key === 'ours',
      rate,
      best: Math.max(...m.rates),
      unit: 'checks/s',
      ratio: key === 'ours' ? undefined : oursRate / rate,
      memory: b && { peakRssBytes: b.rssAfterBytes, rssDeltaBytes: b.rssDeltaBytes, heapPeakDeltaBytes: b.heapBytes },
      extra: {
        perCheck: fmtDuration(1e9 / rate),
        cpuRate: fmtRate(median(m.cpuRates), 'checks/s'),
        matches: m.matchesPerCheck.toFixed(3),
        agrees: agrees[key],
        build: b ? `${(b.buildNs / 1e6).toFixed(1)} ms` : '—',
        buffers: b ? fmtBytes(b.bufferBytes) : '—',
      },
    };
  });
  const notes = ROWS.map(({ name, how }) => `how: ${name}: ${how}`);
  notes.push(
    `Grid: ${fmtInt(r.grid.columns)} × ${fmtInt(r.grid.rows)} cells of ${r.grid.cellWidth.toFixed(4)}° × ${r.grid.cellHeight.toFixed(4)}°, ${fmtInt(r.grid.entries)} entries (${fmtInt(r.grid.fullEntries)} FULL), ${fmtBytes(r.grid.bytes)} (cellStart + items, part of "typed arrays"); a point's cell lists ${r.cellEntriesPerCheck.toFixed(2)} entries on average.`,
    `${r.candidatesPerCheck.toFixed(2)} bbox candidates per point on average (in-force versions' boxes); "zones / check" is the mean number of zone versions containing a point; "same zones as ours": points where the method found exactly the versions ZoneIndex.containing found.`,
    '"per CPU second": checks per second of this process\'s CPU time (user + system), which leaves out the time a shared machine gives other processes. Every loop runs on one thread (Node\'s main thread, no workers).',
    'Memory columns: RSS after the build, and the RSS and V8 heap the build added (after GC); "typed arrays": the ArrayBuffer memory it added (ours: the grid and the prepared shapes; the peer: flatbush\'s tree), outside the V8 heap.',
  );
  if (candidatesSameAsOurs < points || naiveSameAsOurs < naivePoints) notes.push('WARNING: the methods found different zones on some points (see "same zones as ours").');
  return {
    id: `rules-${r.zoneCount}`,
    title: `Zone point checks, ${fmtInt(r.zoneCount)} zones`,
    input: `${fmtInt(r.zoneCount)} zones (${fmtInt(r.versions)} versions, ${fmtInt(r.inForce)} in force at the query time) made with a seeded PRNG over ${REGION.minLon}–${REGION.maxLon}°E ${REGION.minLat}–${REGION.maxLat}°N: 0.5–30 km across (log-uniform), ~20% circles, ~10% MultiPolygons, polygons of 5–64 vertices, some with holes; ${fmtInt(POINTS)} uniform points made up front; warm-up, then ${RUNS} rounds of ≥ ${MIN_RUN_NS / 1e9} s per method, median shown`,
    unit: 'checks/s',
    nameTitle: 'point check',
    columns: [
      { key: 'perCheck', title: 'per check' },
      { key: 'cpuRate', title: 'per CPU second (median)' },
      { key: 'matches', title: 'zones / check' },
      { key: 'agrees', title: 'same zones as ours' },
      { key: 'build', title: 'build' },
      { key: 'buffers', title: 'typed arrays' },
    ],
    rows,
    notes,
  };
}

/** ns per check, in the unit that reads best. */
function fmtDuration(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${Math.round(ns)} ns`;
}

export async function runRules({ log }) {
  const sections = [];
  for (const zoneCount of ZONE_COUNTS) {
    log(`rules: ${fmtInt(zoneCount)} zones …`);
    sections.push(section(await runWorker('rules.mjs', ['--worker', String(zoneCount)])));
  }
  return sections;
}

/** The target, checked against this run's numbers (reported, never asserted). */
export function rulesTargetLines(sections) {
  const s = sections.find((x) => x.id === `rules-${TARGET_ZONES}`);
  const ours = s?.rows.find((r) => r.ours);
  if (!ours) return [];
  const naive = s.rows.find((r) => r.name === ROWS.find((x) => x.key === 'naive').name);
  return [
    `${ours.rate >= TARGET_CHECKS_PER_S ? 'MET    ' : 'NOT MET'}  ≥ ${fmtInt(TARGET_CHECKS_PER_S)} point checks/s at ${fmtInt(TARGET_ZONES)} zones on one core: ${fmtRate(ours.rate, ours.unit)} (${ours.extra.cpuRate} per CPU second; naive geolib loop ${fmtRate(naive.rate, naive.unit)}, ours ${fmtRatio(naive.ratio)} faster)`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--worker') {
  workerMain(() => measureZoneCount(Number(process.argv[3])));
}
