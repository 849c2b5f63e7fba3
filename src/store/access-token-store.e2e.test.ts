/**
 * The kernel-scoped token half of the store contract against every backend (SQLite file,
 * PostgreSQL database, in-memory fake): a token round-trips with its digest, ids and digests
 * are unique, the first revocation is kept, and all of it survives a reopen.
 */
import { describe, expect, it } from "vitest";
import { freshStorePerTest, storeBackends } from "../../test/support/store-backends.js";
import type { AccessTokenRecord } from "./access-token-store-types.js";

const BACKENDS = storeBackends("autonomic-access-token-store-");
const T0 = Date.UTC(2026, 10, 22);

function token(token_id: string, extra: Partial<AccessTokenRecord> = {}): AccessTokenRecord {
  return {
    token_id,
    kernel_id: "apollo_1",
    token_hash: `${token_id}-digest`.padEnd(64, "0"),
    created_at: T0,
    created_by: "user:ada",
    revoked_at: null,
    revoked_by: null,
    ...extra,
  };
}

for (const backend of BACKENDS) {
  describe(`${backend.name} access token store`, () => {
    const open = freshStorePerTest(backend);

    it("keeps each token with its digest, oldest first, across a reopen", async () => {
      const store = await open();
      await store.saveAccessToken(token("tok_b", { created_at: T0 + 1.5, kernel_id: "athena_1" }));
      await store.saveAccessToken(token("tok_a"));

      const reopened = await open();
      expect(await reopened.listAccessTokens()).toEqual([
        token("tok_a"),
        token("tok_b", { created_at: T0 + 1.5, kernel_id: "athena_1" }),
      ]);
    });

    it("refuses a second token with the same id or the same digest", async () => {
      const store = await open();
      await store.saveAccessToken(token("tok_a"));

      await expect(store.saveAccessToken(token("tok_a", { token_hash: "f".repeat(64) }))).rejects.toThrow();
      await expect(
        store.saveAccessToken(token("tok_c", { token_hash: token("tok_a").token_hash })),
      ).rejects.toThrow();
      expect(await store.listAccessTokens()).toHaveLength(1);
    });

    it("revokes once: a second revocation keeps the first's time and actor; an unknown id is null", async () => {
      const store = await open();
      await store.saveAccessToken(token("tok_a"));

      const revoked = await store.revokeAccessToken("tok_a", T0 + 60_000, "user:ada");
      const again = await store.revokeAccessToken("tok_a", T0 + 120_000, "user:bob");

      expect(revoked).toEqual(token("tok_a", { revoked_at: T0 + 60_000, revoked_by: "user:ada" }));
      expect(again).toEqual(revoked);
      expect(await store.revokeAccessToken("tok_missing", T0, "user:ada")).toBeNull();
      expect((await (await open()).listAccessTokens())[0]?.revoked_by).toBe("user:ada");
    });
  });
}
