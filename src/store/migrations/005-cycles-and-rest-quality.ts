/**
 * Migration 005: constellation cycles and rest quality. rest_events gains recovery_per_minute,
 * cycle and covered_also_by; coverage_events gains share (1 for every older row: one coverer
 * carried it all) and context; constellation_cycles gains kind and reason, since it now holds
 * decisions and cast votes beside cycles, with an index for reads by kind, newest first.
 *
 * SQLite has no ADD COLUMN IF NOT EXISTS, and Kysely does not wrap SQLite migrations in a
 * transaction: a start that died halfway through must be able to run this again, so each
 * column is added only when the table lacks it, and the backfill only touches rows still null.
 */
import type { ColumnDataType, ColumnDefinitionBuilderCallback, Kysely, Migration } from "kysely";
import { sql } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

interface NewColumn {
  table: string;
  name: string;
  type: ColumnDataType;
  build?: ColumnDefinitionBuilderCallback;
}

export function cyclesAndRestQualityMigration(d: SqlDialect): Migration {
  const columns: NewColumn[] = [
    { table: "rest_events", name: "recovery_per_minute", type: d.doubleType },
    { table: "rest_events", name: "cycle", type: "text" },
    { table: "rest_events", name: "covered_also_by", type: "text" },
    { table: "coverage_events", name: "share", type: d.doubleType, build: (c) => c.notNull().defaultTo(1) },
    { table: "coverage_events", name: "context", type: "text" },
    {
      table: "constellation_cycles",
      name: "kind",
      type: "text",
      build: (c) => c.notNull().defaultTo("cycle"),
    },
    { table: "constellation_cycles", name: "reason", type: "text", build: (c) => c.notNull().defaultTo("") },
  ];
  // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
  const has = async (db: Kysely<any>, { table, name }: NewColumn) =>
    (await d.columnNames(table).execute(db)).rows.some((r) => r.name === name);

  return {
    // biome-ignore lint/suspicious/noExplicitAny: see above
    async up(db: Kysely<any>): Promise<void> {
      for (const column of columns)
        if (!(await has(db, column)))
          await db.schema
            .alterTable(column.table)
            .addColumn(column.name, column.type, column.build)
            .execute();

      // Rests finished before 005 get the figure a rest_ended now carries, so "null while in
      // progress" holds for old rows too and rest quality counts them. A rest of no length
      // has no rate: it stays null, and the means skip it.
      await db
        .updateTable("rest_events")
        .set({ recovery_per_minute: sql`(fatigue_at_rest - fatigue_after) * 60.0 / duration_seconds` })
        .where("ended_at", "is not", null)
        .where("recovery_per_minute", "is", null)
        .where("fatigue_after", "is not", null)
        .where("duration_seconds", ">", 0)
        .execute();

      // The decisions, votes or cycles, newest first; openCycle reads kind "cycle" by it too.
      await db.schema
        .createIndex("constellation_cycles_kind_started")
        .ifNotExists()
        .on("constellation_cycles")
        .columns(["kind", "started_at", "id"])
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex("constellation_cycles_kind_started").ifExists().execute();
      for (const column of [...columns].reverse())
        if (await has(db, column)) await db.schema.alterTable(column.table).dropColumn(column.name).execute();
    },
  };
}
