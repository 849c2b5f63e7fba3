import { describe, expect, it } from "vitest";
import {
  makeScheduler,
  registerGods,
  registerPantheon,
  setFatigue,
} from "../../../test/support/rest-fixture.js";
import type { RestEvent } from "./events.js";

describe("status", () => {
  it("reports a kernel with the original field names, and the WP5.4 additions beside them", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1");
    clock.advanceSeconds(30);
    expect(rest.status("apollo_1")).toEqual({
      kernel_id: "apollo_1",
      kernel_name: "Apollo",
      tier: "specialized",
      rest_policy: "coordinated_alternating",
      status: "resting",
      fatigue_score: 0,
      is_resting: true,
      covered_by: "athena_1",
      covered_also_by: null,
      covering_for: null,
      cover_share: 0,
      cycle: null,
      rest_threshold: 0.45,
      threshold_shift: 0,
      predicted_seconds_to_threshold: null,
      rest_count: 0,
      total_rest_time: 0,
      time_in_status: 30,
    });
  });

  it("moves time_in_status only with the injected clock", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo"]);
    expect(rest.status("apollo_1").time_in_status).toBe(0);
    clock.advanceSeconds(42);
    expect(rest.status("apollo_1").time_in_status).toBe(42);
  });

  it("counts every rest mode as resting and every essential kernel as active", () => {
    const { rest } = makeScheduler();
    registerPantheon(rest);
    setFatigue(rest, "apollo_1", 0.5);
    rest.requestRest("heart_1"); // reduced
    rest.requestRest("hermes_1"); // micro-pause, Artemis covers
    rest.requestRest("apollo_1"); // resting, Athena covers
    const status = rest.constellation();
    expect(status).toMatchObject({
      total_kernels: 16,
      resting_kernels: 3,
      active_kernels: 13,
      covering_kernels: 2,
      essential_active: 3,
      coverage_active: true,
    });
    expect(status.avg_fatigue).toBeCloseTo(rest.status("apollo_1").fatigue_score, 10); // only Apollo reported
  });

  it("lists partners in preference order with whether each can cover", () => {
    const { rest } = makeScheduler();
    registerPantheon(rest);
    rest.requestRest("athena_1");
    expect(rest.partners("apollo_1").map((p) => [p.kernel_name, p.status, p.can_cover])).toEqual([
      ["Athena", "resting", false],
      ["Hermes", "active", true],
      ["Artemis", "active", true],
      ["Dionysus", "active", true],
    ]);
  });
});

describe("events", () => {
  it("emits an event for every transition, to subscribers and in the result", () => {
    const { rest, clock } = makeScheduler();
    const seen: RestEvent[] = [];
    rest.subscribe((e) => seen.push(e));
    registerGods(rest, ["Zeus", "Hera"]);
    const granted = rest.requestRest("zeus_1");
    rest.requestRest("zeus_1");
    clock.advanceSeconds(0.3 * 3600);
    rest.tick();
    expect(seen.map((e) => e.type)).toEqual([
      "kernel_registered",
      "kernel_registered",
      "coverage_started",
      "rest_started",
      "rest_refused",
      "coverage_ended",
      "rest_ended",
    ]);
    expect(granted.events).toEqual(seen.slice(2, 4));
  });
});

describe("saved state", () => {
  it("restores kernel states, active rests and coverage", () => {
    const { rest, clock } = makeScheduler();
    registerPantheon(rest);
    rest.register("c1", "chaos_focus_1", "Artemis");
    rest.requestRest("apollo_1");
    rest.requestRest("c1");
    const saved = JSON.parse(JSON.stringify(rest.exportState()));
    const restored = makeScheduler();
    restored.clock.set(clock.now());
    restored.rest.loadState(saved);
    expect(restored.rest.kernelStatuses()).toEqual(rest.kernelStatuses());
    expect(restored.rest.constellation()).toEqual(rest.constellation());
    expect(() => restored.rest.register("apollo_2", "Apollo")).toThrow(/already live/);
    clock.advanceSeconds(3600);
    restored.clock.advanceSeconds(3600);
    expect(restored.rest.tick()).toEqual(rest.tick());
  });

  it("refuses a saved state that breaks an invariant", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1");
    const saved = rest.exportState();
    const athena = saved.kernels.find((k) => k.kernelId === "athena_1");
    if (athena) athena.coveringFor = null;
    expect(() => makeScheduler().rest.loadState(saved)).toThrow(/invariants/);
  });
});
