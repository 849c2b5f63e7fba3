/**
 * The backends every store contract test runs against, DESIGN.md's
 * `for (const backend of BACKENDS)`: a SQLite file, a PostgreSQL database (one per run,
 * emptied per test) and the in-memory fake. Each `fresh()` gives an empty database and a
 * function that opens (or reopens) it.
 *
 * @example
 * const backends = storeBackends("autonomic-action-store-");
 * for (const backend of backends) describe(backend.name, () => { … });
 * afterAll(() => Promise.all(backends.map((b) => b.cleanUp?.())));
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach } from "vitest";
import { createFakeStore, FakeDatabase } from "../../src/store/fake-store.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store, StoreBackend } from "../../src/store/store-types.js";
import { createTestDatabase, type TestDatabase } from "./postgres.js";

export interface Backend {
  name: StoreBackend;
  fresh(): Promise<() => Promise<Store>>;
  cleanUp?(): Promise<void>;
}

export function storeBackends(tempPrefix: string): Backend[] {
  const tempDir = mkdtempSync(join(tmpdir(), tempPrefix));
  let postgres: Promise<TestDatabase> | undefined;
  return [
    {
      name: "sqlite",
      fresh: async () => {
        const path = join(tempDir, `${randomUUID()}.db`);
        return () => openStore(path);
      },
      cleanUp: async () => rmSync(tempDir, { recursive: true, force: true }),
    },
    {
      name: "postgres",
      fresh: async () => {
        postgres ??= createTestDatabase();
        const db = await postgres;
        await db.reset();
        return () => openStore(db.url);
      },
      cleanUp: async () => (await postgres)?.drop(),
    },
    {
      name: "fake",
      fresh: async () => {
        const database = new FakeDatabase();
        return async () => createFakeStore(database);
      },
    },
  ];
}

/**
 * Inside a backend's describe: an empty database before each test, every store opened in
 * the test closed after it, the backend cleaned up after the file. Returns `open`, which
 * opens (or, called again, reopens) this test's database.
 */
export function freshStorePerTest(backend: Backend): () => Promise<Store> {
  const opened: Store[] = [];
  let reopen: () => Promise<Store>;
  beforeEach(async () => {
    reopen = await backend.fresh();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  afterAll(async () => backend.cleanUp?.());
  return async () => {
    const store = await reopen();
    opened.push(store);
    return store;
  };
}
