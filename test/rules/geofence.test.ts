import { describe, expect, it } from 'vitest';
import type { VesselFix } from '../../core/records.js';
import type { FixRule, VesselContext } from '../../gateway/rules/rule.js';
import { fix, HOUR, MINUTE, SECOND, T0 } from './behaviour-support.js';
import { rectangle, zoneEngine, zoneVersion } from './zone-support.js';

/** A no-fishing rectangle off Rizhao: 119.6–119.75°E, 35.3–35.4°N. */
const BOX = rectangle(119.6, 35.3, 119.75, 35.4);
const NORTH_EDGE = 35.4;
/** ≈ 33 m of latitude: well inside the default 100 m exit margin. */
const WOBBLE = 0.0003;
const MMSI = 'mmsi:412000001';

/** A trawler running east along the northern edge, every fix hopping across the line: inside, outside, inside… */
function zigZag(start: number, count: number): VesselFix[] {
  return Array.from({ length: count }, (_, i) => fix(MMSI, start + i * 30 * SECOND, NORTH_EDGE + (i % 2 === 0 ? -WOBBLE : WOBBLE), 119.62 + i * 0.002, { sog: 11 }));
}

describe('geofence: zone_enter / zone_exit with hysteresis', () => {
  it('raises one alert for a vessel running along the line, and one exit when it really leaves', () => {
    const { sink, feed } = zoneEngine({ zones: [zoneVersion(1, BOX, { severity: 'critical' })] });
    const track = zigZag(T0, 50);
    feed(track);
    expect(sink.raised.map((r) => r.type)).toEqual(['zone_enter']);
    expect(sink.raised[0]).toMatchObject({ dedupeKey: `zone:1:${MMSI}:${T0}`, severity: 'critical', zoneId: 1, zoneVersion: 1, time: T0, evidence: [track[0]], details: { trigger: 'entered' } });
    expect(sink.ongoing()).toEqual([`zone:1:${MMSI}:${T0}`]);

    // Heads north: 550 m out is past the margin. It left at its first fix outside (the last of the zig-zag).
    const away = fix(MMSI, T0 + 50 * 30 * SECOND, NORTH_EDGE + 0.005, 119.72);
    feed([away]);
    const leftAt = track[49].time;
    expect(sink.raised.map((r) => r.type)).toEqual(['zone_enter', 'zone_exit']);
    expect(sink.raised[1]).toMatchObject({ dedupeKey: `zone_exit:1:${MMSI}:${leftAt}`, time: leftAt, evidence: [away] });
    expect(sink.resolved).toEqual([
      { dedupeKey: `zone:1:${MMSI}:${T0}`, time: leftAt, details: { ended: 'exited', exitDistanceM: expect.any(Number) } },
      { dedupeKey: `zone_exit:1:${MMSI}:${leftAt}`, time: leftAt, details: undefined },
    ]);
    expect(sink.resolved[0].details!.exitDistanceM).toBeGreaterThan(500);
  });

  it('without the hysteresis the same track would raise an alert per crossing', () => {
    const { sink, feed } = zoneEngine({ zones: [zoneVersion(1, BOX)], presence: { exitMarginM: 0, exitAfterMs: 0 } });
    feed(zigZag(T0, 50));
    expect(sink.incidents().filter((k) => k.startsWith('zone:'))).toHaveLength(25);
  });

  it('a vessel idling just outside the line leaves after exitAfterMs, dated from its first fix outside', () => {
    const { sink, feed } = zoneEngine({ zones: [zoneVersion(1, BOX)] });
    const outside = (t: number) => fix(MMSI, t, NORTH_EDGE + WOBBLE, 119.7, { sog: 0.3 });
    feed([fix(MMSI, T0, NORTH_EDGE - 0.01, 119.7), outside(T0 + MINUTE), outside(T0 + 5 * MINUTE), outside(T0 + 10 * MINUTE)]);
    expect(sink.raised.map((r) => r.type)).toEqual(['zone_enter']);
    feed([outside(T0 + 11 * MINUTE)]);
    expect(sink.raised.map((r) => r.type)).toEqual(['zone_enter', 'zone_exit']);
    expect(sink.raised[1].time).toBe(T0 + MINUTE);
  });

  it('raises "inside during an active window" when the window opens on a vessel already inside, and ends it when the window closes', () => {
    // 20:00–06:00 Beijing time = 12:00–22:00 UTC.
    const night = zoneVersion(2, BOX, { kind: 'protected', windows: [{ daily: { start: '20:00', end: '06:00' }, timezone: 'Asia/Shanghai' }] });
    const { sink, feed } = zoneEngine({ zones: [night] });
    const at = (utcHour: number, minute = 0) => fix(MMSI, T0 + utcHour * HOUR + minute * MINUTE, 35.35, 119.7, { sog: 2 });
    feed([at(11, 0), at(11, 30)]);
    expect(sink.raised).toEqual([]);
    feed([at(12, 0), at(15, 0)]);
    expect(sink.raised).toHaveLength(1);
    expect(sink.raised[0]).toMatchObject({ type: 'zone_enter', dedupeKey: `zone:2:${MMSI}:${T0 + 12 * HOUR}`, details: { trigger: 'already_inside' } });
    feed([at(22, 0)]);
    expect(sink.resolved).toEqual([{ dedupeKey: `zone:2:${MMSI}:${T0 + 12 * HOUR}`, time: T0 + 22 * HOUR, details: { ended: 'window_closed' } }]);
    // Leaving after the window closed is no exit of an incident.
    feed([fix(MMSI, T0 + 23 * HOUR, 35.5, 119.7)]);
    expect(sink.raised).toHaveLength(1);
  });

  it('applies the vessel filter: gear types, and an excluded (permitted) vessel', () => {
    const zone = zoneVersion(3, BOX, { vesselFilter: { gearTypes: ['trawl'], excludeVessels: ['鲁日渔60001'] } });
    const vessels = [
      { id: '鲁日渔60001', gearType: 'trawl', identifiers: [] },
      { id: '鲁日渔60002', gearType: 'trawl', identifiers: [] },
      { id: '鲁日渔60003', gearType: 'gillnet', identifiers: [] },
    ];
    const { sink, feed } = zoneEngine({ zones: [zone], vessels });
    feed(vessels.map((v, i) => ({ ...fix(`mmsi:41200000${i}`, T0, 35.35, 119.7), vessel: v.id })));
    expect(sink.raised.map((r) => r.vessel)).toEqual(['鲁日渔60002']);
  });

  it('cites the zone version in force at the fix time', () => {
    const change = T0 + HOUR;
    const v1 = zoneVersion(4, BOX, {}, { version: 1, effectiveTo: change });
    const v2 = zoneVersion(4, rectangle(119.8, 35.3, 119.95, 35.4), {}, { version: 2, effectiveFrom: change });
    const { sink, feed } = zoneEngine({ zones: [v1, v2] });
    feed([fix('mmsi:412000011', T0 + 30 * MINUTE, 35.35, 119.7), fix('mmsi:412000012', T0 + 30 * MINUTE, 35.35, 119.9)]);
    feed([fix('mmsi:412000012', T0 + 90 * MINUTE, 35.35, 119.9)]);
    expect(sink.raised.map((r) => [r.type, r.vessel, r.zoneVersion])).toEqual([
      ['zone_enter', 'mmsi:412000011', 1],
      ['zone_enter', 'mmsi:412000012', 2],
    ]);
    // The first vessel is in the old geometry only: once v2 is in force it is 8 km outside, and out.
    feed([fix('mmsi:412000011', T0 + 90 * MINUTE, 35.35, 119.7)]);
    expect(sink.raised[2]).toMatchObject({ type: 'zone_exit', vessel: 'mmsi:412000011', zoneVersion: 2 });
  });

  it('does not let a late fix flip state backwards: it is counted, not evaluated', () => {
    const { engine, sink, feed } = zoneEngine({ zones: [zoneVersion(1, BOX)] });
    feed([fix(MMSI, T0 + 10 * MINUTE, 35.35, 119.7)]);
    feed([fix(MMSI, T0 + 5 * MINUTE, 35.6, 119.7)]);
    expect(engine.stats).toMatchObject({ fixes: 1, lateFixes: 1 });
    expect(sink.raised.map((r) => r.type)).toEqual(['zone_enter']);
    expect(sink.resolved).toEqual([]);
  });
});

describe('ports: arrival, departure, visits and inPort', () => {
  const PORT = { lat: 35.37, lon: 119.56 };
  const port = zoneVersion(9, { type: 'Circle', center: [PORT.lon, PORT.lat], radius: 1000 }, { name: '日照港', kind: 'port', severity: 'info' });

  it('one visit for a vessel manoeuvring at the harbour mouth; inPort follows it', () => {
    const seen: boolean[] = [];
    const spy: FixRule = { name: 'spy', onFix: (_f: VesselFix, v: VesselContext) => void seen.push(v.inPort) };
    const { sink, visits, feed } = zoneEngine({ zones: [port], fix: [spy] });
    // 1000 m from the centre is the line; ±40 m around it, then berthed, then out to sea.
    const at = (minute: number, metresNorth: number) => fix(MMSI, T0 + minute * MINUTE, PORT.lat + metresNorth / 111_200, PORT.lon, { sog: 3 });
    feed([at(0, 3000), at(5, 1040), at(6, 960), at(7, 1040), at(8, 960), at(20, 0), at(120, 0), at(130, 960), at(131, 1040), at(140, 3000)]);
    expect(sink.raised.map((r) => r.type)).toEqual(['port_arrival', 'port_departure']);
    expect(sink.ongoing()).toEqual([]);
    const arrival = T0 + 6 * MINUTE;
    const departure = T0 + 131 * MINUTE;
    expect(sink.raised[0]).toMatchObject({ dedupeKey: `port_arrival:9:${MMSI}:${arrival}`, zoneId: 9, severity: 'info', time: arrival });
    expect(sink.raised[1]).toMatchObject({ dedupeKey: `port_departure:9:${MMSI}:${departure}`, time: departure, details: { port: '日照港', visitDurationS: 125 * 60 } });
    expect(visits.arrivals).toEqual([{ vessel: MMSI, zoneId: 9, zoneVersion: 1, arrivalTime: arrival }]);
    expect(visits.departures).toEqual([{ vessel: MMSI, zoneId: 9, arrivalTime: arrival, departureTime: departure }]);
    expect(seen).toEqual([false, false, true, true, true, true, true, true, true, false]);
  });
});
