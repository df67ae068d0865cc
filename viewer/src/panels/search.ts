import type { ApiClient } from '../api-client.js';
import type { VesselView } from '../api-types.js';
import { clear, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { attempt, showInfo } from '../notices.js';

/** Search by hull name, MMSI or Beidou card (GET /api/v1/vessels?q=), then fly to the vessel found. */

const DEBOUNCE_MS = 250;

export function setUpSearch(input: HTMLInputElement, results: HTMLElement, api: ApiClient, go: (vessel: VesselView) => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = '';
  const choose = (v: VesselView) => {
    clear(results);
    results.hidden = true;
    if (!v.latest) showInfo(t('search.noPosition', { name: v.hullName ?? v.id }));
    go(v);
  };
  const run = async () => {
    const q = input.value.trim();
    asked = q;
    if (!q) {
      results.hidden = true;
      return;
    }
    const body = await attempt('what.search', () => api.get<{ vessels: VesselView[] }>(`/api/v1/vessels?${new URLSearchParams({ q, limit: '10' })}`));
    if (!body || asked !== q) return;
    clear(results);
    results.hidden = false;
    if (body.vessels.length === 0) results.append(h('li', { class: 'muted' }, t('search.none')));
    for (const v of body.vessels) {
      const mmsi = v.identifiers.find((b) => b.key.startsWith('mmsi:'))?.key.slice(5);
      const card = v.identifiers.find((b) => b.key.startsWith('bds:'))?.key.slice(4);
      results.append(
        h(
          'li',
          { tabindex: 0, 'data-testid': 'search-result', onclick: () => choose(v), onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Enter' && choose(v) },
          h('strong', {}, v.hullName ?? v.name ?? v.id),
          h('span', { class: 'muted' }, [mmsi && `MMSI ${mmsi}`, card && `${t('vessel.bdsCard')} ${card}`].filter(Boolean).join(' · ')),
        ),
      );
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') results.querySelector<HTMLElement>('li[data-testid=search-result]')?.click();
    if (e.key === 'Escape') results.hidden = true;
  });
}
