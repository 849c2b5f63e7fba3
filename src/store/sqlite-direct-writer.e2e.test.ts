import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "./schema.js";
import { sqliteDialect } from "./sqlite-dialect.js";
import { rowInsertSql, SqliteDirectWriter } from "./sqlite-direct-writer.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open() {
  const dir = mkdtempSync(join(tmpdir(), "direct-writer-"));
  dirs.push(dir);
  const sqlite = new SqliteDatabase(join(dir, "t.db"));
  sqlite.pragma("journal_mode = WAL");
  sqlite.exec("create table t (n integer not null, who text not null)");
  const db = new Kysely<Database>({ dialect: sqliteDialect(sqlite) });
  const rows = () => sqlite.prepare("select n, who from t order by rowid").all();
  return { sqlite, db, writer: new SqliteDirectWriter(sqlite, db), rows };
}

describe("SQLite direct writer", () => {
  it("waits for a transaction Kysely holds open across awaits, instead of writing inside it", async () => {
    const { db, writer, rows } = open();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const kysely = db.transaction().execute(async (trx) => {
      await sql`insert into t (n, who) values (1, 'kysely')`.execute(trx);
      await held;
      await sql`insert into t (n, who) values (2, 'kysely')`.execute(trx);
    });
    // Let the transaction open and take its first statement before the writer starts.
    await new Promise((r) => setImmediate(r));
    const direct = writer.run([{ sql: "insert into t (n, who) values (?, ?)", rows: [[3, "direct"]] }]);
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([kysely, direct]);
    expect(rows()).toEqual([
      { n: 1, who: "kysely" },
      { n: 2, who: "kysely" },
      { n: 3, who: "direct" },
    ]);
    await db.destroy();
  });

  it("commits all of its steps or, when one row fails, none of them", async () => {
    const { db, writer, rows } = open();
    const insert = "insert into t (n, who) values (?, ?)";
    await writer.run([
      {
        sql: insert,
        rows: [
          [1, "a"],
          [2, "b"],
        ],
      },
    ]);
    await expect(
      writer.run([
        { sql: insert, rows: [[3, "c"]] },
        { sql: insert, rows: [[4, null]] },
      ]),
    ).rejects.toThrow(/NOT NULL/);
    expect(rows()).toEqual([
      { n: 1, who: "a" },
      { n: 2, who: "b" },
    ]);
    await db.destroy();
  });
});

describe("rowInsertSql", () => {
  it("inserts a row, and as an upsert replaces every column but the key", async () => {
    const { sqlite, db, writer } = open();
    sqlite.exec("create table u (k text primary key, a integer, b text)");
    const upsert = rowInsertSql("u", ["k", "a", "b"], "k");
    await writer.run([
      {
        sql: upsert,
        rows: [
          ["x", 1, "one"],
          ["y", 2, "two"],
          ["x", 3, "three"],
        ],
      },
    ]);
    await writer.run([{ sql: rowInsertSql("t", ["n", "who"]), rows: [[9, "plain"]] }]);
    expect(sqlite.prepare("select k, a, b from u order by k").all()).toEqual([
      { k: "x", a: 3, b: "three" },
      { k: "y", a: 2, b: "two" },
    ]);
    expect(sqlite.prepare("select n, who from t").all()).toEqual([{ n: 9, who: "plain" }]);
    await db.destroy();
  });
});
