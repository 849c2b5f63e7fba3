/**
 * Migration 006: kernel retirement (SPEC §6 `DELETE /kernels/:kernel_id`). A retired kernel's
 * row leaves `kernels`, as a deregistered one's does, so a restart cannot bring it back and its
 * id is free to register afresh; its rest, coverage and fatigue history stay where they are.
 * What this adds is the record of the retirement itself, one row each, append-only: when, who,
 * whether forced and why (an essential kernel's retirement is acknowledged so), what rest it
 * was woken from and where its coverage went.
 *
 * A table, not a `retired_at` column on `kernels`: that row is keyed by kernel_id, so a new
 * registration under the same id would overwrite the record, and every restore would have to
 * step around retired rows.
 *
 * Every statement says IF NOT EXISTS, as in 001: Kysely does not wrap SQLite migrations in a
 * transaction, so a start that died halfway through must be able to run this again.
 */
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

export function kernelRetirementMigration(d: SqlDialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("kernel_retirements")
        .ifNotExists()
        .addColumn("id", d.idType, d.identity)
        .addColumn("kernel_id", "text", (c) => c.notNull())
        .addColumn("kernel_name", "text", (c) => c.notNull())
        .addColumn("tier", "text", (c) => c.notNull())
        .addColumn("rest_policy", "text", (c) => c.notNull())
        .addColumn("retired_at", d.doubleType, (c) => c.notNull())
        .addColumn("forced", d.boolType, (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("actor", "text")
        .addColumn("woken_from", "text")
        .addColumn("handoffs", "text", (c) => c.notNull())
        .addColumn("rest_count", "integer", (c) => c.notNull())
        .addColumn("total_rest_seconds", d.doubleType, (c) => c.notNull())
        .execute();
      // Reads by kernel, newest first; and the whole record newest first.
      await db.schema
        .createIndex("kernel_retirements_kernel_retired")
        .ifNotExists()
        .on("kernel_retirements")
        .columns(["kernel_id", "retired_at"])
        .execute();
      await db.schema
        .createIndex("kernel_retirements_retired")
        .ifNotExists()
        .on("kernel_retirements")
        .column("retired_at")
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable("kernel_retirements").ifExists().execute();
    },
  };
}
