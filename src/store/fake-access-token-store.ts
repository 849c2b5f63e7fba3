/**
 * The kernel-scoped token part of the in-memory fake store, with the SQL stores' semantics:
 * token_id and token_hash unique, NOT NULL columns enforced, the first revocation kept, and
 * failNextCommit failing a save or a revocation.
 *
 * @example
 * const tables = new FakeAccessTokenTables();
 * const tokens = fakeAccessTokenStore(tables, hooks);
 */
import type { AccessTokenRecord, AccessTokenStore } from "./access-token-store-types.js";
import { type FakeStoreHooks, required } from "./fake-health-store.js";

/** The fake's access_tokens table, part of a FakeDatabase. */
export class FakeAccessTokenTables {
  rows = new Map<string, AccessTokenRecord>();
}

const REQUIRED = ["token_id", "kernel_id", "token_hash", "created_at", "created_by"] as const;

export function fakeAccessTokenStore(tables: FakeAccessTokenTables, hooks: FakeStoreHooks): AccessTokenStore {
  const write = () => {
    hooks.open();
    const failure = hooks.takeFailure();
    if (failure) throw failure;
  };
  return {
    async saveAccessToken(record) {
      write();
      const row = required("access_tokens", { ...record }, REQUIRED);
      if (tables.rows.has(row.token_id)) throw new Error("UNIQUE constraint failed: access_tokens.token_id");
      if ([...tables.rows.values()].some((r) => r.token_hash === row.token_hash))
        throw new Error("UNIQUE constraint failed: access_tokens.token_hash");
      tables.rows.set(row.token_id, row);
    },
    async revokeAccessToken(tokenId, at, by) {
      write();
      const row = tables.rows.get(tokenId);
      if (row === undefined) return null;
      if (row.revoked_at === null) tables.rows.set(tokenId, { ...row, revoked_at: at, revoked_by: by });
      return { ...(tables.rows.get(tokenId) as AccessTokenRecord) };
    },
    async listAccessTokens() {
      hooks.open();
      return [...tables.rows.values()]
        .sort((a, b) => a.created_at - b.created_at || (a.token_id < b.token_id ? -1 : 1))
        .map((r) => ({ ...r }));
    },
  };
}
