/**
 * The whole Store on SQL: the rest scheduler's KyselyRestStore plus the health tables,
 * with the batch insert of snapshots left to a SnapshotWriter (multi-row INSERTs on
 * PostgreSQL) or, on SQLite, the direct writer (prepared statements, one synchronous transaction), remediation actions through a KyselyActionStore,
 * self-healing through a KyselyHealingStore and kernel-scoped tokens through a
 * KyselyAccessTokenStore, all on the same connection.
 *
 * @example
 * const store = new KyselyStore(db, POSTGRES_DIALECT, multiRowSnapshotWriter(POSTGRES_DIALECT));
 * await store.migrate();
 * await store.commitSnapshots(batch, { baselines: [first] });
 */
import { type Kysely, type QueryCreator, type Selectable, type SelectQueryBuilder, sql } from "kysely";
import type { Patch } from "../core/healing/patch.js";
import type { RemediationAction } from "../core/healing/remediation-action.js";
import type { AccessTokenRecord } from "./access-token-store-types.js";
import type { ActionQuery } from "./action-store-types.js";
import type { AlertQuery, PatchQuery, PhaseChange, StoredAlert } from "./healing-store-types.js";
import {
  assertCursor,
  BASELINE_COLUMNS,
  baselineFromRow,
  baselineRows,
  healthLimit,
  perKernelCount,
  RESONANCE_COLUMNS,
  resonanceFromRow,
  resonanceRow,
  SNAPSHOT_COLUMNS,
  snapshotFromRow,
  snapshotValues,
} from "./health-rows.js";
import type {
  HealthSnapshotRow,
  ResonancePointRow,
  ResonanceQuery,
  SnapshotExtras,
  SnapshotQuery,
  StoredBaseline,
  StoredHealthSnapshot,
} from "./health-store-types.js";
import { KyselyAccessTokenStore } from "./kysely-access-token-store.js";
import { KyselyActionStore } from "./kysely-action-store.js";
import { KyselyHealingStore } from "./kysely-healing-store.js";
import { KyselyRestStore } from "./kysely-store.js";
import type { PostgresReportWriter } from "./postgres-report-writer.js";
import type { BaselinesTable, Database, HealthSnapshotsTable } from "./schema.js";
import type { SnapshotWriter } from "./snapshot-writers.js";
import type { SqlDialect } from "./sql-dialect.js";
import { rowInsertSql, SqliteDirectWriter, type WriteStep } from "./sqlite-direct-writer.js";
import { SqliteStaging } from "./sqlite-staging.js";
import type { Store } from "./store-types.js";

/** At most 8 parameters a row: far under either database's limit per statement. */
const ROWS_PER_STATEMENT = 1000;

/** upsertBaselineQueries' and insertResonanceQueries' statements for one row, for SQLite's direct writer. */
const BASELINE_UPSERT_SQL = rowInsertSql("baselines", BASELINE_COLUMNS, "kernel_id");
const RESONANCE_INSERT_SQL = rowInsertSql("resonance_points", RESONANCE_COLUMNS);

/** A select of every snapshot column; health_recent's rows have the same shape. */
type SnapshotSelect = SelectQueryBuilder<Database, "health_snapshots", Selectable<HealthSnapshotsTable>>;

export class KyselyStore extends KyselyRestStore implements Store {
  private readonly actions: KyselyActionStore;
  private readonly healing: KyselyHealingStore;
  private readonly accessTokens: KyselyAccessTokenStore;

  /** The batch insert on the async path; null where the SQLite direct writer does all the writing. */
  private readonly writeSnapshots: SnapshotWriter | null;
  /** SQLite: snapshots go to health_recent first (sqlite-staging.ts). */
  private readonly healthStaging?: SqliteStaging;

  /**
   * `writes`: multi-row INSERTs through Kysely (PostgreSQL), or SQLite's direct writer;
   * `reports`: PostgreSQL's writer of fatigue report groups.
   */
  constructor(
    db: Kysely<Database>,
    dialect: SqlDialect,
    writes: SnapshotWriter | SqliteDirectWriter,
    reports?: PostgresReportWriter,
  ) {
    const direct = writes instanceof SqliteDirectWriter ? writes : undefined;
    super(db, dialect, direct, reports);
    this.writeSnapshots = direct ? null : (writes as SnapshotWriter);
    if (direct)
      this.healthStaging = new SqliteStaging(direct, "health_recent", "health_snapshots", SNAPSHOT_COLUMNS);
    this.actions = new KyselyActionStore(db, dialect);
    this.healing = new KyselyHealingStore(db, dialect);
    this.accessTokens = new KyselyAccessTokenStore(db);
  }

  saveAccessToken(record: AccessTokenRecord): Promise<void> {
    return this.accessTokens.saveAccessToken(record);
  }

  revokeAccessToken(tokenId: string, at: number, by: string): Promise<AccessTokenRecord | null> {
    return this.accessTokens.revokeAccessToken(tokenId, at, by);
  }

  listAccessTokens(): Promise<AccessTokenRecord[]> {
    return this.accessTokens.listAccessTokens();
  }

  saveAction(action: RemediationAction): Promise<void> {
    return this.actions.saveAction(action);
  }

  loadOpenActions(): Promise<RemediationAction[]> {
    return this.actions.loadOpenActions();
  }

  getAction(actionId: string): Promise<RemediationAction | null> {
    return this.actions.getAction(actionId);
  }

  listActions(query?: ActionQuery): Promise<RemediationAction[]> {
    return this.actions.listActions(query);
  }

  savePatch(patch: Patch): Promise<void> {
    return this.healing.savePatch(patch);
  }

  getPatch(patchId: string): Promise<Patch | null> {
    return this.healing.getPatch(patchId);
  }

  listPatches(query?: PatchQuery): Promise<Patch[]> {
    return this.healing.listPatches(query);
  }

  countPatches(): Promise<number> {
    return this.healing.countPatches();
  }

  loadOpenPatches(): Promise<Patch[]> {
    return this.healing.loadOpenPatches();
  }

  saveAlert(alert: StoredAlert): Promise<void> {
    return this.healing.saveAlert(alert);
  }

  findAlertByDedupeKey(key: string): Promise<StoredAlert | null> {
    return this.healing.findAlertByDedupeKey(key);
  }

  listAlerts(query?: AlertQuery): Promise<StoredAlert[]> {
    return this.healing.listAlerts(query);
  }

  recordPhaseChange(change: PhaseChange): Promise<void> {
    return this.healing.recordPhaseChange(change);
  }

  loadPhaseHistory(): Promise<PhaseChange[]> {
    return this.healing.loadPhaseHistory();
  }

  saveHealingState(key: string, value: unknown, at?: number): Promise<void> {
    return this.healing.saveHealingState(key, value, at);
  }

  loadHealingState(key: string): Promise<unknown | null> {
    return this.healing.loadHealingState(key);
  }

  recordServerStart(at: number): Promise<number> {
    return this.healing.recordServerStart(at);
  }

  recordServerStop(runId: number, at: number): Promise<void> {
    return this.healing.recordServerStop(runId, at);
  }

  uncleanStops(currentRunId: number): Promise<number> {
    return this.healing.uncleanStops(currentRunId);
  }

  async commitSnapshots(batch: readonly StoredHealthSnapshot[], extras: SnapshotExtras = {}): Promise<void> {
    // Read and encoded now, before any await: the caller may reuse its arrays once this returns.
    const rows = batch.map(snapshotValues);
    const baselines = baselineRows(extras.baselines ?? []);
    const points = (extras.resonance ?? []).map(resonanceRow);
    if (rows.length === 0 && baselines.length === 0 && points.length === 0) return;
    if (this.healthStaging) {
      // SQLite: one synchronous transaction (sqlite-direct-writer.ts). A row a statement, each
      // a constant text the writer prepares once: compiling them with Kysely on every commit
      // cost about 1 % of a snapshot's CPU where resonance points were frequent.
      const after: WriteStep[] = [];
      if (baselines.length > 0)
        after.push({
          sql: BASELINE_UPSERT_SQL,
          rows: baselines.map((b) => BASELINE_COLUMNS.map((c) => b[c])),
        });
      if (points.length > 0)
        after.push({
          sql: RESONANCE_INSERT_SQL,
          rows: points.map((p) => RESONANCE_COLUMNS.map((c) => p[c])),
        });
      await this.healthStaging.write(rows, { after });
      return;
    }
    const writeSnapshots = this.writeSnapshots as SnapshotWriter;
    await this.db.transaction().execute(async (trx) => {
      if (rows.length > 0) await writeSnapshots(trx, rows);
      for (const query of upsertBaselineQueries(this.db, baselines)) await trx.executeQuery(query);
      for (const query of insertResonanceQueries(this.db, points)) await trx.executeQuery(query);
    });
  }

  async setBaseline(baseline: StoredBaseline): Promise<void> {
    await upsertBaselines(this.db, baselineRows([baseline]));
  }

  async loadBaselines(): Promise<StoredBaseline[]> {
    const rows = await this.db.selectFrom("baselines").selectAll().orderBy("kernel_id").execute();
    return rows.map(baselineFromRow);
  }

  /**
   * One index range per kernel rather than a window over the whole table: the kernels are
   * found by a loose index scan (the next kernel_id after each, a recursive query on both
   * databases), so a restart costs the same with a week of snapshots as with a minute.
   */
  async recentSnapshots(perKernel: number): Promise<HealthSnapshotRow[]> {
    const n = perKernelCount(perKernel);
    if (n === 0) return [];
    // One consistent view: SQLite's transactions give it, PostgreSQL's default level would not.
    return this.db
      .transaction()
      .setIsolationLevel("repeatable read")
      .setAccessMode("read only")
      .execute(async (trx) => {
        // SQLite: the staged snapshots' kernels too; that table holds a few hundred rows at most.
        const staged = this.healthStaging ? sql`union select kernel_id from health_recent` : sql``;
        const { rows: kernels } = await sql<{ kernel_id: string }>`
        with recursive kernels(kernel_id) as (
          select min(kernel_id) from health_snapshots
          union all
          select (select min(h.kernel_id) from health_snapshots h where h.kernel_id > k.kernel_id)
          from kernels k where k.kernel_id is not null
        )
        select kernel_id from kernels where kernel_id is not null ${staged} order by kernel_id`.execute(trx);
        const result: HealthSnapshotRow[] = [];
        for (const { kernel_id } of kernels) {
          const rows = await this.snapshotsUnion(trx, (q) => q.where("kernel_id", "=", kernel_id))
            .orderBy("at", "desc")
            .orderBy("id", "desc")
            .limit(n)
            .execute();
          for (let i = rows.length - 1; i >= 0; i--)
            result.push(snapshotFromRow(rows[i] as (typeof rows)[number]));
        }
        return result;
      });
  }

  async snapshots(query: SnapshotQuery = {}): Promise<HealthSnapshotRow[]> {
    const limit = healthLimit(query.limit);
    const { beforeMs, beforeId } = query;
    assertCursor(beforeMs, beforeId);
    const rows = await this.snapshotsUnion(this.db, (q) => {
      let filtered = q;
      if (query.kernelId !== undefined) filtered = filtered.where("kernel_id", "=", query.kernelId);
      if (query.sinceMs !== undefined) filtered = filtered.where("at", ">=", query.sinceMs);
      if (beforeMs !== undefined)
        filtered =
          beforeId === undefined
            ? filtered.where("at", "<", beforeMs)
            : filtered.where((eb) => eb(eb.refTuple("at", "id"), "<", eb.tuple(beforeMs, beforeId)));
      return filtered;
    })
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map(snapshotFromRow);
  }

  /**
   * Every column of the snapshots `filter` keeps: health_snapshots' and, on SQLite, the staged
   * ones' too (their ids continue the table's, so an order by (at, id) spans both).
   */
  private snapshotsUnion(db: QueryCreator<Database>, filter: (q: SnapshotSelect) => SnapshotSelect) {
    const table = filter(db.selectFrom("health_snapshots").selectAll() as SnapshotSelect);
    if (!this.healthStaging) return table;
    return table.unionAll(filter(db.selectFrom("health_recent").selectAll() as unknown as SnapshotSelect));
  }

  async resonancePoints(query: ResonanceQuery = {}): Promise<ResonancePointRow[]> {
    const limit = healthLimit(query.limit);
    let q = this.db.selectFrom("resonance_points").selectAll();
    if (query.kernelId !== undefined) q = q.where("kernel_id", "=", query.kernelId);
    if (query.sinceMs !== undefined) q = q.where("at", ">=", query.sinceMs);
    const rows = await q.orderBy("at", "desc").orderBy("id", "desc").limit(limit).execute();
    return rows.map(resonanceFromRow);
  }

  async snapshotCount(query: { kernelId?: string } = {}): Promise<number> {
    const count = async (db: QueryCreator<Database>, table: "health_snapshots" | "health_recent") => {
      let q = db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as("n"));
      if (query.kernelId !== undefined) q = q.where("kernel_id", "=", query.kernelId);
      // count(*) is int8 on PostgreSQL: parsed to a number by openPostgresStore, but be sure.
      return Number((await q.executeTakeFirstOrThrow()).n);
    };
    if (!this.healthStaging) return count(this.db, "health_snapshots");
    // SQLite: one transaction, so a move between the two counts (the direct writer waits for
    // the connection a transaction holds) cannot hide the rows it moves from both.
    return this.db
      .transaction()
      .execute(async (trx) => (await count(trx, "health_snapshots")) + (await count(trx, "health_recent")));
  }

  async pruneHealthSnapshots(olderThanMs: number): Promise<number> {
    let deleted = 0;
    for (const table of this.snapshotTables()) {
      const result = await this.db.deleteFrom(table).where("at", "<", olderThanMs).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }

  private snapshotTables(): readonly ("health_snapshots" | "health_recent")[] {
    return this.healthStaging ? ["health_snapshots", "health_recent"] : ["health_snapshots"];
  }
}

/** PostgreSQL refuses to upsert one row twice in a statement: `rows` has one per kernel. */
async function upsertBaselines(db: Kysely<Database>, rows: BaselinesTable[]): Promise<void> {
  for (const query of upsertBaselineQueries(db, rows)) await db.executeQuery(query);
}

/** The statements that insert resonance `points`, ROWS_PER_STATEMENT rows each, compiled for `db`'s dialect. */
function insertResonanceQueries(db: Kysely<Database>, points: ReturnType<typeof resonanceRow>[]) {
  const queries = [];
  for (let i = 0; i < points.length; i += ROWS_PER_STATEMENT)
    queries.push(
      db
        .insertInto("resonance_points")
        .values(points.slice(i, i + ROWS_PER_STATEMENT))
        .compile(),
    );
  return queries;
}

/** The statements that upsert `rows` by kernel_id, ROWS_PER_STATEMENT rows each, compiled for `db`'s dialect. */
function upsertBaselineQueries(db: Kysely<Database>, rows: BaselinesTable[]) {
  const queries = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT)
    queries.push(
      db
        .insertInto("baselines")
        .values(rows.slice(i, i + ROWS_PER_STATEMENT))
        .onConflict((oc) =>
          oc.column("kernel_id").doUpdateSet((eb) => ({
            basin: eb.ref("excluded.basin"),
            set_at: eb.ref("excluded.set_at"),
            source: eb.ref("excluded.source"),
            drift_reference: eb.ref("excluded.drift_reference"),
          })),
        )
        .compile(),
    );
  return queries;
}
