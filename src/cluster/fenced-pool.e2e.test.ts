/**
 * The fence on real PostgreSQL: a store whose pool is fenced commits only while the
 * leadership row carries its generation, and a takeover's generation bump waits for a commit
 * already checking the fence, so every commit lands wholly before or wholly after it.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.js";
import { openStore } from "../store/open-store.js";
import type { Store } from "../store/store-types.js";
import { Fence, fencedPool, type KyselyPool, NotLeaderError } from "./fenced-pool.js";

let db: TestDatabase;
let store: Store;
let pool: KyselyPool;
const fence = new Fence();
const admin = () => new pg.Client({ connectionString: db.url });

async function setGeneration(generation: number): Promise<void> {
  const c = admin();
  await c.connect();
  await c.query("UPDATE cluster_leadership SET generation = $1 WHERE id = 1", [generation]);
  await c.end();
}

beforeAll(async () => {
  db = await createTestDatabase();
  store = await openStore(db.url, {
    wrapPool: (raw) => {
      pool = fencedPool(raw, fence);
      return pool;
    },
  });
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe("a fenced store", () => {
  it("commits while its generation holds and refuses once another leader's has replaced it", async () => {
    await setGeneration(4);
    fence.lead(4);
    await store.saveHealingState("loop", { running: true });
    await setGeneration(5);
    await expect(store.saveHealingState("loop", { running: false })).rejects.toThrow(NotLeaderError);
    fence.lead(5);
    await store.saveHealingState("loop", { running: false });
    expect(await store.loadHealingState("loop")).toEqual({ running: false });
  });

  it("refuses every write while it follows, but still reads", async () => {
    fence.follow();
    await expect(store.recordServerStart(1000)).rejects.toThrow(/not the leader/);
    await expect(store.loadRestState()).resolves.toMatchObject({ kernels: [] });
  });

  it("makes a takeover wait for a commit already past the fence check", async () => {
    await setGeneration(7);
    fence.lead(7);
    const client = await pool.connect();
    await client.query("BEGIN");
    await client.query("INSERT INTO cluster_ticks (job, tick, generation, ran_at) VALUES ('t', 1, 7, 0)");
    // Hold the commit: check the fence by hand, then let the takeover try.
    await client.query("SELECT 1 FROM cluster_leadership WHERE id = 1 AND generation = 7 FOR SHARE");
    const taker = admin();
    await taker.connect();
    let tookOver = false;
    const takeover = taker.query("UPDATE cluster_leadership SET generation = 8 WHERE id = 1").then(() => {
      tookOver = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tookOver).toBe(false);
    await client.query("COMMIT");
    client.release();
    await takeover;
    await taker.end();
    expect(tookOver).toBe(true);
    // Committed before the takeover, so there; the next write of generation 7 is refused.
    await expect(store.recordServerStart(2000)).rejects.toThrow(NotLeaderError);
  });

  it("sends a write with its values inlined as one query behind the fence, all or nothing", async () => {
    await setGeneration(9);
    fence.lead(9);
    const client = await pool.connect();
    try {
      const insert =
        "INSERT INTO cluster_ticks (job, tick, generation, ran_at) VALUES ('inlined', 1, 9, 0), ('inlined', 2, 9, 0)";
      const done = (await client.query(insert)) as pg.QueryResult;
      expect(done.rowCount).toBe(2);
      await setGeneration(10);
      // Superseded: refused as not-leader, and neither row of the statement is there.
      await expect(
        client.query("INSERT INTO cluster_ticks (job, tick, generation, ran_at) VALUES ('inlined', 3, 9, 0)"),
      ).rejects.toThrow(NotLeaderError);
      const rows = (await client.query(
        "SELECT tick FROM cluster_ticks WHERE job = 'inlined' ORDER BY tick",
      )) as pg.QueryResult;
      expect(rows.rows.map((r) => Number(r.tick))).toEqual([1, 2]);
      // A failing statement after the fence rolls back the fence's share lock with it: the
      // connection is usable, outside any transaction.
      fence.lead(10);
      await expect(
        client.query(
          "INSERT INTO cluster_ticks (job, tick, generation, ran_at) VALUES ('inlined', 1, 10, 0)",
        ),
      ).rejects.toThrow(/duplicate key/);
      const state = (await client.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'tuple'",
      )) as pg.QueryResult;
      expect(state.rows[0].n).toBe(0);
    } finally {
      client.release();
    }
  });
});
