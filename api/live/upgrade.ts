import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Logger } from '../../core/log.js';
import { bearerToken, verifyToken, type Role, type TokenIdentity } from '../../gateway/auth/tokens.js';
import type { ConfigDb } from '../../gateway/configdb/database.js';

/**
 * WebSocket plumbing for endpoints that authenticate at the upgrade: a refused client gets an HTTP
 * status and a reason it can show, instead of a connection that opens and drops.
 */

export interface UpgradeRefusal {
  status: 401 | 403 | 503;
  reason: string;
  /** RFC 6750 error code for the WWW-Authenticate challenge. */
  challenge?: 'invalid_token' | 'insufficient_scope';
}

/** The identity behind the upgrade's token when its role is one of `roles`, else why not. */
export function authorizeUpgrade(req: IncomingMessage, db: ConfigDb, roles: readonly Role[], logger: Logger): TokenIdentity | UpgradeRefusal {
  const token = bearerToken(req);
  if (token === undefined) return { status: 401, reason: 'a token is required: send "Authorization: Bearer <token>" or ?token=<token>' };
  let identity: TokenIdentity | undefined;
  try {
    identity = verifyToken(db, token);
  } catch (err) {
    // A config database fault must not take the gateway down; the client retries.
    logger.error('could not check a token', { err });
    return { status: 503, reason: 'cannot check tokens right now; try again shortly' };
  }
  if (!identity) return { status: 401, reason: 'the token is not valid (unknown or revoked)', challenge: 'invalid_token' };
  if (!roles.includes(identity.role)) {
    return { status: 403, reason: `the ${identity.role} role may not do this; it needs one of: ${roles.join(', ')}`, challenge: 'insufficient_scope' };
  }
  return identity;
}

export function isRefusal(result: TokenIdentity | UpgradeRefusal): result is UpgradeRefusal {
  return 'status' in result;
}

/** Answers the upgrade request with a plain HTTP response and closes the socket. */
export function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal, logger: Logger): void {
  const challenge = refusal.status === 503 ? '' : `WWW-Authenticate: Bearer realm="tidewatch"${refusal.challenge ? `, error="${refusal.challenge}"` : ''}\r\n`;
  const body = `${refusal.reason}\n`;
  socket.on('error', (err) => logger.debug('error while refusing a WebSocket upgrade', { err }));
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${challenge}\r\n${body}`,
  );
}

/** How long a peer gets to answer the close handshake at shutdown before it is cut off. */
const CLOSE_GRACE_MS = 2_000;

/** Closes with 1001 (going away) and resolves once closed, cutting off a peer that does not answer. */
export function closeGoingAway(ws: WebSocket, reason: string): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const cutOff = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    ws.once('close', () => {
      clearTimeout(cutOff);
      resolve();
    });
    ws.close(1001, reason);
  });
}
