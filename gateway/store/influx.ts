import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setImmediate } from 'node:timers/promises';
import { flux, fluxDuration, fluxExpression, HttpError, InfluxDB, type FluxParameterLike, type ParameterizedQuery, type QueryApi, type SendOptions } from '@influxdata/influxdb-client';
import type { Config } from '../../core/config.js';
import type { BuoyObservation, VesselFix } from '../../core/records.js';
import { compareFixes, inBBox,
  checkObservationQuery,
  LATEST_LOOKBACK_MS,
  StoreUnavailableError,
  type BBox,
  type BuoyQuery,
  type BuoySummary,
  type LatestObservationQuery,
  type LatestQuery,
  type ObservationAggregate,
  type ObservationQuery,
  type ObservationRow,
  type SeriesRecord,
  type SeriesStore,
  type TrackLine,
  type TrackQuery,
  allocateTrackLine,
} from './types.js';

/**
 * The InfluxDB series store (DESIGN §4), for InfluxDB OSS 1.8 (its 2.x compatibility API) and 2.x.
 * Schema in SCHEMA.md. Every query is built with the client's `flux` template, which escapes
 * values, and uses only what Flux 0.65 (InfluxDB 1.8) has.
 */

export type InfluxConnection = NonNullable<Config['influx']>;

export interface InfluxStoreOptions {
  /** Per-request timeout, ms; a slower answer is StoreUnavailableError. */
  timeoutMs?: number;
  /** How far back latestFixes looks when the query has no `since`, ms. */
  latestLookbackMs?: number;
  /**
   * Timeout of latestFixes, ms: it reads every series over up to `latestLookbackMs` (seconds for
   * 10,000 vessels on InfluxDB 1.8, more under load), and the gateway's latest positions are seeded
   * by it at start; under `timeoutMs` it would time out again on every retry with a large fleet.
   */
  scanTimeoutMs?: number;
}

const MEASUREMENT: Record<SeriesRecord['kind'], string> = {
  'vessel-fix': 'vessel_fix',
  'buoy-observation': 'buoy_observation',
  'device-health': 'device_health',
};

/** A field every point of the measurement has: what count() counts. */
const COUNTED_FIELD: Record<SeriesRecord['kind'], string> = { 'vessel-fix': 'lat', 'buoy-observation': 'value', 'device-health': 'heard' };

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_SCAN_TIMEOUT_MS = 120_000;
/** Lines per HTTP write request at most (InfluxData's recommended batch size). */
const LINES_PER_REQUEST = 5000;
/**
 * A write of many lines goes out as this many concurrent requests, which InfluxDB parses and
 * indexes on separate cores; one request at a time leaves all but one core idle. Order within one
 * write() does not matter: the spool orders writes, and a failed write is retried whole (InfluxDB
 * keeps one point per series and time, so what part of it had arrived is not stored twice).
 */
const CONCURRENT_REQUESTS = 4;
/** …but a request is not split below this many lines, where the per-request cost starts to show. */
const MIN_LINES_PER_SPLIT_REQUEST = 1000;
/** The client's default: request bodies above this many bytes are gzipped, except on loopback where that only costs CPU on both ends. */
const GZIP_THRESHOLD_BYTES = 1000;
/** Vessels whose line-protocol series prefix is kept; the cache starts over beyond this. */
const MAX_CACHED_PREFIXES = 100_000;
const EPOCH = new Date(0);
/** Upper bound of every open-ended range: fixes stamped by a fast clock are still found. */
const FAR_FUTURE = new Date('2200-01-01T00:00:00Z');
const NOTHING = fluxExpression('');
/** The fields a drawn track needs (trackLine): less for InfluxDB to read and send than every field. */
const TRACK_LINE_FIELDS = fluxExpression('|> filter(fn: (r) => contains(value: r._field, set: ["lat", "lon", "sog", "cog", "suspect"]))');

/**
 * Records → InfluxDB line protocol, written here rather than with the client's Point, which costs
 * about 11 µs a point (100k fixes: over a second of the gateway's one thread) against ~1 µs here.
 * Measurement and field names are fixed, so only tag values and string fields need escaping.
 * Bad values are refused with the record named, before anything is sent.
 */
class LineWriter {
  private fields = 0;

  /** `line` so far: the measurement, or a series prefix (measurement and tags) made before. */
  constructor(
    private readonly record: SeriesRecord,
    private line: string = MEASUREMENT[record.kind],
  ) {}

  private refuse(what: string): never {
    const r = this.record;
    const id = r.kind === 'vessel-fix' ? (r.vessel ?? r.key) : r.deviceId;
    const time = Number.isFinite(r.time) ? new Date(r.time).toISOString() : String(r.time);
    throw new Error(`InfluxDB cannot store ${r.kind} ${JSON.stringify(id)} at ${time}: ${what}`);
  }

  /**
   * Line protocol carries a tag value literally only when it is not empty, has no line break or
   * tab, and no backslash before a comma, space, equals sign or at its end: such ids are refused
   * rather than stored mangled.
   */
  tag(name: string, value: string): this {
    if (value === '' || /[\n\r\t]|\\([, =]|$)/.test(value)) {
      this.refuse(`its ${name} ${JSON.stringify(value)} is empty or holds a line break, tab, or backslash before a comma, space, equals sign or at the end`);
    }
    this.line += `,${name}=${value.replace(/[, =]/g, '\\$&')}`;
    return this;
  }

  numberTag(name: string, value: number): this {
    if (!Number.isFinite(value)) this.refuse(`${name} is ${value}`);
    return this.tag(name, String(value));
  }

  /** The measurement and tags written so far: a series prefix to start other lines with. */
  get series(): string {
    return this.line;
  }

  private field(name: string, text: string): this {
    this.line += `${this.fields++ === 0 ? ' ' : ','}${name}=${text}`;
    return this;
  }

  float(name: string, value: number | undefined): this {
    if (value === undefined) return this;
    if (!Number.isFinite(value)) this.refuse(`${name} is ${value}`);
    return this.field(name, String(value));
  }

  integer(name: string, value: number | undefined): this {
    if (value === undefined) return this;
    if (!Number.isSafeInteger(value)) this.refuse(`${name} is ${value}, not an integer`);
    return this.field(name, `${value}i`);
  }

  string(name: string, value: string | undefined): this {
    // Flux's CSV answers carry an empty string and a missing value alike: an empty one is not
    // written. They also turn line breaks into CRLF and drop a trailing CR: those are refused.
    if (!value) return this;
    if (/[\r\n]/.test(value)) this.refuse(`its ${name} ${JSON.stringify(value)} holds a line break`);
    return this.field(name, `"${value.replace(/["\\]/g, '\\$&')}"`);
  }

  boolean(name: string, value: boolean): this {
    return this.field(name, value ? 'true' : 'false');
  }

  /** Timestamp in ms (the write precision). */
  end(): string {
    if (!Number.isSafeInteger(this.record.time)) this.refuse(`its time ${this.record.time} is not an integer number of milliseconds`);
    return `${this.line} ${this.record.time}`;
  }
}

/**
 * Records → line protocol. A vessel's fixes share one series (measurement and tags), so its prefix
 * is escaped and checked once and kept by identifier key: fixes are nearly all of the traffic.
 */
class LineProtocol {
  private readonly fixSeries = new Map<string, { source: string; vessel: string; prefix: string }>();

  private fixPrefix(r: VesselFix): string {
    const vessel = r.vessel ?? r.key;
    const known = this.fixSeries.get(r.key);
    if (known && known.source === r.source && known.vessel === vessel) return known.prefix;
    const prefix = new LineWriter(r).tag('key', r.key).tag('source', r.source).tag('vessel', vessel).series;
    if (this.fixSeries.size >= MAX_CACHED_PREFIXES) this.fixSeries.clear();
    this.fixSeries.set(r.key, { source: r.source, vessel, prefix });
    return prefix;
  }

  line(r: SeriesRecord): string {
    switch (r.kind) {
      case 'vessel-fix':
        return new LineWriter(r, this.fixPrefix(r))
          .float('lat', r.lat)
          .float('lon', r.lon)
          .float('sog', r.sog)
          .float('cog', r.cog)
          .float('heading', r.heading)
          .integer('nav_status', r.navStatus)
          .string('station', r.station)
          .string('suspect', r.suspect)
          .integer('rx_time', r.rxTime)
          .end();
      case 'buoy-observation':
        return new LineWriter(r)
          .numberTag('depth', r.depth)
          .tag('device', r.deviceId)
          .numberTag('sensor', r.sensorIndex)
          .tag('variable', r.variable)
          .float('value', r.value)
          .integer('qc', r.qc)
          .string('unit', r.unit)
          .end();
      case 'device-health':
        // `heard` makes a report with no values a point too: the device was heard at that time.
        return new LineWriter(r)
          .tag('device', r.deviceId)
          .boolean('heard', true)
          .float('battery', r.battery)
          .float('internal_temperature', r.internalTemperature)
          .float('rssi', r.rssi)
          .integer('firmware_build', r.firmwareBuild)
          .integer('uptime', r.uptime)
          .end();
    }
  }

  /** Lines per request body for a write of `count` records: at most LINES_PER_REQUEST, split in CONCURRENT_REQUESTS when there are enough. */
  static linesPerRequest(count: number): number {
    return Math.min(LINES_PER_REQUEST, Math.max(MIN_LINES_PER_SPLIT_REQUEST, Math.ceil(count / CONCURRENT_REQUESTS)));
  }

  /** The request body of records [from, to); throws on a record InfluxDB cannot store. */
  body(records: readonly SeriesRecord[], from: number, to: number): string {
    let body = this.line(records[from]);
    for (let j = from + 1; j < to; j++) body += `\n${this.line(records[j])}`;
    return body;
  }
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** One row of a Flux answer (of vessel_fix: one fix, fields pivoted into columns); absent values are null or missing. */
type FluxRow = Record<string, string | number | null | undefined>;

function fixFromRow(row: FluxRow): VesselFix {
  const fix: VesselFix = {
    kind: 'vessel-fix',
    source: row.source as VesselFix['source'],
    key: row.key as string,
    vessel: row.vessel as string,
    time: Date.parse(row._time as string),
    lat: row.lat as number,
    lon: row.lon as number,
  };
  if (row.sog != null) fix.sog = row.sog as number;
  if (row.cog != null) fix.cog = row.cog as number;
  if (row.heading != null) fix.heading = row.heading as number;
  if (row.nav_status != null) fix.navStatus = row.nav_status as number;
  if (row.station) fix.station = row.station as string;
  if (row.suspect) fix.suspect = row.suspect as string;
  if (row.rx_time != null) fix.rxTime = row.rx_time as number;
  return fix;
}

/** The Flux function of each aggregate: fixed expressions, never built from input. */
const FLUX_AGGREGATE: Record<ObservationAggregate, FluxParameterLike> = {
  mean: fluxExpression('mean'),
  min: fluxExpression('min'),
  max: fluxExpression('max'),
  last: fluxExpression('last'),
};

/**
 * The order observations come in from Flux before a limit: a total order over the rows of one
 * device (one row per series and time), so the aggregate and count answers of a bucketed query
 * are cut at the same rows. Depth and sensor are tags, ordered as text here; the final order is
 * numeric (byObservationOrder).
 */
const FLUX_OBSERVATION_ORDER = ['_time', 'variable', 'depth', 'sensor', 'unit'];

/** The order SeriesStore.observations promises: time, variable, depth, sensor (the embedded store's ORDER BY). */
function byObservationOrder(a: ObservationRow, b: ObservationRow): number {
  return a.time - b.time || (a.variable < b.variable ? -1 : a.variable > b.variable ? 1 : 0) || a.depth - b.depth || a.sensorIndex - b.sensorIndex;
}

/** A pivoted buoy_observation row; tags come back as text (`depth` "1.5", `sensor` "0"). A point written without a unit has none. */
function observationRowFrom(row: FluxRow): ObservationRow {
  return { time: Date.parse(row._time as string), variable: row.variable as string, value: row.value as number, unit: (row.unit as string | undefined) ?? '', depth: Number(row.depth), sensorIndex: Number(row.sensor) };
}

/** Same rule as the embedded store: minLon > maxLon is a box across the antimeridian. */
/**
 * Network errors, timeouts, 5xx and 429 are passing, and so are 401/403/404 (a wrong token or a
 * missing database is fixed by an operator while the data waits in the spool): StoreUnavailableError,
 * the caller retries. Any other 4xx means the data itself is refused: a plain Error with the server's message.
 */
function storeError(error: unknown, url: string, what: string): Error {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof HttpError) {
    // 1.8 answers {"error": …}, 2.x {"code": …, "message": …}.
    const message = String(error.json?.error ?? error.json?.message ?? error.body ?? error.message).trim();
    const code = error.statusCode;
    if (code >= 500 || code === 429 || code === 408) {
      return new StoreUnavailableError(`InfluxDB at ${url} could not ${what} (HTTP ${code}): ${message}`);
    }
    if (code === 401 || code === 403) {
      return new StoreUnavailableError(`InfluxDB at ${url} refused to ${what} (HTTP ${code}): ${message} — check TIDEWATCH_INFLUX_TOKEN (1.8: user:password)`);
    }
    if (code === 404) {
      return new StoreUnavailableError(`InfluxDB at ${url} could not ${what} (HTTP 404): ${message} — check TIDEWATCH_INFLUX_BUCKET; on 1.8 the database must exist (CREATE DATABASE)`);
    }
    return new Error(`InfluxDB at ${url} refused to ${what} (HTTP ${code}): ${message}`);
  }
  return new StoreUnavailableError(`InfluxDB at ${url} is unreachable (${what}): ${(error as Error).message || String(error)}`);
}

function clientFor(connection: Pick<InfluxConnection, 'url' | 'token'>, timeoutMs: number, agent?: HttpAgent): InfluxDB {
  return new InfluxDB({ url: connection.url, token: connection.token, timeout: timeoutMs, transportOptions: agent ? { agent } : {} });
}

/**
 * The one place 1.8 and 2.x differ for Tidewatch: on 1.8 the database of a `database/retention-policy`
 * bucket must exist before the first write, so this creates it (InfluxQL `CREATE DATABASE`, a no-op
 * when it exists). On 2.x buckets are created with `influx bucket create`, so this does nothing.
 * The server calls it at start; rejects with StoreUnavailableError while InfluxDB is down.
 */
export async function ensureDatabase(connection: Pick<InfluxConnection, 'url' | 'token' | 'bucket'>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const { transport } = clientFor(connection, timeoutMs);
  let version = '';
  try {
    await transport.request('/ping', '', { method: 'GET' }, (headers) => {
      version = String(headers['x-influxdb-version'] ?? '');
    });
  } catch (error) {
    throw storeError(error, connection.url, 'answer /ping');
  }
  if (!/^v?1\./.test(version)) return;
  const match = /^([^/]+)\/[^/]+$/.exec(connection.bucket);
  if (!match) {
    throw new Error(`InfluxDB ${version} at ${connection.url} needs the bucket as database/retention-policy (e.g. tidewatch/autogen), not ${JSON.stringify(connection.bucket)}`);
  }
  // InfluxQL identifier: double quotes, with `"` and `\` escaped.
  const database = `"${match[1].replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  let answer: { results?: { error?: string }[] } | undefined;
  try {
    answer = await transport.request('/query', new URLSearchParams({ q: `CREATE DATABASE ${database}` }).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  } catch (error) {
    throw storeError(error, connection.url, `create database ${database}`);
  }
  const refused = answer?.results?.find((r) => r.error)?.error;
  if (refused) throw new Error(`InfluxDB at ${connection.url} refused CREATE DATABASE ${database}: ${refused}`);
}

export class InfluxSeriesStore implements SeriesStore {
  readonly kind = 'influxdb';
  private readonly client: InfluxDB;
  private readonly queryApi: QueryApi;
  /** For latestFixes, with its longer timeout (scanTimeoutMs). */
  private readonly scanQueryApi: QueryApi;
  /** Our own agent: keep-alive connections for throughput, and close() can drop them. */
  private readonly agent: HttpAgent;
  private readonly latestLookbackMs: number;
  private readonly lineProtocol = new LineProtocol();
  /** The 2.x write endpoint (1.8 has it too), ms precision. */
  private readonly writePath: string;
  private readonly writeOptions: SendOptions;
  private closed = false;

  constructor(
    private readonly connection: InfluxConnection,
    options: InfluxStoreOptions = {},
  ) {
    this.agent = connection.url.startsWith('https:') ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.client = clientFor(connection, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, this.agent);
    this.queryApi = this.client.getQueryApi(connection.org);
    this.scanQueryApi = clientFor(connection, options.scanTimeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS, this.agent).getQueryApi(connection.org);
    this.writePath = `/api/v2/write?${new URLSearchParams({ org: connection.org, bucket: connection.bucket, precision: 'ms' })}`;
    this.writeOptions = {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      ...(!isLoopback(connection.url) && { gzipThreshold: GZIP_THRESHOLD_BYTES }),
    };
    this.latestLookbackMs = options.latestLookbackMs ?? LATEST_LOOKBACK_MS;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('InfluxDB store is closed');
  }

  /**
   * Line protocol straight to the client's transport: its WriteApi would count every line's UTF-8
   * length and copy the lines into a buffer of its own, for batching that the spool already does.
   * Requests run concurrently (see CONCURRENT_REQUESTS); the write settles once all of them have,
   * so that nothing of a failed write is still in flight when the spool retries it.
   */
  async write(records: readonly SeriesRecord[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return;
    const perRequest = LineProtocol.linesPerRequest(records.length);
    let next = 0;
    let failure: unknown;
    /** A record InfluxDB cannot store: thrown as it is, so that the spool sets it aside and writes its neighbours. */
    let refusal: unknown;
    // Each sender builds and sends the next body until none is left or something has failed.
    const sender = async () => {
      while (next < records.length && failure === undefined && refusal === undefined) {
        const from = next;
        next = Math.min(records.length, from + perRequest);
        let body: string;
        try {
          body = this.lineProtocol.body(records, from, next);
        } catch (error) {
          refusal ??= error;
          return;
        }
        try {
          await this.client.transport.request(this.writePath, body, this.writeOptions);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    // Senders start a turn apart, so that InfluxDB parses one body while the next is being built.
    const senders: Promise<void>[] = [];
    for (let k = 0; k < CONCURRENT_REQUESTS && next < records.length && failure === undefined && refusal === undefined; k++) {
      if (k > 0) await setImmediate();
      senders.push(sender());
    }
    await Promise.all(senders);
    if (failure !== undefined) throw storeError(failure, this.connection.url, `write ${records.length} records`);
    if (refusal !== undefined) throw refusal;
  }

  private async rows(query: ParameterizedQuery, what: string, api = this.queryApi): Promise<FluxRow[]> {
    this.assertOpen();
    try {
      return await api.collectRows<FluxRow>(query, (values, table) => table.toObject(values) as FluxRow);
    } catch (error) {
      throw storeError(error, this.connection.url, what);
    }
  }

  async latestFixes(query: LatestQuery = {}): Promise<VesselFix[]> {
    if (query.vessels?.length === 0 || query.sources?.length === 0) return [];
    const start = new Date(query.since ?? Date.now() - this.latestLookbackMs);
    const sources = query.sources ? flux`|> filter(fn: (r) => contains(value: r.source, set: ${[...query.sources]}))` : NOTHING;
    const vessels = query.vessels ? flux`|> filter(fn: (r) => contains(value: r.vessel, set: ${[...query.vessels]}))` : NOTHING;
    // last() runs per series and field: a field missing from the newest fix yields an older row,
    // which the newest-per-vessel pass below drops along with other sources' older fixes.
    const rows = await this.rows(
      flux`import "influxdata/influxdb/v1"
from(bucket: ${this.connection.bucket})
  |> range(start: ${start}, stop: ${FAR_FUTURE})
  |> filter(fn: (r) => r._measurement == ${MEASUREMENT['vessel-fix']})
  ${sources}
  ${vessels}
  |> last()
  |> v1.fieldsAsCols()`,
      'query latest fixes',
      this.scanQueryApi,
    );
    const newest = new Map<string, VesselFix>();
    for (const row of rows) {
      if (row.lat == null || row.lon == null) continue;
      const fix = fixFromRow(row);
      const seen = newest.get(fix.vessel as string);
      if (!seen || compareFixes(seen, fix) < 0) newest.set(fix.vessel as string, fix);
    }
    const fixes = [...newest.values()].sort((a, b) => ((a.vessel as string) < (b.vessel as string) ? -1 : 1));
    return query.bbox ? fixes.filter((f) => inBBox(f, query.bbox as BBox)) : fixes;
  }

  async track(query: TrackQuery): Promise<VesselFix[]> {
    return (await this.trackRows(query, NOTHING)).map(fixFromRow);
  }

  async trackLine(query: TrackQuery): Promise<TrackLine> {
    const rows = await this.trackRows(query, TRACK_LINE_FIELDS);
    const line = allocateTrackLine(rows.length);
    rows.forEach((row, i) => {
      line.time[i] = Date.parse(row._time as string);
      line.lat[i] = row.lat as number;
      line.lon[i] = row.lon as number;
      line.sog[i] = (row.sog as number | null | undefined) ?? Number.NaN;
      line.cog[i] = (row.cog as number | null | undefined) ?? Number.NaN;
      line.source[i] = row.source as VesselFix['source'];
      line.key[i] = row.key as string;
      line.suspect[i] = (row.suspect as string | null | undefined) || undefined;
    });
    return line;
  }

  /** A vessel's fixes in [from, to) as Flux rows, fields pivoted into columns, in compareFixes order; `fields` narrows the fields read. */
  private async trackRows(query: TrackQuery, fields: FluxParameterLike): Promise<FluxRow[]> {
    if (query.from >= query.to || query.limit === 0) return [];
    const limit = query.limit === undefined ? NOTHING : flux`|> limit(n: ${query.limit})`;
    // range() is meant to exclude its stop, but InfluxDB 1.8 returns points at the stop time: the
    // second filter makes [from, to) hold on both.
    return this.rows(
      flux`import "influxdata/influxdb/v1"
from(bucket: ${this.connection.bucket})
  |> range(start: ${new Date(query.from)}, stop: ${new Date(query.to)})
  |> filter(fn: (r) => r._measurement == ${MEASUREMENT['vessel-fix']} and r.vessel == ${query.vessel})
  |> filter(fn: (r) => r._time < ${new Date(query.to)})
  ${fields}
  |> v1.fieldsAsCols()
  |> group()
  |> sort(columns: ["_time", "source", "key"])
  ${limit}`,
      'query a track',
    );
  }

  async fixesBetween(query: { from: number; to: number }): Promise<VesselFix[]> {
    if (query.from >= query.to) return [];
    // As in track: the second filter keeps a point at the stop time out on 1.8.
    const rows = await this.rows(
      flux`import "influxdata/influxdb/v1"
from(bucket: ${this.connection.bucket})
  |> range(start: ${new Date(query.from)}, stop: ${new Date(query.to)})
  |> filter(fn: (r) => r._measurement == ${MEASUREMENT['vessel-fix']})
  |> filter(fn: (r) => r._time < ${new Date(query.to)})
  |> v1.fieldsAsCols()
  |> group()
  |> sort(columns: ["_time", "source", "key"])`,
      'query fixes',
    );
    return rows.map(fixFromRow);
  }

  async observations(query: ObservationQuery): Promise<ObservationRow[]> {
    checkObservationQuery(query);
    if (query.from >= query.to || query.limit === 0 || query.variables?.length === 0 || query.qc?.length === 0) return [];
    const [from, to] = [new Date(query.from), new Date(query.to)];
    const variables = query.variables ? flux`|> filter(fn: (r) => contains(value: r.variable, set: ${[...query.variables]}))` : NOTHING;
    const qc = query.qc ? flux`|> filter(fn: (r) => contains(value: r.qc, set: ${[...query.qc]}))` : NOTHING;
    const limit = query.limit === undefined ? NOTHING : flux`|> limit(n: ${query.limit})`;
    const select = flux`from(bucket: ${this.connection.bucket})
  |> range(start: ${from}, stop: ${to})
  |> filter(fn: (r) => r._measurement == ${MEASUREMENT['buoy-observation']} and r.device == ${query.deviceId})
  ${variables}`;

    if (query.every === undefined) {
      // range() includes its stop on InfluxDB 1.8: the _time filter makes [from, to) hold on both.
      const rows = await this.rows(
        flux`import "influxdata/influxdb/v1"
${select}
  |> filter(fn: (r) => r._time < ${to})
  |> v1.fieldsAsCols()
  ${qc}
  |> group()
  |> sort(columns: ${FLUX_OBSERVATION_ORDER})
  ${limit}`,
        'query observations',
      );
      return rows.map((row) => ({ ...observationRowFrom(row), qc: row.qc as number })).sort(byObservationOrder);
    }

    // aggregateWindow cuts windows at the range's bounds and stamps each with its start
    // (timeSrc), so the range is widened to whole buckets (the epoch-aligned ones the embedded
    // store computes) and [from, to) applied by a filter. Flux 0.65 cannot join a selector's
    // windows (min, max, last) with another aggregate's, so the counts are a second answer.
    const every = query.every;
    const bucketed = (fn: FluxParameterLike, name: string) => flux`data
  |> aggregateWindow(every: ${fluxDuration(`${every}ms`)}, fn: ${fn}, column: "value", timeSrc: "_start", createEmpty: false)
  |> group()
  |> sort(columns: ${FLUX_OBSERVATION_ORDER})
  ${limit}
  |> yield(name: ${name})`;
    const rows = await this.rows(
      flux`import "influxdata/influxdb/v1"
data = from(bucket: ${this.connection.bucket})
  |> range(start: ${new Date(Math.floor(query.from / every) * every)}, stop: ${new Date(Math.ceil(query.to / every) * every)})
  |> filter(fn: (r) => r._measurement == ${MEASUREMENT['buoy-observation']} and r.device == ${query.deviceId})
  ${variables}
  |> filter(fn: (r) => r._time >= ${from} and r._time < ${to})
  |> v1.fieldsAsCols()
  ${qc}
  |> group(columns: ["_start", "_stop", "variable", "depth", "sensor", "unit"])
${bucketed(FLUX_AGGREGATE[query.fn ?? 'mean'], 'aggregate')}
${bucketed(fluxExpression('count'), 'count')}`,
      'query observation buckets',
    );
    const bucketKey = (row: FluxRow) => [row._time, row.variable, row.depth, row.sensor, row.unit].join('\u0000');
    const counts = new Map(rows.filter((r) => r.result === 'count').map((r) => [bucketKey(r), r.value as number]));
    return rows
      .filter((r) => r.result === 'aggregate')
      .map((row) => ({ ...observationRowFrom(row), count: counts.get(bucketKey(row)) as number }))
      .sort(byObservationOrder);
  }

  async latestObservations(query: LatestObservationQuery = {}): Promise<BuoyObservation[]> {
    if (query.deviceIds?.length === 0) return [];
    const devices = query.deviceIds ? flux`|> filter(fn: (r) => contains(value: r.device, set: ${[...query.deviceIds]}))` : NOTHING;
    // last() per series and field straight after the filters, which InfluxDB (1.8 too) answers
    // without reading every point (anything in between makes it read them all); the pivot then
    // joins value, qc and unit by time.
    const rows = await this.rows(
      flux`import "influxdata/influxdb/v1"
from(bucket: ${this.connection.bucket})
  |> range(start: ${new Date(query.since ?? Date.now() - this.latestLookbackMs)}, stop: ${FAR_FUTURE})
  |> filter(fn: (r) => r._measurement == ${MEASUREMENT['buoy-observation']})
  ${devices}
  |> last()
  |> v1.fieldsAsCols()`,
      'query latest observations',
    );
    // A unit written at another time than the newest value (a point without one) is a row of its own: skipped.
    return rows
      .filter((row) => row.value != null)
      .map((row) => {
        const { time, variable, value, unit, depth, sensorIndex } = observationRowFrom(row);
        return { kind: 'buoy-observation', deviceId: row.device as string, time, variable, value, unit, depth, sensorIndex, qc: row.qc as number };
      });
  }

  async buoys(query: BuoyQuery = {}): Promise<BuoySummary[]> {
    if (query.deviceIds?.length === 0) return [];
    const devices = query.deviceIds ? flux`|> filter(fn: (r) => contains(value: r.device, set: ${[...query.deviceIds]}))` : NOTHING;
    // As in latestObservations: last() straight after the filters, so all time costs little.
    const rows = await this.rows(
      flux`from(bucket: ${this.connection.bucket})
  |> range(start: ${EPOCH}, stop: ${FAR_FUTURE})
  |> filter(fn: (r) => r._measurement == ${MEASUREMENT['buoy-observation']} and r._field == "value")
  ${devices}
  |> last()
  |> keep(columns: ["device", "_time"])`,
      'query buoys',
    );
    // One row per series: the device's newest is the latest of its series.
    const lastTime = new Map<string, number>();
    for (const row of rows) {
      const time = Date.parse(row._time as string);
      const device = row.device as string;
      if (time > (lastTime.get(device) ?? -Infinity)) lastTime.set(device, time);
    }
    return [...lastTime].map(([deviceId, time]) => ({ deviceId, lastTime: time }));
  }

  async count(kind: SeriesRecord['kind']): Promise<number> {
    const measurement = MEASUREMENT[kind];
    if (!measurement) throw new Error(`unknown record kind ${JSON.stringify(kind)}; known: ${Object.keys(MEASUREMENT).join(', ')}`);
    const rows = await this.rows(
      flux`from(bucket: ${this.connection.bucket})
  |> range(start: ${EPOCH}, stop: ${FAR_FUTURE})
  |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${COUNTED_FIELD[kind]})
  |> group()
  |> count()`,
      `count ${kind} records`,
    );
    return rows.length === 0 ? 0 : Number(rows[0]._value);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    let health: { status?: string; message?: string } | undefined;
    try {
      health = await this.client.transport.request('/health', '', { method: 'GET' });
    } catch (error) {
      throw storeError(error, this.connection.url, 'answer /health');
    }
    if (health?.status !== 'pass') {
      throw new StoreUnavailableError(`InfluxDB at ${this.connection.url} is not healthy: ${health?.message ?? JSON.stringify(health)}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.agent.destroy();
  }
}
