/**
 * The healing loop on the fake store, with real rest, health, action and alert services and
 * kernels played by the test: which kernels get a patch in which phase, in what order, what
 * the guard and the rest scheduler hold back, what is alerted, the gates, operator-asked
 * sandbox runs, and the counts the gates read. The patch lifecycle after the sandbox (review,
 * auto-apply, verification, rollback) is in patch-engine.test.ts, restarts in healing-restart.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  eventually,
  HEALTHY,
  openHealing,
  PHI_LOW,
  SLOW_AND_ERRORING,
} from "../../test/support/healing-service-fixture.js";
import { ConflictError, InvalidInputError } from "../core/errors.js";

describe("healing loop", () => {
  it("only detects in phase 1: a critical kernel gets no patch and no action", async () => {
    const h = await openHealing();
    await h.report("apollo_1", 12, PHI_LOW);
    expect(h.health.degradation("apollo_1").status).toBe("critical");

    const report = await h.healing.healPass();
    expect(report).toMatchObject({ phase: 1, examined: 1, patches_started: [], skipped: [] });
    expect(await h.store.listPatches()).toEqual([]);
    expect(h.actions.pendingFor("apollo_1")).toEqual([]);
  });

  it("generates and sandboxes in phase 2: a dry run with the patch id, then the SPEC fitness, and no apply", async () => {
    const h = await openHealing();
    await h.forcePhase(2);
    await h.report("apollo_1", 12, PHI_LOW);

    const report = await h.healing.healPass();
    expect(report.patches_started).toEqual(["pat_1"]);
    expect(h.pendingAction("apollo_1")).toMatchObject({
      patch_id: "pat_1",
      type: "integration_boost",
      params: { factor: 1.3 },
      dry_run: true,
    });
    expect((await h.patch("pat_1")).state).toBe("generated");

    // Φ 0.4 → 0.75: back inside the band [0.65, 0.85] and nothing else moved: target 1, sparing 1.
    await h.answer("apollo_1", h.predicting(0.75));
    const patch = await h.patch("pat_1");
    // Phase 2 closes it after the sandbox: the record stands, nothing is applied.
    expect(patch.state).toBe("rejected");
    expect(patch.transitions.at(-1)?.reason).toMatch(/phase 2 tries patches in the sandbox only/);
    expect(patch.sandbox?.recommendation).toBe("apply");
    expect(patch.sandbox?.fitness.components).toEqual({ target: 1, sparing: 1, validity: 1, harm_cap: 1 });
    expect(patch.sandbox?.fitness.fitness).toBe(1);
    expect(patch.sandbox?.fitness.inputs).toMatchObject({
      target: "phi",
      before: { phi: 0.4 },
      after: { phi: 0.75 },
      accepted: true,
    });
    expect(patch.transitions.map((t) => [t.to, t.actor])).toEqual([
      ["generated", "system"],
      ["sandboxed", "system"],
      ["rejected", "system"],
    ]);
    expect(patch.transitions[1]?.reason).toBe("sandbox fitness 1.000: apply");
    // Phase 2 never applies: nothing live was sent, and the record stands as sandboxed.
    expect(h.actions.pendingFor("apollo_1")).toEqual([]);
    expect((await h.actions.list({ kernelId: "apollo_1" })).map((a) => a.dry_run)).toEqual([true]);
  });

  it("tries the performance patch before the error spike's, and starts no second patch while one is open", async () => {
    const h = await openHealing();
    await h.forcePhase(2);
    await h.report("apollo_1", 12, SLOW_AND_ERRORING);

    const first = await h.healing.healPass();
    expect(first.patches_started).toEqual(["pat_1"]);
    expect(await h.patch("pat_1")).toMatchObject({
      strategy: "performance",
      action: { type: "enable_cache" },
    });
    expect(h.pendingAction("apollo_1")).toMatchObject({ type: "enable_cache", dry_run: true });

    const second = await h.healing.healPass();
    expect(second.patches_started).toEqual([]);
    expect(second.skipped).toEqual([
      { kernel_id: "apollo_1", reason_code: "under_patch", reason: "a patch is already in progress" },
    ]);
    expect((await h.store.listPatches()).map((p) => p.patch_id)).toEqual(["pat_1"]);
  });

  it("rejects a patch whose sandbox run fails or times out, with the reason, and tries the next strategy", async () => {
    const h = await openHealing();
    await h.forcePhase(2);
    await h.report("apollo_1", 12, SLOW_AND_ERRORING);
    await h.healing.healPass();

    await h.answer("apollo_1", { ok: false, error: "cache backend unavailable" });
    const failed = await h.patch("pat_1");
    expect(failed.state).toBe("rejected");
    expect(failed.sandbox?.fitness.components.validity).toBe(0);
    expect(failed.transitions.slice(1).map((t) => [t.to, t.reason])).toEqual([
      ["sandboxed", "sandbox run failed: cache backend unavailable"],
      ["rejected", "sandbox run failed: cache backend unavailable"],
    ]);
    // The next strategy in priority order is tried at once.
    expect(await h.patch("pat_2")).toMatchObject({ strategy: "error_spike", state: "generated" });
    const rollbackConfig = h.pendingAction("apollo_1");
    expect(rollbackConfig).toMatchObject({ patch_id: "pat_2", type: "rollback_config", dry_run: true });

    h.clock.advanceSeconds(h.config.healing.actionTimeoutSeconds);
    expect(h.actions.pendingFor("apollo_1")).toEqual([]);
    expect((await h.actions.expireOverdue()).map((a) => a.action_id)).toEqual([rollbackConfig.action_id]);
    await h.healing.settled();
    const timedOut = await h.patch("pat_2");
    expect(timedOut.state).toBe("rejected");
    expect(timedOut.transitions.at(-1)?.reason).toBe(
      `sandbox run failed: no answer within ${h.config.healing.actionTimeoutSeconds} s`,
    );
    // No strategy is left for this pass.
    expect((await h.store.listPatches()).map((p) => p.patch_id).sort()).toEqual(["pat_1", "pat_2"]);
  });

  it("opens the circuit breaker after the configured failures: one circuit_open alert, then circuit_open skips", async () => {
    const h = await openHealing();
    expect(h.config.healing.circuitBreakerFailures).toBe(3);
    await h.forcePhase(2);
    await h.report("apollo_1", 12, SLOW_AND_ERRORING);
    await h.healing.healPass();
    await h.answer("apollo_1", { ok: false, error: "refused" }); // performance
    await h.answer("apollo_1", { ok: false, error: "refused" }); // error spike
    expect(await h.alertsOf("circuit_open")).toEqual([]);
    expect(h.healing.guard.breaker("apollo_1")).toMatchObject({ open: false, consecutive_failures: 2 });

    expect((await h.healing.healPass()).patches_started).toEqual(["pat_3"]);
    await h.answer("apollo_1", { ok: false, error: "refused" });
    // The breaker opened on the third failure: the error spike patch was not tried again.
    expect(h.actions.pendingFor("apollo_1")).toEqual([]);
    expect(h.healing.guard.breaker("apollo_1").open).toBe(true);

    for (let pass = 0; pass < 2; pass++) {
      h.clock.advanceSeconds(60);
      const report = await h.healing.healPass();
      expect(report.patches_started).toEqual([]);
      expect(report.skipped.map((s) => [s.kernel_id, s.reason_code])).toEqual([["apollo_1", "circuit_open"]]);
    }
    const alerts = await h.alertsOf("circuit_open");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kernel_id: "apollo_1", severity: "critical", occurrences: 1 });
  });

  it("skips resting and recovering kernels with their reasons, and raises no unhealed alert for them", async () => {
    const h = await openHealing({ config: { healing: { unhealedAlertSeconds: 300 } } });
    await h.forcePhase(2);
    for (const [id, god] of [
      ["apollo_1", "Apollo"],
      ["athena_1", "Athena"],
      ["zeus_1", "Zeus"],
      ["hera_1", "Hera"],
    ] as const)
      await h.rest.register(id, god);
    // apollo_1 rests while Athena covers; zeus_1 has just woken from a rest, its Φ back in the
    // band while its window still holds the low values.
    expect((await h.rest.requestRest("apollo_1")).approved).toBe(true);
    expect((await h.rest.requestRest("zeus_1")).approved).toBe(true);
    await h.report("apollo_1", 12, PHI_LOW);
    await h.report("zeus_1", 10, PHI_LOW);
    await h.rest.endRest("zeus_1");
    await h.report("zeus_1", 2, HEALTHY);
    for (const id of ["apollo_1", "zeus_1"]) expect(h.health.degradation(id).status).toBe("critical");

    for (const wait of [0, 301]) {
      h.clock.advanceSeconds(wait);
      const report = await h.healing.healPass();
      expect(report.patches_started).toEqual([]);
      expect(Object.fromEntries(report.skipped.map((s) => [s.kernel_id, s.reason_code]))).toEqual({
        apollo_1: "resting",
        zeus_1: "recovering",
      });
    }
    expect(await h.alertsOf("critical_unhealed")).toEqual([]);
    expect(await h.store.listPatches()).toEqual([]);
  });

  it("leaves a tired kernel (low Φ with κ off κ*) to the rest scheduler: no patch and no unhealed alert", async () => {
    const h = await openHealing({ config: { healing: { unhealedAlertSeconds: 300 } } });
    await h.forcePhase(2);
    await h.report("ares_1", 12, { ...PHI_LOW, kappa_eff: 90 });
    expect(h.health.degradation("ares_1").findings.map((i) => i.rule)).toEqual(
      expect.arrayContaining(["phi_avg_low", "kappa_deviation"]),
    );
    for (const wait of [0, 301]) {
      h.clock.advanceSeconds(wait);
      expect((await h.healing.healPass()).patches_started).toEqual([]);
    }
    expect(await h.alertsOf("critical_unhealed")).toEqual([]);
    expect(h.actions.pendingFor("ares_1")).toEqual([]);
  });

  it("alerts once, after unhealedAlertSeconds, about a critical kernel no strategy can heal", async () => {
    const h = await openHealing();
    await h.forcePhase(2);
    // Four breakdown snapshots (Φ ≥ 0.85) in the window while average Φ stays in the band:
    // critical regime breakdown, which no strategy remedies.
    await h.report("apollo_1", 12, (i) => ({ phi: i < 8 ? 0.78 : 0.9 }));
    expect(h.health.degradation("apollo_1").findings.map((i) => i.rule)).toEqual(["regime_breakdown"]);

    const wait = h.config.healing.unhealedAlertSeconds;
    expect((await h.healing.healPass()).patches_started).toEqual([]);
    h.clock.advanceSeconds(wait - 1);
    await h.healing.healPass();
    expect(await h.alertsOf("critical_unhealed")).toEqual([]);

    h.clock.advanceSeconds(1);
    await h.healing.healPass();
    h.clock.advanceSeconds(300);
    await h.healing.healPass();
    const alerts = await h.alertsOf("critical_unhealed");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kernel_id: "apollo_1", severity: "critical", occurrences: 2 });
    expect(alerts[0]?.text).toContain("breakdown");
  });

  it("alerts about a critical kernel in phase 1, where nothing may heal it", async () => {
    const h = await openHealing();
    await h.report("apollo_1", 12, PHI_LOW);
    await h.healing.healPass();
    h.clock.advanceSeconds(h.config.healing.unhealedAlertSeconds);
    await h.healing.healPass();
    expect((await h.alertsOf("critical_unhealed")).map((a) => a.kernel_id)).toEqual(["apollo_1"]);
  });

  it("does not alert about a critical kernel a patch is healing", async () => {
    const h = await openHealing();
    await h.forcePhase(2);
    await h.report("apollo_1", 12, PHI_LOW);
    await h.healing.healPass();
    h.clock.advanceSeconds(h.config.healing.unhealedAlertSeconds + 1);
    const report = await h.healing.healPass();
    expect(report.skipped.map((s) => s.reason_code)).toEqual(["under_patch"]);
    expect(await h.alertsOf("critical_unhealed")).toEqual([]);
  });
});

describe("operator sandbox runs (evaluatePatch)", () => {
  it("sandboxes the given action and leaves it for review in phase 3 even below 0.5", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    await h.report("apollo_1", 12);

    const evaluated = h.healing.evaluatePatch(
      { kernel_id: "apollo_1", type: "integration_boost", params: { factor: 1.2 } },
      "ops",
    );
    const dryRun = await eventually(() => h.actions.pendingFor("apollo_1")[0]);
    expect(dryRun).toMatchObject({ type: "integration_boost", params: { factor: 1.2 }, dry_run: true });
    // Φ 0.78 → 0.3: the target was healthy and is now worse, target 0: fitness 0.45·sparing 1 = 0.45.
    await h.actions.recordResult(dryRun.action_id, h.predicting(0.3));
    const patch = await evaluated;

    expect(patch).toMatchObject({
      patch_id: dryRun.patch_id,
      state: "pending_review",
      strategy: "phi_degradation",
    });
    expect(patch.sandbox).toMatchObject({ recommendation: "reject", fitness: { fitness: 0.45 } });
    expect(patch.transitions.at(-1)).toMatchObject({
      to: "pending_review",
      actor: "system",
      reason: "asked for by an operator: waiting for approval",
    });
    expect(h.actions.pendingFor("apollo_1")).toEqual([]);
  });

  it("records the operator who asked for an evaluate-patch run as the actor of its creation", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    await h.report("apollo_1", 12);
    const evaluated = h.healing.evaluatePatch({ kernel_id: "apollo_1", type: "recycle" }, "ops");
    const dryRun = await eventually(() => h.actions.pendingFor("apollo_1")[0]);
    await h.actions.recordResult(dryRun.action_id, h.predicting(0.78));
    const patch = await evaluated;
    expect(patch.transitions[0]).toMatchObject({ from: null, to: "generated", actor: "user:ops" });
  });

  it("refuses an unknown action type and a kernel that never reported, naming the field", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    await h.report("apollo_1", 12);
    const refusal = (input: Record<string, unknown>) => h.healing.evaluatePatch(input, "ops");

    await expect(refusal({ kernel_id: "apollo_1", type: "reboot" })).rejects.toMatchObject({
      name: "InvalidInputError",
      field: "type",
    });
    await expect(refusal({ kernel_id: "apollo_1", type: "disable_cache" })).rejects.toMatchObject({
      field: "type",
    });
    await expect(refusal({ kernel_id: "hermes_1", type: "recycle" })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(refusal({ kernel_id: "hermes_1", type: "recycle" })).rejects.toMatchObject({
      field: "kernel_id",
    });
    await expect(
      refusal({ kernel_id: "apollo_1", type: "integration_boost", params: { factor: 2 } }),
    ).rejects.toMatchObject({ field: "params.factor" });
    expect(await h.store.listPatches()).toEqual([]);
    expect(await h.actions.list()).toEqual([]);
  });
});

describe("phases and gates", () => {
  it("refuses to leave phase 1 on a fresh store, and a forced advance without a reason", async () => {
    const h = await openHealing();
    await expect(h.healing.advancePhase({ actor: "tester" })).rejects.toBeInstanceOf(ConflictError);
    await expect(h.healing.advancePhase({ actor: "tester" })).rejects.toMatchObject({ code: "gate_unmet" });
    await expect(h.healing.advancePhase({ force: true, actor: "tester" })).rejects.toMatchObject({
      name: "InvalidInputError",
      field: "reason",
    });
    expect(h.healing.phase).toBe(1);
    expect(await h.store.loadPhaseHistory()).toEqual([]);
  });

  it("shows every criterion of the gate with its value, and records a forced advance with its reason", async () => {
    const h = await openHealing();
    await h.report("apollo_1", 12);
    await h.report("athena_1", 3);

    const status = await h.healing.phaseStatus();
    expect(status).toMatchObject({ phase: 1, next: 2, met: false, running: true });
    expect(status.allowed).toEqual(["monitor", "detect", "alert"]);
    expect(status.criteria.map((c) => [c.name, c.value, c.target, c.met])).toEqual([
      ["snapshots", 15, "≥ 1000", false],
      ["baselines", 2, "= 2 (every kernel seen)", true],
      ["no_crash", 0, "= 0", true],
    ]);

    const advanced = await h.healing.advancePhase({ force: true, reason: "lab run", actor: "tester" });
    expect(advanced).toMatchObject({ from: 1, to: 2, forced: true, reason: "lab run", unmet: ["snapshots"] });
    expect(h.healing.phase).toBe(2);
    expect(await h.store.loadPhaseHistory()).toEqual([
      expect.objectContaining({
        from_phase: 1,
        to_phase: 2,
        actor: "user:tester",
        forced: true,
        reason: "lab run",
        at: h.clock.now(),
      }),
    ]);
    expect((await h.healing.phaseStatus()).criteria.map((c) => c.name)).toEqual([
      "patches",
      "sandbox_fitness_median",
      "strategies_exercised",
      "sandbox_success",
    ]);
  });

  it("refuses approval in phase 2 as the phase's doing, not the patch's", async () => {
    const h = await openHealing();
    await h.forcePhase(2);
    await h.report("apollo_1", 12, PHI_LOW);
    await h.healing.healPass();
    await h.answer("apollo_1", h.predicting(0.75));
    expect((await h.patch("pat_1")).sandbox).not.toBeNull();

    await expect(h.healing.approve("pat_1", "ops")).rejects.toMatchObject({
      name: "ConflictError",
      kind: "conflict",
      code: "phase_forbids_apply",
    });
    expect(h.actions.pendingFor("apollo_1")).toEqual([]);
  });
});

describe("summary", () => {
  it("counts patches applied, verified and false positives from the records", async () => {
    const h = await openHealing();
    await h.forcePhase(3);
    await h.report("apollo_1", 12, PHI_LOW);
    await h.report("athena_1", 12, PHI_LOW);
    await h.report("zeus_1", 12, PHI_LOW);
    await h.healing.healPass();
    const byKernel = Object.fromEntries((await h.store.listPatches()).map((p) => [p.kernel_id, p.patch_id]));
    for (const id of ["apollo_1", "athena_1", "zeus_1"]) await h.answer(id, h.predicting(0.75));

    // apollo_1: approved and healed (verified); athena_1: not needed; zeus_1: approved, never heals.
    await h.healing.reject(byKernel.athena_1 as string, "ops", { not_needed: true });
    await h.healing.approve(byKernel.apollo_1 as string, "ops");
    await h.healing.approve(byKernel.zeus_1 as string, "ops");
    await h.answer("apollo_1", { ok: true });
    await h.answer("zeus_1", { ok: true });
    const appliedAt = h.clock.now();
    for (let k = 1; k <= 3; k++) {
      // Both kernels report inside each verification interval, before its measurement is due.
      h.clock.set(appliedAt + k * 60_000 - 5000);
      await h.report("apollo_1", 1, HEALTHY);
      await h.report("zeus_1", 1, PHI_LOW);
      await h.healing.tick();
    }
    h.clock.set(appliedAt + 181_000);
    await h.healing.tick(); // the third measurement falls due
    await h.answer("zeus_1", { ok: true }); // the inverse action

    expect((await h.patch(byKernel.apollo_1 as string)).state).toBe("verified");
    expect((await h.patch(byKernel.zeus_1 as string)).state).toBe("rolled_back");
    expect(await h.healing.summary()).toMatchObject({
      patches_generated: 3,
      sandbox_runs: 3,
      sandbox_successes: 3,
      patches_applied: 2,
      patches_verified: 1,
      false_positives: 1,
      rollbacks_needed: 1,
      rollbacks_succeeded: 1,
      strategies_exercised: ["phi_degradation"],
    });
  });
});
