import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import { createToken } from '../../gateway/auth/tokens.js';
import { startGateway, type RunningGateway } from '../../gateway/cli/serve.js';
import { buildSentence, bytesToHex, defaultCodecRegistry, encodeBf01, normaliseCard } from '../../gateway/decoders/beidou/index.js';
import { DEFAULT_BAN_CALENDAR } from '../../gateway/rules/ban-calendar.js';
import { TERMINAL_MODELS } from '../../gateway/simulator/index.js';
import { HOUR, METRES_PER_NM, MINUTE, offset } from './behaviour-support.js';
import { aisPositionLine, until } from './scenario-support.js';
import { freePort } from '../support/net.js';

/**
 * Issue 5 §4: "a purse seiner at sea on the first day of the ban while a permitted vessel is not
 * flagged" — and a vessel in port is not flagged either. Real sentences over the NMEA TCP port: the
 * purse seiner reports by Beidou RDSS ($BDTXR carrying BF01, as the simulator's terminals do), the
 * others by AIS through a shore station; event times are 2026-05-01 Beijing time (tag blocks and
 * BF01 times), the ban beginning at 12:00. The permit comes from a bureau's calendar file.
 */

const PORT = { lat: 35.37, lon: 119.56 };
/** 2026-05-01 12:00 Beijing time. */
const BAN_START = Date.parse('2026-05-01T04:00:00Z');
const T0 = BAN_START - 2 * HOUR;
const SEINER = { id: '鲁日渔60201', card: '0312345' };
const PERMITTED = { id: '鲁日渔60202', mmsi: 412000202 };
const MOORED = { id: '鲁日渔60203', mmsi: 412000203 };

/** Leaves the berth at T0 + 10 min, steaming east at 10 kn; a fix every 10 min until T0 + 3 h. */
function voyage(): { time: number; lat: number; lon: number }[] {
  return Array.from({ length: 19 }, (_, i) => {
    const t = i * 10 * MINUTE;
    const run = Math.max(0, t - 10 * MINUTE);
    return { time: T0 + t, ...offset(PORT.lat, PORT.lon, (10 * METRES_PER_NM * run) / HOUR, 90) };
  });
}

describe('scenario: the first day of the summer fishing ban', () => {
  let dir: string;
  let gw: RunningGateway;
  let nmeaPort: number;
  let token: string;
  let portId: number;
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${gw.url}${path}`, { ...init, headers: { 'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const send = async (lines: string[]) => {
    const engine = gw.rules.engine;
    const target = engine.stats.fixes + engine.stats.lateFixes + lines.length;
    const socket = connect(nmeaPort, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.end(`${lines.join('\r\n')}\r\n`);
    await until(`${lines.length} fixes evaluated`, () => engine.stats.fixes + engine.stats.lateFixes >= target);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidewatch-ban-'));
    nmeaPort = await freePort();
    const calendarFile = join(dir, 'ban-calendar.json');
    writeFileSync(calendarFile, JSON.stringify({ ...DEFAULT_BAN_CALENDAR, permits: [{ vessel: PERMITTED.id, from: '2026-05-01T00:00:00+08:00', to: '2026-06-01T00:00:00+08:00', note: '专项捕捞许可 鲁渔特许〔2026〕7号' }] }));
    const sim = TERMINAL_MODELS.rdss;
    gw = await startGateway(
      loadConfig({ TIDEWATCH_DATA_DIR: dir, TIDEWATCH_HTTP_PORT: '0', TIDEWATCH_NMEA_PORT: String(nmeaPort), TIDEWATCH_BAN_CALENDAR: calendarFile }),
      silentLogger,
      { codecs: defaultCodecRegistry({ bf01: { speedToKnots: sim.speedToKnots }, models: { [sim.model]: sim.codec } }) },
    );
    token = createToken(gw.db, { role: 'regulator', name: 'harbour-office' }).token;
    gw.registry.upsert({ id: SEINER.id, gearType: 'purse-seine', terminalModel: sim.model, identifiers: [{ key: `bds:${normaliseCard(SEINER.card)}` }] });
    gw.registry.upsert({ id: PERMITTED.id, gearType: 'trawl', identifiers: [{ key: `mmsi:${PERMITTED.mmsi}` }] });
    gw.registry.upsert({ id: MOORED.id, gearType: 'gillnet', identifiers: [{ key: `mmsi:${MOORED.mmsi}` }] });
    const port = { type: 'Feature', geometry: { type: 'Circle', center: [PORT.lon, PORT.lat], radius: 1500 }, properties: { name: '日照港', kind: 'port', severity: 'info' } };
    const created = await api(`/api/v1/geofences?effectiveFrom=2026-04-01T00:00:00Z`, { method: 'POST', body: JSON.stringify(port) });
    expect(created.status).toBe(201);
    portId = created.body.id;

    const rdss = voyage().map((p) =>
      buildSentence('BDTXR', [1, SEINER.card, 1, '', bytesToHex(encodeBf01([{ time: p.time, lat: p.lat, lon: p.lon, altitude: 5, sog: 10, heading: 90 }], { terminalId: Number(SEINER.card), speedToKnots: sim.speedToKnots }))]),
    );
    const permitted = voyage().map((p) => aisPositionLine(p.time, { mmsi: PERMITTED.mmsi, navStatus: 7, lat: p.lat + 0.01, lon: p.lon, sog: 10, cog: 90, heading: 90 }));
    const moored = voyage().map((p) => aisPositionLine(p.time, { mmsi: MOORED.mmsi, navStatus: 5, lat: PORT.lat - 0.002, lon: PORT.lon, sog: 0 }));
    await send([...rdss, ...permitted, ...moored]);
  });

  afterAll(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('flags the purse seiner once, from the ban’s first minute, with its Beidou fixes as evidence', async () => {
    const { body } = await api('/api/v1/alerts?type=ban_at_sea');
    expect(body.alerts).toHaveLength(1);
    const [alert] = body.alerts;
    expect(alert).toMatchObject({ vessel: SEINER.id, severity: 'critical', status: 'open', ongoing: true, startTime: '2026-05-01T04:00:00.000Z', details: { gear: 'purse-seine', banEnd: '2026-09-01T04:00:00.000Z' } });
    const evidence = (await api(`/api/v1/alerts/${alert.id}`)).body.evidence;
    expect(evidence[0]).toMatchObject({ source: 'bds-rdss', key: `bds:${normaliseCard(SEINER.card)}`, time: '2026-05-01T04:00:00.000Z' });
  });

  it('does not flag the permitted trawler at sea nor the gillnetter in port', async () => {
    const { body } = await api('/api/v1/alerts?type=ban_at_sea');
    expect(body.alerts.map((a: { vessel: string }) => a.vessel)).toEqual([SEINER.id]);
  });

  it('records the departures and counts, for the ban’s first day, one vessel in port and two at sea', async () => {
    const departures = (await api('/api/v1/alerts?type=port_departure')).body.alerts.map((a: { vessel: string }) => a.vessel).sort();
    expect(departures).toEqual([SEINER.id, PERMITTED.id].sort());
    const visits = (await api(`/api/v1/port-visits?port=${portId}`)).body.visits;
    expect(visits.map((v: { vessel: string; inPort: boolean }) => [v.vessel, v.inPort]).sort()).toEqual([
      [SEINER.id, false],
      [PERMITTED.id, false],
      [MOORED.id, true],
    ].sort());
    const counts = await api('/api/v1/ban-calendar/daily-counts?from=2026-05-01&to=2026-05-01');
    expect(counts.body).toEqual({
      timezone: 'Asia/Shanghai',
      headcountTime: '12:00',
      days: [{ date: '2026-05-01', time: '2026-05-01T04:00:00.000Z', ban: true, ports: [{ id: portId, name: '日照港', inPort: 1, atSea: 2 }] }],
    });
  });

  it('serves the calendar in force, its permit included', async () => {
    const { body } = await api('/api/v1/ban-calendar?year=2026');
    expect(body.seasons[0]).toMatchObject({ area: 'bohai-yellow-sea-north-of-35n', gears: ['*'], exemptGears: ['hook-and-line'], start: '2026-05-01T04:00:00.000Z', end: '2026-09-01T04:00:00.000Z' });
    expect(body.calendar.permits).toEqual([{ vessel: PERMITTED.id, from: '2026-04-30T16:00:00.000Z', to: '2026-05-31T16:00:00.000Z', note: '专项捕捞许可 鲁渔特许〔2026〕7号' }]);
    expect((await api('/api/v1/ban-calendar?year=twenty')).status).toBe(400);
    expect((await api('/api/v1/ban-calendar/daily-counts?from=2026-05-01&to=2027-06-01')).body.error).toMatchObject({ code: 'bad_parameter', parameter: 'to' });
  });
});
