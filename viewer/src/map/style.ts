import type { Style } from 'mapbox-gl';

/**
 * The bundled offline basemap: water, Natural Earth land clipped to the Yellow Sea at build time
 * (scripts/make-basemap.mjs), coastline, a graticule and place names. Everything it loads is on
 * this server: the land GeoJSON and the glyph PBFs made by scripts/make-glyphs.mjs.
 */

/** The font stack scripts/make-glyphs.mjs writes; Chinese comes from the browser (localIdeographFontFamily). */
export const FONT_STACK = ['Noto Sans Regular'];

/** Where the map may pan: inside the clipped land (scripts/make-basemap.mjs BASEMAP_BOUNDS) so its cut edges stay out of sight. */
export const MAX_BOUNDS: [[number, number], [number, number]] = [
  [115, 29],
  [130, 42],
];

export const RIZHAO_CENTRE: [number, number] = [119.62, 35.3];

export const COLOURS = {
  water: '#0b2a4a',
  land: '#1c3a2e',
  coast: '#4f7a8f',
  graticule: 'rgba(140, 180, 210, 0.12)',
  text: '#d9e6f2',
  halo: '#06182b',
};

/** Places a regulator in Rizhao finds the map by. */
const PLACES: { zh: string; en: string; at: [number, number]; rank: number }[] = [
  { zh: '日照', en: 'Rizhao', at: [119.527, 35.416], rank: 1 },
  { zh: '岚山', en: 'Lanshan', at: [119.318, 35.122], rank: 2 },
  { zh: '石臼港', en: 'Shijiu port', at: [119.56, 35.38], rank: 3 },
  { zh: '青岛', en: 'Qingdao', at: [120.383, 36.067], rank: 1 },
  { zh: '连云港', en: 'Lianyungang', at: [119.222, 34.596], rank: 1 },
  { zh: '前三岛', en: 'Qiansan Islands', at: [119.78, 35.08], rank: 3 },
  { zh: '黄海', en: 'Yellow Sea', at: [122.5, 35.0], rank: 0 },
  { zh: '胶州湾', en: 'Jiaozhou Bay', at: [120.22, 36.15], rank: 3 },
];

function graticule(): GeoJSON.FeatureCollection {
  const lines: GeoJSON.Feature[] = [];
  for (let lon = MAX_BOUNDS[0][0]; lon <= MAX_BOUNDS[1][0]; lon += 0.5) {
    lines.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[lon, MAX_BOUNDS[0][1]], [lon, MAX_BOUNDS[1][1]]] } });
  }
  for (let lat = MAX_BOUNDS[0][1]; lat <= MAX_BOUNDS[1][1]; lat += 0.5) {
    lines.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[MAX_BOUNDS[0][0], lat], [MAX_BOUNDS[1][0], lat]] } });
  }
  return { type: 'FeatureCollection', features: lines };
}

export function basemapStyle(origin: string): Style {
  return {
    version: 8,
    name: 'Tidewatch Yellow Sea',
    // Absolute: mapbox-gl resolves glyph and source URLs inside its workers, which have no page URL.
    glyphs: `${origin}/glyphs/{fontstack}/{range}.pbf`,
    sources: {
      land: { type: 'geojson', data: `${origin}/basemap/land.geojson` },
      graticule: { type: 'geojson', data: graticule() },
      places: {
        type: 'geojson',
        data: {
          type: 'FeatureCollection',
          features: PLACES.map((p) => ({ type: 'Feature', properties: { zh: p.zh, en: p.en, rank: p.rank }, geometry: { type: 'Point', coordinates: p.at } })),
        },
      },
    },
    layers: [
      { id: 'water', type: 'background', paint: { 'background-color': COLOURS.water } },
      { id: 'graticule', type: 'line', source: 'graticule', paint: { 'line-color': COLOURS.graticule, 'line-width': 1 } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': COLOURS.land } },
      { id: 'coastline', type: 'line', source: 'land', paint: { 'line-color': COLOURS.coast, 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.6, 12, 2] } },
      {
        id: 'places',
        type: 'symbol',
        source: 'places',
        filter: ['<=', ['get', 'rank'], ['step', ['zoom'], 1, 8, 2, 9.5, 3]],
        layout: {
          'text-field': ['get', 'zh'],
          'text-font': FONT_STACK,
          'text-size': ['match', ['get', 'rank'], 0, 18, 1, 14, 12],
          'text-letter-spacing': ['match', ['get', 'rank'], 0, 0.4, 0.05],
        },
        paint: { 'text-color': ['match', ['get', 'rank'], 0, 'rgba(160, 200, 230, 0.55)', COLOURS.text], 'text-halo-color': COLOURS.halo, 'text-halo-width': 1.2 },
      },
    ],
  };
}
