/**
 * The kernel-scoped token half of the store contract (SPEC §6 "Access"): each token minted
 * through POST /api/access/tokens, kept only as the SHA-256 digest of its secret, on the same
 * SQLite, PostgreSQL and fake stores as everything else (`Store` includes it). A revoked token
 * keeps its row, so who minted and who revoked it stays on record.
 *
 * @example
 * await store.saveAccessToken({ token_id: "tok_1a2b", kernel_id: "apollo_1", token_hash, created_at: now,
 *   created_by: "user:ada", revoked_at: null, revoked_by: null });
 * await store.revokeAccessToken("tok_1a2b", now, "user:ada"); // the row, now revoked
 * const live = (await store.listAccessTokens()).filter((t) => t.revoked_at === null);
 */

/** One minted token. Times are clock ms. */
export interface AccessTokenRecord {
  token_id: string;
  kernel_id: string;
  /** SHA-256 of the secret, lowercase hex; the secret itself is never stored. */
  token_hash: string;
  created_at: number;
  /** Who minted it ("user:ada"). */
  created_by: string;
  revoked_at: number | null;
  revoked_by: string | null;
}

export interface AccessTokenStore {
  /** Inserts a new token; an existing token_id or token_hash is refused (unique). */
  saveAccessToken(record: AccessTokenRecord): Promise<void>;
  /**
   * Marks the token revoked at `at` by `by`, unless it already is (the first revocation is
   * kept); resolves with the row as stored afterwards, or null for an unknown id.
   */
  revokeAccessToken(tokenId: string, at: number, by: string): Promise<AccessTokenRecord | null>;
  /** Every token, revoked ones too, oldest first. */
  listAccessTokens(): Promise<AccessTokenRecord[]>;
}
