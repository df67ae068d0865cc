import { resolve } from 'node:path';

/**
 * Configuration from `TIDEWATCH_*` environment variables, validated once at start. Every setting
 * is listed in CONFIG_VARIABLES (which the README's table mirrors) with its default and meaning.
 */

export interface Config {
  httpHost: string;
  httpPort: number;
  nmeaHost: string;
  nmeaPort: number;
  /** Remote addresses allowed on the NMEA TCP/UDP listeners besides loopback. */
  nmeaAllow: string[];
  dataDir: string;
  /** InfluxDB connection; absent → the embedded store. */
  influx?: { url: string; token: string; org: string; bucket: string };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Web origins (`https://map.example.org`) whose pages may call the API; empty → same-origin only. */
  corsOrigins: string[];
  /** Mapbox GL style URL the viewer loads instead of its bundled offline basemap; absent → the bundled one. */
  viewerStyle?: string;
  /** JSON file of the fishing-ban calendar (gateway/rules/ban-calendar.ts); absent → the shipped Yellow Sea default. */
  banCalendar?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

interface Variable {
  name: string;
  default?: string;
  help: string;
}

export const CONFIG_VARIABLES: readonly Variable[] = [
  { name: 'TIDEWATCH_HTTP_HOST', default: '127.0.0.1', help: 'address the HTTP server (API, viewer, WebSocket ingest) binds to' },
  { name: 'TIDEWATCH_HTTP_PORT', default: '8080', help: 'HTTP port' },
  { name: 'TIDEWATCH_NMEA_HOST', default: '127.0.0.1', help: 'address the NMEA TCP and UDP listeners bind to' },
  { name: 'TIDEWATCH_NMEA_PORT', default: '10110', help: 'NMEA-over-IP port (TCP and UDP); 0 turns the listeners off' },
  { name: 'TIDEWATCH_NMEA_ALLOW', default: '', help: 'comma-separated remote IP addresses allowed to send NMEA besides loopback' },
  { name: 'TIDEWATCH_DATA_DIR', default: './data', help: 'directory for the embedded databases and the spool' },
  { name: 'TIDEWATCH_INFLUX_URL', help: 'InfluxDB URL (e.g. http://127.0.0.1:8086); unset → embedded store' },
  { name: 'TIDEWATCH_INFLUX_TOKEN', default: '', help: 'InfluxDB token (1.8: user:password; empty when auth is off)' },
  { name: 'TIDEWATCH_INFLUX_ORG', default: '', help: 'InfluxDB organisation (empty for 1.8)' },
  { name: 'TIDEWATCH_INFLUX_BUCKET', default: 'tidewatch/autogen', help: 'InfluxDB bucket (1.8: database/retention-policy)' },
  { name: 'TIDEWATCH_CORS_ORIGINS', default: '', help: 'comma-separated web origins (e.g. https://map.example.org) whose pages may call the API; empty → same-origin only' },
  { name: 'TIDEWATCH_VIEWER_STYLE', help: 'Mapbox GL style URL (http(s)://… or a path on this server) the map loads instead of its bundled offline basemap, e.g. a deployment\'s own tile server; unset → the bundled Yellow Sea basemap' },
  { name: 'TIDEWATCH_BAN_CALENDAR', help: 'JSON file of the summer fishing-ban calendar (sea areas, periods per gear, permits); unset → the shipped Yellow Sea / Rizhao default' },
  { name: 'TIDEWATCH_LOG_LEVEL', default: 'info', help: 'debug, info, warn or error' },
  { name: 'TIDEWATCH_URL', help: 'gateway URL that client commands (`tidewatch simulate`) talk to, e.g. http://127.0.0.1:8080' },
  { name: 'TIDEWATCH_TOKEN', help: 'token that client commands use (a device token for `tidewatch simulate`)' },
];

/** A comma-separated list of web origins (`scheme://host[:port]`), or a ConfigError naming the setting. */
function origins(env: NodeJS.ProcessEnv, name: string): string[] {
  const listed = (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of listed) {
    const parsed = URL.canParse(origin) ? new URL(origin) : undefined;
    // Browsers send the origin serialised, and CORS compares it as a string: it must be written the same way.
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== origin) {
      throw new ConfigError(
        `${name}: ${JSON.stringify(origin)} is not a web origin as browsers send it: write scheme://host[:port] in lower case, without a path or trailing slash, e.g. https://map.example.org`,
      );
    }
  }
  return listed;
}

/** A style URL the browser can load: absolute http(s), or a path on this server. */
function styleUrl(raw: string): string {
  if (raw.startsWith('/') && !raw.startsWith('//')) return raw;
  const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ConfigError(`TIDEWATCH_VIEWER_STYLE=${JSON.stringify(raw)} must be an http:// or https:// URL of a Mapbox GL style, or a path on this server such as /styles/harbour.json`);
  }
  return raw;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: string): number {
  const raw = env[name] ?? fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a port number (0–65535)`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
  for (const name of Object.keys(env)) {
    if (name.startsWith('TIDEWATCH_') && !known.has(name)) {
      throw new ConfigError(`unknown setting ${name}; known settings: ${[...known].join(', ')}`);
    }
  }
  const get = (name: string, fallback = '') => env[name] ?? fallback;
  const logLevel = get('TIDEWATCH_LOG_LEVEL', 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`TIDEWATCH_LOG_LEVEL=${JSON.stringify(logLevel)} must be debug, info, warn or error`);
  }
  const config: Config = {
    httpHost: get('TIDEWATCH_HTTP_HOST', '127.0.0.1'),
    httpPort: port(env, 'TIDEWATCH_HTTP_PORT', '8080'),
    nmeaHost: get('TIDEWATCH_NMEA_HOST', '127.0.0.1'),
    nmeaPort: port(env, 'TIDEWATCH_NMEA_PORT', '10110'),
    nmeaAllow: get('TIDEWATCH_NMEA_ALLOW')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    dataDir: resolve(get('TIDEWATCH_DATA_DIR', './data')),
    logLevel: logLevel as Config['logLevel'],
    corsOrigins: origins(env, 'TIDEWATCH_CORS_ORIGINS'),
  };
  const viewerStyle = get('TIDEWATCH_VIEWER_STYLE');
  if (viewerStyle !== '') config.viewerStyle = styleUrl(viewerStyle);
  const banCalendar = get('TIDEWATCH_BAN_CALENDAR');
  if (banCalendar !== '') config.banCalendar = resolve(banCalendar);
  const url = env.TIDEWATCH_INFLUX_URL;
  if (url !== undefined && url !== '') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`TIDEWATCH_INFLUX_URL=${JSON.stringify(url)} is not a URL (expected e.g. http://127.0.0.1:8086)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ConfigError(`TIDEWATCH_INFLUX_URL must be http:// or https://, not ${parsed.protocol}`);
    }
    const bucket = get('TIDEWATCH_INFLUX_BUCKET', 'tidewatch/autogen');
    if (bucket === '') throw new ConfigError('TIDEWATCH_INFLUX_BUCKET must not be empty');
    config.influx = { url, token: get('TIDEWATCH_INFLUX_TOKEN'), org: get('TIDEWATCH_INFLUX_ORG'), bucket };
  }
  return config;
}
