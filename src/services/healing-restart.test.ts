/**
 * What a healing service opened again on the same fake database restores: the phase, the
 * open patches, and the flows waiting on a kernel's answer, with new rest, health and action
 * services over the same data, as after a server restart.
 */
import { describe, expect, it } from "vitest";
import { openHealing, PHI_LOW } from "../../test/support/healing-service-fixture.js";

describe("restart", () => {
  it("moves a restored patch on when its sandbox action is answered after a restart", async () => {
    const first = await openHealing();
    await first.forcePhase(3);
    await first.report("apollo_1", 12, PHI_LOW);
    await first.healing.healPass();
    const dryRun = first.pendingAction("apollo_1");

    const second = await openHealing({ database: first.database, clock: first.clock, patchPrefix: "pat_b" });
    expect(second.healing.phase).toBe(3);
    expect(second.healing.openPatches().map((p) => [p.patch_id, p.state])).toEqual([["pat_1", "generated"]]);
    expect(second.pendingAction("apollo_1").action_id).toBe(dryRun.action_id);
    // The restored service still counts the kernel as under a patch.
    expect((await second.healing.healPass()).skipped.map((s) => s.reason_code)).toEqual(["under_patch"]);

    await second.answer("apollo_1", second.predicting(0.75));
    const patch = await second.patch("pat_1");
    expect(patch.state).toBe("pending_review");
    expect(patch.sandbox?.fitness.fitness).toBe(1);
  });

  it("rejects at restore a patch whose sandbox answer was lost", async () => {
    const first = await openHealing();
    await first.forcePhase(2);
    await first.report("apollo_1", 12, PHI_LOW);
    await first.healing.healPass();
    // Down for longer than the kernel had to answer: its action is no longer deliverable.
    first.clock.advanceSeconds(first.config.healing.actionTimeoutSeconds + 1);

    const second = await openHealing({ database: first.database, clock: first.clock, patchPrefix: "pat_b" });
    const patch = await second.patch("pat_1");
    expect(patch.state).toBe("rejected");
    expect(patch.transitions.at(-1)).toMatchObject({
      from: "generated",
      actor: "system",
      reason: "its sandbox answer was lost in a restart",
    });
    expect(second.healing.openPatches()).toEqual([]);
  });

  it("leaves a patch whose sandbox answer was lost as stored when opened read-only, for the leader to reject", async () => {
    const first = await openHealing();
    await first.forcePhase(2);
    await first.report("apollo_1", 12, PHI_LOW);
    await first.healing.healPass();
    first.clock.advanceSeconds(first.config.healing.actionTimeoutSeconds + 1);

    const copy = await openHealing({ database: first.database, clock: first.clock, readOnly: true });
    expect(copy.healing.openPatches().map((p) => [p.patch_id, p.state])).toEqual([["pat_1", "generated"]]);
    expect((await copy.patch("pat_1")).state).toBe("generated");
  });

  it("applies a patch whose approved live action is answered after a restart", async () => {
    const first = await openHealing();
    await first.forcePhase(3);
    await first.report("apollo_1", 12, PHI_LOW);
    await first.healing.healPass();
    await first.answer("apollo_1", first.predicting(0.75));
    await first.healing.approve("pat_1", "ops");
    expect(first.pendingAction("apollo_1")).toMatchObject({ dry_run: false, patch_id: "pat_1" });

    const second = await openHealing({ database: first.database, clock: first.clock, patchPrefix: "pat_b" });
    await second.answer("apollo_1", { ok: true });
    const patch = await second.patch("pat_1");
    expect(patch.state).toBe("applied");
    expect(patch.transitions.at(-1)?.reason.trim()).not.toBe("");
  });
});
