/**
 * The action service on the fake store: what it stores and publishes at each step, what a
 * failed save leaves behind (nothing in memory, no event), at-least-once delivery in the
 * directives, timeouts, and what a reopened service restores.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { buildConfig } from "../core/config.js";
import {
  ConflictError,
  InvalidInputError,
  StoreUnavailableError,
  UnknownActionError,
} from "../core/errors.js";
import { createFakeStore, FakeDatabase } from "../store/fake-store.js";
import { type ActionEvent, ActionService } from "./action-service.js";

const logger = pino({ level: "silent" });
const T0 = Date.UTC(2026, 10, 22);

async function openService(database = new FakeDatabase(), clock = new ManualClock(T0)) {
  const store = createFakeStore(database);
  let n = 0;
  const actions = await ActionService.open({
    store,
    clock,
    logger,
    config: buildConfig({ healing: { actionTimeoutSeconds: 60 } }),
    newActionId: () => `act_${++n}`,
  });
  const events: ActionEvent[] = [];
  actions.events.subscribe((e) => events.push(e));
  return { actions, store, clock, database, events };
}

const cache = {
  kernel_id: "apollo_1",
  type: "enable_cache" as const,
  params: { entries: 500 },
  dry_run: true,
};

describe("action service", () => {
  it("stores a dispatched action, then publishes it, and carries it in the kernel's directives", async () => {
    const { actions, store, events } = await openService();
    const action = await actions.dispatch(cache);
    expect(action).toMatchObject({ action_id: "act_1", status: "pending", deadline_at: T0 + 60_000 });
    expect(await store.getAction("act_1")).toEqual(action);
    expect(events).toEqual([
      expect.objectContaining({
        type: "action_dispatched",
        kernel_id: "apollo_1",
        action_id: "act_1",
        at: T0,
      }),
    ]);
    const directive = [
      { action_id: "act_1", patch_id: null, type: "enable_cache", params: { entries: 500 }, dry_run: true },
    ];
    expect(actions.pendingFor("apollo_1")).toEqual(directive);
    // At least once: every directive repeats it until it is answered.
    expect(actions.pendingFor("apollo_1")).toEqual(directive);
    expect(actions.pendingFor("athena_1")).toEqual([]);
  });

  it("lists a kernel's pending actions in creation order", async () => {
    const { actions, clock } = await openService();
    await actions.dispatch({ kernel_id: "apollo_1", type: "recycle" });
    await actions.dispatch({ kernel_id: "athena_1", type: "recycle" });
    clock.advanceSeconds(1);
    await actions.dispatch({ kernel_id: "apollo_1", type: "decoherence", params: { noise: 0.1 } });
    await actions.dispatch({ kernel_id: "apollo_1", type: "basin_correction" });
    expect(actions.pendingFor("apollo_1").map((a) => [a.action_id, a.type])).toEqual([
      ["act_1", "recycle"],
      ["act_3", "decoherence"],
      ["act_4", "basin_correction"],
    ]);
  });

  it("refuses a bad dispatch naming the field, storing and publishing nothing", async () => {
    const { actions, store, events } = await openService();
    await expect(actions.dispatch({ ...cache, params: { entries: -1 } })).rejects.toMatchObject({
      field: "params.entries",
    });
    await expect(actions.dispatch({ ...cache, type: "reboot" as never })).rejects.toThrow(InvalidInputError);
    expect(await store.listActions()).toEqual([]);
    expect(events).toEqual([]);
    expect(actions.pendingFor("apollo_1")).toEqual([]);
  });

  it("records an answer: stored, out of the directives, published, and refused a second time", async () => {
    const { actions, store, events, clock } = await openService();
    await actions.dispatch(cache);
    clock.advanceSeconds(5);
    const body = { ok: true, predicted: { phi: 0.8, kappa_eff: 64, avg_latency: 120 } };
    const answered = await actions.recordResult("act_1", body);
    expect(answered).toMatchObject({ status: "succeeded", answered_at: T0 + 5000, result: body });
    expect(await store.getAction("act_1")).toEqual(answered);
    expect(actions.get("act_1")).toEqual(answered);
    expect(actions.pendingFor("apollo_1")).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: "action_answered", status: "succeeded", at: T0 + 5000 });
    await expect(actions.recordResult("act_1", { ok: false })).rejects.toMatchObject({
      code: "action_already_answered",
    });
    expect((await store.getAction("act_1"))?.status).toBe("succeeded");
  });

  it("refuses an answer to an unknown id, or with a bad body, changing nothing", async () => {
    const { actions, store, events } = await openService();
    await actions.dispatch(cache);
    await expect(actions.recordResult("act_404", { ok: true })).rejects.toThrow(UnknownActionError);
    await expect(
      actions.recordResult("act_1", { ok: true, predicted: { phi: 2, kappa_eff: 1 } }),
    ).rejects.toMatchObject({
      field: "predicted.phi",
    });
    expect((await store.getAction("act_1"))?.status).toBe("pending");
    expect(events.map((e) => e.type)).toEqual(["action_dispatched"]);
  });

  it("does not acknowledge a dispatch or an answer whose save failed, and remembers neither", async () => {
    const { actions, store, events } = await openService();
    store.failNextCommit(new Error("disk full"));
    await expect(actions.dispatch(cache)).rejects.toThrow(StoreUnavailableError);
    expect(actions.pendingFor("apollo_1")).toEqual([]);
    expect(actions.get("act_1")).toBeNull();

    await actions.dispatch(cache);
    store.failNextCommit(new Error("disk full"));
    await expect(actions.recordResult("act_2", { ok: true })).rejects.toThrow(StoreUnavailableError);
    expect(actions.get("act_2")?.status).toBe("pending");
    expect(actions.pendingFor("apollo_1").map((a) => a.action_id)).toEqual(["act_2"]);
    expect(events.map((e) => e.type)).toEqual(["action_dispatched"]);
    // The kernel retries, and now it lands.
    expect((await actions.recordResult("act_2", { ok: true })).status).toBe("succeeded");
  });

  it("times out an action past its deadline: failed, published, out of the directives, answer refused", async () => {
    const { actions, store, events, clock } = await openService();
    await actions.dispatch(cache);
    await actions.dispatch({ ...cache, timeout_seconds: 600 });
    clock.advanceSeconds(59);
    expect(await actions.expireOverdue()).toEqual([]);
    clock.advanceSeconds(1);
    // Due but not yet swept: no longer delivered.
    expect(actions.pendingFor("apollo_1").map((a) => a.action_id)).toEqual(["act_2"]);
    const expired = await actions.expireOverdue();
    expect(expired).toEqual([
      expect.objectContaining({
        action_id: "act_1",
        status: "timed_out",
        answered_at: T0 + 60_000,
        result: { ok: false, error: "no answer within 60 s" },
      }),
    ]);
    expect(await store.getAction("act_1")).toEqual(expired[0]);
    expect(events.at(-1)).toMatchObject({ type: "action_timed_out", action_id: "act_1" });
    await expect(actions.recordResult("act_1", { ok: true })).rejects.toMatchObject({
      code: "action_timed_out",
    });
    expect(await actions.expireOverdue()).toEqual([]);
  });

  it("refuses a late answer that arrives before the sweep, recording the timeout then", async () => {
    const { actions, store, events, clock } = await openService();
    await actions.dispatch(cache);
    clock.advanceSeconds(61);
    await expect(actions.recordResult("act_1", { ok: true })).rejects.toThrow(ConflictError);
    expect((await store.getAction("act_1"))?.status).toBe("timed_out");
    expect(events.map((e) => e.type)).toEqual(["action_dispatched", "action_timed_out"]);
  });

  it("resolves waitForOutcome on the answer or the timeout, and at once for a finished action", async () => {
    const { actions, clock } = await openService();
    await actions.dispatch(cache);
    await actions.dispatch(cache);
    const answered = actions.waitForOutcome("act_1");
    const timedOut = actions.waitForOutcome("act_2");
    await actions.recordResult("act_1", { ok: false, error: "refused" });
    expect(await answered).toMatchObject({ status: "failed", result: { ok: false, error: "refused" } });
    clock.advanceSeconds(60);
    await actions.expireOverdue();
    expect((await timedOut).status).toBe("timed_out");
    expect((await actions.waitForOutcome("act_1")).status).toBe("failed");
    await expect(actions.waitForOutcome("act_404")).rejects.toThrow(UnknownActionError);
  });

  it("restores pending actions on reopen, still delivered and answerable; finished ones from the store", async () => {
    const database = new FakeDatabase();
    const clock = new ManualClock(T0);
    const first = await openService(database, clock);
    await first.actions.dispatch(cache);
    await first.actions.dispatch({ kernel_id: "apollo_1", type: "recycle" });
    await first.actions.recordResult("act_2", { ok: true });

    const { actions } = await openService(database, clock);
    expect(actions.pendingFor("apollo_1").map((a) => a.action_id)).toEqual(["act_1"]);
    expect(actions.get("act_2")).toBeNull(); // not in memory after a restart…
    expect((await actions.find("act_2"))?.status).toBe("succeeded"); // …but stored
    expect((await actions.list({ kernelId: "apollo_1" })).map((a) => a.action_id)).toEqual([
      "act_2",
      "act_1",
    ]);
    // The reopened generator starts over at act_1: a taken id is refused, not overwritten.
    await expect(actions.dispatch(cache)).rejects.toMatchObject({ code: "duplicate_action_id" });
    expect((await actions.recordResult("act_1", { ok: true })).status).toBe("succeeded");
  });
});
