/**
 * A patch's life after its sandbox, driven through the healing service on the fake store
 * with kernels played by the test: review in phase 3, auto-apply in phase 4, live
 * verification (kept, rolled back with the inverse action, or inconclusive and paused for a
 * human), false positives, the cooldown, and a recycle drained through the rest scheduler.
 */
import { describe, expect, it } from "vitest";
import { type Harness, HEALTHY, openHealing, PHI_LOW } from "../../test/support/healing-service-fixture.js";
import { ConflictError, UnknownPatchError } from "../core/errors.js";
import type { ActionResult } from "../core/healing/remediation-action.js";

/** Slow but otherwise healthy: only the performance strategy fires (enable_cache). */
const SLOW = { avg_latency_ms: 3000 } as const;

/** A degraded kernel whose patch has had its sandbox run, answered with `predicted`. */
async function sandboxed(
  h: Harness,
  kernelId: string,
  fields: Record<string, unknown> | ((i: number) => Record<string, unknown>),
  predicted: ActionResult = h.predicting(0.75),
) {
  await h.report(kernelId, 12, fields);
  await h.healing.healPass();
  const { patch_id } = await h.answer(kernelId, predicted);
  if (!patch_id) throw new Error(`no patch started for ${kernelId}`);
  return patch_id;
}

/**
 * Runs the clock one verification interval per entry from now (the patch was applied now, or
 * at the previous interval's end), the kernel reporting `fields` just before each measurement
 * is due (or nothing, for null), and takes the measurements with a tick.
 */
async function measure(h: Harness, kernelId: string, intervals: (Record<string, unknown> | null)[]) {
  const start = h.clock.now();
  const interval = h.config.healing.verificationIntervalSeconds * 1000;
  for (const [k, fields] of intervals.entries()) {
    h.clock.set(start + (k + 1) * interval - 1000);
    if (fields) await h.report(kernelId, 1, fields);
    else h.clock.advanceSeconds(1);
    await h.healing.tick();
  }
}

describe("review in phase 3", () => {
  it("holds a passing patch for review, and applies it with the live action once approved", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    const id = await sandboxed(h, "apollo_1", PHI_LOW);
    const waiting = await h.patch(id);
    expect(waiting.state).toBe("pending_review");
    expect(waiting.transitions.at(-1)).toMatchObject({
      from: "sandboxed",
      actor: "system",
      reason: "passed its sandbox: waiting for approval",
    });
    expect(h.actions.pendingFor("apollo_1")).toEqual([]);

    // Approval moves it on at once (SPEC §5), and the reply says so.
    const approved = await h.healing.approve(id, "ops");
    expect(approved.state).toBe("approved");
    expect(approved.transitions.at(-1)).toMatchObject({
      from: "pending_review",
      to: "approved",
      actor: "user:ops",
      reason: "approved by review",
    });
    expect(h.pendingAction("apollo_1")).toMatchObject({
      patch_id: id,
      type: "integration_boost",
      params: { factor: 1.3 },
      dry_run: false,
    });
    expect((await h.patch(id)).state).toBe("approved");

    await h.answer("apollo_1", { ok: true });
    const applied = await h.patch(id);
    expect(applied.state).toBe("applied");
    expect(applied.transitions.at(-1)).toMatchObject({
      from: "approved",
      to: "applied",
      actor: "user:ops",
      reason: "approved by review",
    });
  });

  it("rejects a patch review finds not needed as a false positive, and sends nothing", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    const id = await sandboxed(h, "apollo_1", PHI_LOW);
    const sent = (await h.actions.list()).length;

    const rejected = await h.healing.reject(id, "ops", { not_needed: true, reason: "Φ dips every night" });
    expect(rejected).toMatchObject({ state: "rejected", false_positive: true });
    expect((await h.patch(id)).transitions.at(-1)).toMatchObject({
      from: "pending_review",
      to: "rejected",
      actor: "user:ops",
      reason: "Φ dips every night",
    });
    expect(await h.actions.list()).toHaveLength(sent);
    expect(h.actions.pendingFor("apollo_1")).toEqual([]);
  });

  it("sends the live action once when a patch is approved twice", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    const id = await sandboxed(h, "apollo_1", PHI_LOW);
    await h.healing.approve(id, "ops");
    await h.healing.approve(id, "ops2").catch(() => undefined);
    expect(h.actions.pendingFor("apollo_1")).toHaveLength(1);
  });

  it("refuses to reject a patch whose approved live action is already on its way to the kernel", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    const id = await sandboxed(h, "apollo_1", PHI_LOW);
    await h.healing.approve(id, "ops");
    await expect(h.healing.reject(id, "ops2")).rejects.toMatchObject({ name: "ConflictError" });
    await h.answer("apollo_1", { ok: true });
    expect((await h.patch(id)).state).toBe("applied");
  });

  it("refuses to approve an unknown patch, and one no longer waiting for review", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    await expect(h.healing.approve("pat_nope", "ops")).rejects.toBeInstanceOf(UnknownPatchError);
    await expect(h.healing.approve("pat_nope", "ops")).rejects.toMatchObject({ patchId: "pat_nope" });

    const id = await sandboxed(h, "apollo_1", PHI_LOW);
    await h.healing.reject(id, "ops");
    await expect(h.healing.approve(id, "ops")).rejects.toBeInstanceOf(ConflictError);
    await expect(h.healing.approve(id, "ops")).rejects.toMatchObject({ code: "patch_not_pending" });
  });

  it("rejects an approved patch as a false positive when the kernel is healthy again before it applies", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    const id = await sandboxed(h, "apollo_1", PHI_LOW);
    await h.report("apollo_1", 10, HEALTHY);
    expect(h.health.degradation("apollo_1").status).toBe("healthy");

    const patch = await h.healing.approve(id, "ops");
    expect(patch).toMatchObject({ state: "rejected", false_positive: true });
    expect(patch.transitions.at(-1)).toMatchObject({
      actor: "user:ops",
      reason: "the kernel was healthy again before the patch applied",
    });
    expect(h.actions.pendingFor("apollo_1")).toEqual([]);
    expect((await h.healing.summary()).false_positives).toBe(1);
  });
});

describe("auto-apply in phase 4", () => {
  it("applies a patch whose sandbox fitness reaches 0.7 without review", async () => {
    const h = await openHealing();
    await h.forcePhase(4);
    // Φ 0.4 → 0.55: 0.15 of its 0.25 below the band made up, target 0.6, fitness 0.55·0.6 + 0.45.
    const partway = await sandboxed(h, "apollo_1", PHI_LOW, h.predicting(0.55));
    const cured = await sandboxed(h, "athena_1", PHI_LOW, h.predicting(0.75));

    for (const [id, kernel, fitness] of [
      [partway, "apollo_1", 0.78],
      [cured, "athena_1", 1],
    ] as const) {
      expect((await h.patch(id)).sandbox?.fitness.fitness).toBe(fitness);
      expect(h.pendingAction(kernel)).toMatchObject({ patch_id: id, dry_run: false });
      await h.answer(kernel, { ok: true });
      const patch = await h.patch(id);
      expect(patch.transitions.map((t) => t.to)).toEqual(["generated", "sandboxed", "applied"]);
      expect(patch.transitions.at(-1)).toMatchObject({
        actor: "system",
        reason: "phase 4: sandbox fitness reached the apply threshold",
      });
    }
  });

  it("never auto-applies below 0.7: no live action is sent for a patch between 0.5 and 0.7", async () => {
    const h = await openHealing();
    await h.forcePhase(4);
    // Φ 0.4 → 0.5: target 0.4, fitness 0.67; Φ 0.4 → 0.45: target 0.2, fitness 0.56.
    for (const [kernel, predicted, fitness] of [
      ["apollo_1", 0.5, 0.67],
      ["athena_1", 0.45, 0.56],
    ] as const) {
      const id = await sandboxed(h, kernel, PHI_LOW, h.predicting(predicted));
      const patch = await h.patch(id);
      expect(patch.sandbox).toMatchObject({ recommendation: "test_more" });
      expect(patch.sandbox?.fitness.fitness).toBeCloseTo(fitness, 9);
      expect(patch.transitions.map((t) => t.to)).not.toContain("applied");
      expect(h.actions.pendingFor(kernel)).toEqual([]);
      expect((await h.actions.list({ kernelId: kernel })).map((a) => a.dry_run)).toEqual([true]);
    }
  });
});

describe("verification", () => {
  it("keeps a patch whose kernel reports healthy at each of the 3 measurements, then holds the cooldown", async () => {
    const h = await openHealing();
    expect(h.config.healing).toMatchObject({ verificationCount: 3, verificationIntervalSeconds: 60 });
    await h.forcePhase(4);
    const id = await sandboxed(h, "apollo_1", PHI_LOW);
    await h.answer("apollo_1", { ok: true });

    await measure(h, "apollo_1", [HEALTHY, HEALTHY]);
    expect((await h.patch(id)).state).toBe("applied");
    await measure(h, "apollo_1", [HEALTHY]);
    const patch = await h.patch(id);
    expect(patch.state).toBe("verified");
    // Live Φ 0.78 against 0.4 before: back in the band, nothing else moved, fitness 1 each time.
    expect(patch.verification.measurements.map((m) => m.fitness)).toEqual([1, 1, 1]);
    expect(patch.verification.outcome).toBe("kept");
    expect(patch.transitions.at(-1)).toMatchObject({ from: "applied", to: "verified", actor: "system" });

    // Degraded again within the cooldown: no new patch for it.
    await h.report("apollo_1", 12, PHI_LOW);
    const report = await h.healing.healPass();
    expect(report.patches_started).toEqual([]);
    expect(report.skipped.map((s) => [s.kernel_id, s.reason_code])).toEqual([["apollo_1", "cooldown"]]);
  });

  it("rolls back a patch whose kernel stays degraded with the inverse action, and records it once answered", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    await h.report("apollo_1", 12, SLOW);
    const [id] = (await h.healing.healPass()).patches_started;
    await h.answer("apollo_1", h.predicting(0.78, { avg_latency: 150 }));
    await h.healing.approve(id as string, "ops");
    await h.answer("apollo_1", { ok: true });
    expect(await h.patch(id as string)).toMatchObject({ state: "applied", action: { type: "enable_cache" } });

    await measure(h, "apollo_1", [SLOW, SLOW, SLOW]);
    const inverse = h.pendingAction("apollo_1");
    expect(inverse).toMatchObject({ patch_id: id, type: "disable_cache", params: {}, dry_run: false });
    const judged = await h.patch(id as string);
    expect(judged.state).toBe("applied");
    expect(judged.verification).toMatchObject({ outcome: "rolled_back" });
    // Latency still 3000 ms: the target did not move, fitness 0.45 each time.
    expect(judged.verification.measurements.map((m) => m.fitness)).toEqual([0.45, 0.45, 0.45]);

    await h.answer("apollo_1", { ok: true });
    const rolledBack = await h.patch(id as string);
    expect(rolledBack.state).toBe("rolled_back");
    expect(rolledBack.rollback).toEqual({ action_id: inverse.action_id, type: "disable_cache", ok: true });
    expect(rolledBack.transitions.at(-1)).toMatchObject({
      from: "applied",
      actor: "system",
      reason: "mean live fitness 0.45 over 3 measurements < 0.6",
    });

    const during = await h.healing.healPass();
    expect(during.skipped.map((s) => s.reason_code)).toEqual(["cooldown"]);
    h.clock.advanceSeconds(h.config.healing.cooldownSeconds);
    await h.report("apollo_1", 1, SLOW);
    expect((await h.healing.healPass()).patches_started).toHaveLength(1);
  });

  it("pauses a patch for a human when an interval has no snapshot: approve keeps it, reject rolls it back", async () => {
    const h = await openHealing();
    await h.forcePhase(4);
    const kept = await sandboxed(h, "apollo_1", PHI_LOW);
    const undone = await sandboxed(h, "athena_1", PHI_LOW);
    await h.answer("apollo_1", { ok: true });
    await h.answer("athena_1", { ok: true });

    const appliedAt = h.clock.now();
    h.clock.set(appliedAt + 58_000);
    await h.report("apollo_1", 1, HEALTHY);
    await h.report("athena_1", 1, HEALTHY);
    expect(h.clock.now()).toBe(appliedAt + 60_000);
    await h.healing.tick();
    h.clock.set(appliedAt + 120_000); // nobody reported in the second interval
    await h.healing.tick();

    for (const id of [kept, undone]) {
      const paused = await h.patch(id);
      expect(paused.state).toBe("applied");
      expect(paused.verification.outcome).toBe("inconclusive");
      expect(paused.verification.measurements.map((m) => m.fitness)).toEqual([1, null]);
    }
    const alerts = await h.alertsOf("verification_inconclusive");
    expect(alerts.map((a) => [a.kernel_id, a.severity]).sort()).toEqual([
      ["apollo_1", "warning"],
      ["athena_1", "warning"],
    ]);
    h.clock.set(appliedAt + 180_000);
    await h.report("apollo_1", 1, HEALTHY);
    await h.healing.tick();
    expect((await h.patch(kept)).state).toBe("applied"); // never silently kept

    const verified = await h.healing.approve(kept, "ops", "checked the dashboards");
    expect(verified).toMatchObject({ state: "verified", verification: { outcome: "kept" } });
    expect(verified.transitions.at(-1)).toMatchObject({
      actor: "user:ops",
      reason: "checked the dashboards",
    });

    await h.healing.reject(undone, "ops", { reason: "not convinced" });
    expect(h.pendingAction("athena_1")).toMatchObject({
      patch_id: undone,
      type: "decoherence",
      params: { noise: 0.12 },
      dry_run: false,
    });
    await h.answer("athena_1", { ok: true });
    const rolledBack = await h.patch(undone);
    expect(rolledBack).toMatchObject({ state: "rolled_back", rollback: { type: "decoherence", ok: true } });
    expect(rolledBack.transitions.at(-1)).toMatchObject({ actor: "user:ops", reason: "not convinced" });
  });

  it("takes no data as no data when the verification measurements are taken late", async () => {
    const h = await openHealing();
    await h.forcePhase(4);
    const id = await sandboxed(h, "apollo_1", PHI_LOW);
    await h.answer("apollo_1", { ok: true });
    const appliedAt = h.clock.now();
    // Silent for the first two intervals, one snapshot in the third; the measurements are all
    // taken at once after it (a stalled tick, or a library user calling healPass only).
    h.clock.set(appliedAt + 150_000);
    await h.report("apollo_1", 1, HEALTHY);
    h.clock.set(appliedAt + 180_000);
    await h.healing.tick();
    const patch = await h.patch(id);
    expect(patch.verification.measurements[0]?.fitness).toBeNull();
    expect(patch.verification.outcome).toBe("inconclusive");
  });

  it("opens the circuit breaker after N patches that each passed their sandbox and were rolled back", async () => {
    const h = await openHealing({ config: { healing: { cooldownSeconds: 0 } } });
    const failures = h.config.healing.circuitBreakerFailures;
    await h.forcePhase(4);
    await h.report("apollo_1", 12, PHI_LOW);
    for (let n = 0; n < failures; n++) {
      const [id] = (await h.healing.healPass()).patches_started;
      await h.answer("apollo_1", h.predicting(0.75)); // passes its sandbox: auto-applied
      await h.answer("apollo_1", { ok: true });
      await measure(h, "apollo_1", [PHI_LOW, PHI_LOW, PHI_LOW]); // but Φ stays low
      await h.answer("apollo_1", { ok: true }); // the inverse action
      expect((await h.patch(id as string)).state).toBe("rolled_back");
    }
    expect(h.healing.guard.breaker("apollo_1").open).toBe(true);
    expect(await h.alertsOf("circuit_open")).toHaveLength(1);
  });

  it("undoes a live action the kernel never answered (SPEC §6: a live action that times out is rolled back)", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    await h.report("apollo_1", 12, SLOW);
    const [id] = (await h.healing.healPass()).patches_started;
    await h.answer("apollo_1", h.predicting(0.78, { avg_latency: 150 }));
    await h.healing.approve(id as string, "ops");
    h.clock.advanceSeconds(h.config.healing.actionTimeoutSeconds);
    await h.actions.expireOverdue();
    await h.healing.settled();

    // The kernel may have enabled the cache and died before answering: the inverse goes out.
    expect(h.actions.pendingFor("apollo_1")).toEqual([
      expect.objectContaining({ patch_id: id, type: "disable_cache", dry_run: false }),
    ]);
  });
});

describe("recycle", () => {
  it("drains the kernel through a covered rest while the recycle runs, and rejoins it after the answer", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    await h.rest.register("apollo_1", "Apollo");
    await h.rest.register("athena_1", "Athena");
    // Memory up 20 MB a snapshot; the dry run predicts it back at 400 MB and flat (fitness 1).
    const recycle = await sandboxed(
      h,
      "apollo_1",
      (i) => ({ memory_mb: 400 + 20 * i }),
      h.predicting(0.78, { memory_mb: 400, memory_mb_slope: 0 }),
    );
    expect(await h.patch(recycle)).toMatchObject({ strategy: "memory_leak", state: "pending_review" });

    await h.healing.approve(recycle, "ops");
    expect(h.pendingAction("apollo_1")).toMatchObject({ type: "recycle", dry_run: false, patch_id: recycle });
    expect(h.rest.status("apollo_1")).toMatchObject({ status: "resting", covered_by: "athena_1" });
    expect(h.rest.status("athena_1")).toMatchObject({ status: "active", covering_for: "apollo_1" });

    await h.answer("apollo_1", { ok: true });
    expect(h.rest.status("apollo_1")).toMatchObject({ status: "active", covered_by: null });
    expect(h.rest.status("athena_1").covering_for).toBeNull();
    expect((await h.patch(recycle)).state).toBe("applied");
  });
});
