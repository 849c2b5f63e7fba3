/**
 * The health half of the in-memory fake store, with the SQL stores' semantics: rows are
 * kept as the tables hold them (basins as float32 bytes, context as JSON text, through the
 * same health-rows functions), a batch is all or nothing, NOT NULL columns are enforced,
 * and ids keep rising after pruning.
 *
 * @example
 * const tables = new FakeHealthTables();
 * const health = fakeHealthStore(tables, { open() {}, takeFailure: () => undefined, nextId: () => ++id });
 */
import type { Selectable } from "kysely";
import {
  assertCursor,
  baselineFromRow,
  baselineRows,
  healthLimit,
  perKernelCount,
  RESONANCE_COLUMNS,
  resonanceFromRow,
  resonanceRow,
  rowOf,
  SNAPSHOT_REQUIRED,
  type SnapshotInsert,
  snapshotFromRow,
  snapshotValues,
} from "./health-rows.js";
import type { HealthSnapshotRow, HealthStore, SnapshotQuery } from "./health-store-types.js";
import type { BaselinesTable, ResonancePointsTable } from "./schema.js";

/** The fake's health tables, part of a FakeDatabase. */
export class FakeHealthTables {
  snapshots: (SnapshotInsert & { id: number })[] = [];
  baselines = new Map<string, BaselinesTable>();
  resonance: Selectable<ResonancePointsTable>[] = [];
}

/** What the health methods need from the fake store around them. */
export interface FakeStoreHooks {
  /** Throws when the store is closed. */
  open(): void;
  /** The error failNextCommit set, once: it fails the next write of data (not a prune). */
  takeFailure(): Error | undefined;
  /** The next row id, shared by all tables like one AUTOINCREMENT. */
  nextId(): number;
}

const BASELINE_REQUIRED = ["kernel_id", "basin", "set_at", "source"] as const;
const RESONANCE_REQUIRED = RESONANCE_COLUMNS;

export function fakeHealthStore(tables: FakeHealthTables, hooks: FakeStoreHooks): HealthStore {
  const write = () => {
    hooks.open();
    const failure = hooks.takeFailure();
    if (failure) throw failure;
  };
  return {
    async commitSnapshots(batch, extras = {}) {
      write();
      // Every row is built and checked before any is stored: nothing of a failing batch lands.
      const rows = batch.map((s) =>
        required("health_snapshots", rowOf(snapshotValues(s)), SNAPSHOT_REQUIRED),
      );
      const baselines = baselineRows(extras.baselines ?? []);
      for (const b of baselines) required("baselines", b, BASELINE_REQUIRED);
      const points = (extras.resonance ?? []).map((p) =>
        required("resonance_points", resonanceRow(p), RESONANCE_REQUIRED),
      );
      for (const row of rows) tables.snapshots.push({ id: hooks.nextId(), ...row });
      for (const b of baselines) tables.baselines.set(b.kernel_id, b);
      for (const p of points) tables.resonance.push({ id: hooks.nextId(), ...p });
    },
    async setBaseline(baseline) {
      write();
      for (const b of baselineRows([baseline]))
        tables.baselines.set(b.kernel_id, required("baselines", b, BASELINE_REQUIRED));
    },
    async loadBaselines() {
      hooks.open();
      return [...tables.baselines.values()]
        .sort((a, b) => compareText(a.kernel_id, b.kernel_id))
        .map(baselineFromRow);
    },
    async recentSnapshots(perKernel) {
      hooks.open();
      const n = perKernelCount(perKernel);
      const byKernel = new Map<string, typeof tables.snapshots>();
      for (const row of tables.snapshots) {
        const rows = byKernel.get(row.kernel_id) ?? [];
        rows.push(row);
        byKernel.set(row.kernel_id, rows);
      }
      const result: HealthSnapshotRow[] = [];
      for (const id of [...byKernel.keys()].sort(compareText)) {
        const rows = (byKernel.get(id) ?? []).sort((a, b) => a.at - b.at || a.id - b.id);
        if (n > 0) for (const row of rows.slice(-n)) result.push(snapshotFromRow(row));
      }
      return result;
    },
    async snapshots(query: SnapshotQuery = {}) {
      hooks.open();
      const limit = healthLimit(query.limit);
      const { beforeMs, beforeId } = query;
      assertCursor(beforeMs, beforeId);
      return newestFirst(tables.snapshots, query)
        .filter(
          (r) =>
            beforeMs === undefined ||
            r.at < beforeMs ||
            (beforeId !== undefined && r.at === beforeMs && r.id < beforeId),
        )
        .slice(0, limit)
        .map(snapshotFromRow);
    },
    async resonancePoints(query = {}) {
      hooks.open();
      const limit = healthLimit(query.limit);
      return newestFirst(tables.resonance, query).slice(0, limit).map(resonanceFromRow);
    },
    async snapshotCount(query = {}) {
      hooks.open();
      return tables.snapshots.filter((r) => query.kernelId === undefined || r.kernel_id === query.kernelId)
        .length;
    },
    async pruneHealthSnapshots(olderThanMs) {
      hooks.open();
      const before = tables.snapshots.length;
      tables.snapshots = tables.snapshots.filter((r) => r.at >= olderThanMs);
      return before - tables.snapshots.length;
    },
  };
}

/** Byte order of the ids (SQLite's BINARY collation, and JavaScript's for ASCII). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function newestFirst<T extends { id: number; kernel_id: string; at: number }>(
  rows: readonly T[],
  query: { kernelId?: string; sinceMs?: number },
): T[] {
  return rows
    .filter((r) => query.kernelId === undefined || r.kernel_id === query.kernelId)
    .filter((r) => query.sinceMs === undefined || r.at >= query.sinceMs)
    .sort((a, b) => b.at - a.at || b.id - a.id);
}

/** Throws like a NOT NULL constraint when a required column is null or missing. */
export function required<T extends object>(table: string, row: T, columns: readonly (keyof T & string)[]): T {
  for (const column of columns)
    if (row[column] === null || row[column] === undefined)
      throw new Error(`NOT NULL constraint failed: ${table}.${column}`);
  return row;
}
