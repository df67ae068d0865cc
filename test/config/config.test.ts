import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../core/config.js';
import { PACKAGE_ROOT } from '../../core/paths.js';

describe('configuration', () => {
  it('has sensible defaults and the embedded store when no InfluxDB is set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ httpHost: '127.0.0.1', httpPort: 8080, nmeaPort: 10110, nmeaAllow: [], logLevel: 'info' });
    expect(c.influx).toBeUndefined();
  });

  it('reads InfluxDB settings', () => {
    expect(loadConfig({ TIDEWATCH_INFLUX_URL: 'http://127.0.0.1:8086', TIDEWATCH_INFLUX_TOKEN: 'u:p' }).influx).toEqual({ url: 'http://127.0.0.1:8086', token: 'u:p', org: '', bucket: 'tidewatch/autogen' });
  });

  it.each([
    [{ TIDEWATCH_HTTP_PORT: 'eighty' }, /TIDEWATCH_HTTP_PORT="eighty" is not a port/],
    [{ TIDEWATCH_NMEA_PORT: '70000' }, /TIDEWATCH_NMEA_PORT/],
    [{ TIDEWATCH_INFLUX_URL: 'localhost:8086' }, /must be http:\/\/ or https:\/\//],
    [{ TIDEWATCH_INFLUX_URL: 'not a url' }, /is not a URL/],
    [{ TIDEWATCH_LOG_LEVEL: 'loud' }, /debug, info, warn or error/],
    [{ TIDEWATCH_HTTP_PROT: '1' }, /unknown setting TIDEWATCH_HTTP_PROT/],
  ])('rejects %o with a message naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('documents every setting in the README', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    for (const v of CONFIG_VARIABLES) expect(readme).toContain(`| \`${v.name}\` |`);
  });
});
