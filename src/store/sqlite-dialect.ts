/**
 * Kysely's SQLite dialect, with a statement cache and one fix.
 *
 * The cache: Kysely's driver calls `prepare` for every query, and preparing (parsing and
 * planning the SQL) cost a tenth of a fatigue report's CPU in the profile. The same SQL
 * text gets the same compiled statement back; a statement runs to completion inside one
 * synchronous call, so sharing it is safe. The least recently used are let go past a bound,
 * since multi-row inserts make one text per row count.
 *
 * The fix: on some errors (SQLITE_FULL "database or disk is
 * full", SQLITE_IOERR, SQLITE_NOMEM) SQLite has already rolled the transaction back itself,
 * and Kysely's own ROLLBACK then fails with "cannot rollback - no transaction is active",
 * which replaces the real cause in the error the caller sees. Rolling back only while a
 * transaction is open lets the cause through, so a full disk says so.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: sqliteDialect(new SqliteDatabase(path)) });
 */
import type SqliteDatabase from "better-sqlite3";
import { type DatabaseConnection, type Driver, SqliteDialect, SqliteDriver } from "kysely";

class RollbackOnlyWhenOpen extends SqliteDriver {
  constructor(
    private readonly sqlite: SqliteDatabase.Database,
    config: ConstructorParameters<typeof SqliteDriver>[0],
  ) {
    super(config);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.sqlite.inTransaction) await super.rollbackTransaction(connection);
  }
}

/** Compiled statements kept: the texts a running server uses number in the tens. */
const STATEMENT_CACHE_SIZE = 256;

/** `sqlite` as Kysely sees it, with `prepare` answered from the cache. */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteDatabase.Statement {
      const cached = cache.get(sql);
      if (cached !== undefined) {
        // Re-inserted: a Map iterates in insertion order, so the first key is the least recent.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

export function sqliteDialect(sqlite: SqliteDatabase.Database): SqliteDialect {
  const config = { database: withStatementCache(sqlite) };
  return new (class extends SqliteDialect {
    override createDriver(): Driver {
      return new RollbackOnlyWhenOpen(sqlite, config);
    }
  })(config);
}
