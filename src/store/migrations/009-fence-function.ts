/**
 * Migration 009: `autonomic_fence(generation)`, the leader's fence (SPEC §9) as one statement
 * that fails. It share-locks the leadership row when it still carries `generation`, and
 * raises SQLSTATE AUT01 when it does not. Put first in a multi-statement query (one implicit
 * transaction), it lets a fenced write cost one round trip: the raise rolls back everything
 * after it, and the share lock holds a takeover off until the transaction ends
 * (src/cluster/fenced-pool.ts). SQLite, one process only, gets nothing.
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
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      if (d.backend !== "postgres") return;
      await sql`DROP FUNCTION IF EXISTS autonomic_fence(bigint)`.execute(db);
    },
  };
}
