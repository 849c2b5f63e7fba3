/**
 * The one way the server and CLI get a store: from `store.location` in the config, a
 * postgres:// (or postgresql://) URL or a SQLite file path, migrated and ready.
 *
 * @example
 * const store = await openStore(config.store.location); // "./autonomic.db" or "postgres://…"
 * const [state, baselines] = await Promise.all([store.loadRestState(), store.loadBaselines()]);
 */
import { openPostgresStore, type PostgresStoreOptions } from "./postgres-store.js";
import { openSqliteStore } from "./sqlite-store.js";
import { isPostgresUrl, StoreOpenError } from "./store-error.js";
import type { Store } from "./store-types.js";

/**
 * Opens the store at `location` and runs its migrations. Throws a StoreOpenError naming the
 * location (password masked) when it cannot be opened, reached or migrated.
 */
export async function openStore(location: string, postgres: PostgresStoreOptions = {}): Promise<Store> {
  if (location.trim() === "") throw new StoreOpenError(location, "no store location given");
  const store = isPostgresUrl(location) ? openPostgresStore(location, postgres) : openSqliteStore(location);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => {});
    if (error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(location, describe(error), { cause: error });
  }
  return store;
}

/**
 * A driver error in words. Node reports a refused connection to a name with several
 * addresses (localhost: ::1 and 127.0.0.1) as an AggregateError with an empty message.
 */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.message === "")
    return error.errors.map(describe).join("; ") || "connection failed";
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (error.message !== "") return error.message;
    return typeof code === "string" ? code : error.name;
  }
  return String(error);
}
