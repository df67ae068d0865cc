import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import type { VesselFix } from '../../core/records.js';
import { LatestPositions } from '../../gateway/pipeline/latest-positions.js';
import { LiveBus } from '../../gateway/pipeline/live-bus.js';
import { EmbeddedSeriesStore } from '../../gateway/store/embedded.js';
import type { LatestQuery } from '../../gateway/store/types.js';

const NOW = Date.now();
const SOURCES = ['ais', 'bds-rdss', 'bds-rnss', 'protobuf'] as const;

const fixArb = fc.record({
  vessel: fc.constantFrom('鲁日渔60123', '鲁岚渔61234', 'mmsi:412000001', 'bds:4207733'),
  source: fc.constantFrom(...SOURCES),
  key: fc.constantFrom('mmsi:412325670', 'bds:4207733', 'dev:BDT-1'),
  // Few distinct times, so that ties between sources happen.
  time: fc.integer({ min: 0, max: 5 }).map((k) => NOW - k * 60_000),
  lat: fc.double({ min: 35, max: 36, noNaN: true }),
  lon: fc.double({ min: 119, max: 120.5, noNaN: true }),
});

const queries: LatestQuery[] = [
  {},
  { sources: ['ais'] },
  { sources: ['bds-rnss', 'protobuf'] },
  { bbox: [119, 35, 119.8, 35.6] },
  { since: NOW - 2 * 60_000 },
  { vessels: ['鲁日渔60123', 'bds:4207733'] },
  { vessels: [] },
];

describe('LatestPositions (in memory)', () => {
  it('answers every latest-fix query exactly as the store does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fixArb, { maxLength: 40 }), async (drawn) => {
        const fixes: VesselFix[] = drawn.map((f) => ({ kind: 'vessel-fix', ...f }));
        const store = new EmbeddedSeriesStore(':memory:');
        const bus = new LiveBus();
        const index = LatestPositions.open(store, bus, silentLogger);
        await index.ready;
        await store.write(fixes);
        bus.publish(fixes);
        for (const q of queries) expect(await index.latestFixes(q)).toEqual(await store.latestFixes(q));
        // Seeded from the store alone, it answers the same too.
        const seeded = LatestPositions.open(store, new LiveBus(), silentLogger);
        await seeded.ready;
        for (const q of queries) expect(await seeded.latestFixes(q)).toEqual(await store.latestFixes(q));
        await store.close();
      }),
      { numRuns: 150 },
    );
  });
});
