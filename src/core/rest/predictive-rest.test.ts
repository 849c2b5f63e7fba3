/**
 * Predictive rest (WP5.4 next step 4): the fatigue trend estimates the time until the policy
 * threshold, and rest is called for ahead of it when a partner is free.
 */
import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods, setFatigue } from "../../../test/support/rest-fixture.js";
import type { AutonomicConfig, DeepPartial } from "../config.js";
import type { RestScheduler } from "./scheduler.js";

/**
 * Reports Apollo's Φ falling 0.05 a minute and κ drifting off κ* (fatigue rising about 0.035
 * a minute, to 0.5 at Φ 0) until he should rest; returns that decision with its fatigue.
 */
function wearDown(rest: RestScheduler, clock: { advanceSeconds(s: number): void }) {
  for (let phi = 0.7; phi >= -1e-9; phi -= 0.05) {
    clock.advanceSeconds(60);
    const off = (2 * (0.7 - phi)) / 0.7;
    rest.reportFatigue("apollo_1", Math.max(0, phi), rest.config.kappaStar * (1 + off));
    const decision = rest.shouldRest("apollo_1");
    if (decision.should_rest) return { ...decision, fatigue: rest.fatigueScore("apollo_1") };
  }
  throw new Error("never called for rest");
}

function setUp(overrides: DeepPartial<AutonomicConfig> = {}) {
  const made = makeScheduler(overrides);
  registerGods(made.rest, ["Apollo", "Athena"]);
  return made;
}

describe("predictive rest", () => {
  it("calls for rest before the threshold when the trend reaches it within the horizon", () => {
    const { rest, clock } = setUp();
    const decision = wearDown(rest, clock);
    expect(decision.reason_code).toBe("predicted");
    expect(decision.fatigue).toBeLessThan(0.45);
    expect(decision.fatigue).toBeGreaterThanOrEqual(0.6 * 0.45);
    expect(decision.reason).toMatch(/^predicted: fatigue .* reaches 0.45 in \d+ s/);
    const eta = rest.status("apollo_1").predicted_seconds_to_threshold;
    expect(eta).toBeGreaterThan(0);
    expect(eta).toBeLessThanOrEqual(300);
  });

  it("grants the predicted rest with coverage, as a fatigued rest (no duty-cycle refusal)", () => {
    const { rest, clock } = setUp();
    wearDown(rest, clock);
    expect(rest.requestRest("apollo_1")).toMatchObject({ approved: true, covering_partner: "athena_1" });
    expect(rest.status("apollo_1").status).toBe("resting");
  });

  it("waits for the threshold when no partner is free", () => {
    const { rest, clock } = setUp();
    rest.reportFatigue("athena_1", 1, rest.config.kappaStar);
    rest.reportFatigue("athena_1", 0, 100 * rest.config.kappaStar, 1, 1); // Φ crashing: too tired to cover
    expect(rest.partners("apollo_1")[0]).toMatchObject({ kernel_id: "athena_1", can_cover: false });
    expect(wearDown(rest, clock)).toMatchObject({ reason_code: "fatigue_threshold" });
  });

  it("waits for the threshold when predictive rest is off", () => {
    const { rest, clock } = setUp({ rest: { predictive: { enabled: false } } });
    const decision = wearDown(rest, clock);
    expect(decision.reason_code).toBe("fatigue_threshold");
    expect(decision.fatigue).toBeGreaterThan(0.45);
  });

  it("sees no trend in too few reports, nor in a falling fatigue", () => {
    const { rest, clock } = setUp();
    rest.reportFatigue("apollo_1", 0.1, rest.config.kappaStar);
    clock.advanceSeconds(60);
    rest.reportFatigue("apollo_1", 0.05, rest.config.kappaStar);
    expect(rest.status("apollo_1").predicted_seconds_to_threshold).toBeNull(); // two reports: too few
    for (const phi of [0.2, 0.3, 0.4, 0.5]) {
      clock.advanceSeconds(60);
      rest.reportFatigue("apollo_1", phi, rest.config.kappaStar);
    }
    expect(rest.status("apollo_1").predicted_seconds_to_threshold).toBeNull();
    expect(rest.restTrigger("apollo_1")).toBe("none");
  });

  it("does not call for rest when the threshold is beyond the horizon", () => {
    const { rest, clock } = setUp();
    // Fatigue 0.3 rising only by the time factor (0.05 an hour): the threshold is hours away.
    for (let i = 0; i < 5; i++) {
      clock.advanceSeconds(60);
      rest.reportFatigue("apollo_1", 0.1, rest.config.kappaStar);
    }
    expect(rest.status("apollo_1").predicted_seconds_to_threshold).toBeGreaterThan(300);
    expect(rest.restTrigger("apollo_1")).toBe("none");
  });

  it("starts a new trend after each rest", () => {
    const { rest, clock } = setUp();
    wearDown(rest, clock);
    rest.requestRest("apollo_1");
    rest.endRest("apollo_1");
    expect(rest.savedKernel("apollo_1")).toMatchObject({ fatigueSlopePerSecond: 0, reportsSinceRest: 0 });
    expect(rest.status("apollo_1").predicted_seconds_to_threshold).toBeNull();
  });
});

describe("an adapted threshold decides rest", () => {
  it("calls for rest at fatigue under the policy's own threshold once it has moved down", () => {
    const { rest } = setUp({ rest: { predictive: { enabled: false } } });
    const saved = rest.exportState();
    const apollo = saved.kernels.find((k) => k.kernelId === "apollo_1");
    if (apollo) apollo.thresholdShift = -0.05;
    rest.loadState(saved);
    expect(setFatigue(rest, "apollo_1", 0.42)).toBeCloseTo(0.42, 6);
    expect(rest.shouldRest("apollo_1")).toMatchObject({
      should_rest: true,
      reason: "fatigue 0.42 > 0.4 (coordinated_alternating)",
    });
  });
});
