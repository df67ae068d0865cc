import { Counter } from 'prom-client';
import { ConfigError } from '../../core/config.js';
import type { Logger } from '../../core/log.js';
import type { VesselFix } from '../../core/records.js';
import type { Alert, AlertDetails, AlertType, AlertWithEvidence } from '../alerts/model.js';
import type { AlertStore } from '../alerts/store.js';
import { statement, type ConfigDb } from '../configdb/database.js';
import type { GatewayMetrics } from '../metrics.js';
import { FIX_SOURCES, type LatestPositions } from '../pipeline/latest-positions.js';
import { RegistryChanges } from '../registry/changes.js';
import type { VesselRegistry } from '../registry/registry.js';
import { compareFixes } from '../store/types.js';
import type { ZoneVersion } from '../zones/model.js';
import type { ZoneStore } from '../zones/store.js';
import { BanAtSeaRule, DEFAULT_BAN_AT_SEA_CONFIG, type BanAtSeaConfig } from './ban-at-sea.js';
import { BanCalendar, BanCalendarError, DEFAULT_BAN_CALENDAR } from './ban-calendar.js';
import { BuoyThresholdRule, DEFAULT_BUOY_THRESHOLD_CONFIG, type BuoyThresholdConfig } from './buoy-threshold.js';
import { DarkRule, darkDedupeKey, DEFAULT_DARK_CONFIG, type DarkConfig } from './dark.js';
import { DEFAULT_DEVICE_OFFLINE_CONFIG, DeviceOfflineRule, type DeviceOfflineConfig } from './device-offline.js';
import { DEFAULT_ENCOUNTER_CONFIG, EncounterRule, type EncounterConfig } from './encounter.js';
import { RulesEngine, type RuleSet } from './engine.js';
import { GeofenceRule } from './geofence.js';
import { DEFAULT_IDENTITY_CLASH_CONFIG, IdentityClashRule, type IdentityClashConfig } from './identity-clash.js';
import { DEFAULT_LOITERING_CONFIG, LoiteringRule, type LoiteringConfig } from './loitering.js';
import { DEFAULT_POSITION_JUMP_CONFIG, PositionJumpRule, type PositionJumpConfig } from './position-jump.js';
import { PortRule, PortVisitStore, type PortVisit, type PortVisitLog } from './ports.js';
import type { AlertSink, VesselContext } from './rule.js';
import { DEFAULT_PRESENCE_CONFIG, ZonePresence, type PresenceConfig } from './zone-presence.js';

/**
 * The one place the rules are put together (issue 5): which rules run, with which settings, the
 * sinks between the engine and the alert store, and the engine's start-up (zones, state restored
 * from what was ongoing before a restart). Used by `serve` and `tidewatch rules replay`.
 */

/** Every rule's settings; DEFAULT_RULES_CONFIG holds DESIGN §6's defaults. */
export interface RulesConfig {
  presence: PresenceConfig;
  banAtSea: BanAtSeaConfig;
  dark: DarkConfig;
  loitering: LoiteringConfig;
  encounter: EncounterConfig;
  identityClash: IdentityClashConfig;
  positionJump: PositionJumpConfig;
  buoyThreshold: BuoyThresholdConfig;
  deviceOffline: DeviceOfflineConfig;
}

export const DEFAULT_RULES_CONFIG: RulesConfig = {
  presence: DEFAULT_PRESENCE_CONFIG,
  banAtSea: DEFAULT_BAN_AT_SEA_CONFIG,
  dark: DEFAULT_DARK_CONFIG,
  loitering: DEFAULT_LOITERING_CONFIG,
  encounter: DEFAULT_ENCOUNTER_CONFIG,
  identityClash: DEFAULT_IDENTITY_CLASH_CONFIG,
  positionJump: DEFAULT_POSITION_JUMP_CONFIG,
  buoyThreshold: DEFAULT_BUOY_THRESHOLD_CONFIG,
  deviceOffline: DEFAULT_DEVICE_OFFLINE_CONFIG,
};

/** Alert types whose ongoing alerts the engine takes over at start (the rest are instant events, raised and resolved at once). */
export const RESTORED_TYPES: readonly AlertType[] = ['zone_enter', 'ban_at_sea', 'dark', 'loitering', 'encounter', 'identity_clash', 'position_jump', 'buoy_threshold', 'device_offline'];

/** How an ongoing alert ends when its rule cannot take it over at start: closed where it was, not left open forever. */
export const NOT_TAKEN_OVER: AlertDetails = { ended: 'gateway_restarted' };

export interface RuleSetOptions {
  config?: Partial<RulesConfig>;
  calendar: BanCalendar;
  visits: PortVisitLog;
  /** `zones`: only the zone rules (geofence, ports), as `rules replay --zone` runs them. */
  only?: 'zones';
}

export interface AssembledRules {
  rules: RuleSet;
  presence: ZonePresence;
  /**
   * Takes over state from before a restart: the ongoing alerts of RESTORED_TYPES, each by its rule
   * from the alert and its evidence (see each rule's `restore`), and the open port visits. An alert
   * its rule cannot continue is resolved through `alerts` at its end time with NOT_TAKEN_OVER, so
   * that no incident stays open with no rule to end it; the rule starts over. Newer incidents are
   * taken over first: of two alerts for one vessel's loitering, say (a duplicate raised after a
   * restart that lost the first), the older is the one resolved.
   */
  restore(ongoing: readonly AlertWithEvidence[], openVisits: readonly PortVisit[], alerts: AlertSink): void;
  /**
   * Takes over a vessel's fix from before a restart (RulesEngine.restoreLastFixes), for the rules
   * judging silence (dark, encounter). `darkRaised`: the vessel's silence since this fix has its dark
   * alert already (taken over by `restore`, or closed by a person), so the dark rule leaves it.
   */
  restoreLastFix(fix: VesselFix, vessel: VesselContext, darkRaised: boolean): void;
}

/** The default rule set. */
export function createRuleSet(options: RuleSetOptions): AssembledRules {
  const config = { ...DEFAULT_RULES_CONFIG, ...options.config };
  const presence = new ZonePresence(config.presence);
  const geofence = new GeofenceRule();
  const zone = [new PortRule(options.visits), geofence];
  if (options.only === 'zones') {
    return {
      rules: { zone, fix: [], observation: [], health: [], clock: [] },
      presence,
      // The other rules do not run: their incidents are neither taken over nor ended.
      restore(ongoing, visits) {
        for (const alert of newestFirst(ongoing)) restoreZone(presence, geofence, alert);
        for (const v of visits) presence.restore(v.vessel, v.zoneId, v.arrivalTime);
      },
      // The zone rules judge no silence.
      restoreLastFix: () => {},
    };
  }
  const banAtSea = new BanAtSeaRule(options.calendar, config.banAtSea);
  const dark = new DarkRule(config.dark);
  const loitering = new LoiteringRule(config.loitering);
  const encounter = new EncounterRule(config.encounter);
  const identityClash = new IdentityClashRule(config.identityClash);
  // A clone's hops are the identity clash's: identityClash runs before positionJump in `fix` below.
  const positionJump = new PositionJumpRule(config.positionJump, (key) => identityClash.cloneOngoing(key));
  const buoyThreshold = new BuoyThresholdRule(config.buoyThreshold);
  const deviceOffline = new DeviceOfflineRule(config.deviceOffline);
  const rules: RuleSet = {
    zone,
    fix: [banAtSea, dark, loitering, encounter, identityClash, positionJump],
    observation: [buoyThreshold, deviceOffline],
    health: [deviceOffline],
    clock: [dark, loitering, encounter, identityClash, positionJump, deviceOffline],
  };
  return {
    rules,
    presence,
    restore(ongoing, visits, alerts) {
      for (const alert of newestFirst(ongoing)) {
        const takenOver =
          restoreZone(presence, geofence, alert) ||
          banAtSea.restore(alert) ||
          dark.restore(alert) ||
          loitering.restore(alert) ||
          encounter.restore(alert) ||
          identityClash.restore(alert) ||
          positionJump.restore(alert) ||
          buoyThreshold.restore(alert) ||
          deviceOffline.restore(alert);
        if (!takenOver) alerts.resolve(alert.dedupeKey, alert.endTime, NOT_TAKEN_OVER);
      }
      for (const v of visits) presence.restore(v.vessel, v.zoneId, v.arrivalTime);
    },
    restoreLastFix(fix, vessel, darkRaised) {
      if (!darkRaised) dark.restoreLastFix(fix, vessel);
      encounter.restoreLastFix(fix, vessel);
    },
  };
}

/** By start, newest first: of two alerts for one incident, the newer is the one its rule takes over. */
function newestFirst(alerts: readonly AlertWithEvidence[]): AlertWithEvidence[] {
  return [...alerts].sort((x, y) => y.startTime - x.startTime || y.id - x.id);
}

/** An ongoing zone_enter alert: the geofence rule holds the alert, and the vessel is inside the zone since it began. */
function restoreZone(presence: ZonePresence, geofence: GeofenceRule, alert: Alert): boolean {
  if (alert.vessel === undefined || alert.zoneId === undefined || !geofence.restore(alert)) return false;
  presence.restore(alert.vessel, alert.zoneId, alert.startTime);
  return true;
}

/** The ban calendar in force: the JSON file TIDEWATCH_BAN_CALENDAR names, else the shipped default; ConfigError when the file does not load. */
export function loadBanCalendar(file: string | undefined): BanCalendar {
  if (file === undefined) return BanCalendar.parse(DEFAULT_BAN_CALENDAR, 'the default ban calendar');
  try {
    return BanCalendar.load(file);
  } catch (e) {
    if (e instanceof BanCalendarError) throw new ConfigError(`TIDEWATCH_BAN_CALENDAR: ${e.message}`);
    throw e;
  }
}

/** Every version of every zone, any time: the engine checks each fix against the versions in force then. */
export function allZoneVersions(db: ConfigDb, zones: ZoneStore): ZoneVersion[] {
  const ids = statement(db, 'SELECT id FROM zone ORDER BY id').pluck().all() as number[];
  return ids.flatMap((id) => zones.history(id) ?? []);
}

/** The live sink: straight into the alert store (which pushes each change to live subscribers). */
export function alertStoreSink(alerts: AlertStore, onRaised?: (type: AlertType) => void): AlertSink {
  return {
    raise(r) {
      if (alerts.raise(r).created) onRaised?.(r.type);
    },
    resolve(dedupeKey, time, details) {
      alerts.resolve(dedupeKey, time, details);
    },
  };
}

export interface ReplayCounts {
  /** New alerts the replay raised. */
  raised: number;
  /** Detections of incidents already in the store (raised live or by an earlier replay): left alone. */
  known: number;
}

/**
 * The replay sink: an incident whose dedupe key the store already holds, ongoing or not, was raised
 * before and is left alone (no duplicate, no extra evidence); an incident the replay raised itself
 * takes its later detections and its end as usual.
 */
export function replaySink(alerts: AlertStore, counts: ReplayCounts): AlertSink {
  const raisedHere = new Set<string>();
  return {
    raise(r) {
      if (!raisedHere.has(r.dedupeKey)) {
        if (alerts.hasDedupeKey(r.dedupeKey)) {
          counts.known++;
          return;
        }
        raisedHere.add(r.dedupeKey);
        counts.raised++;
      }
      alerts.raise(r);
    },
    resolve(dedupeKey, time, details) {
      if (raisedHere.has(dedupeKey)) alerts.resolve(dedupeKey, time, details);
    },
  };
}

export interface LiveRules {
  engine: RulesEngine;
  calendar: BanCalendar;
  visits: PortVisitStore;
  /** Resolves once the rules have the vessels' last fixes from before the start (tests). */
  lastFixesRestored: Promise<void>;
  /** Stops following zone changes. */
  close(): void;
}

/** ms: how far back the last fixes taken over at start go; longer silence is not "going dark" news. */
const RESTORED_LAST_FIX_MS = 86_400_000;

/**
 * The live engine of `serve`: the default rule set raising into the alert store, zones loaded and
 * followed (the index is rebuilt on every change), state restored from before a restart, and
 * evaluations, late fixes and raised alerts counted in /metrics.
 */
export function startLiveRules(deps: {
  db: ConfigDb;
  registry: VesselRegistry;
  zones: ZoneStore;
  alerts: AlertStore;
  calendar: BanCalendar;
  metrics: GatewayMetrics;
  latest: Pick<LatestPositions, 'ready' | 'latestFixes'>;
  logger: Logger;
  config?: Partial<RulesConfig>;
}): LiveRules {
  const raised = new Counter({ name: 'tidewatch_alerts_raised_total', help: 'Alerts raised (new incidents, not merges), by type', labelNames: ['type'], registers: [deps.metrics.registry] });
  const visits = new PortVisitStore(deps.db);
  const assembled = createRuleSet({ config: deps.config, calendar: deps.calendar, visits });
  const sink = alertStoreSink(deps.alerts, (type) => raised.labels(type).inc());
  const engine = new RulesEngine({
    registry: deps.registry,
    presence: assembled.presence,
    rules: assembled.rules,
    alerts: sink,
    logger: deps.logger,
    changes: RegistryChanges.of(deps.db),
  });
  // The engine counts in plain numbers on the ingest path; the counters catch up when scraped.
  const synced = new Map<string, number>();
  new Counter({
    name: 'tidewatch_rule_evaluations_total',
    help: 'Records evaluated by each rule',
    labelNames: ['rule'],
    registers: [deps.metrics.registry],
    collect() {
      for (const [rule, n] of engine.evaluations()) {
        this.inc({ rule }, n - (synced.get(rule) ?? 0));
        synced.set(rule, n);
      }
    },
  });
  let lateSynced = 0;
  new Counter({
    name: 'tidewatch_rules_late_fixes_total',
    help: 'Fixes older than their vessel’s newest evaluated fix: stored, not evaluated by the rules',
    registers: [deps.metrics.registry],
    collect() {
      this.inc(engine.stats.lateFixes - lateSynced);
      lateSynced = engine.stats.lateFixes;
    },
  });
  engine.setZones(allZoneVersions(deps.db, deps.zones));
  deps.alerts.batch(() => assembled.restore(deps.alerts.ongoing(RESTORED_TYPES).flatMap((a) => deps.alerts.get(a.id) ?? []), visits.open(), sink));
  let closed = false;
  const lastFixesRestored = restoreLastFixes(deps.latest, deps.alerts, engine, assembled, () => closed).catch((e) =>
    deps.logger.error('could not take over the last fixes from before the start; vessels silent since then are not judged dark until they report', { error: e instanceof Error ? e.message : String(e) }),
  );
  const unsubscribe = deps.zones.onChange(() => {
    try {
      engine.setZones(allZoneVersions(deps.db, deps.zones));
    } catch (e) {
      deps.logger.error('could not rebuild the zone index; the rules keep the zones they had', { error: e instanceof Error ? e.message : String(e) });
    }
  });
  return {
    engine,
    calendar: deps.calendar,
    visits,
    lastFixesRestored,
    close() {
      closed = true;
      unsubscribe();
    },
  };
}

/**
 * Hands the rules each vessel's last fixes from before the start, the newest of each source (a
 * vessel is dark only when all its channels are silent), so that the dark rule judges silence begun
 * before the start, and the encounters taken over by `restore` know where their vessels last were.
 * They come from the latest positions rather than the store: seeded from the store anyway, they
 * cost no query of their own, and a slow store holds up neither the start nor ingest.
 * A vessel whose silence has a dark alert already — taken over by `restore`, or closed by a person —
 * is left out of the dark rule, so that the incident is not raised again.
 */
async function restoreLastFixes(
  latest: Pick<LatestPositions, 'ready' | 'latestFixes'>,
  alerts: AlertStore,
  engine: RulesEngine,
  assembled: AssembledRules,
  closed: () => boolean,
): Promise<void> {
  await latest.ready;
  const since = Date.now() - RESTORED_LAST_FIX_MS;
  const perSource = await Promise.all(FIX_SOURCES.map((source) => latest.latestFixes({ since, sources: [source] })));
  if (closed()) return;
  const fixes = perSource.flat().sort(compareFixes);
  // Oldest first, so each vessel's newest fix is the one the map keeps.
  const newest = new Map(fixes.map((f) => [f.vessel ?? f.key, f]));
  const raised = new Set([...newest].filter(([vessel, fix]) => alerts.hasDedupeKey(darkDedupeKey(vessel, fix.time))).map(([vessel]) => vessel));
  engine.restoreLastFixes(fixes, (fix, vessel) => assembled.restoreLastFix(fix, vessel, raised.has(vessel.vessel)));
}
