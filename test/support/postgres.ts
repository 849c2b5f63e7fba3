/**
 * Throw-away PostgreSQL databases for e2e tests: one per test run, created from the
 * `postgres` maintenance database and dropped (WITH (FORCE), so a leaked connection cannot
 * keep it alive) when the run ends. Set AUTONOMIC_TEST_POSTGRES_URL to point the tests at
 * another server; it must name a database the user may CREATE DATABASE from.
 *
 * @example
 * const pg = await createTestDatabase();
 * const store = await openStore(pg.url);
 * await pg.reset(); // an empty schema for the next test
 * await pg.drop();
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const POSTGRES_ADMIN_URL =
  process.env.AUTONOMIC_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  name: string;
  /** Connection URL of the new database. */
  url: string;
  /** Empties the database (drops and recreates the public schema), for a fresh test. */
  reset(): Promise<void>;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // Random, so parallel runs (and a run after a crashed one) never meet.
  const name = `autonomic_test_${randomBytes(6).toString("hex")}`;
  await withClient(POSTGRES_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = databaseUrl(POSTGRES_ADMIN_URL, name);
  return {
    name,
    url,
    reset: () =>
      withClient(url, async (c) => {
        await c.query("DROP SCHEMA public CASCADE");
        await c.query("CREATE SCHEMA public");
      }),
    drop: async () => {
      await withClient(POSTGRES_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** The admin URL with its database replaced by `name`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    throw new Error(`PostgreSQL for e2e tests is not reachable at ${new URL(url).host}: ${reason}`, {
      cause: error,
    });
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
