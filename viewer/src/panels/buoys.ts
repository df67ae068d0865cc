import type { GeoJSONSource, Map as MapboxMap } from 'mapbox-gl';
import uPlot from 'uplot';
import type { ApiClient } from '../api-client.js';
import type { Buoy, ObservationSeries } from '../api-types.js';
import { append, clear, h } from '../dom.js';
import { currentLanguage, t, timeElement, tOr } from '../i18n/index.js';
import { COLOURS, FONT_STACK } from '../map/style.js';
import { attempt } from '../notices.js';

/**
 * Buoys: a map layer and a list coloured by one chosen variable (sea temperature, waves, oxygen…)
 * with a legend in the variable's unit, and per buoy a time-series chart with variable and range
 * pickers and a CSV download of what the chart shows.
 */

const SOURCE = 'buoys';
export const BUOY_LAYER = 'buoy-points';
/** Blue (low) to red (high). */
const RAMP = ['#2c7bb6', '#abd9e9', '#ffffbf', '#fdae61', '#d7191c'];
const RANGES = { '6h': 6 * 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
type RangeKey = keyof typeof RANGES;
/** Bucket width per range, so a long range stays a few hundred points (the API refuses past 100,000 rows). */
const BUCKETS: Record<RangeKey, string | undefined> = { '6h': undefined, '24h': undefined, '7d': '1h', '30d': '6h' };
/** The buoy's own coordinates (observations `latitude`, `longitude`): where it is drawn, never a colour. */
const COORDINATES: readonly string[] = ['latitude', 'longitude'];
const measured = (variable: string) => !COORDINATES.includes(variable);

export class BuoysPanel {
  private buoys: Buoy[] = [];
  private variable = 'sea_surface_temperature';
  private chart: uPlot | undefined;
  /** Kept across renders, so a live update of the list leaves an open chart alone. */
  private readonly chartSlot = h('div', { class: 'chart-slot', 'data-testid': 'buoy-chart' });
  private reloading = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly map: MapboxMap,
    private readonly api: ApiClient,
  ) {
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: BUOY_LAYER, type: 'circle', source: SOURCE, paint: { 'circle-radius': 7, 'circle-color': ['get', 'colour'], 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } });
    map.addLayer({
      id: 'buoy-labels',
      type: 'symbol',
      source: SOURCE,
      minzoom: 8,
      layout: { 'text-field': ['get', 'label'], 'text-font': FONT_STACK, 'text-size': 11, 'text-offset': [0, 1.2], 'text-anchor': 'top' },
      paint: { 'text-color': COLOURS.text, 'text-halo-color': COLOURS.halo, 'text-halo-width': 1.2 },
    });
  }

  async load(): Promise<void> {
    const body = await attempt('what.loadBuoys', () => this.api.get<{ buoys: Buoy[] }>('/api/v1/buoys'));
    if (!body) return;
    this.buoys = body.buoys;
    this.render();
  }

  /** Live observations update the buoys' latest values, and their positions (a new GNSS fix moves the buoy). */
  observe(observations: { deviceId: string; time: string; variable: string; value: number; unit: string }[]): void {
    let changed = false;
    for (const o of observations) {
      const buoy = this.buoys.find((b) => b.id === o.deviceId);
      const entry = buoy?.latest.find((l) => l.variable === o.variable);
      if (!buoy || !entry) {
        // A new buoy, or a new series (its first GNSS fix too): the list is fetched again.
        this.reload();
        continue;
      }
      if (entry.time < o.time) {
        entry.value = o.value;
        entry.time = o.time;
        changed = changed || o.variable === this.variable;
      }
      if (o.variable === 'latitude' && (!buoy.positionTime || buoy.positionTime < o.time)) {
        // The longitude of the same fix comes in the same message, with the same time.
        const lon = observations.find((x) => x.deviceId === o.deviceId && x.variable === 'longitude' && x.time === o.time);
        if (lon) {
          buoy.position = [lon.value, o.value];
          buoy.positionTime = o.time;
          changed = true;
        }
      }
    }
    if (changed) this.render();
  }

  /** At most one reload at a time, a few seconds after what asked for it, so a batch of news costs one GET. */
  private reload(): void {
    if (this.reloading) return;
    this.reloading = true;
    setTimeout(() => void this.load().finally(() => (this.reloading = false)), 3000);
  }

  /** A buoy picked in the list: the map flies to it and its chart opens. */
  private pick(b: Buoy): void {
    if (b.position) this.map.flyTo({ center: b.position, zoom: Math.max(this.map.getZoom(), 11) });
    void this.openChart(b.id);
  }

  render(): void {
    const variables = [...new Set(this.buoys.flatMap((b) => b.latest.map((l) => l.variable)))].filter(measured).sort();
    if (variables.length > 0 && !variables.includes(this.variable)) this.variable = variables[0];
    const values = this.buoys.map((b) => b.latest.find((l) => l.variable === this.variable)?.value).filter((v): v is number => v !== undefined);
    const [min, max] = [Math.min(...values), Math.max(...values)];
    const unit = this.buoys.flatMap((b) => b.latest).find((l) => l.variable === this.variable)?.unit ?? '';
    const colourOf = (v: number | undefined) => (v === undefined ? '#8c98a8' : RAMP[max > min ? Math.min(RAMP.length - 1, Math.floor(((v - min) / (max - min)) * RAMP.length)) : 2]);
    const valueOf = (b: Buoy) => b.latest.find((l) => l.variable === this.variable)?.value;

    (this.map.getSource(SOURCE) as GeoJSONSource).setData({
      type: 'FeatureCollection',
      features: this.buoys
        .filter((b) => b.position)
        .map((b) => ({ type: 'Feature', properties: { id: b.id, colour: colourOf(valueOf(b)), label: `${b.id} ${valueOf(b)?.toFixed(1) ?? ''} ${unit}` }, geometry: { type: 'Point', coordinates: b.position as [number, number] } })),
    });

    const select = h('select', { 'aria-label': t('buoys.variable'), 'data-testid': 'buoy-variable' }, ...variables.map((v) => h('option', { value: v, selected: v === this.variable }, this.label(v))));
    select.addEventListener('change', () => {
      this.variable = select.value;
      this.render();
    });
    clear(this.root);
    append(this.root, 
      h('div', { class: 'panel-head' }, h('h2', {}, t('buoys.title'))),
      this.buoys.length === 0 ? h('p', { class: 'muted' }, t('buoys.empty')) : h('label', { class: 'field' }, h('span', {}, t('buoys.variable')), select),
      values.length > 0 &&
        h(
          'div',
          { class: 'legend-ramp' },
          h('span', {}, `${min.toFixed(1)}`),
          h('span', { class: 'ramp', style: `background:linear-gradient(to right, ${RAMP.join(', ')})` }),
          h('span', {}, `${max.toFixed(1)} ${unit}`),
        ),
      h(
        'ul',
        { class: 'list' },
        ...this.buoys.map((b) =>
          h(
            'li',
            { class: 'list-item', tabindex: 0, 'data-testid': 'buoy-item', 'data-buoy-id': b.id, 'data-positioned': Boolean(b.position), onclick: () => this.pick(b) },
            h('span', { class: 'swatch round', style: `background:${colourOf(valueOf(b))}` }),
            h('span', { class: 'grow' }, h('strong', {}, b.id), h('br'), h('span', { class: 'muted' }, b.position ? timeElement(b.lastReport) : t('buoys.noPosition'))),
            h('span', { class: 'value' }, valueOf(b) === undefined ? '—' : `${valueOf(b)?.toFixed(2)} ${unit}`),
          ),
        ),
      ),
      this.chartSlot,
    );
  }

  closeChart(): void {
    this.chart?.destroy();
    this.chart = undefined;
    clear(this.chartSlot);
  }

  private label(variable: string): string {
    const fromApi = this.buoys.flatMap((b) => b.latest).find((l) => l.variable === variable)?.label ?? variable;
    return currentLanguage() === 'en' ? fromApi : tOr(`variable.${variable}`, fromApi);
  }

  /** Also what a click on the map's buoy opens. */
  async openChart(id: string, variable = this.variable, range: RangeKey = '24h'): Promise<void> {
    const slot = this.chartSlot;
    const buoy = this.buoys.find((b) => b.id === id);
    const variables = buoy ? [...new Set(buoy.latest.map((l) => l.variable))].filter(measured) : [variable];
    const to = Date.now();
    const query = new URLSearchParams({ variables: variable, from: new Date(to - RANGES[range]).toISOString(), to: new Date(to).toISOString() });
    const every = BUCKETS[range];
    if (every) query.set('every', every);
    const path = `/api/v1/buoys/${encodeURIComponent(id)}/observations?${query}`;
    const series = await attempt('what.loadSeries', () => this.api.get<ObservationSeries>(path));
    if (!series) return;

    const variableSelect = h('select', { 'aria-label': t('buoys.variable') }, ...variables.map((v) => h('option', { value: v, selected: v === variable }, this.label(v))));
    const rangeSelect = h('select', { 'aria-label': t('buoys.range') }, ...(Object.keys(RANGES) as RangeKey[]).map((r) => h('option', { value: r, selected: r === range }, t(`range.${r}`))));
    variableSelect.addEventListener('change', () => void this.openChart(id, variableSelect.value, range));
    rangeSelect.addEventListener('change', () => void this.openChart(id, variable, rangeSelect.value as RangeKey));
    const download = h('button', { class: 'secondary', type: 'button' }, t('buoys.csv'));
    download.addEventListener('click', async () => {
      const blob = await attempt('what.loadSeries', () => this.api.blob(`${path}&format=csv`));
      if (!blob) return;
      const link = h('a', { href: URL.createObjectURL(blob), download: `${id}_${variable}_${range}.csv` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    });
    const plot = h('div', { class: 'chart' });
    const unit = series.variables[variable]?.unit ?? '';
    clear(slot);
    const close = h('button', { class: 'icon-button', type: 'button', 'aria-label': t('vessel.close'), title: t('vessel.close'), 'data-testid': 'buoy-chart-close', onclick: () => this.closeChart() }, '×');
    slot.append(h('div', { class: 'panel-head' }, h('h3', {}, `${id} · ${t('buoys.chart')}`), close), h('div', { class: 'filters' }, variableSelect, rangeSelect, download), plot);
    this.chart?.destroy();
    this.chart = undefined;
    const points = series.observations.filter((o) => o.variable === variable);
    if (points.length === 0) {
      plot.append(h('p', { class: 'muted' }, t('buoys.noData')));
      return;
    }
    this.chart = new uPlot(
      {
        width: slot.clientWidth || 320,
        height: 180,
        series: [{}, { label: `${this.label(variable)} (${unit})`, stroke: '#5ec8ff', width: 1.5, value: (_u, v) => (v === null ? '—' : `${v.toFixed(2)} ${unit}`) }],
        axes: [
          { stroke: '#9fb3c8', grid: { stroke: 'rgba(159,179,200,0.12)' } },
          { stroke: '#9fb3c8', grid: { stroke: 'rgba(159,179,200,0.12)' }, label: unit },
        ],
        legend: { show: true },
      },
      [points.map((o) => Date.parse(o.time) / 1000), points.map((o) => o.value)],
      plot,
    );
  }
}
