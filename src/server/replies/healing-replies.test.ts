import { describe, expect, it } from "vitest";
import { buildConfig } from "../../core/config.js";
import { constellationHealth } from "../../core/health/reports.js";
import { compatStatus } from "./healing-replies.js";

const status = (fitness: "targeted" | "original") =>
  compatStatus(
    { health: constellationHealth([]), baselineSet: false, phase: 2, running: true, attempts: 0 },
    buildConfig({ healing: { fitness } }),
  );

describe("status.evaluator", () => {
  it("reports the targeted formula's weights when it is in force, under the original's names and its own", () => {
    const { evaluator } = status("targeted");
    expect(evaluator.weights).toEqual({
      phi_change: 0,
      basin_drift: 0,
      regime_stability: 0.45,
      performance: 0.55,
    });
    expect(evaluator).toMatchObject({
      formula: "targeted",
      terms: { target: 0.55, sparing: 0.45 },
      harm_cap: 0.45,
      thresholds: { apply: 0.7, test_more: 0.5 },
    });
  });

  it("reports the original's 0.4 / 0.3 / 0.2 / 0.1 when healing.fitness is original", () => {
    const { evaluator } = status("original");
    expect(evaluator.weights).toEqual({
      phi_change: 0.4,
      basin_drift: 0.3,
      performance: 0.2,
      regime_stability: 0.1,
    });
    expect(evaluator).toMatchObject({ formula: "original", harm_cap: null });
    expect(Object.keys(evaluator.terms)).toEqual([
      "phi_improvement",
      "basin_correction",
      "error_reduction",
      "validity",
    ]);
  });
});
