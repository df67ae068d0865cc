import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { openConfigDbFile } from '../../gateway/configdb/database.js';
import { parseCsv, CsvSyntaxError } from '../../gateway/registry/csv.js';
import { importRegister, RegisterFileError } from '../../gateway/registry/import-csv.js';
import { VesselRegistry } from '../../gateway/registry/registry.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name));
const REGISTER = fixture('rizhao-register.csv');
const UPDATE = fixture('rizhao-register-update.csv');
const newRegistry = () => new VesselRegistry(openConfigDbFile(':memory:'));
const utf8 = (text: string) => new TextEncoder().encode(text);

const REJECTED = [
  { line: 8, message: expect.stringMatching(/^column 船名号: is required: the hull name 船名号 is the vessel id$/) },
  { line: 9, message: 'column MMSI: must be 9 digits (got "41232567")' },
  { line: 10, message: 'column 主机功率(kW): must be a plain number such as 12.5 (got "很大")' },
  { line: 11, message: expect.stringMatching(/^identifier mmsi:412325670 is already bound to vessel "鲁日渔60123" from 2026-01-01T00:00:00.000Z with no end/) },
  { line: 12, message: expect.stringMatching(/^column 联系电话: must be a phone number/) },
  { line: 13, message: expect.stringMatching(/^column 生效日期: must be an ISO 8601 time .* \(got "2026-02-30"\)$/) },
];

describe('tidewatch registry import: the bureau register as CSV', () => {
  it('imports the valid rows of a UTF-8 register with Chinese headers, and reports the others by line', () => {
    const registry = newRegistry();
    const report = importRegister(registry, REGISTER);
    expect(report).toMatchObject({ encoding: 'UTF-8', created: 4, updated: 0, unchanged: 0, dryRun: false });
    expect(report.rejected).toEqual(REJECTED);
    expect(report.warnings).toEqual(['column "备注" is not one Tidewatch knows; it is ignored']);

    expect(registry.get('鲁日渔60123')).toEqual({
      id: '鲁日渔60123',
      hullName: '鲁日渔60123',
      registryNo: '(鲁日)船登(籍)(2019)HY-100123号',
      name: 'LU RI YU 60123',
      owner: '张三',
      ownerPhone: '0633-8221234',
      gearType: '拖网',
      homePort: '日照',
      terminalModel: 'BF01',
      length: 38.5,
      power: 441,
      // The card loses its leading zero, as the decoders key it.
      identifiers: [
        { key: 'bds:207733', validFrom: Date.UTC(2026, 0, 1) },
        { key: 'mmsi:412325670', validFrom: Date.UTC(2026, 0, 1) },
      ],
    });
    expect(registry.get('鲁日渔60124')).toMatchObject({ owner: '王五, 李六', identifiers: [{ key: 'mmsi:412325671' }] });
    expect(registry.get('鲁岚渔61234')).toMatchObject({ terminalModel: 'A225', identifiers: [{ key: 'bds:4207734' }] });
    // Full-width digits typed with a Chinese input method are digits.
    expect(registry.get('鲁日渔60125')).toMatchObject({ identifiers: [{ key: 'mmsi:412325672' }] });
    expect(registry.resolve('bds:207733', Date.UTC(2026, 5, 1))).toMatchObject({ vesselId: '鲁日渔60123', terminalModel: 'BF01' });
  });

  it('reads a GBK register (Chinese Excel’s CSV) the same', () => {
    const gbk = iconv.encode(new TextDecoder().decode(REGISTER), 'gbk');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk)).toThrow();
    const registry = newRegistry();
    const report = importRegister(registry, gbk);
    expect(report).toMatchObject({ encoding: 'GBK', created: 4 });
    expect(report.rejected).toEqual(REJECTED);
    expect(registry.get('鲁日渔60123')?.owner).toBe('张三');
  });

  it('updates: empty cells keep what is stored, a new card takes over from valid_from, a changed MMSI needs valid_from', () => {
    const registry = newRegistry();
    importRegister(registry, REGISTER);
    const report = importRegister(registry, UPDATE);
    expect(report).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(report.rejected).toEqual([{ line: 3, message: expect.stringMatching(/^mmsi:412325671 becomes mmsi:412325699: fill valid_from with the date/) }]);
    const june = Date.UTC(2026, 5, 1);
    expect(registry.get('鲁日渔60123')).toMatchObject({
      owner: '张三',
      gearType: 'stow-net',
      identifiers: [
        { key: 'bds:207733', validFrom: Date.UTC(2026, 0, 1), validTo: june },
        { key: 'bds:4207799', validFrom: june },
        { key: 'mmsi:412325670', validFrom: Date.UTC(2026, 0, 1) },
      ],
    });
    expect(registry.resolve('bds:207733', june - 1)?.vesselId).toBe('鲁日渔60123');
    expect(registry.resolve('bds:207733', june)).toBeUndefined();
    expect(registry.resolve('bds:4207799', june)?.vesselId).toBe('鲁日渔60123');
    expect(registry.get('鲁日渔60124')?.identifiers).toEqual([{ key: 'mmsi:412325671' }]);
    expect(registry.get('鲁日渔60131')).toMatchObject({ owner: '赵七', gearType: 'gillnet', identifiers: [] });
    // Importing the same file again changes nothing.
    expect(importRegister(registry, UPDATE)).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  });

  it('with dryRun checks everything, conflicts between rows included, and writes nothing', () => {
    const registry = newRegistry();
    const report = importRegister(registry, REGISTER, { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, created: 4 });
    // Row 11 clashes with row 2, which a dry run has not written: still caught.
    expect(report.rejected).toEqual(REJECTED);
    expect(registry.list()).toEqual([]);
    expect(registry.resolve('mmsi:412325670', Date.UTC(2026, 5, 1))).toBeUndefined();
  });

  it.each([
    ['', /the file is empty/],
    ['owner,mmsi\n张三,412325670\n', /line 1: no hull_name \(船名号\) column/],
    ['hull_name,船名号\nA,B\n', /columns "hull_name" and "船名号" both give hull_name/],
    ['hull_name,name\n"鲁日渔60123,x\n', /line 2: a quoted field is never closed/],
  ])('refuses a file it cannot read as a register: %j', (text, message) => {
    expect(() => importRegister(newRegistry(), utf8(text))).toThrow(RegisterFileError);
    expect(() => importRegister(newRegistry(), utf8(text))).toThrow(message);
  });

  it('refuses UTF-16 with a hint', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hull_name\r\n', 'utf16le')]);
    expect(() => importRegister(newRegistry(), utf16)).toThrow(/UTF-16.*save it as "CSV UTF-8"/);
  });

  it('accepts English headers with units and odd spacing', () => {
    const registry = newRegistry();
    const report = importRegister(registry, utf8('Hull Name, Length (m) ,POWER-KW,Beidou Card\n鲁日渔60123,38.5,441,4207733\n'));
    expect(report).toMatchObject({ created: 1, rejected: [], warnings: [] });
    expect(registry.get('鲁日渔60123')).toMatchObject({ length: 38.5, power: 441, identifiers: [{ key: 'bds:4207733' }] });
  });
});

describe('parseCsv', () => {
  it('reads RFC 4180: quotes, doubled quotes, commas and line breaks in fields, CRLF or LF, with the line each record starts on', () => {
    expect(parseCsv('a,b\r\n"x, ""y""","line\r\nbreak"\n\nlast,\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, "y"', 'line\r\nbreak'] },
      { line: 5, cells: ['last', ''] },
    ]);
    expect(parseCsv('no,final,newline')).toEqual([{ line: 1, cells: ['no', 'final', 'newline'] }]);
    expect(parseCsv('12",inch')).toEqual([{ line: 1, cells: ['12"', 'inch'] }]);
    expect(() => parseCsv('a\n"open')).toThrow(CsvSyntaxError);
  });
});
