/**
 * Migration 010, SQLite only: `fatigue_recent` and `health_recent`, where new fatigue reports
 * and health snapshots are appended before they move, hundreds at a time, into
 * `fatigue_snapshots` and `health_snapshots` (src/store/sqlite-staging.ts says why).
 *
 * Each twin has its table's columns and no index. Its AUTOINCREMENT sequence starts at its
 * table's last id, and a move keeps the ids, so ids stay unique and in commit order across
 * the two, as reads and cursors need.
 */
import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

export function stagingTablesMigration(d: SqlDialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
    async up(db: Kysely<any>): Promise<void> {
      if (d.backend !== "sqlite") return;
      await sql`
        CREATE TABLE IF NOT EXISTS fatigue_recent (
          id integer PRIMARY KEY AUTOINCREMENT, kernel_id text NOT NULL, at real NOT NULL,
          phi real NOT NULL, kappa real NOT NULL, load real NOT NULL, error_rate real NOT NULL,
          fatigue real NOT NULL)`.execute(db);
      await sql`
        CREATE TABLE IF NOT EXISTS health_recent (
          id integer PRIMARY KEY AUTOINCREMENT, kernel_id text NOT NULL, at real NOT NULL,
          phi real NOT NULL, kappa_eff real NOT NULL, basin blob, basin_drift real,
          regime text NOT NULL, confidence real, surprise real, agency real, error_rate real,
          avg_latency_ms real, memory_mb real, cpu_pct real, code_hash text, label text,
          context text)`.execute(db);
      // The table's own sequence when it has one (its newest rows may have been pruned), and
      // no second row for the twin when a start died after this and runs it again.
      for (const [recent, table] of STAGED) {
        await sql`
          INSERT INTO sqlite_sequence (name, seq)
            SELECT ${recent}, max(
              (SELECT coalesce(max(id), 0) FROM ${sql.table(table)}),
              coalesce((SELECT seq FROM sqlite_sequence WHERE name = ${table}), 0))
            WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ${recent})`.execute(db);
      }
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      if (d.backend !== "sqlite") return;
      // Runs again harmlessly after a stop halfway: the rows already back are not copied twice.
      for (const [recent, table] of STAGED) {
        const exists = await sql<{ n: number }>`
          SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ${recent}`.execute(db);
        if (Number(exists.rows[0]?.n ?? 0) === 0) continue;
        await sql`
          INSERT OR IGNORE INTO ${sql.table(table)} SELECT * FROM ${sql.table(recent)} ORDER BY id`.execute(
          db,
        );
        // The table's next id after every id the twin gave out, pruned ones included.
        await sql`
          UPDATE sqlite_sequence SET seq = max(seq, coalesce(
            (SELECT seq FROM sqlite_sequence WHERE name = ${recent}), 0))
          WHERE name = ${table}`.execute(db);
        await sql`DROP TABLE ${sql.table(recent)}`.execute(db);
        await sql`DELETE FROM sqlite_sequence WHERE name = ${recent}`.execute(db);
      }
    },
  };
}

const STAGED = [
  ["fatigue_recent", "fatigue_snapshots"],
  ["health_recent", "health_snapshots"],
] as const;
