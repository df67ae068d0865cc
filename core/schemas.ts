import { z } from 'zod';

/** Validation schemas shared by the API, the registry import and the zone model (zod). */

const ISO_DATETIME = z.iso.datetime({ offset: true });
const ISO_DATE = z.iso.date();
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

/** An ISO 8601 time with a zone (`2026-05-01T08:00:00+08:00`, `…Z`) or a date (midnight UTC) → ms since the epoch. */
export const isoTime = z.string().transform((s, ctx) => {
  const ms = ISO_DATETIME.safeParse(s).success || ISO_DATE.safeParse(s).success ? Date.parse(s) : NaN;
  if (!(ms >= EARLIEST && ms < LATEST)) {
    ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 time with a zone (2026-05-01T00:00:00Z, 2026-05-01T08:00:00+08:00) or a date (2026-05-01, midnight UTC) between 1970 and 2100` });
    return z.NEVER;
  }
  return ms;
});
