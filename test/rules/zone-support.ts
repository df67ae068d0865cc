import { silentLogger } from '../../core/log.js';
import type { VesselFix } from '../../core/records.js';
import type { Vessel } from '../../gateway/registry/registry.js';
import { RulesEngine } from '../../gateway/rules/engine.js';
import { GeofenceRule } from '../../gateway/rules/geofence.js';
import { PortRule, type PortVisitLog } from '../../gateway/rules/ports.js';
import { ZonePresence, type PresenceConfig } from '../../gateway/rules/zone-presence.js';
import type { FixRule } from '../../gateway/rules/rule.js';
import type { ZoneGeometry, ZoneProperties, ZoneVersion } from '../../gateway/zones/model.js';
import { RecordingSink } from './behaviour-support.js';

/** Shared by the zone-rule unit tests: zone versions as the store makes them, and an engine with the zone rules. */

export function zoneVersion(zoneId: number, geometry: ZoneGeometry, properties: Partial<ZoneProperties> = {}, extra: Partial<ZoneVersion> = {}): ZoneVersion {
  return {
    zoneId,
    version: 1,
    effectiveFrom: 0,
    retired: false,
    geometry,
    properties: { name: `zone ${zoneId}`, kind: 'no_fishing', severity: 'warning', windows: [], ...properties },
    areaKm2: 1,
    bbox: [0, 0, 0, 0],
    createdBy: 'test',
    createdAt: 0,
    ...extra,
  };
}

/** A closed counter-clockwise rectangle polygon, degrees. */
export function rectangle(west: number, south: number, east: number, north: number): ZoneGeometry {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [west, south],
        [east, south],
        [east, north],
        [west, north],
        [west, south],
      ],
    ],
  };
}

/** Records port visits in memory. */
export class VisitLog implements PortVisitLog {
  readonly arrivals: Parameters<PortVisitLog['arrived']>[0][] = [];
  readonly departures: Parameters<PortVisitLog['departed']>[0][] = [];
  arrived(v: Parameters<PortVisitLog['arrived']>[0]): void {
    this.arrivals.push(v);
  }
  departed(v: Parameters<PortVisitLog['departed']>[0]): void {
    this.departures.push(v);
  }
}

/** A registry holding the given vessels, with no identifiers bound and no static data. */
export function fakeRegistry(vessels: readonly Vessel[] = []) {
  return {
    get: (id: string) => vessels.find((v) => v.id === id),
    resolve: () => undefined,
    staticOf: () => new Map(),
  };
}

export function zoneEngine(o: { zones: ZoneVersion[]; vessels?: Vessel[]; presence?: PresenceConfig; fix?: FixRule[] }) {
  const sink = new RecordingSink();
  const visits = new VisitLog();
  const presence = new ZonePresence(o.presence);
  const engine = new RulesEngine({
    registry: fakeRegistry(o.vessels),
    presence,
    rules: { zone: [new PortRule(visits), new GeofenceRule()], fix: o.fix ?? [], observation: [], health: [], clock: [] },
    alerts: sink,
    logger: silentLogger,
  });
  engine.setZones(o.zones);
  const feed = (fixes: VesselFix[]) => engine.handle(fixes);
  return { engine, sink, visits, feed };
}
