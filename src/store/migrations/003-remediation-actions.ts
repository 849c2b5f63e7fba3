/**
 * Migration 003: remediation_actions, every action sent to a kernel with its answer.
 *
 * action_id is the key callers use (unique, and the target of the upsert), but the primary
 * key is a rising `seq`: it orders actions created in the same ms as they were first saved,
 * where ordering by a text id would follow PostgreSQL's collation on one database and bytes
 * on the other. Every statement says IF NOT EXISTS, as in 001 (SQLite migrations are not
 * wrapped in a transaction, so a start that died halfway must be able to run this again).
 */
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

export function remediationActionsMigration(d: SqlDialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("remediation_actions")
        .ifNotExists()
        .addColumn("seq", d.idType, d.identity)
        .addColumn("action_id", "text", (c) => c.notNull().unique())
        .addColumn("kernel_id", "text", (c) => c.notNull())
        .addColumn("patch_id", "text")
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("params", "text", (c) => c.notNull())
        .addColumn("dry_run", d.boolType, (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_at", d.doubleType, (c) => c.notNull())
        .addColumn("deadline_at", d.doubleType, (c) => c.notNull())
        .addColumn("answered_at", d.doubleType)
        .addColumn("result", "text")
        .execute();
      // The pending actions at start-up; few among many answered ones.
      await db.schema
        .createIndex("remediation_actions_status")
        .ifNotExists()
        .on("remediation_actions")
        .column("status")
        .execute();
      // A kernel's actions, newest first, straight from the index.
      await db.schema
        .createIndex("remediation_actions_kernel_created")
        .ifNotExists()
        .on("remediation_actions")
        .columns(["kernel_id", "created_at", "seq"])
        .execute();
      await db.schema
        .createIndex("remediation_actions_created")
        .ifNotExists()
        .on("remediation_actions")
        .columns(["created_at", "seq"])
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable("remediation_actions").ifExists().execute();
    },
  };
}
