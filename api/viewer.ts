import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Context, Next } from 'koa';
import { PACKAGE_ROOT } from '../core/paths.js';

/**
 * The regulator's map: the static files `npm run build` writes to dist/viewer/ (scripts/build-viewer.mjs),
 * served at `/`, and `/viewer-config.json`, which tells the page which map style to load. Mounted
 * after the API's routes, it answers only GET and HEAD requests nothing else answered, outside
 * `/api/`, so an unknown API path stays a JSON 404.
 */

export const VIEWER_ROOT = join(PACKAGE_ROOT, 'dist', 'viewer');

export interface ViewerOptions {
  /** Folder of the built viewer; default dist/viewer under the package root. */
  root?: string;
  /** Mapbox GL style URL a deployment chose (TIDEWATCH_VIEWER_STYLE); absent → the bundled basemap. */
  style?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json',
  '.pbf': 'application/x-protobuf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Bundles carry a content hash in their name (main-3F2A….js): they never change, so browsers keep them. */
const HASHED_NAME = /-[A-Z0-9]{8}\.(js|css)$/;

/** Where the page may load from: this server only, plus the origin of a deployment's own style. */
function contentSecurityPolicy(style: string | undefined): string {
  const styleOrigin = style && /^https?:\/\//.test(style) ? ` ${new URL(style).origin}` : '';
  return [
    "default-src 'self'",
    // mapbox-gl runs its workers from a blob: URL and draws icons through data: and blob: images.
    `script-src 'self'`,
    'worker-src blob:',
    'child-src blob:',
    `img-src 'self' data: blob:${styleOrigin}`,
    `connect-src 'self'${styleOrigin}`,
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

export function viewerMiddleware(options: ViewerOptions = {}) {
  const root = resolve(options.root ?? VIEWER_ROOT);
  const csp = contentSecurityPolicy(options.style);
  const config = JSON.stringify({ style: options.style ?? null });

  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.body != null || ctx.status !== 404 || (ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/')) return;

    if (ctx.path === '/viewer-config.json') {
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = CONTENT_TYPES['.json'];
      ctx.body = config;
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(ctx.path === '/' ? '/index.html' : ctx.path);
    } catch {
      return; // a malformed escape names no file: the 404 stands
    }
    const file = resolve(root, `.${relative}`);
    if (file !== root && !file.startsWith(root + sep)) return;
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      if (ctx.path === '/') {
        ctx.status = 503;
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = `The map is not built (no ${join(root, 'index.html')}): run npm run build.\n`;
      }
      return;
    }
    const extension = extname(file);
    ctx.status = 200;
    ctx.type = CONTENT_TYPES[extension] ?? 'application/octet-stream';
    ctx.length = info.size;
    ctx.lastModified = info.mtime;
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (extension === '.html') {
      // The page names the current bundles: always revalidate it.
      ctx.set('Cache-Control', 'no-cache');
      ctx.set('Content-Security-Policy', csp);
    } else {
      ctx.set('Cache-Control', HASHED_NAME.test(file) ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    }
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    // HEAD: Koa sends the headers set above and no body.
    if (ctx.method === 'GET') ctx.body = createReadStream(file);
  };
}
