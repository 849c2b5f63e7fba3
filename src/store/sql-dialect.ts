/**
 * Everything that differs between SQLite and PostgreSQL in our schema and writes, in one
 * small object, so the migrations and the store are written once for both.
 *
 * @example
 * db.schema.createTable("t")
 *   .addColumn("id", dialect.idType, dialect.identity)
 *   .addColumn("at", dialect.doubleType, (c) => c.notNull())
 *   .addColumn("forced", dialect.boolType, (c) => c.notNull());
 * await db.insertInto("t").values({ at: 1, forced: dialect.bool(true) }).execute();
 */
import { type ColumnDefinitionBuilder, type RawBuilder, sql } from "kysely";
import type { DbBool } from "./schema.js";

export interface SqlDialect {
  readonly backend: "sqlite" | "postgres";
  /** Column type for clock ms and measurements: an 8-byte IEEE double on both. */
  readonly doubleType: "real" | "double precision";
  readonly boolType: "integer" | "boolean";
  readonly idType: "integer" | "serial";
  /** For tables that may outgrow int4 (snapshots): 64-bit on both, read back as numbers. */
  readonly bigIdType: "integer" | "bigserial";
  /** Column type for compact binary values (float32 basins). */
  readonly blobType: "blob" | "bytea";
  /** Most bound parameters one statement may carry: multi-row inserts are chunked to fit. */
  readonly maxParameters: number;
  /** The placeholder of the n-th bound parameter (from 1) in raw SQL. */
  parameter(n: number): string;
  /** Makes the id column an identity primary key. */
  identity(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** A boolean as this database binds it: better-sqlite3 refuses JS booleans. */
  bool(value: boolean): DbBool;
  /**
   * The names of a table's columns (in the current schema on PostgreSQL), for migrations that
   * add columns: SQLite has no ADD COLUMN IF NOT EXISTS.
   */
  columnNames(table: string): RawBuilder<{ name: string }>;
}

export const SQLITE_DIALECT: SqlDialect = {
  backend: "sqlite",
  doubleType: "real",
  boolType: "integer",
  idType: "integer",
  // An INTEGER PRIMARY KEY is the 64-bit rowid already.
  bigIdType: "integer",
  blobType: "blob",
  // SQLITE_MAX_VARIABLE_NUMBER since 3.32 (better-sqlite3 bundles a later one).
  maxParameters: 32_766,
  parameter: () => "?",
  // AUTOINCREMENT so an id is never reused after its row is deleted (pruned snapshots).
  identity: (col) => col.primaryKey().autoIncrement(),
  bool: (value) => (value ? 1 : 0),
  columnNames: (table) => sql<{ name: string }>`select name from pragma_table_info(${table})`,
};

export const POSTGRES_DIALECT: SqlDialect = {
  backend: "postgres",
  doubleType: "double precision",
  boolType: "boolean",
  // serial is int4, which pg returns as a JS number.
  idType: "serial",
  // int8, which pg returns as a string unless told otherwise: openPostgresStore parses it to a number.
  bigIdType: "bigserial",
  blobType: "bytea",
  // The wire protocol counts parameters in an int16.
  maxParameters: 65_535,
  parameter: (n) => `$${n}`,
  identity: (col) => col.primaryKey(),
  bool: (value) => value,
  columnNames: (table) =>
    sql<{ name: string }>`select column_name as name from information_schema.columns
      where table_schema = current_schema() and table_name = ${table}`,
};
