import { describe, expect, it } from "vitest";
import { requireRegistry } from "../core/registry/registry.js";
import type { FaultSpec } from "./faults.js";
import { simulate } from "./simulate.js";

const registry = requireRegistry("../shared/pantheon-registry.yaml");
const SLOW = 120_000;

/** Five faults of different types, one for each strategy, spread over the day. */
const FIVE: FaultSpec[] = [
  { kernel: "Apollo", type: "basin_drift", atSeconds: 2 * 3600 },
  { kernel: "Zeus", type: "phi_collapse", atSeconds: 5 * 3600 },
  { kernel: "Ares", type: "latency_regression", atSeconds: 8 * 3600 },
  { kernel: "Demeter", type: "memory_leak", atSeconds: 11 * 3600 },
  { kernel: "Hera", type: "error_spike", atSeconds: 14 * 3600 },
];

describe("simulate heals", () => {
  it(
    "in phase 4, heals each of five faults with its own strategy, verifies it, and never leaves a coverage gap",
    async () => {
      const report = await simulate({ registry, hours: 24, seed: 7, phase: 4, faults: FIVE });
      expect(report.faults.map((f) => [f.kernel, f.strategy, f.outcome])).toEqual([
        ["Apollo", "basin_drift", "verified"],
        ["Zeus", "phi_degradation", "verified"],
        ["Ares", "performance", "verified"],
        ["Demeter", "memory_leak", "verified"],
        ["Hera", "error_spike", "verified"],
      ]);
      for (const f of report.faults) {
        expect(f.healed_at, `${f.type} healed`).not.toBeNull();
        expect(f.healed_at as number).toBeGreaterThanOrEqual(f.detected_at as number);
      }
      expect(report.coverage_gap_seconds).toBe(0);
      expect(report.patches.verified).toBe(5);
      expect(report.patches.rolled_back).toBe(0);
    },
    SLOW,
  );

  it(
    "in phase 2, tries patches in the sandbox only: nothing is applied and the faults stay",
    async () => {
      const report = await simulate({ registry, hours: 6, seed: 7, phase: 2, faults: FIVE.slice(0, 1) });
      expect(report.patches.sandboxed).toBeGreaterThan(0);
      expect(report.patches.applied).toBe(0);
      expect(report.faults[0]).toMatchObject({ healed_at: null, outcome: "not_healed" });
    },
    SLOW,
  );

  it(
    "in phase 3, leaves a passing patch waiting for review instead of applying it",
    async () => {
      const report = await simulate({
        registry,
        hours: 10,
        seed: 7,
        phase: 3,
        faults: [FIVE[2] as FaultSpec],
      });
      expect(report.patches.pending_review).toBe(1);
      expect(report.patches.applied).toBe(0);
      expect(report.faults[0]).toMatchObject({ healed_at: null });
    },
    SLOW,
  );

  it(
    "in phase 1, only detects: no patch is generated",
    async () => {
      const report = await simulate({
        registry,
        hours: 4,
        seed: 7,
        phase: 1,
        faults: [FIVE[4] as FaultSpec],
      });
      expect(report.patches.generated).toBe(0);
      expect(report.faults[0]?.detected_at).not.toBeNull();
    },
    SLOW,
  );
});
