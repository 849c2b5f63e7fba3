import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods, setFatigue } from "../../../test/support/rest-fixture.js";

describe("ending rest", () => {
  it("frees the partner, counts the rest and records Φ, κ and fatigue after it", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    setFatigue(rest, "apollo_1", 0.5);
    rest.requestRest("apollo_1");
    clock.advanceSeconds(120);
    rest.reportFatigue("apollo_1", 0.8, rest.config.kappaStar);
    const { value, events } = rest.endRest("apollo_1");
    expect(value).toMatchObject({ status: "active", covered_by: null, rest_count: 1, total_rest_time: 120 });
    expect(rest.status("athena_1").covering_for).toBeNull();
    const ended = events.find((e) => e.type === "rest_ended");
    expect(ended).toMatchObject({
      cause: "requested",
      phi_after: 0.8,
      kappa_after: rest.config.kappaStar,
      fatigue_after: 0,
    });
    expect(ended?.type === "rest_ended" && ended.fatigue_at_rest).toBeCloseTo(0.5, 5);
    expect(events.map((e) => e.type)).toEqual(["coverage_ended", "rest_ended"]);
  });

  it("refuses to end the rest of a kernel that is not resting", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo"]);
    expect(() => rest.endRest("apollo_1")).toThrow(/not resting/);
  });
});

describe("auto-wake", () => {
  it("wakes a kernel when its planned rest, (1 − duty_cycle) × period, has elapsed", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Zeus", "Hera"]);
    const planned = rest.requestRest("zeus_1").planned_until;
    expect(planned).toBe(clock.now() + 0.3 * 3600 * 1000);
    clock.advanceSeconds(0.3 * 3600 - 1);
    expect(rest.tick()).toEqual([]);
    clock.advanceSeconds(1);
    const events = rest.tick();
    expect(events.find((e) => e.type === "rest_ended")).toMatchObject({
      kernel_id: "zeus_1",
      cause: "planned_length_elapsed",
    });
    expect(rest.status("hera_1").covering_for).toBeNull();
  });

  it("plans rest_duration × period for a scheduled kernel", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Ares", "Athena"]);
    expect(rest.requestRest("ares_1").planned_until).toBe(clock.now() + 0.4 * 3600 * 1000);
  });

  it("wakes a kernel whose fatigue recovered below half its policy threshold", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    setFatigue(rest, "apollo_1", 0.5);
    rest.requestRest("apollo_1");
    clock.advanceSeconds(60);
    setFatigue(rest, "apollo_1", 0.23); // 0.45 / 2 = 0.225
    expect(rest.tick()).toEqual([]);
    setFatigue(rest, "apollo_1", 0.22);
    expect(rest.tick().find((e) => e.type === "rest_ended")).toMatchObject({ cause: "fatigue_recovered" });
  });

  it("lets a rest asked for while fresh run its planned length instead of waking at once", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1");
    clock.advanceSeconds(60);
    rest.tick();
    expect(rest.status("apollo_1").status).toBe("resting");
  });

  it("keeps micro-pauses within 10–60 s, longer for a more fatigued kernel", () => {
    const fresh = makeScheduler();
    registerGods(fresh.rest, ["Artemis", "Hermes"]);
    expect(fresh.rest.requestRest("artemis_1").planned_until).toBe(fresh.clock.now() + 10_000);

    const tired = makeScheduler();
    registerGods(tired.rest, ["Artemis", "Hermes"]);
    setFatigue(tired.rest, "artemis_1", 0.6);
    const until = tired.rest.requestRest("artemis_1").planned_until ?? 0;
    expect((until - tired.clock.now()) / 1000).toBeCloseTo(10 + 50 * 0.6, 4);
  });

  it("does not end a micro-pause on recovery before its 10 s minimum", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Artemis", "Hermes"]);
    setFatigue(rest, "artemis_1", 0.6);
    rest.requestRest("artemis_1");
    rest.reportFatigue("artemis_1", 0.9, rest.config.kappaStar);
    clock.advanceSeconds(9);
    expect(rest.tick()).toEqual([]);
    clock.advanceSeconds(1);
    expect(rest.tick().find((e) => e.type === "rest_ended")).toMatchObject({ cause: "fatigue_recovered" });
  });

  it("runs Persephone's seasons: awake for duty_cycle × season, asleep for the rest, then awake again", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Persephone", "Demeter"]);
    clock.advanceSeconds(3 * 3600);
    expect(rest.shouldRest("persephone_1").reason_code).toBe("season_ended");
    expect(rest.requestRest("persephone_1")).toMatchObject({ approved: true, covering_partner: "demeter_1" });
    clock.advanceSeconds(3 * 3600);
    expect(rest.tick().some((e) => e.type === "rest_ended")).toBe(true);
    expect(rest.shouldRest("persephone_1").should_rest).toBe(false);
    clock.advanceSeconds(3 * 3600);
    expect(rest.shouldRest("persephone_1").reason_code).toBe("season_ended");
  });
});

describe("duty cycle", () => {
  it("refuses a rest that would push uptime below the duty cycle when the kernel is not fatigued", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Zeus", "Hera"]);
    clock.advanceSeconds(3600);
    rest.requestRest("zeus_1");
    clock.advanceSeconds(600);
    rest.endRest("zeus_1");
    clock.advanceSeconds(60);
    const refused = rest.requestRest("zeus_1");
    expect(refused).toMatchObject({ approved: false, reason_code: "duty_cycle" });
    expect(refused.reason).toContain("duty cycle of 70 %");
    // The uptime shown must itself read as below 70 %, whatever rounding would have done.
    expect(Number(/leave ([\d.]+) % uptime/.exec(refused.reason)?.[1])).toBeLessThan(70);
  });

  it("grants that same rest when the kernel is fatigued", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Zeus", "Hera"]);
    clock.advanceSeconds(3600);
    rest.requestRest("zeus_1");
    clock.advanceSeconds(600);
    rest.endRest("zeus_1");
    clock.advanceSeconds(60);
    setFatigue(rest, "zeus_1", 0.5);
    expect(rest.requestRest("zeus_1").approved).toBe(true);
  });

  it("reports each kernel's measured uptime over the last period", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Zeus", "Hera"]);
    clock.advanceSeconds(3000);
    rest.requestRest("zeus_1");
    clock.advanceSeconds(600);
    rest.endRest("zeus_1");
    expect(rest.dutyCycle("zeus_1").target).toBe(0.7);
    expect(rest.dutyCycle("zeus_1").measured).toBeCloseTo(1 - 600 / 3600, 10);
    clock.advanceSeconds(3600);
    expect(rest.dutyCycle("zeus_1").measured).toBe(1);
  });
});
