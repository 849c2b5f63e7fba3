/**
 * How constellation cycle records become constellation_cycles rows and back, shared by the SQL
 * store and the fake so both give the same answers: detail as JSON text, and which row
 * `closeCycle` ends.
 *
 * @example
 * const rows = change.cycleRecords?.map(cycleRow) ?? []; // before the transaction: may throw
 * const open = await store.openCycle(); // the row OPEN_CYCLE describes, or null
 */
import type { Selectable } from "kysely";
import type { ConstellationCyclesTable } from "./schema.js";
import type { ConstellationCycleRow, CycleRecordKind, NewCycleRecord, RestChange } from "./store-types.js";

type CycleTableRow = Selectable<ConstellationCyclesTable>;

/** The kind of row a running cycle has; with ended_at null it is the open cycle. */
export const CYCLE_KIND: CycleRecordKind = "cycle";

/**
 * The row a cycle record inserts. The detail must be JSON: a value JSON cannot hold (undefined,
 * a function, a cycle of references) throws a TypeError here, before anything is written,
 * rather than being stored as something else.
 */
export function cycleRow(record: NewCycleRecord): Omit<CycleTableRow, "id"> {
  return {
    kind: record.kind,
    cycle_type: record.cycle_type,
    started_at: record.started_at,
    ended_at: record.ended_at,
    reason: record.reason,
    detail: detailText(record.detail),
  };
}

/** What `closeCycle` writes into the open cycle row. */
export function cycleClosing(close: NonNullable<RestChange["closeCycle"]>) {
  return { ended_at: close.ended_at, detail: detailText(close.detail) } satisfies Partial<CycleTableRow>;
}

/** A constellation_cycles row as the contract gives it, detail parsed back from JSON. */
export function cycleFromRow(row: CycleTableRow): ConstellationCycleRow {
  return { ...row, kind: row.kind as CycleRecordKind, detail: JSON.parse(row.detail) as unknown };
}

function detailText(detail: unknown): string {
  const text = JSON.stringify(detail) as string | undefined;
  if (text === undefined) throw new TypeError("a constellation cycle record's detail must be JSON");
  return text;
}
