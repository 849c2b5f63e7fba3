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
 * await store.commit({ kernels: [saved], removedKernelIds: [], events, fatigue: sample });
 * await store.close();
 */
import type { RestEvent } from "../core/rest/events.js";
import type { RestSchedulerState, SavedKernelState } from "../core/rest/scheduler.js";
import type { ActionStore } from "./action-store-types.js";
import type { HealingStore } from "./healing-store-types.js";
import type { HealthStore } from "./health-store-types.js";

export type StoreBackend = "sqlite" | "postgres" | "fake";

/** One kernel's saved rest state, as `RestScheduler.exportState()` gives it. */
export type SavedKernel = SavedKernelState;

/** One telemetry sample behind a fatigue score. */
export interface FatigueSnapshot {
  kernel_id: string;
  at: number;
  phi: number;
  kappa: number;
  load: number;
  error_rate: number;
  fatigue: number;
}

/**
 * One transition, written in one transaction: either all of it is stored or none.
 * - `kernels`: full saved states to insert or replace, by kernel_id
 * - `removedKernelIds`: kernels to delete (their history rows stay)
 * - `chaosEverSpawned`: when given, replaces the saved list of chaos names ever spawned
 * - `events`: rest_started opens a rest_events row and rest_ended closes it;
 *   coverage_started opens a coverage_events row and coverage_ended closes it;
 *   other event types are not stored in tables
 * - `fatigue`: a fatigue snapshot to append
 */
export interface RestChange {
  kernels: SavedKernel[];
  removedKernelIds: string[];
  chaosEverSpawned?: string[];
  events: RestEvent[];
  fatigue?: FatigueSnapshot;
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
  /** Why it ended: requested, fatigue_recovered, planned_length_elapsed, deregistered. */
  end_cause: string | null;
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
  /** rest_ended or handoff; null while in progress. */
  end_cause: string | null;
}

export interface ConstellationCycleRow {
  id: number;
  cycle_type: string;
  started_at: number;
  ended_at: number | null;
  /** Decision record: votes, reasons, metrics (JSON). */
  detail: unknown;
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
  constellationCycles(query?: HistoryQuery): Promise<ConstellationCycleRow[]>;
  /** Deletes fatigue snapshots older than the given clock ms; returns how many. */
  pruneFatigueSnapshots(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Everything the services persist, rest, health, remediation actions and self-healing: what
 * `openStore` returns.
 *
 * @example
 * const store: Store = await openStore(config.store.location);
 * const [state, baselines] = await Promise.all([store.loadRestState(), store.loadBaselines()]);
 * const pending = await store.loadOpenActions();
 * const openPatches = await store.loadOpenPatches();
 */
export type Store = RestStore & HealthStore & ActionStore & HealingStore;
