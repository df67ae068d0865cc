import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import type { Alert, AlertType } from '../../gateway/alerts/model.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/cli/serve.js';
import { encodeAisSentences, type AisInput } from '../../gateway/decoders/ais/encode.js';
import { hex2, xorChecksum } from '../../gateway/decoders/nmea/frame.js';
import { freePort } from '../support/net.js';

/** Shared by the behaviour-rule scenario tests: a real gateway fed AIS over its NMEA TCP port, and buoy frames over its WebSocket. */

export const SHORE_STATION = 'rizhao-ais-test';

export interface ScenarioGateway {
  /** The running gateway: a new one after `restart`. */
  gw: RunningGateway;
  /** Sends NMEA lines over one TCP connection and waits until the engine has evaluated `fixes` more fixes. */
  send(lines: readonly string[], fixes: number): Promise<void>;
  /**
   * Sends protobuf Envelopes over one WebSocket with a device token, as a buoy does, and waits until
   * the engine has evaluated `records` more observations and health reports.
   */
  sendFrames(token: string, frames: readonly Uint8Array[], records: number): Promise<void>;
  alerts(type: AlertType): Alert[];
  /** Stops the gateway and starts another on the same data directory and NMEA port, as a restart of `serve`. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** `options`: as startGateway's (rule settings over the defaults…), kept across `restart`. */
export async function startScenarioGateway(prefix: string, options: GatewayOptions = {}): Promise<ScenarioGateway> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const nmeaPort = await freePort();
  const start = () => startGateway(loadConfig({ TIDEWATCH_DATA_DIR: dir, TIDEWATCH_HTTP_PORT: '0', TIDEWATCH_NMEA_PORT: String(nmeaPort) }), silentLogger, options);
  const s: ScenarioGateway = {
    gw: await start(),
    async send(lines, fixes) {
      const { engine } = s.gw.rules;
      const target = engine.stats.fixes + engine.stats.lateFixes + fixes;
      const socket = connect(nmeaPort, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.end(`${lines.join('\r\n')}\r\n`);
      await until(`${fixes} fixes evaluated`, () => engine.stats.fixes + engine.stats.lateFixes >= target);
    },
    async sendFrames(token, frames, records) {
      const { engine } = s.gw.rules;
      const target = engine.stats.observations + engine.stats.health + records;
      const ws = new WebSocket(`${s.gw.url.replace('http', 'ws')}/ingest`, { headers: { Authorization: `Bearer ${token}` } });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      for (const frame of frames) ws.send(frame);
      await until(`${records} observations and health reports evaluated`, () => engine.stats.observations + engine.stats.health >= target);
      ws.close();
    },
    alerts: (type) => s.gw.alerts.list({ types: [type], limit: 100 }).alerts,
    async restart() {
      await s.gw.stop();
      s.gw = await start();
    },
    async stop() {
      await s.gw.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return s;
}

export async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A class A position report (type 1) as a shore station forwards it: NMEA 4.0 tag block with the
 * station and the receive time `c:` (unix seconds), which with the report's UTC second is the fix's
 * event time. `time` in ms, whole seconds.
 */
export function aisPositionLine(time: number, report: Omit<AisInput, 'type' | 'second'>): string {
  const [sentence] = encodeAisSentences({ type: 1, accuracy: false, raim: false, ...report, second: new Date(time).getUTCSeconds() });
  const params = `s:${SHORE_STATION},c:${Math.floor(time / 1000)}`;
  return `\\${params}*${hex2(xorChecksum(params, 0, params.length))}\\${sentence}`;
}

/** ms, whole seconds: event times of a scenario sit just before the wall clock (the pipeline refuses future fixes). */
export function wholeSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
