import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { statement, type ConfigDb } from '../configdb/database.js';

/**
 * Access tokens. A token is a random secret shown once at creation; the config database keeps only
 * its SHA-256, so a copy of the database does not let anyone in. Each token has one role.
 */

export const ROLES = ['device', 'regulator', 'researcher', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Marks a string as a Tidewatch secret, so that it is recognisable in a config file or a leak scan. */
export const TOKEN_PREFIX = 'tw_';

/** Who a verified token belongs to. */
export interface TokenIdentity {
  id: number;
  name: string;
  role: Role;
}

/** A token as listed: never the secret. Times are milliseconds since the epoch. */
export interface TokenListing extends TokenIdentity {
  createdAt: number;
  revokedAt?: number;
}

export type RevokeResult = 'revoked' | 'already revoked' | 'not found';

const MAX_NAME_LENGTH = 100;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

function hashSecret(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What is wrong with a token name, or undefined when it is fine. Surrounding blanks are dropped when stored. */
export function tokenNameProblem(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'a token needs a name (for a device token, the device id it sends as)';
  if (trimmed.length > MAX_NAME_LENGTH) return `token name is ${trimmed.length} characters; at most ${MAX_NAME_LENGTH}`;
  // Control characters would garble logs and the token list.
  if (/\p{Cc}/u.test(trimmed)) return 'token name must not contain control characters';
  return undefined;
}

/** Creates a token and returns its secret: the only time the secret exists outside its holder. */
export function createToken(db: ConfigDb, { role, name }: { role: Role; name: string }): { token: string; id: number } {
  if (!isRole(role)) throw new Error(`unknown role ${JSON.stringify(role)}; roles are ${ROLES.join(', ')}`);
  const problem = tokenNameProblem(name);
  if (problem) throw new Error(problem);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const result = statement(db, 'INSERT INTO token (name, role, hash, created_at) VALUES (?, ?, ?, ?)')
    .run(name.trim(), role, hashSecret(token), Date.now());
  return { token, id: Number(result.lastInsertRowid) };
}

/**
 * The identity behind a presented token, or undefined when it is unknown or revoked.
 * No constant-time comparison is needed: the lookup is by SHA-256 of what was presented, so any
 * timing difference reveals at most how much of a hash of the attacker's own guess matches a stored
 * hash, which does not help find a secret that hashes to it.
 */
export function verifyToken(db: ConfigDb, token: string): TokenIdentity | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  return statement(db, 'SELECT id, name, role FROM token WHERE hash = ? AND revoked_at IS NULL').get(hashSecret(token)) as
    | TokenIdentity
    | undefined;
}

export function revokeToken(db: ConfigDb, id: number): RevokeResult {
  const row = statement(db, 'SELECT revoked_at FROM token WHERE id = ?').get(id) as { revoked_at: number | null } | undefined;
  if (!row) return 'not found';
  if (row.revoked_at !== null) return 'already revoked';
  statement(db, 'UPDATE token SET revoked_at = ? WHERE id = ?').run(Date.now(), id);
  return 'revoked';
}

export function listTokens(db: ConfigDb): TokenListing[] {
  const rows = statement(db, 'SELECT id, name, role, created_at, revoked_at FROM token ORDER BY id').all() as Array<{
    id: number;
    name: string;
    role: Role;
    created_at: number;
    revoked_at: number | null;
  }>;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    createdAt: r.created_at,
    ...(r.revoked_at !== null && { revokedAt: r.revoked_at }),
  }));
}

/**
 * The token a request presents: `Authorization: Bearer <token>`, else a `token` query parameter
 * (for clients such as browsers' WebSocket that cannot set headers). Undefined when there is none.
 */
export function bearerToken(req: { headers: IncomingHttpHeaders; url?: string }): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (match) return match[1];
  }
  const url = req.url ?? '';
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return undefined;
  const token = new URLSearchParams(url.slice(queryStart + 1)).get('token');
  return token === null || token === '' ? undefined : token;
}
