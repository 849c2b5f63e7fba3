import { describe, expect, it } from "vitest";
import { buildConfig, DEFAULT_CONFIG } from "../config.js";
import { ConfigError } from "../errors.js";

function refusal(layer: Parameters<typeof buildConfig>[0]): ConfigError {
  try {
    buildConfig(layer);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("config was accepted");
}

describe("cycles config", () => {
  it("defaults to SPEC's thresholds and cooldowns", () => {
    const c = buildConfig().cycles;
    expect(c).toEqual(DEFAULT_CONFIG.cycles);
    expect(c.sleepDriftAbove).toBe(3.0);
    expect(c.cooldownSeconds).toEqual({ sleep: 300, dream: 600, mushroom: 1800 });
  });

  it("refuses a SLEEP drift threshold above π, naming the key", () => {
    const err = refusal({ cycles: { sleepDriftAbove: 3.2 } });
    expect(err.key).toBe("cycles.sleepDriftAbove");
    expect(err.message).toContain("≤ π");
    expect(buildConfig({ cycles: { sleepDriftAbove: Math.PI } }).cycles.sleepDriftAbove).toBe(Math.PI);
  });

  it("refuses a recovered SLEEP fatigue above the level that starts one", () => {
    expect(refusal({ cycles: { sleepEndFatigueBelow: 0.9 } }).key).toBe("cycles.sleepEndFatigueBelow");
  });

  it("refuses a window too short for a slope, and unknown cycle types", () => {
    expect(refusal({ cycles: { windowSnapshots: 1 } }).key).toBe("cycles.windowSnapshots");
    expect(refusal({ cycles: { cooldownSeconds: { nap: 5 } as never } }).key).toBe("cycles.cooldownSeconds");
    expect(refusal({ cycles: { maxLengthSeconds: { dream: 0 } } }).key).toBe("cycles.maxLengthSeconds.dream");
  });
});
