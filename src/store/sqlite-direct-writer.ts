/**
 * SQLite only: the hot write paths (a group of fatigue reports, a group of snapshots) as
 * prepared statements run straight on the better-sqlite3 handle, in one synchronous
 * transaction, instead of statement by statement through Kysely's async driver.
 *
 * Why: in the profile of a fatigue report on SQLite, Kysely's per-statement work (building,
 * compiling, a promise per statement, BEGIN and COMMIT as queries) cost as much as SQLite's
 * own execution. The rows and statements are the same; only the driving changes.
 *
 * It never runs inside a transaction Kysely has open across awaits: when the connection is
 * in one (`inTransaction`), it waits for Kysely's one connection (`db.connection()` takes
 * the driver's mutex, held until that transaction ends). Otherwise it runs at once: it is
 * synchronous, so nothing else can begin on the connection until it has committed. Taking
 * the mutex every time cost about 40 µs a group here (`db.connection()` builds a Kysely
 * instance each call), a twentieth of a single snapshot's request.
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

/**
 * The INSERT of `rows` rows into `table`, a `?` per column, for the direct writer.
 * @example rowsInsertSql("t", ["a", "b"], 2) // "insert into t (a, b) values (?, ?), (?, ?)"
 */
export function rowsInsertSql(table: string, columns: readonly string[], rows: number): string {
  const row = `(${columns.map(() => "?").join(", ")})`;
  return `insert into ${table} (${columns.join(", ")}) values ${Array(rows).fill(row).join(", ")}`;
}

/**
 * One row's INSERT into `table`; with `key`, an upsert that sets every other column from the
 * new row when `key` is already there.
 * @example rowInsertSql("baselines", ["kernel_id", "basin"], "kernel_id")
 * // "insert into baselines (kernel_id, basin) values (?, ?) on conflict (kernel_id) do update set basin = excluded.basin"
 */
export function rowInsertSql(table: string, columns: readonly string[], key?: string): string {
  const insert = rowsInsertSql(table, columns, 1);
  if (key === undefined) return insert;
  const sets = columns.filter((c) => c !== key).map((c) => `${c} = excluded.${c}`);
  return `${insert} on conflict (${key}) do update set ${sets.join(", ")}`;
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
    if (this.sqlite.inTransaction)
      return this.db.connection().execute(async () => this.runAll.immediate(steps));
    try {
      this.runAll.immediate(steps);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
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
