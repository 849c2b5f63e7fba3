/**
 * SQLite only: the hot write paths (a group of fatigue reports, a group of snapshots) as
 * prepared statements run straight on the better-sqlite3 handle, in one synchronous
 * transaction, instead of statement by statement through Kysely's async driver.
 *
 * Why: in the profile of a fatigue report on SQLite, Kysely's per-statement work (building,
 * compiling, a promise per statement, BEGIN and COMMIT as queries) cost as much as SQLite's
 * own execution. The rows and statements are the same; only the driving changes.
 *
 * It holds Kysely's one connection while it runs (`db.connection()` takes the driver's
 * mutex), so it never runs inside, or beside, a transaction Kysely has open across awaits.
 *
 * @example
 * const writer = new SqliteDirectWriter(sqlite, db);
 * await writer.run([{ sql: "insert into t (a) values (?)", rows: [[1], [2]] }]);
 */
import type SqliteDatabase from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** One SQL text, run once per row of parameters. */
export interface WriteStep {
  sql: string;
  rows: readonly (readonly unknown[])[];
}

export class SqliteDirectWriter {
  private readonly statements = new Map<string, SqliteDatabase.Statement>();
  private readonly runAll: SqliteDatabase.Transaction<(steps: readonly WriteStep[]) => void>;

  constructor(
    private readonly sqlite: SqliteDatabase.Database,
    private readonly db: Kysely<Database>,
  ) {
    this.runAll = sqlite.transaction((steps: readonly WriteStep[]) => {
      for (const step of steps) {
        const statement = this.statement(step.sql);
        for (const params of step.rows) statement.run(params);
      }
    });
  }

  /** Runs every step in one transaction; resolves once it has committed, rejects (rolled back) on any error. */
  run(steps: readonly WriteStep[]): Promise<void> {
    // IMMEDIATE: the write lock is taken at BEGIN, so a database busy with another process
    // waits (busy_timeout) once, up front, rather than failing halfway.
    return this.db.connection().execute(async () => this.runAll.immediate(steps));
  }

  /** Compiled once per text (the texts are a handful of constants); only after migration, on first use. */
  private statement(sql: string): SqliteDatabase.Statement {
    let compiled = this.statements.get(sql);
    if (compiled === undefined) {
      compiled = this.sqlite.prepare(sql);
      this.statements.set(sql, compiled);
    }
    return compiled;
  }
}
