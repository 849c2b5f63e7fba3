/**
 * Migration 004: self-healing's tables: patches with their transitions, alerts, the phase
 * history, healing's saved documents (healing_state) and server_runs, whose unstopped rows
 * are the crashes phase 1's gate counts.
 *
 * patches and alerts follow 003: the caller's id is unique and the upsert's target, the
 * primary key a rising `seq` that orders rows created in the same ms as they were first saved
 * on both databases. Every statement says IF NOT EXISTS, as in 001 (SQLite migrations are not
 * wrapped in a transaction, so a start that died halfway must be able to run this again).
 */
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

export function healingTablesMigration(d: SqlDialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("patches")
        .ifNotExists()
        .addColumn("seq", d.idType, d.identity)
        .addColumn("patch_id", "text", (c) => c.notNull().unique())
        .addColumn("kernel_id", "text", (c) => c.notNull())
        .addColumn("strategy", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("created_at", d.doubleType, (c) => c.notNull())
        .addColumn("updated_at", d.doubleType, (c) => c.notNull())
        .addColumn("false_positive", d.boolType, (c) => c.notNull())
        .addColumn("persistent", d.boolType, (c) => c.notNull())
        .addColumn("rationale", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("trigger", "text", (c) => c.notNull())
        .addColumn("before", "text", (c) => c.notNull())
        .addColumn("sandbox", "text")
        .addColumn("verification", "text", (c) => c.notNull())
        .addColumn("rollback", "text")
        .addColumn("git", "text")
        .execute();
      // The open patches at start-up: few among many final ones.
      await db.schema
        .createIndex("patches_state")
        .ifNotExists()
        .on("patches")
        .columns(["state", "created_at", "seq"])
        .execute();
      // A kernel's patches, newest first, straight from the index.
      await db.schema
        .createIndex("patches_kernel_created")
        .ifNotExists()
        .on("patches")
        .columns(["kernel_id", "created_at", "seq"])
        .execute();
      await db.schema
        .createIndex("patches_created")
        .ifNotExists()
        .on("patches")
        .columns(["created_at", "seq"])
        .execute();

      // The primary key is the index a patch's moves are read in order by.
      await db.schema
        .createTable("patch_transitions")
        .ifNotExists()
        .addColumn("patch_id", "text", (c) => c.notNull().references("patches.patch_id").onDelete("cascade"))
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("from_state", "text")
        .addColumn("to_state", "text", (c) => c.notNull())
        .addColumn("at", d.doubleType, (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("patch_transitions_pk", ["patch_id", "seq"])
        .execute();

      await db.schema
        .createTable("alerts")
        .ifNotExists()
        .addColumn("seq", d.idType, d.identity)
        .addColumn("alert_id", "text", (c) => c.notNull().unique())
        .addColumn("dedupe_key", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("kernel_id", "text")
        .addColumn("severity", "text", (c) => c.notNull())
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("created_at", d.doubleType, (c) => c.notNull())
        .addColumn("last_seen_at", d.doubleType, (c) => c.notNull())
        .addColumn("occurrences", "integer", (c) => c.notNull())
        .addColumn("delivery_status", "text", (c) => c.notNull())
        .addColumn("delivery_attempts", "integer", (c) => c.notNull())
        .addColumn("last_error", "text")
        .addColumn("delivered_at", d.doubleType)
        .execute();
      // De-duplication looks up the newest alert of a key on every raise.
      await db.schema
        .createIndex("alerts_dedupe_created")
        .ifNotExists()
        .on("alerts")
        .columns(["dedupe_key", "created_at", "seq"])
        .execute();
      // The delivery retry reads the pending ones, newest first.
      await db.schema
        .createIndex("alerts_delivery_created")
        .ifNotExists()
        .on("alerts")
        .columns(["delivery_status", "created_at", "seq"])
        .execute();
      await db.schema
        .createIndex("alerts_created")
        .ifNotExists()
        .on("alerts")
        .columns(["created_at", "seq"])
        .execute();

      await db.schema
        .createTable("phase_history")
        .ifNotExists()
        .addColumn("seq", d.idType, d.identity)
        .addColumn("from_phase", "integer", (c) => c.notNull())
        .addColumn("to_phase", "integer", (c) => c.notNull())
        .addColumn("at", d.doubleType, (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("forced", d.boolType, (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("criteria", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("healing_state")
        .ifNotExists()
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("updated_at", d.doubleType, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("server_runs")
        .ifNotExists()
        .addColumn("id", d.idType, d.identity)
        .addColumn("started_at", d.doubleType, (c) => c.notNull())
        .addColumn("stopped_at", d.doubleType)
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      for (const table of [
        "server_runs",
        "healing_state",
        "phase_history",
        "alerts",
        "patch_transitions",
        "patches",
      ])
        await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
