/**
 * How a kernel_retired event becomes a kernel_retirements row and reads back, shared by the
 * SQL store and the fake so both give the same answers.
 *
 * @example
 * for (const e of change.events) if (e.type === "kernel_retired") insert(retirementRow(e));
 */
import type { Selectable } from "kysely";
import type { KernelRetiredEvent, RetirementHandoff } from "../core/rest/events.js";
import type { RestMode } from "../core/rest/kernel-state.js";
import type { KernelRetirementsTable } from "./schema.js";
import type { KernelRetirementRow } from "./store-types.js";

/** The row a kernel_retired event appends; `forced` as a JS boolean (the SQL store binds it per dialect). */
export function retirementRow(e: KernelRetiredEvent): Omit<KernelRetirementRow, "id"> {
  return {
    kernel_id: e.kernel_id,
    kernel_name: e.kernel_name,
    tier: e.tier,
    rest_policy: e.rest_policy,
    retired_at: e.at,
    forced: e.forced,
    reason: e.reason,
    actor: e.actor,
    woken_from: e.woken_from,
    handoffs: e.handoffs.map((h) => ({ ...h })),
    rest_count: e.rest_count,
    total_rest_seconds: e.total_rest_seconds,
  };
}

/** The handoffs as the text column holds them. */
export function handoffsText(row: Pick<KernelRetirementRow, "handoffs">): string {
  return JSON.stringify(row.handoffs);
}

/** A stored row as the contract gives it: a boolean on SQLite too, the handoffs parsed back. */
export function retirementFromRow(row: Selectable<KernelRetirementsTable>): KernelRetirementRow {
  return {
    ...row,
    tier: row.tier as KernelRetirementRow["tier"],
    rest_policy: row.rest_policy as KernelRetirementRow["rest_policy"],
    forced: Boolean(row.forced),
    woken_from: row.woken_from as RestMode | null,
    handoffs: JSON.parse(row.handoffs) as RetirementHandoff[],
    // pg returns int4 as a number, SQLite an integer as a number: no conversion needed.
  };
}
