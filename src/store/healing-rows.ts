/**
 * How patches, their transitions, alerts and phase changes become rows and back, shared by
 * the SQL store and the fake so both give the same answers: nested values as JSON text,
 * booleans as the database's, and the limit of healing queries.
 *
 * @example
 * const row = patchRow(patch, dialect.bool); // the patches row, transitions aside
 * const moves = transitionRows(patch).slice(storedCount); // what savePatch appends
 * patchFromRow(row, moves); // deep-equal to `patch` when `moves` are all of them
 */
import {
  isFinal,
  PATCH_STATES,
  type Patch,
  type PatchActor,
  type PatchState,
  type PatchTransition,
} from "../core/healing/patch.js";
import type { StrategyName } from "../core/healing/strategies.js";
import type { PhaseChange, StoredAlert } from "./healing-store-types.js";
import type {
  AlertsTable,
  DbBool,
  PatchesTable,
  PatchTransitionsTable,
  PhaseHistoryTable,
} from "./schema.js";

export const DEFAULT_HEALING_LIMIT = 100;
export const MAX_HEALING_LIMIT = 10_000;

/** The states loadOpenPatches returns: every one a patch can still move on from. */
export const OPEN_PATCH_STATES: readonly PatchState[] = PATCH_STATES.filter((s) => !isFinal(s));

export type PatchInsert = Omit<PatchesTable, "seq">;
export type AlertInsert = Omit<AlertsTable, "seq">;
export type PhaseInsert = Omit<PhaseHistoryTable, "seq">;

/** The columns a NOT NULL constraint guards, for the fake to enforce like the databases. */
export const PATCH_REQUIRED = [
  "patch_id",
  "kernel_id",
  "strategy",
  "state",
  "created_at",
  "updated_at",
  "false_positive",
  "persistent",
  "rationale",
  "action",
  "trigger",
  "before",
  "verification",
] as const satisfies readonly (keyof PatchInsert)[];
export const TRANSITION_REQUIRED = [
  "patch_id",
  "seq",
  "to_state",
  "at",
  "actor",
  "reason",
] as const satisfies readonly (keyof PatchTransitionsTable)[];
export const ALERT_REQUIRED = [
  "alert_id",
  "dedupe_key",
  "kind",
  "severity",
  "text",
  "created_at",
  "last_seen_at",
  "occurrences",
  "delivery_status",
  "delivery_attempts",
] as const satisfies readonly (keyof AlertInsert)[];
export const PHASE_REQUIRED = [
  "from_phase",
  "to_phase",
  "at",
  "actor",
  "forced",
  "criteria",
] as const satisfies readonly (keyof PhaseInsert)[];

/** JSON text, or null (for the NOT NULL constraint to name) when there is no value. */
const json = (value: unknown): string | null => (value == null ? null : JSON.stringify(value));
const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));
const bit = (value: boolean | null | undefined, bool: (v: boolean) => DbBool) =>
  value == null ? (null as unknown as DbBool) : bool(value);

/**
 * The patches row of a patch, serialised now: a caller that changes its object after saving
 * changes nothing stored. A missing value becomes null for the NOT NULL constraint to name.
 */
export function patchRow(p: Patch, bool: (value: boolean) => DbBool): PatchInsert {
  return {
    patch_id: p.patch_id ?? null,
    kernel_id: p.kernel_id ?? null,
    strategy: p.strategy ?? null,
    state: p.state ?? null,
    created_at: p.created_at ?? null,
    updated_at: p.updated_at ?? null,
    false_positive: bit(p.false_positive, bool),
    persistent: bit(p.persistent, bool),
    rationale: p.rationale ?? null,
    action: json(p.action) as string,
    trigger: json(p.trigger) as string,
    before: json(p.before) as string,
    sandbox: json(p.sandbox),
    verification: json(p.verification) as string,
    rollback: json(p.rollback),
    git: json(p.git),
  };
}

/** Every transition of the patch as a row; its index in the list is its seq. */
export function transitionRows(p: Patch): PatchTransitionsTable[] {
  return p.transitions.map((t, seq) => ({
    patch_id: p.patch_id ?? null,
    seq,
    from_state: t.from ?? null,
    to_state: t.to ?? null,
    at: t.at ?? null,
    actor: t.actor ?? null,
    reason: t.reason ?? null,
  }));
}

/** The patch of a row and its transition rows, which must be in seq order. */
export function patchFromRow(row: PatchInsert, transitions: readonly PatchTransitionsTable[]): Patch {
  return {
    patch_id: row.patch_id,
    kernel_id: row.kernel_id,
    strategy: row.strategy as StrategyName,
    action: JSON.parse(row.action) as Patch["action"],
    rationale: row.rationale,
    trigger: JSON.parse(row.trigger) as Patch["trigger"],
    // 0/1 on SQLite, true/false on PostgreSQL.
    persistent: Boolean(row.persistent),
    state: row.state as PatchState,
    created_at: row.created_at,
    updated_at: row.updated_at,
    transitions: transitions.map(transitionFromRow),
    before: JSON.parse(row.before) as Patch["before"],
    sandbox: parse(row.sandbox) as Patch["sandbox"],
    verification: JSON.parse(row.verification) as Patch["verification"],
    rollback: parse(row.rollback) as Patch["rollback"],
    false_positive: Boolean(row.false_positive),
    git: parse(row.git),
  };
}

function transitionFromRow(row: PatchTransitionsTable): PatchTransition {
  return {
    from: row.from_state as PatchState | null,
    to: row.to_state as PatchState,
    at: row.at,
    actor: row.actor as PatchActor,
    reason: row.reason,
  };
}

/** The row of an alert: its fields by name, so a richer object passed in adds no column. */
export function alertRow(a: StoredAlert): AlertInsert {
  return {
    alert_id: a.alert_id ?? null,
    dedupe_key: a.dedupe_key ?? null,
    kind: a.kind ?? null,
    kernel_id: a.kernel_id ?? null,
    severity: a.severity ?? null,
    text: a.text ?? null,
    created_at: a.created_at ?? null,
    last_seen_at: a.last_seen_at ?? null,
    occurrences: a.occurrences ?? null,
    delivery_status: a.delivery_status ?? null,
    delivery_attempts: a.delivery_attempts ?? null,
    last_error: a.last_error ?? null,
    delivered_at: a.delivered_at ?? null,
  };
}

export function alertFromRow(row: AlertInsert): StoredAlert {
  return {
    alert_id: row.alert_id,
    dedupe_key: row.dedupe_key,
    kind: row.kind,
    kernel_id: row.kernel_id,
    severity: row.severity as StoredAlert["severity"],
    text: row.text,
    created_at: row.created_at,
    last_seen_at: row.last_seen_at,
    occurrences: row.occurrences,
    delivery_status: row.delivery_status as StoredAlert["delivery_status"],
    delivery_attempts: row.delivery_attempts,
    last_error: row.last_error,
    delivered_at: row.delivered_at,
  };
}

/** The row of a phase change; its seq, if any, is the store's to give. */
export function phaseRow(c: PhaseChange, bool: (value: boolean) => DbBool): PhaseInsert {
  return {
    from_phase: c.from_phase ?? null,
    to_phase: c.to_phase ?? null,
    at: c.at ?? null,
    actor: c.actor ?? null,
    forced: bit(c.forced, bool),
    reason: c.reason ?? null,
    // JSON null is a value like any other; only a missing criteria is refused.
    criteria: c.criteria === undefined ? (null as unknown as string) : JSON.stringify(c.criteria),
  };
}

export function phaseFromRow(row: PhaseInsert & { seq: number }): PhaseChange {
  return {
    seq: row.seq,
    from_phase: row.from_phase,
    to_phase: row.to_phase,
    at: row.at,
    actor: row.actor,
    forced: Boolean(row.forced),
    reason: row.reason,
    criteria: JSON.parse(row.criteria) as unknown,
  };
}

/** The JSON text of a healing_state document; undefined has none, so it is refused like NOT NULL. */
export function healingStateValue(key: string, value: unknown): string {
  const text = value === undefined ? undefined : JSON.stringify(value);
  if (text === undefined) throw new TypeError(`healing state ${key}: the value has no JSON form`);
  return text;
}

/** The row limit of a healing query; a bad limit is the caller's bug, so it throws. */
export function healingLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_HEALING_LIMIT;
  if (!Number.isInteger(n) || n < 0 || n > MAX_HEALING_LIMIT)
    throw new RangeError(`limit must be an integer from 0 to ${MAX_HEALING_LIMIT}, got ${n}`);
  return n;
}
