import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';
import type { ZoneVersion } from '../../gateway/zones/model.js';
import { parseZoneFeature } from '../../gateway/zones/schema.js';
import { versionAt, ZoneStore, ZoneVersionConflict } from '../../gateway/zones/store.js';
import { marineRanch, noFishingOffPort, reefs, wreckCircle } from './rizhao.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;

describe('ZoneStore', () => {
  let db: ConfigDb;
  let clock: number;
  let zones: ZoneStore;
  beforeEach(() => {
    db = openConfigDbFile(':memory:');
    clock = T0;
    zones = new ZoneStore(db, () => clock);
  });
  afterEach(() => db.close());

  it('stores each shape and gives it back as sent', () => {
    for (const f of [noFishingOffPort, marineRanch, reefs, wreckCircle]) {
      const checked = parseZoneFeature(f);
      const v = zones.create(checked, { by: 'regulator-1' });
      expect(v).toMatchObject({ version: 1, effectiveFrom: T0, retired: false, createdBy: 'regulator-1', geometry: checked.geometry, properties: checked.properties });
      expect(zones.history(v.zoneId)).toEqual([v]);
    }
    expect(zones.inForce({ at: T0 }).map((v) => v.properties.kind)).toEqual(['no_fishing', 'marine_ranch', 'protected', 'custom']);
  });

  it('an update is a new version; the old one stays in force until it takes effect', () => {
    const v1 = zones.create(parseZoneFeature(noFishingOffPort), { by: 'a' });
    const changed = parseZoneFeature({ ...noFishingOffPort, properties: { ...noFishingOffPort.properties, name: '日照港航道禁渔区（扩大）' } });
    clock = T0 + DAY;
    const v2 = zones.update(v1.zoneId, changed, { by: 'b', effectiveFrom: T0 + 10 * DAY }) as ZoneVersion;
    expect(v2).toMatchObject({ version: 2, effectiveFrom: T0 + 10 * DAY, createdBy: 'b', createdAt: T0 + DAY });
    const history = zones.history(v1.zoneId) as ZoneVersion[];
    expect(history[0].effectiveTo).toBe(T0 + 10 * DAY);
    expect(versionAt(history, T0 + 5 * DAY)?.version).toBe(1);
    expect(versionAt(history, T0 + 10 * DAY)?.version).toBe(2);
    expect(versionAt(history, T0 - 1)).toBeUndefined();
    expect(zones.inForce({ at: T0 + 5 * DAY })[0].properties.name).toBe('日照港航道禁渔区');
    expect(zones.inForce({ at: T0 + 11 * DAY })[0].properties.name).toBe('日照港航道禁渔区（扩大）');
  });

  it('refuses a change taking effect before the latest version, and changes after retirement', () => {
    const v1 = zones.create(parseZoneFeature(marineRanch), { by: 'a', effectiveFrom: T0 + DAY });
    expect(() => zones.update(v1.zoneId, parseZoneFeature(marineRanch), { by: 'a' })).toThrow(ZoneVersionConflict);
    expect(() => zones.update(v1.zoneId, parseZoneFeature(marineRanch), { by: 'a' })).toThrow(/version 1 of zone 1 takes effect at 2026-03-02T00:00:00.000Z/);
    const retired = zones.retire(v1.zoneId, { by: 'b', effectiveFrom: T0 + 2 * DAY }) as ZoneVersion;
    expect(retired).toMatchObject({ version: 2, retired: true, geometry: v1.geometry });
    expect(() => zones.update(v1.zoneId, parseZoneFeature(marineRanch), { by: 'a', effectiveFrom: T0 + 3 * DAY })).toThrow(/retired from .*; create a new zone instead/);
    expect(() => zones.retire(v1.zoneId, { by: 'a', effectiveFrom: T0 + 3 * DAY })).toThrow(/nothing to retire/);
    expect(zones.inForce({ at: T0 + 1.5 * DAY })).toHaveLength(1);
    expect(zones.inForce({ at: T0 + 2 * DAY })).toHaveLength(0);
  });

  it('unknown zones are undefined, not errors', () => {
    expect(zones.history(42)).toBeUndefined();
    expect(zones.update(42, parseZoneFeature(marineRanch), { by: 'a' })).toBeUndefined();
    expect(zones.retire(42, { by: 'a' })).toBeUndefined();
  });

  it('filters by kind and bounding box', () => {
    for (const f of [noFishingOffPort, marineRanch, reefs, wreckCircle]) zones.create(parseZoneFeature(f), { by: 'a' });
    expect(zones.inForce({ at: T0, kind: 'protected' }).map((v) => v.properties.name)).toEqual(['人工鱼礁保护区']);
    // Around the wreck only (the circle's box reaches about 0.02° from its centre).
    expect(zones.inForce({ at: T0, bbox: [119.6, 35.0, 119.66, 35.06] }).map((v) => v.properties.name)).toEqual(['沉船警戒区']);
  });

  it('tells listeners of every new version, and a failing listener harms nothing', () => {
    const seen: string[] = [];
    zones.onChange(() => {
      throw new Error('listener bug');
    });
    const off = zones.onChange((v) => seen.push(`${v.zoneId}.${v.version}${v.retired ? ' retired' : ''}`));
    const v1 = zones.create(parseZoneFeature(reefs), { by: 'a' });
    clock += 1000;
    zones.update(v1.zoneId, parseZoneFeature(reefs), { by: 'a' });
    clock += 1000;
    zones.retire(v1.zoneId, { by: 'a' });
    off();
    zones.create(parseZoneFeature(reefs), { by: 'a' });
    expect(seen).toEqual(['1.1', '1.2', '1.3 retired']);
  });

  it('keeps zones in the database file across reopening', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'tidewatch-zones-'));
    try {
      const file = join(dir, 'tidewatch.db');
      const first = openConfigDbFile(file);
      const created = new ZoneStore(first).create(parseZoneFeature(wreckCircle), { by: 'a' });
      first.close();
      const again = openConfigDbFile(file);
      expect(new ZoneStore(again).history(created.zoneId)).toEqual([created]);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
