import type { GeoJSONSource, Map as MapboxMap, MapLayerMouseEvent } from 'mapbox-gl';
import type { PositionFeature, PositionProperties } from '../api-types.js';
import { addVesselIcons, STATE_COLOURS, type VesselState, type VesselType } from '../icons.js';
import { FONT_STACK, COLOURS } from './style.js';

/**
 * Live vessels: one GeoJSON source holding the latest position of every vessel, redrawn at most
 * twice a second whatever the feed's rate (mapbox-gl's setData costs ~4 ms per 5,000 points).
 * Zoomed out, vessels are coloured circles; from zoom 9 on, icons rotated by heading; from 11, hull
 * names. State: in alert (an open alert names it), dark (silent too long), in port, or normal.
 */

const SOURCE = 'vessels';
export const VESSEL_LAYERS = ['vessel-dots', 'vessel-icons'];
const REDRAW_MS = 500;
/** Silent this long (s) and the vessel shows as dark; the rules engine's `dark` alerts mark it too. */
const DARK_AFTER_S = 30 * 60;
/** AIS navigational status 5: moored. */
const MOORED = 5;
const ICON_ZOOM = 9;

interface VesselEntry {
  feature: PositionFeature;
  /** When this page received the fix (ms): ages grow between reports without the server's help. */
  receivedAt: number;
}

export class VesselLayer {
  private readonly vessels = new Map<string, VesselEntry>();
  private alerted = new Set<string>();
  private darkAlerted = new Set<string>();
  private fishing = new Set<string>();
  private inPort: (lon: number, lat: number) => boolean = () => false;
  private dirty = false;
  /** Each vessel's state as last drawn, so a tick redraws only when one changed. */
  private readonly drawnStates = new Map<string, VesselState>();
  private newestFix = 0;

  constructor(private readonly map: MapboxMap) {
    addVesselIcons(map);
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({
      id: 'vessel-selected',
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['get', 'vessel'], ''],
      paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 8, 12, 18], 'circle-color': 'rgba(255,255,255,0.15)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
    });
    map.addLayer({
      id: 'vessel-dots',
      type: 'circle',
      source: SOURCE,
      maxzoom: ICON_ZOOM,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 2.5, ICON_ZOOM, 5],
        'circle-color': ['match', ['get', 'state'], 'alert', STATE_COLOURS.alert, 'dark', STATE_COLOURS.dark, 'port', STATE_COLOURS.port, STATE_COLOURS.normal],
        'circle-stroke-color': COLOURS.halo,
        'circle-stroke-width': ['match', ['get', 'type'], 'fishing', 1, 0],
      },
    });
    map.addLayer({
      id: 'vessel-icons',
      type: 'symbol',
      source: SOURCE,
      minzoom: ICON_ZOOM,
      layout: {
        'icon-image': ['concat', 'vessel-', ['get', 'state'], '-', ['get', 'type']],
        'icon-rotate': ['coalesce', ['get', 'heading'], ['get', 'cog'], 0],
        'icon-rotation-alignment': 'map',
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'icon-size': ['interpolate', ['linear'], ['zoom'], ICON_ZOOM, 0.8, 14, 1.2],
        'text-field': ['step', ['zoom'], '', 11, ['coalesce', ['get', 'hullName'], ['get', 'name'], ['get', 'vessel']]],
        'text-font': FONT_STACK,
        'text-size': 11,
        'text-offset': [0, 1.4],
        'text-anchor': 'top',
        'text-optional': true,
      },
      paint: { 'text-color': COLOURS.text, 'text-halo-color': COLOURS.halo, 'text-halo-width': 1.2 },
    });
    for (const layer of VESSEL_LAYERS) {
      map.on('mouseenter', layer, () => (map.getCanvas().style.cursor = 'pointer'));
      map.on('mouseleave', layer, () => (map.getCanvas().style.cursor = ''));
    }
    setInterval(() => this.redraw(), REDRAW_MS);
  }

  /** Latest positions, from the first GET or from the live feed; an older fix never replaces a newer one. */
  update(features: readonly PositionFeature[]): void {
    const now = Date.now();
    for (const f of features) {
      const held = this.vessels.get(f.properties.vessel);
      if (held && held.feature.properties.time > f.properties.time) continue;
      this.vessels.set(f.properties.vessel, { feature: f, receivedAt: now });
      this.newestFix = Math.max(this.newestFix, Date.parse(f.properties.time));
    }
    this.dirty = true;
  }

  /** Vessels named by open or acknowledged alerts; `dark` ones separately, as they have their own colour. */
  setAlerted(alerted: Set<string>, dark: Set<string>): void {
    this.alerted = alerted;
    this.darkAlerted = dark;
    this.dirty = true;
  }

  /** Registered fishing vessels (a gear type in the registry, or AIS ship type 30). */
  setFishing(ids: Set<string>): void {
    this.fishing = ids;
    this.dirty = true;
  }

  setPortTest(inPort: (lon: number, lat: number) => boolean): void {
    this.inPort = inPort;
    this.dirty = true;
  }

  select(id: string | undefined): void {
    this.map.setFilter('vessel-selected', ['==', ['get', 'vessel'], id ?? '']);
  }

  get(id: string): PositionFeature | undefined {
    return this.vessels.get(id)?.feature;
  }

  get count(): number {
    return this.vessels.size;
  }

  /** Time of the newest fix seen (ms), 0 before any. */
  get newestFixTime(): number {
    return this.newestFix;
  }

  /** The vessel under a click, when it hit one. */
  vesselAt(event: MapLayerMouseEvent): string | undefined {
    const props = event.features?.[0]?.properties as Partial<PositionProperties> | undefined;
    return props?.vessel;
  }

  ageOf(id: string): number | undefined {
    const entry = this.vessels.get(id);
    return entry ? entry.feature.properties.age + (Date.now() - entry.receivedAt) / 1000 : undefined;
  }

  private stateOf(entry: VesselEntry): VesselState {
    const p = entry.feature.properties;
    if (this.alerted.has(p.vessel)) return 'alert';
    if (this.darkAlerted.has(p.vessel) || (this.ageOf(p.vessel) ?? 0) > DARK_AFTER_S) return 'dark';
    const [lon, lat] = entry.feature.geometry.coordinates;
    if (p.navStatus === MOORED || this.inPort(lon, lat)) return 'port';
    return 'normal';
  }

  private redraw(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.drawnStates.clear();
    const features = [...this.vessels.values()].map((entry) => {
      const type: VesselType = this.fishing.has(entry.feature.properties.vessel) ? 'fishing' : 'other';
      const state = this.stateOf(entry);
      this.drawnStates.set(entry.feature.properties.vessel, state);
      return { ...entry.feature, properties: { ...entry.feature.properties, state, type } };
    });
    (this.map.getSource(SOURCE) as GeoJSONSource).setData({ type: 'FeatureCollection', features });
  }

  /** Ages cross the dark threshold without any message arriving: re-check now and then. */
  refreshStates(): void {
    // Redraw only when a state drawn has changed: a full setData of thousands of vessels every
    // second, for nothing new, kept the map busy (bench: npm run bench -- --only viewer).
    if (this.dirty) return;
    for (const entry of this.vessels.values()) {
      if (this.drawnStates.get(entry.feature.properties.vessel) !== this.stateOf(entry)) {
        this.dirty = true;
        return;
      }
    }
  }
}
