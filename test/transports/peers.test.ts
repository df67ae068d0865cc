import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { createPeerFilter, formatPeer, isLoopback, normaliseAddress, refusalLogger } from '../../gateway/transports/peers.js';

describe('NMEA peer filter', () => {
  it('always lets loopback in, in every spelling', () => {
    const allowed = createPeerFilter([]);
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '::FFFF:127.0.0.1']) expect(allowed(a), a).toBe(true);
  });

  it('refuses other addresses unless listed', () => {
    const allowed = createPeerFilter(['192.0.2.10', '2001:DB8::10']);
    expect(allowed('192.0.2.10')).toBe(true);
    expect(allowed('::ffff:192.0.2.10')).toBe(true);
    expect(allowed('2001:db8::10')).toBe(true);
    expect(allowed('192.0.2.11')).toBe(false);
    expect(allowed('10.0.0.1')).toBe(false);
    expect(allowed('::ffff:10.0.0.1')).toBe(false);
    expect(allowed('')).toBe(false);
    expect(createPeerFilter([])('192.0.2.10')).toBe(false);
  });

  it('stops on an allow-list entry that is not an address', () => {
    expect(() => createPeerFilter(['192.0.2.10', 'shore-station-1'])).toThrow(/TIDEWATCH_NMEA_ALLOW entry "shore-station-1" is not an IP address/);
    expect(() => createPeerFilter(['10.0.0.0/8'])).toThrow(/not an IP address/);
  });

  it('normalises and formats addresses', () => {
    expect(normaliseAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(isLoopback('128.0.0.1')).toBe(false);
    expect(formatPeer('::ffff:10.1.2.3', 4001)).toBe('10.1.2.3:4001');
    expect(formatPeer('2001:db8::1', 4001)).toBe('[2001:db8::1]:4001');
  });

  it('logs a refused address once', () => {
    const lines: string[] = [];
    const refused = refusalLogger(createLogger('info', {}, (l) => lines.push(l)), 'NMEA TCP connection');
    refused('192.0.2.99');
    refused('::ffff:192.0.2.99');
    refused('192.0.2.98');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]).msg).toContain('refused NMEA TCP connection from 192.0.2.99: not loopback and not in TIDEWATCH_NMEA_ALLOW');
  });
});
