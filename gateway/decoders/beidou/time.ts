/**
 * Times of day and dates as NMEA and RDSS write them. Everything here is UTC: BDS-3 RDSS times
 * were checked against a Unix time inside a real payload (brief §1.2.3), NMEA times are UTC by
 * definition.
 */

export const DAY_MS = 86_400_000;

/**
 * `hhmmss`, `hhmmss.s…` or (with `allowHhmm`) `hhmm` → ms since midnight, or -1 when malformed.
 * Second 60 is accepted: receivers print leap seconds.
 */
export function parseTimeOfDay(s: string, allowHhmm = false): number {
  const n = s.length;
  const short = allowHhmm && n === 4;
  if (!short && (n < 6 || (n > 6 && s.charCodeAt(6) !== 46 /* . */))) return -1;
  const hh = twoDigits(s, 0);
  const mm = twoDigits(s, 2);
  const ss = short ? 0 : twoDigits(s, 4);
  if (hh < 0 || mm < 0 || ss < 0 || hh > 23 || mm > 59 || ss > 60) return -1;
  let frac = 0;
  if (n > 7) {
    let scale = 100;
    for (let i = 7; i < n; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      frac += d * scale; // beyond ms the digits only round down: ms is our resolution
      scale /= 10;
    }
    frac = Math.floor(frac + 1e-6);
  } else if (n === 7) {
    return -1; // "hhmmss." with nothing after the dot
  }
  return ((hh * 60 + mm) * 60 + ss) * 1000 + frac;
}

function twoDigits(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

/** ms since midnight → "hh:mm:ss.sss". */
export function formatTimeOfDay(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const f = ms % 1000;
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}.${f < 10 ? '00' : f < 100 ? '0' : ''}${f}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Complete a UTC time of day with the date of `rxTime`: of the same time on the day before, the
 * day itself and the day after, take the one nearest to `rxTime`. That handles a sentence stamped
 * 23:59:59 and received at 00:00:02 the next day (and the reverse, a receiver clock running ahead).
 */
export function completeTimeOfDay(msOfDay: number, rxTime: number): number {
  const midnight = Math.floor(rxTime / DAY_MS) * DAY_MS;
  let best = midnight + msOfDay;
  const before = best - DAY_MS;
  const after = best + DAY_MS;
  if (Math.abs(before - rxTime) < Math.abs(best - rxTime)) best = before;
  if (Math.abs(after - rxTime) < Math.abs(best - rxTime)) best = after;
  return best;
}

/** Result of reading an RMC `ddmmyy` date. */
export const DATE_MALFORMED = -1;
/**
 * A placeholder, not a date: the GPS epoch 1980-01-06 (`060180`) that receivers print before their
 * first fix, or an all-zero `000000`.
 */
export const DATE_PLACEHOLDER = -2;

/**
 * `ddmmyy` → ms at UTC midnight, DATE_MALFORMED or DATE_PLACEHOLDER. Two-digit years are read in
 * the window 1980–2079 (GPS time starts in 1980).
 */
export function parseDdmmyy(s: string): number {
  if (s.length !== 6) return DATE_MALFORMED;
  const dd = twoDigits(s, 0);
  const mo = twoDigits(s, 2);
  const yy = twoDigits(s, 4);
  if (dd === 0 && mo === 0 && yy === 0) return DATE_PLACEHOLDER;
  if (dd < 1 || mo < 1 || mo > 12 || yy < 0) return DATE_MALFORMED;
  if (dd === 6 && mo === 1 && yy === 80) return DATE_PLACEHOLDER;
  const year = yy >= 80 ? 1900 + yy : 2000 + yy;
  if (dd > daysInMonth(year, mo)) return DATE_MALFORMED;
  return Date.UTC(year, mo - 1, dd);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
