/**
 * The remediation-action half of the store contract: every action the control plane sent,
 * with its answer, on the same SQLite, PostgreSQL and fake stores as the rest and health
 * tables (`Store` is all three). Times are clock ms; params and results round-trip as JSON.
 *
 * @example
 * await store.saveAction(action); // insert, or replace the row with this action_id
 * const pending = await store.loadOpenActions(); // at start-up: oldest first
 * const recent = await store.listActions({ kernelId: "apollo_1", limit: 20 }); // newest first
 */
import type { RemediationAction } from "../core/healing/remediation-action.js";

/**
 * A page of actions, newest first (by created_at, then the order they were first saved).
 * @example { kernelId: "apollo_1", limit: 50 }
 */
export interface ActionQuery {
  kernelId?: string;
  /** At most this many: default 100, at most 1000. */
  limit?: number;
}

/**
 * Where the action service keeps every action it sends.
 * @example
 * await store.saveAction({ ...action, status: "succeeded", answered_at: now, result: { ok: true } });
 * (await store.getAction(action.action_id))?.status; // "succeeded"
 */
export interface ActionStore {
  /** Inserts the action, or replaces the one with its action_id, in one transaction. */
  saveAction(action: RemediationAction): Promise<void>;
  /** Every pending action, oldest first: what the action service restores at start-up. */
  loadOpenActions(): Promise<RemediationAction[]>;
  getAction(actionId: string): Promise<RemediationAction | null>;
  listActions(query?: ActionQuery): Promise<RemediationAction[]>;
}
