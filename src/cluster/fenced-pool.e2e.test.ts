/**
 * The fence on real PostgreSQL: a store whose pool is fenced commits only while the
 * leadership row carries its generation, and a takeover's generation bump waits for a commit
 * already checking the fence, so every commit lands wholly before or wholly after it.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.js";
import { openStore } from "../store/open-store.js";
import { PostgresReportWriter, REPORT_GROUP_SQL } from "../store/postgres-report-writer.js";
import type { Store } from "../store/store-types.js";
import { Fence, fencedPool, type KyselyPool, NotLeaderError } from "./fenced-pool.js";

let db: TestDatabase;
let store: Store;
let pool: KyselyPool;
const fence = new Fence();
const admin = () => new pg.Client({ connectionString: db.url });

async function queryAll(text: string): Promise<unknown[]> {
  const c = admin();
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

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

  it("runs a report group in one statement behind the fence, all or nothing", async () => {
    await setGeneration(9);
    fence.lead(9);
    const kernel = (id: string) => ({
      kernel_id: id,
      kernel_name: "Apollo",
      tier: "specialized",
      rest_policy: "coordinated_alternating",
      status: "active",
      fatigue: 0.25,
      covered_by: null,
      covering_for: null,
      updated_at: 1000,
      state: "{}",
    });
    const report = (id: string, at: number) => ({
      kernel_id: id,
      at,
      phi: 0.7,
      kappa: 64,
      load: 0.3,
      error_rate: 0,
      fatigue: 0.25,
    });
    const reports = async () =>
      ((await queryAll("SELECT kernel_id, at FROM fatigue_snapshots ORDER BY at")) as { at: number }[]).map(
        (r) => r.at,
      );
    // As the store sends it: a named statement (a query config), the generation left null.
    const writer = new PostgresReportWriter(pool);
    const group = (kernels: unknown[], fatigue: unknown[]) =>
      writer.run(JSON.stringify(kernels), JSON.stringify(fatigue));
    await group([kernel("k_1")], [report("k_1", 1)]);
    expect(await reports()).toEqual([1]);
    // Superseded: refused as not-leader, and nothing of the group is there.
    await setGeneration(10);
    await expect(group([kernel("k_2")], [report("k_2", 2)])).rejects.toThrow(NotLeaderError);
    // The same call as plain text and parameters is fenced the same way.
    const client = await pool.connect();
    try {
      await expect(
        client.query(REPORT_GROUP_SQL, [
          null,
          JSON.stringify([kernel("k_2")]),
          JSON.stringify([report("k_2", 2)]),
        ]),
      ).rejects.toThrow(NotLeaderError);
    } finally {
      client.release();
    }
    // A row that breaks a constraint fails the whole group, its kernel upsert with it.
    fence.lead(10);
    await expect(
      group([kernel("k_3")], [report("k_3", 3), { ...report("k_3", 4), fatigue: null }]),
    ).rejects.toThrow(/null value/);
    expect(await reports()).toEqual([1]);
    expect(await queryAll("SELECT kernel_id FROM kernels ORDER BY kernel_id")).toEqual([
      { kernel_id: "k_1" },
    ]);
    // Following: refused before anything is sent.
    fence.follow();
    await expect(group([kernel("k_4")], [report("k_4", 5)])).rejects.toThrow(/this server follows/);
  });

  it("keeps the isolation level a fenced BEGIN asked for, and lets a read-only one pass unfenced", async () => {
    await setGeneration(11);
    fence.lead(11);
    const client = await pool.connect();
    try {
      await client.query("start transaction isolation level repeatable read");
      const level = (await client.query("SHOW transaction_isolation")) as pg.QueryResult;
      expect(level.rows[0].transaction_isolation).toBe("repeatable read");
      await client.query("COMMIT");
      // Following: no write may commit, but a read-only transaction still reads.
      fence.follow();
      await client.query("start transaction isolation level repeatable read read only");
      const rows = (await client.query("SELECT generation FROM cluster_leadership")) as pg.QueryResult;
      expect(rows.rows).toHaveLength(1);
      await expect(
        client.query("INSERT INTO cluster_ticks (job, tick, generation, ran_at) VALUES ('ro', 1, 11, 0)"),
      ).rejects.toThrow(/read-only transaction/);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
  });
});
