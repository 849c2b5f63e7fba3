/**
 * The rest side of a constellation cycle (SPEC §3): during a cycle essential kernels are
 * REDUCED and specialised kernels RESTING, nobody covers, and the cycle, not each kernel's
 * clock, ends those rests.
 */
import { describe, expect, it } from "vitest";
import { idOf, makeScheduler, registerGods, registerPantheon } from "../../../test/support/rest-fixture.js";
import { ConflictError } from "../errors.js";
import { restDirective } from "./directive.js";
import { invariantViolations } from "./invariants.js";

describe("constellation cycle rests", () => {
  it("reduces essential kernels and rests every other one, uncovered, with the cycle on each rest", () => {
    const { rest, registry } = makeScheduler();
    registerPantheon(rest);
    const { value, events } = rest.startCycle("sleep", 1800);
    for (const { kernel_id, rest_mode } of value) {
      const god = registry.gods.get(rest.status(kernel_id).kernel_name);
      expect(rest_mode).toBe(god?.tier === "essential" ? "reduced" : "resting");
      expect(rest.status(kernel_id)).toMatchObject({ status: rest_mode, cycle: "sleep", covered_by: null });
    }
    expect(value).toHaveLength(registry.gods.size);
    const started = events.filter((e) => e.type === "rest_started");
    expect(started).toHaveLength(registry.gods.size);
    expect(started.every((e) => e.cycle === "sleep" && e.reason_code === "constellation_cycle")).toBe(true);
    expect(events.some((e) => e.type === "coverage_started")).toBe(false);
    expect(invariantViolations(rest.states())).toEqual([]);
    expect(restDirective(rest, "apollo_1")).toMatchObject({ status: "resting", cycle: "sleep" });
  });

  it("ends rests in progress first, freeing their coverers, and counts them as cut by the cycle", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena", "Heart"]);
    rest.requestRest("apollo_1");
    const { events } = rest.startCycle("dream", 600);
    expect(events.find((e) => e.type === "coverage_ended")).toMatchObject({
      kernel_id: "athena_1",
      covering_for: "apollo_1",
      cause: "cycle_started",
    });
    expect(events.find((e) => e.type === "rest_ended")).toMatchObject({
      kernel_id: "apollo_1",
      cause: "cycle_started",
    });
    expect(rest.status("athena_1")).toMatchObject({ status: "resting", covering_for: null, cycle: "dream" });
    expect(invariantViolations(rest.states())).toEqual([]);
  });

  it("carries the context of a rest the cycle cut short through the cycle, and hands it back at its end", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1", { context: { task: "t1" } });
    rest.startCycle("sleep", 600);
    expect(restDirective(rest, "apollo_1").context).toBeUndefined();
    rest.endCycle();
    expect(restDirective(rest, "apollo_1").context).toEqual({ task: "t1" });
  });

  it("does not auto-wake cycle rests past their planned length; the end of the cycle wakes them all", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena", "Heart", "Ocean"]);
    rest.startCycle("sleep", 60);
    clock.advanceSeconds(3600);
    expect(rest.tick()).toEqual([]);
    expect(rest.cycleKernels()).toEqual(["apollo_1", "athena_1", "heart_1", "ocean_1"]);
    const { value, events } = rest.endCycle();
    expect(value).toEqual(["apollo_1", "athena_1", "heart_1", "ocean_1"]);
    const ended = events.filter((e) => e.type === "rest_ended");
    expect(ended.map((e) => [e.kernel_id, e.cause, e.cycle])).toEqual([
      ["apollo_1", "cycle_ended", "sleep"],
      ["athena_1", "cycle_ended", "sleep"],
      ["heart_1", "cycle_ended", "sleep"],
      ["ocean_1", "cycle_ended", "sleep"],
    ]);
    for (const id of value) expect(rest.status(id)).toMatchObject({ status: "active", cycle: null });
    expect(rest.cycleKernels()).toEqual([]);
  });

  it("refuses a second cycle while one runs, changing nothing", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.startCycle("mushroom", 900);
    const before = JSON.stringify(rest.exportState());
    expect(() => rest.startCycle("sleep", 900)).toThrow(ConflictError);
    expect(JSON.stringify(rest.exportState())).toBe(before);
  });

  it("answers a rest request during the cycle with already resting", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.startCycle("sleep", 900);
    expect(rest.requestRest("apollo_1")).toMatchObject({ approved: false, reason_code: "already_resting" });
  });

  it("never adapts a threshold from a cycle rest", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.reportFatigue("apollo_1", 0.1, 2 * rest.config.kappaStar, 1, 0);
    rest.startCycle("sleep", 900);
    clock.advanceSeconds(900);
    rest.reportFatigue("apollo_1", 0.7, rest.config.kappaStar, 0, 0);
    const { events } = rest.endCycle();
    expect(events.some((e) => e.type === "threshold_adapted")).toBe(false);
    expect(rest.status("apollo_1").threshold_shift).toBe(0);
  });

  it("survives a save and restore mid-cycle", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena", "Heart"]);
    rest.startCycle("sleep", 900);
    const copy = makeScheduler();
    copy.clock.set(clock.now());
    copy.rest.loadState(JSON.parse(JSON.stringify(rest.exportState())));
    expect(copy.rest.cycleKernels()).toEqual(["apollo_1", "athena_1", "heart_1"]);
    expect(copy.rest.status(idOf("Heart"))).toMatchObject({ status: "reduced", cycle: "sleep" });
  });

  it("refuses a cycle length that is not a positive number of seconds", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo"]);
    expect(() => rest.startCycle("sleep", 0)).toThrow(/plannedSeconds/);
    expect(rest.status("apollo_1").status).toBe("active");
  });
});
