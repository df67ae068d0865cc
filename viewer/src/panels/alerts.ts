import type { GeoJSONSource, Map as MapboxMap } from 'mapbox-gl';
import type { ApiClient } from '../api-client.js';
import { ALERT_STATUSES, ALERT_TYPES, type Alert, type AlertChangeKind, type AlertWithEvidence } from '../api-types.js';
import { append, clear, h } from '../dom.js';
import { t, timeElement, tOr } from '../i18n/index.js';
import { attempt, showInfo } from '../notices.js';

/**
 * The alerts panel: open and acknowledged alerts first loaded from GET /api/v1/alerts, then kept
 * current by the live feed. New alerts are highlighted for a while (no sound: a monitoring room has
 * many screens). Clicking one flies to its vessel and shows its evidence on the map; regulators
 * acknowledge and close from here.
 */

const PATH = '/api/v1/alerts';
const EVIDENCE = 'alert-evidence';
const HIGHLIGHT_MS = 15_000;

export interface AlertsPanelHooks {
  /** The vessels that alerts name changed (to colour them). */
  alertedVessels(alerted: Set<string>, dark: Set<string>): void;
  /** Where a vessel is now, to fly there when its alert is opened. */
  positionOf(vessel: string): [number, number] | undefined;
  openVessel(vessel: string): void;
}

export class AlertsPanel {
  private readonly alerts = new Map<number, Alert>();
  private readonly fresh = new Map<number, number>();
  private typeFilter = '';
  private statusFilter = 'open,acknowledged';
  private selected: number | undefined;
  private readonly list = h('ul', { class: 'list alert-list', 'data-testid': 'alert-list' });
  private readonly detail = h('div', { class: 'alert-detail', 'data-testid': 'alert-detail' });

  constructor(
    private readonly root: HTMLElement,
    private readonly map: MapboxMap,
    private readonly api: ApiClient,
    private readonly canTriage: boolean,
    private readonly hooks: AlertsPanelHooks,
    /** Shows the number of open alerts on the panel's tab. */
    private readonly badge: HTMLElement,
  ) {
    map.addSource(EVIDENCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: EVIDENCE, type: 'circle', source: EVIDENCE, paint: { 'circle-radius': 5, 'circle-color': '#ff4d4f', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 } });
    this.render();
    setInterval(() => this.expireHighlights(), 1000);
  }

  /** The alerts the filters ask for (open and acknowledged at first); vessel colours follow what is loaded. */
  async load(): Promise<void> {
    const query = new URLSearchParams({ limit: '1000' });
    if (this.typeFilter) query.set('type', this.typeFilter);
    if (this.statusFilter) query.set('status', this.statusFilter);
    const body = await attempt('what.loadAlerts', () => this.api.get<{ alerts: Alert[] }>(`${PATH}?${query}`));
    if (!body) return;
    this.alerts.clear();
    for (const a of body.alerts) this.alerts.set(a.id, a);
    this.renderList();
    this.reportAlerted();
  }

  /** A change from the live feed. */
  change(kind: AlertChangeKind, alert: Alert): void {
    if (kind === 'raised') this.fresh.set(alert.id, Date.now());
    this.alerts.set(alert.id, alert);
    this.renderList();
    this.reportAlerted();
    if (this.selected === alert.id) void this.open(alert.id, false);
  }

  alertsDropped(count: number): void {
    showInfo(t('alerts.dropped', { count }));
    void this.load();
  }

  openAlertsOf(vessel: string): Alert[] {
    return [...this.alerts.values()].filter((a) => a.status !== 'closed' && (a.vessel === vessel || a.otherVessel === vessel));
  }

  render(): void {
    clear(this.root);
    const typeSelect = h('select', { 'data-testid': 'alert-type-filter', 'aria-label': t('alerts.filter.type') }, h('option', { value: '' }, t('alerts.filter.all')), ...ALERT_TYPES.map((type) => h('option', { value: type, selected: type === this.typeFilter }, t(`alertType.${type}`))));
    const statusOptions = [['open,acknowledged', `${t('alertStatus.open')} + ${t('alertStatus.acknowledged')}`], ['', t('alerts.filter.all')], ...ALERT_STATUSES.map((s) => [s, t(`alertStatus.${s}`)])];
    const statusSelect = h('select', { 'data-testid': 'alert-status-filter', 'aria-label': t('alerts.filter.status') }, ...statusOptions.map(([value, label]) => h('option', { value, selected: value === this.statusFilter }, label)));
    typeSelect.addEventListener('change', () => {
      this.typeFilter = typeSelect.value;
      void this.load();
    });
    statusSelect.addEventListener('change', () => {
      this.statusFilter = statusSelect.value;
      void this.load();
    });
    this.root.append(
      h('div', { class: 'panel-head' }, h('h2', {}, t('alerts.title'))),
      h('div', { class: 'filters' }, h('label', {}, t('alerts.filter.type'), typeSelect), h('label', {}, t('alerts.filter.status'), statusSelect)),
      this.list,
      this.detail,
    );
    this.renderList();
  }

  private matchesFilter(a: Alert): boolean {
    return (!this.typeFilter || a.type === this.typeFilter) && (!this.statusFilter || this.statusFilter.split(',').includes(a.status));
  }

  private renderList(): void {
    const shown = [...this.alerts.values()].filter((a) => this.matchesFilter(a)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    clear(this.list);
    if (shown.length === 0) this.list.append(h('li', { class: 'muted empty' }, t('alerts.empty')));
    for (const a of shown) {
      const item = h(
        'li',
        { class: `list-item alert severity-${a.severity}${this.fresh.has(a.id) ? ' is-new' : ''}${a.id === this.selected ? ' is-selected' : ''}`, 'data-alert-id': a.id, 'data-testid': 'alert-item', tabindex: 0 },
        h('span', { class: `pill status-${a.status}` }, t(`alertStatus.${a.status}`)),
        h('span', { class: 'grow' }, h('strong', {}, tOr(`alertType.${a.type}`, a.type)), ' ', a.vessel ?? a.device ?? '', h('br'), h('span', { class: 'muted' }, timeElement(a.startTime), a.occurrences > 1 ? ` · ${t('alerts.occurrences', { count: a.occurrences })}` : '', a.ongoing ? ` · ${t('alerts.ongoing')}` : '')),
      );
      item.addEventListener('click', () => void this.open(a.id, true));
      item.addEventListener('keydown', (e) => e.key === 'Enter' && void this.open(a.id, true));
      this.list.append(item);
    }
    const open = [...this.alerts.values()].filter((a) => a.status === 'open').length;
    this.badge.textContent = open > 0 ? String(open) : '';
  }

  private async open(id: number, fly: boolean): Promise<void> {
    this.selected = id;
    this.fresh.delete(id);
    this.renderList();
    const alert = await attempt('what.loadAlert', () => this.api.get<AlertWithEvidence>(`${PATH}/${id}`));
    if (!alert) return;
    const fixes = alert.evidence.filter((e): e is Record<string, unknown> & { lon: number; lat: number } => typeof e.lon === 'number' && typeof e.lat === 'number');
    (this.map.getSource(EVIDENCE) as GeoJSONSource).setData({
      type: 'FeatureCollection',
      features: fixes.map((e) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [e.lon, e.lat] } })),
    });
    if (fly) {
      const last = fixes[fixes.length - 1];
      const at = (alert.vessel && this.hooks.positionOf(alert.vessel)) || (last ? ([last.lon, last.lat] as [number, number]) : undefined);
      if (at) this.map.flyTo({ center: at, zoom: Math.max(this.map.getZoom(), 11) });
    }
    this.renderDetail(alert);
  }

  private renderDetail(alert: AlertWithEvidence): void {
    clear(this.detail);
    const triage = (action: 'acknowledge' | 'close') => async () => {
      const updated = await attempt('what.triageAlert', () => this.api.post<Alert>(`${PATH}/${alert.id}/${action}`, {}));
      if (updated) this.change(action === 'acknowledge' ? 'acknowledged' : 'closed', updated);
    };
    append(this.detail, 
      h('h3', {}, `#${alert.id} ${tOr(`alertType.${alert.type}`, alert.type)}`),
      h(
        'dl',
        {},
        h('dt', {}, t('alerts.filter.status')),
        h('dd', { 'data-testid': 'alert-status' }, t(`alertStatus.${alert.status}`), alert.acknowledged ? ` · ${alert.acknowledged.by}` : ''),
        alert.vessel && h('dt', {}, t('vessel.title')),
        alert.vessel && h('dd', {}, h('button', { class: 'link', type: 'button', onclick: () => alert.vessel && this.hooks.openVessel(alert.vessel) }, alert.vessel)),
        alert.zone && h('dt', {}, t('zones.title')),
        alert.zone && h('dd', {}, t('alerts.zone', { id: alert.zone.id, version: alert.zone.version ?? '' })),
        h('dt', {}, t('vessel.lastReport')),
        h('dd', {}, timeElement(alert.startTime), ' – ', timeElement(alert.endTime)),
        ...Object.entries(alert.details ?? {}).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
      ),
      h('h4', {}, t('alerts.evidence'), ` (${alert.evidenceCount})`),
      h(
        'ol',
        { class: 'evidence' },
        ...alert.evidence.map((e) => h('li', {}, typeof e.time === 'string' ? timeElement(e.time) : '', ' ', typeof e.lat === 'number' ? `${(e.lat as number).toFixed(4)}, ${(e.lon as number).toFixed(4)}` : `${String(e.variable ?? '')} ${String(e.value ?? '')} ${String(e.unit ?? '')}`, typeof e.sog === 'number' ? ` · ${e.sog} ${t('unit.kn')}` : '')),
      ),
      alert.evidenceOmitted > 0 && h('p', { class: 'muted' }, t('alerts.evidenceOmitted', { count: alert.evidenceOmitted })),
      this.canTriage &&
        h(
          'div',
          { class: 'button-row' },
          alert.status === 'open' && h('button', { class: 'primary', type: 'button', 'data-testid': 'alert-acknowledge', onclick: triage('acknowledge') }, t('alerts.acknowledge')),
          alert.status !== 'closed' && h('button', { class: 'secondary', type: 'button', 'data-testid': 'alert-close', onclick: triage('close') }, t('alerts.close')),
        ),
    );
  }

  private reportAlerted(): void {
    const alerted = new Set<string>();
    const dark = new Set<string>();
    for (const a of this.alerts.values()) {
      if (a.status === 'closed' || !a.vessel) continue;
      (a.type === 'dark' ? dark : alerted).add(a.vessel);
    }
    this.hooks.alertedVessels(alerted, dark);
  }

  private expireHighlights(): void {
    const now = Date.now();
    let changed = false;
    for (const [id, at] of this.fresh) {
      if (now - at > HIGHLIGHT_MS) {
        this.fresh.delete(id);
        changed = true;
      }
    }
    if (changed) this.renderList();
  }
}
