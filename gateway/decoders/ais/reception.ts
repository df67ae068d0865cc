/**
 * Receiver metadata written after the checksum by USCG NAIS / many shore networks, e.g.
 * `!AIVDM,…*5C,s31350,d-090,T42.1,x152617,r003669945,1184201184`: `s` signal strength, `d` dBm,
 * `T` slot time, `x` counter, `r…` the receiving station, and last the Unix time of reception.
 */
export interface TrailerInfo {
  /** ms since epoch, from the trailing Unix time. */
  rxTime?: number;
  /** The `r…` field verbatim (`r003669945`, `r08TPHI1`): that is how these networks name stations. */
  station?: string;
}

function allDigits(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Unix time in seconds (9–10 digits, optional fraction) or milliseconds (12–13 digits) → ms; else undefined. */
function unixTime(s: string): number | undefined {
  const dot = s.indexOf('.');
  const intEnd = dot < 0 ? s.length : dot;
  if (!allDigits(s, 0, intEnd)) return undefined;
  if (dot >= 0 && !allDigits(s, dot + 1, s.length)) return undefined;
  if (intEnd >= 9 && intEnd <= 10) return Math.round(Number(s) * 1000);
  if (intEnd >= 12 && intEnd <= 13 && dot < 0) return Number(s);
  return undefined;
}

/** Station and receive time from a receiver trailer; fields it does not know are ignored. */
export function parseTrailer(trailer: string): TrailerInfo {
  const info: TrailerInfo = {};
  const parts = trailer.split(',');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.length > 1 && p.charCodeAt(0) === 114 /* r */) info.station = p;
  }
  const last = parts[parts.length - 1];
  const time = unixTime(last);
  if (time !== undefined) info.rxTime = time;
  return info;
}
