import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../../core/config.js';
import { createLogger, type Logger } from '../../core/log.js';
import { attachLive, LIVE_PATH } from '../../api/live.js';
import { createApi } from '../../api/server.js';
import { createToken, listTokens, revokeToken } from '../auth/tokens.js';
import { openConfigDb, type ConfigDb } from '../configdb/database.js';
import { GatewayMetrics } from '../metrics.js';
import { FrameSequences } from '../pipeline/dedupe.js';
import { LatestPositions } from '../pipeline/latest-positions.js';
import { LiveBus } from '../pipeline/live-bus.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { VesselRegistry, type IdentifierBinding } from '../registry/registry.js';
import { createFleet, simulatedTerminalIntervals, startSimulator, TERMINAL_MODELS, type SimulatorHandle, type VesselProfile } from '../simulator/index.js';
import { defaultCodecRegistry, normaliseCard, type CodecRegistry } from '../decoders/beidou/index.js';
import { Spool } from '../store/spool.js';
import { AlertStore } from '../alerts/store.js';
import { ZoneStore } from '../zones/store.js';
import { DEFAULT_DARK_CONFIG } from '../rules/dark.js';
import { loadBanCalendar, startLiveRules, type LiveRules, type RulesConfig } from '../rules/index.js';
import { ensureDatabase, openSeriesStore, type SeriesStore } from '../store/index.js';
import { startNmeaTcp } from '../transports/nmea-tcp.js';
import { startNmeaUdp } from '../transports/nmea-udp.js';
import { attachWsIngest } from '../transports/ws-ingest.js';
import { readVersion } from './version.js';

export const SERVE_HELP = `Usage: tidewatch serve [--simulate] [options]

Runs the gateway (WebSocket ingest at /ingest, NMEA over TCP and UDP), the API (/api/v1, /health,
/metrics) and the viewer in one process, storing into InfluxDB when TIDEWATCH_INFLUX_URL is set and
into the embedded store under TIDEWATCH_DATA_DIR otherwise. Settings: TIDEWATCH_* environment
variables (see the README). Stops cleanly on Ctrl-C: nothing accepted is lost.

Options:
  --simulate          also run the built-in Rizhao fleet and buoy simulator against this gateway,
                      and print a ready-made admin token for the API and the map
  --vessels N         simulated vessels (default 40)
  --buoys N           simulated buoys (default 4)
  --speed X           simulated time per wall-clock time (default 1)
  -h, --help          show this help
`;

/** Name of the admin token `serve --simulate` prints; the previous one is revoked at each start. */
const DEMO_TOKEN_NAME = 'demo-session';
const SIMULATION_SEED = 1;
/** ms between the rules engine's clock ticks (silences: dark, device offline; incidents whose vessels are not heard again end). */
const RULES_TICK_MS = 5000;

export interface RunningGateway {
  url: string;
  nmeaPort?: number;
  store: SeriesStore;
  spool: Spool;
  pipeline: Pipeline;
  registry: VesselRegistry;
  /** The alert store the API serves and the live socket pushes changes of. */
  alerts: AlertStore;
  /** The rules engine, fed by the live bus and ticked by a timer. */
  rules: LiveRules;
  db: ConfigDb;
  stop(): Promise<void>;
}

/** Revoke the active tokens of a name, then create a new one (demo and simulator tokens are per start). */
function freshToken(db: ConfigDb, name: string, role: 'admin' | 'device'): string {
  for (const t of listTokens(db)) if (t.name === name && t.revokedAt === undefined) revokeToken(db, t.id);
  return createToken(db, { name, role }).token;
}

/** The simulated fleet goes into the registry as the bureau's register would have it: one vessel, all its identifiers. */
function registerFleet(registry: VesselRegistry, fleet: readonly VesselProfile[]): void {
  for (const v of fleet) {
    const identifiers: IdentifierBinding[] = [{ key: `bds:${normaliseCard(v.beidou.card) ?? v.beidou.card}`, terminalModel: v.beidou.model }];
    if (v.ais) identifiers.push({ key: `mmsi:${v.ais.mmsi}` });
    if (v.beidou.deviceId) identifiers.push({ key: `dev:${v.beidou.deviceId}` });
    registry.upsert({ id: v.hullName, hullName: v.hullName, name: v.aisName, gearType: v.gear, homePort: v.homePort, terminalModel: v.beidou.model, length: v.length, identifiers });
  }
}

/** Start every part; resolves once all listen. Used by `serve` and by end-to-end tests and benchmarks. */
export interface GatewayOptions {
  /** Payload codecs for Beidou short messages (default: the built-in registry). */
  codecs?: CodecRegistry;
  /** Rule settings over DESIGN §6's defaults. */
  rules?: Partial<RulesConfig>;
}

export async function startGateway(config: Config, logger: Logger, options: GatewayOptions = {}): Promise<RunningGateway> {
  // First: a calendar that does not load stops the start before anything is opened.
  const calendar = loadBanCalendar(config.banCalendar);
  const db = openConfigDb(config.dataDir);
  const registry = new VesselRegistry(db);
  const metrics = new GatewayMetrics();
  const store = openSeriesStore(config);
  if (config.influx?.bucket.includes('/')) {
    // InfluxDB 1.8 needs its database created; 2.x buckets are made by their admin.
    await ensureDatabase(config.influx).catch((e: Error) => logger.warn('could not create the InfluxDB database; data is spooled until it exists', { error: e.message }));
  }
  const spool = await Spool.open({ dir: join(config.dataDir, 'spool'), store, logger });
  const bus = new LiveBus();
  const pipeline = new Pipeline({ codecs: options.codecs, writer: spool, registry, sequences: new FrameSequences(db), bus, metrics, logger: logger.child({ component: 'pipeline' }) });
  metrics.gauge('tidewatch_spool_backlog_records', 'Records spooled on disk and not yet in the store', () => spool.stats().backlogRecords);
  metrics.gauge('tidewatch_spool_backlog_bytes', 'Bytes spooled on disk and not yet in the store', () => spool.stats().backlogBytes);
  metrics.gauge('tidewatch_stored_records', 'Records written to the store since start', () => spool.stats().storedRecords);
  metrics.gauge('tidewatch_store_up', '1 while the store accepts writes', () => (spool.stats().storeUp ? 1 : 0));
  metrics.gauge('tidewatch_store_write_latency_seconds', 'Duration of the last store write', () => spool.stats().lastStoreLatencyMs / 1000);

  const version = readVersion();
  const latest = LatestPositions.open(store, bus, logger.child({ component: 'latest-positions' }));
  const zones = new ZoneStore(db);
  const alerts = new AlertStore(db);
  const rules = startLiveRules({ db, registry, zones, alerts, calendar, metrics, latest, logger: logger.child({ component: 'rules' }), config: options.rules });
  // One transaction per batch of records and per tick, for all the alerts they raise or end.
  const unsubscribeRules = bus.subscribe((records) => alerts.batch(() => rules.engine.handle(records)));
  // The clock never runs behind the newest event seen: replayed or fast-forwarded data still times out.
  const rulesTick = setInterval(() => alerts.batch(() => rules.engine.tick(Math.max(Date.now(), rules.engine.newestEventTime))), RULES_TICK_MS);
  rulesTick.unref();
  const api = createApi({ corsOrigins: config.corsOrigins, db, registry, store, latest, zones, alerts, metrics, logger: logger.child({ component: 'api' }), version, health: () => ({ spool: spool.stats() }), rules, viewer: { style: config.viewerStyle } });
  const server: Server = createServer(api.callback());
  const ws = attachWsIngest(server, { db, sink: pipeline, logger: logger.child({ component: 'ws-ingest' }) });
  const live = attachLive(server, { db, bus, registry, alerts, metrics, logger: logger.child({ component: 'live' }) });
  // WebSocket upgrades to any other path get an answer instead of a hanging socket.
  server.on('upgrade', (req, socket) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/ingest' && path !== LIVE_PATH) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new ConfigError(e.code === 'EADDRINUSE' ? `port ${config.httpPort} on ${config.httpHost} is in use: set TIDEWATCH_HTTP_PORT to a free port` : `cannot listen on ${config.httpHost}:${config.httpPort}: ${e.message}`)),
    );
    server.listen(config.httpPort, config.httpHost, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  const url = `http://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${port}`;

  const nmea =
    config.nmeaPort === 0
      ? []
      : await Promise.all([
          startNmeaTcp({ host: config.nmeaHost, port: config.nmeaPort, allow: config.nmeaAllow, sink: pipeline, logger: logger.child({ component: 'nmea-tcp' }) }),
          startNmeaUdp({ host: config.nmeaHost, port: config.nmeaPort, allow: config.nmeaAllow, sink: pipeline, logger: logger.child({ component: 'nmea-udp' }) }),
        ]);
  logger.info('tidewatch is running', { url, store: store.kind, nmeaPort: config.nmeaPort || undefined, dataDir: config.dataDir, version });

  return {
    url,
    nmeaPort: nmea[0]?.address().port,
    store,
    spool,
    pipeline,
    registry,
    alerts,
    rules,
    db,
    async stop() {
      await Promise.all([ws.close(), live.close(), ...nmea.map((n) => n.close())]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await spool.close();
      clearInterval(rulesTick);
      unsubscribeRules();
      rules.close();
      await store.close();
      db.close();
    },
  };
}

export async function runServe(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { simulate: { type: 'boolean', default: false }, vessels: { type: 'string' }, buoys: { type: 'string' }, speed: { type: 'string' } },
    }));
  } catch (e) {
    process.stderr.write(`tidewatch serve: ${(e as Error).message}\n\n${SERVE_HELP}`);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    process.stderr.write(`tidewatch serve: ${(e as Error).message}\n`);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  let gateway: RunningGateway;
  try {
    // The simulated terminals are fictional models: a real deployment binds its own models to codecs
    // and report intervals. RDSS speaks BF01 with speed in 0.1 kn.
    const sim = TERMINAL_MODELS.rdss;
    gateway = await startGateway(
      config,
      logger,
      values.simulate
        ? {
            codecs: defaultCodecRegistry({ bf01: { speedToKnots: sim.speedToKnots }, models: { [sim.model]: sim.codec } }),
            rules: { dark: { ...DEFAULT_DARK_CONFIG, terminalIntervalMs: simulatedTerminalIntervals() } },
          }
        : {},
    );
  } catch (e) {
    process.stderr.write(`tidewatch serve: ${(e as Error).message}\n`);
    return e instanceof ConfigError ? 2 : 1;
  }

  let simulator: SimulatorHandle | undefined;
  if (values.simulate) {
    if (!gateway.nmeaPort) {
      process.stderr.write('tidewatch serve: --simulate needs the NMEA listener (TIDEWATCH_NMEA_PORT is 0)\n');
      await gateway.stop();
      return 2;
    }
    const deviceTokens = new Map<string, string>();
    const vessels = values.vessels === undefined ? 40 : Number(values.vessels);
    try {
      // Registered before the first report, so every fix lands on its vessel's track.
      registerFleet(gateway.registry, createFleet(SIMULATION_SEED, vessels));
      simulator = await startSimulator({
        url: gateway.url,
        nmea: `tcp://${config.nmeaHost}:${gateway.nmeaPort}`,
        token: (deviceId) => deviceTokens.get(deviceId) ?? deviceTokens.set(deviceId, freshToken(gateway.db, deviceId, 'device')).get(deviceId)!,
        vessels,
        buoys: values.buoys === undefined ? undefined : Number(values.buoys),
        speed: values.speed === undefined ? undefined : Number(values.speed),
        seed: SIMULATION_SEED,
      });
    } catch (e) {
      process.stderr.write(`tidewatch serve: the simulator could not start: ${(e as Error).message}\n`);
      await gateway.stop();
      return 2;
    }
    const token = freshToken(gateway.db, DEMO_TOKEN_NAME, 'admin');
    process.stdout.write(
      [
        '',
        `Tidewatch is running at ${gateway.url} with a simulated Rizhao fleet (${simulator.fleet.length} vessels, ${simulator.buoys.length} buoys).`,
        `Admin token for this session: ${token}`,
        `  Map: ${gateway.url}/?token=${token}`,
        `  Latest positions: curl -H 'Authorization: Bearer ${token}' ${gateway.url}/api/v1/positions/latest`,
        `  Health: ${gateway.url}/health    Metrics: ${gateway.url}/metrics`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } else {
    process.stdout.write(`Tidewatch is running at ${gateway.url}. Create an API token with: tidewatch token create --role regulator --name NAME\n`);
  }

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info('stopping');
  await simulator?.stop();
  await gateway.stop();
  return 0;
}
