/**
 * How remediation actions become rows and back, shared by the SQL store and the fake so both
 * give the same answers: params and results as JSON text, dry_run as the database's boolean,
 * and the limit of action queries.
 *
 * @example
 * const row = actionRow(action, dialect.bool); // JSON text columns, dry_run 0/1 on SQLite
 * actionFromRow(row); // deep-equal to `action`
 */
import type {
  ActionParams,
  ActionResult,
  RemediationAction,
  RemediationType,
} from "../core/healing/remediation-action.js";
import type { DbBool, RemediationActionsTable } from "./schema.js";

export const DEFAULT_ACTION_LIMIT = 100;
export const MAX_ACTION_LIMIT = 1000;

export type ActionInsert = Omit<RemediationActionsTable, "seq">;

/** The columns a NOT NULL constraint guards, for the fake to enforce like the databases. */
export const ACTION_REQUIRED = [
  "action_id",
  "kernel_id",
  "type",
  "params",
  "dry_run",
  "status",
  "created_at",
  "deadline_at",
] as const satisfies readonly (keyof ActionInsert)[];

/**
 * The row of an action, serialised now: a caller that changes its object after saving
 * changes nothing stored. A missing value becomes null for the NOT NULL constraint to name.
 */
export function actionRow(a: RemediationAction, bool: (value: boolean) => DbBool): ActionInsert {
  return {
    action_id: a.action_id ?? null,
    kernel_id: a.kernel_id ?? null,
    patch_id: a.patch_id ?? null,
    type: a.type ?? null,
    params: a.params == null ? (null as unknown as string) : JSON.stringify(a.params),
    dry_run: a.dry_run == null ? (null as unknown as DbBool) : bool(a.dry_run),
    status: a.status ?? null,
    created_at: a.created_at ?? null,
    deadline_at: a.deadline_at ?? null,
    answered_at: a.answered_at ?? null,
    result: a.result == null ? null : JSON.stringify(a.result),
  };
}

export function actionFromRow(row: ActionInsert): RemediationAction {
  return {
    action_id: row.action_id,
    kernel_id: row.kernel_id,
    patch_id: row.patch_id,
    type: row.type as RemediationType,
    params: JSON.parse(row.params) as ActionParams,
    // 0/1 on SQLite, true/false on PostgreSQL.
    dry_run: Boolean(row.dry_run),
    status: row.status as RemediationAction["status"],
    created_at: row.created_at,
    deadline_at: row.deadline_at,
    answered_at: row.answered_at,
    result: row.result === null ? null : (JSON.parse(row.result) as ActionResult),
  };
}

/** The row limit of an action query; a bad limit is the caller's bug, so it throws. */
export function actionLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_ACTION_LIMIT;
  if (!Number.isInteger(n) || n < 0 || n > MAX_ACTION_LIMIT)
    throw new RangeError(`limit must be an integer from 0 to ${MAX_ACTION_LIMIT}, got ${n}`);
  return n;
}
