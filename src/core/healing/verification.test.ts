import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { fitnessThresholds } from "./fitness.js";
import { phiBand } from "./healing-config.js";
import {
  type FitnessMeasurement,
  judgeVerification,
  liveFitness,
  measurementDueAt,
  verificationRule,
} from "./verification.js";

const RULE = verificationRule(DEFAULT_CONFIG.healing); // 3 measurements, keep at ≥ 0.6
const series = (...fitness: (number | null)[]): FitnessMeasurement[] =>
  fitness.map((f, i) => ({ at: (i + 1) * 60_000, fitness: f }));

describe("judgeVerification", () => {
  it("waits while fewer than count measurements are in", () => {
    expect(judgeVerification([], RULE)).toMatchObject({
      outcome: "pending",
      measured: 0,
      mean_fitness: null,
    });
    expect(judgeVerification(series(0.9, 0.9), RULE)).toMatchObject({ outcome: "pending", measured: 2 });
  });

  it("keeps a patch whose mean live fitness reaches the keep threshold, exactly at it included", () => {
    expect(judgeVerification(series(0.6, 0.6, 0.6), RULE)).toMatchObject({
      outcome: "kept",
      mean_fitness: 0.6,
    });
    const kept = judgeVerification(series(0.7, 0.6, 0.55), RULE);
    expect(kept.outcome).toBe("kept");
    expect(kept.reason).toContain("≥ 0.6");
  });

  it("rolls back a patch whose mean live fitness falls short, even if one measurement was good", () => {
    const judged = judgeVerification(series(0.9, 0.4, 0.45), RULE);
    expect(judged).toMatchObject({ outcome: "rolled_back", measured: 3 });
    expect(judged.mean_fitness).toBeCloseTo(0.583333, 6);
    expect(judged.reason).toContain("< 0.6");
  });

  it("is inconclusive, not kept, when an interval brought no snapshot, however good the rest", () => {
    for (const s of [series(null), series(0.9, null, 0.9), series(0.95, 0.95, null)]) {
      const judged = judgeVerification(s, RULE);
      expect(judged.outcome).toBe("inconclusive");
      expect(judged.mean_fitness).toBeNull();
    }
    expect(judgeVerification(series(0.9, null), RULE).reason).toContain("measurement 2 of 3");
  });

  it("judges only the first count measurements", () => {
    expect(judgeVerification(series(0.7, 0.7, 0.7, 0.1, null), RULE).outcome).toBe("kept");
  });

  it("keeps only on complete data: kept exactly when nothing is missing and the mean reaches the threshold", () => {
    const measurement = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null, freq: 5 });
    fc.assert(
      fc.property(
        fc.array(measurement, { maxLength: 6 }),
        fc.integer({ min: 1, max: 5 }),
        (values, count) => {
          const rule = { count, keepThreshold: 0.6 };
          const judged = judgeVerification(series(...values), rule);
          const first = values.slice(0, count);
          const complete = first.length === count && first.every((v) => v !== null);
          const mean = complete ? (first as number[]).reduce((a, b) => a + b, 0) / count : Number.NaN;
          if (first.includes(null)) expect(judged.outcome).toBe("inconclusive");
          else if (!complete) expect(judged.outcome).toBe("pending");
          else if (mean >= 0.6 + 1e-9) expect(judged.outcome).toBe("kept");
          else if (mean < 0.6 - 1e-9) expect(judged.outcome).toBe("rolled_back");
        },
      ),
    );
  });
});

describe("liveFitness", () => {
  const context = {
    formula: "targeted" as const,
    thresholds: fitnessThresholds(DEFAULT_CONFIG.health, phiBand(DEFAULT_CONFIG.health)),
  };

  it("scores the kernel now against the kernel at generation, counting the applied action as valid", () => {
    const before = {
      phi: 0.75,
      basin_drift: 0.2,
      error_rate: 0.01,
      avg_latency_ms: 3500,
      memory_mb: 300,
      memory_mb_slope: 0,
    };
    const now = { ...before, avg_latency_ms: 2750 };
    // Half the excess over 2000 ms is gone, nothing else moved: 0.55·0.5 + 0.45·1
    expect(liveFitness({ target: "avg_latency_ms", before, current: now }, context).fitness).toBe(0.725);
    expect(liveFitness({ target: "avg_latency_ms", before, current: now }, context, 0).fitness).toBe(0);
  });
});

describe("measurementDueAt", () => {
  it("spaces measurements one interval apart, the first one interval after applying", () => {
    expect([0, 1, 2].map((taken) => measurementDueAt(1_000, taken, 60))).toEqual([61_000, 121_000, 181_000]);
  });
});
