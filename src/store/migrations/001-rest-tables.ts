/**
 * Migration 001: the rest scheduler's tables (kernels, scheduler_meta, rest and coverage
 * history, fatigue snapshots) and constellation_cycles, empty until cycles are recorded.
 *
 * Every statement says IF NOT EXISTS: Kysely does not wrap SQLite migrations in a
 * transaction, so a start that died halfway through this one must be able to run it again.
 */
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

export function restTablesMigration(d: SqlDialect): Migration {
  return {
    // Kysely<any> is the Migration interface's own type: a migration must not depend on
    // today's Database interface, which later migrations will change.
    // biome-ignore lint/suspicious/noExplicitAny: see above
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("kernels")
        .ifNotExists()
        .addColumn("kernel_id", "text", (c) => c.primaryKey())
        .addColumn("kernel_name", "text", (c) => c.notNull())
        .addColumn("tier", "text", (c) => c.notNull())
        .addColumn("rest_policy", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("fatigue", d.doubleType, (c) => c.notNull())
        .addColumn("covered_by", "text")
        .addColumn("covering_for", "text")
        .addColumn("updated_at", d.doubleType, (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("scheduler_meta")
        .ifNotExists()
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("rest_events")
        .ifNotExists()
        .addColumn("id", d.idType, d.identity)
        .addColumn("kernel_id", "text", (c) => c.notNull())
        .addColumn("kernel_name", "text", (c) => c.notNull())
        .addColumn("rest_type", "text", (c) => c.notNull())
        .addColumn("started_at", d.doubleType, (c) => c.notNull())
        .addColumn("planned_until", d.doubleType, (c) => c.notNull())
        .addColumn("ended_at", d.doubleType)
        .addColumn("duration_seconds", d.doubleType)
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("reason_code", "text", (c) => c.notNull())
        .addColumn("forced", d.boolType, (c) => c.notNull())
        .addColumn("covered_by", "text")
        .addColumn("phi_at_rest", d.doubleType, (c) => c.notNull())
        .addColumn("kappa_at_rest", d.doubleType, (c) => c.notNull())
        .addColumn("fatigue_at_rest", d.doubleType, (c) => c.notNull())
        .addColumn("phi_after", d.doubleType)
        .addColumn("kappa_after", d.doubleType)
        .addColumn("fatigue_after", d.doubleType)
        .addColumn("end_cause", "text")
        .execute();
      // History reads by kernel and time, newest first; closing a rest finds the open row.
      await db.schema
        .createIndex("rest_events_kernel_started")
        .ifNotExists()
        .on("rest_events")
        .columns(["kernel_id", "started_at"])
        .execute();
      await db.schema
        .createIndex("rest_events_started")
        .ifNotExists()
        .on("rest_events")
        .column("started_at")
        .execute();

      await db.schema
        .createTable("coverage_events")
        .ifNotExists()
        .addColumn("id", d.idType, d.identity)
        .addColumn("kernel_id", "text", (c) => c.notNull())
        .addColumn("covering_for", "text", (c) => c.notNull())
        .addColumn("started_at", d.doubleType, (c) => c.notNull())
        .addColumn("ended_at", d.doubleType)
        .addColumn("coverer_fatigue", d.doubleType, (c) => c.notNull())
        .addColumn("handoff_from", "text")
        .addColumn("end_cause", "text")
        .execute();
      await db.schema
        .createIndex("coverage_events_kernel_started")
        .ifNotExists()
        .on("coverage_events")
        .columns(["kernel_id", "started_at"])
        .execute();
      await db.schema
        .createIndex("coverage_events_started")
        .ifNotExists()
        .on("coverage_events")
        .column("started_at")
        .execute();

      await db.schema
        .createTable("fatigue_snapshots")
        .ifNotExists()
        .addColumn("id", d.idType, d.identity)
        .addColumn("kernel_id", "text", (c) => c.notNull())
        .addColumn("at", d.doubleType, (c) => c.notNull())
        .addColumn("phi", d.doubleType, (c) => c.notNull())
        .addColumn("kappa", d.doubleType, (c) => c.notNull())
        .addColumn("load", d.doubleType, (c) => c.notNull())
        .addColumn("error_rate", d.doubleType, (c) => c.notNull())
        .addColumn("fatigue", d.doubleType, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("fatigue_snapshots_kernel_at")
        .ifNotExists()
        .on("fatigue_snapshots")
        .columns(["kernel_id", "at"])
        .execute();
      // Pruning and unfiltered reads go by time alone.
      await db.schema
        .createIndex("fatigue_snapshots_at")
        .ifNotExists()
        .on("fatigue_snapshots")
        .column("at")
        .execute();

      await db.schema
        .createTable("constellation_cycles")
        .ifNotExists()
        .addColumn("id", d.idType, d.identity)
        .addColumn("cycle_type", "text", (c) => c.notNull())
        .addColumn("started_at", d.doubleType, (c) => c.notNull())
        .addColumn("ended_at", d.doubleType)
        .addColumn("detail", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("constellation_cycles_started")
        .ifNotExists()
        .on("constellation_cycles")
        .column("started_at")
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      for (const table of [
        "constellation_cycles",
        "fatigue_snapshots",
        "coverage_events",
        "rest_events",
        "scheduler_meta",
        "kernels",
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
