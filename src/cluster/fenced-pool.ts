/**
 * Fencing (SPEC §9, DESIGN.md "The write path"): a leader that has lost its lock must never
 * commit. The store's transactions run on a pool, not on the connection holding the advisory
 * lock, so the lock alone proves nothing about them; instead every write transaction checks,
 * as it begins, that the leadership row still carries this leader's generation, and holds a
 * share lock on that row until it commits. A takeover raises the generation with an
 * UPDATE of the same row, which waits for those share locks: so each commit is ordered either
 * wholly before the takeover (and the new leader, loading after it, sees it) or after it
 * (and is rolled back here). A write outside a transaction is wrapped in one for the check.
 *
 * The pool is handed to Kysely as its PostgresPool; reads pass straight through.
 *
 * @example
 * const fence = new Fence();
 * const store = openPostgresStore(url, { wrapPool: (pool) => fencedPool(pool, fence) });
 * await store.migrate(); // open: not yet fenced
 * fence.follow();        // no write may commit
 * fence.lead(7);         // commits check generation 7
 */
import type pg from "pg";
import { AutonomicError } from "../core/errors.js";
import { FENCE_SQLSTATE } from "../store/migrations/009-fence-function.js";

/** A commit refused because this server no longer leads (or never did). */
export class NotLeaderError extends AutonomicError {
  readonly kind = "unavailable";
  readonly code = "not_leader";
  constructor(detail: string) {
    super(`not the leader: ${detail}`);
    this.name = "NotLeaderError";
  }
}

/** Which generation this server's writes belong to: open (before the cluster starts), none, or one. */
export class Fence {
  private state: { mode: "open" } | { mode: "fenced"; generation: number | null } = { mode: "open" };

  /** Writes must carry `generation`. */
  lead(generation: number): void {
    this.state = { mode: "fenced", generation };
  }

  /** No write may commit. */
  follow(): void {
    this.state = { mode: "fenced", generation: null };
  }

  /** null: unchecked (migrations, SQLite); else the generation (null: refuse every write). */
  current(): { generation: number | null } | null {
    return this.state.mode === "open" ? null : { generation: this.state.generation };
  }
}

/** What Kysely's PostgresDialect needs of a pool. */
export interface KyselyPool {
  connect(): Promise<KyselyPoolClient>;
  end(): Promise<void>;
}

export interface KyselyPoolClient {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query overloads, passed through as they are
  query(...args: any[]): any;
  release(): void;
}

const WRITE = /^\s*(insert|update|delete|merge|with|truncate|create|alter|drop)\b/i;
const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const COMMIT = /^\s*(commit|end)\b/i;
const ROLLBACK = /^\s*rollback\b(?!\s+to)/i;

const READ_ONLY = /\bread\s+only\b/i;

/**
 * A call of a fenced function (migration 009): its first parameter is the generation, which
 * the store leaves null and this pool fills in.
 */
const FENCED_CALL = /^\s*select\s+autonomic_report_group\(\$1\b/i;

/**
 * Every fenced write transaction also notifies this channel. PostgreSQL delivers a NOTIFY
 * when, and only if, its transaction commits, so a follower listening here learns of every
 * commit, with no extra round trip and no commit it could miss while it listens (SPEC §9:
 * followers answer reads from their own state, src/cluster/follower-state.ts). Migration
 * 009's autonomic_report_group notifies the same channel by name.
 */
export const COMMIT_CHANNEL = "autonomic_commits";

export function fencedPool(pool: pg.Pool, fence: Fence): KyselyPool {
  const wrappers = new WeakMap<pg.PoolClient, KyselyPoolClient>();
  const wrap = (client: pg.PoolClient): KyselyPoolClient => {
    let inTransaction = false;
    /**
     * Opens a transaction that holds the fence: the BEGIN as the caller wrote it (with its
     * isolation level), the share-locking check (autonomic_fence, migration 009) and the
     * commit's notification (COMMIT_CHANNEL) go to the server as one simple query, so a write
     * transaction costs one round trip more than it would unfenced, not two. The lock is then
     * held until COMMIT, so a takeover waits for the transaction, which lands wholly before it.
     */
    const beginFenced = async (begin: string, generation: number | null): Promise<unknown> => {
      if (generation === null) throw new NotLeaderError("this server follows");
      const g = safeGeneration(generation);
      try {
        // Inlined, not bound: a simple query may hold several statements, a bound one only one.
        const results = (await client.query(
          `${begin}; SELECT autonomic_fence(${g}); NOTIFY ${COMMIT_CHANNEL}, '${g}'`,
        )) as unknown as pg.QueryResult[];
        inTransaction = true;
        return results[0];
      } catch (error) {
        // The BEGIN ran, and what failed after it left the transaction aborted: end it.
        inTransaction = false;
        await client.query("ROLLBACK").catch(() => {});
        throw asNotLeader(error, g);
      }
    };
    return {
      // biome-ignore lint/suspicious/noExplicitAny: see KyselyPoolClient
      query: async (...args: any[]) => {
        // A query is its text, or a config object with one (the form that names a prepared
        // statement, src/store/postgres-report-writer.ts); anything else (a cursor) passes.
        const first = args[0];
        const text: unknown = typeof first === "string" ? first : first?.text;
        if (typeof text !== "string") return client.query(...(args as [string]));
        const f = fence.current();
        if (BEGIN.test(text)) {
          // A read-only transaction needs no fence (PostgreSQL refuses a write in it) and
          // commits nothing a follower must hear of.
          if (f !== null && !READ_ONLY.test(text)) return beginFenced(text, f.generation);
          const result = await client.query(...(args as [string]));
          inTransaction = true;
          return result;
        }
        if (ROLLBACK.test(text) || COMMIT.test(text)) {
          inTransaction = false;
          return client.query(...(args as [string]));
        }
        if (!inTransaction && f !== null && FENCED_CALL.test(text)) {
          // A fenced function (migration 009) checks the generation it is given as $1 in its
          // own statement: one implicit transaction, one round trip.
          if (f.generation === null) throw new NotLeaderError("this server follows");
          const generation = safeGeneration(f.generation);
          const given = ((typeof first === "string" ? args[1] : first.values) as unknown[] | undefined) ?? [];
          const values = [generation, ...given.slice(1)];
          try {
            return await (typeof first === "string"
              ? client.query(text, values)
              : // Not { ...first, values }: a spread then a property is V8's slow path (~1.5 µs).
                client.query(Object.assign({}, first, { values })));
          } catch (error) {
            throw asNotLeader(error, generation);
          }
        }
        if (!inTransaction && f !== null && WRITE.test(text)) {
          await beginFenced("BEGIN", f.generation);
          try {
            const result = await client.query(...(args as [string]));
            await client.query("COMMIT");
            return result;
          } catch (error) {
            await client.query("ROLLBACK").catch(() => {});
            throw error;
          } finally {
            inTransaction = false;
          }
        }
        return client.query(...(args as [string]));
      },
      release: () => {
        // A connection given back mid-transaction is rolled back by Kysely first; reset anyway.
        inTransaction = false;
        client.release();
      },
    };
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

/** Inlined into SQL, so it must be an integer and nothing else. */
function safeGeneration(generation: number): number {
  if (!Number.isSafeInteger(generation)) throw new Error(`generation ${generation} is not an integer`);
  return generation;
}

/** The fence's refusal (SQLSTATE AUT01) as NotLeaderError; any other error as it is. */
function asNotLeader(error: unknown, generation: number): unknown {
  return (error as { code?: unknown }).code === FENCE_SQLSTATE
    ? new NotLeaderError(`generation ${generation} was superseded`)
    : error;
}
