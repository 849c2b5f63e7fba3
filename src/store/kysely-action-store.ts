/**
 * The ActionStore on SQL, the same queries on SQLite and PostgreSQL; KyselyStore hands its
 * four methods to one of these, as it sits beside the rest and health tables.
 *
 * @example
 * const actions = new KyselyActionStore(db, SQLITE_DIALECT);
 * await actions.saveAction(action);
 * await actions.listActions({ kernelId: "apollo_1", limit: 10 });
 */
import type { Kysely } from "kysely";
import type { RemediationAction } from "../core/healing/remediation-action.js";
import { actionFromRow, actionLimit, actionRow } from "./action-rows.js";
import type { ActionQuery, ActionStore } from "./action-store-types.js";
import type { Database } from "./schema.js";
import type { SqlDialect } from "./sql-dialect.js";

export class KyselyActionStore implements ActionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async saveAction(action: RemediationAction): Promise<void> {
    // Built before the statement: an action that cannot be serialised fails here.
    const row = actionRow(action, this.dialect.bool);
    // One statement is one transaction on both databases; seq stays that of the first save.
    await this.db
      .insertInto("remediation_actions")
      .values(row)
      .onConflict((oc) =>
        oc.column("action_id").doUpdateSet((eb) => ({
          kernel_id: eb.ref("excluded.kernel_id"),
          patch_id: eb.ref("excluded.patch_id"),
          type: eb.ref("excluded.type"),
          params: eb.ref("excluded.params"),
          dry_run: eb.ref("excluded.dry_run"),
          status: eb.ref("excluded.status"),
          created_at: eb.ref("excluded.created_at"),
          deadline_at: eb.ref("excluded.deadline_at"),
          answered_at: eb.ref("excluded.answered_at"),
          result: eb.ref("excluded.result"),
        })),
      )
      .execute();
  }

  async loadOpenActions(): Promise<RemediationAction[]> {
    const rows = await this.db
      .selectFrom("remediation_actions")
      .selectAll()
      .where("status", "=", "pending")
      .orderBy("created_at")
      .orderBy("seq")
      .execute();
    return rows.map(actionFromRow);
  }

  async getAction(actionId: string): Promise<RemediationAction | null> {
    const row = await this.db
      .selectFrom("remediation_actions")
      .selectAll()
      .where("action_id", "=", actionId)
      .executeTakeFirst();
    return row ? actionFromRow(row) : null;
  }

  async listActions(query: ActionQuery = {}): Promise<RemediationAction[]> {
    const limit = actionLimit(query.limit);
    let q = this.db.selectFrom("remediation_actions").selectAll();
    if (query.kernelId !== undefined) q = q.where("kernel_id", "=", query.kernelId);
    const rows = await q.orderBy("created_at", "desc").orderBy("seq", "desc").limit(limit).execute();
    return rows.map(actionFromRow);
  }
}
