import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/log.js';
import { isoTime } from '../../core/schemas.js';
import { AlertStore } from '../alerts/store.js';
import { openConfigDb } from '../configdb/database.js';
import { VesselRegistry } from '../registry/registry.js';
import { loadBanCalendar } from '../rules/index.js';
import { replayHistory, ReplayError } from '../rules/replay.js';
import { openSeriesStore } from '../store/index.js';
import { ZoneStore } from '../zones/store.js';
import { ProgressBar } from './progress.js';

export const RULES_HELP = `Usage: tidewatch rules replay --from TIME --to TIME [--zone ID] [--progress]

Re-evaluates the stored fixes in [--from, --to) with the rules, each fix against the zone versions
in force at its own time — e.g. after a no-fishing zone was added — and raises what they find into
the alerts (served by the API). Incidents already raised, live or by an earlier replay, are not
raised again: running the same replay twice adds nothing. Port visits found are stored too.

Reads the store 'serve' writes (TIDEWATCH_INFLUX_URL, else the embedded store under
TIDEWATCH_DATA_DIR) and the configuration database there; it may run while 'serve' runs.

Options:
  --from TIME   start, ISO 8601 with a zone (2026-05-01T00:00:00+08:00) or a date (UTC midnight)
  --to TIME     end (excluded), same forms
  --zone ID     only the zone rules (zone enter/exit, port visits), for this zone only
  --progress    force the progress bar on stderr (default: on when stderr is a terminal)
  -h, --help    show this help

Exit status: 0 done (a summary on stdout); 1 the store failed; 2 usage or configuration error.
`;

class UsageError extends Error {}

function timeOption(name: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  const parsed = isoTime.safeParse(value);
  if (!parsed.success) throw new UsageError(`--${name} ${JSON.stringify(value)}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

export async function runRules(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  let options: { from: number; to: number; zoneId?: number; progress: boolean };
  try {
    if (action !== 'replay') throw new UsageError(action === undefined ? 'say what to do: replay' : `unknown action '${action}'; expected replay`);
    const { values } = parseArgs({ args: rest, options: { from: { type: 'string' }, to: { type: 'string' }, zone: { type: 'string' }, progress: { type: 'boolean', default: false } } });
    const zone = values.zone;
    if (zone !== undefined && !/^[1-9]\d{0,15}$/.test(zone)) throw new UsageError(`--zone takes a zone id (a positive integer), not ${JSON.stringify(zone)}`);
    options = { from: timeOption('from', values.from), to: timeOption('to', values.to), progress: values.progress, ...(zone !== undefined ? { zoneId: Number(zone) } : {}) };
    if (options.to <= options.from) throw new UsageError('--to must be after --from');
  } catch (e) {
    if (!(e instanceof UsageError) && !String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw e;
    process.stderr.write(`tidewatch rules: ${(e as Error).message}\n\nRun 'tidewatch rules --help' for usage.\n`);
    return 2;
  }

  let config;
  let calendar;
  try {
    config = loadConfig();
    calendar = loadBanCalendar(config.banCalendar);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`tidewatch rules: ${e.message}\n`);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  const db = openConfigDb(config.dataDir);
  const store = openSeriesStore(config);
  const progress = options.progress || process.stderr.isTTY === true ? new ProgressBar(process.stderr, options.to - options.from) : undefined;
  let reached = options.from;
  const started = Date.now();
  try {
    const summary = await replayHistory({
      store,
      db,
      registry: new VesselRegistry(db),
      zones: new ZoneStore(db),
      alerts: new AlertStore(db),
      calendar,
      logger,
      from: options.from,
      to: options.to,
      ...(options.zoneId !== undefined ? { zoneId: options.zoneId } : {}),
      onProgress: (time, fixes) => {
        progress?.advance(time - reached);
        progress?.lines(fixes);
        reached = time;
      },
    });
    progress?.clear();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `replayed ${summary.fixes.toLocaleString('en')} fixes from ${new Date(options.from).toISOString()} to ${new Date(options.to).toISOString()}` +
        `${options.zoneId !== undefined ? ` against zone ${options.zoneId}` : ''} in ${seconds} s\n` +
        `  new alerts raised:               ${summary.raised}\n` +
        `  incidents already raised (kept): ${summary.known}\n` +
        `  late fixes not evaluated:        ${summary.lateFixes}\n`,
    );
    return 0;
  } catch (e) {
    progress?.clear();
    process.stderr.write(`tidewatch rules: ${(e as Error).message}\n`);
    return e instanceof ReplayError ? 2 : 1;
  } finally {
    await store.close();
    db.close();
  }
}
