/**
 * Migration 011: a kernel's row becomes a checkpoint (issue 15). The rest service no longer
 * rewrites a kernel's row with every fatigue report; the reports stored after the row are
 * folded into it again on restore (RestScheduler.loadState). For that:
 *
 * - `fatigue_snapshots.seq` (and SQLite's staging twin `fatigue_recent.seq`): the report's
 *   sequence number, from one count for the whole scheduler; null for reports stored before
 *   this migration, whose kernels' rows already held them;
 * - `kernels.report_seq`: the sequence number of the last report the row's state holds (0:
 *   all of them, as every row saved before this migration does);
 * - an index on (kernel_id, seq), by which a restore finds each kernel's newer reports;
 * - PostgreSQL: `autonomic_report_group` (migration 009) takes both new columns. It may now
 *   be given no kernel rows at all, only reports.
 */
import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";
import { fenceFunctionMigration } from "./009-fence-function.js";

export function kernelCheckpointsMigration(d: SqlDialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
    async up(db: Kysely<any>): Promise<void> {
      const bigint = d.backend === "postgres" ? sql`bigint` : sql`integer`;
      await sql`ALTER TABLE fatigue_snapshots ADD COLUMN seq ${bigint}`.execute(db);
      if (d.backend === "sqlite") await sql`ALTER TABLE fatigue_recent ADD COLUMN seq integer`.execute(db);
      await sql`ALTER TABLE kernels ADD COLUMN report_seq ${bigint} NOT NULL DEFAULT 0`.execute(db);
      await sql`CREATE INDEX fatigue_snapshots_kernel_seq ON fatigue_snapshots (kernel_id, seq)`.execute(db);
      if (d.backend !== "postgres") return;
      await sql`DROP FUNCTION IF EXISTS autonomic_report_group(bigint, jsonb, jsonb)`.execute(db);
      await sql`
        CREATE FUNCTION autonomic_report_group(expected bigint, kernel_rows jsonb, fatigue_rows jsonb)
        RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
          IF expected IS NOT NULL THEN
            PERFORM autonomic_fence(expected);
            PERFORM pg_notify('autonomic_commits', expected::text);
          END IF;
          IF jsonb_array_length(kernel_rows) > 0 THEN
            INSERT INTO kernels (kernel_id, kernel_name, tier, rest_policy, status, fatigue, covered_by,
                                 covering_for, updated_at, state, report_seq)
              -- No report_seq: 0. Only this migration's callers write rows; servers from before
              -- it must not run beside them (docs/operations.md, "Upgrades").
              SELECT kernel_id, kernel_name, tier, rest_policy, status, fatigue, covered_by,
                     covering_for, updated_at, state, coalesce(report_seq, 0)
              FROM jsonb_to_recordset(kernel_rows) AS k(kernel_id text, kernel_name text,
                tier text, rest_policy text, status text, fatigue double precision, covered_by text,
                covering_for text, updated_at double precision, state text, report_seq bigint)
            ON CONFLICT (kernel_id) DO UPDATE SET kernel_name = excluded.kernel_name,
              tier = excluded.tier, rest_policy = excluded.rest_policy, status = excluded.status,
              fatigue = excluded.fatigue, covered_by = excluded.covered_by,
              covering_for = excluded.covering_for, updated_at = excluded.updated_at,
              state = excluded.state, report_seq = excluded.report_seq;
          END IF;
          INSERT INTO fatigue_snapshots (kernel_id, at, phi, kappa, load, error_rate, fatigue, seq)
            SELECT * FROM jsonb_to_recordset(fatigue_rows) AS f(kernel_id text, at double precision,
              phi double precision, kappa double precision, load double precision,
              error_rate double precision, fatigue double precision, seq bigint);
        END
        $$`.execute(db);
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      // Without the sequence numbers an older server restores each kernel from its row alone,
      // missing the reports stored after it (at most `writes.kernelCheckpointReports` - 1, or
      // `writes.kernelCheckpointSeconds` of them, a kernel); their rows stay in the history.
      await sql`DROP INDEX IF EXISTS fatigue_snapshots_kernel_seq`.execute(db);
      await sql`ALTER TABLE kernels DROP COLUMN report_seq`.execute(db);
      if (d.backend === "sqlite") await sql`ALTER TABLE fatigue_recent DROP COLUMN seq`.execute(db);
      await sql`ALTER TABLE fatigue_snapshots DROP COLUMN seq`.execute(db);
      if (d.backend === "postgres") {
        await sql`DROP FUNCTION IF EXISTS autonomic_report_group(bigint, jsonb, jsonb)`.execute(db);
        await fenceFunctionMigration(d).up(db);
      }
    },
  };
}
