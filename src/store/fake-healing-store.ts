/**
 * The self-healing part of the in-memory fake store, with the SQL stores' semantics: rows kept
 * as the tables hold them (JSON text, through the same healing-rows functions), NOT NULL
 * columns enforced, an upsert keeping the row's first seq, a patch's new transitions appended
 * with its row or not at all, and failNextCommit failing a write.
 *
 * @example
 * const tables = new FakeHealingTables();
 * const healing = fakeHealingStore(tables, { open() {}, takeFailure: () => undefined, nextId: () => ++id });
 */
import type { Selectable } from "kysely";
import { type FakeStoreHooks, required } from "./fake-health-store.js";
import {
  ALERT_REQUIRED,
  type AlertInsert,
  alertFromRow,
  alertRow,
  healingLimit,
  healingStateValue,
  OPEN_PATCH_STATES,
  PATCH_REQUIRED,
  type PatchInsert,
  PHASE_REQUIRED,
  type PhaseInsert,
  patchFromRow,
  patchRow,
  phaseFromRow,
  phaseRow,
  TRANSITION_REQUIRED,
  transitionRows,
} from "./healing-rows.js";
import type { HealingStore } from "./healing-store-types.js";
import type { HealingStateTable, PatchTransitionsTable, ServerRunsTable } from "./schema.js";

type Seq = { seq: number };

/** The fake's healing tables, part of a FakeDatabase. */
export class FakeHealingTables {
  /** By patch_id, like the unique index. */
  patches = new Map<string, PatchInsert & Seq>();
  /** By patch_id, each list in seq order. */
  transitions = new Map<string, PatchTransitionsTable[]>();
  /** By alert_id, like the unique index. */
  alerts = new Map<string, AlertInsert & Seq>();
  phases: (PhaseInsert & Seq)[] = [];
  state = new Map<string, HealingStateTable>();
  runs: Selectable<ServerRunsTable>[] = [];
}

/** The fake's boolean columns hold what PostgreSQL returns; reads go through Boolean() either way. */
const asBool = (value: boolean) => value;

const byAge = (a: { created_at: number; seq: number }, b: { created_at: number; seq: number }) =>
  a.created_at - b.created_at || a.seq - b.seq;

export function fakeHealingStore(tables: FakeHealingTables, hooks: FakeStoreHooks): HealingStore {
  const write = () => {
    hooks.open();
    const failure = hooks.takeFailure();
    if (failure) throw failure;
  };
  const patchOf = (row: PatchInsert) => patchFromRow(row, tables.transitions.get(row.patch_id) ?? []);

  return {
    async savePatch(patch) {
      write();
      // Every row is built and checked before any is stored: nothing of a failing save lands.
      const row = required("patches", patchRow(patch, asBool), PATCH_REQUIRED);
      const stored = tables.transitions.get(row.patch_id) ?? [];
      const fresh = transitionRows(patch)
        .slice(stored.length)
        .map((t) => required("patch_transitions", t, TRANSITION_REQUIRED));
      const seq = tables.patches.get(row.patch_id)?.seq ?? hooks.nextId();
      tables.patches.set(row.patch_id, { ...row, seq });
      tables.transitions.set(row.patch_id, [...stored, ...fresh]);
    },
    async getPatch(patchId) {
      hooks.open();
      const row = tables.patches.get(patchId);
      return row ? patchOf(row) : null;
    },
    async countPatches() {
      hooks.open();
      return tables.patches.size;
    },
    async listPatches(query = {}) {
      hooks.open();
      const limit = healingLimit(query.limit);
      const { kernelId, states } = query;
      return [...tables.patches.values()]
        .filter((r) => kernelId === undefined || r.kernel_id === kernelId)
        .filter((r) => states === undefined || (states as readonly string[]).includes(r.state))
        .sort((a, b) => byAge(b, a))
        .slice(0, limit)
        .map(patchOf);
    },
    async loadOpenPatches() {
      hooks.open();
      return [...tables.patches.values()]
        .filter((r) => (OPEN_PATCH_STATES as readonly string[]).includes(r.state))
        .sort(byAge)
        .map(patchOf);
    },
    async saveAlert(alert) {
      write();
      const row = required("alerts", alertRow(alert), ALERT_REQUIRED);
      const seq = tables.alerts.get(row.alert_id)?.seq ?? hooks.nextId();
      tables.alerts.set(row.alert_id, { ...row, seq });
    },
    async findAlertByDedupeKey(key) {
      hooks.open();
      const [newest] = [...tables.alerts.values()]
        .filter((r) => r.dedupe_key === key)
        .sort((a, b) => byAge(b, a));
      return newest ? alertFromRow(newest) : null;
    },
    async listAlerts(query = {}) {
      hooks.open();
      const limit = healingLimit(query.limit);
      const pending = query.pendingDelivery;
      return [...tables.alerts.values()]
        .filter((r) => pending === undefined || (r.delivery_status === "pending") === pending)
        .sort((a, b) => byAge(b, a))
        .slice(0, limit)
        .map(alertFromRow);
    },
    async recordPhaseChange(change) {
      write();
      const row = required("phase_history", phaseRow(change, asBool), PHASE_REQUIRED);
      tables.phases.push({ ...row, seq: hooks.nextId() });
    },
    async loadPhaseHistory() {
      hooks.open();
      return tables.phases.map(phaseFromRow);
    },
    async saveHealingState(key, value, at = Date.now()) {
      write();
      tables.state.set(key, { key, value: healingStateValue(key, value), updated_at: at });
    },
    async loadHealingState(key) {
      hooks.open();
      const row = tables.state.get(key);
      return row ? (JSON.parse(row.value) as unknown) : null;
    },
    async recordServerStart(at) {
      write();
      const id = hooks.nextId();
      tables.runs.push(required("server_runs", { id, started_at: at, stopped_at: null }, ["started_at"]));
      return id;
    },
    async recordServerStop(runId, at) {
      write();
      const run = tables.runs.find((r) => r.id === runId && r.stopped_at === null);
      if (run) run.stopped_at = at;
    },
    async uncleanStops(currentRunId) {
      hooks.open();
      return tables.runs.filter((r) => r.id !== currentRunId && r.stopped_at === null).length;
    },
  };
}
