import type { VesselFix } from '../../core/records.js';
import type { Logger } from '../../core/log.js';
import type { VesselRegistry } from '../registry/registry.js';
import type { SeriesRecord } from '../store/types.js';
import type { VesselTraits, ZoneVersion } from '../zones/model.js';
import type { AlertSink, ClockRule, DeviceHealthRule, FixRule, ObservationRule, VesselContext } from './rule.js';
import type { ZonePresence, ZoneRule } from './zone-presence.js';

/**
 * The rules engine (DESIGN §6, issue 5 §1): takes the records the live bus publishes once durable
 * (or a replay reads back), keeps the facts every rule shares per vessel — who the vessel is, its
 * previous fix, the zones it is in and so whether it is in port — and feeds the rules in event time.
 *
 * Event-time policy: per vessel, fixes are evaluated in the order of their own time. A fix older
 * than the newest one already evaluated for the vessel (late data: a Beidou burst after AIS, a
 * spool replay after an outage) is stored like any other but not evaluated — it is counted
 * (`lateFixes`) and dropped here, so late data never flips a zone, port or alert state backwards.
 * For a vessel with AIS and a Beidou RDSS terminal this means the older fixes of an RDSS burst (five
 * fixes a minute apart, sent together) are not evaluated when AIS has reported since; the burst's
 * newest fix, taken as it was sent, usually is, so each channel still reaches the rules.
 * Fixes the pipeline flagged `suspect` go to the fix rules (position jumps, identity clashes are
 * made of them) but move neither zone presence nor the `previous` fix the next one is compared with.
 *
 * Vessel traits (gear, AIS ship type, identifier keys) come from the registry, cached per vessel for
 * `traitsTtlMs`: the ingest path reads memory, and registry edits apply within that time.
 *
 * Rules do no I/O and the engine none but through the AlertSink, so the same engine runs live
 * (serve) and over history (`tidewatch rules replay`).
 */

export interface RuleSet {
  /** Fed with zone presence before the fix rules see the fix (ports decide `inPort`). */
  zone: readonly ZoneRule[];
  fix: readonly FixRule[];
  observation: readonly ObservationRule[];
  health: readonly DeviceHealthRule[];
  clock: readonly ClockRule[];
}

/** Counts, for /metrics and `rules replay`'s summary. */
export interface EngineStats {
  fixes: number;
  /** Fixes older than the vessel's newest evaluated fix: not evaluated (see the event-time policy). */
  lateFixes: number;
  observations: number;
  health: number;
  /** Rule calls that threw (logged; the other rules and ingest go on). */
  ruleErrors: number;
  /** Rule name → records it evaluated. */
  evaluations: Map<string, number>;
}

export interface RulesEngineOptions {
  registry: Pick<VesselRegistry, 'get' | 'resolve' | 'staticOf'>;
  presence: ZonePresence;
  rules: RuleSet;
  alerts: AlertSink;
  logger: Logger;
  /** ms a vessel's registry traits are reused before being read again. */
  traitsTtlMs?: number;
}

interface VesselState {
  /** ms: newest fix evaluated. */
  lastTime: number;
  /** Newest fix evaluated that was not suspect. */
  previous?: VesselFix;
  inPort: boolean;
}

interface CachedTraits {
  traits: VesselTraits;
  /** The vessel's terminal model, for identifiers that name none. */
  terminalModel?: string;
  /** Identifier key → its terminal model, as the registry said when first seen in this period. */
  terminalModelByKey: Map<string, string | undefined>;
  readAt: number;
}

const DEFAULT_TRAITS_TTL_MS = 60_000;

export class RulesEngine {
  readonly stats: EngineStats = { fixes: 0, lateFixes: 0, observations: 0, health: 0, ruleErrors: 0, evaluations: new Map() };
  /** ms: newest event time seen in any record (the live clock never runs behind it). */
  newestEventTime = 0;
  private readonly vessels = new Map<string, VesselState>();
  private readonly traits = new Map<string, CachedTraits>();
  private readonly traitsTtlMs: number;

  constructor(private readonly options: RulesEngineOptions) {
    this.traitsTtlMs = options.traitsTtlMs ?? DEFAULT_TRAITS_TTL_MS;
  }

  /** New zone versions: the presence index is rebuilt from all versions of all zones. */
  setZones(versions: readonly ZoneVersion[]): void {
    this.options.presence.setZones(versions);
  }

  /** A batch from the live bus or a replay. Never throws: a failing rule is logged and counted. */
  handle(records: readonly SeriesRecord[]): void {
    for (const record of records) {
      if (record.time > this.newestEventTime) this.newestEventTime = record.time;
      switch (record.kind) {
        case 'vessel-fix':
          this.onFix(record);
          break;
        case 'buoy-observation':
          this.stats.observations++;
          for (const rule of this.options.rules.observation) {
            this.counted(rule.name);
            try {
              rule.onObservation(record, this.options.alerts);
            } catch (e) {
              this.failed(rule.name, e);
            }
          }
          break;
        case 'device-health':
          this.stats.health++;
          for (const rule of this.options.rules.health) {
            this.counted(rule.name);
            try {
              rule.onDeviceHealth(record, this.options.alerts);
            } catch (e) {
              this.failed(rule.name, e);
            }
          }
          break;
      }
    }
  }

  /** The clock rules' turn (dark, device offline): `now` in ms, wall or replayed event time. */
  tick(now: number): void {
    for (const rule of this.options.rules.clock) {
      try {
        rule.onTick(now, this.options.alerts);
      } catch (e) {
        this.failed(rule.name, e);
      }
    }
  }

  private onFix(fix: VesselFix): void {
    const vessel = fix.vessel ?? fix.key;
    let state = this.vessels.get(vessel);
    if (state && fix.time < state.lastTime) {
      this.stats.lateFixes++;
      return;
    }
    if (!state) this.vessels.set(vessel, (state = { lastTime: fix.time, inPort: false }));
    this.stats.fixes++;
    const { alerts, rules } = this.options;
    const cached = this.traitsOf(vessel);
    // Built field by field, not by spreads: this runs for every fix.
    const context: VesselContext = { vessel, traits: cached.traits, inPort: state.inPort };
    const terminalModel = this.terminalModelOf(cached, fix);
    if (terminalModel !== undefined) context.terminalModel = terminalModel;
    if (state.previous) context.previous = state.previous;
    if (!fix.suspect) {
      const update = this.options.presence.update(vessel, fix);
      context.inPort = update.inside.some((p) => p.version.properties.kind === 'port');
      for (const rule of rules.zone) {
        this.counted(rule.name);
        try {
          rule.onPresence(fix, context, update, alerts);
        } catch (e) {
          this.failed(rule.name, e);
        }
      }
    }
    for (const rule of rules.fix) {
      this.counted(rule.name);
      try {
        rule.onFix(fix, context, alerts);
      } catch (e) {
        this.failed(rule.name, e);
      }
    }
    state.lastTime = fix.time;
    state.inPort = context.inPort;
    if (!fix.suspect) state.previous = fix;
  }

  // Rule calls are written out at each call site, without a closure per call: they run for every record.
  private counted(rule: string): void {
    const { evaluations } = this.stats;
    evaluations.set(rule, (evaluations.get(rule) ?? 0) + 1);
  }

  private failed(rule: string, e: unknown): void {
    this.stats.ruleErrors++;
    this.options.logger.error('a rule failed; the other rules go on', { rule, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }

  /** The vessel's registry entry and AIS static data, read again after `traitsTtlMs`. */
  private traitsOf(vessel: string): CachedTraits {
    const now = Date.now();
    let cached = this.traits.get(vessel);
    if (!cached || now - cached.readAt > this.traitsTtlMs) {
      const { registry } = this.options;
      // Vessel ids never contain ':'; an unregistered vessel is tracked under its identifier key.
      const registered = vessel.includes(':') ? undefined : registry.get(vessel);
      const keys = registered ? registered.identifiers.map((b) => b.key) : [vessel];
      const shipType = [...registry.staticOf(keys).values()].find((s) => s.shipType !== undefined)?.shipType;
      const traits: VesselTraits = {
        vessel,
        keys,
        ...(registered?.gearType !== undefined ? { gearType: registered.gearType } : {}),
        ...(shipType !== undefined ? { shipType } : {}),
      };
      cached = { traits, terminalModel: registered?.terminalModel, terminalModelByKey: new Map(), readAt: now };
      this.traits.set(vessel, cached);
    }
    return cached;
  }

  /** The terminal model of the identifier the fix came from, else the vessel's. */
  private terminalModelOf(cached: CachedTraits, fix: VesselFix): string | undefined {
    let keyModel = cached.terminalModelByKey.get(fix.key);
    if (keyModel === undefined && !cached.terminalModelByKey.has(fix.key)) {
      keyModel = this.options.registry.resolve(fix.key, fix.time)?.terminalModel;
      cached.terminalModelByKey.set(fix.key, keyModel);
    }
    return keyModel ?? cached.terminalModel;
  }
}
