import { describe, expect, it } from "vitest";
import { fullPatch, patchIn, T0 } from "../../../test/support/healing-fixture.js";
import { DEFAULT_CONFIG } from "../config.js";
import { computeFitness, fitnessThresholds } from "./fitness.js";
import { fitnessLine, fitnessRecord, patchRecord, patchRecordLines } from "./patch-record.js";

describe("patchRecord", () => {
  it("lists every move and measurement in order, with time, actor and reason", () => {
    const record = patchRecord(fullPatch());
    expect(record.steps.map((s) => [s.step, s.kind, s.to, s.actor])).toEqual([
      [1, "transition", "generated", "system"],
      [2, "transition", "sandboxed", "system"],
      [3, "transition", "pending_review", "system"],
      [4, "transition", "approved", "user:ada"],
      [5, "transition", "applied", "user:ada"],
      [6, "measurement", "applied", "system"],
      [7, "measurement", "applied", "system"],
      [8, "transition", "rolled_back", "system"],
    ]);
    expect(record.steps[4]).toMatchObject({ at: new Date(T0 + 3000).toISOString(), reason: "approved" });
    expect(record.steps[6]).toMatchObject({
      reason: "measurement 2: no snapshot from the kernel in this interval",
      fitness: null,
    });
    expect(record.steps[7]?.detail).toBe("sent integration_boost (act_2): ok");
    expect(record).toMatchObject({
      action: "integration_boost factor=1.3",
      state: "rolled_back",
      false_positive: true,
      verification: { outcome: "rolled_back", reason: "live fitness 0.41 < 0.6", measurements: 2 },
    });
  });

  it("puts the sandbox's weighted terms on the move to sandboxed, summing to its score", () => {
    const record = patchRecord(fullPatch());
    const sandboxed = record.steps[1]?.fitness;
    expect(sandboxed).toEqual(record.sandbox);
    expect(sandboxed?.recommendation).toBe("test_more");
    expect(sandboxed?.terms.map((t) => [t.name, t.weight])).toEqual([
      ["phi_improvement", 0.4],
      ["basin_correction", 0.3],
      ["error_reduction", 0.2],
      ["validity", 0.1],
    ]);
    const sum = sandboxed?.terms.reduce((total, t) => total + (t.contribution ?? 0), 0) ?? 0;
    expect(sum).toBeCloseTo(sandboxed?.score ?? Number.NaN, 9);
    expect(sandboxed?.formula).toBe("original");
    expect(sandboxed?.assumed_unchanged).toEqual([
      "basin_drift",
      "error_rate",
      "avg_latency_ms",
      "memory_mb",
      "memory_mb_slope",
    ]);
  });

  it("has no fitness before the sandbox answered, and renders the same record to the same lines", () => {
    const generated = patchRecord(patchIn("patch_new", "generated"));
    expect(generated.sandbox).toBeNull();
    expect(generated.steps).toHaveLength(1);
    const lines = patchRecordLines(patchRecord(fullPatch()));
    expect(lines[0]).toBe(
      "patch_full  integration_boost factor=1.3 on apollo_1 (phi_degradation): rolled_back — false positive",
    );
    expect(lines).toContain(`       ${fitnessLine(patchRecord(fullPatch()).sandbox as never)}`);
    expect(lines.at(-1)).toBe("  verification: rolled_back — live fitness 0.41 < 0.6");
    expect(patchRecordLines(patchRecord(fullPatch()))).toEqual(lines);
  });

  it("shows a targeted score's terms with their weights and its gates without, and says which formula", () => {
    const record = fitnessRecord(
      computeFitness(
        {
          target: "avg_latency_ms",
          before: {
            phi: 0.75,
            basin_drift: 0.2,
            error_rate: 0.005,
            avg_latency_ms: 3500,
            memory_mb: 300,
            memory_mb_slope: 0,
          },
          after: { avg_latency_ms: 2750 },
          accepted: true,
        },
        {
          formula: "targeted",
          thresholds: fitnessThresholds(DEFAULT_CONFIG.health, { min: 0.65, max: 0.85 }),
        },
      ),
      "apply",
    );
    expect(record.terms).toEqual([
      { name: "target", value: 0.5, weight: 0.55, contribution: 0.275 },
      { name: "sparing", value: 1, weight: 0.45, contribution: 0.45 },
      { name: "validity", value: 1, weight: null, contribution: null },
      { name: "harm_cap", value: 1, weight: null, contribution: null },
    ]);
    expect(fitnessLine(record)).toBe(
      "fitness 0.725 (apply) = validity 1 × min(harm_cap 1, 0.55×target 0.5 + 0.45×sparing 1); target avg_latency_ms; unchanged: phi, basin_drift, error_rate, memory_mb, memory_mb_slope",
    );
  });

  it("reads a measurement's bare components as the formula their names show", () => {
    expect(
      fitnessRecord({ fitness: 0.45, components: { target: 0, sparing: 1, validity: 1, harm_cap: 1 } }, null)
        .formula,
    ).toBe("targeted");
    expect(
      fitnessRecord(
        {
          fitness: 0.55,
          components: { phi_improvement: 0.5, basin_correction: 0.5, error_reduction: 0.5, validity: 1 },
        },
        null,
      ).formula,
    ).toBe("original");
  });
});
