import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runRegistry } from '../../gateway/cli/registry.js';
import { openConfigDb } from '../../gateway/configdb/database.js';
import { VesselRegistry } from '../../gateway/registry/registry.js';

const REGISTER = join(import.meta.dirname, 'fixtures', 'rizhao-register.csv');

describe('tidewatch registry', () => {
  let dataDir: string;
  let out: string;
  let err: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tidewatch-registry-'));
    vi.stubEnv('TIDEWATCH_DATA_DIR', dataDir);
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const registered = () => {
    const db = openConfigDb(dataDir);
    try {
      return new VesselRegistry(db).list().map((v) => v.id);
    } finally {
      db.close();
    }
  };

  it('imports a register, reports rejected rows by line on stderr, and exits 1 when some were rejected', async () => {
    expect(await runRegistry(['import', REGISTER])).toBe(1);
    expect(out).toBe(`Imported ${REGISTER} (UTF-8): 4 created, 0 updated, 0 unchanged, 6 rejected.\n`);
    expect(err).toContain(`${REGISTER}: column "备注" is not one Tidewatch knows; it is ignored\n`);
    expect(err).toContain(`${REGISTER}: line 9: column MMSI: must be 9 digits (got "41232567")\n`);
    expect(err.match(/: line \d+: /g)).toHaveLength(6);
    expect(registered()).toEqual(['鲁岚渔61234', '鲁日渔60123', '鲁日渔60124', '鲁日渔60125']);
  });

  it('exits 0 when every row is imported, and lists the registry without personal data', async () => {
    const file = join(dataDir, 'ok.csv');
    writeFileSync(file, 'hull_name,owner,owner_phone,gear_type,home_port,mmsi\n鲁日渔60123,张三,0633-8221234,拖网,日照,412325670\nRZ-1,,,trawl,lanshan,\n');
    expect(await runRegistry(['import', file])).toBe(0);
    expect(out).toContain('2 created, 0 updated, 0 unchanged, 0 rejected.');
    out = '';
    expect(await runRegistry(['list'])).toBe(0);
    // Han characters are two columns wide: the columns line up on a terminal.
    expect(out).toBe(
      ['id           registry_no  gear_type  home_port  identifiers now', 'RZ-1                      trawl      lanshan', '鲁日渔60123               拖网       日照       mmsi:412325670', ''].join('\n'),
    );
    expect(out).not.toContain('张三');
    out = '';
    expect(await runRegistry(['list', '--search', '60123'])).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(2);
    out = '';
    await runRegistry(['list', '--search', 'nothing']);
    expect(out).toBe('No registered vessel matches "nothing".\n');
  });

  it('with --dry-run writes nothing', async () => {
    expect(await runRegistry(['import', '--dry-run', REGISTER])).toBe(1);
    expect(out).toBe(`Dry run of ${REGISTER} (UTF-8), nothing written: would be 4 created, 0 updated, 0 unchanged, 6 rejected.\n`);
    expect(registered()).toEqual([]);
    out = '';
    await runRegistry(['list']);
    expect(out).toContain('The registry is empty');
  });

  it.each([
    [[], /say what to do: import or list/],
    [['frobnicate'], /unknown action 'frobnicate'/],
    [['import'], /import takes one file/],
    [['import', 'a.csv', 'b.csv'], /import takes one file/],
    [['import', '/nonexistent/register.csv'], /cannot read \/nonexistent\/register.csv: no such file/],
    [['import', '--force', 'a.csv'], /--force/],
    [['list', 'extra'], /extra/],
  ])('exits 2 with a reason for %j', async (argv, reason) => {
    expect(await runRegistry(argv as string[])).toBe(2);
    expect(err).toMatch(reason);
    expect(err).toContain("'tidewatch registry --help'");
  });

  it('exits 2 for a file that is not a register, writing nothing', async () => {
    const file = join(dataDir, 'tokens.csv');
    writeFileSync(file, 'name,role\nbureau,admin\n');
    expect(await runRegistry(['import', file])).toBe(2);
    expect(err).toMatch(/no hull_name \(船名号\) column/);
    expect(registered()).toEqual([]);
  });
});
