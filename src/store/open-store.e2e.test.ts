/**
 * Opening a store from a location: which backend a location picks, the errors an operator
 * sees (naming the location, never its password), that SQLite keeps an acknowledged
 * commit when the process is killed right after it, and that a database an older release
 * migrated upgrades with its rows.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from "../../test/support/postgres.js";
import { migrationProvider } from "./migrations/migration-provider.js";
import { openStore } from "./open-store.js";
import { POSTGRES_DIALECT, SQLITE_DIALECT, type SqlDialect } from "./sql-dialect.js";
import { maskLocation, StoreOpenError } from "./store-error.js";
import type { RestChange } from "./store-types.js";

const dir = mkdtempSync(join(tmpdir(), "autonomic-open-"));
let postgres: TestDatabase;

beforeAll(async () => {
  postgres = await createTestDatabase();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await postgres?.drop();
});

async function openError(location: string): Promise<StoreOpenError> {
  const error = await openStore(location).then(
    async (store) => {
      await store.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreOpenError);
  return error as StoreOpenError;
}

describe("openStore", () => {
  it("opens an in-memory SQLite store for :memory:, migrated", async () => {
    const store = await openStore(":memory:");
    expect(store.backend).toBe("sqlite");
    expect(await store.loadRestState()).toEqual({ kernels: [], chaosEverSpawned: [], reportSeq: 0 });
    await store.close();
  });

  it("opens PostgreSQL for a postgresql:// URL as for postgres://", async () => {
    const store = await openStore(postgres.url.replace(/^postgres:/, "postgresql:"));
    expect(store.backend).toBe("postgres");
    expect(await store.restEvents()).toEqual([]);
    await store.close();
  });

  it("refuses a SQLite file whose directory does not exist, naming both", async () => {
    const path = join(dir, "missing", "autonomic.db");
    const error = await openError(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain(`directory ${join(dir, "missing")} does not exist`);
  });

  it("names an unreachable PostgreSQL server by its URL with the password masked", async () => {
    const error = await openError("postgres://autonomic:hunter2@127.0.0.1:1/autonomic");
    expect(error.message).toContain("postgres://autonomic:***@127.0.0.1:1/autonomic");
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).not.toContain("hunter2");
    expect(error.location).not.toContain("hunter2");
  });

  it("says when the PostgreSQL database does not exist", async () => {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.password = "hunter2";
    url.pathname = "/autonomic_no_such_database";
    const error = await openError(url.toString());
    expect(error.message).toMatch(/database "autonomic_no_such_database" does not exist/);
    expect(error.message).not.toContain("hunter2");
  });
});

describe("maskLocation", () => {
  it("masks a password in the user part or the query, and leaves file paths alone", () => {
    expect(maskLocation("postgresql://app:p%40ss@db:5432/x")).toBe("postgresql://app:***@db:5432/x");
    expect(maskLocation("postgres://db/x?user=app&password=s3cret&ssl=1")).toBe(
      "postgres://db/x?user=app&password=***&ssl=1",
    );
    expect(maskLocation("postgres://app@db/x")).toBe("postgres://app@db/x");
    expect(maskLocation("./data/app:secret@x.db")).toBe("./data/app:secret@x.db");
  });
});

describe("the SQLite store", () => {
  it("writes in WAL mode", async () => {
    const path = join(dir, "wal.db");
    await (await openStore(path)).close();
    const raw = new SqliteDatabase(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("keeps a commit when the process is killed right after it resolves", async () => {
    const path = join(dir, "killed.db");
    const change: RestChange = {
      kernels: [],
      removedKernelIds: [],
      events: [],
      chaosEverSpawned: ["chaos_x_1"],
    };
    // A separate process that commits and then dies by SIGKILL: no close, no exit handlers.
    const child = spawnSync(
      process.execPath,
      [
        ...["--import", "tsx", "--input-type=module", "-e"],
        `const { openStore } = await import(process.argv[1]);
         const store = await openStore(process.argv[2]);
         await store.commit(JSON.parse(process.argv[3]));
         process.kill(process.pid, "SIGKILL");`,
        fileURLToPath(new URL("./open-store.ts", import.meta.url)),
        path,
        JSON.stringify(change),
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(child.stderr).toBe("");
    expect(child.signal).toBe("SIGKILL");
    const store = await openStore(path);
    expect((await store.loadRestState()).chaosEverSpawned).toEqual(["chaos_x_1"]);
    await store.close();
  });
});

const T0 = Date.UTC(2026, 10, 22, 12);

/**
 * A database as the release before migration 005 left it: migrated to 004 (the code that ran
 * then), with a finished rest, one still running, one of no length, coverage and a cycle row.
 */
async function migratedTo004(backend: "sqlite" | "postgres", location: string) {
  const dialect: SqlDialect = backend === "sqlite" ? SQLITE_DIALECT : POSTGRES_DIALECT;
  // biome-ignore lint/suspicious/noExplicitAny: the tables as 004 made them, not today's Database
  const db = new Kysely<any>({
    dialect:
      backend === "sqlite"
        ? new SqliteDialect({ database: new SqliteDatabase(location) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: location }) }),
  });
  const { error } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo(
    "004_healing_tables",
  );
  if (error) throw error;
  const rest = (kernel_id: string, started_at: number, seconds: number | null) => ({
    ...{ kernel_id, kernel_name: kernel_id.replace(/_1$/, ""), rest_type: "resting", started_at },
    ...{ planned_until: started_at + 600_000, reason: "tired", reason_code: "covered" },
    ...{
      forced: dialect.bool(false),
      covered_by: null,
      phi_at_rest: 0.5,
      kappa_at_rest: 60,
      fatigue_at_rest: 0.75,
    },
    // Finished: 0.5 of fatigue removed in `seconds`. Running: the "after" columns stay null.
    ...(seconds !== null && { ended_at: started_at + seconds * 1000, duration_seconds: seconds }),
    ...(seconds !== null && {
      end_cause: "requested",
      phi_after: 0.75,
      kappa_after: 64,
      fatigue_after: 0.25,
    }),
  });
  await db
    .insertInto("rest_events")
    .values([rest("apollo_1", T0, 120), rest("athena_1", T0 + 1000, null), rest("hermes_1", T0 + 2000, 0)])
    .execute();
  const coverage = {
    kernel_id: "athena_1",
    covering_for: "apollo_1",
    coverer_fatigue: 0.2,
    handoff_from: null,
  };
  await db
    .insertInto("coverage_events")
    .values([
      { ...coverage, started_at: T0, ended_at: T0 + 120_000, end_cause: "rest_ended" },
      { ...coverage, covering_for: "hermes_1", started_at: T0 + 2000, ended_at: null, end_cause: null },
    ])
    .execute();
  await db
    .insertInto("constellation_cycles")
    .values({
      cycle_type: "sleep",
      started_at: T0,
      ended_at: T0 + 60_000,
      detail: '{"votes":{"heart":true}}',
    })
    .execute();
  return { db, dialect };
}

describe("a database migrated by the release before 005", () => {
  const locations = {
    sqlite: async () => ({ location: join(dir, `upgrade-${randomUUID()}.db`), drop: async () => {} }),
    postgres: async () => {
      const database = await createTestDatabase();
      return { location: database.url, drop: () => database.drop() };
    },
  };

  for (const backend of ["sqlite", "postgres"] as const) {
    it(`${backend}: upgrades with its rows, old coverage at share 1 and finished rests given their recovery rate`, async () => {
      const { location, drop } = await locations[backend]();
      try {
        const { db } = await migratedTo004(backend, location);
        await db.destroy();
        const store = await openStore(location);
        try {
          const rests = await store.restEvents();
          expect(rests.map((r) => [r.kernel_id, r.recovery_per_minute, r.cycle, r.covered_also_by])).toEqual([
            ["hermes_1", null, null, null], // no length, no rate
            ["athena_1", null, null, null], // still resting
            ["apollo_1", 0.25, null, null], // 0.5 removed in 2 minutes
          ]);
          expect(rests[2]).toMatchObject({
            fatigue_after: 0.25,
            duration_seconds: 120,
            end_cause: "requested",
          });
          const coverage = await store.coverageEvents();
          expect(coverage.map((c) => [c.covering_for, c.share, c.context, c.end_cause])).toEqual([
            ["hermes_1", 1, null, null],
            ["apollo_1", 1, null, "rest_ended"],
          ]);
          expect(await store.constellationCycles()).toEqual([
            expect.objectContaining({
              kind: "cycle",
              reason: "",
              ended_at: T0 + 60_000,
              detail: { votes: { heart: true } },
            }),
          ]);
          expect(await store.openCycle()).toBeNull();
          const quality = await store.restQuality();
          expect(quality.map((q) => [q.kernel_id, q.rests, q.mean_recovery_per_minute])).toEqual([
            ["apollo_1", 1, 0.25],
            ["hermes_1", 1, 0],
            [null, 2, 0.25],
          ]);
        } finally {
          await store.close();
        }
      } finally {
        await drop();
      }
    });

    it(`${backend}: runs 005 again after a start that died halfway through it`, async () => {
      const { location, drop } = await locations[backend]();
      try {
        const { db, dialect } = await migratedTo004(backend, location);
        // What a first run of 005 left when it died after two of its columns (SQLite runs a
        // migration outside a transaction, so this is what a crash there can leave).
        await db.schema
          .alterTable("rest_events")
          .addColumn("recovery_per_minute", dialect.doubleType)
          .execute();
        await db.schema
          .alterTable("coverage_events")
          .addColumn("share", dialect.doubleType, (c) => c.notNull().defaultTo(1))
          .execute();
        await db.destroy();
        const store = await openStore(location);
        try {
          expect((await store.coverageEvents()).map((c) => c.share)).toEqual([1, 1]);
          expect((await store.restEvents()).map((r) => r.recovery_per_minute)).toEqual([null, null, 0.25]);
        } finally {
          await store.close();
        }
      } finally {
        await drop();
      }
    });
  }
});
