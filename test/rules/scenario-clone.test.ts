import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPreciseDistance } from 'geolib';
import type { VesselFix } from '../../core/records.js';
import { HOUR, METRES_PER_NM, MINUTE, offset, SECOND } from './behaviour-support.js';
import { aisPositionLine, startScenarioGateway, wholeSecond, type ScenarioGateway } from './scenario-support.js';

/**
 * Issue 5 §4: "a cloned MMSI" (套牌). The registered trawler and a second hull transmitting the same
 * MMSI 30 nm away, both heard by one shore station, as real AIS sentences over the NMEA TCP port.
 */

const HULL = '鲁日渔60123';
const MMSI = 412325670;

describe('scenario: cloned MMSI', () => {
  let s: ScenarioGateway;
  const T0 = wholeSecond(Date.now()) - 20 * MINUTE;

  beforeAll(async () => {
    s = await startScenarioGateway('tidewatch-clone-');
    s.gw.registry.upsert({ id: HULL, hullName: HULL, gearType: 'trawl', identifiers: [{ key: `mmsi:${MMSI}` }] });
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('raises one identity_clash for one MMSI heard from two places 30 nm apart', async () => {
    const genuineStart = { lat: 35.25, lon: 119.75 };
    const cloneStart = offset(genuineStart.lat, genuineStart.lon, 30 * METRES_PER_NM, 160);
    const lines: string[] = [];
    // Ten minutes of both transmitting every 10 s, 5 s apart.
    for (let t = 0; t < 10 * MINUTE; t += 10 * SECOND) {
      const genuine = offset(genuineStart.lat, genuineStart.lon, (9 * METRES_PER_NM * t) / HOUR, 80);
      const clone = offset(cloneStart.lat, cloneStart.lon, (7 * METRES_PER_NM * t) / HOUR, 300);
      lines.push(aisPositionLine(T0 + t, { mmsi: MMSI, navStatus: 7, lat: genuine.lat, lon: genuine.lon, sog: 9, cog: 80, heading: 80 }));
      lines.push(aisPositionLine(T0 + t + 5 * SECOND, { mmsi: MMSI, navStatus: 7, lat: clone.lat, lon: clone.lon, sog: 7, cog: 300, heading: 300 }));
    }
    await s.send(lines, lines.length);

    const clashes = s.alerts('identity_clash');
    expect(clashes).toHaveLength(1);
    expect(clashes[0]).toMatchObject({ vessel: HULL, severity: 'critical', ongoing: true, details: { clash: 'clone', identifier: `mmsi:${MMSI}` } });
    expect(clashes[0].startTime).toBeLessThan(T0 + MINUTE);
    const evidence = s.gw.alerts.get(clashes[0].id)!.evidence as VesselFix[];
    const [home, away] = evidence;
    const apartM = getPreciseDistance({ latitude: home.lat, longitude: home.lon }, { latitude: away.lat, longitude: away.lon });
    expect(Math.abs(apartM - 30 * METRES_PER_NM)).toBeLessThan(3 * METRES_PER_NM);
    // Its first hops looked like a position jump until the clash explained them: that alert has ended, saying so.
    expect(s.alerts('position_jump')).toMatchObject([{ vessel: HULL, ongoing: false, details: { explainedBy: 'identity_clash', identifier: `mmsi:${MMSI}` } }]);
  });
});
