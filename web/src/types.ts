// The server's JSON, as crates/server/src/api.rs and the dispatch crate serialise it.

export interface LonLat {
  lon: number;
  lat: number;
}

export type JurisdictionLevel = 'police_station' | 'workstation' | 'police_office' | 'patrol_grid';

export interface Jurisdiction {
  id: string;
  name: string;
  level: JurisdictionLevel;
  parent: string | null;
  /** The outer ring, not closed. */
  area: LonLat[];
}

export interface Workstation {
  id: string;
  name: string;
  category: 'counter_terror' | 'public_security_patrol';
  location: LonLat;
  jurisdiction: string | null;
  staffing: number;
}

export const UNIT_KINDS = [
  'patrol_car',
  'armed_patrol_car',
  'swat_team',
  'traffic_motorcycle',
  'foot_patrol',
  'drone',
  'volunteer_patrol',
] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export const UNIT_STATUSES = [
  'available',
  'patrolling',
  'dispatched',
  'en_route',
  'on_scene',
  'returning',
  'out_of_service',
] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

/** Milliseconds since the Unix epoch. */
export type Timestamp = number;

export interface PositionFix {
  point: LonLat;
  at: Timestamp;
}

export interface StatusChange<S> {
  to: S;
  at: Timestamp;
}

export interface Unit {
  id: string;
  name: string;
  kind: UnitKind;
  profile: string;
  home: string;
  capabilities: string[];
  status: UnitStatus;
  position: PositionFix | null;
  incident: number | null;
  history: StatusChange<UnitStatus>[];
}

export const CATEGORIES = ['criminal', 'public_order', 'traffic', 'dispute', 'assistance', 'referral'] as const;
export type Category = (typeof CATEGORIES)[number];
export type Priority = 'P1' | 'P2' | 'P3' | 'P4';
export type IncidentStatus = 'received' | 'dispatched' | 'on_scene' | 'closed' | 'cancelled';

/** What the call taker recorded (dispatch::Call). */
export interface Call {
  category: Category;
  priority: Priority;
  location: LonLat;
  address: string;
  caller: { name: string; phone: string };
  notes: string;
}

export interface Incident {
  id: number;
  category: Category;
  priority: Priority;
  location: LonLat;
  address: string;
  callers: { name: string; phone: string }[];
  notes: { at: Timestamp; text: string }[];
  status: IncidentStatus;
  received_at: Timestamp;
  jurisdictions: string[];
  units: string[];
  merged_from: number[];
  merged_into: number | null;
  history: StatusChange<IncidentStatus>[];
}

export interface Candidate {
  unit: string;
  kind: UnitKind;
  profile: string;
  status: UnitStatus;
  /** Seconds. */
  eta: number;
  /** Metres. */
  distance: number;
  /** Seconds. */
  fix_age: number;
  proposed_as: string | null;
  reason: string;
}

export interface Excluded {
  unit: string;
  kind: UnitKind;
  exclusion: { why: string; [detail: string]: unknown };
  reason: string;
}

export interface Recommendation {
  incident: number;
  plan: { category: Category; priority: Priority; requirements: { label: string; count: number }[] };
  ranked: Candidate[];
  proposed: string[];
  unfilled: string[];
  excluded: Excluded[];
}

export interface CutoffPlan {
  request: { last_seen: LonLat; elapsed: number; horizon: number; profile: string };
  checkpoints: {
    point: LonLat;
    vehicle_earliest: number;
    assignment: { unit: string; kind: UnitKind; eta: number; margin: number } | null;
  }[];
  n_uncovered: number;
  n_reachable_now: number;
}

export interface Durations {
  n: number;
  median: number | null;
  p90: number | null;
}

export interface KpiRow {
  group: string;
  n_incidents: number;
  call_to_dispatch: Durations;
  dispatch_to_arrival: Durations;
  call_to_arrival: Durations;
  within_1_min: number | null;
  within_3_min: number | null;
  within_5_min: number | null;
}

export interface MapMeta {
  name: string;
  /** [west, south, east, north] */
  bounds: [number, number, number, number];
  center: [number, number];
}

/** One message of the WebSocket feed (crates/server/src/feed.rs). */
export type FeedMessage =
  | { type: 'hello'; role: string; at: string }
  | { type: 'lagged'; missed: number }
  | { type: 'event'; seq: number; at: Timestamp; actor: string; change: Change };

export type Change =
  | { type: 'jurisdiction_added'; jurisdiction: Jurisdiction }
  | { type: 'workstation_added'; workstation: Workstation }
  | { type: 'unit_added'; unit: Unit }
  | { type: 'position_reported'; unit: string; fix: PositionFix }
  | { type: 'call_received'; incident: number; call: Call }
  | { type: 'note_added'; incident: number }
  | { type: 'units_dispatched'; incident: number; units: string[] }
  | { type: 'unit_status_changed'; unit: string; to: UnitStatus }
  | { type: 'incident_status_changed'; incident: number; to: IncidentStatus }
  | { type: 'duplicate_merged'; primary: number; duplicate: number }
  | { type: 'token_issued' }
  | { type: 'token_revoked' };
