import mapboxgl from 'mapbox-gl';
import { ApiClient, ApiRequestError } from './api-client.js';
import type { Me, PositionFeature, VesselView } from './api-types.js';
import { byId, h } from './dom.js';
import { applyTranslations, currentLanguage, formatDuration, onLanguageChange, setLanguage, t } from './i18n/index.js';
import { vesselSwatch, VESSEL_STATES, VESSEL_TYPES } from './icons.js';
import { connectLive, type LiveState } from './live.js';
import { basemapStyle, MAX_BOUNDS, RIZHAO_CENTRE } from './map/style.js';
import { TrackLayer } from './map/track.js';
import { VESSEL_LAYERS, VesselLayer } from './map/vessels.js';
import { ZoneLayer } from './map/zones.js';
import { attempt, showError } from './notices.js';
import { AlertsPanel } from './panels/alerts.js';
import { BUOY_LAYER, BuoysPanel } from './panels/buoys.js';
import { setUpSearch } from './panels/search.js';
import { VesselPanel } from './panels/vessel.js';
import { ZonesPanel } from './panels/zones.js';

/**
 * The regulator's map: sign-in, then the map with live vessels, zones, alerts and buoys. The token
 * is kept for the browser session only (sessionStorage); `/?token=…` signs a wall screen in and is
 * taken out of the address bar at once.
 */

const TOKEN_KEY = 'tidewatch.token';
/** Browser fonts for Chinese labels: mapbox-gl draws CJK from these instead of glyph PBFs. */
const IDEOGRAPH_FONTS = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
const STATUS_TICK_MS = 1000;
/** The registry pages through at most this many vessels per request. */
const REGISTRY_PAGE = 1000;

function takeTokenFromUrl(): void {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

/** The token's identity, or the reason it cannot be used. */
async function identify(token: string): Promise<Me> {
  return new ApiClient(token).get<Me>('/api/v1/me');
}

function askForToken(reason?: string): Promise<{ token: string; me: Me }> {
  const dialog = byId('login');
  const form = byId<HTMLFormElement>('login-form');
  const input = byId<HTMLInputElement>('login-token');
  const error = byId('login-error');
  dialog.hidden = false;
  error.textContent = reason ?? '';
  input.focus();
  return new Promise((resolve) => {
    const submit = async (event: Event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      try {
        const me = await identify(token);
        form.removeEventListener('submit', submit);
        dialog.hidden = true;
        resolve({ token, me });
      } catch (e) {
        error.textContent = t('login.failed', { message: e instanceof ApiRequestError && e.status === 0 ? t('error.network') : (e as Error).message });
      }
    };
    form.addEventListener('submit', submit);
  });
}

async function signIn(): Promise<{ token: string; me: Me }> {
  takeTokenFromUrl();
  const stored = sessionStorage.getItem(TOKEN_KEY);
  if (stored) {
    try {
      return { token: stored, me: await identify(stored) };
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      return askForToken(t('login.failed', { message: (e as Error).message }));
    }
  }
  return askForToken();
}

function setUpTabs(): void {
  const tabs = document.querySelectorAll<HTMLButtonElement>('[data-tab]');
  for (const tab of tabs) {
    tab.addEventListener('click', () => {
      for (const other of tabs) {
        const active = other === tab;
        other.setAttribute('aria-selected', String(active));
        byId(`tab-${other.dataset.tab}`).hidden = !active;
      }
    });
  }
}

function showTab(name: string): void {
  document.querySelector<HTMLButtonElement>(`[data-tab="${name}"]`)?.click();
}

function renderLegend(): void {
  const legend = byId('legend');
  legend.replaceChildren(
    h('strong', {}, t('legend.title')),
    ...VESSEL_STATES.map((state) => h('div', { class: 'legend-row' }, vesselSwatch(state, 'fishing'), t(`state.${state}`))),
    ...VESSEL_TYPES.map((type) => h('div', { class: 'legend-row' }, vesselSwatch('normal', type), t(`type.${type}`))),
  );
}

async function loadFishingVessels(api: ApiClient): Promise<Set<string>> {
  const fishing = new Set<string>();
  for (let offset = 0; ; offset += REGISTRY_PAGE) {
    const page = await api.get<{ total: number; vessels: VesselView[] }>(`/api/v1/vessels?limit=${REGISTRY_PAGE}&offset=${offset}`);
    for (const v of page.vessels) if (v.gearType || v.broadcast?.shipType === 30) fishing.add(v.id);
    if (offset + REGISTRY_PAGE >= page.total) return fishing;
  }
}

async function start(token: string, me: Me): Promise<void> {
  sessionStorage.setItem(TOKEN_KEY, token);
  const api = new ApiClient(token);
  document.body.dataset.role = me.role;
  byId('session-name').textContent = `${me.name} · ${t(`session.role.${me.role}`)}`;
  onLanguageChange(() => (byId('session-name').textContent = `${me.name} · ${t(`session.role.${me.role}`)}`));
  byId('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });

  const config = await attempt('what.loadConfig', async () => {
    const response = await fetch('/viewer-config.json');
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return (await response.json()) as { style: string | null };
  });
  const bundled = !config?.style;
  const map = new mapboxgl.Map({
    container: 'map',
    style: config?.style ?? basemapStyle(location.origin),
    center: RIZHAO_CENTRE,
    zoom: 8.6,
    minZoom: 5,
    maxZoom: 16,
    maxBounds: bundled ? MAX_BOUNDS : undefined,
    localIdeographFontFamily: IDEOGRAPH_FONTS,
    attributionControl: false,
  });
  map.addControl(new mapboxgl.AttributionControl({ compact: true, customAttribution: bundled ? 'Natural Earth' : undefined }), 'bottom-right');
  map.addControl(new mapboxgl.NavigationControl({ visualizePitch: false }), 'top-right');
  map.addControl(new mapboxgl.ScaleControl({ maxWidth: 140, unit: 'metric' }), 'bottom-left');
  map.on('error', (e: { error?: Error }) => showError('what.map', e.error ?? new Error('unknown map error')));
  const cursor = byId('cursor');
  map.on('mousemove', (e) => (cursor.textContent = `${e.lngLat.lat.toFixed(4)}°N ${e.lngLat.lng.toFixed(4)}°E`));
  // Whether the camera is moving (a flight to a search result takes seconds), on the body as data-map
  // is: what a page script or a browser test waits for before it clicks what the camera flew to.
  map.on('movestart', () => (document.body.dataset.moving = 'true'));
  map.on('moveend', () => (document.body.dataset.moving = 'false'));

  await new Promise<void>((resolve) => map.once('load', () => resolve()));

  const vessels = new VesselLayer(map);
  const zones = new ZoneLayer(map);
  const track = new TrackLayer(map);
  vessels.setPortTest((lon, lat) => zones.inPort(lon, lat));
  const vesselPanel = new VesselPanel(byId('vessel-panel'), api, vessels, track, (id) => alerts.openAlertsOf(id));
  const alerts = new AlertsPanel(byId('tab-alerts'), map, api, me.permissions.triageAlerts, {
    alertedVessels: (alerted, dark) => vessels.setAlerted(alerted, dark),
    positionOf: (id) => vessels.get(id)?.geometry.coordinates as [number, number] | undefined,
    openVessel: (id) => void vesselPanel.show(id),
  }, byId('alert-count'));
  const zonesPanel = new ZonesPanel(byId('tab-zones'), map, api, zones, me.permissions.manageZones);
  const buoys = new BuoysPanel(byId('tab-buoys'), map, api);

  map.on('click', (e) => {
    const hit = map.queryRenderedFeatures(e.point, { layers: [...VESSEL_LAYERS, BUOY_LAYER] })[0];
    if (!hit) return;
    if (hit.layer.id === BUOY_LAYER) {
      showTab('buoys');
      void buoys.openChart(String(hit.properties?.id));
    } else {
      void vesselPanel.show(String(hit.properties?.vessel));
    }
  });
  map.on('mouseenter', BUOY_LAYER, () => (map.getCanvas().style.cursor = 'pointer'));
  map.on('mouseleave', BUOY_LAYER, () => (map.getCanvas().style.cursor = ''));

  setUpSearch(byId<HTMLInputElement>('search'), byId('search-results'), api, (v) => {
    const at = vessels.get(v.id)?.geometry.coordinates ?? (v.latest ? [v.latest.lon, v.latest.lat] : undefined);
    if (at) map.flyTo({ center: at as [number, number], zoom: Math.max(map.getZoom(), 12) });
    void vesselPanel.show(v.id);
  });

  let liveState: LiveState = 'connecting';
  const renderStatus = () => {
    byId('vessel-count').textContent = String(vessels.count);
    const connection = byId('connection');
    connection.textContent = t(`status.connection.${liveState}`);
    connection.dataset.state = liveState;
    byId('data-age').textContent = vessels.newestFixTime ? formatDuration((Date.now() - vessels.newestFixTime) / 1000) : t('status.dataAge.none');
  };
  setInterval(() => {
    renderStatus();
    vessels.refreshStates();
  }, STATUS_TICK_MS);

  onLanguageChange(() => {
    if (bundled) map.setLayoutProperty('places', 'text-field', ['get', currentLanguage() === 'en' ? 'en' : 'zh']);
    zones.render();
    zonesPanel.renderList();
    alerts.render();
    buoys.render();
    vesselPanel.refresh();
    renderLegend();
    renderStatus();
  });
  if (bundled && currentLanguage() === 'en') map.setLayoutProperty('places', 'text-field', ['get', 'en']);
  renderLegend();

  // Live first, so nothing is missed between the first GETs and the subscription.
  connectLive(api, {
    positions: (features) => vessels.update(features),
    alert: (kind, alert) => alerts.change(kind, alert),
    alertsDropped: (count) => alerts.alertsDropped(count),
    observations: (observations) => buoys.observe(observations),
    state: (state, detail) => {
      liveState = state;
      renderStatus();
      if (detail) byId('connection').title = detail;
    },
  });
  await Promise.all([
    attempt('what.loadVessels', async () => vessels.update((await api.get<{ features: PositionFeature[] }>('/api/v1/positions/latest')).features)),
    attempt('what.loadVessels', async () => vessels.setFishing(await loadFishingVessels(api))),
    zonesPanel.load(),
    alerts.load(),
    buoys.load(),
  ]);
  renderStatus();
  document.body.dataset.map = 'ready';
}

async function main(): Promise<void> {
  document.documentElement.lang = currentLanguage();
  applyTranslations(document.body);
  byId('language').addEventListener('click', () => setLanguage(currentLanguage() === 'zh-CN' ? 'en' : 'zh-CN'));
  setUpTabs();
  if (!mapboxgl.supported()) {
    showError('what.map', new Error('WebGL is not available in this browser'));
    return;
  }
  const { token, me } = await signIn();
  await start(token, me);
}

main().catch((e) => showError('what.map', e));
