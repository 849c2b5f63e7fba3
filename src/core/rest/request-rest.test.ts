import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods, setFatigue } from "../../../test/support/rest-fixture.js";
import { InvalidInputError } from "../errors.js";

describe("requesting rest", () => {
  it("refuses a kernel that is already resting", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena"]);
    rest.requestRest("apollo_1");
    expect(rest.requestRest("apollo_1")).toMatchObject({
      approved: false,
      reason: "Already resting",
      reason_code: "already_resting",
    });
  });

  it("puts an essential kernel into REDUCED activity with no partner needed", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Heart"]);
    const result = rest.requestRest("heart_1");
    expect(result).toMatchObject({
      approved: true,
      rest_type: "reduced",
      reason_code: "reduced",
      covering_partner: null,
    });
    expect(rest.status("heart_1")).toMatchObject({ status: "reduced", is_resting: true, covered_by: null });
  });

  it("gives Hermes a micro-pause when a partner can cover, and REDUCED when none can", () => {
    const covered = makeScheduler();
    registerGods(covered.rest, ["Hermes", "Artemis"]);
    expect(covered.rest.requestRest("hermes_1")).toMatchObject({
      rest_type: "micro_pause",
      covering_partner: "artemis_1",
    });

    const alone = makeScheduler();
    registerGods(alone.rest, ["Hermes"]);
    expect(alone.rest.requestRest("hermes_1")).toMatchObject({
      approved: true,
      rest_type: "reduced",
      covering_partner: null,
    });
  });

  it("refuses to force an essential kernel: it would break the never-fully-stop rule", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Ocean"]);
    const before = rest.status("ocean_1");
    let error: unknown;
    try {
      rest.requestRest("ocean_1", { force: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("force");
    expect(rest.status("ocean_1")).toEqual(before);
  });

  it("asks the designated partner first, whatever order kernels registered in (the original took registration order)", () => {
    const { rest } = makeScheduler();
    // Apollo's affinity is [Athena, Hermes, Artemis, Dionysus]; his partner is Athena.
    registerGods(rest, ["Dionysus", "Artemis", "Hermes", "Athena", "Apollo"]);
    expect(rest.requestRest("apollo_1")).toMatchObject({
      approved: true,
      covering_partner: "athena_1",
      rest_type: "resting",
    });
    expect(rest.status("athena_1").covering_for).toBe("apollo_1");
    expect(rest.status("apollo_1").covered_by).toBe("athena_1");
  });

  it("falls back to coupling affinity in order when the designated partner cannot cover", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Athena", "Artemis", "Hermes"]);
    setFatigue(rest, "athena_1", 0.72);
    expect(rest.requestRest("apollo_1").covering_partner).toBe("hermes_1");
  });

  it("counts only registered kernels as partners", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Apollo", "Dionysus"]);
    expect(rest.partners("apollo_1").map((p) => p.kernel_name)).toEqual(["Dionysus"]);
    expect(rest.requestRest("apollo_1").covering_partner).toBe("dionysus_1");
  });

  it("lets a partner at fatigue 0.70 cover but not one above it", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Zeus", "Hera"]);
    setFatigue(rest, "hera_1", 0.7001);
    expect(rest.partners("zeus_1")[0]).toMatchObject({ kernel_name: "Hera", can_cover: false });
    expect(rest.requestRest("zeus_1")).toMatchObject({ approved: false, reason_code: "no_coverage" });
    rest.reportFatigue("hera_1", 0.7 * (1 - 0.7 / 0.35 / 2), rest.config.kappaStar);
    rest.reportFatigue("hera_1", 0.35, rest.config.kappaStar); // fatigue 0.175, trend −
    expect(rest.status("hera_1").fatigue_score).toBeLessThanOrEqual(0.7);
    expect(rest.requestRest("zeus_1")).toMatchObject({ approved: true, covering_partner: "hera_1" });
  });

  it("refuses rest when the only partner is covering someone else", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Ares", "Athena", "Zeus"]);
    // Ares takes Athena; Zeus's partners (Athena, Hera, Apollo, Hermes): only Athena is live.
    expect(rest.requestRest("ares_1").covering_partner).toBe("athena_1");
    expect(rest.requestRest("zeus_1")).toMatchObject({
      approved: false,
      reason: "No coverage available - consider constellation cycle",
      reason_code: "no_coverage",
      covering_partner: null,
    });
    expect(rest.status("zeus_1").status).toBe("active");
  });

  it("rests a forced kernel without coverage and flags it forced", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Zeus"]);
    const result = rest.requestRest("zeus_1", { force: true });
    expect(result).toMatchObject({
      approved: true,
      reason_code: "forced_uncovered",
      rest_type: "resting",
      covering_partner: null,
    });
    const started = result.events.find((e) => e.type === "rest_started");
    expect(started).toMatchObject({ forced: true, covered_by: null });
  });

  it("hands a covering kernel's charge to another partner before it rests", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Ares", "Athena", "Apollo", "Artemis"]);
    expect(rest.requestRest("ares_1").covering_partner).toBe("athena_1");
    const result = rest.requestRest("athena_1");
    expect(result).toMatchObject({ approved: true, covering_partner: "apollo_1" });
    // Ares's next partner after Athena that can cover is Artemis.
    expect(rest.status("ares_1").covered_by).toBe("artemis_1");
    expect(rest.status("artemis_1").covering_for).toBe("ares_1");
    expect(rest.status("athena_1").covering_for).toBeNull();
    expect(result.events.map((e) => e.type)).toEqual([
      "coverage_ended",
      "coverage_started",
      "coverage_started",
      "rest_started",
    ]);
    expect(result.events[1]).toMatchObject({
      kernel_id: "artemis_1",
      covering_for: "ares_1",
      handoff_from: "athena_1",
    });
  });

  it("refuses a covering kernel that nobody can relieve, even when forced", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Ares", "Athena", "Apollo"]);
    rest.requestRest("ares_1");
    for (const force of [false, true]) {
      expect(rest.requestRest("athena_1", { force })).toMatchObject({
        approved: false,
        reason_code: "covering_no_handoff",
      });
    }
    expect(rest.status("ares_1").covered_by).toBe("athena_1");
    expect(rest.status("athena_1").status).toBe("active");
  });

  it("never lets both of a coordinated pair rest unless forced", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Zeus", "Hera", "Athena", "Demeter"]);
    setFatigue(rest, "hera_1", 0.75); // too tired to cover Zeus, so Athena does
    expect(rest.requestRest("zeus_1").covering_partner).toBe("athena_1");
    expect(rest.requestRest("hera_1")).toMatchObject({ approved: false, reason_code: "partner_resting" });
    expect(rest.requestRest("hera_1", { force: true })).toMatchObject({
      approved: true,
      covering_partner: "demeter_1",
    });
  });

  it("has a chaos kernel covered by its mentor", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Artemis"]);
    rest.register("c1", "chaos_focus_1", "Artemis");
    expect(rest.requestRest("c1")).toMatchObject({ approved: true, covering_partner: "artemis_1" });
  });

  it("refuses a chaos kernel without a mentor unless forced: nobody is bound to cover it", () => {
    const { rest } = makeScheduler();
    registerGods(rest, ["Artemis"]);
    rest.register("c1", "chaos_focus_1");
    expect(rest.requestRest("c1").reason_code).toBe("no_coverage");
  });

  it("records the rest type actually taken (the original recorded 'active')", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Hermes", "Artemis", "Heart"]);
    rest.requestRest("hermes_1");
    rest.requestRest("heart_1");
    clock.advanceSeconds(5);
    const hermes = rest.endRest("hermes_1").events.find((e) => e.type === "rest_ended");
    const heart = rest.endRest("heart_1").events.find((e) => e.type === "rest_ended");
    expect(hermes).toMatchObject({ rest_type: "micro_pause", duration_seconds: 5 });
    expect(heart).toMatchObject({ rest_type: "reduced" });
  });
});
