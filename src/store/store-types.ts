/**
 * The store contract: everything the services persist, behind one interface with two
 * real implementations on Kysely (SQLite by default, PostgreSQL for a postgres:// URL)
 * and an in-memory fake for unit tests of services.
 *
 * Times are clock milliseconds (numbers) on both sides of the contract.
 *
 * @example
 * const store = await openStore("./autonomic.db"); // or "postgres://…"
 * await store.migrate();
 * const state = await store.loadRestState();
 * await store.commit({ kernels: [saved], removedKernelIds: [], events, fatigue: [sample] });
 * await store.close();
 */
import type { RestEvent, RetirementHandoff } from "../core/rest/events.js";
import type { KernelPolicy, KernelTier, RestMode } from "../core/rest/kernel-state.js";
import type { RestSchedulerState, SavedKernelState, StoredReport } from "../core/rest/scheduler.js";
import type { AccessTokenStore } from "./access-token-store-types.js";
import type { ActionStore } from "./action-store-types.js";
import type { HealingStore } from "./healing-store-types.js";
import type { HealthStore } from "./health-store-types.js";

export type StoreBackend = "sqlite" | "postgres" | "fake";

/** One kernel's saved rest state, as `RestScheduler.exportState()` gives it. */
export type SavedKernel = SavedKernelState;

/** One telemetry sample behind a fatigue score: a stored report as history reads it. */
export type FatigueSnapshot = Omit<StoredReport, "seq">;

/**
 * A fatigue report to append: the snapshot, and the report's sequence number when the rest
 * scheduler folded it into its kernel (StoredReport). Without one it is history only: never
 * folded in again on restore.
 */
export type FatigueReportRow = FatigueSnapshot & { seq?: number | null };

/**
 * One transition, written in one transaction: either all of it is stored or none.
 * - `kernels`: full saved states to insert or replace, by kernel_id
 * - `removedKernelIds`: kernels to delete (their history rows stay)
 * - `chaosEverSpawned`: when given, replaces the saved list of chaos names ever spawned
 * - `reportSeq`: when given, the stored floor of report sequence numbers (kept by loadRestState)
 * - `events`: rest_started opens a rest_events row and rest_ended closes it;
 *   coverage_started opens a coverage_events row and coverage_ended closes it;
 *   kernel_retired appends a kernel_retirements row (the kernel's own row goes through
 *   `removedKernelIds`); other event types are not stored in tables
 * - `fatigue`: fatigue reports to append, with their sequence numbers (a group commit carries
 *   many). A kernel's saved state may be older than its reports: `loadRestState` returns the
 *   reports stored after each kernel's state (seq above its reportSeq), to be folded in again
 * - `cycleRecords`: constellation_cycles rows to append (decisions, cast votes, a cycle's start)
 * - `closeCycle`: ends the open cycle row (kind "cycle", ended_at null), replacing its detail;
 *   applied before `cycleRecords`, so one change may end a cycle and start the next; with no
 *   cycle open it changes nothing
 */
export interface RestChange {
  kernels: SavedKernel[];
  removedKernelIds: string[];
  chaosEverSpawned?: string[];
  reportSeq?: number;
  events: RestEvent[];
  fatigue?: FatigueReportRow[];
  cycleRecords?: NewCycleRecord[];
  closeCycle?: { ended_at: number; detail: unknown };
}

export interface RestEventRow {
  id: number;
  kernel_id: string;
  kernel_name: string;
  rest_type: string;
  started_at: number;
  planned_until: number;
  /** null while the rest is in progress. */
  ended_at: number | null;
  duration_seconds: number | null;
  reason: string;
  reason_code: string;
  forced: boolean;
  covered_by: string | null;
  phi_at_rest: number;
  kappa_at_rest: number;
  fatigue_at_rest: number;
  phi_after: number | null;
  kappa_after: number | null;
  fatigue_after: number | null;
  /** Why it ended: requested, fatigue_recovered, planned_length_elapsed, deregistered, cycle_started, cycle_ended. */
  end_cause: string | null;
  /** Fatigue removed per minute of rest; null while in progress. */
  recovery_per_minute: number | null;
  /** The constellation cycle the rest belonged to, or null. */
  cycle: string | null;
  /** The second coverer when two partners shared the coverage. */
  covered_also_by: string | null;
}

export interface CoverageEventRow {
  id: number;
  /** The covering kernel. */
  kernel_id: string;
  covering_for: string;
  started_at: number;
  ended_at: number | null;
  coverer_fatigue: number;
  handoff_from: string | null;
  /** rest_ended, handoff or cycle_started; null while in progress. */
  end_cause: string | null;
  /** Share of the covered kernel's carried load: 1 alone, less when two partners share. */
  share: number;
  /** The context payload handed over with the coverage (JSON), or null. */
  context: unknown;
}

/** One retirement as stored: the kernel_retired event, kept after the kernel's own row is gone. */
export interface KernelRetirementRow {
  id: number;
  kernel_id: string;
  kernel_name: string;
  tier: KernelTier;
  rest_policy: KernelPolicy;
  retired_at: number;
  forced: boolean;
  reason: string | null;
  /** "user:<name>" for an operator, "kernel" for a kernel token; null when not known. */
  actor: string | null;
  /** The rest mode it was woken from, or null when it was active. */
  woken_from: RestMode | null;
  handoffs: RetirementHandoff[];
  rest_count: number;
  total_rest_seconds: number;
}

/**
 * What the constellation_cycles table holds, one kind per row:
 * - "decision": one consensus outcome (both votes with reasons, metrics) when it differs
 *   from the last recorded one; started_at is when it was taken, ended_at null
 * - "vote": a vote cast by Heart or Ocean through the API; started_at is when it arrived
 * - "cycle": a cycle, from started_at to ended_at (null while it runs)
 */
export type CycleRecordKind = "decision" | "vote" | "cycle";

export interface NewCycleRecord {
  kind: CycleRecordKind;
  /** sleep | dream | mushroom; "none" for a decision that wanted no cycle. */
  cycle_type: string;
  started_at: number;
  ended_at: number | null;
  /** One line a human reads: the decision's reason, the vote's reasoning, the cycle's start reason. */
  reason: string;
  /** The whole record (JSON): votes, reasons, metrics; for a cycle, its start and then its end. */
  detail: unknown;
}

export interface ConstellationCycleRow extends NewCycleRecord {
  id: number;
}

export interface CycleQuery extends HistoryQuery {
  kind?: CycleRecordKind;
}

/** Rest quality over finished rests: means of the metrics before and after, and recovery per minute. */
export interface RestQualityRow {
  /** null for the row over every kernel. */
  kernel_id: string | null;
  rests: number;
  mean_duration_seconds: number;
  mean_fatigue_at_rest: number;
  mean_fatigue_after: number;
  mean_phi_at_rest: number;
  mean_phi_after: number;
  mean_kappa_at_rest: number;
  mean_kappa_after: number;
  mean_recovery_per_minute: number;
}

export interface HistoryQuery {
  kernelId?: string;
  /** Only rows at or after this clock ms. */
  sinceMs?: number;
  /** Newest rows first, at most this many (default 100). */
  limit?: number;
}

export interface RestStore {
  readonly backend: StoreBackend;
  /** Creates or upgrades the schema; safe to run at every start. */
  migrate(): Promise<void>;
  /** The saved scheduler state; an empty state on a new database. */
  loadRestState(): Promise<RestSchedulerState>;
  /** Writes one transition atomically. Resolves only after the commit. */
  commit(change: RestChange): Promise<void>;
  restEvents(query?: HistoryQuery): Promise<RestEventRow[]>;
  coverageEvents(query?: HistoryQuery): Promise<CoverageEventRow[]>;
  fatigueSnapshots(query?: HistoryQuery): Promise<FatigueSnapshot[]>;
  /** Retirements, newest first (by retired_at, then id); `sinceMs` filters on retired_at. */
  kernelRetirements(query?: HistoryQuery): Promise<KernelRetirementRow[]>;
  /** Every kernel_id ever retired, once each, sorted: registered again or not. */
  retiredKernelIds(): Promise<string[]>;
  /** Newest first; `kernelId` does not filter (cycles concern the whole constellation). */
  constellationCycles(query?: CycleQuery): Promise<ConstellationCycleRow[]>;
  /** The cycle row still running (kind "cycle", ended_at null), or null. */
  openCycle(): Promise<ConstellationCycleRow | null>;
  /**
   * Rest quality over finished rests (ended_at set) started at or after `sinceMs` (the time
   * restEvents filters by): one row per kernel, sorted by kernel_id, then the row over all of
   * them (kernel_id null). With `kernelId`, that kernel's row and the overall row of that kernel
   * alone. No finished rest: only an overall row with rests 0 and means 0. Like SQL's AVG, a mean
   * skips rests without that value (a rest of no length finished before recovery_per_minute was
   * recorded has none), and is 0 when none has it.
   */
  restQuality(query?: { kernelId?: string; sinceMs?: number }): Promise<RestQualityRow[]>;
  /** Deletes fatigue snapshots older than the given clock ms; returns how many. */
  pruneFatigueSnapshots(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Everything the services persist, rest, health, remediation actions, self-healing and
 * kernel-scoped tokens: what
 * `openStore` returns.
 *
 * @example
 * const store: Store = await openStore(config.store.location);
 * const [state, baselines] = await Promise.all([store.loadRestState(), store.loadBaselines()]);
 * const pending = await store.loadOpenActions();
 * const openPatches = await store.loadOpenPatches();
 */
export type Store = RestStore & HealthStore & ActionStore & HealingStore & AccessTokenStore;
