import type { Feature, Geometry, Point, Polygon, MultiPolygon } from 'geojson';
import type { AlertStatus } from '../../gateway/alerts/model.js';

/** The shapes of the API answers the map reads (see GET /api/v1/openapi.json). */

export type Role = 'device' | 'regulator' | 'researcher' | 'admin';

export interface Me {
  name: string;
  role: Role;
  permissions: { read: boolean; manageZones: boolean; triageAlerts: boolean; manageVessels: boolean };
}

export interface PositionProperties {
  vessel: string;
  registered: boolean;
  mmsi?: number;
  bdsCard?: string;
  device?: string;
  hullName?: string;
  name?: string;
  /** ISO 8601 */
  time: string;
  /** s since the fix, when the server sent it */
  age: number;
  source: string;
  /** kn */
  sog?: number;
  /** degrees true */
  cog?: number;
  heading?: number;
  navStatus?: number;
  suspect?: string;
}
export type PositionFeature = Feature<Point, PositionProperties>;

export interface VesselView {
  id: string;
  registered: boolean;
  hullName?: string;
  name?: string;
  gearType?: string;
  homePort?: string;
  owner?: string;
  identifiers: { key: string }[];
  broadcast?: { name?: string; shipType?: number };
  latest?: { time: string; lat: number; lon: number; sog?: number; cog?: number; heading?: number; source: string; key: string };
}

export interface TrackFeature {
  type: 'Feature';
  geometry: { type: 'LineString'; coordinates: [number, number][] } | { type: 'Point'; coordinates: [number, number] } | null;
  properties: { vessel: string; hullName?: string; from: string; to: string; points: number; times: string[]; sog: (number | null)[]; cog: (number | null)[]; sources: string[] };
}

// One list of alert types and statuses for the gateway and the map (a pure module: no Node imports).
export { ALERT_STATUSES, ALERT_TYPES, type AlertStatus } from '../../gateway/alerts/model.js';

export interface Alert {
  id: number;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  status: AlertStatus;
  vessel?: string;
  otherVessel?: string;
  device?: string;
  zone?: { id: number; version?: number };
  startTime: string;
  endTime: string;
  ongoing: boolean;
  occurrences: number;
  details?: Record<string, string | number | boolean>;
  evidenceCount: number;
  acknowledged?: { by: string; at: string; note?: string };
  closed?: { by: string; at: string; note?: string };
  updatedAt: string;
}

export interface AlertWithEvidence extends Alert {
  evidence: Record<string, unknown>[];
  evidenceOmitted: number;
}

export type AlertChangeKind = 'raised' | 'updated' | 'resolved' | 'acknowledged' | 'closed';

export const ZONE_KINDS = ['no_fishing', 'protected', 'marine_ranch', 'port', 'boundary', 'custom'] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];
export const SEVERITIES = ['info', 'warning', 'critical'] as const;

export type CircleGeometry = { type: 'Circle'; center: [number, number]; radius: number };
export type ZoneGeometry = Polygon | MultiPolygon | CircleGeometry;

export interface ZoneWindow {
  from?: string;
  to?: string;
  yearly?: { start: string; end: string };
  daily?: { start: string; end: string };
  timezone?: string;
}

export interface ZoneProperties {
  name: string;
  kind: ZoneKind;
  severity: 'info' | 'warning' | 'critical';
  windows: ZoneWindow[];
  vesselFilter?: { gearTypes?: string[]; vessels?: string[]; excludeVessels?: string[]; shipTypes?: number[] };
  legalBasis?: string;
  description?: string;
  version?: number;
  status?: string;
}

export interface ZoneFeature {
  type: 'Feature';
  id: number;
  geometry: ZoneGeometry;
  properties: ZoneProperties;
}

export interface BuoyLatest {
  variable: string;
  label: string;
  value: number;
  unit: string;
  depth: number;
  time: string;
}

export interface Buoy {
  id: string;
  lastReport: string;
  latest: BuoyLatest[];
  /** [lon, lat] in degrees (GeoJSON order), from the buoy's newest GNSS fix, when the API knows where the buoy is. */
  position?: [number, number];
  /** ISO 8601: when that fix was taken */
  positionTime?: string;
}

export interface ObservationSeries {
  variables: Record<string, { unit: string; label: string }>;
  observations: { time: string; variable: string; value: number; depth: number }[];
}

export type { Geometry };
