import type { Context } from 'koa';
import { z } from 'zod';
import { ApiError } from './errors.js';

/** Query parameters validated by a schema (zod); the first problem becomes a 400 naming the parameter. */
export function parseQuery<T extends z.ZodTypeAny>(schema: T, query: unknown): z.infer<T> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const parameter = issue.path.join('.') || undefined;
  throw new ApiError(400, 'bad_parameter', parameter ? `${parameter}: ${issue.message}` : issue.message, parameter);
}

/** `minLon,minLat,maxLon,maxLat` in degrees. */
export const bboxParam = z
  .string()
  .transform((s, ctx) => {
    const parts = s.split(',').map((p) => Number(p.trim()));
    const [minLon, minLat, maxLon, maxLat] = parts;
    const bad = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) return bad('bbox must be minLon,minLat,maxLon,maxLat in degrees');
    if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90) return bad('bbox is outside -180..180 / -90..90 degrees');
    if (minLon > maxLon || minLat > maxLat) return bad('bbox minimum is greater than its maximum');
    return [minLon, minLat, maxLon, maxLat] as const;
  });

/**
 * The request body parsed as JSON; undefined when there is none. 415 for another content type, 413
 * past `limit` bytes, 400 when it is not JSON.
 */
export async function readJsonBody(ctx: Context, limit: number): Promise<unknown> {
  const type = ctx.request.is('application/json', '+json');
  if (type === null || ctx.request.length === 0) return undefined;
  if (type === false) throw new ApiError(415, 'unsupported_media_type', `send the body as JSON (Content-Type: application/json), not ${ctx.get('content-type')}`);
  const tooLarge = () => new ApiError(413, 'too_large', `the body is larger than ${limit} bytes`);
  if ((ctx.request.length ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new ApiError(400, 'bad_body', `the body is not valid JSON: ${(e as Error).message}`);
  }
}

