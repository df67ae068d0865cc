import type { ZoneVersion } from '../zones/model.js';
import { CELL_FULL, CELL_OUTSIDE, PreparedShapes } from './zone-shapes.js';

const RAD = Math.PI / 180;
/**
 * Grid cells per indexed part, aimed at. Measured on the bench's zones (scripts/bench/rules.mjs: 0.5–30 km
 * across, log-uniform; 12,919 parts not retired at 10,000 zones) for 1, 2, 4, 8, 16, 32 cells per part,
 * best of 5 passes over 200,000 points on a shared 2-core machine: 1.8, 2.2, 2.9, 3.1, 3.5, 2.2 M checks/s;
 * grid 0.35, 0.58, 1.0, 1.8, 3.3, 6.2 MB; build 185, 172, 172, 196, 248, 454 ms; a point's cell lists 6.6,
 * 5.2, 4.3, 3.8, 3.4, 3.1 entries, of which PARTIAL 5.9, 4.2, 3.0, 2.2, 1.6, 1.1. The PARTIAL point tests,
 * not the lookup (~30 ns), set the speed; 8 takes most of the gain at under 2 MB (a cell is then ~1.7 km
 * square there, about the smaller zones' size).
 */
const CELLS_PER_PART = 8;
/** Caps the cells (4 bytes each in cellStart): 4 MiB. */
const MAX_CELLS = 1 << 20;
/** Caps the grid's entries (4 bytes each: 64 MiB): a grid that would list more is made coarser (half the cells) until it does not. */
const MAX_ENTRIES = 1 << 24;
/** An entry is part << 1 | FULL_BIT: FULL (the cell lies inside the part), else PARTIAL (point test needed). */
const FULL_BIT = 1;

/** The uniform grid's size and contents, for the bench and tests. */
export interface ZoneGridStats {
  /** The grid's south-west corner (degrees): the minimum of the indexed parts' boxes. */
  minLon: number;
  minLat: number;
  columns: number;
  rows: number;
  /** Degrees. */
  cellWidth: number;
  cellHeight: number;
  /** Part-in-cell entries, FULL and PARTIAL; a part's cells that lie wholly outside it are not listed. */
  entries: number;
  fullEntries: number;
  /** cellStart and items. */
  bytes: number;
}

/**
 * The zone lookup on the ingest path (issue 5 §1): which zone versions contain a fix.
 *
 * A uniform lon/lat grid over the boxes of every indexed part (polygon, MultiPolygon member or circle
 * of every version not retired), made at build, lists per cell the parts that may contain its points,
 * in two flat arrays (CSR: cell c lists items[cellStart[c]] … items[cellStart[c + 1] − 1]). Each entry
 * is classified once at build (PreparedShapes.classifyCells): FULL — the whole cell lies inside the
 * part, so only the version's effective range is checked; PARTIAL — the prepared shapes decide (ray
 * casting over the point's latitude band, a haversine threshold). Cells of a part's box that lie
 * wholly outside it are left out. A query is then one cell index and a short scan, allocating nothing.
 * A point outside the grid is in no zone.
 *
 * Cell size: the grid has about CELLS_PER_PART × (indexed parts) cells (capped by MAX_CELLS, and
 * coarsened until it lists at most MAX_ENTRIES entries), shaped so cells are about square on the
 * ground (longitude scaled by cos of the grid's middle latitude).
 *
 * geolib's isPointInPolygon/isPointWithinRadius decide the same way (test/rules/zone-index.test.ts
 * checks it) but reach only a few thousand checks/s at 10,000 zones, against a target of 1,000,000
 * (`npm run bench -- --only rules`).
 *
 * Result order: versions in the order given to `build` (entries in a cell are by part, parts by
 * version), each once.
 *
 * Immutable: the engine builds a new index when the zones change (ZoneStore.onChange).
 */
export class ZoneIndex {
  /** Versions indexed, retired ones included. */
  readonly size: number;
  private readonly versions: readonly ZoneVersion[];
  /** Geometry g of `shapes` is versions[g]'s. */
  private readonly shapes: PreparedShapes;
  private readonly indexOf: WeakMap<ZoneVersion, number>;
  /** Versions the index was not built with (e.g. kept by the engine across a rebuild), prepared on first use. */
  private readonly foreign = new WeakMap<ZoneVersion, PreparedShapes>();
  /** Per part, its version's effective range: from at 2·part, to (Infinity for the latest) at 2·part + 1. */
  private readonly partTimes: Float64Array;
  /** Per part, its version. */
  private readonly partVersion: Int32Array;
  /** Per version: it has several parts, so another may have matched already. */
  private readonly multiPart: Uint8Array;

  // The grid: columns × rows cells from (minLon, minLat); cell (i, j) is number j × columns + i.
  private readonly columns: number;
  private readonly rows: number;
  private readonly minLon: number;
  private readonly minLat: number;
  private readonly maxLon: number;
  private readonly maxLat: number;
  /** 1 / cell width and height in degrees (0 when the grid is one cell wide or high over a zero extent). */
  private readonly perLon: number;
  private readonly perLat: number;
  private readonly cellStart: Int32Array;
  private readonly items: Int32Array;
  private readonly stats: ZoneGridStats;

  private constructor(versions: readonly ZoneVersion[]) {
    this.size = versions.length;
    this.versions = versions;
    const shapes = new PreparedShapes(versions.map((v) => v.geometry));
    this.shapes = shapes;
    this.indexOf = new WeakMap(versions.map((v, i) => [v, i]));
    this.multiPart = Uint8Array.from(versions, (_, i) => (shapes.firstPart(i + 1) - shapes.firstPart(i) > 1 ? 1 : 0));
    this.partTimes = new Float64Array(shapes.partCount * 2);
    this.partVersion = new Int32Array(shapes.partCount);

    // A retired version is never in force: its parts stay out of the grid.
    const live: number[] = [];
    const box = shapes.boxes;
    let [minLon, minLat, maxLon, maxLat] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let part = 0; part < shapes.partCount; part++) {
      const v = shapes.geometryOfPart[part];
      this.partVersion[part] = v;
      this.partTimes[2 * part] = versions[v].effectiveFrom;
      this.partTimes[2 * part + 1] = versions[v].effectiveTo ?? Infinity;
      if (versions[v].retired) continue;
      live.push(part);
      minLon = Math.min(minLon, box[part * 4]);
      minLat = Math.min(minLat, box[part * 4 + 1]);
      maxLon = Math.max(maxLon, box[part * 4 + 2]);
      maxLat = Math.max(maxLat, box[part * 4 + 3]);
    }
    [this.minLon, this.minLat, this.maxLon, this.maxLat] = [minLon, minLat, maxLon, maxLat];

    // Grid shape: ~CELLS_PER_PART cells per part, about square on the ground; halved while it would list too many entries.
    const [spanLon, spanLat] = [maxLon - minLon, maxLat - minLat];
    const groundLon = spanLon * Math.cos(((minLat + maxLat) / 2) * RAD);
    let cells = Math.min(MAX_CELLS, Math.max(1, live.length * CELLS_PER_PART));
    let columns = 1;
    let rows = 1;
    for (;;) {
      if (live.length === 0) [columns, rows] = [0, 0];
      else if (groundLon > 0 && spanLat > 0) {
        columns = Math.max(1, Math.round(Math.sqrt((cells * groundLon) / spanLat)));
        rows = Math.max(1, Math.round(cells / columns));
      } else [columns, rows] = [spanLon > 0 ? cells : 1, spanLat > 0 ? cells : 1];
      const width = columns > 0 ? spanLon / columns : 0;
      const height = rows > 0 ? spanLat / rows : 0;
      let entries = 0;
      for (const part of live) {
        const [i0, i1] = this.cellRange(box[part * 4], box[part * 4 + 2], minLon, width, columns);
        const [j0, j1] = this.cellRange(box[part * 4 + 1], box[part * 4 + 3], minLat, height, rows);
        entries += (i1 - i0 + 1) * (j1 - j0 + 1);
      }
      if (entries <= MAX_ENTRIES || cells === 1) break;
      cells = Math.max(1, Math.floor(cells / 2));
    }
    this.columns = columns;
    this.rows = rows;
    const width = columns > 0 ? spanLon / columns : 0;
    const height = rows > 0 ? spanLat / rows : 0;
    this.perLon = width > 0 ? 1 / width : 0;
    this.perLat = height > 0 ? 1 / height : 0;

    // Classify every part's cells once; list each part in the cells it is not outside of, counting first, then filling.
    const classes: Uint8Array[] = [];
    const ranges: number[][] = [];
    const counts = new Int32Array(columns * rows + 1);
    for (const part of live) {
      const [i0, i1] = this.cellRange(box[part * 4], box[part * 4 + 2], minLon, width, columns);
      const [j0, j1] = this.cellRange(box[part * 4 + 1], box[part * 4 + 3], minLat, height, rows);
      const cls = new Uint8Array((i1 - i0 + 1) * (j1 - j0 + 1));
      shapes.classifyCells(part, minLon, minLat, width, height, i0, i1, j0, j1, cls);
      classes.push(cls);
      ranges.push([i0, i1, j0, j1]);
      for (let j = j0, k = 0; j <= j1; j++) for (let i = i0; i <= i1; i++, k++) if (cls[k] !== CELL_OUTSIDE) counts[j * columns + i + 1]++;
    }
    for (let c = 0; c < columns * rows; c++) counts[c + 1] += counts[c];
    this.cellStart = counts.slice();
    this.items = new Int32Array(counts[columns * rows]);
    let full = 0;
    live.forEach((part, n) => {
      const [i0, i1, j0, j1] = ranges[n];
      const cls = classes[n];
      for (let j = j0, k = 0; j <= j1; j++) {
        for (let i = i0; i <= i1; i++, k++) {
          if (cls[k] === CELL_OUTSIDE) continue;
          if (cls[k] === CELL_FULL) full++;
          this.items[counts[j * columns + i]++] = (part << 1) | (cls[k] === CELL_FULL ? FULL_BIT : 0);
        }
      }
    });
    this.stats = { minLon, minLat, columns, rows, cellWidth: width, cellHeight: height, entries: this.items.length, fullEntries: full, bytes: this.cellStart.byteLength + this.items.byteLength };
  }

  /** Indexes every given version (all versions of all zones, any time; retired versions are skipped when queried). */
  static build(versions: Iterable<ZoneVersion>): ZoneIndex {
    return new ZoneIndex([...versions]);
  }

  /** The grid's size and contents (not used by the engine). */
  get gridStats(): ZoneGridStats {
    return { ...this.stats };
  }

  /**
   * The zone versions in effect at `time` (effectiveFrom ≤ time < effectiveTo, not retired) whose geometry contains
   * the point (boundary counts as inside). Time windows (isInForceAt) and vessel filters are NOT checked here: the
   * engine does that. Writes into `out` (cleared first) and returns it, so the hot path allocates nothing.
   */
  containing(lon: number, lat: number, time: number, out: ZoneVersion[] = []): ZoneVersion[] {
    // Not `out.length = 0`: V8 then drops the array's backing store, and the next push allocates a new one.
    while (out.length > 0) out.pop();
    // Outside the grid (NaN included; an empty grid has min > max): no indexed part's box holds the point.
    if (!(lon >= this.minLon && lon <= this.maxLon && lat >= this.minLat && lat <= this.maxLat)) return out;
    // Monotonic in the coordinate, as at build, so a point in a part's box lands in a cell listed for it.
    const i = Math.min(this.columns - 1, Math.floor((lon - this.minLon) * this.perLon));
    const j = Math.min(this.rows - 1, Math.floor((lat - this.minLat) * this.perLat));
    const cell = j * this.columns + i;
    const items = this.items;
    const times = this.partTimes;
    for (let k = this.cellStart[cell], end = this.cellStart[cell + 1]; k < end; k++) {
      const entry = items[k];
      const part = entry >> 1;
      if (time < times[2 * part] || time >= times[2 * part + 1]) continue;
      if ((entry & FULL_BIT) === 0 && !this.shapes.contains(part, lon, lat)) continue;
      const v = this.partVersion[part];
      const version = this.versions[v];
      // Parts of one MultiPolygon do not overlap once validated, but a point on a shared edge would match two.
      if (this.multiPart[v] === 0 || !out.includes(version)) out.push(version);
    }
    return out;
  }

  /**
   * How many entries (parts, FULL or PARTIAL) the point's grid cell lists: 0 outside the grid. The lookup
   * `containing` starts with, alone (for the bench: its ceiling; not used by the engine).
   */
  cellEntries(lon: number, lat: number): number {
    if (!(lon >= this.minLon && lon <= this.maxLon && lat >= this.minLat && lat <= this.maxLat)) return 0;
    const i = Math.min(this.columns - 1, Math.floor((lon - this.minLon) * this.perLon));
    const j = Math.min(this.rows - 1, Math.floor((lat - this.minLat) * this.perLat));
    const cell = j * this.columns + i;
    return this.cellStart[cell + 1] - this.cellStart[cell];
  }

  /** Metres from the point to the zone's area: 0 when inside, else the distance to the nearest boundary (for hysteresis). */
  distanceOutside(version: ZoneVersion, lon: number, lat: number): number {
    const index = this.indexOf.get(version);
    if (index !== undefined) return this.shapes.distanceOutside(index, lon, lat);
    let shapes = this.foreign.get(version);
    if (shapes === undefined) {
      shapes = new PreparedShapes([version.geometry]);
      this.foreign.set(version, shapes);
    }
    return shapes.distanceOutside(0, lon, lat);
  }

  /** The cells first … last (inclusive) holding lo … hi, as `containing` computes a point's cell. */
  private cellRange(lo: number, hi: number, origin: number, size: number, count: number): [number, number] {
    if (size <= 0) return [0, count - 1 < 0 ? -1 : 0];
    const per = 1 / size;
    return [Math.min(count - 1, Math.floor((lo - origin) * per)), Math.min(count - 1, Math.floor((hi - origin) * per))];
  }
}
