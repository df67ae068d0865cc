import type { Context, Next } from 'koa';
import { StoreUnavailableError } from '../gateway/store/types.js';
import type { Logger } from '../core/log.js';

/** An error the client can act on: a status, a stable code, a message, and the parameter at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

/**
 * Every error becomes JSON `{error: {code, message, parameter?}}`: 4xx as raised, an unreachable
 * store as 503 with a message, anything else as 500 without a stack trace (which goes to the log).
 */
export function errorMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (e) {
      if (e instanceof ApiError) {
        ctx.status = e.status;
        ctx.body = { error: { code: e.code, message: e.message, ...(e.parameter ? { parameter: e.parameter } : {}) } };
      } else if (e instanceof StoreUnavailableError) {
        ctx.status = 503;
        ctx.body = { error: { code: 'store_unavailable', message: `the time-series store is unavailable: ${e.message}` } };
      } else {
        logger.error('request failed', { method: ctx.method, path: ctx.path, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        ctx.status = 500;
        ctx.body = { error: { code: 'internal', message: 'internal error; see the server log' } };
      }
    }
  };
}
