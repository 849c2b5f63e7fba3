import { describe, expect, it } from "vitest";
import { makeScheduler, setFatigue } from "../../../test/support/rest-fixture.js";
import { DEFAULT_CONFIG } from "../config.js";
import { InvalidInputError, UnknownKernelError } from "../errors.js";
import { computeFatigue, kappaStability } from "./fatigue.js";
import type { RestScheduler } from "./scheduler.js";

const cfg = DEFAULT_CONFIG.rest;

describe("fatigue formula", () => {
  it("weights Φ, trend, κ stability, load, time and errors as WP5.4 does", () => {
    // phi 0.35 → factor 0.5; trend −0.1 → 0.1; κ = 2κ* → stability 0.5 → factor 0.5;
    // load 0.4; 1800 s → 0.5; errors 0.2
    const f = computeFatigue(cfg, 0.35, -0.1, 2 * cfg.kappaStar, 0.4, 1800, 0.2);
    expect(f).toBeCloseTo(0.35 * 0.5 + 0.25 * 0.1 + 0.2 * 0.5 + 0.1 * 0.4 + 0.05 * 0.5 + 0.05 * 0.2, 12);
  });

  it("is zero for a healthy, idle, just-rested kernel at κ*", () => {
    expect(computeFatigue(cfg, 0.8, 0.05, cfg.kappaStar, 0, 0, 0)).toBe(0);
  });

  it("clips to 1 when every factor is at its worst", () => {
    expect(computeFatigue(cfg, 0, -4, 1e9, 1, 1e9, 1)).toBe(1);
  });

  it("treats κ stability as 1 at κ* and lower on either side", () => {
    expect(kappaStability(cfg.kappaStar, cfg.kappaStar)).toBe(1);
    expect(kappaStability(cfg.kappaStar + 10, cfg.kappaStar)).toBeCloseTo(
      kappaStability(cfg.kappaStar - 10, cfg.kappaStar),
      12,
    );
    expect(kappaStability(0, cfg.kappaStar)).toBe(0.5);
  });

  it("saturates the time factor after an hour", () => {
    const hour = computeFatigue(cfg, 0.7, 0, cfg.kappaStar, 0, 3600, 0);
    expect(hour).toBeCloseTo(0.05, 12);
    expect(computeFatigue(cfg, 0.7, 0, cfg.kappaStar, 0, 7200, 0)).toBe(hour);
  });
});

/** Reports telemetry for Apollo and returns his new fatigue score. */
function report(rest: RestScheduler, phi: number, kappa: number): number {
  rest.reportFatigue("apollo_1", phi, kappa);
  return rest.fatigueScore("apollo_1");
}

describe("fatigue reports", () => {
  it("counts time since registration for a kernel that never rested (the original counted 0 forever)", () => {
    const { rest, clock } = makeScheduler();
    rest.register("apollo_1", "Apollo");
    clock.advanceSeconds(1800);
    expect(report(rest, 0.7, cfg.kappaStar)).toBeCloseTo(0.05 * 0.5, 12);
  });

  it("counts time from the end of the last rest once the kernel has rested", () => {
    const { rest, clock } = makeScheduler();
    rest.register("apollo_1", "Apollo");
    rest.register("athena_1", "Athena");
    clock.advanceSeconds(3600);
    rest.requestRest("apollo_1");
    clock.advanceSeconds(60);
    rest.endRest("apollo_1");
    clock.advanceSeconds(360);
    expect(report(rest, 0.7, cfg.kappaStar)).toBeCloseTo(0.05 * 0.1, 12);
  });

  it("takes the Φ trend from the previous report, and none on the first", () => {
    const { rest } = makeScheduler();
    rest.register("apollo_1", "Apollo");
    expect(report(rest, 0.9, cfg.kappaStar)).toBe(0);
    expect(report(rest, 0.7, cfg.kappaStar)).toBeCloseTo(0.25 * 0.2, 12);
  });

  it.each([
    ["phi", [1.2, 64, 0, 0]],
    ["phi", [Number.NaN, 64, 0, 0]],
    ["kappa", [0.5, Number.POSITIVE_INFINITY, 0, 0]],
    ["kappa", [0.5, -1, 0, 0]],
    ["load", [0.5, 64, 2, 0]],
    ["error_rate", [0.5, 64, 0, -0.1]],
  ] as const)("rejects a bad %s naming the field and keeps the last good values", (field, args) => {
    const { rest } = makeScheduler();
    rest.register("apollo_1", "Apollo");
    const before = setFatigue(rest, "apollo_1", 0.3);
    const error = (() => {
      try {
        rest.reportFatigue("apollo_1", args[0], args[1], args[2], args[3]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect(rest.status("apollo_1").fatigue_score).toBe(before);
  });

  it("refuses telemetry from an unregistered kernel", () => {
    const { rest } = makeScheduler();
    expect(() => rest.reportFatigue("ghost", 0.5, 64)).toThrow(UnknownKernelError);
  });
});
