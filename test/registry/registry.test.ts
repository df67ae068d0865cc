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
});
