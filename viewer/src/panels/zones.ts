import MapboxDraw from '@mapbox/mapbox-gl-draw';
import type { Feature, Point, Polygon } from 'geojson';
import type { GeoJSONSource, Map as MapboxMap } from 'mapbox-gl';
import { ApiRequestError, type ApiClient } from '../api-client.js';
import { SEVERITIES, ZONE_KINDS, type ZoneFeature, type ZoneGeometry, type ZoneProperties, type ZoneWindow } from '../api-types.js';
import { append, clear, h } from '../dom.js';
import { circleRing } from '../geo.js';
import { t, type MessageKey } from '../i18n/index.js';
import { KIND_COLOURS, type ZoneLayer } from '../map/zones.js';
import { attempt, showError, showInfo } from '../notices.js';

/**
 * The zones panel: the zones in force, and for regulators an editor. Polygons are drawn and edited
 * with mapbox-gl-draw; a circle is its centre (a drawn point) and a radius typed in metres, which is
 * how the API stores it. Kind, severity, time windows and vessel filters are set in the form; the
 * API validates, and its 400 answers are shown beside the field they name.
 */

const PATH = '/api/v1/geofences';
const PREVIEW = 'zone-preview';
const DEFAULT_RADIUS_M = 2000;

/** What the editor holds: a drawn polygon, a circle's centre, or a MultiPolygon kept as loaded. */
type Shape = { type: 'Polygon'; polygon: Polygon } | { type: 'Circle'; center: [number, number] } | { type: 'Kept'; geometry: ZoneGeometry };

export class ZonesPanel {
  private draw: MapboxDraw | undefined;
  private shape: Shape | undefined;
  private editing: ZoneFeature | undefined;
  private form: HTMLFormElement | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly map: MapboxMap,
    private readonly api: ApiClient,
    private readonly layer: ZoneLayer,
    private readonly canManage: boolean,
  ) {
    map.addSource(PREVIEW, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: PREVIEW, type: 'line', source: PREVIEW, paint: { 'line-color': '#ffffff', 'line-width': 2, 'line-dasharray': [2, 2] } });
    map.on('draw.create', (e: { features: Feature[] }) => this.drawn(e.features[0]));
    map.on('draw.update', (e: { features: Feature[] }) => this.drawn(e.features[0]));
  }

  async load(): Promise<void> {
    const body = await attempt('what.loadZones', () => this.api.get<{ features: ZoneFeature[] }>(`${PATH}?circles=circle`));
    if (body) this.layer.set(body.features);
    this.renderList();
  }

  renderList(): void {
    if (this.form) return;
    clear(this.root);
    const zones = this.layer.all();
    append(this.root, 
      h(
        'div',
        { class: 'panel-head' },
        h('h2', {}, t('zones.title')),
        this.canManage && h('button', { class: 'primary', type: 'button', 'data-testid': 'zone-new', onclick: () => this.openEditor(undefined) }, t('zones.new')),
      ),
      h(
        'ul',
        { class: 'list', 'data-testid': 'zone-list' },
        ...zones.map((z) =>
          h(
            'li',
            { class: 'list-item' },
            h('span', { class: 'swatch', style: `background:${KIND_COLOURS[z.properties.kind]}` }),
            h('span', { class: 'grow' }, h('strong', {}, z.properties.name), h('br'), h('span', { class: 'muted' }, `${t(`kind.${z.properties.kind}`)} · ${t(`severity.${z.properties.severity}`)}`)),
            this.canManage && h('button', { class: 'link', type: 'button', onclick: () => this.openEditor(z) }, t('zones.edit')),
          ),
        ),
      ),
    );
  }

  private openEditor(zone: ZoneFeature | undefined): void {
    this.editing = zone;
    this.shape = undefined;
    this.draw = new MapboxDraw({ displayControlsDefault: false, controls: { trash: true } });
    this.map.addControl(this.draw, 'top-left');
    // A MultiPolygon zone keeps its geometry unless redrawn: mapbox-gl-draw edits single polygons.
    const g = zone?.geometry;
    const editable: Feature | undefined =
      g?.type === 'Circle' ? { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: g.center } } : g?.type === 'Polygon' ? { type: 'Feature', properties: {}, geometry: g } : undefined;
    if (editable) {
      this.drawn(editable);
      this.draw.add(editable);
    } else if (g) {
      this.shape = { type: 'Kept', geometry: g };
    }
    this.form = this.buildForm(zone?.properties, zone?.geometry);
    clear(this.root);
    append(this.root, this.form);
    this.updatePreview();
  }

  private closeEditor(): void {
    if (this.draw) this.map.removeControl(this.draw);
    this.draw = undefined;
    this.form = undefined;
    this.shape = undefined;
    this.editing = undefined;
    (this.map.getSource(PREVIEW) as GeoJSONSource).setData({ type: 'FeatureCollection', features: [] });
    this.renderList();
  }

  private startDrawing(kind: 'polygon' | 'circle'): void {
    if (!this.draw) return;
    this.draw.deleteAll();
    this.shape = undefined;
    this.updatePreview();
    this.draw.changeMode(kind === 'polygon' ? 'draw_polygon' : 'draw_point');
    const hint = this.form?.querySelector('.draw-hint');
    if (hint) hint.textContent = t(kind === 'polygon' ? 'zones.drawHint' : 'zones.circleHint');
    this.form?.querySelector<HTMLElement>('.radius-row')?.toggleAttribute('hidden', kind !== 'circle');
  }

  private drawn(feature: Feature | undefined): void {
    if (!feature) return;
    if (feature.geometry.type === 'Polygon') this.shape = { type: 'Polygon', polygon: feature.geometry };
    else if (feature.geometry.type === 'Point') this.shape = { type: 'Circle', center: (feature.geometry as Point).coordinates as [number, number] };
    this.updatePreview();
  }

  private radius(): number {
    return Number(this.form?.querySelector<HTMLInputElement>('[name=radius]')?.value ?? DEFAULT_RADIUS_M);
  }

  private updatePreview(): void {
    const features: Feature[] =
      this.shape?.type === 'Circle' && this.radius() > 0
        ? [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: circleRing(this.shape.center, this.radius()) } }]
        : [];
    (this.map.getSource(PREVIEW) as GeoJSONSource).setData({ type: 'FeatureCollection', features });
  }

  private buildForm(props: ZoneProperties | undefined, geometry: ZoneGeometry | undefined): HTMLFormElement {
    const field = (label: MessageKey, param: string, control: HTMLElement) => h('label', { class: 'field', 'data-param': param }, h('span', {}, t(label)), control, h('span', { class: 'field-error' }));
    const input = (name: string, value = '', attrs: Record<string, string> = {}) => h('input', { name, value, ...attrs });
    const windows = h('div', { class: 'windows' });
    const addWindow = (w: ZoneWindow = {}) => windows.append(this.windowRow(w));
    for (const w of props?.windows ?? []) addWindow(w);
    const filter = props?.vesselFilter ?? {};
    const list = (values: (string | number)[] | undefined) => (values ?? []).join(', ');
    const form = h(
      'form',
      { class: 'zone-form', novalidate: true, 'data-testid': 'zone-form' },
      h('h2', {}, props ? `${t('zones.edit')} · ${props.name}` : t('zones.new')),
      h(
        'div',
        { class: 'button-row' },
        h('button', { type: 'button', class: 'secondary', 'data-testid': 'zone-draw-polygon', onclick: () => this.startDrawing('polygon') }, t('zones.drawPolygon')),
        h('button', { type: 'button', class: 'secondary', 'data-testid': 'zone-draw-circle', onclick: () => this.startDrawing('circle') }, t('zones.drawCircle')),
      ),
      h('p', { class: 'draw-hint muted' }),
      h(
        'div',
        { class: 'radius-row', hidden: geometry?.type !== 'Circle' },
        field('zones.radius', 'geometry.radius', input('radius', String(geometry?.type === 'Circle' ? geometry.radius : DEFAULT_RADIUS_M), { type: 'number', min: '1', step: '1', 'data-testid': 'zone-radius' })),
      ),
      h('div', { class: 'field-error', 'data-param': 'geometry' }),
      field('zones.name', 'properties.name', input('name', props?.name ?? '', { 'data-testid': 'zone-name', required: 'true' })),
      field('zones.kind', 'properties.kind', h('select', { name: 'kind', 'data-testid': 'zone-kind' }, ...ZONE_KINDS.map((k) => h('option', { value: k, selected: k === props?.kind }, t(`kind.${k}`))))),
      field('zones.severity', 'properties.severity', h('select', { name: 'severity' }, ...SEVERITIES.map((s) => h('option', { value: s, selected: s === (props?.severity ?? 'warning') }, t(`severity.${s}`))))),
      h('fieldset', {}, h('legend', {}, t('zones.windows')), windows, h('button', { type: 'button', class: 'link', onclick: () => addWindow() }, t('zones.addWindow'))),
      h(
        'fieldset',
        {},
        h('legend', {}, t('zones.filter')),
        field('zones.filter.gearTypes', 'properties.vesselFilter.gearTypes', input('gearTypes', list(filter.gearTypes))),
        field('zones.filter.vessels', 'properties.vesselFilter.vessels', input('vessels', list(filter.vessels))),
        field('zones.filter.excludeVessels', 'properties.vesselFilter.excludeVessels', input('excludeVessels', list(filter.excludeVessels))),
        field('zones.filter.shipTypes', 'properties.vesselFilter.shipTypes', input('shipTypes', list(filter.shipTypes))),
      ),
      field('zones.legalBasis', 'properties.legalBasis', input('legalBasis', props?.legalBasis ?? '')),
      field('zones.description', 'properties.description', h('textarea', { name: 'description', rows: 2 }, props?.description ?? '')),
      h('div', { class: 'form-error', role: 'alert', 'data-testid': 'zone-error' }),
      h(
        'div',
        { class: 'button-row' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'zone-save' }, t('zones.save')),
        h('button', { type: 'button', class: 'secondary', onclick: () => this.closeEditor() }, t('zones.cancel')),
        this.editing && h('button', { type: 'button', class: 'danger', onclick: () => this.retire() }, t('zones.retire')),
      ),
    );
    form.querySelector('[name=radius]')?.addEventListener('input', () => this.updatePreview());
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    return form;
  }

  private windowRow(w: ZoneWindow): HTMLElement {
    const local = (iso: string | undefined) => (iso ? new Date(new Date(iso).getTime() - new Date(iso).getTimezoneOffset() * 60_000).toISOString().slice(0, 16) : '');
    const cell = (label: MessageKey, name: string, value: string, attrs: Record<string, string> = {}) =>
      h('label', { class: 'field', 'data-param-suffix': name }, h('span', {}, t(label)), h('input', { name, value, ...attrs }), h('span', { class: 'field-error' }));
    const row = h(
      'div',
      { class: 'window-row' },
      cell('zones.window.from', 'from', local(w.from), { type: 'datetime-local' }),
      cell('zones.window.to', 'to', local(w.to), { type: 'datetime-local' }),
      cell('zones.window.yearlyStart', 'yearly.start', w.yearly?.start ?? '', { placeholder: '05-01' }),
      cell('zones.window.yearlyEnd', 'yearly.end', w.yearly?.end ?? '', { placeholder: '09-16' }),
      cell('zones.window.dailyStart', 'daily.start', w.daily?.start ?? '', { placeholder: '20:00' }),
      cell('zones.window.dailyEnd', 'daily.end', w.daily?.end ?? '', { placeholder: '06:00' }),
      cell('zones.window.timezone', 'timezone', w.timezone ?? 'Asia/Shanghai'),
      h('button', { type: 'button', class: 'link', onclick: () => row.remove() }, t('zones.removeWindow')),
    );
    return row;
  }

  /** The form as the API's zone Feature; a number that is not one is reported against its field. */
  private feature(form: HTMLFormElement): { type: 'Feature'; geometry: ZoneGeometry; properties: Record<string, unknown> } | undefined {
    if (!this.shape) {
      this.fieldError(form, 'geometry', t('zones.noGeometry'));
      return undefined;
    }
    const value = (name: string, scope: ParentNode = form) => scope.querySelector<HTMLInputElement>(`[name="${name}"]`)?.value.trim() ?? '';
    const items = (name: string) =>
      value(name)
        .split(/[,，]/)
        .map((s) => s.trim())
        .filter(Boolean);
    const geometry: ZoneGeometry =
      this.shape.type === 'Kept' ? this.shape.geometry : this.shape.type === 'Polygon' ? this.shape.polygon : { type: 'Circle', center: this.shape.center, radius: Number(value('radius')) };
    const windows = [...form.querySelectorAll<HTMLElement>('.window-row')].map((row) => {
      const w: ZoneWindow = { timezone: value('timezone', row) || undefined };
      if (value('from', row)) w.from = new Date(value('from', row)).toISOString();
      if (value('to', row)) w.to = new Date(value('to', row)).toISOString();
      if (value('yearly.start', row) || value('yearly.end', row)) w.yearly = { start: value('yearly.start', row), end: value('yearly.end', row) };
      if (value('daily.start', row) || value('daily.end', row)) w.daily = { start: value('daily.start', row), end: value('daily.end', row) };
      return w;
    });
    const shipTypes = items('shipTypes').map(Number);
    const badShipType = items('shipTypes').find((s) => !/^\d+$/.test(s));
    if (badShipType !== undefined) {
      this.fieldError(form, 'properties.vesselFilter.shipTypes', t('zones.badNumber', { value: badShipType }));
      return undefined;
    }
    const vesselFilter = Object.fromEntries(
      Object.entries({ gearTypes: items('gearTypes'), vessels: items('vessels'), excludeVessels: items('excludeVessels'), shipTypes }).filter(([, list]) => list.length > 0),
    );
    const properties: Record<string, unknown> = { name: value('name'), kind: value('kind'), severity: value('severity'), windows };
    if (Object.keys(vesselFilter).length > 0) properties.vesselFilter = vesselFilter;
    if (value('legalBasis')) properties.legalBasis = value('legalBasis');
    const description = form.querySelector<HTMLTextAreaElement>('[name=description]')?.value.trim();
    if (description) properties.description = description;
    return { type: 'Feature', geometry, properties };
  }

  private async save(): Promise<void> {
    const form = this.form;
    if (!form) return;
    this.clearErrors(form);
    const feature = this.feature(form);
    if (!feature) return;
    try {
      const saved = this.editing ? await this.api.put<ZoneFeature>(`${PATH}/${this.editing.id}`, feature) : await this.api.post<ZoneFeature>(PATH, feature);
      showInfo(t('zones.saved', { name: saved.properties.name }));
      this.closeEditor();
      await this.load();
    } catch (e) {
      if (e instanceof ApiRequestError && e.status === 400) this.fieldError(form, e.parameter ?? '', e.message);
      else showError('what.saveZone', e);
    }
  }

  private async retire(): Promise<void> {
    const zone = this.editing;
    if (!zone || !confirm(t('zones.retireConfirm', { name: zone.properties.name }))) return;
    const done = await attempt('what.retireZone', () => this.api.delete(`${PATH}/${zone.id}`));
    if (done === undefined) return;
    this.closeEditor();
    await this.load();
  }

  private clearErrors(form: HTMLFormElement): void {
    for (const el of form.querySelectorAll('.field-error, .form-error')) el.textContent = '';
    for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
  }

  /**
   * Shows an error next to the field the API's `parameter` names (the longest matching path: a
   * window field is `properties.windows.<n>.<field>`), and always in the form's error box.
   */
  private fieldError(form: HTMLFormElement, parameter: string, message: string): void {
    const box = form.querySelector('.form-error');
    if (box) box.textContent = message;
    const windowMatch = /^properties\.windows\.(\d+)\.?(.*)$/.exec(parameter);
    let target: Element | null | undefined;
    if (windowMatch) {
      const row = form.querySelectorAll('.window-row')[Number(windowMatch[1])];
      const suffix = windowMatch[2];
      target = [...(row?.querySelectorAll<HTMLElement>('[data-param-suffix]') ?? [])].find((el) => suffix.startsWith(el.dataset.paramSuffix ?? '\u0000')) ?? row;
    } else {
      const candidates = [...form.querySelectorAll<HTMLElement>('[data-param]')].filter((el) => parameter === el.dataset.param || parameter.startsWith(`${el.dataset.param}.`));
      target = candidates.sort((a, b) => (b.dataset.param ?? '').length - (a.dataset.param ?? '').length)[0];
    }
    if (!target) return;
    target.classList.add('invalid');
    const slot = target.classList.contains('field-error') ? target : target.querySelector('.field-error');
    if (slot) slot.textContent = message;
  }
}
