/**
 * SQLite's staging of fatigue reports and health snapshots (sqlite-staging.ts) seen from the
 * file: where the rows sit, and an upgrade of a database that already holds some. The store
 * contract (store.e2e.test.ts, health-store.e2e.test.ts) checks that reads see no difference.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { makeScheduler, registerGods, T0 } from "../../test/support/rest-fixture.js";
import type { StoredHealthSnapshot } from "./health-store-types.js";
import { migrationProvider } from "./migrations/migration-provider.js";
import { openStore } from "./open-store.js";
import type { Database } from "./schema.js";
import { SQLITE_DIALECT } from "./sql-dialect.js";
import { sqliteDialect } from "./sqlite-dialect.js";
import { ROWS_PER_INSERT, STRAIGHT_TO_TABLE_ROWS } from "./sqlite-staging.js";
import type { FatigueSnapshot } from "./store-types.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function databaseFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "sqlite-staging-"));
  dirs.push(dir);
  return join(dir, "autonomic.db");
}

const report = (kernel_id: string, at: number, fatigue: number): FatigueSnapshot => ({
  kernel_id,
  at,
  phi: 0.6,
  kappa: 64.2,
  load: 0.3,
  error_rate: 0.01,
  fatigue,
});

function rowCounts(path: string, table = "fatigue_snapshots", recent = "fatigue_recent") {
  const sqlite = new SqliteDatabase(path, { readonly: true });
  try {
    const count = (name: string) => Number(sqlite.prepare(`select count(*) as n from ${name}`).pluck().get());
    return { table: count(table), staged: count(recent) };
  } finally {
    sqlite.close();
  }
}

const snapshot = (at: number): StoredHealthSnapshot => ({
  ...{
    kernel_id: "apollo_1",
    at,
    phi: 0.7,
    kappa_eff: 64,
    basin: null,
    basin_drift: null,
    regime: "geometric",
  },
  ...{
    confidence: null,
    surprise: null,
    agency: null,
    error_rate: null,
    avg_latency_ms: null,
    memory_mb: null,
  },
  ...{ cpu_pct: null, code_hash: null, label: null, context: null },
});

/** The file's schema as migration 009 left it: up from nothing, or down from the latest. */
async function migratedTo009(path: string) {
  const sqlite = new SqliteDatabase(path);
  const db = new Kysely<Database>({ dialect: sqliteDialect(sqlite) });
  const migrator = new Migrator({
    db,
    provider: migrationProvider(SQLITE_DIALECT),
    allowUnorderedMigrations: true,
  });
  expect((await migrator.migrateTo("009_fence_function")).error).toBeUndefined();
  return { sqlite, db };
}

describe("SQLite staging", () => {
  it("appends a group's reports to fatigue_recent and moves them into the table 512 at a time", async () => {
    const path = databaseFile();
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo"]);
    const store = await openStore(path);
    const kernels = rest.exportState().kernels;
    const group = (g: number) =>
      Array.from({ length: 8 }, (_, j) => report("apollo_1", T0 + g * 1000 + j, (g % 90) / 100));
    for (let g = 0; g < 63; g++)
      await store.commit({ kernels, removedKernelIds: [], events: [], fatigue: group(g) });
    expect(rowCounts(path)).toEqual({ table: 0, staged: 504 });
    await store.commit({ kernels, removedKernelIds: [], events: [], fatigue: group(63) });
    expect(rowCounts(path)).toEqual({ table: 512, staged: 0 });
    await store.commit({ kernels, removedKernelIds: [], events: [], fatigue: group(64) });
    expect(rowCounts(path)).toEqual({ table: 512, staged: 8 });
    expect(await store.fatigueSnapshots({ limit: 1000 })).toHaveLength(520);
    await store.close();
  });

  it("stages small batches of snapshots, moves them 512 at a time, and writes a large batch straight to the table", async () => {
    const path = databaseFile();
    const store = await openStore(path);
    const counts = () => rowCounts(path, "health_snapshots", "health_recent");
    const batch = (from: number, length: number) =>
      store.commitSnapshots(Array.from({ length }, (_, i) => snapshot(T0 + from + i)));
    await batch(0, 100);
    expect(counts()).toEqual({ table: 0, staged: 100 });
    await batch(100, 600);
    expect(counts()).toEqual({ table: 700, staged: 0 });
    for (let b = 0; b < 5; b++) await batch(700 + b * 100, 100);
    await batch(1200, 11);
    expect(counts()).toEqual({ table: 700, staged: 511 });
    await batch(1211, 1);
    expect(counts()).toEqual({ table: 1212, staged: 0 });
    // Ids in commit order across the three kinds of write: the newest first, none twice.
    const rows = await store.snapshots({ limit: 1000 });
    expect(rows.map((r) => r.at - T0)).toEqual(Array.from({ length: 1000 }, (_, i) => 1211 - i));
    expect(new Set(rows.map((r) => r.id)).size).toBe(1000);
    await store.close();
  });

  it.each([
    ["stages", 2 * ROWS_PER_INSERT + 8, { table: 0, staged: 2 * ROWS_PER_INSERT + 8 }],
    [
      "writes straight to the table",
      STRAIGHT_TO_TABLE_ROWS + 5,
      { table: STRAIGHT_TO_TABLE_ROWS + 5, staged: 0 },
    ],
  ])(
    "%s a write of more rows than one INSERT stages, each row whole and in id order",
    async (_, n, counts) => {
      const path = databaseFile();
      const store = await openStore(path);
      // All stamped the same ms, so only the id orders them. Staged, they go in INSERTs of
      // ROWS_PER_INSERT rows and a shorter last one; into the table, a statement a row.
      const rows = Array.from({ length: n }, (_, i) => ({
        ...snapshot(T0),
        phi: i / 100,
        basin: Float32Array.from([i, 1, 2]),
        label: `row ${i}`,
      }));
      await store.commitSnapshots(rows);
      expect(rowCounts(path, "health_snapshots", "health_recent")).toEqual(counts);
      const read = (await store.snapshots({ limit: 1000 })).reverse();
      expect(read.map((r) => [r.phi, r.label, Array.from(r.basin ?? [])])).toEqual(
        rows.map((r) => [r.phi, r.label, Array.from(r.basin)]),
      );
      const ids = read.map((r) => r.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(n);
      await store.close();
    },
  );

  it("counts the rows a move is moving once, whether the count runs before or after it", async () => {
    const store = await openStore(databaseFile());
    const batch = (from: number, length: number) =>
      store.commitSnapshots(Array.from({ length }, (_, i) => snapshot(T0 + from + i)));
    for (let b = 0; b < 5; b++) await batch(b * 100, 100);
    await batch(500, 11);
    // 511 staged: this write's move runs while the count is under way.
    const [, counted] = await Promise.all([batch(511, 1), store.snapshotCount()]);
    expect([511, 512]).toContain(counted);
    expect(await store.snapshotCount()).toBe(512);
    await store.close();
  });

  it("migrates down to 009 with every staged row back in its table, ids and sequence kept", async () => {
    const path = databaseFile();
    const store = await openStore(path);
    await store.commitSnapshots(Array.from({ length: 700 }, (_, i) => snapshot(T0 + i)));
    await store.commitSnapshots(Array.from({ length: 30 }, (_, i) => snapshot(T0 + 700 + i)));
    await store.pruneHealthSnapshots(T0 + 725); // the newest 5, still staged, survive
    await store.close();
    const { sqlite, db } = await migratedTo009(path);
    const ids = sqlite.prepare("select id from health_snapshots order by id").pluck().all();
    expect(ids).toEqual([726, 727, 728, 729, 730]);
    const seq = sqlite
      .prepare("select seq from sqlite_sequence where name = 'health_snapshots'")
      .pluck()
      .get();
    expect(seq).toBe(730);
    await db.destroy();
  });

  it("upgrades a database holding reports so that reports after it still read as the newer", async () => {
    const path = databaseFile();
    const { db } = await migratedTo009(path);
    // Three reports in the same ms, as version 009 stored them; ids 1–3.
    await db
      .insertInto("fatigue_snapshots")
      .values([0.1, 0.2, 0.3].map((f) => report("apollo_1", T0, f)))
      .execute();
    await db.destroy();

    const store = await openStore(path);
    await store.commit({
      kernels: [],
      removedKernelIds: [],
      events: [],
      fatigue: [report("apollo_1", T0, 0.4)],
    });
    expect((await store.fatigueSnapshots()).map((r) => r.fatigue)).toEqual([0.4, 0.3, 0.2, 0.1]);
    await store.close();
  });
});
