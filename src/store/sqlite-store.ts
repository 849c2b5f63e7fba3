/**
 * The default store: one SQLite file through better-sqlite3, zero set-up. Not migrated:
 * `openStore` does that.
 *
 * @example
 * const store = openSqliteStore("./data/autonomic.db"); // ./data must exist
 * await store.migrate();
 */
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely } from "kysely";
import { KyselyStore } from "./kysely-health-store.js";
import type { Database } from "./schema.js";
import { SQLITE_DIALECT } from "./sql-dialect.js";
import { sqliteDialect } from "./sqlite-dialect.js";
import { SqliteDirectWriter } from "./sqlite-direct-writer.js";
import { StoreOpenError } from "./store-error.js";

/** How long a statement waits for another process's write lock before failing (ms). */
const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating if needed) the SQLite file at `path`; ":memory:" gives a private in-memory database. */
export function openSqliteStore(path: string): KyselyStore {
  if (path !== ":memory:") assertDirectoryExists(path);
  let sqlite: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(path);
  } catch (error) {
    throw new StoreOpenError(path, messageOf(error), { cause: error });
  }
  try {
    // Set first, so the switch to WAL below also waits for a lock held by another process.
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL with synchronous = NORMAL: a commit is in the WAL, handed to the OS, before it
    // returns, so a process crash or kill -9 loses no acknowledged transition. Only a power
    // loss or OS crash may drop the last few commits (never corrupting the file); FULL would
    // fsync on every commit to cover that too, at several times the cost per transition.
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    if (path !== ":memory:") assertWritable(sqlite);
  } catch (error) {
    sqlite.close();
    throw new StoreOpenError(path, messageOf(error), { cause: error });
  }
  const db = new Kysely<Database>({ dialect: sqliteDialect(sqlite) });
  // Snapshot batches and groups of fatigue reports go through the direct writer.
  return new KyselyStore(db, SQLITE_DIALECT, new SqliteDirectWriter(sqlite, db));
}

/**
 * A read-only file (or folder) opens and reads fine and fails only at the first write, deep
 * in start-up and without saying which file: try one now, rolled back, so the StoreOpenError
 * names it. Setting user_version to its own value needs a write lock and changes nothing.
 */
function assertWritable(sqlite: SqliteDatabase.Database): void {
  const version = Number(sqlite.pragma("user_version", { simple: true }));
  sqlite.exec("begin immediate");
  try {
    sqlite.pragma(`user_version = ${version}`);
  } catch (error) {
    throw new Error(`${messageOf(error)}: the server must be able to write this file and its folder`, {
      cause: error,
    });
  } finally {
    sqlite.exec("rollback");
  }
}

/** SQLite creates the file but not its folder; say so plainly instead of its "unable to open". */
function assertDirectoryExists(path: string): void {
  const dir = dirname(resolve(path));
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new StoreOpenError(path, `directory ${dir} does not exist; create it first`);
  }
  if (!isDirectory) throw new StoreOpenError(path, `${dir} is not a directory`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
