/**
 * Rest quality and adaptive thresholds (WP5.4 next steps 2 and 3).
 */
import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods } from "../../../test/support/rest-fixture.js";
import type { AutonomicConfig, DeepPartial } from "../config.js";
import type { RestEvent } from "./events.js";
import { restRecovery } from "./rest-quality.js";

/** Apollo (threshold 0.45) covered by Athena; fatigue ≈ 0.6 at rest. */
function tiredApollo(overrides: DeepPartial<AutonomicConfig> = {}) {
  const made = makeScheduler(overrides);
  registerGods(made.rest, ["Apollo", "Athena"]);
  const rest = made.rest;
  const tire = () => rest.reportFatigue("apollo_1", 0.1, 2 * rest.config.kappaStar, 1, 0.5);
  const refresh = () => rest.reportFatigue("apollo_1", 0.7, rest.config.kappaStar, 0, 0);
  return { ...made, tire, refresh };
}

const ofType = <T extends RestEvent["type"]>(events: RestEvent[], type: T) =>
  events.filter((e): e is Extract<RestEvent, { type: T }> => e.type === type);

describe("rest quality", () => {
  it("works out recovery per minute and as a fraction of the fatigue at rest", () => {
    const r = restRecovery(0.6, 0.2, 300);
    expect(r.perMinute).toBeCloseTo(0.08, 12);
    expect(r.fraction).toBeCloseTo(2 / 3, 12);
    expect(restRecovery(0.3, 0.4, 60).perMinute).toBeCloseTo(-0.1, 12);
    expect(restRecovery(0, 0, 0)).toEqual({ perMinute: 0, fraction: 0 });
  });

  it("records Φ, κ and fatigue before and after each rest, with recovery per minute", () => {
    const { rest, clock, tire, refresh } = tiredApollo();
    tire();
    const before = rest.fatigueScore("apollo_1");
    rest.requestRest("apollo_1");
    clock.advanceSeconds(120);
    refresh();
    const ended = ofType(rest.endRest("apollo_1").events, "rest_ended")[0];
    expect(ended).toMatchObject({
      phi_at_rest: 0.1,
      kappa_at_rest: 2 * rest.config.kappaStar,
      phi_after: 0.7,
    });
    expect(ended?.fatigue_at_rest).toBe(before);
    expect(ended?.recovery_per_minute).toBeCloseTo((before - (ended?.fatigue_after ?? 0)) / 2, 12);
    expect(ended?.recovery_fraction).toBeCloseTo(1 - (ended?.fatigue_after ?? 0) / before, 12);
  });
});

describe("adaptive thresholds", () => {
  it("raise a kernel's threshold a step after a rest that restored it well", () => {
    const { rest, clock, tire, refresh } = tiredApollo();
    tire();
    rest.requestRest("apollo_1");
    clock.advanceSeconds(60);
    refresh();
    const adapted = ofType(rest.tick(), "threshold_adapted");
    expect(adapted).toEqual([
      expect.objectContaining({
        kernel_id: "apollo_1",
        from_shift: 0,
        to_shift: 0.02,
        threshold: expect.closeTo(0.47, 12),
      }),
    ]);
    expect(rest.status("apollo_1")).toMatchObject({
      rest_threshold: expect.closeTo(0.47, 12),
      threshold_shift: 0.02,
    });
  });

  it("lower it a step after a rest that ran its length and restored little", () => {
    const { rest, clock, tire } = tiredApollo();
    tire();
    const result = rest.requestRest("apollo_1");
    clock.set(result.planned_until ?? 0);
    rest.reportFatigue("apollo_1", 0.15, 2 * rest.config.kappaStar, 1, 0.5); // still tired
    const events = rest.tick();
    expect(ofType(events, "rest_ended")[0]?.cause).toBe("planned_length_elapsed");
    expect(ofType(events, "threshold_adapted")[0]).toMatchObject({
      to_shift: -0.02,
      threshold: expect.closeTo(0.43, 12),
    });
    expect(rest.status("apollo_1").rest_threshold).toBeCloseTo(0.43, 12);
  });

  it("stay within ±maxShift however many rests push them", () => {
    const { rest, clock, tire } = tiredApollo({ rest: { adaptiveThresholds: { maxShift: 0.05 } } });
    for (let i = 0; i < 6; i++) {
      tire();
      const result = rest.requestRest("apollo_1", { force: true });
      clock.set(result.planned_until ?? 0);
      rest.reportFatigue("apollo_1", 0.15, 2 * rest.config.kappaStar, 1, 0.5);
      rest.tick();
      clock.advanceSeconds(3600);
    }
    // Forced rests teach nothing: the shift stayed put.
    expect(rest.status("apollo_1").threshold_shift).toBe(0);
    for (let i = 0; i < 6; i++) {
      tire();
      const result = rest.requestRest("apollo_1");
      expect(result.approved).toBe(true);
      clock.set(result.planned_until ?? 0);
      rest.reportFatigue("apollo_1", 0.15, 2 * rest.config.kappaStar, 1, 0.5);
      rest.tick();
      clock.advanceSeconds(3600);
    }
    // −0.02, −0.04, then held at the −0.05 bound.
    expect(rest.status("apollo_1").threshold_shift).toBe(-0.05);
  });

  it("learn nothing from a rest ended on request", () => {
    const { rest, clock, tire, refresh } = tiredApollo();
    tire();
    rest.requestRest("apollo_1");
    clock.advanceSeconds(60);
    refresh();
    expect(ofType(rest.endRest("apollo_1").events, "threshold_adapted")).toEqual([]);
  });

  it("stay fixed when adaptation is off", () => {
    const { rest, clock, tire, refresh } = tiredApollo({ rest: { adaptiveThresholds: { enabled: false } } });
    tire();
    rest.requestRest("apollo_1");
    clock.advanceSeconds(60);
    refresh();
    expect(ofType(rest.tick(), "threshold_adapted")).toEqual([]);
    expect(rest.status("apollo_1").rest_threshold).toBe(0.45);
  });

  it("never move the never policy's emergency level", () => {
    const { rest, clock } = makeScheduler();
    registerGods(rest, ["Hades"]);
    rest.reportFatigue("hades_1", 0, 100 * rest.config.kappaStar, 1, 1);
    rest.reportFatigue("hades_1", 0, 100 * rest.config.kappaStar, 1, 1);
    rest.requestRest("hades_1");
    clock.advanceSeconds(60);
    rest.reportFatigue("hades_1", 0.7, rest.config.kappaStar, 0, 0);
    expect(ofType(rest.tick(), "threshold_adapted")).toEqual([]);
    expect(rest.status("hades_1").rest_threshold).toBe(0.95);
  });
});

describe("adaptive thresholds and unmeasured rests", () => {
  it("learn nothing from a rest no report arrived in", () => {
    const { rest, clock, tire } = tiredApollo();
    tire();
    const result = rest.requestRest("apollo_1");
    clock.set(result.planned_until ?? 0);
    const events = rest.tick();
    expect(ofType(events, "rest_ended")[0]?.cause).toBe("planned_length_elapsed");
    expect(ofType(events, "threshold_adapted")).toEqual([]);
  });
});
