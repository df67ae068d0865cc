import type { Context, Next } from 'koa';
import { bearerToken, verifyToken, type Role, type TokenIdentity } from '../gateway/auth/tokens.js';
import type { ConfigDb } from '../gateway/configdb/database.js';
import { ApiError } from './errors.js';

/** Roles that may read vessels, positions, tracks, series, zones and alerts (devices only ingest). */
export const READERS: readonly Role[] = ['regulator', 'researcher', 'admin'];
/** Roles that manage zones and triage alerts. */
export const REGULATORS: readonly Role[] = ['regulator', 'admin'];

export interface AuthState {
  identity: TokenIdentity;
}

/** 401 without a valid token, 403 for a role not in `roles`; the identity goes to `ctx.state`. */
export function requireRole(db: ConfigDb, roles: readonly Role[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const token = bearerToken(ctx.req);
    if (!token) throw new ApiError(401, 'unauthenticated', 'a token is required: send "Authorization: Bearer <token>" or ?token=');
    const identity = verifyToken(db, token);
    if (!identity) throw new ApiError(401, 'unauthenticated', 'the token is not valid (unknown or revoked)');
    if (!roles.includes(identity.role)) {
      throw new ApiError(403, 'forbidden', `the ${identity.role} role may not do this; it needs one of: ${roles.join(', ')}`);
    }
    (ctx.state as AuthState).identity = identity;
    await next();
  };
}
