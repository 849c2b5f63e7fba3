import { describe, expect, it } from "vitest";
import { buildConfig, DEFAULT_CONFIG } from "../config.js";
import { ConfigError } from "../errors.js";
import { distanceOutsideBand, phiBand } from "./healing-config.js";

/** The key a ConfigError names, or a failure naming what happened instead. */
function keyOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.key;
    throw error;
  }
  throw new Error("did not throw");
}

describe("healing config", () => {
  it("defaults to SPEC §5: a 300 s loop, apply at 0.7, test more at 0.5, keep at 0.6", () => {
    const h = buildConfig().healing;
    expect([h.loopIntervalSeconds, h.applyThreshold, h.testMoreThreshold, h.keepThreshold]).toEqual([
      300, 0.7, 0.5, 0.6,
    ]);
    expect(h.gates.phase1MinSnapshots).toBe(1000);
  });

  it("refuses a test-more threshold above the apply threshold, naming the key", () => {
    expect(keyOf(() => buildConfig({ healing: { testMoreThreshold: 0.8 } }))).toBe(
      "healing.testMoreThreshold",
    );
  });

  it("refuses a sandbox median band whose bottom is above its top", () => {
    expect(keyOf(() => buildConfig({ healing: { gates: { phase2SandboxFitnessMedianMin: 0.9 } } }))).toBe(
      "healing.gates.phase2SandboxFitnessMedianMin",
    );
  });

  it("refuses strategy params outside the bounds a kernel accepts", () => {
    expect(keyOf(() => buildConfig({ healing: { integrationBoostFactor: 1.6 } }))).toBe(
      "healing.integrationBoostFactor",
    );
    expect(keyOf(() => buildConfig({ healing: { decoherenceNoise: 0.25 } }))).toBe(
      "healing.decoherenceNoise",
    );
    expect(keyOf(() => buildConfig({ healing: { verificationCount: 0 } }))).toBe("healing.verificationCount");
  });
});

describe("phiBand", () => {
  it("is the monitor's critical average-Φ bounds, and Φ inside it is no distance away", () => {
    const band = phiBand(DEFAULT_CONFIG.health);
    expect(band).toEqual({ min: 0.65, max: 0.85 });
    expect(distanceOutsideBand(0.7, band)).toBe(0);
    expect(distanceOutsideBand(0.6, band)).toBeCloseTo(0.05, 12);
    expect(distanceOutsideBand(0.9, band)).toBeCloseTo(0.05, 12);
  });
});
