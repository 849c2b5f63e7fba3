/**
 * Fresh, empty store locations for end-to-end tests: a SQLite file in a temp folder, or a
 * new PostgreSQL database; `cleanup` drops and deletes them all.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "./postgres.js";

export function storeLocations(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const databases: TestDatabase[] = [];
  let fileCount = 0;
  return {
    /** The temp folder, for other files a test needs (removed by cleanup). */
    dir,
    /** A fresh, empty store location for `backend` ("sqlite" or "postgres"). */
    async fresh(backend: string): Promise<string> {
      if (backend === "postgres") {
        const db = await createTestDatabase();
        databases.push(db);
        return db.url;
      }
      fileCount++;
      return join(dir, `autonomic-${fileCount}.db`);
    },
    async cleanup(): Promise<void> {
      await Promise.all(databases.map((db) => db.drop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
