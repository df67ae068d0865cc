import cors from '@koa/cors';
import type { Middleware } from 'koa';

/**
 * CORS for web pages served from other origins than the gateway (TIDEWATCH_CORS_ORIGINS). Only
 * listed origins get Access-Control-Allow-Origin; an empty list adds no CORS headers at all, so
 * only same-origin pages (the bundled viewer) can read responses. Credentials stay off: the API
 * authenticates with bearer tokens, never cookies, so there is nothing ambient to share.
 */
export function corsMiddleware(allowedOrigins: readonly string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  return cors({
    // Returning '' makes @koa/cors add nothing: the browser then refuses the cross-origin read.
    origin: (ctx) => (allowed.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    credentials: false,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type'],
    // Browsers may reuse a preflight answer for 10 minutes instead of asking before every call.
    maxAge: 600,
  });
}
