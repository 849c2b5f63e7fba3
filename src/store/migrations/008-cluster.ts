/**
 * Migration 008: the tables several servers on one PostgreSQL database share (SPEC §9).
 * `cluster_leadership` is one row: the leader's generation (raised on every takeover, and
 * what each of the leader's commits checks, the fence), who leads and since when.
 * `cluster_replicas` holds one heartbeat row per server. `cluster_ticks` records each
 * periodic pass a leader ran, so a new leader never runs a pass its predecessor ran.
 * SQLite gets the tables too (one schema everywhere) but, one process only, never uses them.
 */
import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

export function clusterMigration(d: SqlDialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("cluster_leadership")
        .ifNotExists()
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("generation", "bigint", (c) => c.notNull())
        .addColumn("leader_id", "text")
        .addColumn("leader_url", "text")
        .addColumn("since", d.doubleType)
        .execute();
      await sql`INSERT INTO cluster_leadership (id, generation) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`.execute(
        db,
      );
      await db.schema
        .createTable("cluster_replicas")
        .ifNotExists()
        .addColumn("replica_id", "text", (c) => c.primaryKey())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("generation", "bigint")
        .addColumn("started_at", d.doubleType, (c) => c.notNull())
        .addColumn("heartbeat_at", d.doubleType, (c) => c.notNull())
        .addColumn("leader_since", d.doubleType)
        // The backend holding the advisory lock, so a follower can end a leader gone silent.
        .addColumn("backend_pid", "integer")
        .execute();
      await db.schema
        .createTable("cluster_ticks")
        .ifNotExists()
        .addColumn("job", "text", (c) => c.notNull())
        .addColumn("tick", "bigint", (c) => c.notNull())
        .addColumn("generation", "bigint", (c) => c.notNull())
        .addColumn("ran_at", d.doubleType, (c) => c.notNull())
        .addPrimaryKeyConstraint("cluster_ticks_pk", ["job", "tick"])
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable("cluster_ticks").ifExists().execute();
      await db.schema.dropTable("cluster_replicas").ifExists().execute();
      await db.schema.dropTable("cluster_leadership").ifExists().execute();
    },
  };
}
