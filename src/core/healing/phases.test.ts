import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { ConflictError, InvalidInputError } from "../errors.js";
import {
  advance,
  allowedActions,
  evaluateGate,
  type GateEvaluation,
  gateValueText,
  type HealingRecordSummary,
  isAllowed,
  median,
} from "./phases.js";
import { STRATEGIES } from "./strategies.js";

const GATES = DEFAULT_CONFIG.healing.gates;

/** A record that meets every gate; tests spoil one number at a time. */
function summary(over: Partial<HealingRecordSummary> = {}): HealingRecordSummary {
  return {
    snapshots: 1500,
    kernels_seen: 4,
    kernels_with_baseline: 4,
    server_crashes: 0,
    patches_generated: 12,
    sandbox_runs: 20,
    sandbox_successes: 19,
    sandbox_fitness_values: [0.45, 0.55, 0.62, 0.7, 0.9],
    strategies_exercised: [...STRATEGIES],
    patches_applied: 6,
    patches_verified: 5,
    false_positives: 1,
    rollbacks_needed: 1,
    rollbacks_succeeded: 1,
    ...over,
  };
}

const criterion = (gate: GateEvaluation, name: string) => gate.criteria.find((c) => c.name === name);

describe("allowedActions", () => {
  it("adds generate and sandbox in phase 2, approved applying in 3 and auto-apply only in 4", () => {
    expect(allowedActions(1)).toEqual(["monitor", "detect", "alert"]);
    expect(allowedActions(2)).toEqual(["monitor", "detect", "alert", "generate", "sandbox"]);
    expect(isAllowed(2, "apply_after_approval")).toBe(false);
    expect(isAllowed(3, "apply_after_approval")).toBe(true);
    expect(isAllowed(3, "auto_apply")).toBe(false);
    expect(isAllowed(4, "auto_apply")).toBe(true);
  });
});

describe("evaluateGate", () => {
  it("opens phase 1 after 1000 snapshots, a baseline for every kernel and no crash", () => {
    expect(evaluateGate(1, summary(), GATES)).toMatchObject({ phase: 1, next: 2, met: true });
    const early = evaluateGate(
      1,
      summary({ snapshots: 999, kernels_with_baseline: 3, server_crashes: 1 }),
      GATES,
    );
    expect(early.met).toBe(false);
    expect(early.criteria.map((c) => [c.name, c.value, c.target, c.met])).toEqual([
      ["snapshots", 999, "≥ 1000", false],
      ["baselines", 3, "= 4 (every kernel seen)", false],
      ["no_crash", 1, "= 0", false],
    ]);
  });

  it("needs ten patches, a sandbox fitness median within 0.5–0.8, all five strategies and 95 % sandbox success", () => {
    expect(evaluateGate(2, summary(), GATES).met).toBe(true);
    expect(criterion(evaluateGate(2, summary({ patches_generated: 9 }), GATES), "patches")?.met).toBe(false);
    const median = (values: number[]) =>
      criterion(
        evaluateGate(2, summary({ sandbox_fitness_values: values }), GATES),
        "sandbox_fitness_median",
      );
    expect(median([0.5, 0.8])?.met).toBe(true);
    expect(median([0.3, 0.45, 0.9])).toMatchObject({ value: 0.45, met: false });
    expect(median([0.85])?.met).toBe(false);
    expect(median([])).toMatchObject({ value: null, met: false });
    const strategies = criterion(
      evaluateGate(
        2,
        summary({ strategies_exercised: ["basin_drift", "performance", "performance"] }),
        GATES,
      ),
      "strategies_exercised",
    );
    expect(strategies).toMatchObject({ value: 2, met: false });
    expect(strategies?.description).toContain("missing phi_degradation, memory_leak, error_spike");
    const success = (runs: number, ok: number) =>
      criterion(
        evaluateGate(2, summary({ sandbox_runs: runs, sandbox_successes: ok }), GATES),
        "sandbox_success",
      );
    expect(success(20, 19)?.met).toBe(true);
    expect(success(20, 18)).toMatchObject({ value: 0.9, met: false });
    expect(success(0, 0)).toMatchObject({ value: null, met: false });
  });

  it("needs five applied, more than 70 % verified, under 10 % false positives and every rollback done", () => {
    expect(evaluateGate(3, summary(), GATES).met).toBe(true);
    const gate = (over: Partial<HealingRecordSummary>) => evaluateGate(3, summary(over), GATES);
    expect(criterion(gate({ patches_applied: 4, patches_verified: 4 }), "applied")?.met).toBe(false);
    // Exactly 70 % and exactly 10 % are not enough: both bounds are strict.
    expect(criterion(gate({ patches_applied: 10, patches_verified: 7 }), "verified")).toMatchObject({
      value: 0.7,
      target: "> 0.7 (70 %)",
      met: false,
    });
    expect(criterion(gate({ patches_generated: 10, false_positives: 1 }), "false_positives")?.met).toBe(
      false,
    );
    expect(criterion(gate({ rollbacks_needed: 2, rollbacks_succeeded: 1 }), "rollbacks")?.met).toBe(false);
    expect(criterion(gate({ rollbacks_needed: 0, rollbacks_succeeded: 0 }), "rollbacks")?.met).toBe(true);
  });

  it("keeps watching phase 4 (> 80 % verified) with no next phase", () => {
    expect(evaluateGate(4, summary({ patches_applied: 10, patches_verified: 9 }), GATES)).toMatchObject({
      next: null,
      met: true,
    });
    expect(evaluateGate(4, summary({ patches_applied: 10, patches_verified: 8 }), GATES).met).toBe(false);
  });
});

describe("advance", () => {
  it("moves to the next phase when the gate is met", () => {
    expect(advance(2, summary(), GATES)).toEqual({
      from: 2,
      to: 3,
      forced: false,
      reason: "gate met",
      unmet: [],
    });
  });

  it("refuses an unmet gate, naming every unmet criterion", () => {
    const run = () => advance(1, summary({ snapshots: 12, server_crashes: 2 }), GATES);
    expect(run).toThrow(ConflictError);
    try {
      run();
    } catch (e) {
      expect((e as ConflictError).code).toBe("gate_unmet");
      expect((e as ConflictError).message).toBe(
        "phase 1 gate unmet: snapshots 12 (needs ≥ 1000); no_crash 2 (needs = 0)",
      );
    }
  });

  it("forces past an unmet gate only with a reason, and records what was overridden", () => {
    const spoiled = summary({ snapshots: 12 });
    expect(() => advance(1, spoiled, GATES, { force: true })).toThrow(InvalidInputError);
    expect(() => advance(1, spoiled, GATES, { force: true, reason: "  " })).toThrow(/reason/);
    expect(advance(1, spoiled, GATES, { force: true, reason: "lab constellation" })).toEqual({
      from: 1,
      to: 2,
      forced: true,
      reason: "lab constellation",
      unmet: ["snapshots"],
    });
  });

  it("has nowhere to go from phase 4", () => {
    expect(() => advance(4, summary(), GATES, { force: true, reason: "try" })).toThrow(/last/);
  });
});

describe("median", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(median([0.9, 0.4, 0.6])).toBe(0.6);
    expect(median([0.5, 0.8, 0.6, 0.7])).toBeCloseTo(0.65, 12);
    expect(median([])).toBeNull();
  });
});

describe("gateValueText", () => {
  it("shows a value short of its target with the digits that say so", () => {
    expect(gateValueText(0.69996, "> 0.7 (70 %)")).toBe("0.69996");
    expect(gateValueText(0.4999, "0.5–0.8")).toBe("0.4999");
    expect(gateValueText(0.8125, "> 0.7 (70 %)")).toBe("0.8125");
    expect(gateValueText(999.99996, "≥ 1000")).toBe("999.99996");
    expect(gateValueText(null, "≥ 1000")).toBe("none");
  });
});
