/**
 * The tables of the store as Kysely sees them, shared by SQLite and PostgreSQL. Times are
 * clock ms stored as doubles (SQLite `real`, PostgreSQL `double precision`): ms since the
 * epoch are integers far below 2^53, so they round-trip exactly. JSON goes in text columns
 * on both, so one query reads the same on each.
 *
 * @example
 * const db = new Kysely<Database>({ dialect });
 * const open = await db.selectFrom("rest_events").selectAll().where("ended_at", "is", null).execute();
 */
import type { Generated } from "kysely";

/**
 * A boolean column: SQLite has no boolean type, so it stores and returns 0/1, PostgreSQL
 * returns true/false. Writes go through `SqlDialect.bool`; reads through `Boolean()`.
 */
export type DbBool = number | boolean;

/** One row per live kernel; `state` is the whole SavedKernel, the other columns are for queries. */
export interface KernelsTable {
  kernel_id: string;
  kernel_name: string;
  tier: string;
  rest_policy: string;
  status: string;
  fatigue: number;
  covered_by: string | null;
  covering_for: string | null;
  /** Clock ms of the last transition that touched this kernel. */
  updated_at: number;
  /** JSON text of the SavedKernel. */
  state: string;
  /** The state's reportSeq: reports stored with a higher seq are folded in on restore (011). */
  report_seq: number;
}

/** Scheduler-wide saved values by key (JSON text), e.g. "chaos_ever_spawned". */
export interface SchedulerMetaTable {
  key: string;
  value: string;
}

export interface RestEventsTable {
  id: Generated<number>;
  kernel_id: string;
  kernel_name: string;
  rest_type: string;
  started_at: number;
  planned_until: number;
  ended_at: number | null;
  duration_seconds: number | null;
  reason: string;
  reason_code: string;
  forced: DbBool;
  covered_by: string | null;
  phi_at_rest: number;
  kappa_at_rest: number;
  fatigue_at_rest: number;
  phi_after: number | null;
  kappa_after: number | null;
  fatigue_after: number | null;
  end_cause: string | null;
  /** Fatigue removed per minute of rest; null while in progress (005). */
  recovery_per_minute: number | null;
  /** The constellation cycle the rest belonged to (sleep, dream, mushroom), or null (005). */
  cycle: string | null;
  /** The second coverer when two partners shared the coverage (005). */
  covered_also_by: string | null;
}

export interface CoverageEventsTable {
  id: Generated<number>;
  kernel_id: string;
  covering_for: string;
  started_at: number;
  ended_at: number | null;
  coverer_fatigue: number;
  handoff_from: string | null;
  end_cause: string | null;
  /** Share of the covered kernel's carried load; 1 for rows written before 005. */
  share: number;
  /** JSON text of the context payload handed over, or null (005). */
  context: string | null;
}

export interface FatigueSnapshotsTable {
  /** Breaks ties between snapshots taken in the same clock ms, so "newest first" is stable. */
  id: Generated<number>;
  kernel_id: string;
  at: number;
  phi: number;
  kappa: number;
  load: number;
  error_rate: number;
  fatigue: number;
  /** The report's sequence number (011); null for reports stored before it. */
  seq: number | null;
}

/**
 * One row per retirement, append-only (006): the kernel's row leaves `kernels`, so this is
 * where its going is remembered, with the acknowledgement an essential kernel needs. The
 * same id may retire again after registering afresh: rows are keyed by their own id.
 */
export interface KernelRetirementsTable {
  id: Generated<number>;
  kernel_id: string;
  kernel_name: string;
  tier: string;
  rest_policy: string;
  retired_at: number;
  forced: DbBool;
  reason: string | null;
  actor: string | null;
  /** The rest mode it was woken from, or null when it was active. */
  woken_from: string | null;
  /** JSON text of the RetirementHandoff list (empty when it covered nobody). */
  handoffs: string;
  rest_count: number;
  total_rest_seconds: number;
}

/** Decisions, cast votes and cycles, one kind per row (CycleRecordKind); kind and reason from 005. */
export interface ConstellationCyclesTable {
  id: Generated<number>;
  /** decision | vote | cycle; rows written before 005 are cycles. */
  kind: string;
  cycle_type: string;
  started_at: number;
  ended_at: number | null;
  /** One line a human reads; empty for rows written before 005. */
  reason: string;
  /** JSON text of the whole record. */
  detail: string;
}

/**
 * One health snapshot. The basin is float32 little-endian bytes (256 bytes for 64
 * entries, against ~1.3 kB as JSON text); context is JSON text.
 */
export interface HealthSnapshotsTable {
  /** Breaks ties between snapshots of the same clock ms: paging and "newest" order by (at, id). */
  id: Generated<number>;
  kernel_id: string;
  at: number;
  phi: number;
  kappa_eff: number;
  basin: Uint8Array | null;
  basin_drift: number | null;
  regime: string;
  confidence: number | null;
  surprise: number | null;
  agency: number | null;
  error_rate: number | null;
  avg_latency_ms: number | null;
  memory_mb: number | null;
  cpu_pct: number | null;
  code_hash: string | null;
  label: string | null;
  context: string | null;
}

/** The basin each kernel's drift is measured against, one row per kernel. */
export interface BaselinesTable {
  kernel_id: string;
  /** float32 little-endian bytes, like health_snapshots.basin. */
  basin: Uint8Array;
  set_at: number;
  source: string;
  /** JSON text of the kernel's drift reference, or null. */
  drift_reference: string | null;
}

export interface ResonancePointsTable {
  id: Generated<number>;
  kernel_id: string;
  at: number;
  phi: number;
  kappa_eff: number;
  phi_variance: number;
  kappa_variance: number;
  cluster_strength: number;
}

/**
 * Every remediation action sent to a kernel, with its answer. `seq` orders actions created in
 * the same ms as they were first saved (an upsert keeps it), the same on both databases.
 */
export interface RemediationActionsTable {
  seq: Generated<number>;
  action_id: string;
  kernel_id: string;
  patch_id: string | null;
  type: string;
  /** JSON text of the params object. */
  params: string;
  dry_run: DbBool;
  status: string;
  created_at: number;
  deadline_at: number;
  answered_at: number | null;
  /** JSON text of the kernel's answer (or the timeout's), null while pending. */
  result: string | null;
}

/**
 * One row per patch, the latest version of it; its moves are in patch_transitions. `seq`
 * orders patches created in the same ms as they were first saved (an upsert keeps it), as in
 * remediation_actions. The nested parts of a Patch are JSON text.
 */
export interface PatchesTable {
  seq: Generated<number>;
  patch_id: string;
  kernel_id: string;
  strategy: string;
  state: string;
  created_at: number;
  updated_at: number;
  false_positive: DbBool;
  persistent: DbBool;
  rationale: string;
  /** JSON text of the PatchAction. */
  action: string;
  /** JSON text of the PatchTrigger. */
  trigger: string;
  /** JSON text of the PatchMetrics when it was generated. */
  before: string;
  /** JSON text of the PatchSandbox, null before the dry run. */
  sandbox: string | null;
  /** JSON text of the PatchVerification. */
  verification: string;
  /** JSON text of the PatchRollback, null unless rolled back. */
  rollback: string | null;
  /** JSON text of the git edge's record, null without one. */
  git: string | null;
}

/** A patch's moves, append-only: `seq` is the move's index in Patch.transitions (0 = creation). */
export interface PatchTransitionsTable {
  patch_id: string;
  seq: number;
  /** null for the creation record. */
  from_state: string | null;
  to_state: string;
  at: number;
  actor: string;
  reason: string;
}

/** Alerts raised when healing cannot cope, with their webhook delivery. */
export interface AlertsTable {
  seq: Generated<number>;
  alert_id: string;
  dedupe_key: string;
  kind: string;
  kernel_id: string | null;
  severity: string;
  text: string;
  created_at: number;
  last_seen_at: number;
  occurrences: number;
  delivery_status: string;
  delivery_attempts: number;
  last_error: string | null;
  delivered_at: number | null;
}

/** Every change of the healing phase, forced or through its gate. */
export interface PhaseHistoryTable {
  seq: Generated<number>;
  from_phase: number;
  to_phase: number;
  at: number;
  actor: string;
  forced: DbBool;
  reason: string | null;
  /** JSON text of the gate's criteria when the phase changed. */
  criteria: string;
}

/** Healing's saved documents by key (guard state, loop flag), as JSON text. */
export interface HealingStateTable {
  key: string;
  value: string;
  updated_at: number;
}

/** One row per server start; stopped_at stays null when the process died without stopping. */
export interface ServerRunsTable {
  id: Generated<number>;
  started_at: number;
  stopped_at: number | null;
}

/** Kernel-scoped tokens, by id; the secret only as its SHA-256 digest. */
export interface AccessTokensTable {
  token_id: string;
  kernel_id: string;
  token_hash: string;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  revoked_by: string | null;
}

export interface Database {
  kernels: KernelsTable;
  scheduler_meta: SchedulerMetaTable;
  rest_events: RestEventsTable;
  coverage_events: CoverageEventsTable;
  fatigue_snapshots: FatigueSnapshotsTable;
  /** SQLite only: reports not yet moved into fatigue_snapshots (migration 010). */
  fatigue_recent: FatigueSnapshotsTable;
  constellation_cycles: ConstellationCyclesTable;
  kernel_retirements: KernelRetirementsTable;
  health_snapshots: HealthSnapshotsTable;
  /** SQLite only: snapshots not yet moved into health_snapshots (migration 010). */
  health_recent: HealthSnapshotsTable;
  baselines: BaselinesTable;
  resonance_points: ResonancePointsTable;
  remediation_actions: RemediationActionsTable;
  patches: PatchesTable;
  patch_transitions: PatchTransitionsTable;
  alerts: AlertsTable;
  phase_history: PhaseHistoryTable;
  healing_state: HealingStateTable;
  server_runs: ServerRunsTable;
  access_tokens: AccessTokensTable;
}

/** The scheduler_meta key holding the JSON list of chaos names ever spawned. */
export const CHAOS_EVER_SPAWNED_KEY = "chaos_ever_spawned";
/** scheduler_meta: at least the highest report sequence number given (RestSchedulerState.reportSeq). */
export const REPORT_SEQ_KEY = "report_seq";
