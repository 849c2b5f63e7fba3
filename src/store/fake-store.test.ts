/**
 * What only the fake has: the failNextCommit hook services use to test that a failed commit
 * is not acknowledged, reopening through its FakeDatabase, and copy-on-commit (the SQL
 * stores get that for free by serialising). Everything else is in store.e2e.test.ts.
 */
import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods } from "../../test/support/rest-fixture.js";
import type { RestScheduler } from "../core/rest/scheduler.js";
import { createFakeStore } from "./fake-store.js";
import type { StoredHealthSnapshot } from "./health-store-types.js";
import type { RestChange } from "./store-types.js";

const snapshot: StoredHealthSnapshot = {
  ...{ kernel_id: "apollo_1", at: 1000, phi: 0.7, kappa_eff: 64, basin: null, basin_drift: null },
  ...{ regime: "geometric", confidence: null, surprise: null, agency: null, error_rate: null },
  ...{ avg_latency_ms: null, memory_mb: null, cpu_pct: null, code_hash: null, label: null, context: null },
};

function everything(rest: RestScheduler): RestChange {
  const { kernels, chaosEverSpawned } = rest.exportState();
  return { kernels, removedKernelIds: [], chaosEverSpawned, events: [] };
}

describe("the fake store", () => {
  it("rejects the commit after failNextCommit and stores nothing of it", async () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo"]);
    const store = createFakeStore();
    store.failNextCommit(new Error("disk full"));
    await expect(store.commit(everything(rest))).rejects.toThrow("disk full");
    expect(await store.loadRestState()).toEqual({ kernels: [], chaosEverSpawned: [], reportSeq: 0 });
  });

  it("fails only the next commit", async () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo"]);
    const store = createFakeStore();
    store.failNextCommit(new Error("disk full"));
    await expect(store.commit(everything(rest))).rejects.toThrow();
    await store.commit(everything(rest));
    expect((await store.loadRestState()).kernels.map((k) => k.kernelId)).toEqual(["apollo_1"]);
  });

  it("keeps what was committed when the caller later changes the objects it passed", async () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo"]);
    const store = createFakeStore();
    const change = everything(rest);
    await store.commit(change);
    const kernel = change.kernels[0];
    if (kernel) kernel.fatigue = 0.99;
    change.chaosEverSpawned?.push("chaos_focus_9");
    expect(await store.loadRestState()).toEqual(rest.exportState());
  });

  it("shows the committed data to a store reopened on the same database, and refuses calls once closed", async () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    const first = createFakeStore();
    await first.commit(everything(rest));
    await first.close();
    await expect(first.loadRestState()).rejects.toThrow(/closed/);
    const reopened = createFakeStore(first.database);
    expect(await reopened.loadRestState()).toEqual(rest.exportState());
  });

  it("fails the next commitSnapshots after failNextCommit, storing nothing, and only that one", async () => {
    const store = createFakeStore();
    store.failNextCommit(new Error("disk full"));
    await expect(store.commitSnapshots([snapshot])).rejects.toThrow("disk full");
    expect(await store.snapshotCount()).toBe(0);
    await store.commitSnapshots([snapshot]);
    expect(await store.snapshotCount()).toBe(1);
  });

  it("keeps health rows through a later rest commit, also for a store reopened on its database", async () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo"]);
    const store = createFakeStore();
    await store.commitSnapshots([snapshot]);
    await store.commit(everything(rest));
    expect(await store.snapshotCount()).toBe(1);
    expect(await createFakeStore(store.database).snapshotCount()).toBe(1);
  });
});
