import type { ApiClient } from '../api-client.js';
import type { Alert, TrackFeature, VesselView } from '../api-types.js';
import { append, clear, h } from '../dom.js';
import { formatDuration, t, timeElement, tOr, withUnit } from '../i18n/index.js';
import type { TrackLayer } from '../map/track.js';
import type { VesselLayer } from '../map/vessels.js';
import { attempt } from '../notices.js';

/**
 * The vessel panel: who the vessel is (registry and broadcast data), where it is going, how old
 * its last report is, its open alerts, and its track over any range (the last 24 h by default).
 */

const DAY_MS = 86_400_000;

/** `<input type=datetime-local>` value for a time, in the browser's zone. */
const localInput = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export class VesselPanel {
  private current: string | undefined;
  private ageTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
    private readonly vessels: VesselLayer,
    private readonly track: TrackLayer,
    private readonly openAlerts: (vessel: string) => Alert[],
  ) {}

  get shown(): string | undefined {
    return this.current;
  }

  async show(id: string): Promise<void> {
    this.current = id;
    this.vessels.select(id);
    this.root.hidden = false;
    clear(this.root);
    append(this.root, h('p', { class: 'muted' }, '…'));
    const body = await attempt('what.loadVessel', () => this.api.get<{ vessel: VesselView }>(`/api/v1/vessels/${encodeURIComponent(id)}`));
    if (!body || this.current !== id) return;
    this.render(body.vessel);
  }

  close(): void {
    this.current = undefined;
    clearInterval(this.ageTimer);
    this.vessels.select(undefined);
    this.track.clear();
    this.root.hidden = true;
  }

  /** Re-render in the new language. */
  refresh(): void {
    if (this.current) void this.show(this.current);
  }

  private render(v: VesselView): void {
    clearInterval(this.ageTimer);
    const live = this.vessels.get(v.id)?.properties;
    const keys = v.identifiers.map((b) => b.key);
    const valueOf = (scheme: string) => keys.find((k) => k.startsWith(`${scheme}:`))?.slice(scheme.length + 1);
    const latest = v.latest;
    const sog = live?.sog ?? latest?.sog;
    const cog = live?.cog ?? latest?.cog;
    const source = live?.source ?? latest?.source;
    const time = live?.time ?? latest?.time;
    const age = h('span', { 'data-testid': 'vessel-age' });
    const updateAge = () => {
      const seconds = this.vessels.ageOf(v.id) ?? (time ? (Date.now() - Date.parse(time)) / 1000 : undefined);
      age.textContent = seconds === undefined ? '—' : t('vessel.age', { age: formatDuration(seconds) });
    };
    updateAge();
    this.ageTimer = setInterval(updateAge, 1000);
    const row = (label: Parameters<typeof t>[0], value: Node | string | undefined) => [h('dt', {}, t(label)), h('dd', {}, value ?? '—')];
    const alerts = this.openAlerts(v.id);
    const fromInput = h('input', { type: 'datetime-local', value: localInput(Date.now() - DAY_MS), 'aria-label': t('vessel.trackFrom') });
    // Empty means now: a minute-precise default would cut off the last minute of fixes.
    const toInput = h('input', { type: 'datetime-local', 'aria-label': t('vessel.trackTo') });
    const trackSlot = h('div', { class: 'track-slot' });
    const loadTrack = async () => {
      const query = new URLSearchParams({ from: new Date(fromInput.value).toISOString(), to: new Date(toInput.value ? toInput.value : Date.now()).toISOString() });
      const track = await attempt('what.loadTrack', () => this.api.get<TrackFeature>(`/api/v1/vessels/${encodeURIComponent(v.id)}/track?${query}`));
      if (track) trackSlot.replaceChildren(this.track.show(track));
    };
    clear(this.root);
    append(this.root, 
      h(
        'div',
        { class: 'panel-head' },
        h('h2', { 'data-testid': 'vessel-title' }, v.hullName ?? v.broadcast?.name ?? v.name ?? v.id),
        h('button', { class: 'icon-button', type: 'button', 'aria-label': t('vessel.close'), title: t('vessel.close'), onclick: () => this.close() }, '×'),
      ),
      !v.registered && h('p', { class: 'pill' }, t('vessel.unregistered')),
      h(
        'dl',
        { class: 'facts', 'data-testid': 'vessel-facts' },
        ...row('vessel.hullName', v.hullName),
        ...row('vessel.name', v.name ?? v.broadcast?.name),
        ...row('vessel.mmsi', valueOf('mmsi')),
        ...row('vessel.bdsCard', valueOf('bds')),
        ...row('vessel.speed', withUnit(sog, t('unit.kn'))),
        ...row('vessel.course', withUnit(cog, '°', 0)),
        ...row('vessel.lastReport', time ? h('span', {}, timeElement(time), ' · ', age) : undefined),
        ...row('vessel.source', source ? tOr(`source.${source}`, source) : undefined),
        ...row('vessel.gear', v.gearType),
        ...row('vessel.homePort', v.homePort),
        ...(v.owner ? row('vessel.owner', v.owner) : []),
      ),
      h('h3', {}, t('vessel.openAlerts')),
      alerts.length === 0
        ? h('p', { class: 'muted' }, t('vessel.noAlerts'))
        : h('ul', { class: 'plain' }, ...alerts.map((a) => h('li', {}, h('span', { class: `pill status-${a.status}` }, t(`alertStatus.${a.status}`)), ' ', tOr(`alertType.${a.type}`, a.type), ' · ', timeElement(a.startTime)))),
      h(
        'div',
        { class: 'track-form' },
        h('label', {}, t('vessel.trackFrom'), fromInput),
        h('label', {}, t('vessel.trackTo'), toInput),
        h('button', { class: 'primary', type: 'button', 'data-testid': 'vessel-track', onclick: () => void loadTrack() }, t('vessel.track')),
      ),
      trackSlot,
    );
  }
}
