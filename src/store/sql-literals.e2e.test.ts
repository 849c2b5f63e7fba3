/**
 * Inlined values read back by PostgreSQL exactly as the same values bound as parameters.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.js";
import { sqlLiteral, valuesList } from "./sql-literals.js";

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query("CREATE TABLE t (s text, d double precision, b boolean)");
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe("SQL literals", () => {
  it("read back as the bound value for awkward strings and numbers", async () => {
    const strings = ["it's", "back\\slash", "\\'", "Ω Φ κ 🜁", "", "$$ dollar $$", "--comment", "a\nb\tc"];
    const numbers = [0, -0.5, 1e-7, 1e21, 0.1 + 0.2, Number.MAX_VALUE, Number.MIN_VALUE, -1e-300];
    const rows = strings.map((s, i) => [s, numbers[i % numbers.length], i % 2 === 0]);
    await client.query(`INSERT INTO t (s, d, b) VALUES ${valuesList(rows)}`);
    for (const row of rows) await client.query("INSERT INTO t (s, d, b) VALUES ($1, $2, $3)", row);
    const back = (await client.query("SELECT s, d, b FROM t")).rows.map((r) => [r.s, r.d, r.b]);
    expect(back.slice(0, rows.length)).toEqual(back.slice(rows.length));
    expect(back.slice(0, rows.length)).toEqual(rows);
  });

  it("write null, and the non-finite numbers as float8 inputs", async () => {
    const row = (
      await client.query(
        `SELECT ${sqlLiteral(null)} AS n, ${sqlLiteral(Number.NaN)} AS nan, ${sqlLiteral(Number.POSITIVE_INFINITY)} AS inf, ${sqlLiteral(Number.NEGATIVE_INFINITY)} AS ninf`,
      )
    ).rows[0];
    expect(row).toEqual({
      n: null,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
    });
  });

  it("refuses what it cannot write", () => {
    expect(() => sqlLiteral({ a: 1 })).toThrow(/no SQL literal for a object/);
  });
});
