import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { bearerToken, createToken, listTokens, revokeToken, verifyToken } from '../../gateway/auth/tokens.js';
import { openConfigDbFile, type ConfigDb } from '../../gateway/configdb/database.js';

describe('tokens', () => {
  let db: ConfigDb;
  beforeEach(() => {
    db = openConfigDbFile(':memory:');
  });

  it('creates a prefixed random secret and verifies it to its identity', () => {
    const a = createToken(db, { role: 'device', name: 'BUOY-RZ-007' });
    const b = createToken(db, { role: 'researcher', name: ' Ocean Univ. ' });
    expect(a.token).toMatch(/^tw_[A-Za-z0-9_-]{43}$/);
    expect(b.token).not.toBe(a.token);
    expect(verifyToken(db, a.token)).toEqual({ id: a.id, name: 'BUOY-RZ-007', role: 'device' });
    expect(verifyToken(db, b.token)).toEqual({ id: b.id, name: 'Ocean Univ.', role: 'researcher' });
  });

  it('stores only the SHA-256 of the secret', () => {
    const { token } = createToken(db, { role: 'admin', name: 'ops' });
    const rows = db.prepare('SELECT * FROM token').all() as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(rows[0].hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token.slice(3));
  });

  it('rejects unknown, altered and foreign strings', () => {
    const { token } = createToken(db, { role: 'device', name: 'v1' });
    expect(verifyToken(db, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(verifyToken(db, 'tw_nope')).toBeUndefined();
    expect(verifyToken(db, token.slice(3))).toBeUndefined();
    expect(verifyToken(db, '')).toBeUndefined();
  });

  it('revokes at once, reports repeated and unknown revocations', () => {
    const { token, id } = createToken(db, { role: 'device', name: 'v1' });
    expect(revokeToken(db, id)).toBe('revoked');
    expect(verifyToken(db, token)).toBeUndefined();
    expect(revokeToken(db, id)).toBe('already revoked');
    expect(revokeToken(db, id + 100)).toBe('not found');
  });

  it('lists tokens without secrets or hashes', () => {
    const before = Date.now();
    const a = createToken(db, { role: 'device', name: 'v1' });
    const b = createToken(db, { role: 'regulator', name: 'bureau' });
    revokeToken(db, a.id);
    const list = listTokens(db);
    expect(list).toEqual([
      { id: a.id, name: 'v1', role: 'device', createdAt: expect.any(Number), revokedAt: expect.any(Number) },
      { id: b.id, name: 'bureau', role: 'regulator', createdAt: expect.any(Number) },
    ]);
    expect(list[0].createdAt).toBeGreaterThanOrEqual(before);
    expect(JSON.stringify(list)).not.toContain(a.token.slice(3));
  });

  it('refuses bad names and roles with a reason', () => {
    expect(() => createToken(db, { role: 'device', name: '  ' })).toThrow(/needs a name/);
    expect(() => createToken(db, { role: 'device', name: 'x'.repeat(101) })).toThrow(/at most 100/);
    expect(() => createToken(db, { role: 'device', name: 'a\nb' })).toThrow(/control characters/);
    expect(() => createToken(db, { role: 'root' as 'admin', name: 'x' })).toThrow(/roles are device, regulator, researcher, admin/);
    expect(listTokens(db)).toEqual([]);
  });
});

describe('bearerToken', () => {
  it('reads the Authorization header, then the token query parameter', () => {
    expect(bearerToken({ headers: { authorization: 'Bearer tw_abc' }, url: '/ingest' })).toBe('tw_abc');
    expect(bearerToken({ headers: { authorization: 'bearer   tw_abc ' } })).toBe('tw_abc');
    expect(bearerToken({ headers: {}, url: '/ingest?x=1&token=tw_q%2Bz' })).toBe('tw_q+z');
    expect(bearerToken({ headers: { authorization: 'Bearer tw_h' }, url: '/ingest?token=tw_q' })).toBe('tw_h');
    expect(bearerToken({ headers: { authorization: 'Basic dXNlcjpwdw==' }, url: '/ingest?token=tw_q' })).toBe('tw_q');
  });

  it('is undefined when no token is presented', () => {
    expect(bearerToken({ headers: {}, url: '/ingest' })).toBeUndefined();
    expect(bearerToken({ headers: {}, url: '/ingest?token=' })).toBeUndefined();
    expect(bearerToken({ headers: { authorization: 'Bearer' } })).toBeUndefined();
    expect(bearerToken({ headers: {} })).toBeUndefined();
  });
});
