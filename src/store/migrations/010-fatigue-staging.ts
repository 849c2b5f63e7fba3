/**
 * Migration 010, SQLite only: `fatigue_recent`, where groups of fatigue reports are appended
 * before they move, a few hundred at a time, into `fatigue_snapshots` (kysely-store.ts).
 *
 * Why: SQLite's WAL writes every page a commit touches, whole. A group of reports from five
 * kernels touches five far-apart leaves of `fatigue_snapshots_kernel_at`, one per kernel,
 * which was 8 of the 12 pages a group wrote. Appended to a table with no index, the same
 * group writes about 4, and a move of hundreds of reports touches each kernel's leaf once.
 *
 * Its ids continue `fatigue_snapshots`' (its sequence starts at that table's last id, and a
 * move keeps them), so "newest first" means the same across the two tables.
 */
import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

export function fatigueStagingMigration(d: SqlDialect): Migration {
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
        INSERT INTO sqlite_sequence (name, seq)
          SELECT 'fatigue_recent', coalesce(max(id), 0) FROM fatigue_snapshots`.execute(db);
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      if (d.backend !== "sqlite") return;
      await sql`INSERT INTO fatigue_snapshots SELECT * FROM fatigue_recent ORDER BY id`.execute(db);
      await sql`DROP TABLE IF EXISTS fatigue_recent`.execute(db);
      await sql`DELETE FROM sqlite_sequence WHERE name = 'fatigue_recent'`.execute(db);
    },
  };
}
