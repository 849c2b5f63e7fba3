/**
 * The PostgreSQL store, for a postgres:// URL: a pg Pool under Kysely. Not migrated and not
 * yet connected (the pool connects on first use): `openStore` migrates, which connects.
 *
 * @example
 * const store = openPostgresStore("postgres://autonomic@db:5432/autonomic");
 * await store.migrate();
 */
import { Kysely, PostgresDialect, type PostgresPool } from "kysely";
import pg from "pg";
import { KyselyStore } from "./kysely-health-store.js";
import { PostgresReportWriter, type ReportPool } from "./postgres-report-writer.js";
import type { Database } from "./schema.js";
import { multiRowSnapshotWriter } from "./snapshot-writers.js";
import { POSTGRES_DIALECT } from "./sql-dialect.js";

/**
 * pg returns double precision (float8) and int4 as numbers already, but int8 as a string
 * because it may exceed 2^53. Our int8 values are row counts and ids, far below that, so
 * they are parsed to numbers here: for this pool only, not through pg's global registry,
 * which would change every other pg user in the process.
 */
const numericTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

export interface PostgresStoreOptions {
  /** Most connections the pool opens (default 10). */
  maxConnections?: number;
  /** Called when an idle connection fails (the server restarted, the network dropped). */
  onIdleError?: (error: Error) => void;
  /** Puts a layer between the store and the pool (the cluster's fence, src/cluster/fenced-pool.ts); it must pass named queries too. */
  wrapPool?: (pool: pg.Pool) => PostgresPool & ReportPool;
  /**
   * Every session read-only (`default_transaction_read_only`): PostgreSQL itself refuses any
   * write through this store. A follower's own state is read through one (SPEC §9).
   */
  readOnly?: boolean;
}

export function openPostgresStore(url: string, options: PostgresStoreOptions = {}): KyselyStore {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types: numericTypes,
    ...(options.readOnly ? { options: "-c default_transaction_read_only=on" } : {}),
  });
  // Without a listener an idle connection's error is thrown as an unhandled 'error' event
  // and kills the process; the pool has already dropped that connection and the next query
  // opens a new one, so reporting it is enough.
  pool.on("error", options.onIdleError ?? (() => {}));
  // A connection that dies while checked out but between two queries (inside a transaction
  // Kysely holds across awaits) emits 'error' on the client itself, where the pool listens
  // only while it is idle; the next query on it fails, which is where the error is reported.
  pool.on("connect", (client) => client.on("error", () => {}));
  const used = options.wrapPool?.(pool) ?? pool;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: used }) });
  return new KyselyStore(
    db,
    POSTGRES_DIALECT,
    multiRowSnapshotWriter(POSTGRES_DIALECT),
    new PostgresReportWriter(used),
  );
}
