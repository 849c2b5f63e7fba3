/**
 * Kysely's SQLite dialect, with one fix: on some errors (SQLITE_FULL "database or disk is
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

export function sqliteDialect(sqlite: SqliteDatabase.Database): SqliteDialect {
  const config = { database: sqlite };
  return new (class extends SqliteDialect {
    override createDriver(): Driver {
      return new RollbackOnlyWhenOpen(sqlite, config);
    }
  })(config);
}
