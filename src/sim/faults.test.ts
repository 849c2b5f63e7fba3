import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { RULES } from "../core/health/degradation.js";
import {
  CURE,
  FAULT_TYPES,
  type FaultSpec,
  parseFaultSpec,
  parseRemediation,
  REMEDIATION_TYPES,
  randomFaults,
  SIGNATURE,
} from "./faults.js";
import { SeededRandom } from "./random.js";

/** Calls fn and returns the InvalidInputError it throws. */
function invalid(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error("expected an InvalidInputError");
}

describe("parseFaultSpec", () => {
  it.each([
    ["Apollo:basin_drift@2h", { kernel: "Apollo", type: "basin_drift", atSeconds: 7200 }],
    ["hermes_1:crash@90m", { kernel: "hermes_1", type: "crash", atSeconds: 5400 }],
    ["Ares:error_spike@3600s", { kernel: "Ares", type: "error_spike", atSeconds: 3600 }],
    ["Ares:memory_leak@1.5h", { kernel: "Ares", type: "memory_leak", atSeconds: 5400 }],
    ["chaos_war_3:phi_overload@2", { kernel: "chaos_war_3", type: "phi_overload", atSeconds: 7200 }],
    ["  Zeus:latency_regression@0m ", { kernel: "Zeus", type: "latency_regression", atSeconds: 0 }],
  ] as [string, FaultSpec][])("reads %s", (text, expected) => {
    expect(parseFaultSpec(text)).toEqual(expected);
  });

  it.each([
    ["Apollo basin_drift 2h", "cannot read"],
    ["Apollo:basin_drift", "cannot read"],
    [":crash@1h", "cannot read"],
    ["Apollo:meltdown@1h", 'unknown fault type "meltdown"'],
    ["Apollo:@1h", 'unknown fault type ""'],
    ["Apollo:crash@", 'cannot read the time ""'],
    ["Apollo:crash@2d", 'cannot read the time "2d"'],
    ["Apollo:crash@-1h", 'cannot read the time "-1h"'],
    ["Apollo:crash@h", 'cannot read the time "h"'],
  ])("refuses %s, saying what is wrong and listing the fault types", (text, problem) => {
    const err = invalid(() => parseFaultSpec(text));
    expect(err.field).toBe("fault");
    expect(err.message).toContain(problem);
    for (const type of FAULT_TYPES) expect(err.message).toContain(type);
  });
});

describe("fault vocabulary", () => {
  it("cures every fault with one of the remediation actions", () => {
    for (const type of FAULT_TYPES) expect(REMEDIATION_TYPES).toContain(CURE[type]);
  });

  it("names only rules the health monitor emits, and none for a silent crash", () => {
    const ruleIds = RULES.map((r) => r.id as string);
    for (const type of FAULT_TYPES) for (const code of SIGNATURE[type]) expect(ruleIds).toContain(code);
    for (const type of FAULT_TYPES.filter((t) => t !== "crash"))
      expect(SIGNATURE[type].length).toBeGreaterThan(0);
    expect(SIGNATURE.crash).toEqual([]);
  });
});

describe("randomFaults", () => {
  const kernels = ["Apollo", "Athena", "Ares", "Hermes"];

  it("places faults in [1 h, hours − 2 h], sorted, at least 1 h apart on one kernel", () => {
    const faults = randomFaults(new SeededRandom(1), kernels, 20, 24);
    expect(faults).toHaveLength(20);
    for (const [i, f] of faults.entries()) {
      expect(f.atSeconds).toBeGreaterThanOrEqual(3600);
      expect(f.atSeconds).toBeLessThanOrEqual(22 * 3600);
      expect(Number.isInteger(f.atSeconds)).toBe(true);
      expect(kernels).toContain(f.kernel);
      if (i > 0) expect(f.atSeconds).toBeGreaterThanOrEqual((faults[i - 1] as FaultSpec).atSeconds);
      for (const g of faults.slice(i + 1))
        if (g.kernel === f.kernel) expect(Math.abs(g.atSeconds - f.atSeconds)).toBeGreaterThanOrEqual(3600);
    }
  });

  it("uses every fault type and every kernel over enough draws", () => {
    const faults = randomFaults(new SeededRandom(2), kernels, 60, 200);
    expect(new Set(faults.map((f) => f.type))).toEqual(new Set(FAULT_TYPES));
    expect(new Set(faults.map((f) => f.kernel))).toEqual(new Set(kernels));
  });

  it("gives the same faults for the same seed", () => {
    expect(randomFaults(new SeededRandom(5), kernels, 8, 24)).toEqual(
      randomFaults(new SeededRandom(5), kernels, 8, 24),
    );
  });

  it("refuses what cannot be placed: too short a run, too many faults, no kernels, a bad count", () => {
    expect(invalid(() => randomFaults(new SeededRandom(1), kernels, 1, 2.5)).field).toBe("randomFaults");
    expect(() => randomFaults(new SeededRandom(1), ["Apollo"], 5, 4)).toThrow(/cannot place 5 faults/);
    expect(() => randomFaults(new SeededRandom(1), [], 1, 24)).toThrow(InvalidInputError);
    expect(() => randomFaults(new SeededRandom(1), kernels, -1, 24)).toThrow(InvalidInputError);
    expect(randomFaults(new SeededRandom(1), [], 0, 1)).toEqual([]);
  });
});

describe("parseRemediation", () => {
  it("accepts each action within its bounds, defaulting basin_correction's step to 0.3", () => {
    expect(parseRemediation("basin_correction", {})).toEqual({ type: "basin_correction", step: 0.3 });
    expect(parseRemediation("basin_correction", { target: "baseline", step: 1 })).toEqual({
      type: "basin_correction",
      step: 1,
    });
    expect(parseRemediation("integration_boost", { factor: 1.5 })).toEqual({
      type: "integration_boost",
      factor: 1.5,
    });
    expect(parseRemediation("decoherence", { noise: 0.2 })).toEqual({ type: "decoherence", noise: 0.2 });
    expect(parseRemediation("enable_cache", { entries: 1000 })).toEqual({
      type: "enable_cache",
      entries: 1000,
    });
    expect(parseRemediation("recycle", {})).toEqual({ type: "recycle" });
    expect(parseRemediation("rollback_config", { reason: "ignored" })).toEqual({ type: "rollback_config" });
  });

  it.each([
    ["basin_correction", { step: 0 }, "step"],
    ["basin_correction", { step: 1.01 }, "step"],
    ["basin_correction", { target: "elsewhere" }, "target"],
    ["integration_boost", { factor: 1 }, "factor"],
    ["integration_boost", { factor: 1.6 }, "factor"],
    ["integration_boost", {}, "factor"],
    ["decoherence", { noise: 0 }, "noise"],
    ["decoherence", { noise: 0.25 }, "noise"],
    ["decoherence", { noise: "0.1" }, "noise"],
    ["enable_cache", { entries: 0 }, "entries"],
    ["enable_cache", { entries: 2.5 }, "entries"],
    ["teleport", {}, "type"],
  ])("refuses %s %j, naming %s", (type, params, field) => {
    expect(invalid(() => parseRemediation(type, params)).field).toBe(field);
  });
});
