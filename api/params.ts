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
