import type { VesselFix } from '../../core/records.js';
import type { Logger } from '../../core/log.js';
import type { RegistryChanges } from '../registry/changes.js';
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
 * Vessel traits (gear, AIS ship type, identifier keys) come from the registry and are kept per
 * vessel: read again when RegistryChanges says the registry (or that key's AIS static data) changed,
 * else — without a change feed, as in `rules replay` — after `traitsTtlMs`. The static data of the
 * new unregistered vessels of a batch is read in one query before the batch is evaluated.
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
}

export interface RulesEngineOptions {
  registry: Pick<VesselRegistry, 'get' | 'resolve' | 'staticOf'>;
  presence: ZonePresence;
  rules: RuleSet;
  alerts: AlertSink;
  logger: Logger;
  /** Registry writes as they happen: traits are read again exactly when they changed. */
  changes?: Pick<RegistryChanges, 'now' | 'vesselsCurrent' | 'nameCurrent'>;
  /** Without `changes`: ms a vessel's registry traits are reused before being read again. */
  traitsTtlMs?: number;
}

interface VesselState {
  /** ms: newest fix evaluated; -Infinity before the first. */
  lastTime: number;
  /** Newest fix evaluated that was not suspect. */
  previous?: VesselFix;
  inPort: boolean;
  traits: VesselTraits;
  registered: boolean;
  /** The vessel's terminal model, for identifiers that name none. */
  terminalModel?: string;
  /** Identifier key → its terminal model, as the registry said when first seen since the traits were read. */
  terminalModelByKey: Map<string, string | undefined>;
  /** RegistryChanges tick, or ms without a change feed, when the traits were read. */
  traitsReadAt: number;
  /** The batch whose fixes last found the traits current (checked once per vessel and batch). */
  checkedInBatch: number;
}

const DEFAULT_TRAITS_TTL_MS = 60_000;

export class RulesEngine {
  readonly stats: EngineStats = { fixes: 0, lateFixes: 0, observations: 0, health: 0, ruleErrors: 0 };
  /** ms: newest event time seen in any record (the live clock never runs behind it). */
  newestEventTime = 0;
  private readonly vessels = new Map<string, VesselState>();
  private readonly traitsTtlMs: number;
  // Records evaluated, per rule in the order of each RuleSet list: plain array slots on the ingest path.
  private readonly zoneCounts: number[];
  private readonly fixCounts: number[];
  private readonly observationCounts: number[];
  private readonly healthCounts: number[];
  /** Reused for every fix: rules read it during their call and keep nothing of it. */
  private readonly context: VesselContext = { vessel: '', traits: { vessel: '' }, inPort: false };
  /** The state of each fix of the batch being handled, by index (looked up once, in `prepare`). */
  private readonly batchStates: (VesselState | undefined)[] = [];
  private batch = 0;
  /** Clock the traits' ages are measured on: a RegistryChanges tick, or ms. */
  private batchClock = 0;

  constructor(private readonly options: RulesEngineOptions) {
    this.traitsTtlMs = options.traitsTtlMs ?? DEFAULT_TRAITS_TTL_MS;
    const { rules } = options;
    this.zoneCounts = rules.zone.map(() => 0);
    this.fixCounts = rules.fix.map(() => 0);
    this.observationCounts = rules.observation.map(() => 0);
    this.healthCounts = rules.health.map(() => 0);
  }

  /** Rule name → records it evaluated, for /metrics. */
  evaluations(): Map<string, number> {
    const out = new Map<string, number>();
    const add = (rules: readonly { name: string }[], counts: readonly number[]) => rules.forEach((r, i) => out.set(r.name, (out.get(r.name) ?? 0) + counts[i]));
    const { rules } = this.options;
    add(rules.zone, this.zoneCounts);
    add(rules.fix, this.fixCounts);
    add(rules.observation, this.observationCounts);
    add(rules.health, this.healthCounts);
    return out;
  }

  /** New zone versions: the presence index is rebuilt from all versions of all zones. */
  setZones(versions: readonly ZoneVersion[]): void {
    this.options.presence.setZones(versions);
  }

  /** A batch from the live bus or a replay. Never throws: a failing rule is logged and counted. */
  handle(records: readonly SeriesRecord[]): void {
    this.prepare(records);
    const { observation, health } = this.options.rules;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      if (record.time > this.newestEventTime) this.newestEventTime = record.time;
      switch (record.kind) {
        case 'vessel-fix':
          this.onFix(record, this.batchStates[i]!);
          break;
        case 'buoy-observation':
          this.stats.observations++;
          for (let r = 0; r < observation.length; r++) {
            this.observationCounts[r]++;
            try {
              observation[r].onObservation(record, this.options.alerts);
            } catch (e) {
              this.failed(observation[r].name, e);
            }
          }
          break;
        case 'device-health':
          this.stats.health++;
          for (let r = 0; r < health.length; r++) {
            this.healthCounts[r]++;
            try {
              health[r].onDeviceHealth(record, this.options.alerts);
            } catch (e) {
              this.failed(health[r].name, e);
            }
          }
          break;
      }
    }
    // Dropped so that a quiet spell does not hold on to the last batch's vessels.
    this.batchStates.length = 0;
  }

  /** The clock rules' turn (silences: dark, device offline, and the ends of incidents not heard of again): `now` in ms, wall or replayed event time. */
  tick(now: number): void {
    for (const rule of this.options.rules.clock) {
      try {
        rule.onTick(now, this.options.alerts);
      } catch (e) {
        this.failed(rule.name, e);
      }
    }
  }

  /**
   * Fixes from before a restart (oldest first), handed with their vessel's context to `restore`, not
   * evaluated: how a rule judging silence learns of vessels silent since before the start. Vessels
   * evaluated since the start are skipped (they have newer fixes). In port is the presence restored
   * at start from the open port visits: one fix cannot rebuild the hysteresis of the port zones.
   */
  restoreLastFixes(fixes: readonly VesselFix[], restore: (fix: VesselFix, vessel: VesselContext) => void): void {
    this.prepare(fixes);
    const context = this.context;
    for (let i = 0; i < fixes.length; i++) {
      const state = this.batchStates[i]!;
      if (state.lastTime !== -Infinity) continue;
      context.vessel = state.traits.vessel;
      context.traits = state.traits;
      context.inPort = [...this.options.presence.of(context.vessel)].some((p) => p.version.properties.kind === 'port');
      context.previous = undefined;
      context.terminalModel = this.terminalModelOf(state, fixes[i]);
      restore(fixes[i], context);
    }
    this.batchStates.length = 0;
  }

  private onFix(fix: VesselFix, state: VesselState): void {
    if (fix.time < state.lastTime) {
      this.stats.lateFixes++;
      return;
    }
    this.stats.fixes++;
    const { alerts, rules } = this.options;
    const context = this.context;
    context.vessel = state.traits.vessel;
    context.traits = state.traits;
    context.inPort = state.inPort;
    context.previous = state.previous;
    context.terminalModel = this.terminalModelOf(state, fix);
    if (!fix.suspect) {
      const update = this.options.presence.update(context.vessel, fix);
      context.inPort = update.inside.some((p) => p.version.properties.kind === 'port');
      for (let r = 0; r < rules.zone.length; r++) {
        this.zoneCounts[r]++;
        try {
          rules.zone[r].onPresence(fix, context, update, alerts);
        } catch (e) {
          this.failed(rules.zone[r].name, e);
        }
      }
    }
    for (let r = 0; r < rules.fix.length; r++) {
      this.fixCounts[r]++;
      try {
        rules.fix[r].onFix(fix, context, alerts);
      } catch (e) {
        this.failed(rules.fix[r].name, e);
      }
    }
    state.lastTime = fix.time;
    state.inPort = context.inPort;
    if (!fix.suspect) state.previous = fix;
  }

  private failed(rule: string, e: unknown): void {
    this.stats.ruleErrors++;
    this.options.logger.error('a rule failed; the other rules go on', { rule, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }

  /**
   * Finds the state of every fix's vessel (into `batchStates`) and reads the traits of those new or
   * changed. Unregistered vessels' static data, the common case, comes in one query for the batch.
   */
  private prepare(records: readonly SeriesRecord[]): void {
    const { changes } = this.options;
    this.batch++;
    this.batchClock = changes ? changes.now() : Date.now();
    let unread: VesselState[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      if (record.kind !== 'vessel-fix') continue;
      const vessel = record.vessel ?? record.key;
      let state = this.vessels.get(vessel);
      if (!state) {
        state = this.newState(vessel);
        this.vessels.set(vessel, state);
        (unread ??= []).push(state);
      } else if (state.checkedInBatch !== this.batch) {
        state.checkedInBatch = this.batch;
        if (!this.traitsCurrent(state)) (unread ??= []).push(state);
      }
      this.batchStates[i] = state;
    }
    if (unread) this.readTraits(unread);
  }

  private newState(vessel: string): VesselState {
    // Vessel ids never contain ':'; an unregistered vessel is tracked under its identifier key.
    const registered = !vessel.includes(':');
    return { lastTime: -Infinity, inPort: false, traits: { vessel }, registered, terminalModelByKey: new Map(), traitsReadAt: -Infinity, checkedInBatch: this.batch };
  }

  private traitsCurrent(state: VesselState): boolean {
    const { changes } = this.options;
    if (!changes) return this.batchClock - state.traitsReadAt <= this.traitsTtlMs;
    if (!changes.vesselsCurrent(state.traitsReadAt)) return false;
    for (const key of state.traits.keys ?? []) if (!changes.nameCurrent(key, state.traitsReadAt)) return false;
    return true;
  }

  /** Reads the registry entry and AIS static data of these vessels (each listed once). */
  private readTraits(states: readonly VesselState[]): void {
    const { registry } = this.options;
    const unregistered = states.filter((s) => !s.registered).map((s) => s.traits.vessel);
    const statics = unregistered.length > 0 ? registry.staticOf(unregistered) : undefined;
    for (const state of states) {
      const { vessel } = state.traits;
      const entry = state.registered ? registry.get(vessel) : undefined;
      const keys = entry ? entry.identifiers.map((b) => b.key) : [vessel];
      // A registered vessel's keys are looked up on their own: the first of them with a ship type gives it.
      const shipType = state.registered ? [...registry.staticOf(keys).values()].find((s) => s.shipType !== undefined)?.shipType : statics!.get(vessel)?.shipType;
      state.traits = {
        vessel,
        keys,
        ...(entry?.gearType !== undefined ? { gearType: entry.gearType } : {}),
        ...(shipType !== undefined ? { shipType } : {}),
      };
      state.terminalModel = entry?.terminalModel;
      state.terminalModelByKey.clear();
      state.traitsReadAt = this.batchClock;
    }
  }

  /** The terminal model of the identifier the fix came from, else the vessel's. */
  private terminalModelOf(state: VesselState, fix: VesselFix): string | undefined {
    let keyModel = state.terminalModelByKey.get(fix.key);
    if (keyModel === undefined && !state.terminalModelByKey.has(fix.key)) {
      keyModel = this.options.registry.resolve(fix.key, fix.time)?.terminalModel;
      state.terminalModelByKey.set(fix.key, keyModel);
    }
    return keyModel ?? state.terminalModel;
  }
}
