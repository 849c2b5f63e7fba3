/**
 * Values written into SQL text rather than bound: what lets a PostgreSQL write go as one
 * simple query, whose statements (the fence, then the write) run as one implicit
 * transaction in one round trip (src/cluster/fenced-pool.ts). Strings are quoted by pg's own
 * escapeLiteral; numbers are written as PostgreSQL reads them back, the non-finite ones as
 * the float8 inputs a bound value would have been sent as.
 *
 * @example
 * sqlLiteral("it's") // "'it''s'"
 * valuesList([["apollo_1", 0.5, null]]) // "('apollo_1', 0.5, NULL)"
 */
import pg from "pg";

export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? String(value) : `'${String(value)}'::float8`;
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "TRUE" : "FALSE";
    case "string":
      // Without a backslash only quotes need doubling (standard_conforming_strings is on by
      // default since PostgreSQL 9.1); with one, pg's E'…' form is right under any setting.
      return value.includes("\\") ? pg.escapeLiteral(value) : `'${value.replaceAll("'", "''")}'`;
    default:
      throw new TypeError(`no SQL literal for a ${typeof value}`);
  }
}

/** Rows as a VALUES list: `(…), (…)`. */
export function valuesList(rows: readonly (readonly unknown[])[]): string {
  return rows.map((row) => `(${row.map(sqlLiteral).join(", ")})`).join(", ");
}
