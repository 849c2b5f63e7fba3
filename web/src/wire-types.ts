/**
 * The replies the dashboard reads, as the server sends them (snake_case). Only the fields the
 * page uses are named. The server's own types live in src/ and are not imported: even a
 * type-only import would pull the server's config, registry and Node types into the page's
 * typecheck, and this subset is the contract the page relies on.
 */

export type RestStatus = "active" | "resting" | "reduced" | "micro_pause";
export type HealthStatus = "insufficient_data" | "healthy" | "warning" | "critical";

/** GET /api/rest/kernels → kernels[] */
export interface KernelStatus {
  kernel_id: string;
  kernel_name: string;
  tier: "essential" | "specialized" | "chaos";
  /** The policy type: never, minimal_rotating, coordinated_alternating, scheduled, seasonal, chaos. */
  rest_policy: string;
  status: RestStatus;
  fatigue_score: number;
  is_resting: boolean;
  covered_by: string | null;
  covered_also_by: string | null;
  covering_for: string | null;
  cover_share: number;
  cycle: string | null;
  rest_threshold: number;
  rest_count: number;
  total_rest_time: number;
  time_in_status: number;
}

/** GET /api/rest/status → constellation */
export interface ConstellationStatus {
  total_kernels: number;
  active_kernels: number;
  resting_kernels: number;
  covering_kernels: number;
  avg_fatigue: number;
  coverage_active: boolean;
}

/** GET /api/dashboard/config → config */
export interface DashboardConfig {
  kappa_star: number;
  kappa_deviation_warning: number;
  phi: { avg_low_critical: number; low_warning: number; avg_high_critical: number };
  drift: { warning: number; critical: number; units: "full" | "half"; mode: "fixed" | "reference" };
  partner_max_fatigue: number;
  operator_token_required: boolean;
  cycles_available: boolean;
}

/** GET /api/access/me → access: what the page's own token may do. */
export interface AccessView {
  tokens_required: boolean;
  /** null: no valid token; "operator" on a server without tokens, where everyone may act. */
  role: "viewer" | "kernel" | "operator" | null;
  kernel_id: string | null;
}

/** GET /api/self-healing/health (no kernel_id) → health */
export interface ConstellationHealth {
  worst: HealthStatus;
  kernel_count: number;
  counts: Record<HealthStatus, number>;
  mean_phi: number | null;
  kernels: { kernel_id: string; status: HealthStatus; phi: number | null; basin_drift: number | null }[];
}

/** GET /api/self-healing/health?kernel_id → health (the part the drift chart needs) */
export interface KernelHealth {
  kernel_id: string;
  status: HealthStatus;
  drift_thresholds: { warning: number; critical: number; source: "fixed" | "reference" };
}

/** GET /api/self-healing/snapshots → snapshots[] (newest first) */
export interface SnapshotRow {
  id: number;
  kernel_id: string;
  /** ISO 8601, as every instant on the wire. */
  at: string;
  phi: number;
  kappa_eff: number;
  basin_drift: number | null;
  /** The kernel's own words for the moment (e.g. "after-cycle"). */
  label?: string | null;
  /** The JSON object the kernel attached to this snapshot. */
  context?: Record<string, unknown> | null;
}

/** GET /api/dashboard/fatigue → fatigue[] (newest first) */
export interface FatigueRow {
  timestamp: string;
  fatigue: number;
}

export interface FatigueHistory {
  kernel_id: string;
  rest_threshold: number;
  fatigue: FatigueRow[];
}

/** One term of a stored fitness score (src/core/healing/patch-record.ts); a gate has no weight. */
export interface FitnessTerm {
  name: string;
  value: number;
  weight: number | null;
  contribution: number | null;
}

/** A fitness score term by term, as the server stored it, whichever formula made it. */
export interface FitnessRecord {
  formula: "targeted" | "original";
  target: string | null;
  score: number;
  recommendation: "apply" | "test_more" | "reject" | null;
  terms: FitnessTerm[];
  assumed_unchanged: string[];
}

/** GET /api/self-healing/patches → patches[] */
export interface Patch {
  patch_id: string;
  kernel_id: string;
  strategy: string;
  action: { type: string; params: Record<string, unknown> };
  rationale: string;
  state: string;
  created_at: string;
  updated_at: string;
  false_positive: boolean;
  transitions: { from: string | null; to: string; at: string; actor: string; reason: string }[];
  /** The patch as a record: its sandbox score term by term. */
  record: { sandbox: FitnessRecord | null };
}

/** GET /api/self-healing/phase → phase */
export interface GateCriterion {
  name: string;
  description: string;
  value: number | null;
  target: string;
  met: boolean;
}

export interface PhaseView {
  phase: number;
  name: string;
  next: number | null;
  next_name: string | null;
  met: boolean;
  criteria: GateCriterion[];
  running: boolean;
  history: {
    from_phase: number;
    to_phase: number;
    at: string;
    actor: string;
    forced: boolean;
    reason: string | null;
  }[];
}

/** GET /api/self-healing/alerts → alerts[] */
export interface Alert {
  alert_id: string;
  kind: string;
  kernel_id: string | null;
  severity: "warning" | "critical";
  text: string;
  created_at: string;
  last_seen_at: string;
  occurrences: number;
  delivery_status: string;
}

export interface VoterVote {
  vote: boolean;
  reasoning: string;
  source: "telemetry" | "cast";
}

/** GET /api/rest/cycles (the cycles engineer's route; absent on servers without cycles) */
export interface CyclesView {
  active: { cycle_type: string; started_at: string; planned_until: string; kernels: string[] } | null;
  last_decision: {
    at: string;
    cycle_type: string | null;
    started: boolean;
    reason: string;
    votes: { heart: VoterVote; ocean: VoterVote };
  } | null;
  cooldowns: Record<string, { cooldown_seconds: number; remaining_seconds: number }>;
  cycles: {
    id: number;
    kind: string;
    cycle_type: string | null;
    started_at: string;
    ended_at: string | null;
    reason: string;
  }[];
}
