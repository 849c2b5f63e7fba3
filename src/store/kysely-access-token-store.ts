/**
 * The AccessTokenStore on SQL, the same queries on SQLite and PostgreSQL; KyselyStore hands
 * its three methods to one of these, on the same connection as the other tables.
 *
 * @example
 * const tokens = new KyselyAccessTokenStore(db);
 * await tokens.saveAccessToken(record);
 * await tokens.revokeAccessToken(record.token_id, now, "user:ada");
 */
import type { Kysely } from "kysely";
import type { AccessTokenRecord, AccessTokenStore } from "./access-token-store-types.js";
import type { Database } from "./schema.js";

export class KyselyAccessTokenStore implements AccessTokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  async saveAccessToken(record: AccessTokenRecord): Promise<void> {
    await this.db.insertInto("access_tokens").values(record).execute();
  }

  async revokeAccessToken(tokenId: string, at: number, by: string): Promise<AccessTokenRecord | null> {
    // One statement: a second revocation finds revoked_at set and keeps the first's record.
    await this.db
      .updateTable("access_tokens")
      .set({ revoked_at: at, revoked_by: by })
      .where("token_id", "=", tokenId)
      .where("revoked_at", "is", null)
      .execute();
    const row = await this.db
      .selectFrom("access_tokens")
      .selectAll()
      .where("token_id", "=", tokenId)
      .executeTakeFirst();
    return row ?? null;
  }

  async listAccessTokens(): Promise<AccessTokenRecord[]> {
    return this.db
      .selectFrom("access_tokens")
      .selectAll()
      .orderBy("created_at")
      .orderBy("token_id")
      .execute();
  }
}
