/**
 * Migration 009: the leader's fence (SPEC §9) as functions, so a fenced write costs one
 * statement and one round trip (src/cluster/fenced-pool.ts).
 *
 * `autonomic_fence(generation)` share-locks the leadership row when it still carries
 * `generation`, and raises SQLSTATE AUT01 when it does not; the raise rolls back the statement
 * (its implicit transaction) and the lock holds a takeover off until it commits.
 *
 * `autonomic_report_group(generation, kernels, fatigue)` is a group of fatigue reports (the
 * hot path of issue 15): behind the fence (skipped for a null generation, a store outside a
 * cluster), it notifies the followers, upserts the kernels' rows and appends the reports, all
 * from JSON arrays of rows. Being a function, its statements' plans are kept per session
 * instead of planned again for every group. SQLite, one process only, gets neither.
 */
import { type Kysely, type Migration, sql } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

/** The SQLSTATE autonomic_fence raises when the generation was superseded. */
export const FENCE_SQLSTATE = "AUT01";

export function fenceFunctionMigration(d: SqlDialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
    async up(db: Kysely<any>): Promise<void> {
      if (d.backend !== "postgres") return;
      await sql`
        CREATE OR REPLACE FUNCTION autonomic_fence(expected bigint) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM 1 FROM cluster_leadership WHERE id = 1 AND generation = expected FOR SHARE;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'generation % was superseded', expected USING ERRCODE = 'AUT01';
          END IF;
        END
        $$`.execute(db);
      await sql`
        CREATE OR REPLACE FUNCTION autonomic_report_group(expected bigint, kernel_rows jsonb, fatigue_rows jsonb)
        RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
          IF expected IS NOT NULL THEN
            PERFORM autonomic_fence(expected);
            PERFORM pg_notify('autonomic_commits', expected::text);
          END IF;
          INSERT INTO kernels (kernel_id, kernel_name, tier, rest_policy, status, fatigue, covered_by,
                               covering_for, updated_at, state)
            SELECT * FROM jsonb_to_recordset(kernel_rows) AS k(kernel_id text, kernel_name text,
              tier text, rest_policy text, status text, fatigue double precision, covered_by text,
              covering_for text, updated_at double precision, state text)
          ON CONFLICT (kernel_id) DO UPDATE SET kernel_name = excluded.kernel_name,
            tier = excluded.tier, rest_policy = excluded.rest_policy, status = excluded.status,
            fatigue = excluded.fatigue, covered_by = excluded.covered_by,
            covering_for = excluded.covering_for, updated_at = excluded.updated_at,
            state = excluded.state;
          INSERT INTO fatigue_snapshots (kernel_id, at, phi, kappa, load, error_rate, fatigue)
            SELECT * FROM jsonb_to_recordset(fatigue_rows) AS f(kernel_id text, at double precision,
              phi double precision, kappa double precision, load double precision,
              error_rate double precision, fatigue double precision);
        END
        $$`.execute(db);
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      if (d.backend !== "postgres") return;
      await sql`DROP FUNCTION IF EXISTS autonomic_report_group(bigint, jsonb, jsonb)`.execute(db);
      await sql`DROP FUNCTION IF EXISTS autonomic_fence(bigint)`.execute(db);
    },
  };
}
