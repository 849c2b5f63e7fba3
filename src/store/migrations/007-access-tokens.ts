/**
 * Migration 007: access_tokens, the kernel-scoped tokens (SPEC §6 "Access"), each stored only
 * as the SHA-256 digest of its secret. Numbered 007 with a gap: 006 comes from a branch built
 * beside this one, and the migrator accepts migrations that arrive out of order. Every
 * statement says IF NOT EXISTS, as in 001, so a start that died halfway can run this again.
 */
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../sql-dialect.js";

export function accessTokensMigration(d: SqlDialect): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's Database (see 001)
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable("access_tokens")
        .ifNotExists()
        .addColumn("token_id", "text", (c) => c.primaryKey())
        .addColumn("kernel_id", "text", (c) => c.notNull())
        // Unique: the server finds a presented token by its digest.
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("created_at", d.doubleType, (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("revoked_at", d.doubleType)
        .addColumn("revoked_by", "text")
        .execute();
    },

    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable("access_tokens").ifExists().execute();
    },
  };
}
