import { describe, expect, it } from "vitest";
import { idOf, makeScheduler, registerGods, setFatigue } from "../../../test/support/rest-fixture.js";

/** Registers the gods, sets one god's fatigue and returns its should-rest decision. */
function decisionAt(god: string, fatigue: number, others: string[] = []) {
  const { rest } = makeScheduler();
  registerGods(rest, [god, ...others]);
  const reached = setFatigue(rest, idOf(god), fatigue);
  return { decision: rest.shouldRest(idOf(god)), reached, rest };
}

describe("when a kernel should rest (SPEC §3 table, first matching rule)", () => {
  it("never (Hades): rests only in an emergency above 0.95", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Hades"]);
    clock.advanceSeconds(3600); // above 0.95 needs the time factor too
    setFatigue(rest, "hades_1", 0.94);
    expect(rest.shouldRest("hades_1").should_rest).toBe(false);
    setFatigue(rest, "hades_1", 0.96);
    expect(rest.shouldRest("hades_1")).toMatchObject({ should_rest: true, reason_code: "emergency_fatigue" });
  });

  it("never on the essential tier (Heart): starts reducing above 0.40", () => {
    expect(decisionAt("Heart", 0.39).decision.should_rest).toBe(false);
    expect(decisionAt("Heart", 0.41).decision).toMatchObject({
      should_rest: true,
      reason_code: "essential_reduce",
    });
  });

  it("minimal_rotating (Artemis): above 0.40", () => {
    expect(decisionAt("Artemis", 0.39).decision.should_rest).toBe(false);
    expect(decisionAt("Artemis", 0.41).decision).toMatchObject({
      should_rest: true,
      reason_code: "fatigue_threshold",
    });
  });

  it("minimal_rotating: after more than 600 s without rest, however fresh", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Artemis"]);
    clock.advanceSeconds(600);
    expect(rest.shouldRest("artemis_1").should_rest).toBe(false);
    clock.advanceSeconds(1);
    expect(rest.shouldRest("artemis_1")).toMatchObject({ should_rest: true, reason_code: "time_since_rest" });
  });

  it("minimal_rotating on the essential tier (Hermes): his policy's rule decides, not only his tier (an original defect)", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Hermes", "Artemis"]);
    clock.advanceSeconds(601);
    rest.reportFatigue("hermes_1", 0.8, rest.config.kappaStar);
    expect(rest.shouldRest("hermes_1")).toMatchObject({ should_rest: true, reason_code: "time_since_rest" });
    expect(rest.requestRest("hermes_1")).toMatchObject({
      approved: true,
      rest_type: "micro_pause",
      covering_partner: "artemis_1",
    });
  });

  it("coordinated_alternating (Apollo): above 0.45", () => {
    expect(decisionAt("Apollo", 0.44).decision.should_rest).toBe(false);
    expect(decisionAt("Apollo", 0.46).decision).toMatchObject({
      should_rest: true,
      reason_code: "fatigue_threshold",
    });
  });

  it("scheduled (Ares): above 0.50", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Ares"]);
    rest.reportFatigue("ares_1", 0.05, rest.config.kappaStar, 0.5);
    rest.reportFatigue("ares_1", 0.05, rest.config.kappaStar, 0.5);
    expect(rest.status("ares_1").fatigue_score).toBeLessThan(0.5);
    expect(rest.shouldRest("ares_1").should_rest).toBe(false);
    expect(decisionAt("Ares", 0.51).decision).toMatchObject({
      should_rest: true,
      reason_code: "fatigue_threshold",
    });
  });

  it("scheduled: post-burst recovery when load < 0.10 and fatigue > 0.35", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Ares"]);
    const k = rest.config.kappaStar;
    // Φ 0.0 with κ at κ* and no load: fatigue 0.35 exactly, not above.
    rest.reportFatigue("ares_1", 0, k, 0);
    rest.reportFatigue("ares_1", 0, k, 0);
    expect(rest.shouldRest("ares_1").should_rest).toBe(false);
    rest.reportFatigue("ares_1", 0, k * 1.2, 0.05);
    expect(rest.shouldRest("ares_1")).toMatchObject({ should_rest: true, reason_code: "post_burst" });
    // The same fatigue under load is not a recovery window.
    rest.reportFatigue("ares_1", 0, k * 1.2, 0.1);
    expect(rest.status("ares_1").fatigue_score).toBeLessThan(0.5);
    expect(rest.shouldRest("ares_1").should_rest).toBe(false);
  });

  it("seasonal (Persephone): above 0.65", () => {
    expect(decisionAt("Persephone", 0.64).decision.should_rest).toBe(false);
    expect(decisionAt("Persephone", 0.66).decision).toMatchObject({
      should_rest: true,
      reason_code: "fatigue_threshold",
    });
  });

  it("seasonal: when the active season has run duty_cycle × season length", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Persephone"]);
    clock.advanceSeconds(0.5 * 6 * 3600 - 1);
    expect(rest.shouldRest("persephone_1").should_rest).toBe(false);
    clock.advanceSeconds(1);
    const decision = rest.shouldRest("persephone_1");
    expect(decision).toMatchObject({ should_rest: true, reason_code: "season_ended" });
    expect(decision.reason).toContain("dream");
  });

  it("chaos kernels: above 0.70", () => {
    const { rest } = makeScheduler();
    rest.register("c1", "chaos_focus_1");
    setFatigue(rest, "c1", 0.69);
    expect(rest.shouldRest("c1").should_rest).toBe(false);
    setFatigue(rest, "c1", 0.71);
    expect(rest.shouldRest("c1")).toMatchObject({ should_rest: true, reason_code: "fatigue_threshold" });
  });

  it("says a resting kernel should not rest again", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Heart"]);
    rest.requestRest("heart_1");
    expect(rest.shouldRest("heart_1")).toMatchObject({ should_rest: false, reason_code: "already_resting" });
  });

  it("reads thresholds from config", () => {
    const { rest } = makeScheduler({ rest: { thresholds: { coordinatedAlternating: 0.2 } } });
    registerGods(rest, ["Apollo"]);
    setFatigue(rest, "apollo_1", 0.25);
    expect(rest.shouldRest("apollo_1").should_rest).toBe(true);
  });
});
