import { describe, expect, it } from "vitest";
import { by, patch, T0 } from "../../../test/support/healing-fixture.js";
import { buildConfig } from "../../core/config.js";
import { transition } from "../../core/healing/patch.js";
import { constellationHealth } from "../../core/health/reports.js";
import { compatStatus, historyEntries } from "./healing-replies.js";

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

describe("history", () => {
  it("lists moves newest first, also moves of one patch in the same millisecond", () => {
    // A sandbox run and its hold for review are often recorded in one ms.
    let held = transition(patch("patch_held"), "sandboxed", by(5, "fitness 0.6"));
    held = transition(held, "pending_review", by(5, "awaiting review"));
    const later = transition(patch("patch_later", { now: T0 + 7 }), "sandboxed", by(9, "run"));
    const moves = historyEntries([held, later], 10).map((h) => `${h.patch_id} ${h.to}`);
    expect(moves).toEqual([
      "patch_later sandboxed",
      "patch_later generated",
      "patch_held pending_review",
      "patch_held sandboxed",
      "patch_held generated",
    ]);
    expect(historyEntries([held, later], 2).map((h) => h.to)).toEqual(["sandboxed", "generated"]);
  });
});
