import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyToken } from '../../gateway/auth/tokens.js';
import { runToken } from '../../gateway/cli/token.js';
import { openConfigDb } from '../../gateway/configdb/database.js';

describe('tidewatch token', () => {
  let dataDir: string;
  let out: string;
  let err: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tidewatch-token-'));
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

  it('creates a token, prints it once, and the token works', async () => {
    expect(await runToken(['create', '--role', 'device', '--name', 'BUOY-RZ-007'])).toBe(0);
    const token = /\b(tw_\S+)/.exec(out)?.[1];
    expect(token).toBeDefined();
    expect(out).toContain('cannot be shown again');
    const db = openConfigDb(dataDir);
    expect(verifyToken(db, token!)).toMatchObject({ name: 'BUOY-RZ-007', role: 'device' });
    db.close();
  });

  it('lists without secrets and revokes by id', async () => {
    await runToken(['create', '--role=regulator', '--name', 'bureau']);
    const token = /\b(tw_\S+)/.exec(out)![1];
    out = '';
    expect(await runToken(['list'])).toBe(0);
    expect(out).toMatch(/^id\s+role\s+name\s+created\s+status\n1\s+regulator\s+bureau\s+\S+Z\s+active\n$/);
    expect(out).not.toContain(token);
    out = '';
    expect(await runToken(['revoke', '1'])).toBe(0);
    expect(out).toBe('Revoked token 1.\n');
    out = '';
    await runToken(['list']);
    expect(out).toMatch(/revoked \S+Z/);
    expect(await runToken(['revoke', '1'])).toBe(0);
    expect(out).toContain('already revoked');
    expect(await runToken(['revoke', '9'])).toBe(1);
    expect(err).toContain('no token with id 9');
  });

  it('says how to start when there are no tokens', async () => {
    expect(await runToken(['list'])).toBe(0);
    expect(out).toContain('No tokens yet');
  });

  it.each([
    [[], /say what to do/],
    [['frobnicate'], /unknown action 'frobnicate'/],
    [['create', '--name', 'x'], /--role is required/],
    [['create', '--role', 'captain', '--name', 'x'], /--role captain is not a role; use one of device, regulator, researcher, admin/],
    [['create', '--role', 'device'], /--name is required/],
    [['create', '--role', 'device', '--name', ' '], /--name: a token needs a name/],
    [['create', '--role', 'device', '--name', 'x', '--colour', 'red'], /--colour/],
    [['revoke'], /one token id/],
    [['revoke', 'abc'], /one token id/],
    [['list', 'extra'], /extra/],
  ])('exits 2 with a reason for %j', async (argv, reason) => {
    expect(await runToken(argv as string[])).toBe(2);
    expect(err).toMatch(reason);
    expect(err).toContain("'tidewatch token --help'");
  });
});
