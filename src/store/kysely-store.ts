/**
 * The one RestStore on SQL: the same queries on SQLite and PostgreSQL through Kysely, with
 * the few differences (booleans, column types, identities) in a SqlDialect.
 *
 * @example
 * const store = new KyselyRestStore(new Kysely<Database>({ dialect }), SQLITE_DIALECT);
 * await store.migrate();
 * await store.commit({ kernels: rest.exportState().kernels, removedKernelIds: [], events });
 */
import type { ExpressionBuilder, Kysely, QueryCreator, Transaction } from "kysely";
import type { RestEvent } from "../core/rest/events.js";
import type { RestSchedulerState, StoredReport } from "../core/rest/scheduler.js";
import { CYCLE_KIND, cycleClosing, cycleFromRow, cycleRow } from "./cycle-rows.js";
import { migrateToLatest } from "./migrations/migration-provider.js";
import type { PostgresReportWriter } from "./postgres-report-writer.js";
import { type RawQualityRow, type RestQualityQuery, restQualityRows } from "./rest-quality.js";
import {
  changeTime,
  coverageClosing,
  coverageFromRow,
  historyLimit,
  kernelRow,
  openCoverageRow,
  openRestRow,
  restClosing,
  restFromRow,
  restoredState,
} from "./rest-rows.js";
import { handoffsText, retirementFromRow, retirementRow } from "./retirement-rows.js";
import { CHAOS_EVER_SPAWNED_KEY, type Database, type KernelsTable, REPORT_SEQ_KEY } from "./schema.js";
import type { SqlDialect } from "./sql-dialect.js";
import { rowInsertSql, type SqliteDirectWriter } from "./sqlite-direct-writer.js";
import { SqliteStaging } from "./sqlite-staging.js";
import type {
  ConstellationCycleRow,
  CoverageEventRow,
  CycleQuery,
  FatigueReportRow,
  FatigueSnapshot,
  HistoryQuery,
  KernelRetirementRow,
  RestChange,
  RestEventRow,
  RestQualityRow,
  RestStore,
} from "./store-types.js";

/** Upserts kernel rows by kernel_id (each id at most once: PostgreSQL refuses a row twice). */
function upsertKernels(db: QueryCreator<Database>, rows: KernelsTable[]) {
  return db
    .insertInto("kernels")
    .values(rows)
    .onConflict((oc) =>
      oc.column("kernel_id").doUpdateSet((eb) => ({
        kernel_name: eb.ref("excluded.kernel_name"),
        tier: eb.ref("excluded.tier"),
        rest_policy: eb.ref("excluded.rest_policy"),
        status: eb.ref("excluded.status"),
        fatigue: eb.ref("excluded.fatigue"),
        covered_by: eb.ref("excluded.covered_by"),
        covering_for: eb.ref("excluded.covering_for"),
        updated_at: eb.ref("excluded.updated_at"),
        state: eb.ref("excluded.state"),
        report_seq: eb.ref("excluded.report_seq"),
      })),
    );
}

/**
 * A change that only appends fatigue reports and saves kernels, if any (the common group:
 * reports, no transitions; a kernel's row only now and then, as a checkpoint). Either fast
 * path takes any size: SQLite runs a statement a row, and PostgreSQL's function takes its
 * rows as two JSON parameters.
 */
function isReportOnly(change: RestChange): boolean {
  const fatigue = change.fatigue?.length ?? 0;
  return (
    fatigue > 0 &&
    change.events.length === 0 &&
    change.removedKernelIds.length === 0 &&
    change.chaosEverSpawned === undefined &&
    change.reportSeq === undefined &&
    (change.cycleRecords?.length ?? 0) === 0 &&
    change.closeCycle === undefined
  );
}

const KERNEL_COLUMNS = [
  "kernel_id",
  "kernel_name",
  "tier",
  "rest_policy",
  "status",
  "fatigue",
  "covered_by",
  "covering_for",
  "updated_at",
  "state",
  "report_seq",
] as const satisfies readonly (keyof KernelsTable)[];

/** upsertKernels' statement for one row, as plain SQL for the SQLite direct writer. */
const KERNEL_UPSERT_SQL = rowInsertSql("kernels", KERNEL_COLUMNS, "kernel_id");

const FATIGUE_COLUMNS = [
  "kernel_id",
  "at",
  "phi",
  "kappa",
  "load",
  "error_rate",
  "fatigue",
] as const satisfies readonly (keyof FatigueSnapshot)[];

/** A stored report's columns: the snapshot's, and its sequence number (migration 011). */
const REPORT_COLUMNS = [...FATIGUE_COLUMNS, "seq"] as const satisfies readonly (keyof FatigueReportRow)[];

const kernelParams = (row: KernelsTable): unknown[] => KERNEL_COLUMNS.map((c) => row[c]);
const reportParams = (row: FatigueReportRow): unknown[] => REPORT_COLUMNS.map((c) => row[c] ?? null);

/** 7 columns a row: well under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters. */
const FATIGUE_PER_STATEMENT = 1000;
const KERNELS_PER_STATEMENT = 500;

export class KyselyRestStore implements RestStore {
  readonly backend: "sqlite" | "postgres";
  private closed = false;
  /** SQLite: reports go to fatigue_recent first (sqlite-staging.ts). */
  private readonly fatigueStaging?: SqliteStaging;

  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly dialect: SqlDialect,
    /** SQLite only: groups of reports and snapshots as prepared statements (sqlite-direct-writer.ts). */
    directWriter?: SqliteDirectWriter,
    /** PostgreSQL only: groups of reports as one named statement (postgres-report-writer.ts). */
    private readonly reportWriter?: PostgresReportWriter,
  ) {
    this.backend = dialect.backend;
    if (directWriter)
      this.fatigueStaging = new SqliteStaging(
        directWriter,
        "fatigue_recent",
        "fatigue_snapshots",
        REPORT_COLUMNS,
      );
  }

  migrate(): Promise<void> {
    return migrateToLatest(this.db, this.dialect);
  }

  /**
   * The rows, the meta and the reports stored after each row, read in ONE read-only
   * transaction, REPEATABLE READ on PostgreSQL: read apart, a row rewritten between the reads
   * would hide the reports before its new checkpoint (the join sees the new report_seq) while
   * the state read is the old row's.
   */
  async loadRestState(): Promise<RestSchedulerState> {
    return this.db
      .transaction()
      .setIsolationLevel("repeatable read")
      .setAccessMode("read only")
      .execute(async (trx) => {
        const rows = await trx.selectFrom("kernels").select("state").execute();
        const meta = await trx
          .selectFrom("scheduler_meta")
          .select(["key", "value"])
          .where("key", "in", [CHAOS_EVER_SPAWNED_KEY, REPORT_SEQ_KEY])
          .execute();
        const value = (key: string) => meta.find((m) => m.key === key)?.value;
        const chaos = JSON.parse(value(CHAOS_EVER_SPAWNED_KEY) ?? "[]") as string[];
        // Each kernel's reports stored after its row (011), by the (kernel_id, seq) index; on
        // SQLite the staged ones too.
        const newer = (table: "fatigue_snapshots" | "fatigue_recent") =>
          trx
            .selectFrom(`${table} as f`)
            .innerJoin("kernels as k", "k.kernel_id", "f.kernel_id")
            .whereRef("f.seq", ">", "k.report_seq")
            .select(REPORT_COLUMNS.map((c) => `f.${c}` as const));
        const reports = await (this.fatigueStaging
          ? newer("fatigue_snapshots").unionAll(newer("fatigue_recent"))
          : newer("fatigue_snapshots")
        )
          .orderBy("seq")
          .execute();
        return restoredState(
          rows.map((r) => r.state),
          chaos,
          Number(value(REPORT_SEQ_KEY) ?? 0),
          reports as StoredReport[],
        );
      });
  }

  async commit(change: RestChange): Promise<void> {
    // Built before the transaction opens: a state that cannot be serialised fails here.
    // By id, last wins: PostgreSQL refuses to upsert one row twice in a statement.
    const at = changeTime(change);
    const kernels = [...new Map(change.kernels.map((k) => [k.kernelId, kernelRow(k, at)])).values()];
    const cycleRecords = (change.cycleRecords ?? []).map(cycleRow);
    const closing = change.closeCycle && cycleClosing(change.closeCycle);
    if (this.fatigueStaging && isReportOnly(change)) {
      // SQLite: one prepared statement per row, in one synchronous transaction.
      await this.fatigueStaging.write((change.fatigue ?? []).map(reportParams), {
        before: [{ sql: KERNEL_UPSERT_SQL, rows: kernels.map(kernelParams) }],
      });
      return;
    }
    if (this.reportWriter && isReportOnly(change)) {
      // A group of fatigue reports only: one statement, a function (migrations 009 and 011) given
      // the rows as JSON, that upserts the kernels (if any) and appends the reports. A single statement is
      // its own transaction, so this is as atomic as BEGIN … COMMIT; behind the cluster's
      // fence (which fills in the null generation, src/cluster/fenced-pool.ts) it is still one
      // round trip, and the session keeps the function's plans instead of planning each group.
      await this.reportWriter.run(JSON.stringify(kernels), JSON.stringify(change.fatigue ?? []));
      return;
    }
    // Every row names its seq, null when it has none: a multi-row insert needs the same columns.
    const fatigue = (change.fatigue ?? []).map((row) => ({ ...row, seq: row.seq ?? null }));
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < kernels.length; i += KERNELS_PER_STATEMENT)
        await upsertKernels(trx, kernels.slice(i, i + KERNELS_PER_STATEMENT)).execute();
      if (change.removedKernelIds.length > 0)
        await trx.deleteFrom("kernels").where("kernel_id", "in", change.removedKernelIds).execute();
      const meta: { key: string; value: string }[] = [];
      if (change.chaosEverSpawned !== undefined)
        meta.push({ key: CHAOS_EVER_SPAWNED_KEY, value: JSON.stringify(change.chaosEverSpawned) });
      if (change.reportSeq !== undefined) meta.push({ key: REPORT_SEQ_KEY, value: String(change.reportSeq) });
      if (meta.length > 0) {
        await trx
          .insertInto("scheduler_meta")
          .values(meta)
          .onConflict((oc) => oc.column("key").doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })))
          .execute();
      }
      // In order: a rest may start and end within one change.
      for (const event of change.events) await this.record(trx, event);
      // Closed before the new records go in: one change may end a cycle and start the next.
      if (closing)
        await trx
          .updateTable("constellation_cycles")
          .set(closing)
          .where("kind", "=", CYCLE_KIND)
          .where("ended_at", "is", null)
          .execute();
      if (cycleRecords.length > 0)
        await trx.insertInto("constellation_cycles").values(cycleRecords).execute();
      // One statement per chunk: a group's fatigue reports cost one round trip, not one each.
      for (let i = 0; i < fatigue.length; i += FATIGUE_PER_STATEMENT)
        await trx
          .insertInto(this.fatigueStaging ? "fatigue_recent" : "fatigue_snapshots")
          .values(fatigue.slice(i, i + FATIGUE_PER_STATEMENT))
          .execute();
    });
    await this.fatigueStaging?.added(fatigue.length);
  }

  private async record(trx: Transaction<Database>, e: RestEvent): Promise<void> {
    switch (e.type) {
      case "rest_started":
        await trx
          .insertInto("rest_events")
          .values({ ...openRestRow(e), forced: this.dialect.bool(e.forced) })
          .execute();
        return;
      case "rest_ended":
        await trx
          .updateTable("rest_events")
          .set(restClosing(e))
          .where("kernel_id", "=", e.kernel_id)
          .where("ended_at", "is", null)
          .execute();
        return;
      case "coverage_started":
        await trx.insertInto("coverage_events").values(openCoverageRow(e)).execute();
        return;
      case "coverage_ended":
        await trx
          .updateTable("coverage_events")
          .set(coverageClosing(e))
          .where("kernel_id", "=", e.kernel_id)
          .where("covering_for", "=", e.covering_for)
          .where("ended_at", "is", null)
          .execute();
        return;
      case "kernel_retired": {
        const row = retirementRow(e);
        await trx
          .insertInto("kernel_retirements")
          .values({ ...row, forced: this.dialect.bool(row.forced), handoffs: handoffsText(row) })
          .execute();
        return;
      }
      default:
        // Registrations, refusals and threshold adaptations live in the kernels table and the
        // event stream only.
        return;
    }
  }

  async restEvents(query: HistoryQuery = {}): Promise<RestEventRow[]> {
    let q = this.db.selectFrom("rest_events").selectAll();
    if (query.kernelId !== undefined) q = q.where("kernel_id", "=", query.kernelId);
    if (query.sinceMs !== undefined) q = q.where("started_at", ">=", query.sinceMs);
    const rows = await q
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .limit(historyLimit(query))
      .execute();
    return rows.map(restFromRow);
  }

  async coverageEvents(query: HistoryQuery = {}): Promise<CoverageEventRow[]> {
    let q = this.db.selectFrom("coverage_events").selectAll();
    if (query.kernelId !== undefined) q = q.where("kernel_id", "=", query.kernelId);
    if (query.sinceMs !== undefined) q = q.where("started_at", ">=", query.sinceMs);
    const rows = await q
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .limit(historyLimit(query))
      .execute();
    return rows.map(coverageFromRow);
  }

  async fatigueSnapshots(query: HistoryQuery = {}): Promise<FatigueSnapshot[]> {
    const from = (table: "fatigue_snapshots" | "fatigue_recent") => {
      let q = this.db.selectFrom(table).select(["id", ...FATIGUE_COLUMNS]);
      if (query.kernelId !== undefined) q = q.where("kernel_id", "=", query.kernelId);
      if (query.sinceMs !== undefined) q = q.where("at", ">=", query.sinceMs);
      return q;
    };
    // SQLite: the staged reports too, whose ids continue the table's (sqlite-staging.ts).
    const rows = await (this.fatigueStaging
      ? from("fatigue_snapshots").unionAll(from("fatigue_recent"))
      : from("fatigue_snapshots")
    )
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(historyLimit(query))
      .execute();
    return rows.map(({ id: _id, ...snapshot }) => snapshot);
  }

  async kernelRetirements(query: HistoryQuery = {}): Promise<KernelRetirementRow[]> {
    let q = this.db.selectFrom("kernel_retirements").selectAll();
    if (query.kernelId !== undefined) q = q.where("kernel_id", "=", query.kernelId);
    if (query.sinceMs !== undefined) q = q.where("retired_at", ">=", query.sinceMs);
    const rows = await q
      .orderBy("retired_at", "desc")
      .orderBy("id", "desc")
      .limit(historyLimit(query))
      .execute();
    return rows.map(retirementFromRow);
  }

  async retiredKernelIds(): Promise<string[]> {
    const rows = await this.db.selectFrom("kernel_retirements").select("kernel_id").distinct().execute();
    // Sorted here, not by the database: PostgreSQL's collation may order ids unlike SQLite's.
    return rows.map((r) => r.kernel_id).sort();
  }

  /** Cycles concern the whole constellation: `kernelId` does not filter them. */
  async constellationCycles(query: CycleQuery = {}): Promise<ConstellationCycleRow[]> {
    let q = this.db.selectFrom("constellation_cycles").selectAll();
    if (query.kind !== undefined) q = q.where("kind", "=", query.kind);
    if (query.sinceMs !== undefined) q = q.where("started_at", ">=", query.sinceMs);
    const rows = await q
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .limit(historyLimit(query))
      .execute();
    return rows.map(cycleFromRow);
  }

  async openCycle(): Promise<ConstellationCycleRow | null> {
    const row = await this.db
      .selectFrom("constellation_cycles")
      .selectAll()
      .where("kind", "=", CYCLE_KIND)
      .where("ended_at", "is", null)
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .executeTakeFirst();
    return row ? cycleFromRow(row) : null;
  }

  /**
   * Per kernel and overall in one statement, so both halves see the same rests even while
   * commits land; restQualityRows orders them and makes the drivers' numbers numbers.
   */
  async restQuality(query: RestQualityQuery = {}): Promise<RestQualityRow[]> {
    let finished = this.db.selectFrom("rest_events").where("ended_at", "is not", null);
    if (query.sinceMs !== undefined) finished = finished.where("started_at", ">=", query.sinceMs);
    if (query.kernelId !== undefined) finished = finished.where("kernel_id", "=", query.kernelId);
    const aggregates = (eb: ExpressionBuilder<Database, "rest_events">) => [
      eb.fn.countAll().as("rests"),
      eb.fn.avg("duration_seconds").as("mean_duration_seconds"),
      eb.fn.avg("fatigue_at_rest").as("mean_fatigue_at_rest"),
      eb.fn.avg("fatigue_after").as("mean_fatigue_after"),
      eb.fn.avg("phi_at_rest").as("mean_phi_at_rest"),
      eb.fn.avg("phi_after").as("mean_phi_after"),
      eb.fn.avg("kappa_at_rest").as("mean_kappa_at_rest"),
      eb.fn.avg("kappa_after").as("mean_kappa_after"),
      // Skips rows without a rate: rests of no length finished before migration 005.
      eb.fn.avg("recovery_per_minute").as("mean_recovery_per_minute"),
    ];
    const rows: RawQualityRow[] = await finished
      .select((eb) => [eb.ref("kernel_id").$castTo<string | null>().as("kernel_id"), ...aggregates(eb)])
      .groupBy("kernel_id")
      // A literal, not a bound null: PostgreSQL cannot type a parameter in a UNION column.
      .unionAll(
        finished.select((eb) => [eb.lit(null).$castTo<string | null>().as("kernel_id"), ...aggregates(eb)]),
      )
      .execute();
    return restQualityRows(rows);
  }

  async pruneFatigueSnapshots(olderThanMs: number): Promise<number> {
    const tables = this.fatigueStaging
      ? (["fatigue_snapshots", "fatigue_recent"] as const)
      : (["fatigue_snapshots"] as const);
    let deleted = 0;
    for (const table of tables) {
      const result = await this.db.deleteFrom(table).where("at", "<", olderThanMs).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }

  /** Closes the connection(s); safe to call twice (a pg pool throws on a second end()). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }
}
