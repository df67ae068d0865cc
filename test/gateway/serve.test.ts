import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { createToken } from '../../gateway/auth/tokens.js';
import { startGateway, type RunningGateway } from '../../gateway/cli/serve.js';
import { encodeAisSentences } from '../../gateway/decoders/ais/index.js';
import { decodeEnvelope, encodeEnvelope } from '../../gateway/decoders/protobuf/index.js';
import { freePort, until } from '../support/net.js';

const NOW = Date.now();

describe('tidewatch serve: devices in, data out through the API', () => {
  let dir: string;
  let gw: RunningGateway;
  let nmeaPort: number;
  const tokens: Record<string, string> = {};
  const start = async () => {
    const config = loadConfig({ TIDEWATCH_DATA_DIR: dir, TIDEWATCH_HTTP_PORT: '0', TIDEWATCH_NMEA_PORT: String(nmeaPort) });
    gw = await startGateway(config, silentLogger);
  };
  const api = (path: string, token?: string) => fetch(`${gw.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidewatch-serve-'));
    nmeaPort = await freePort();
    await start();
    for (const role of ['regulator', 'researcher', 'admin'] as const) tokens[role] = createToken(gw.db, { role, name: `${role}-1` }).token;
    tokens.device = createToken(gw.db, { role: 'device', name: 'BUOY-RZ-007' }).token;
    gw.registry.upsert({ id: '鲁日渔60123', hullName: '鲁日渔60123', owner: '张三', identifiers: [{ key: 'mmsi:412325670' }] });
  });

  afterAll(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores AIS from a shore station over TCP and serves it as GeoJSON under the registered vessel', async () => {
    const socket = connect(nmeaPort, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const lines = [
      ...encodeAisSentences({ type: 1, mmsi: 412325670, lat: 35.3512, lon: 119.6021, sog: 8.2, cog: 92.4, heading: 93, second: new Date(NOW).getUTCSeconds() }),
      'garbage that is counted and skipped',
      ...encodeAisSentences({ type: 18, mmsi: 412440002, lat: 35.0912, lon: 119.4433, sog: 1.4, second: new Date(NOW).getUTCSeconds() }),
    ];
    socket.end(`${lines.join('\r\n')}\r\n`);
    const body = await until('two vessels', async () => {
      const b = (await (await api('/api/v1/positions/latest', tokens.regulator)).json()) as { features: { properties: Record<string, unknown>; geometry: { coordinates: number[] } }[] };
      return b.features.length >= 2 ? b : undefined;
    });
    const registered = body.features.find((f) => f.properties.vessel === '鲁日渔60123')!;
    expect(registered.geometry.coordinates[0]).toBeCloseTo(119.6021, 5);
    expect(registered.properties).toMatchObject({ registered: true, mmsi: 412325670, hullName: '鲁日渔60123', sog: 8.2, source: 'ais' });
    expect(body.features.find((f) => f.properties.vessel === 'mmsi:412440002')?.properties).toMatchObject({ registered: false, mmsi: 412440002 });
    const bboxed = (await (await api('/api/v1/positions/latest?bbox=119.5,35.3,119.7,35.4', tokens.researcher)).json()) as { features: unknown[] };
    expect(bboxed.features).toHaveLength(1);
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toMatch(/tidewatch_rejected_total\{reason="framing"\} 1/);
  });

  it('acknowledges a buoy frame over WebSocket once durable, and counts its observations', async () => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/ingest`, { headers: { Authorization: `Bearer ${tokens.device}` } });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const ack = new Promise<Buffer>((r) => ws.once('message', (d) => r(d as Buffer)));
    ws.send(encodeEnvelope({ deviceId: 'BUOY-RZ-007', bootId: 1, seq: 1, sentTime: NOW, payload: { type: 'buoy-batch', observations: [{ time: NOW - 60_000, variable: 'sea_surface_temperature', value: 17.46 }] } }));
    const env = decodeEnvelope(new Uint8Array(await ack));
    expect(env).toMatchObject({ kind: 'envelope', payload: { type: 'ack', bootId: 1, ackedSeq: 1 } });
    ws.close();
    await until('the observation stored', async () => ((await gw.store.count('buoy-observation')) === 1 ? true : undefined));
  });

  it('refuses requests without a valid token, for the wrong role, and with bad parameters, saying why', async () => {
    expect((await api('/api/v1/positions/latest')).status).toBe(401);
    expect((await api('/api/v1/positions/latest', 'tw_wrong')).status).toBe(401);
    const forbidden = await api('/api/v1/vessels', tokens.device);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { message: string } }).error.message).toMatch(/device role/);
    const bad = await api('/api/v1/positions/latest?bbox=200,1,2,3', tokens.regulator);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'bad_parameter', parameter: 'bbox' } });
    expect((await api('/api/v1/vessels?mmsi=12', tokens.regulator)).status).toBe(400);
  });

  it('lists vessels with their latest position, hiding owners from researchers', async () => {
    const asRegulator = (await (await api('/api/v1/vessels?mmsi=412325670', tokens.regulator)).json()) as { vessels: Record<string, unknown>[] };
    expect(asRegulator.vessels).toHaveLength(1);
    expect(asRegulator.vessels[0]).toMatchObject({ id: '鲁日渔60123', owner: '张三', latest: { source: 'ais' } });
    const asResearcher = (await (await api('/api/v1/vessels?mmsi=412325670', tokens.researcher)).json()) as { vessels: Record<string, unknown>[] };
    expect(asResearcher.vessels[0].owner).toBeUndefined();
  });

  it('keeps everything across a restart', async () => {
    await gw.stop();
    await start();
    const health = (await (await api('/health')).json()) as { status: string; store: { kind: string } };
    expect(health).toMatchObject({ status: 'ok', store: { kind: 'embedded' } });
    const body = (await (await api('/api/v1/positions/latest', tokens.admin)).json()) as { features: unknown[] };
    expect(body.features).toHaveLength(2);
    expect(await gw.store.count('buoy-observation')).toBe(1);
  });
});

describe('README command one: serve --simulate', () => {
  it('prints a URL and a token, and the fleet shows up in /api/v1/positions/latest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidewatch-demo-'));
    const [httpPort, nmeaPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist', 'gateway', 'cli', 'main.js'), 'serve', '--simulate', '--vessels', '12'], {
      env: { ...process.env, TIDEWATCH_DATA_DIR: dir, TIDEWATCH_HTTP_PORT: String(httpPort), TIDEWATCH_NMEA_PORT: String(nmeaPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const token = await until('the printed token', async () => /Admin token for this session: (tw_\S+)/.exec(out)?.[1], 30_000);
      expect(out).toContain(`http://127.0.0.1:${httpPort}`);
      const count = await until(
        'at least 8 simulated vessels',
        async () => {
          const r = await fetch(`http://127.0.0.1:${httpPort}/api/v1/positions/latest`, { headers: { Authorization: `Bearer ${token}` } });
          const n = ((await r.json()) as { features: unknown[] }).features.length;
          return n >= 8 ? n : undefined;
        },
        60_000,
      );
      expect(count).toBeGreaterThanOrEqual(8);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
