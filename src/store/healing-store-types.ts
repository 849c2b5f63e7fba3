/**
 * The self-healing half of the store contract: patches with every transition, alerts with
 * their delivery, the phase history, healing's saved documents and the server's runs, on the
 * same SQLite, PostgreSQL and fake stores as the rest, health and action tables (`Store` is
 * all four). Times are clock ms; nested values round-trip as JSON.
 *
 * @example
 * await store.savePatch(transition(patch, "sandboxed", by, { sandbox })); // row + new transitions, one transaction
 * const open = await store.loadOpenPatches(); // at start-up: oldest first
 * const runId = await store.recordServerStart(clock.now());
 * const crashes = await store.uncleanStops(runId); // phase 1's "no crash"
 */
import type { Patch, PatchState } from "../core/healing/patch.js";

/**
 * An alert as stored: raised once per dedupe_key while it lasts (a repeat bumps occurrences
 * and last_seen_at), and POSTed to the webhook with retries.
 * @example
 * { alert_id: "alert_1", dedupe_key: "unhealed:apollo_1", kind: "unhealed_degradation", kernel_id: "apollo_1",
 *   severity: "critical", text: "apollo_1: Φ 0.41 and no strategy healed it", created_at: t, last_seen_at: t,
 *   occurrences: 1, delivery_status: "pending", delivery_attempts: 0, last_error: null, delivered_at: null }
 */
export interface StoredAlert {
  alert_id: string;
  dedupe_key: string;
  kind: string;
  /** null for an alert about the whole constellation. */
  kernel_id: string | null;
  severity: "warning" | "critical";
  text: string;
  created_at: number;
  last_seen_at: number;
  occurrences: number;
  /** not_configured: there is no webhook, so the log line is the only delivery. */
  delivery_status: "pending" | "delivered" | "failed" | "not_configured";
  delivery_attempts: number;
  last_error: string | null;
  delivered_at: number | null;
}

/**
 * One change of the healing phase (SPEC §5), through its gate or forced with a reason.
 * @example { from_phase: 1, to_phase: 2, at: t, actor: "user:ada", forced: false, reason: null, criteria: { snapshots: 1200 } }
 */
export interface PhaseChange {
  /** Given by the store, rising in the order changes were recorded; ignored when recording. */
  seq?: number;
  from_phase: number;
  to_phase: number;
  at: number;
  actor: string;
  forced: boolean;
  reason: string | null;
  /** The gate's criteria as they stood (JSON). */
  criteria: unknown;
}

/**
 * A page of patches, newest first (by created_at, then the order they were first saved).
 * @example { kernelId: "apollo_1", states: ["applied", "verified"], limit: 50 }
 */
export interface PatchQuery {
  kernelId?: string;
  /** Only patches in one of these states; an empty list matches none. */
  states?: PatchState[];
  /** At most this many: default 100, at most 10,000. */
  limit?: number;
}

/**
 * A page of alerts, newest first (by created_at, then the order they were first saved).
 * @example { pendingDelivery: true, limit: 20 } // what the webhook retry sends next
 */
export interface AlertQuery {
  /** At most this many: default 100, at most 10,000. */
  limit?: number;
  /** true: only alerts whose delivery_status is pending; false: only the others; absent: all. */
  pendingDelivery?: boolean;
}

/**
 * Where the healing service keeps what it must not lose across a restart.
 * @example
 * await store.saveAlert({ ...alert, occurrences: alert.occurrences + 1, last_seen_at: now });
 * await store.saveHealingState("remediation_guard", guard.exportState());
 * guard.loadState(await store.loadHealingState("remediation_guard") ?? { version: 1, kernels: {} });
 */
export interface HealingStore {
  /**
   * Inserts the patch or replaces the row with its patch_id, and appends the transitions the
   * table does not hold yet (those past the stored count), in one transaction. Stored
   * transitions are never rewritten: a save with fewer transitions than stored appends none.
   */
  savePatch(patch: Patch): Promise<void>;
  /** The patch with all its transitions in order, or null. */
  getPatch(patchId: string): Promise<Patch | null>;
  listPatches(query?: PatchQuery): Promise<Patch[]>;
  /** How many patches were ever generated (the original's `healing_attempts`). */
  countPatches(): Promise<number>;
  /** Every patch not in a final state (generated, sandboxed, pending_review, applied), oldest first. */
  loadOpenPatches(): Promise<Patch[]>;
  /** Inserts the alert, or replaces the one with its alert_id (keeping its place in the order). */
  saveAlert(alert: StoredAlert): Promise<void>;
  /** The newest alert with this dedupe_key, or null. */
  findAlertByDedupeKey(key: string): Promise<StoredAlert | null>;
  listAlerts(query?: AlertQuery): Promise<StoredAlert[]>;
  recordPhaseChange(change: PhaseChange): Promise<void>;
  /** Every phase change, oldest first, each with its seq. */
  loadPhaseHistory(): Promise<PhaseChange[]>;
  /**
   * Stores a JSON document under `key`, replacing any before it. `at` (clock ms) is kept as
   * the row's updated_at for operators; without it, the wall clock's ms.
   */
  saveHealingState(key: string, value: unknown, at?: number): Promise<void>;
  /** The document saved under `key`, or null. */
  loadHealingState(key: string): Promise<unknown | null>;
  /** Records a server start; returns the run's id, for recordServerStop and uncleanStops. */
  recordServerStart(at: number): Promise<number>;
  /** Records the run's clean stop; a run already stopped keeps its first stop, an unknown id changes nothing. */
  recordServerStop(runId: number, at: number): Promise<void>;
  /** How many runs other than `currentRunId` never recorded a stop: crashes, for phase 1's gate. */
  uncleanStops(currentRunId: number): Promise<number>;
}
