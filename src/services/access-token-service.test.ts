import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { createFakeStore } from "../store/fake-store.js";
import { type AccessTokenEvent, AccessTokenService, tokenDigest } from "./access-token-service.js";

const T0 = Date.UTC(2026, 10, 22);

async function service(store = createFakeStore(), tokensConfigured = true) {
  const clock = new ManualClock(T0);
  const tokens = await AccessTokenService.open({
    store,
    clock,
    logger: pino({ level: "silent" }),
    tokensConfigured,
  });
  const events: AccessTokenEvent[] = [];
  tokens.events.subscribe((e) => events.push(e));
  return { store, clock, tokens, events };
}

describe("kernel-scoped tokens", () => {
  it("mints a secret it returns once and stores only as its digest, and finds it by digest", async () => {
    const { store, tokens, events } = await service();

    const { token, record } = await tokens.issue("apollo_1", "user:ada");

    expect(token).toMatch(/^akt_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({
      kernel_id: "apollo_1",
      created_by: "user:ada",
      created_at: T0,
      revoked_at: null,
    });
    expect(JSON.stringify(await store.listAccessTokens())).not.toContain(token);
    expect((await store.listAccessTokens())[0]?.token_hash).toBe(tokenDigest(token).toString("hex"));
    expect(tokens.findByDigest(tokenDigest(token))).toEqual({
      token_id: record.token_id,
      kernel_id: "apollo_1",
    });
    expect(JSON.stringify(await tokens.list())).not.toContain("token_hash");
    expect(events).toEqual([
      {
        type: "access_token_issued",
        at: T0,
        token_id: record.token_id,
        kernel_id: "apollo_1",
        actor: "user:ada",
      },
    ]);
  });

  it("forgets a revoked token at once and after a restart, keeping who revoked it", async () => {
    const first = await service();
    const { token, record } = await first.tokens.issue("apollo_1", "user:ada");
    first.clock.advanceSeconds(60);

    const revoked = await first.tokens.revoke(record.token_id, "user:bob");

    expect(revoked).toMatchObject({ revoked_at: T0 + 60_000, revoked_by: "user:bob" });
    expect(first.tokens.findByDigest(tokenDigest(token))).toBeNull();
    const restarted = await service(createFakeStore(first.store.database));
    expect(restarted.tokens.findByDigest(tokenDigest(token))).toBeNull();
    await expect(first.tokens.revoke("tok_0000000000000000", "user:bob")).rejects.toMatchObject({
      code: "unknown_token",
    });
  });

  it("keeps a live token across a restart, and nothing when the store refuses the write", async () => {
    const first = await service();
    const { token } = await first.tokens.issue("apollo_1", "user:ada");
    first.store.failNextCommit(new Error("disk full"));
    await expect(first.tokens.issue("athena_1", "user:ada")).rejects.toThrow("disk full");

    const restarted = await service(createFakeStore(first.store.database));
    expect(restarted.tokens.findByDigest(tokenDigest(token))?.kernel_id).toBe("apollo_1");
    expect((await restarted.tokens.list()).map((t) => t.kernel_id)).toEqual(["apollo_1"]);
  });

  it("refuses to mint while tokens are off: the token would limit nobody", async () => {
    const { tokens, store } = await service(createFakeStore(), false);
    await expect(tokens.issue("apollo_1", "user:ada")).rejects.toMatchObject({ code: "tokens_disabled" });
    expect(await store.listAccessTokens()).toEqual([]);
  });
});
