/**
 * Migration 002: the health monitor's tables: health_snapshots (basins as float32 bytes),
 * baselines (one per kernel) and resonance_points.
 *
 * Every statement says IF NOT EXISTS, as in 001: a start that died halfway through this
 * migration on SQLite (not wrapped in a transaction) must be able to run it again.
 */
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

export function healthTablesMigration(d: SqlDialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("health_snapshots")
        .ifNotExists()
        // 64-bit: at thousands of snapshots a second an int4 would run out within weeks.
        .addColumn("id", d.bigIdType, d.identity)
        .addColumn("kernel_id", "text", (c) => c.notNull())
        .addColumn("at", d.doubleType, (c) => c.notNull())
        .addColumn("phi", d.doubleType, (c) => c.notNull())
        .addColumn("kappa_eff", d.doubleType, (c) => c.notNull())
        .addColumn("basin", d.blobType)
        .addColumn("basin_drift", d.doubleType)
        .addColumn("regime", "text", (c) => c.notNull())
        .addColumn("confidence", d.doubleType)
        .addColumn("surprise", d.doubleType)
        .addColumn("agency", d.doubleType)
        .addColumn("error_rate", d.doubleType)
        .addColumn("avg_latency_ms", d.doubleType)
        .addColumn("memory_mb", d.doubleType)
        .addColumn("cpu_pct", d.doubleType)
        .addColumn("code_hash", "text")
        .addColumn("label", "text")
        .addColumn("context", "text")
        .execute();
      // A kernel's pages and its newest rows at start-up, in (at, id) order straight from the index.
      await db.schema
        .createIndex("health_snapshots_kernel_at")
        .ifNotExists()
        .on("health_snapshots")
        .columns(["kernel_id", "at", "id"])
        .execute();
      // Pruning and the constellation's pages go by time alone.
      await db.schema
        .createIndex("health_snapshots_at")
        .ifNotExists()
        .on("health_snapshots")
        .columns(["at", "id"])
        .execute();

      await db.schema
        .createTable("baselines")
        .ifNotExists()
        .addColumn("kernel_id", "text", (c) => c.primaryKey())
        .addColumn("basin", d.blobType, (c) => c.notNull())
        .addColumn("set_at", d.doubleType, (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        // The kernel's drift reference (reference mode) as JSON; null until it exists.
        .addColumn("drift_reference", "text")
        .execute();

      await db.schema
        .createTable("resonance_points")
        .ifNotExists()
        .addColumn("id", d.bigIdType, d.identity)
        .addColumn("kernel_id", "text", (c) => c.notNull())
        .addColumn("at", d.doubleType, (c) => c.notNull())
        .addColumn("phi", d.doubleType, (c) => c.notNull())
        .addColumn("kappa_eff", d.doubleType, (c) => c.notNull())
        .addColumn("phi_variance", d.doubleType, (c) => c.notNull())
        .addColumn("kappa_variance", d.doubleType, (c) => c.notNull())
        .addColumn("cluster_strength", d.doubleType, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("resonance_points_kernel_at")
        .ifNotExists()
        .on("resonance_points")
        .columns(["kernel_id", "at", "id"])
        .execute();
      await db.schema
        .createIndex("resonance_points_at")
        .ifNotExists()
        .on("resonance_points")
        .columns(["at", "id"])
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      for (const table of ["resonance_points", "baselines", "health_snapshots"])
        await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
