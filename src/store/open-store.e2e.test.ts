/**
 * Opening a store from a location: which backend a location picks, the errors an operator
 * sees (naming the location, never its password), and that SQLite keeps an acknowledged
 * commit when the process is killed right after it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import SqliteDatabase from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from "../../test/support/postgres.js";
import { openStore } from "./open-store.js";
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
    expect(await store.loadRestState()).toEqual({ kernels: [], chaosEverSpawned: [] });
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
