import { parseArgs } from 'node:util';
import { type LinkEvent, type SimulatorHandle, SimulatorError, startSimulator } from '../simulator/index.js';

export const SIMULATE_HELP = `Usage: tidewatch simulate [options]

Drives a simulated fleet of Rizhao fishing vessels and ocean buoys against a Tidewatch gateway,
over the gateway's real ports, exactly as the devices would:
  - AIS class A and B (types 1, 18, 5, 24) from shore station "rizhao-ais-1", NMEA 4.0 tag blocks,
    over TCP to the NMEA port;
  - Beidou RDSS short messages ($BDTXR, BF01 payload, five fixes each) from a command terminal,
    over TCP to the NMEA port;
  - Beidou 4G terminals' own RNSS NMEA (RMC + GGA every 30 s), one WebSocket each to /ingest;
  - buoys' protobuf Envelopes (10-minute observation batches, hourly health), one WebSocket each
    to /ingest, resending whatever the gateway has not acknowledged after a reconnect.
Vessels leave port, fish (trawl, gillnet, purse seine, stow net), come home; a few switch their
transmitters off for a while, and one trawls inside a marine ranch with everything off.

Options:
  --url URL          gateway base URL (default: TIDEWATCH_URL, else http://127.0.0.1:8080)
  --nmea URL         NMEA TCP port, tcp://host:port (default: the --url host, port 10110)
  --token T          device token sent as "Authorization: Bearer T" (default: TIDEWATCH_TOKEN)
  --vessels N        fleet size (default 40)
  --buoys M          buoys (default 4: two marine-ranch, two offshore)
  --speed X          world speed (default 1 = real time); see below
  --seed S           random seed: the same seed gives the same fleet and traffic (default 1)
  --duration SEC     stop after SEC seconds of wall time (default: run until Ctrl-C)
  -h, --help         show this help

Speed: every timestamp is wall time and every device keeps its real reporting interval in wall
time; the world (motion, trips, daily cycles) runs X times faster. At --speed 60 a day passes in
24 minutes, and a vessel reporting 9 kn moves 540 kn worth between reports: expect the gateway's
implied-speed checks to flag positions above a few times real time.
`;

const MINUTE = 60_000;

interface Parsed {
  url: string;
  nmea: string;
  token: string | undefined;
  vessels: number;
  buoys: number;
  speed: number;
  seed: number;
  duration: number | undefined;
}

function parse(argv: string[]): Parsed {
  // strict: unknown options and stray arguments are errors.
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      nmea: { type: 'string' },
      token: { type: 'string' },
      vessels: { type: 'string' },
      buoys: { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      duration: { type: 'string' },
    },
    strict: true,
  });
  const number = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new SimulatorError(`--${name} ${JSON.stringify(text)} is not a number`);
    return n;
  };
  const url = values.url ?? process.env.TIDEWATCH_URL ?? 'http://127.0.0.1:8080';
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new SimulatorError(`--url ${JSON.stringify(url)} is not a URL; expected e.g. http://127.0.0.1:8080`);
  }
  const duration = values.duration === undefined ? undefined : number('duration', values.duration, 0);
  if (duration !== undefined && !(duration > 0)) throw new SimulatorError('--duration must be a number of seconds above 0');
  return {
    url,
    nmea: values.nmea ?? `tcp://${host}:10110`,
    token: values.token ?? process.env.TIDEWATCH_TOKEN,
    vessels: number('vessels', values.vessels, 40),
    buoys: number('buoys', values.buoys, 4),
    speed: number('speed', values.speed, 1),
    seed: number('seed', values.seed, 1),
    duration,
  };
}

function describeFleet(h: SimulatorHandle): string {
  const f = h.fleet;
  const n = (test: (v: (typeof f)[number]) => boolean) => f.filter(test).length;
  return (
    `${f.length} vessels (AIS class A ${n((v) => v.ais?.class === 'A')}, class B ${n((v) => v.ais?.class === 'B')}, ` +
    `no AIS ${n((v) => !v.ais)}; Beidou RDSS ${n((v) => v.beidou.link === 'rdss')}, Beidou 4G ${n((v) => v.beidou.link === 'rnss-4g')}), ` +
    `${h.buoys.length} buoys`
  );
}

export async function runSimulate(argv: string[]): Promise<number> {
  let args: Parsed;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`tidewatch simulate: ${err instanceof Error ? err.message : String(err)}\n\nRun 'tidewatch simulate --help' for the options.\n`);
    return 2;
  }
  const say = (text: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
  const fail = (text: string) => process.stderr.write(`tidewatch simulate: ${text}\n`);
  if (!args.token && args.vessels + args.buoys > 0) {
    fail('a device token is needed for the gateway\'s /ingest WebSocket: give --token or set TIDEWATCH_TOKEN');
    return 2;
  }

  let refusal: string | undefined;
  let settle: () => void = () => {};
  const finished = new Promise<void>((resolve) => (settle = resolve));
  // WebSocket devices are many: their events are summed up below, not printed one by one.
  let lastDeviceTrouble: string | undefined;
  const onEvent = (e: LinkEvent) => {
    const tcp = e.link.startsWith('tcp ');
    if (e.type === 'refused') {
      refusal = `the gateway refused the device token (HTTP ${e.status}) for ${e.link}: check --token or TIDEWATCH_TOKEN`;
      settle();
    } else if (tcp) {
      if (e.type === 'connected') say(`${e.link}: connected to ${args.nmea}`);
      else say(`${e.link}: ${e.type === 'unreachable' ? 'cannot connect' : 'disconnected'} (${e.reason}); retrying`);
    } else if (e.type !== 'connected') {
      lastDeviceTrouble = e.type === 'unreachable' ? `cannot connect: ${e.reason}` : `disconnected: ${e.reason}`;
    }
  };

  let handle: SimulatorHandle;
  try {
    say(`connecting to ${args.url} and ${args.nmea}…`);
    handle = await startSimulator({ url: args.url, nmea: args.nmea, token: args.token ?? '', vessels: args.vessels, buoys: args.buoys, speed: args.speed, seed: args.seed, onEvent });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
    return 1;
  }
  say(`simulating ${describeFleet(handle)} at speed ${args.speed}×, seed ${args.seed}${args.duration ? `, for ${args.duration} s` : ''}`);

  let connectedShown = -1;
  const connections = setInterval(() => {
    const s = handle.stats();
    if (s.devicesConnected === connectedShown && !lastDeviceTrouble) return;
    connectedShown = s.devicesConnected;
    say(`websocket devices: ${s.devicesConnected}/${s.devices} connected${lastDeviceTrouble ? ` (last trouble: ${lastDeviceTrouble})` : ''}`);
    lastDeviceTrouble = undefined;
  }, 2000);
  let previous = handle.stats();
  const perMinute = setInterval(() => {
    const s = handle.stats();
    say(
      `last minute: ${s.aisSentences - previous.aisSentences} AIS sentences, ${s.rdssMessages - previous.rdssMessages} RDSS messages, ` +
        `${s.rnssMessages - previous.rnssMessages} RNSS messages, ${s.buoyBatches - previous.buoyBatches} buoy batches, ` +
        `${s.healthFrames - previous.healthFrames} health frames; acked ${s.framesAcked - previous.framesAcked}, ` +
        `resent ${s.framesResent - previous.framesResent}, unacked ${s.framesUnacked}`,
    );
    previous = s;
  }, MINUTE);
  const timeout = args.duration === undefined ? undefined : setTimeout(settle, args.duration * 1000);
  const onSignal = () => settle();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  await finished;
  clearInterval(connections);
  clearInterval(perMinute);
  if (timeout) clearTimeout(timeout);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await handle.stop();
  if (refusal) {
    fail(refusal);
    return 1;
  }
  const s = handle.stats();
  say(
    `stopped: ${s.aisSentences} AIS sentences, ${s.rdssMessages} RDSS messages, ${s.rnssMessages} RNSS messages, ` +
      `${s.buoyBatches} buoy batches, ${s.healthFrames} health frames sent; ${s.framesAcked} frames acked, ${s.framesResent} resent, ${s.dropped} dropped`,
  );
  return 0;
}
