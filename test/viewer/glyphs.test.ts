import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { BUFFER, encodeRange, FONTSTACK, loadFonts, rasterise, renderGlyph, signedDistanceField } from '../../scripts/make-glyphs.mjs';

const { Reader } = protobuf;

/** scripts/make-glyphs.mjs: rasterising, the distance field, and the glyph PBF mapbox-gl reads. */

interface DecodedGlyph {
  id?: number;
  bitmap?: Uint8Array;
  width?: number;
  height?: number;
  left?: number;
  top?: number;
  advance?: number;
}

/**
 * Reads a glyph PBF field by field as mapbox-gl 1.13 does (src/style/parse_glyph_pbf.js), with a
 * plain protobuf reader rather than the schema the script encodes with.
 */
function decode(bytes: Uint8Array): { name?: string; range?: string; glyphs: DecodedGlyph[] } {
  const stack: { name?: string; range?: string; glyphs: DecodedGlyph[] } = { glyphs: [] };
  const outer = Reader.create(bytes);
  while (outer.pos < outer.len) {
    const tag = outer.uint32();
    if (tag >>> 3 !== 1) {
      outer.skipType(tag & 7);
      continue;
    }
    const r = Reader.create(outer.bytes());
    while (r.pos < r.len) {
      const t = r.uint32();
      if (t >>> 3 === 1) stack.name = r.string();
      else if (t >>> 3 === 2) stack.range = r.string();
      else if (t >>> 3 === 3) {
        const g: DecodedGlyph = {};
        const q = Reader.create(r.bytes());
        while (q.pos < q.len) {
          const f = q.uint32() >>> 3;
          if (f === 1) g.id = q.uint32();
          else if (f === 2) g.bitmap = q.bytes();
          else if (f === 3) g.width = q.uint32();
          else if (f === 4) g.height = q.uint32();
          else if (f === 5) g.left = q.sint32();
          else if (f === 6) g.top = q.sint32();
          else if (f === 7) g.advance = q.uint32();
        }
        stack.glyphs.push(g);
      } else r.skipType(t & 7);
    }
  }
  return stack;
}

describe('glyph PBFs', () => {
  it('rasterises a square exactly and puts its outline at the SDF edge value', () => {
    // A 4×4 square at (3,3) in a 10×10 grid.
    const edges = [
      [3, 3, 3, 7],
      [3, 7, 7, 7],
      [7, 7, 7, 3],
      [7, 3, 3, 3],
    ];
    const coverage = rasterise(edges, 10, 10);
    expect(coverage[5 * 10 + 5]).toBe(1);
    expect(coverage[0]).toBe(0);
    expect([...coverage].reduce((a, b) => a + b, 0)).toBeCloseTo(16, 6);
    const field = signedDistanceField(coverage, 10, 10);
    // Inside is above the edge (191), outside below, and it falls off with distance.
    expect(field[5 * 10 + 5]).toBeGreaterThan(191);
    expect(field[5 * 10 + 1]).toBeLessThan(191);
    expect(field[5 * 10 + 0]).toBeLessThan(field[5 * 10 + 1]);
  });

  it('writes the Latin range in mapbox-gl’s layout: name, range, glyphs with a 3 px border', () => {
    const { bytes, count } = encodeRange(loadFonts(), 0);
    const stack = decode(bytes);
    expect(stack).toMatchObject({ name: FONTSTACK, range: '0-255' });
    expect(stack.glyphs).toHaveLength(count);
    const a = stack.glyphs.find((g) => g.id === 65)!;
    expect(a.bitmap).toHaveLength((a.width! + 2 * BUFFER) * (a.height! + 2 * BUFFER));
    // An uppercase letter at 24 px stands about 17 px tall, its top just below the ascender line.
    expect(a.height).toBeGreaterThan(14);
    expect(a.top).toBeLessThan(0);
    expect(a.advance).toBeGreaterThan(10);
    const space = stack.glyphs.find((g) => g.id === 32)!;
    expect(space.bitmap).toBeUndefined();
    expect(space.advance).toBeGreaterThan(0);
    // Written even though 0: mapbox-gl sizes the glyph's image from them (NaN → "mismatched image size").
    expect(space).toMatchObject({ width: 0, height: 0 });
    for (const digit of '0123456789') expect(stack.glyphs.some((g) => g.id === digit.charCodeAt(0))).toBe(true);
  });

  it('writes every metric of every glyph, zeros included, as mapbox’s glyphs.proto requires', () => {
    // mapbox-gl reads the metrics with no defaults: a glyph without width/height becomes a NaN-sized
    // image that throws when a label uses it, and a missing left/top/advance makes its layout NaN.
    // Ranges with spaces (U+0020, U+00A0, U+2002, U+2009), zero-width characters (U+200B, U+FEFF),
    // combining marks (advance 0) and letters with no left bearing.
    const fonts = loadFonts();
    for (const start of [0x0000, 0x0100, 0x0300, 0x1e00, 0x2000, 0xfe00]) {
      const stack = decode(encodeRange(fonts, start).bytes);
      expect(stack.range).toBe(`${start}-${start + 255}`);
      for (const g of stack.glyphs) {
        const label = `U+${g.id!.toString(16).padStart(4, '0')}`;
        for (const metric of ['width', 'height', 'left', 'top', 'advance'] as const) expect(g[metric], `${label} ${metric}`).toBeTypeOf('number');
        if (g.bitmap) expect(g.bitmap, label).toHaveLength((g.width! + 2 * BUFFER) * (g.height! + 2 * BUFFER));
        else expect([g.width, g.height], label).toEqual([0, 0]);
      }
    }
  });

  it('writes an empty but valid range where the font has nothing (CJK is drawn by the browser)', () => {
    const stack = decode(encodeRange(loadFonts(), 0x4e00).bytes);
    expect(stack).toMatchObject({ name: FONTSTACK, range: '19968-20223', glyphs: [] });
  });

  it('renders a glyph’s bitmap at the size its metrics say', () => {
    const g = renderGlyph(loadFonts()[0], 'g'.charCodeAt(0));
    expect(g.bitmap).toHaveLength((g.width + 2 * BUFFER) * (g.height + 2 * BUFFER));
  });
});
