import { describe, expect, it } from "vitest";
import { buildConfig, DEFAULT_CONFIG } from "../config.js";
import { ConfigError } from "../errors.js";
import { driftThresholds, healthThresholds, REGIMES, regimeCode } from "./thresholds.js";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("health config", () => {
  it("ships the SPEC §4 thresholds", () => {
    const h = DEFAULT_CONFIG.health;
    expect([
      h.phiAvgLowCritical,
      h.phiLowWarning,
      h.phiAvgHighCritical,
      h.phiSlopeWarningPerSnapshot,
    ]).toEqual([0.65, 0.715, 0.85, -0.05]);
    expect([h.driftWarning, h.driftCritical, h.kappaDeviationWarning, h.breakdownMaxOfWindow]).toEqual([
      1.4, 2, 10, 3,
    ]);
    expect(buildConfig().health).toEqual(h);
  });

  it("refuses a drift threshold above π, naming the key", () => {
    expect(configError(() => buildConfig({ health: { driftCritical: 3.2 } })).key).toBe(
      "health.driftCritical",
    );
    expect(configError(() => buildConfig({ health: { driftWarning: 3.15 } })).key).toBe(
      "health.driftWarning",
    );
    expect(buildConfig({ health: { driftCritical: Math.PI } }).health.driftCritical).toBe(Math.PI);
  });

  it("refuses a threshold whose halved value passes π/2 in half mode", () => {
    const err = configError(() =>
      buildConfig({ geometry: { distance: "half" }, health: { driftCritical: 3.3 } }),
    );
    expect(err.key).toBe("health.driftCritical");
    expect(err.message).toContain("π/2");
  });

  it("refuses a warning drift above the critical one, and falling regime bounds", () => {
    expect(configError(() => buildConfig({ health: { driftWarning: 2.5 } })).key).toBe("health.driftWarning");
    const bounds = { linearBelowPhi: 0.5, geometricBelowPhi: 0.4, hierarchicalBelowPhi: 0.85 };
    expect(configError(() => buildConfig({ health: { regimeBounds: bounds } })).key).toBe(
      "health.regimeBounds",
    );
  });

  it("refuses a ring smaller than its window, and unknown keys", () => {
    expect(configError(() => buildConfig({ health: { ringCapacitySnapshots: 5 } })).key).toBe(
      "health.ringCapacitySnapshots",
    );
    expect(configError(() => buildConfig({ health: { phiMin: 0.6 } as never })).key).toBe("health");
  });
});

describe("health thresholds", () => {
  it("halves every drift threshold in half mode", () => {
    expect(driftThresholds(DEFAULT_CONFIG.health, "half")).toEqual({
      units: "half",
      warning: 0.7,
      critical: 1,
      referenceFloor: 0.05,
    });
    const half = healthThresholds(buildConfig({ geometry: { distance: "half" } }));
    expect(half.drift.critical).toBe(1);
    expect(healthThresholds(DEFAULT_CONFIG).drift.critical).toBe(2);
  });

  it("takes κ* from rest.kappaStar, the one optimum", () => {
    expect(healthThresholds(buildConfig({ rest: { kappaStar: 50 } })).kappaStar).toBe(50);
  });

  it("puts Φ in its regime at the SPEC bounds", () => {
    const names = [0, 0.2999, 0.3, 0.6999, 0.7, 0.8499, 0.85, 1].map(
      (phi) => REGIMES[regimeCode(phi, DEFAULT_CONFIG.health)],
    );
    expect(names).toEqual([
      "linear",
      "linear",
      "geometric",
      "geometric",
      "hierarchical",
      "hierarchical",
      "breakdown",
      "breakdown",
    ]);
  });
});
