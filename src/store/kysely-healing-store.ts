/**
 * The HealingStore on SQL, the same queries on SQLite and PostgreSQL; KyselyStore hands its
 * healing methods to one of these, as it sits beside the rest, health and action tables.
 *
 * @example
 * const healing = new KyselyHealingStore(db, SQLITE_DIALECT);
 * await healing.savePatch(patch);
 * await healing.listPatches({ kernelId: "apollo_1", states: ["applied"], limit: 10 });
 */
import type { Kysely, Selectable } from "kysely";
import type { Patch } from "../core/healing/patch.js";
import {
  alertFromRow,
  alertRow,
  healingLimit,
  healingStateValue,
  OPEN_PATCH_STATES,
  patchFromRow,
  patchRow,
  phaseFromRow,
  phaseRow,
  transitionRows,
} from "./healing-rows.js";
import type {
  AlertQuery,
  HealingStore,
  PatchQuery,
  PhaseChange,
  StoredAlert,
} from "./healing-store-types.js";
import type { Database, PatchesTable, PatchTransitionsTable } from "./schema.js";
import type { SqlDialect } from "./sql-dialect.js";

type Reader = Kysely<Database>;

const IDS_PER_STATEMENT = 10_000;

export class KyselyHealingStore implements HealingStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async savePatch(patch: Patch): Promise<void> {
    // Built before the transaction opens: a patch that cannot be serialised fails here.
    const row = patchRow(patch, this.dialect.bool);
    const moves = transitionRows(patch);
    await this.db.transaction().execute(async (trx) => {
      // The upsert locks the patch's row first (PostgreSQL), so two saves of one patch take
      // turns and the count below sees every move the other committed: none is stored twice.
      await trx
        .insertInto("patches")
        .values(row)
        .onConflict((oc) =>
          oc.column("patch_id").doUpdateSet((eb) => ({
            kernel_id: eb.ref("excluded.kernel_id"),
            strategy: eb.ref("excluded.strategy"),
            state: eb.ref("excluded.state"),
            created_at: eb.ref("excluded.created_at"),
            updated_at: eb.ref("excluded.updated_at"),
            false_positive: eb.ref("excluded.false_positive"),
            persistent: eb.ref("excluded.persistent"),
            rationale: eb.ref("excluded.rationale"),
            action: eb.ref("excluded.action"),
            trigger: eb.ref("excluded.trigger"),
            before: eb.ref("excluded.before"),
            sandbox: eb.ref("excluded.sandbox"),
            verification: eb.ref("excluded.verification"),
            rollback: eb.ref("excluded.rollback"),
            git: eb.ref("excluded.git"),
          })),
        )
        .execute();
      const { n } = await trx
        .selectFrom("patch_transitions")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("patch_id", "=", row.patch_id)
        .executeTakeFirstOrThrow();
      const fresh = moves.slice(Number(n));
      // A patch has a handful of moves: far under either database's parameters per statement.
      if (fresh.length > 0) await trx.insertInto("patch_transitions").values(fresh).execute();
    });
  }

  async getPatch(patchId: string): Promise<Patch | null> {
    const [patch] = await this.readPatches((db) =>
      db.selectFrom("patches").selectAll().where("patch_id", "=", patchId).execute(),
    );
    return patch ?? null;
  }

  async countPatches(): Promise<number> {
    const row = await this.db
      .selectFrom("patches")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async listPatches(query: PatchQuery = {}): Promise<Patch[]> {
    const limit = healingLimit(query.limit);
    const { kernelId, states } = query;
    // `in ()` is not SQL: no state matches none.
    if (states !== undefined && states.length === 0) return [];
    return this.readPatches((db) => {
      let q = db.selectFrom("patches").selectAll();
      if (kernelId !== undefined) q = q.where("kernel_id", "=", kernelId);
      if (states !== undefined) q = q.where("state", "in", states);
      return q.orderBy("created_at", "desc").orderBy("seq", "desc").limit(limit).execute();
    });
  }

  loadOpenPatches(): Promise<Patch[]> {
    return this.readPatches((db) =>
      db
        .selectFrom("patches")
        .selectAll()
        .where("state", "in", [...OPEN_PATCH_STATES])
        .orderBy("created_at")
        .orderBy("seq")
        .execute(),
    );
  }

  async saveAlert(alert: StoredAlert): Promise<void> {
    const row = alertRow(alert);
    // One statement is one transaction on both databases; seq stays that of the first save.
    await this.db
      .insertInto("alerts")
      .values(row)
      .onConflict((oc) =>
        oc.column("alert_id").doUpdateSet((eb) => ({
          dedupe_key: eb.ref("excluded.dedupe_key"),
          kind: eb.ref("excluded.kind"),
          kernel_id: eb.ref("excluded.kernel_id"),
          severity: eb.ref("excluded.severity"),
          text: eb.ref("excluded.text"),
          created_at: eb.ref("excluded.created_at"),
          last_seen_at: eb.ref("excluded.last_seen_at"),
          occurrences: eb.ref("excluded.occurrences"),
          delivery_status: eb.ref("excluded.delivery_status"),
          delivery_attempts: eb.ref("excluded.delivery_attempts"),
          last_error: eb.ref("excluded.last_error"),
          delivered_at: eb.ref("excluded.delivered_at"),
        })),
      )
      .execute();
  }

  async findAlertByDedupeKey(key: string): Promise<StoredAlert | null> {
    const row = await this.db
      .selectFrom("alerts")
      .selectAll()
      .where("dedupe_key", "=", key)
      .orderBy("created_at", "desc")
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? alertFromRow(row) : null;
  }

  async listAlerts(query: AlertQuery = {}): Promise<StoredAlert[]> {
    const limit = healingLimit(query.limit);
    let q = this.db.selectFrom("alerts").selectAll();
    if (query.pendingDelivery !== undefined)
      q = q.where("delivery_status", query.pendingDelivery ? "=" : "<>", "pending");
    const rows = await q.orderBy("created_at", "desc").orderBy("seq", "desc").limit(limit).execute();
    return rows.map(alertFromRow);
  }

  async recordPhaseChange(change: PhaseChange): Promise<void> {
    await this.db.insertInto("phase_history").values(phaseRow(change, this.dialect.bool)).execute();
  }

  async loadPhaseHistory(): Promise<PhaseChange[]> {
    const rows = await this.db.selectFrom("phase_history").selectAll().orderBy("seq").execute();
    return rows.map(phaseFromRow);
  }

  async saveHealingState(key: string, value: unknown, at: number = Date.now()): Promise<void> {
    await this.db
      .insertInto("healing_state")
      .values({ key, value: healingStateValue(key, value), updated_at: at })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet((eb) => ({
          value: eb.ref("excluded.value"),
          updated_at: eb.ref("excluded.updated_at"),
        })),
      )
      .execute();
  }

  async loadHealingState(key: string): Promise<unknown | null> {
    const row = await this.db
      .selectFrom("healing_state")
      .select("value")
      .where("key", "=", key)
      .executeTakeFirst();
    return row ? (JSON.parse(row.value) as unknown) : null;
  }

  async recordServerStart(at: number): Promise<number> {
    // RETURNING works on both: SQLite has had it since 3.35.
    const { id } = await this.db
      .insertInto("server_runs")
      .values({ started_at: at, stopped_at: null })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(id);
  }

  async recordServerStop(runId: number, at: number): Promise<void> {
    await this.db
      .updateTable("server_runs")
      .set({ stopped_at: at })
      .where("id", "=", runId)
      .where("stopped_at", "is", null)
      .execute();
  }

  async uncleanStops(currentRunId: number): Promise<number> {
    const row = await this.db
      .selectFrom("server_runs")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("id", "<>", currentRunId)
      .where("stopped_at", "is", null)
      .executeTakeFirstOrThrow();
    // count(*) is int8 on PostgreSQL: parsed to a number by openPostgresStore, but be sure.
    return Number(row.n);
  }

  /**
   * The patches `select` finds, in its order, each with its moves. Both reads see one
   * snapshot (SQLite's transactions give it, PostgreSQL's default level would not), so a
   * patch never comes back with a move its row does not show yet.
   */
  private readPatches(select: (db: Reader) => Promise<Selectable<PatchesTable>[]>): Promise<Patch[]> {
    return this.db
      .transaction()
      .setIsolationLevel("repeatable read")
      .setAccessMode("read only")
      .execute(async (trx) => {
        const rows = await select(trx);
        if (rows.length === 0) return [];
        const byPatch = new Map<string, PatchTransitionsTable[]>();
        // Chunked: loadOpenPatches has no limit, and SQLite binds at most 32,766 parameters.
        for (let i = 0; i < rows.length; i += IDS_PER_STATEMENT) {
          const ids = rows.slice(i, i + IDS_PER_STATEMENT).map((r) => r.patch_id);
          const moves = await trx
            .selectFrom("patch_transitions")
            .selectAll()
            .where("patch_id", "in", ids)
            .orderBy("patch_id")
            .orderBy("seq")
            .execute();
          for (const m of moves) {
            const list = byPatch.get(m.patch_id);
            if (list) list.push(m);
            else byPatch.set(m.patch_id, [m]);
          }
        }
        return rows.map((r) => patchFromRow(r, byPatch.get(r.patch_id) ?? []));
      });
  }
}
