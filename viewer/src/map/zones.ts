import type { GeoJSONSource, Map as MapboxMap } from 'mapbox-gl';
import type { ZoneFeature, ZoneKind } from '../api-types.js';
import { drawable, inZone } from '../geo.js';
import { t } from '../i18n/index.js';
import { COLOURS, FONT_STACK } from './style.js';

/** Zones in force (GET /api/v1/geofences), filled and outlined by kind, with their names. */

const SOURCE = 'zones';
export const ZONE_FILL_LAYER = 'zone-fill';

export const KIND_COLOURS: Record<ZoneKind, string> = {
  no_fishing: '#ff5d5d',
  protected: '#46c37b',
  marine_ranch: '#3fb6d8',
  port: '#f6b73c',
  boundary: '#b58cff',
  custom: '#c0c8d2',
};

const kindColour = ['match', ['get', 'kind'], ...Object.entries(KIND_COLOURS).flat(), KIND_COLOURS.custom];

export class ZoneLayer {
  private zones: ZoneFeature[] = [];

  constructor(private readonly map: MapboxMap) {
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: ZONE_FILL_LAYER, type: 'fill', source: SOURCE, paint: { 'fill-color': kindColour as never, 'fill-opacity': 0.16 } }, 'vessel-selected');
    // mapbox-gl 1.13 cannot choose a dash pattern per feature: boundaries get a dashed layer of their own.
    map.addLayer({ id: 'zone-outline', type: 'line', source: SOURCE, filter: ['!=', ['get', 'kind'], 'boundary'], paint: { 'line-color': kindColour as never, 'line-width': 1.6 } }, 'vessel-selected');
    map.addLayer(
      { id: 'zone-boundary', type: 'line', source: SOURCE, filter: ['==', ['get', 'kind'], 'boundary'], paint: { 'line-color': KIND_COLOURS.boundary, 'line-width': 1.6, 'line-dasharray': [4, 2] } },
      'vessel-selected',
    );
    map.addLayer(
      {
        id: 'zone-labels',
        type: 'symbol',
        source: SOURCE,
        layout: { 'text-field': ['get', 'label'], 'text-font': FONT_STACK, 'text-size': 12, 'text-max-width': 10 },
        paint: { 'text-color': kindColour as never, 'text-halo-color': COLOURS.halo, 'text-halo-width': 1.5 },
      },
      'vessel-selected',
    );
  }

  set(zones: ZoneFeature[]): void {
    this.zones = zones;
    this.render();
  }

  all(): ZoneFeature[] {
    return this.zones;
  }

  get(id: number): ZoneFeature | undefined {
    return this.zones.find((z) => z.id === id);
  }

  /** Labels carry the kind in the current language. */
  render(): void {
    const features = this.zones.map((z) => ({
      type: 'Feature' as const,
      id: z.id,
      properties: { id: z.id, kind: z.properties.kind, label: `${z.properties.name}\n${t(`kind.${z.properties.kind}`)}` },
      geometry: drawable(z.geometry),
    }));
    (this.map.getSource(SOURCE) as GeoJSONSource).setData({ type: 'FeatureCollection', features });
  }

  /** Whether a position lies in a port zone: vessels there show as in port. */
  inPort(lon: number, lat: number): boolean {
    return this.zones.some((z) => z.properties.kind === 'port' && inZone([lon, lat], z.geometry));
  }
}
