import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openConfigDbFile } from '../../gateway/configdb/database.js';
import { RegistryError, VesselRegistry } from '../../gateway/registry/registry.js';

const T0 = Date.UTC(2026, 0, 1);
const T1 = Date.UTC(2026, 5, 1);

describe('vessel registry', () => {
  it('resolves an identifier to the vessel it belonged to at the time', () => {
    const r = new VesselRegistry(openConfigDbFile(':memory:'));
    r.upsert({ id: 'RZ-60123', hullName: '鲁日渔60123', gearType: 'trawl', identifiers: [{ key: 'bds:4207733', validTo: T1, terminalModel: 'BF01' }, { key: 'mmsi:412325670' }] });
    r.upsert({ id: 'RZ-60555', hullName: '鲁日渔60555', identifiers: [{ key: 'bds:4207733', validFrom: T1 }] });
    expect(r.resolve('bds:4207733', T0)).toEqual(expect.objectContaining({ vesselId: 'RZ-60123', terminalModel: 'BF01' }));
    expect(r.resolve('bds:4207733', T1)?.vesselId).toBe('RZ-60555');
    expect(r.resolve('mmsi:412000000', T0)).toBeUndefined();
    expect(r.get('RZ-60123')).toMatchObject({ hullName: '鲁日渔60123', gearType: 'trawl', identifiers: [{ key: 'bds:4207733', validTo: T1, terminalModel: 'BF01' }, { key: 'mmsi:412325670' }] });
    expect(r.list({ key: 'bds:4207733' }).map((v) => v.id)).toEqual(['RZ-60123', 'RZ-60555']);
  });

  it('rejects malformed ids, keys and periods with a message', () => {
    const r = new VesselRegistry(openConfigDbFile(':memory:'));
    expect(() => r.upsert({ id: 'mmsi:1', identifiers: [] })).toThrow(RegistryError);
    expect(() => r.upsert({ id: 'A', identifiers: [{ key: 'mmsi:12' }] })).toThrow(/mmsi:<9 digits>/);
    expect(() => r.upsert({ id: 'A', identifiers: [{ key: 'bds:1', validFrom: T1, validTo: T0 }] })).toThrow(/after validFrom/);
    r.upsert({ id: 'A', identifiers: [{ key: 'bds:1' }] });
    expect(() => r.upsert({ id: 'B', identifiers: [{ key: 'bds:1' }] })).toThrow(/already bound/);
  });

  it('merges static reports that each carry part of the data', () => {
    const r = new VesselRegistry(openConfigDbFile(':memory:'));
    r.recordStatic({ kind: 'vessel-static', key: 'mmsi:412440002', time: T0, name: 'LU RI YU 61234' });
    r.recordStatic({ kind: 'vessel-static', key: 'mmsi:412440002', time: T1, callsign: 'BZRK7', shipType: 30 });
    expect(r.staticOf(['mmsi:412440002']).get('mmsi:412440002')).toMatchObject({ name: 'LU RI YU 61234', callsign: 'BZRK7', shipType: 30, time: T1 });
  });

  it('keeps the owner phone, and deletes a vessel with its bindings', () => {
    const r = new VesselRegistry(openConfigDbFile(':memory:'));
    r.upsert({ id: 'A', owner: '张三', ownerPhone: '0633-8221234', identifiers: [{ key: 'mmsi:412325670' }] });
    expect(r.get('A')).toMatchObject({ owner: '张三', ownerPhone: '0633-8221234' });
    expect(r.delete('A')).toBe(true);
    expect(r.get('A')).toBeUndefined();
    expect(r.resolve('mmsi:412325670', T0)).toBeUndefined();
    expect(r.delete('A')).toBe(false);
    // The identifier is free for another vessel.
    r.upsert({ id: 'B', identifiers: [{ key: 'mmsi:412325670' }] });
    expect(r.resolve('mmsi:412325670', T0)?.vesselId).toBe('B');
  });

  it('refuses a binding that overlaps another vessel’s, or the vessel’s own, for the same key', () => {
    const r = new VesselRegistry(openConfigDbFile(':memory:'));
    r.upsert({ id: 'A', identifiers: [{ key: 'bds:1', validFrom: T0 }] });
    let clash: unknown;
    try {
      r.upsert({ id: 'B', identifiers: [{ key: 'bds:1', validFrom: T1 }] });
    } catch (e) {
      clash = e;
    }
    expect(clash).toBeInstanceOf(RegistryError);
    expect(clash).toMatchObject({ conflict: true, field: 'identifiers.0', message: expect.stringMatching(/already bound to vessel "A" from 2026-01-01T00:00:00.000Z with no end/) });
    expect(r.get('B')).toBeUndefined();
    r.upsert({ id: 'B', identifiers: [{ key: 'bds:1', validTo: T0 }] }); // ends when A's starts
    expect(r.resolve('bds:1', T0 - 1)?.vesselId).toBe('B');
    expect(() => r.upsert({ id: 'C', identifiers: [{ key: 'bds:2' }, { key: 'bds:2', validFrom: T1 }] })).toThrow(/listed twice for overlapping periods/);
    r.upsert({ id: 'C', identifiers: [{ key: 'bds:2', validTo: T1 }, { key: 'bds:2', validFrom: T1 }] });
    expect(r.bindingsOf('bds:1')).toEqual([{ vesselId: 'B', validTo: T0 }, { vesselId: 'A', validFrom: T0 }]);
  });

  it('searches hull names, names, registry numbers, identifiers and broadcast names, a page at a time', () => {
    const r = new VesselRegistry(openConfigDbFile(':memory:'));
    r.upsert({ id: '鲁日渔60123', hullName: '鲁日渔60123', registryNo: 'HY-100123', owner: '张三', identifiers: [{ key: 'mmsi:412325670' }] });
    r.upsert({ id: '鲁日渔60124', hullName: '鲁日渔60124', identifiers: [{ key: 'bds:4207733' }] });
    r.upsert({ id: 'RZ-9', name: 'Hai Xing', identifiers: [{ key: 'mmsi:412440002' }] });
    r.recordStatic({ kind: 'vessel-static', key: 'mmsi:412440002', name: 'HAI XING 9' });
    const ids = (text: string) => r.search({ text }).vessels.map((v) => v.id);
    expect(ids('鲁日渔')).toEqual(['鲁日渔60123', '鲁日渔60124']);
    expect(ids('６０１２４')).toEqual(['鲁日渔60124']);
    expect(ids('hy-1001')).toEqual(['鲁日渔60123']);
    expect(ids('xing 9')).toEqual(['RZ-9']);
    expect(ids('4207733')).toEqual(['鲁日渔60124']);
    expect(ids('mmsi')).toEqual([]); // the scheme is not part of what is searched
    expect(ids('张三')).toEqual([]);
    expect(ids('%')).toEqual([]);
    expect(r.search({ limit: 2, offset: 1 })).toMatchObject({ total: 3, vessels: [{ id: '鲁日渔60123' }, { id: '鲁日渔60124' }] });
    expect(r.search({ text: '鲁', key: 'bds:4207733' })).toMatchObject({ total: 1, vessels: [{ id: '鲁日渔60124' }] });
  });

  it('writes a batch in one transaction: a throw undoes all of it', () => {
    const r = new VesselRegistry(openConfigDbFile(':memory:'));
    expect(() =>
      r.batch(() => {
        r.upsert({ id: 'A', identifiers: [{ key: 'mmsi:412325670' }] });
        expect(r.get('A')).toBeDefined();
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(r.get('A')).toBeUndefined();
    expect(r.resolve('mmsi:412325670', T0)).toBeUndefined();
    r.batch(() => {
      r.upsert({ id: 'A', identifiers: [{ key: 'mmsi:412325670' }] });
      // A refused upsert inside a batch undoes only itself.
      expect(() => r.upsert({ id: 'B', identifiers: [{ key: 'mmsi:412325670' }] })).toThrow(RegistryError);
    });
    expect(r.resolve('mmsi:412325670', T0)?.vesselId).toBe('A');
  });

  it('sees changes another process made (tidewatch registry import while serve runs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidewatch-registry-'));
    try {
      const file = join(dir, 'tidewatch.db');
      const serving = new VesselRegistry(openConfigDbFile(file), { recheckMs: 0 });
      const importing = new VesselRegistry(openConfigDbFile(file));
      expect(serving.resolve('mmsi:412325670', T0)).toBeUndefined();
      importing.upsert({ id: 'A', identifiers: [{ key: 'mmsi:412325670' }] });
      expect(serving.resolve('mmsi:412325670', T0)?.vesselId).toBe('A');
      importing.delete('A');
      expect(serving.resolve('mmsi:412325670', T0)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
