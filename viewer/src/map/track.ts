import type { GeoJSONSource, LngLatBoundsLike, Map as MapboxMap } from 'mapbox-gl';
import type { TrackFeature } from '../api-types.js';
import { h } from '../dom.js';
import { t, timeElement, withUnit } from '../i18n/index.js';
import { COLOURS } from './style.js';

/**
 * A vessel's track (GET /api/v1/vessels/{id}/track) drawn as a line with its fixes, and replayed: a
 * slider over the track's time moves a marker along it, playing at an adjustable speed.
 */

const LINE = 'track-line';
const CURSOR = 'track-cursor';
/** Simulated seconds per real second. */
const SPEEDS = [60, 300, 1800, 3600];
const FRAME_MS = 100;

export class TrackLayer {
  private times: number[] = [];
  private coords: [number, number][] = [];
  private cogs: (number | null)[] = [];
  private sogs: (number | null)[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly map: MapboxMap) {
    map.addSource(LINE, { type: 'geojson', data: empty() });
    map.addSource(CURSOR, { type: 'geojson', data: empty() });
    map.addLayer({ id: 'track-line', type: 'line', source: LINE, filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': '#5ec8ff', 'line-width': 2.5, 'line-opacity': 0.9 } });
    map.addLayer({ id: 'track-points', type: 'circle', source: LINE, minzoom: 10, paint: { 'circle-radius': 2.5, 'circle-color': '#5ec8ff', 'circle-stroke-color': COLOURS.halo, 'circle-stroke-width': 1 } });
    map.addLayer({
      id: 'track-cursor',
      type: 'symbol',
      source: CURSOR,
      layout: { 'icon-image': 'vessel-normal-fishing', 'icon-rotate': ['get', 'cog'], 'icon-rotation-alignment': 'map', 'icon-allow-overlap': true, 'icon-size': 1.3 },
    });
  }

  /** Draws the track and returns the replay controls for it. */
  show(track: TrackFeature): HTMLElement {
    this.clear();
    const g = track.geometry;
    this.coords = g === null ? [] : g.type === 'LineString' ? g.coordinates : [g.coordinates];
    this.times = track.properties.times.map((time) => Date.parse(time));
    this.cogs = track.properties.cog;
    this.sogs = track.properties.sog;
    if (this.coords.length === 0) return h('p', { class: 'muted', 'data-testid': 'track-empty' }, t('track.empty'));

    const points = this.coords.map((c, i) => ({ type: 'Feature' as const, properties: { time: track.properties.times[i] }, geometry: { type: 'Point' as const, coordinates: c } }));
    const line = this.coords.length > 1 ? [{ type: 'Feature' as const, properties: {}, geometry: { type: 'LineString' as const, coordinates: this.coords } }] : [];
    (this.map.getSource(LINE) as GeoJSONSource).setData({ type: 'FeatureCollection', features: [...line, ...points] });
    this.map.fitBounds(bounds(this.coords), { padding: 80, maxZoom: 12, duration: 600 });
    return this.controls();
  }

  clear(): void {
    this.stop();
    for (const id of [LINE, CURSOR]) (this.map.getSource(id) as GeoJSONSource | undefined)?.setData(empty());
    this.coords = [];
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private controls(): HTMLElement {
    const start = this.times[0];
    const end = this.times[this.times.length - 1];
    const slider = h('input', { type: 'range', min: start, max: Math.max(end, start + 1), step: 1000, value: start, 'data-testid': 'track-slider', 'aria-label': t('track.title') });
    const clock = h('span', { class: 'track-clock' });
    const readout = h('span', { class: 'muted' });
    const speed = h('select', { 'aria-label': t('track.speed') }, ...SPEEDS.map((s) => h('option', { value: s }, `${s}×`)));
    const play = h('button', { class: 'secondary', type: 'button' }, t('track.play'));
    const moveTo = (time: number) => {
      slider.value = String(time);
      const at = this.positionAt(time);
      (this.map.getSource(CURSOR) as GeoJSONSource).setData({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { cog: at.cog ?? 0 }, geometry: { type: 'Point', coordinates: at.coord } }] });
      clock.replaceChildren(timeElement(time));
      readout.textContent = `${withUnit(at.sog, t('unit.kn'))} · ${withUnit(at.cog, '°', 0)}`;
    };
    slider.addEventListener('input', () => moveTo(Number(slider.value)));
    play.addEventListener('click', () => {
      if (this.timer) {
        this.stop();
        play.textContent = t('track.play');
        return;
      }
      if (Number(slider.value) >= end) moveTo(start);
      play.textContent = t('track.pause');
      this.timer = setInterval(() => {
        const next = Number(slider.value) + (Number(speed.value) * FRAME_MS);
        moveTo(Math.min(next, end));
        if (next >= end) {
          this.stop();
          play.textContent = t('track.play');
        }
      }, FRAME_MS);
    });
    moveTo(start);
    return h(
      'div',
      { class: 'track-player' },
      h('div', { class: 'track-title' }, h('strong', {}, t('track.title')), ' ', h('span', { class: 'muted', 'data-testid': 'track-points' }, t('track.points', { count: this.coords.length }))),
      slider,
      h('div', { class: 'track-row' }, play, h('label', {}, t('track.speed'), ' ', speed), clock, readout),
      h('button', { class: 'link', type: 'button', onclick: () => this.clear() }, t('track.clear')),
    );
  }

  /** Where the vessel was at `time`: linear between the fixes either side. */
  private positionAt(time: number): { coord: [number, number]; cog?: number; sog?: number } {
    const i = this.times.findIndex((t) => t >= time);
    if (i <= 0) return { coord: this.coords[0], cog: this.cogs[0] ?? undefined, sog: this.sogs[0] ?? undefined };
    const [t0, t1] = [this.times[i - 1], this.times[i]];
    const f = t1 === t0 ? 1 : (time - t0) / (t1 - t0);
    const [a, b] = [this.coords[i - 1], this.coords[i]];
    return { coord: [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f], cog: this.cogs[i - 1] ?? undefined, sog: this.sogs[i - 1] ?? undefined };
  }
}

const empty = (): GeoJSON.FeatureCollection => ({ type: 'FeatureCollection', features: [] });

function bounds(coords: [number, number][]): LngLatBoundsLike {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of coords) {
    w = Math.min(w, lon);
    e = Math.max(e, lon);
    s = Math.min(s, lat);
    n = Math.max(n, lat);
  }
  return [
    [w, s],
    [e, n],
  ];
}
