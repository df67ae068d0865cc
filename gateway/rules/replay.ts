import type { Logger } from '../../core/log.js';
import type { AlertWithEvidence } from '../alerts/model.js';
import type { AlertStore } from '../alerts/store.js';
import type { ConfigDb } from '../configdb/database.js';
import type { VesselRegistry } from '../registry/registry.js';
import type { SeriesStore } from '../store/types.js';
import type { ZoneStore } from '../zones/store.js';
import type { BanCalendar } from './ban-calendar.js';
import { RulesEngine } from './engine.js';
import { allZoneVersions, createRuleSet, replaySink, RESTORED_TYPES, type ReplayCounts } from './index.js';
import { PortVisitStore, type PortVisit } from './ports.js';

/**
 * `tidewatch rules replay` (issue 5 §3): re-evaluates stored fixes against the zone versions in force
 * at each fix's time — e.g. after a zone was added — and raises what the rules find, without
 * repeating what was raised before. Rules are deterministic and dedupe keys name incidents by the
 * time of their first fix, so an incident found again has a key the alert store already holds
 * (replaySink leaves it alone); port visits are keyed by arrival the same way.
 *
 * State at `from` is taken from the alerts (RESTORED_TYPES) and visits going on then, by the rules as
 * at a restart, so an incident that began before the window continues under its own key instead of
 * starting anew. One that lasted past `from` is taken over as the store last saw it (its newest
 * evidence), so it goes on at least that long. Ends of incidents already in the store — found again,
 * or given at the start to one no rule can take over — are not written (replaySink). Unlike
 * a restart, the replay takes over no last fixes from before `from` (the store has no cheap read of
 * them): a silence begun before the window raises nothing new.
 * Fixes are read one window of event time at a time, in time order across vessels; the clock rules
 * tick on the replayed event time. Alerts still ongoing at `to` stay ongoing.
 */

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

export interface ReplayOptions {
  store: SeriesStore;
  db: ConfigDb;
  registry: VesselRegistry;
  zones: ZoneStore;
  alerts: AlertStore;
  calendar: BanCalendar;
  logger: Logger;
  /** ms, inclusive */
  from: number;
  /** ms, exclusive */
  to: number;
  /** Only the zone rules (geofence, ports), for this zone only. */
  zoneId?: number;
  /** After each window: event time reached (ms) and fixes read so far. */
  onProgress?: (time: number, fixes: number) => void;
}

export interface ReplaySummary extends ReplayCounts {
  /** Fixes read from the store. */
  fixes: number;
  /** Fixes older than their vessel's newest evaluated one: not evaluated (the engine's event-time policy). */
  lateFixes: number;
}

/** ms of event time read per store query: small enough to hold, large enough to be few queries. */
const WINDOW_MS = 3_600_000;
/** ms of event time between clock ticks: as often as `serve` ticks. */
const TICK_MS = 5000;
const PAGE = 1000;

export async function replayHistory(o: ReplayOptions): Promise<ReplaySummary> {
  if (!(o.from < o.to)) throw new ReplayError('--to must be after --from');
  let versions = allZoneVersions(o.db, o.zones);
  if (o.zoneId !== undefined) {
    versions = versions.filter((v) => v.zoneId === o.zoneId);
    if (versions.length === 0) throw new ReplayError(`there is no zone ${o.zoneId}; list the zones with GET /api/v1/geofences`);
  }
  const counts: ReplayCounts = { raised: 0, known: 0 };
  const visits = new PortVisitStore(o.db);
  const assembled = createRuleSet({ calendar: o.calendar, visits, ...(o.zoneId !== undefined ? { only: 'zones' as const } : {}) });
  const sink = replaySink(o.alerts, counts);
  const engine = new RulesEngine({ registry: o.registry, presence: assembled.presence, rules: assembled.rules, alerts: sink, logger: o.logger });
  engine.setZones(versions);
  assembled.restore(alertsGoingOnAt(o.alerts, o.from), visitsGoingOnAt(visits, o.from), sink);

  let fixes = 0;
  let nextTick = o.from;
  for (let start = o.from; start < o.to; start += WINDOW_MS) {
    const window = await o.store.fixesBetween({ from: start, to: Math.min(start + WINDOW_MS, o.to) });
    // One transaction per window for the alerts it raises, not one per alert.
    o.alerts.batch(() => {
      for (const fix of window) {
        if (fix.time >= nextTick) {
          engine.tick(fix.time);
          nextTick = fix.time + TICK_MS;
        }
        engine.handle([fix]);
      }
    });
    fixes += window.length;
    o.onProgress?.(Math.min(start + WINDOW_MS, o.to), fixes);
  }
  return { ...counts, fixes, lateFixes: engine.stats.lateFixes };
}

/** Alerts of RESTORED_TYPES under way at `at` (begun before and not ended before), with their evidence. */
function alertsGoingOnAt(alerts: AlertStore, at: number): AlertWithEvidence[] {
  const found: AlertWithEvidence[] = [];
  for (let after: number | undefined; ; ) {
    const page = alerts.list({ types: RESTORED_TYPES, to: at, limit: PAGE, after });
    found.push(...page.alerts.filter((a) => a.ongoing || a.endTime >= at).flatMap((a) => alerts.get(a.id) ?? []));
    if (page.next === undefined) return found;
    after = page.next;
  }
}

function visitsGoingOnAt(visits: PortVisitStore, at: number): PortVisit[] {
  const found: PortVisit[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = visits.list({ from: at, to: at + 1, limit: PAGE, offset });
    found.push(...page);
    if (page.length < PAGE) return found;
  }
}
