import { isIP } from 'node:net';
import type { Logger } from '../../core/log.js';

/**
 * Who may send NMEA over TCP and UDP, which carry no token: loopback always, other addresses only
 * when listed (TIDEWATCH_NMEA_ALLOW). Addresses are compared exactly after normalising.
 */

/** `::ffff:10.0.0.5` (an IPv4 peer on a dual-stack socket) → `10.0.0.5`; IPv6 lower-cased. */
export function normaliseAddress(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? mapped[1] : lower;
}

export function isLoopback(address: string): boolean {
  const a = normaliseAddress(address);
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/**
 * A predicate that says whether a remote address may send. Throws on an allow-list entry that is
 * not an IP address, so a typo in the configuration stops the start instead of locking a station out.
 */
export function createPeerFilter(allow: readonly string[]): (address: string) => boolean {
  const allowed = new Set<string>();
  for (const entry of allow) {
    if (isIP(entry) === 0) {
      throw new Error(`TIDEWATCH_NMEA_ALLOW entry ${JSON.stringify(entry)} is not an IP address (e.g. 192.0.2.10 or 2001:db8::10)`);
    }
    allowed.add(normaliseAddress(entry));
  }
  return (address) => isLoopback(address) || allowed.has(normaliseAddress(address));
}

/** `10.0.0.5:4001`, `[2001:db8::1]:4001`. */
export function formatPeer(address: string | undefined, port: number | undefined): string {
  const a = normaliseAddress(address ?? 'unknown');
  return `${a.includes(':') ? `[${a}]` : a}:${port ?? '?'}`;
}

/** How many distinct refused addresses are remembered; past that the memory starts over, so a scan cannot grow it. */
const REMEMBERED_REFUSALS = 1024;

/** Logs a refused address the first time it is seen, not on every packet. */
export function refusalLogger(logger: Logger, what: string): (address: string) => void {
  const seen = new Set<string>();
  return (address) => {
    const a = normaliseAddress(address);
    if (seen.has(a)) return;
    if (seen.size >= REMEMBERED_REFUSALS) seen.clear();
    seen.add(a);
    logger.warn(`refused ${what} from ${a}: not loopback and not in TIDEWATCH_NMEA_ALLOW (further refusals of it are not logged)`, { address: a });
  };
}
