import type { Logger } from '../../core/log.js';
import type { VesselFix } from '../../core/records.js';
import { compareFixes, inBBox, LATEST_LOOKBACK_MS, type LatestQuery, type SeriesStore } from '../store/types.js';
import type { LiveBus } from './live-bus.js';

/** Every source of fixes: the index keeps each vessel's newest fix of each. */
export const FIX_SOURCES: readonly VesselFix['source'][] = ['ais', 'bds-rdss', 'bds-rnss', 'protobuf'];

/**
 * The latest fix of every vessel per source, in memory: what the live map asks for every few
 * seconds. Seeded from the store at start, then kept by the live bus (which carries every fix once
 * it is durable), it answers `latestFixes` exactly as the stores do (same order, same filters)
 * without a store query — a Flux `last()` over 10,000 vessels takes seconds on InfluxDB 1.8.
 * It sees what this process ingests; fixes written to the store by anything else appear after a restart.
 */
export class LatestPositions implements Pick<SeriesStore, 'latestFixes'> {
  private readonly byVessel = new Map<string, Map<VesselFix['source'], VesselFix>>();

  /** Until the seeding query has answered, questions go to the store (so the start is never blocked by a slow store). */
  private seeded = false;

  private constructor(private readonly store: Pick<SeriesStore, 'latestFixes'>) {}

  /**
   * Follow the bus at once and seed from the store in the background (one query per source). A
   * store that is down is asked again, every 10 s, until it answers.
   */
  static open(store: Pick<SeriesStore, 'latestFixes'>, bus: LiveBus, logger: Logger): LatestPositions {
    const index = new LatestPositions(store);
    bus.subscribe((records) => {
      for (const r of records) if (r.kind === 'vessel-fix') index.add(r);
    });
    index.ready = index.seed(logger);
    return index;
  }

  /** Resolves once the index answers by itself (tests, benchmarks). */
  ready: Promise<void> = Promise.resolve();

  private async seed(logger: Logger): Promise<void> {
    for (;;) {
      try {
        for (const source of FIX_SOURCES) for (const fix of await this.store.latestFixes({ sources: [source] })) this.add(fix);
        this.seeded = true;
        return;
      } catch (e) {
        logger.warn('latest positions: the store did not answer; asking again in 10 s', { error: e instanceof Error ? e.message : String(e) });
        await new Promise((r) => setTimeout(r, 10_000).unref());
      }
    }
  }

  add(fix: VesselFix): void {
    const vessel = fix.vessel ?? fix.key;
    let bySource = this.byVessel.get(vessel);
    if (!bySource) this.byVessel.set(vessel, (bySource = new Map()));
    const seen = bySource.get(fix.source);
    // A fix with the same identity as the one kept replaces it: the last write wins, as in the stores.
    if (!seen || compareFixes(seen, fix) <= 0) bySource.set(fix.source, fix);
  }

  async latestFixes(query: LatestQuery = {}): Promise<VesselFix[]> {
    if (!this.seeded) return this.store.latestFixes(query);
    const since = query.since ?? Date.now() - LATEST_LOOKBACK_MS;
    const sources = query.sources ? new Set(query.sources) : undefined;
    const vessels = query.vessels ?? [...this.byVessel.keys()];
    const out: VesselFix[] = [];
    for (const vessel of vessels) {
      let best: VesselFix | undefined;
      for (const fix of this.byVessel.get(vessel)?.values() ?? []) {
        if (sources && !sources.has(fix.source)) continue;
        if (!best || compareFixes(best, fix) < 0) best = fix;
      }
      if (best && best.time >= since && (!query.bbox || inBBox(best, query.bbox))) out.push(best);
    }
    return out.sort((a, b) => ((a.vessel ?? a.key) < (b.vessel ?? b.key) ? -1 : 1));
  }
}
