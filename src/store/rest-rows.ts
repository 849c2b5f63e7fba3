/**
 * How a RestChange becomes rows, shared by the SQL store and the fake so both give the
 * same answers: which events open and close history rows and with what, what a kernel row
 * holds, how rows read back, and how history queries are bounded.
 *
 * A field an event leaves out (undefined) is stored as SQL stores an omitted column: NULL, or
 * the column's default (share 1). Kysely drops undefined values from a statement; the fake
 * goes through these functions, so it ends with the same row.
 *
 * @example
 * for (const e of change.events) if (e.type === "rest_started") insert(openRestRow(e));
 */
import type { Selectable } from "kysely";
import type { RestEvent } from "../core/rest/events.js";
import type { RestSchedulerState, StoredReport } from "../core/rest/scheduler.js";
import type { CoverageEventsTable, KernelsTable, RestEventsTable } from "./schema.js";
import type { CoverageEventRow, HistoryQuery, RestChange, RestEventRow, SavedKernel } from "./store-types.js";

type EventOf<T extends RestEvent["type"]> = Extract<RestEvent, { type: T }>;

export const DEFAULT_HISTORY_LIMIT = 100;

/** The row limit of a history query; a bad limit is the caller's bug, so it throws. */
export function historyLimit(query: HistoryQuery): number {
  const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`history limit must be an integer ≥ 0, got ${limit}`);
  return limit;
}

/**
 * Clock ms of a change: its latest event or snapshot. The contract carries no time of its
 * own, so a kernel row's updated_at is the later of this and the kernel's own timestamps.
 */
export function changeTime(change: RestChange): number {
  let at = Number.NEGATIVE_INFINITY;
  for (const f of change.fatigue ?? []) if (f.at > at) at = f.at;
  for (const e of change.events) if (e.at > at) at = e.at;
  return at;
}

/** The kernels row of a saved state; throws (a TypeError) when the state is not JSON-able. */
export function kernelRow(saved: SavedKernel, at: number): KernelsTable {
  return {
    kernel_id: saved.kernelId,
    kernel_name: saved.kernelName,
    tier: saved.tier,
    rest_policy: saved.policy,
    status: saved.status,
    fatigue: saved.fatigue,
    covered_by: saved.coveredBy,
    covering_for: saved.coveringFor,
    updated_at: Math.max(at, saved.statusSince, saved.lastReportAt, saved.registeredAt),
    state: JSON.stringify(saved),
    report_seq: saved.reportSeq,
  };
}

/**
 * Saved kernels in registration order (then by id), the order a scheduler is rebuilt in.
 * Neither database keeps insertion order, so both backends sort the same way.
 */
export function restoredState(
  states: readonly string[],
  chaosEverSpawned: string[],
  reportSeq: number,
  reports: StoredReport[],
): RestSchedulerState {
  const kernels = states.map((s) => JSON.parse(s) as SavedKernel);
  kernels.sort(
    (a, b) =>
      a.registeredAt - b.registeredAt || (a.kernelId < b.kernelId ? -1 : a.kernelId > b.kernelId ? 1 : 0),
  );
  // The count a scheduler continues from: above every report stored and every row's.
  let seq = reportSeq;
  for (const k of kernels) seq = Math.max(seq, k.reportSeq ?? 0);
  for (const r of reports) seq = Math.max(seq, r.seq);
  return reports.length > 0
    ? { kernels, chaosEverSpawned, reportSeq: seq, reports }
    : { kernels, chaosEverSpawned, reportSeq: seq };
}

/** The open rest_events row a rest_started event inserts. */
export function openRestRow(e: EventOf<"rest_started">): Omit<RestEventRow, "id"> {
  return {
    kernel_id: e.kernel_id,
    kernel_name: e.kernel_name,
    rest_type: e.rest_type,
    started_at: e.at,
    planned_until: e.planned_until,
    ended_at: null,
    duration_seconds: null,
    reason: e.reason,
    reason_code: e.reason_code,
    forced: e.forced,
    covered_by: e.covered_by,
    phi_at_rest: e.phi,
    kappa_at_rest: e.kappa,
    fatigue_at_rest: e.fatigue,
    phi_after: null,
    kappa_after: null,
    fatigue_after: null,
    end_cause: null,
    recovery_per_minute: null,
    cycle: e.cycle ?? null,
    covered_also_by: e.covered_also_by ?? null,
  };
}

/** What a rest_ended event writes into the kernel's open rest_events row. */
export function restClosing(e: EventOf<"rest_ended">) {
  return {
    ended_at: e.at,
    duration_seconds: e.duration_seconds,
    phi_after: e.phi_after,
    kappa_after: e.kappa_after,
    fatigue_after: e.fatigue_after,
    end_cause: e.cause,
    recovery_per_minute: e.recovery_per_minute ?? null,
  } satisfies Partial<RestEventRow>;
}

/** A rest_events row as the contract gives it: the boolean a boolean on SQLite too. */
export function restFromRow(row: Selectable<RestEventsTable>): RestEventRow {
  return { ...row, forced: Boolean(row.forced) };
}

/**
 * The open coverage_events row a coverage_started event inserts, context as JSON text (a
 * null or missing context stays SQL NULL). Throws (a TypeError) when the context is not JSON-able.
 */
export function openCoverageRow(e: EventOf<"coverage_started">): Omit<Selectable<CoverageEventsTable>, "id"> {
  return {
    kernel_id: e.kernel_id,
    covering_for: e.covering_for,
    started_at: e.at,
    ended_at: null,
    coverer_fatigue: e.coverer_fatigue,
    handoff_from: e.handoff_from,
    end_cause: null,
    share: e.share ?? 1,
    // ?? null: JSON.stringify gives undefined for a value JSON cannot hold (a function).
    context: e.context === null || e.context === undefined ? null : (JSON.stringify(e.context) ?? null),
  };
}

/** A coverage_events row as the contract gives it, context parsed back from JSON. */
export function coverageFromRow(row: Selectable<CoverageEventsTable>): CoverageEventRow {
  return { ...row, context: row.context === null ? null : (JSON.parse(row.context) as unknown) };
}

/** What a coverage_ended event writes into the open row of that (coverer, covered) pair. */
export function coverageClosing(e: EventOf<"coverage_ended">) {
  return { ended_at: e.at, end_cause: e.cause } satisfies Partial<CoverageEventRow>;
}
