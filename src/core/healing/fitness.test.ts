import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import {
  afterFromPredicted,
  computeFitness,
  type FitnessComponents,
  type FitnessContext,
  type FitnessMetrics,
  fitnessThresholds,
  recommend,
} from "./fitness.js";
import { ORIGINAL_WEIGHTS, type OriginalComponents, originalScore } from "./fitness-original.js";
import { phiBand } from "./healing-config.js";

const BAND = phiBand(DEFAULT_CONFIG.health); // [0.65, 0.85]
const THRESHOLDS = DEFAULT_CONFIG.healing;
const ORIGINAL: FitnessContext = {
  formula: "original",
  thresholds: fitnessThresholds(DEFAULT_CONFIG.health, BAND),
};
const TARGETED: FitnessContext = { ...ORIGINAL, formula: "targeted" };

/** Latency, memory and its slope healthy and unchanged: the original never reads them. */
const metrics = (
  phi: number | null,
  basin_drift: number | null,
  error_rate: number | null,
): FitnessMetrics => ({
  phi,
  basin_drift,
  error_rate,
  avg_latency_ms: 200,
  memory_mb: 300,
  memory_mb_slope: 0,
});

const combineFitness = (c: OriginalComponents) => Number(originalScore(c).toFixed(12));

describe("computeFitness with the original formula", () => {
  // Components worked by hand from SPEC §5, then 0.4·Φ + 0.3·basin + 0.2·error + 0.1·validity.
  it.each<[string, FitnessMetrics, FitnessMetrics | null, boolean, FitnessComponents, number]>([
    [
      "an accepted action that changes nothing scores 0.55",
      metrics(0.75, 1, 0.02),
      metrics(0.75, 1, 0.02),
      true,
      { phi_improvement: 0.5, basin_correction: 0.5, error_reduction: 0.5, validity: 1 },
      0.55,
    ],
    [
      // ΔΦ = 0.1 − 0 → 0.75; basin 0.5 + 0.5·0.4/0.8 = 0.75; error 0.5 + 0.5·0.03/0.04 = 0.875
      "a boost that brings Φ into the band, halves the drift and cuts errors scores 0.8",
      metrics(0.55, 0.8, 0.04),
      metrics(0.7, 0.4, 0.01),
      true,
      { phi_improvement: 0.75, basin_correction: 0.75, error_reduction: 0.875, validity: 1 },
      0.8,
    ],
    [
      // ΔΦ = 0.1 (0.95 is 0.1 above 0.85; 0.8 is inside) → 0.75; no drift → 0.5; no error rate → 0.5
      "decoherence that lowers an overloaded Φ into the band scores well on Φ",
      metrics(0.95, 0, null),
      metrics(0.8, 0, null),
      true,
      { phi_improvement: 0.75, basin_correction: 0.5, error_reduction: 0.5, validity: 1 },
      0.65,
    ],
    [
      "a refused action with no prediction scores 0.45",
      metrics(0.6, 1.5, 0.1),
      null,
      false,
      { phi_improvement: 0.5, basin_correction: 0.5, error_reduction: 0.5, validity: 0 },
      0.45,
    ],
    [
      // ΔΦ = 0 − 0.15 → 0.125; basin 0.5 + 0.5·(−0.5)/1 = 0.25; error 0.5 + 0.5·(−0.01)/max(0.002, 0.01) = 0
      "an action that pushes Φ out of the band, drifts further and raises errors scores 0.225",
      metrics(0.7, 1, 0.002),
      metrics(0.5, 1.5, 0.012),
      true,
      { phi_improvement: 0.125, basin_correction: 0.25, error_reduction: 0, validity: 1 },
      0.225,
    ],
    [
      // ΔΦ = 0.35 → 0.5 + 0.875 clamps to 1; basin to 0 → 1; errors to 0 → 1
      "a full cure clamps every component at 1",
      metrics(0.3, 2, 0.5),
      metrics(0.75, 0, 0),
      true,
      { phi_improvement: 1, basin_correction: 1, error_reduction: 1, validity: 1 },
      1,
    ],
    [
      // 0.05 below the band to 0.05 above it: no closer, ΔΦ = 0
      "overshooting the band by as much as Φ was below it is no improvement",
      metrics(0.6, null, null),
      metrics(0.9, null, null),
      true,
      { phi_improvement: 0.5, basin_correction: 0.5, error_reduction: 0.5, validity: 1 },
      0.55,
    ],
  ])("%s", (_, before, after, accepted, components, fitness) => {
    const result = computeFitness({ target: "phi", before, after, accepted }, ORIGINAL);
    expect(result.formula).toBe("original");
    expect(result.weights).toEqual(ORIGINAL_WEIGHTS);
    for (const [key, value] of Object.entries(components))
      expect(result.components[key as keyof FitnessComponents]).toBeCloseTo(value, 12);
    expect(result.fitness).toBeCloseTo(fitness, 12);
  });

  it("takes a missing 'after' value as unchanged, scores it 0.5 and says so", () => {
    const result = computeFitness(
      { target: "phi", before: metrics(0.6, 1, 0.02), after: { phi: 0.7 }, accepted: true },
      ORIGINAL,
    );
    expect(result.components.basin_correction).toBe(0.5);
    expect(result.components.error_reduction).toBe(0.5);
    expect(result.inputs.after.basin_drift).toBe(1);
    expect(result.inputs.after.error_rate).toBe(0.02);
    expect(result.inputs.assumed_unchanged).toEqual([
      "basin_drift",
      "error_rate",
      "avg_latency_ms",
      "memory_mb",
      "memory_mb_slope",
    ]);
    // 0.4·0.625 + 0.3·0.5 + 0.2·0.5 + 0.1
    expect(result.fitness).toBe(0.6);
  });

  it("lands exactly on a threshold when the formula does, despite floating point", () => {
    expect(combineFitness({ phi_improvement: 1, basin_correction: 1, error_reduction: 0, validity: 0 })).toBe(
      0.7,
    );
    expect(recommend(0.4 + 0.3, THRESHOLDS)).toBe("apply");
  });

  it("builds the 'after' side from a prediction, leaving unreported metrics unknown", () => {
    expect(
      afterFromPredicted(
        { phi: 0.74, kappa_eff: 64, error_rate: 0.01, avg_latency: 200, memory_mb: 300, memory_mb_slope: 0 },
        0.3,
      ),
    ).toEqual(metrics(0.74, 0.3, 0.01));
    expect(afterFromPredicted(undefined, null)).toEqual({
      phi: null,
      basin_drift: null,
      error_rate: null,
      avg_latency_ms: null,
      memory_mb: null,
      memory_mb_slope: null,
    });
  });

  it("scores a cache that only fixes latency 0.55, which is why it was replaced", () => {
    const before = { ...metrics(0.75, 0.3, 0.005), avg_latency_ms: 3500 };
    const after = { ...before, avg_latency_ms: 190 };
    const accepted = true;
    expect(computeFitness({ target: "avg_latency_ms", before, after, accepted }, ORIGINAL).fitness).toBe(
      0.55,
    );
    expect(computeFitness({ target: "avg_latency_ms", before, after, accepted }, TARGETED).fitness).toBe(1);
  });
});

describe("computeFitness with the targeted formula", () => {
  // Worked by hand: validity × min(harm_cap, 0.55·target + 0.45·sparing).
  it.each<[string, FitnessMetrics, Partial<FitnessMetrics>, FitnessComponents, number]>([
    [
      // (3500 − 2750) / (3500 − 2000) = 0.5 → 0.275 + 0.45
      "halves a latency's excess over its threshold: 0.725",
      { ...metrics(0.75, 0.3, 0.005), avg_latency_ms: 3500 },
      { avg_latency_ms: 2750 },
      { target: 0.5, sparing: 1, validity: 1, harm_cap: 1 },
      0.725,
    ],
    [
      // target 1; memory 300 → 500 is 0.2 of the 1000 MB threshold → sparing 0.8 → 0.55 + 0.36
      "cures latency but costs 200 MB of memory: 0.91",
      { ...metrics(0.75, 0.3, 0.005), avg_latency_ms: 3500 },
      { avg_latency_ms: 200, memory_mb: 500 },
      { target: 1, sparing: 0.8, validity: 1, harm_cap: 1 },
      0.91,
    ],
    [
      // errors 0.005 → 0.06 cross the 0.05 threshold: capped at 0.45
      "cures latency but pushes the error rate past its threshold: capped at 0.45",
      { ...metrics(0.75, 0.3, 0.005), avg_latency_ms: 3500 },
      { avg_latency_ms: 200, error_rate: 0.06 },
      { target: 1, sparing: 0, validity: 1, harm_cap: 0.45 },
      0.45,
    ],
    [
      // Φ 0.55 is 0.1 below the band; 0.7 is inside
      "brings Φ back into the band: 1",
      metrics(0.55, 0.3, 0.005),
      { phi: 0.7 },
      { target: 1, sparing: 1, validity: 1, harm_cap: 1 },
      1,
    ],
  ])("%s", (_, before, after, components, fitness) => {
    const target = after.avg_latency_ms !== undefined ? "avg_latency_ms" : "phi";
    const result = computeFitness({ target, before, after, accepted: true }, TARGETED);
    expect(result.components).toEqual(components);
    expect(result.fitness).toBeCloseTo(fitness, 12);
  });

  it("stores each dimension's numbers: the target's progress, the others' harm", () => {
    const before = { ...metrics(0.75, 0.3, 0.005), memory_mb_slope: 25 };
    const result = computeFitness(
      { target: "memory_mb_slope", before, after: { memory_mb_slope: 0, memory_mb: 290 }, accepted: true },
      TARGETED,
    );
    const slope = result.inputs.dimensions?.find((d) => d.dimension === "memory_mb_slope");
    expect(slope).toMatchObject({ before: 25, after: 0, excess_before: 15, excess_after: -10, score: 1 });
    expect(result.inputs.assumed_unchanged).toEqual(["phi", "basin_drift", "error_rate", "avg_latency_ms"]);
    expect(result.weights).toEqual({ target: 0.55, sparing: 0.45 });
    expect(result.fitness).toBe(1);
  });
});

describe("recommend", () => {
  it.each([
    [0.7, "apply"],
    [0.95, "apply"],
    [0.6999, "test_more"],
    [0.5, "test_more"],
    [0.4999, "reject"],
    [0, "reject"],
  ] as const)("recommends %s → %s", (fitness, want) => {
    expect(recommend(fitness, THRESHOLDS)).toBe(want);
  });
});

describe("original fitness invariants", () => {
  const phi = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null });
  const drift = fc.option(fc.double({ min: 0, max: Math.PI, noNaN: true }), { nil: null });
  const rate = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null });
  const sample = fc.record({ phi, basin_drift: drift, error_rate: rate });
  const unit = fc.double({ min: 0, max: 1, noNaN: true });
  const components = fc.record({
    phi_improvement: unit,
    basin_correction: unit,
    error_reduction: unit,
    validity: fc.constantFrom(0, 1),
  });

  it("is always within [0, 1], and so is every component", () => {
    fc.assert(
      fc.property(sample, fc.option(sample, { nil: null }), fc.boolean(), (before, after, accepted) => {
        const r = computeFitness(
          { target: "phi", before: { ...metrics(null, null, null), ...before }, after, accepted },
          ORIGINAL,
        );
        for (const x of [r.fitness, ...Object.values(r.components)]) {
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it("never falls when any one component rises", () => {
    const keys = ["phi_improvement", "basin_correction", "error_reduction", "validity"] as const;
    fc.assert(
      fc.property(components, fc.constantFrom(...keys), unit, (c, key, raise) => {
        const higher = { ...c, [key]: key === "validity" ? 1 : Math.max(c[key], raise) };
        expect(combineFitness(higher)).toBeGreaterThanOrEqual(combineFitness(c));
      }),
    );
  });

  it("never falls when the action leaves less drift, fewer errors, Φ nearer the band, or was accepted", () => {
    const full = fc.record({
      phi: fc.double({ min: 0, max: 1, noNaN: true }),
      basin_drift: fc.double({ min: 0, max: Math.PI, noNaN: true }),
      error_rate: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(full, full, unit, fc.boolean(), (before, after, t, accepted) => {
        const b = { ...metrics(null, null, null), ...before };
        const base = computeFitness({ target: "phi", before: b, after, accepted }, ORIGINAL).fitness;
        const better = (a: Partial<FitnessMetrics>, ok = accepted) =>
          computeFitness({ target: "phi", before: b, after: { ...after, ...a }, accepted: ok }, ORIGINAL)
            .fitness;
        // A point t of the way from after's Φ to the band's middle is never farther from the band.
        const towardBand = after.phi + t * ((BAND.min + BAND.max) / 2 - after.phi);
        expect(better({ basin_drift: after.basin_drift * t })).toBeGreaterThanOrEqual(base);
        expect(better({ error_rate: after.error_rate * t })).toBeGreaterThanOrEqual(base);
        expect(better({ phi: towardBand })).toBeGreaterThanOrEqual(base);
        expect(better({}, true)).toBeGreaterThanOrEqual(base);
      }),
    );
  });
});
