/**
 * Retirement in the rest core (SPEC §6 `DELETE /kernels/:kernel_id`): a resting kernel is
 * woken first, what it covers is handed on or that rest ended, essential kernels need force
 * and a reason, and the kernel's place in the roster is free again.
 */
import { describe, expect, it } from "vitest";
import { idOf, makeScheduler, registerGods } from "../../../test/support/rest-fixture.js";
import { ConflictError, InvalidInputError, UnknownKernelError } from "../errors.js";
import { invariantViolations } from "./invariants.js";
import type { RestScheduler } from "./scheduler.js";

function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConflictError) return e.code;
    if (e instanceof InvalidInputError) return `invalid:${e.field}`;
    if (e instanceof UnknownKernelError) return "unknown";
    throw e;
  }
  return undefined;
}

/** A fresh report with this load (fatigue about 0.1 × load): sets a partner's room to carry. */
function busy(rest: RestScheduler, god: string, load: number): void {
  rest.reportFatigue(idOf(god), 0.7, rest.config.kappaStar, load, 0);
}

/** Resting kernels with no active coverer and no acknowledgement (SPEC §3's coverage gap). */
function uncovered(rest: RestScheduler): string[] {
  return [...rest.states()]
    .filter((k) => (k.status === "resting" || k.status === "micro_pause") && !k.restForced && !k.restCycle)
    .filter((k) => k.coveredBy === null)
    .map((k) => k.kernelId);
}

describe("retiring a kernel", () => {
  it("removes an active kernel and says so in one kernel_retired event", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    const { value, events } = rest.retire("apollo_1", { reason: "replaced", actor: "user:ops" });
    expect(events.map((e) => e.type)).toEqual(["kernel_retired"]);
    expect(value).toMatchObject({
      kernel_id: "apollo_1",
      kernel_name: "Apollo",
      tier: "specialized",
      forced: false,
      reason: "replaced",
      actor: "user:ops",
      woken_from: null,
      handoffs: [],
    });
    expect(rest.has("apollo_1")).toBe(false);
    expect(refusal(() => rest.status("apollo_1"))).toBe("unknown");
    expect(rest.partners("athena_1")).toEqual([]);
  });

  it("wakes a resting kernel first, recording its rest as ended by retirement, and frees its coverer", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    expect(rest.requestRest("apollo_1").covering_partner).toBe("athena_1");
    const { value, events } = rest.retire("apollo_1");
    expect(events.map((e) => e.type)).toEqual(["coverage_ended", "rest_ended", "kernel_retired"]);
    expect(events[1]).toMatchObject({ kernel_id: "apollo_1", cause: "retired" });
    expect(value).toMatchObject({ woken_from: "resting", rest_count: 1, handoffs: [] });
    expect(rest.status("athena_1").covering_for).toBeNull();
    expect(invariantViolations(rest.states())).toEqual([]);
  });

  it("hands what a coverer covers to another partner: the covered kernel keeps resting, never uncovered", () => {
    const { rest } = makeScheduler();
    // Apollo's partners in order: Athena (designated), Hermes, Artemis, Dionysus.
    registerGods(rest, ["Apollo", "Athena", "Hermes"]);
    rest.requestRest("apollo_1");
    const before = rest.status("apollo_1");
    expect(before).toMatchObject({ status: "resting", covered_by: "athena_1" });

    const { value, events } = rest.retire("athena_1");
    expect(value.handoffs).toEqual([{ covered: "apollo_1", handed_to: "hermes_1", outcome: "handed_off" }]);
    expect(events.map((e) => e.type)).toEqual(["coverage_ended", "coverage_started", "kernel_retired"]);
    expect(events[0]).toMatchObject({ kernel_id: "athena_1", covering_for: "apollo_1", cause: "handoff" });
    expect(events[1]).toMatchObject({
      kernel_id: "hermes_1",
      covering_for: "apollo_1",
      handoff_from: "athena_1",
    });
    expect(rest.status("apollo_1")).toMatchObject({
      status: "resting",
      covered_by: "hermes_1",
      rest_count: before.rest_count,
    });
    expect(rest.status("hermes_1").covering_for).toBe("apollo_1");
    expect(uncovered(rest)).toEqual([]);
    expect(invariantViolations(rest.states())).toEqual([]);
  });

  it("ends the covered kernel's rest when no other partner can take the coverage over", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1");
    const { value, events } = rest.retire("athena_1");
    expect(value.handoffs).toEqual([{ covered: "apollo_1", handed_to: null, outcome: "rest_ended" }]);
    expect(events.map((e) => e.type)).toEqual(["coverage_ended", "rest_ended", "kernel_retired"]);
    expect(events[1]).toMatchObject({ kernel_id: "apollo_1", cause: "coverer_retired" });
    expect(rest.status("apollo_1")).toMatchObject({ status: "active", covered_by: null, rest_count: 1 });
    expect(invariantViolations(rest.states())).toEqual([]);
  });

  it("ends a chaos kernel's rest when its mentor, its only partner, retires", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Artemis", "Hermes"]);
    rest.register("c1", "chaos_focus_1", "Artemis");
    expect(rest.requestRest("c1").covering_partner).toBe("artemis_1");
    expect(rest.retire("artemis_1").value.handoffs).toEqual([
      { covered: "c1", handed_to: null, outcome: "rest_ended" },
    ]);
    expect(rest.status("c1").status).toBe("active");
  });

  it("hands one share of a shared coverage to a partner with room for it, keeping the other coverer", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena", "Hermes", "Artemis", "Dionysus"]);
    busy(rest, "Apollo", 1); // carried 0.5
    busy(rest, "Athena", 0.7); // room 0.3
    busy(rest, "Hermes", 0.9); // room 0.1
    busy(rest, "Artemis", 0.8); // room 0.2
    busy(rest, "Dionysus", 0.95); // room 0.05 for now
    expect(rest.requestRest("apollo_1")).toMatchObject({
      covering_partner: "athena_1",
      sharing_partner: "artemis_1",
    });
    busy(rest, "Dionysus", 0.5); // room 0.5: enough for Artemis's share (0.4 × 0.5)
    const { value } = rest.retire("artemis_1");
    expect(value.handoffs).toEqual([{ covered: "apollo_1", handed_to: "dionysus_1", outcome: "handed_off" }]);
    expect(rest.status("apollo_1")).toMatchObject({
      status: "resting",
      covered_by: "athena_1",
      covered_also_by: "dionysus_1",
    });
    expect(rest.status("dionysus_1").cover_share).toBeCloseTo(0.4, 9);
    expect(invariantViolations(rest.states())).toEqual([]);
  });

  it("refuses an essential kernel without force (409) and without a reason (400), changing nothing", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Heart", "Ocean"]);
    const before = JSON.stringify(rest.exportState());
    expect(refusal(() => rest.retire("heart_1"))).toBe("essential_needs_force");
    expect(refusal(() => rest.retire("heart_1", { reason: "moving" }))).toBe("essential_needs_force");
    expect(refusal(() => rest.retire("heart_1", { force: true }))).toBe("invalid:reason");
    expect(refusal(() => rest.retire("heart_1", { force: true, reason: "   " }))).toBe("invalid:reason");
    expect(refusal(() => rest.retire("heart_1", { force: true, reason: "x".repeat(1001) }))).toBe(
      "invalid:reason",
    );
    expect(JSON.stringify(rest.exportState())).toBe(before);

    const { value } = rest.retire("heart_1", { force: true, reason: "  moved to the new cluster " });
    expect(value).toMatchObject({ tier: "essential", forced: true, reason: "moved to the new cluster" });
    expect(rest.has("heart_1")).toBe(false);
  });

  it("answers an unknown kernel with UnknownKernelError", () => {
    const { rest } = makeScheduler();
    expect(refusal(() => rest.retire("ghost_1"))).toBe("unknown");
  });

  it("frees a god's name for a new id, and lets the same id register afresh", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1");
    rest.retire("apollo_1");
    expect(rest.register("apollo_2", "Apollo").value).toMatchObject({ kernel_id: "apollo_2", rest_count: 0 });
    rest.retire("apollo_2");
    clock.advanceSeconds(60);
    const again = rest.register("apollo_1", "Apollo");
    expect(again.events.map((e) => e.type)).toEqual(["kernel_registered"]);
    expect(again.value).toMatchObject({ status: "active", rest_count: 0, total_rest_time: 0 });
  });

  it("frees a retired chaos kernel's live place in its domain", () => {
    const { rest } = makeScheduler();
    for (let i = 1; i <= 30; i++) rest.register(`c${i}`, `chaos_focus_${i}`);
    expect(refusal(() => rest.register("c31", "chaos_focus_31"))).toBe("chaos_domain_limit");
    rest.retire("c30");
    expect(rest.register("c31", "chaos_focus_31").value.kernel_name).toBe("chaos_focus_31");
  });

  it("gives a retired chaos name's slot among the 240 back, unlike a pruned one that may be revived", () => {
    const { rest } = makeScheduler();
    for (let i = 0; i < 240; i++) {
      rest.register(`c${i}`, `chaos_d${Math.floor(i / 30)}_${i}`);
      if (i >= 100) rest.deregister(`c${i}`);
    }
    expect(refusal(() => rest.register("new", "chaos_fresh_1"))).toBe("chaos_total_limit");
    rest.retire("c0");
    expect(rest.chaosEverSpawned()).not.toContain("chaos_d0_0");
    expect(rest.register("new", "chaos_fresh_1").value.kernel_name).toBe("chaos_fresh_1");
    expect(refusal(() => rest.register("newer", "chaos_fresh_2"))).toBe("chaos_total_limit");
  });

  it("keeps the restored state free of a retired kernel", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena", "Hermes"]);
    rest.requestRest("apollo_1");
    rest.retire("athena_1");
    const copy = makeScheduler();
    copy.rest.loadState(JSON.parse(JSON.stringify(rest.exportState())));
    expect(copy.rest.has("athena_1")).toBe(false);
    expect(copy.rest.status("apollo_1")).toMatchObject({ status: "resting", covered_by: "hermes_1" });
  });
});
