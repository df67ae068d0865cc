#!/usr/bin/env node
// Glyph PBFs for the map's text labels. mapbox-gl 1.13 draws Latin text only from signed distance
// field (SDF) glyphs fetched per range of 256 code points (`{fontstack}/{start}-{end}.pbf`); no npm
// or Debian package ships them, so they are made here from Noto Sans (npm @fontsource/noto-sans,
// OFL): each glyph's outline is rasterised with anti-aliasing, turned into a signed distance field
// with the Felzenszwalb–Huttenlocher exact Euclidean distance transform, and written in the Mapbox
// glyphs protobuf. Chinese text is drawn by the browser (localIdeographFontFamily), never from here.
//
// Every one of the 256 ranges of the Basic Multilingual Plane is written, empty where the font has
// nothing: a zone name may hold any character, and mapbox-gl never fires `load` after a glyph 404.
//
// Usage: node scripts/make-glyphs.mjs OUT_DIR   (writes OUT_DIR/<fontstack>/<start>-<end>.pbf)

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import opentype from 'opentype.js';
import protobuf from 'protobufjs';

/** mapbox-gl's glyph geometry: glyphs drawn at 24 px, with a 3 px border around each bitmap. */
export const FONT_SIZE = 24;
export const BUFFER = 3;
/** Distance in pixels the field spans outwards from the outline, and where the outline sits (0.75·255). */
const RADIUS = 8;
const CUTOFF = 0.25;
/** Sub-rows per pixel row when rasterising: enough anti-aliasing for a 24 px glyph. */
const SUBROWS = 4;
const INF = 1e20;

export const FONTSTACK = 'Noto Sans Regular';
/** Noto Sans is split by script; Latin is what map labels beside Chinese need. A code point comes from the first subset that has it. */
const SUBSETS = ['latin', 'latin-ext'];

/** Straight segments of a glyph outline in pixels (y down), curves flattened. */
function flatten(commands) {
  const edges = [];
  let start = null;
  let x = 0;
  let y = 0;
  const lineTo = (nx, ny) => {
    if (ny !== y) edges.push([x, y, nx, ny]);
    x = nx;
    y = ny;
  };
  for (const c of commands) {
    if (c.type === 'M') {
      if (start) lineTo(start[0], start[1]);
      start = [c.x, c.y];
      x = c.x;
      y = c.y;
    } else if (c.type === 'L') {
      lineTo(c.x, c.y);
    } else if (c.type === 'Q' || c.type === 'C') {
      const [x0, y0] = [x, y];
      const steps = Math.max(2, Math.ceil(Math.hypot(c.x - x0, c.y - y0) / 1.5));
      for (let i = 1; i <= steps; i++) {
        const t = i / steps;
        const u = 1 - t;
        if (c.type === 'Q') lineTo(u * u * x0 + 2 * u * t * c.x1 + t * t * c.x, u * u * y0 + 2 * u * t * c.y1 + t * t * c.y);
        else lineTo(u * u * u * x0 + 3 * u * u * t * c.x1 + 3 * u * t * t * c.x2 + t * t * t * c.x, u * u * u * y0 + 3 * u * u * t * c.y1 + 3 * u * t * t * c.y2 + t * t * t * c.y);
      }
    } else if (c.type === 'Z' && start) {
      lineTo(start[0], start[1]);
      start = null;
    }
  }
  if (start) lineTo(start[0], start[1]);
  return edges;
}

/**
 * Coverage (0–1) of each pixel of a width×height grid by the outline, non-zero winding rule:
 * per sub-row, the spans inside the outline, each adding its exact horizontal overlap to the pixels.
 */
export function rasterise(edges, width, height) {
  const coverage = new Float64Array(width * height);
  const crossings = [];
  for (let row = 0; row < height; row++) {
    for (let sub = 0; sub < SUBROWS; sub++) {
      const sy = row + (sub + 0.5) / SUBROWS;
      crossings.length = 0;
      for (const [x0, y0, x1, y1] of edges) {
        if ((sy >= y0 && sy < y1) || (sy >= y1 && sy < y0)) crossings.push({ x: x0 + ((sy - y0) / (y1 - y0)) * (x1 - x0), winding: y1 > y0 ? 1 : -1 });
      }
      crossings.sort((a, b) => a.x - b.x);
      let winding = 0;
      for (let i = 0; i < crossings.length - 1; i++) {
        winding += crossings[i].winding;
        if (winding !== 0) addSpan(coverage, row * width, width, crossings[i].x, crossings[i + 1].x);
      }
    }
  }
  return coverage.map((c) => Math.min(1, c / SUBROWS));
}

function addSpan(coverage, rowStart, width, from, to) {
  const a = Math.max(0, from);
  const b = Math.min(width, to);
  for (let px = Math.floor(a); px < b; px++) coverage[rowStart + px] += Math.min(b, px + 1) - Math.max(a, px);
}

/**
 * One-dimensional squared distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of
 * Sampled Functions", 2012): the lower envelope of parabolas rooted at each sample, in place over
 * `grid[offset + i*stride]`, i < length.
 */
function distanceTransform1d(grid, offset, stride, length, f, v, z) {
  for (let i = 0; i < length; i++) f[i] = grid[offset + i * stride];
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < length; q++) {
    let s;
    do {
      const r = v[k];
      s = (f[q] - f[r] + q * q - r * r) / (2 * (q - r));
    } while (s <= z[k] && --k > -1);
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  for (let q = 0, j = 0; q < length; q++) {
    while (z[j + 1] < q) j++;
    const r = v[j];
    grid[offset + q * stride] = f[r] + (q - r) * (q - r);
  }
}

/** Exact squared Euclidean distance transform of a grid: columns, then rows. */
function distanceTransform2d(grid, width, height) {
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const v = new Uint16Array(n);
  const z = new Float64Array(n + 1);
  for (let x = 0; x < width; x++) distanceTransform1d(grid, x, width, height, f, v, z);
  for (let y = 0; y < height; y++) distanceTransform1d(grid, y * width, 1, width, f, v, z);
}

/**
 * The SDF of a coverage grid as bytes: 255 − 255·(d/RADIUS + CUTOFF) with d the signed distance to
 * the outline in pixels (negative inside), so the outline reads 191. Partly covered pixels seed both
 * transforms with their sub-pixel distance to the edge, which keeps anti-aliased edges exact.
 */
export function signedDistanceField(coverage, width, height) {
  const outside = new Float64Array(width * height);
  const inside = new Float64Array(width * height);
  for (let i = 0; i < coverage.length; i++) {
    const a = coverage[i];
    if (a >= 1) {
      outside[i] = 0;
      inside[i] = INF;
    } else if (a <= 0) {
      outside[i] = INF;
      inside[i] = 0;
    } else {
      const d = 0.5 - a;
      outside[i] = d > 0 ? d * d : 0;
      inside[i] = d < 0 ? d * d : 0;
    }
  }
  distanceTransform2d(outside, width, height);
  distanceTransform2d(inside, width, height);
  const field = new Uint8Array(width * height);
  for (let i = 0; i < field.length; i++) {
    const d = Math.sqrt(outside[i]) - Math.sqrt(inside[i]);
    field[i] = Math.max(0, Math.min(255, Math.round(255 - 255 * (d / RADIUS + CUTOFF))));
  }
  return field;
}

/** One glyph in mapbox-gl's terms: metrics in pixels at FONT_SIZE, the SDF bitmap with its BUFFER border. */
export function renderGlyph(font, codePoint) {
  const glyph = font.charToGlyph(String.fromCodePoint(codePoint));
  const scale = FONT_SIZE / font.unitsPerEm;
  const advance = Math.round(glyph.advanceWidth * scale);
  // Baseline shift mapbox-gl expects: `top` is measured from the ascender line, not the baseline.
  const ascender = Math.round(font.ascender * scale);
  const path = glyph.getPath(0, 0, FONT_SIZE);
  const box = path.getBoundingBox();
  if (path.commands.length === 0 || box.x2 <= box.x1 || box.y2 <= box.y1) return { id: codePoint, width: 0, height: 0, left: 0, top: -ascender, advance };
  // Path y grows downwards: the glyph's top is box.y1 (negative above the baseline).
  const left = Math.floor(box.x1);
  const top = Math.floor(box.y1);
  const width = Math.ceil(box.x2) - left;
  const height = Math.ceil(box.y2) - top;
  const w = width + 2 * BUFFER;
  const h = height + 2 * BUFFER;
  const edges = flatten(glyph.getPath(BUFFER - left, BUFFER - top, FONT_SIZE).commands);
  const bitmap = signedDistanceField(rasterise(edges, w, h), w, h);
  return { id: codePoint, bitmap, width, height, left, top: -top - ascender, advance };
}

/**
 * Mapbox's glyphs.proto (proto2). Every field but `bitmap` is `required` there, and mapbox-gl reads
 * the metrics without defaults: a glyph without `width`/`height` becomes a NaN-sized image that
 * throws "RangeError: mismatched image size" when the map copies it (any label with a space), and a
 * missing `left`/`top`/`advance` puts NaN into the label's layout. So they are `required` here too:
 * protobufjs leaves out a zero-valued field that is not, and 0 is common (a space's size, a glyph's
 * left bearing).
 */
const GLYPHS_PROTO = {
  nested: {
    glyphs: { fields: { stacks: { rule: 'repeated', type: 'fontstack', id: 1 } } },
    fontstack: { fields: { name: { rule: 'required', type: 'string', id: 1 }, range: { rule: 'required', type: 'string', id: 2 }, glyphs: { rule: 'repeated', type: 'glyph', id: 3 } } },
    glyph: {
      fields: {
        id: { rule: 'required', type: 'uint32', id: 1 },
        bitmap: { type: 'bytes', id: 2 },
        width: { rule: 'required', type: 'uint32', id: 3 },
        height: { rule: 'required', type: 'uint32', id: 4 },
        left: { rule: 'required', type: 'sint32', id: 5 },
        top: { rule: 'required', type: 'sint32', id: 6 },
        advance: { rule: 'required', type: 'uint32', id: 7 },
      },
    },
  },
};
export const GlyphsMessage = protobuf.Root.fromJSON(GLYPHS_PROTO).lookupType('glyphs');

/** The PBF of one 256-code-point range: `glyphs` from whichever font has each code point. */
export function encodeRange(fonts, start) {
  const glyphs = [];
  for (let cp = start; cp < start + 256; cp++) {
    const font = fonts.find((f) => f.hasChar(String.fromCodePoint(cp)));
    if (font && cp >= 32) glyphs.push(renderGlyph(font, cp));
  }
  const message = GlyphsMessage.create({ stacks: [{ name: FONTSTACK, range: `${start}-${start + 255}`, glyphs }] });
  return { bytes: GlyphsMessage.encode(message).finish(), count: glyphs.length };
}

export function loadFonts() {
  const require = createRequire(import.meta.url);
  const dir = join(require.resolve('@fontsource/noto-sans/package.json'), '..', 'files');
  return SUBSETS.map((subset) => {
    const bytes = readFileSync(join(dir, `noto-sans-${subset}-400-normal.woff`));
    return opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  });
}

/** Writes every range of FONTSTACK under `outDir`; returns how many glyphs were drawn. */
export function writeGlyphs(outDir) {
  const fonts = loadFonts();
  const dir = join(outDir, FONTSTACK);
  mkdirSync(dir, { recursive: true });
  let glyphCount = 0;
  for (let start = 0; start < 65536; start += 256) {
    const { bytes, count } = encodeRange(fonts, start);
    writeFileSync(join(dir, `${start}-${start + 255}.pbf`), bytes);
    glyphCount += count;
  }
  return glyphCount;
}

function main(outDir) {
  if (!outDir) {
    process.stderr.write('usage: node scripts/make-glyphs.mjs OUT_DIR\n');
    process.exit(2);
  }
  const count = writeGlyphs(outDir);
  process.stdout.write(`make-glyphs: ${count} glyphs of ${FONTSTACK} in 256 ranges under ${join(outDir, FONTSTACK)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv[2]);
