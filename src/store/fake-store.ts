/**
 * An in-memory Store (rest, health, actions and healing) with the SQL stores' semantics, for unit tests of
 * services: a commit is all or nothing, required columns are enforced like NOT NULL, saved
 * states, coverage contexts and cycle details are kept as JSON text through the same row
 * functions as the SQL store (so later mutation of a committed object changes nothing stored),
 * rest quality is aggregated as SQL does it, and `failNextCommit` lets a test check that a
 * failed commit is not acknowledged.
 *
 * @example
 * const store = createFakeStore();
 * store.failNextCommit(new Error("disk full"));
 * await expect(service.requestRest("apollo_1")).rejects.toThrow("disk full");
 * const reopened = createFakeStore(store.database); // same data, like reopening a file
 */
import type { Selectable } from "kysely";
import type { RestSchedulerState, StoredReport } from "../core/rest/scheduler.js";
import { CYCLE_KIND, cycleClosing, cycleFromRow, cycleRow } from "./cycle-rows.js";
import { FakeAccessTokenTables, fakeAccessTokenStore } from "./fake-access-token-store.js";
import { FakeActionTables, fakeActionStore } from "./fake-action-store.js";
import { FakeHealingTables, fakeHealingStore } from "./fake-healing-store.js";
import { FakeHealthTables, fakeHealthStore, required } from "./fake-health-store.js";
import { aggregateRestQuality, restQualityRows } from "./rest-quality.js";
import {
  changeTime,
  coverageClosing,
  coverageFromRow,
  historyLimit,
  kernelRow,
  openCoverageRow,
  openRestRow,
  restClosing,
  restoredState,
} from "./rest-rows.js";
import { handoffsText, retirementFromRow, retirementRow } from "./retirement-rows.js";
import type {
  ConstellationCyclesTable,
  CoverageEventsTable,
  KernelRetirementsTable,
  KernelsTable,
} from "./schema.js";
import type { FatigueReportRow, HistoryQuery, RestChange, RestEventRow, Store } from "./store-types.js";

/** The fake's "database file": pass it to another createFakeStore to reopen the same data. */
export class FakeDatabase {
  kernels = new Map<string, KernelsTable>();
  chaosEverSpawned: string[] = [];
  restEvents: RestEventRow[] = [];
  coverageEvents: Selectable<CoverageEventsTable>[] = [];
  fatigueSnapshots: (FatigueReportRow & { id: number })[] = [];
  /** scheduler_meta's report_seq: the floor of report sequence numbers (RestChange.reportSeq). */
  reportSeq = 0;
  constellationCycles: Selectable<ConstellationCyclesTable>[] = [];
  kernelRetirements: Selectable<KernelRetirementsTable>[] = [];
  health = new FakeHealthTables();
  actions = new FakeActionTables();
  healing = new FakeHealingTables();
  accessTokens = new FakeAccessTokenTables();
  /** Like AUTOINCREMENT: ids keep rising after deletes. */
  lastId = 0;

  copy(): FakeDatabase {
    const c = new FakeDatabase();
    c.kernels = new Map(this.kernels);
    c.chaosEverSpawned = [...this.chaosEverSpawned];
    c.reportSeq = this.reportSeq;
    c.restEvents = this.restEvents.map((r) => ({ ...r }));
    c.coverageEvents = this.coverageEvents.map((r) => ({ ...r }));
    c.fatigueSnapshots = [...this.fatigueSnapshots];
    // Row by row: closing a cycle changes its row in place.
    c.constellationCycles = this.constellationCycles.map((r) => ({ ...r }));
    // Append-only: rows are never changed in place, so the array is enough to copy.
    c.kernelRetirements = [...this.kernelRetirements];
    // Shared, not copied: a rest change never writes the health, action, healing or token tables.
    c.health = this.health;
    c.actions = this.actions;
    c.healing = this.healing;
    c.accessTokens = this.accessTokens;
    c.lastId = this.lastId;
    return c;
  }
}

export interface FakeStore extends Store {
  readonly database: FakeDatabase;
  /**
   * Makes the next write (commit, commitSnapshots, setBaseline, saveAction, a healing write:
   * savePatch, saveAlert, recordPhaseChange, saveHealingState, recordServerStart or Stop, or a
   * token write: saveAccessToken, revokeAccessToken)
   * reject with `error` and store nothing.
   */
  failNextCommit(error: Error): void;
}

const REST_REQUIRED = [
  "kernel_id",
  "kernel_name",
  "rest_type",
  "started_at",
  "planned_until",
  "reason",
  "reason_code",
  "forced",
  "phi_at_rest",
  "kappa_at_rest",
  "fatigue_at_rest",
] as const;
const COVERAGE_REQUIRED = ["kernel_id", "covering_for", "started_at", "coverer_fatigue", "share"] as const;
const SNAPSHOT_REQUIRED = ["kernel_id", "at", "phi", "kappa", "load", "error_rate", "fatigue"] as const;
const CYCLE_REQUIRED = ["kind", "cycle_type", "started_at", "reason", "detail"] as const;
const RETIREMENT_REQUIRED = [
  "kernel_id",
  "kernel_name",
  "tier",
  "rest_policy",
  "retired_at",
  "forced",
  "handoffs",
  "rest_count",
  "total_rest_seconds",
] as const;

export function createFakeStore(database = new FakeDatabase()): FakeStore {
  let failure: Error | undefined;
  let closed = false;
  const open = () => {
    if (closed) throw new Error("fake store is closed");
  };

  const hooks = {
    open,
    takeFailure() {
      const error = failure;
      failure = undefined;
      return error;
    },
    nextId: () => ++database.lastId,
  };
  const health = fakeHealthStore(database.health, hooks);
  const actions = fakeActionStore(database.actions, hooks);
  const healing = fakeHealingStore(database.healing, hooks);
  const accessTokens = fakeAccessTokenStore(database.accessTokens, hooks);

  return {
    ...health,
    ...actions,
    ...healing,
    ...accessTokens,
    backend: "fake",
    database,
    failNextCommit(error) {
      failure = error;
    },
    async migrate() {
      open();
    },
    async loadRestState(): Promise<RestSchedulerState> {
      open();
      const states = [...database.kernels.values()].map((k) => k.state);
      // Each kernel's reports stored after its row, as the SQL stores select them (011).
      const reports: StoredReport[] = [];
      for (const { id: _id, seq, ...f } of database.fatigueSnapshots) {
        const row = database.kernels.get(f.kernel_id);
        if (row && seq !== undefined && seq !== null && seq > row.report_seq) reports.push({ ...f, seq });
      }
      reports.sort((a, b) => a.seq - b.seq);
      return restoredState(states, [...database.chaosEverSpawned], database.reportSeq, reports);
    },
    async commit(change) {
      open();
      if (failure) {
        const error = failure;
        failure = undefined;
        throw error;
      }
      // Applied to a copy that replaces the data only when every step succeeded.
      Object.assign(database, apply(database.copy(), change));
    },
    async restEvents(query = {}) {
      open();
      return newestFirst(database.restEvents, query, (r) => r.started_at).map((r) => ({ ...r }));
    },
    async coverageEvents(query = {}) {
      open();
      return newestFirst(database.coverageEvents, query, (r) => r.started_at).map(coverageFromRow);
    },
    async fatigueSnapshots(query = {}) {
      open();
      return newestFirst(database.fatigueSnapshots, query, (r) => r.at).map(
        ({ id: _id, seq: _seq, ...s }) => s,
      );
    },
    async constellationCycles(query = {}) {
      open();
      // Cycles concern the whole constellation: kernelId does not filter them.
      const { kernelId: _ignored, kind, ...rest } = query;
      const rows = database.constellationCycles.filter((r) => kind === undefined || r.kind === kind);
      return newestFirst(rows, rest, (r) => r.started_at).map(cycleFromRow);
    },
    async kernelRetirements(query = {}) {
      open();
      return newestFirst(database.kernelRetirements, query, (r) => r.retired_at).map(retirementFromRow);
    },
    async retiredKernelIds() {
      open();
      return [...new Set(database.kernelRetirements.map((r) => r.kernel_id))].sort();
    },
    async openCycle() {
      open();
      const running = database.constellationCycles.filter(
        (r) => r.kind === CYCLE_KIND && r.ended_at === null,
      );
      const [newest] = newestFirst(running, { limit: 1 }, (r) => r.started_at);
      return newest ? cycleFromRow(newest) : null;
    },
    async restQuality(query = {}) {
      open();
      return restQualityRows(aggregateRestQuality(database.restEvents, query));
    },
    async pruneFatigueSnapshots(olderThanMs) {
      open();
      const before = database.fatigueSnapshots.length;
      database.fatigueSnapshots = database.fatigueSnapshots.filter((s) => s.at >= olderThanMs);
      return before - database.fatigueSnapshots.length;
    },
    async close() {
      closed = true;
    },
  };
}

function apply(db: FakeDatabase, change: RestChange): FakeDatabase {
  const at = changeTime(change);
  for (const saved of change.kernels) db.kernels.set(saved.kernelId, kernelRow(saved, at));
  for (const id of change.removedKernelIds) db.kernels.delete(id);
  if (change.chaosEverSpawned !== undefined) db.chaosEverSpawned = [...change.chaosEverSpawned];
  if (change.reportSeq !== undefined) db.reportSeq = change.reportSeq;
  for (const e of change.events) {
    if (e.type === "rest_started") {
      db.restEvents.push({ id: ++db.lastId, ...required("rest_events", openRestRow(e), REST_REQUIRED) });
    } else if (e.type === "rest_ended") {
      for (const r of db.restEvents)
        if (r.kernel_id === e.kernel_id && r.ended_at === null) Object.assign(r, restClosing(e));
    } else if (e.type === "coverage_started") {
      const row = required("coverage_events", openCoverageRow(e), COVERAGE_REQUIRED);
      db.coverageEvents.push({ id: ++db.lastId, ...row });
    } else if (e.type === "coverage_ended") {
      for (const r of db.coverageEvents)
        if (r.kernel_id === e.kernel_id && r.covering_for === e.covering_for && r.ended_at === null)
          Object.assign(r, coverageClosing(e));
    } else if (e.type === "kernel_retired") {
      const row = retirementRow(e);
      const stored = { ...row, handoffs: handoffsText(row) };
      db.kernelRetirements.push({
        id: ++db.lastId,
        ...required("kernel_retirements", stored, RETIREMENT_REQUIRED),
      });
    }
  }
  // Closed before the new records go in, as in the SQL store.
  if (change.closeCycle) {
    const closing = cycleClosing(change.closeCycle);
    for (const r of db.constellationCycles)
      if (r.kind === CYCLE_KIND && r.ended_at === null) Object.assign(r, closing);
  }
  for (const record of change.cycleRecords ?? []) {
    const row = required("constellation_cycles", cycleRow(record), CYCLE_REQUIRED);
    db.constellationCycles.push({ id: ++db.lastId, ...row });
  }
  for (const f of change.fatigue ?? []) {
    const snapshot = required("fatigue_snapshots", { ...f }, SNAPSHOT_REQUIRED);
    db.fatigueSnapshots.push({ id: ++db.lastId, ...snapshot, seq: f.seq ?? null });
  }
  return db;
}

function newestFirst<T extends { id: number; kernel_id?: string }>(
  rows: readonly T[],
  query: HistoryQuery,
  time: (row: T) => number,
): T[] {
  const limit = historyLimit(query);
  return rows
    .filter((r) => query.kernelId === undefined || r.kernel_id === query.kernelId)
    .filter((r) => query.sinceMs === undefined || time(r) >= query.sinceMs)
    .sort((a, b) => time(b) - time(a) || b.id - a.id)
    .slice(0, limit);
}
