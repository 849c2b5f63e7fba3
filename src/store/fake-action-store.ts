/**
 * The remediation-action part of the in-memory fake store, with the SQL stores' semantics:
 * rows kept as the table holds them (params and result as JSON text, through the same
 * action-rows functions), NOT NULL columns enforced, an upsert keeping the row's first seq,
 * and failNextCommit failing a save.
 *
 * @example
 * const tables = new FakeActionTables();
 * const actions = fakeActionStore(tables, { open() {}, takeFailure: () => undefined, nextId: () => ++id });
 */
import { ACTION_REQUIRED, type ActionInsert, actionFromRow, actionLimit, actionRow } from "./action-rows.js";
import type { ActionStore } from "./action-store-types.js";
import { type FakeStoreHooks, required } from "./fake-health-store.js";

/** The fake's remediation_actions table, part of a FakeDatabase. */
export class FakeActionTables {
  /** By action_id, like the unique index. */
  rows = new Map<string, ActionInsert & { seq: number }>();
}

/** The fake's boolean column holds what PostgreSQL returns; reads go through Boolean() either way. */
const asBool = (value: boolean) => value;

export function fakeActionStore(tables: FakeActionTables, hooks: FakeStoreHooks): ActionStore {
  const byAge = (a: { created_at: number; seq: number }, b: { created_at: number; seq: number }) =>
    a.created_at - b.created_at || a.seq - b.seq;
  return {
    async saveAction(action) {
      hooks.open();
      const failure = hooks.takeFailure();
      if (failure) throw failure;
      const row = required("remediation_actions", actionRow(action, asBool), ACTION_REQUIRED);
      const seq = tables.rows.get(row.action_id)?.seq ?? hooks.nextId();
      tables.rows.set(row.action_id, { ...row, seq });
    },
    async loadOpenActions() {
      hooks.open();
      return [...tables.rows.values()]
        .filter((r) => r.status === "pending")
        .sort(byAge)
        .map(actionFromRow);
    },
    async getAction(actionId) {
      hooks.open();
      const row = tables.rows.get(actionId);
      return row ? actionFromRow(row) : null;
    },
    async listActions(query = {}) {
      hooks.open();
      const limit = actionLimit(query.limit);
      return [...tables.rows.values()]
        .filter((r) => query.kernelId === undefined || r.kernel_id === query.kernelId)
        .sort((a, b) => byAge(b, a))
        .slice(0, limit)
        .map(actionFromRow);
    },
  };
}
