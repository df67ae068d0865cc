#!/usr/bin/env node
// Builds the regulator's map into dist/viewer/, which the API process serves at / (api/viewer.ts):
// the app bundled with esbuild (content-hashed file names, so browsers may cache them for good),
// its CSS with mapbox-gl's, mapbox-gl-draw's and uPlot's, index.html naming both bundles, the
// basemap (scripts/make-basemap.mjs) and the glyph PBFs (scripts/make-glyphs.mjs). Nothing the page
// loads comes from anywhere else.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeBasemap } from './make-basemap.mjs';
import { writeGlyphs } from './make-glyphs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'viewer');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: { main: join(root, 'viewer', 'src', 'main.ts'), style: join(root, 'viewer', 'style.css') },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  // mapbox-gl's CSS points at its control icons as data: URIs already; anything else stays a file.
  loader: { '.svg': 'dataurl', '.png': 'dataurl' },
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
});

const outputs = Object.entries(result.metafile.outputs);
const named = (entry, ext) => {
  const found = outputs.find(([file, o]) => file.endsWith(ext) && o.entryPoint && basename(o.entryPoint).startsWith(entry));
  if (!found) throw new Error(`build-viewer: esbuild wrote no ${entry}${ext}`);
  return basename(found[0]);
};
const html = readFileSync(join(root, 'viewer', 'index.html'), 'utf8').replace('%SCRIPT%', named('main', '.js')).replace('%STYLE%', named('style', '.css'));
writeFileSync(join(out, 'index.html'), html);

writeBasemap(join(out, 'basemap', 'land.geojson'));
const glyphs = writeGlyphs(join(out, 'glyphs'));

process.stdout.write(`build-viewer: ${out} (${named('main', '.js')}, ${named('style', '.css')}, basemap, ${glyphs} glyphs)\n`);
