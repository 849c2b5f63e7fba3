import { beforeAll, describe, expect, it } from "vitest";
import { requireRegistry } from "../core/registry/registry.js";
import { FAULT_TYPES } from "./faults.js";
import { type SimulationReport, simulate } from "./simulate.js";

const registry = requireRegistry("../shared/pantheon-registry.yaml");
const SLOW = 120_000;

describe("simulate over 24 hours of the users' registry", () => {
  let day: SimulationReport;
  beforeAll(async () => {
    day = await simulate({ registry, hours: 24, seed: 7 });
  }, SLOW);

  it("runs every god of the registry and rests them through the scheduler", () => {
    expect(day.kernels).toBe(registry.gods.size);
    expect(Object.keys(day.duty_cycle).sort()).toEqual([...registry.gods.keys()].sort());
    expect(day.snapshots).toBeGreaterThan(registry.gods.size * 24 * 50);
    expect(day.rests_granted).toBeGreaterThan(day.micro_pauses);
  });

  it("never leaves a resting kernel uncovered, never fully stops an essential one, never rests both of a pair", () => {
    expect(day.coverage_gap_seconds).toBe(0);
    expect(day.essential_full_stop_seconds).toBe(0);
    expect(day.coordinated_pair_overlap_seconds).toBe(0);
  });

  it("keeps Hermes up between 90 % and 100 % of the time through micro-pauses", () => {
    expect(day.micro_pauses).toBeGreaterThan(0);
    expect(day.duty_cycle.Hermes).toBeGreaterThanOrEqual(0.9);
    expect(day.duty_cycle.Hermes).toBeLessThan(1);
  });

  it("lets the never-resting gods work the whole day", () => {
    expect(day.duty_cycle.Heart).toBe(1);
    expect(day.duty_cycle.Ocean).toBe(1);
  });

  it("sees no degradation that the kernels' true telemetry does not show", () => {
    expect(day.detection.false_positives).toBe(0);
  });
});

describe("simulate is deterministic", () => {
  it(
    "gives the same report for the same seed, byte for byte, and another for another seed",
    async () => {
      const run = (seed: number) =>
        simulate({
          registry,
          hours: 3,
          seed,
          faults: [{ kernel: "Apollo", type: "error_spike", atSeconds: 3600 }],
        });
      const [a, b, c] = await Promise.all([run(11), run(11), run(12)]);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
    },
    SLOW,
  );
});

describe("simulate detects injected faults", () => {
  it(
    "detects every fault type within 30 simulated minutes of its start",
    async () => {
      const kernels = ["Apollo", "Athena", "Zeus", "Hera", "Ares", "Demeter", "Poseidon"];
      const faults = FAULT_TYPES.map((type, i) => ({
        kernel: kernels[i] as string,
        type,
        atSeconds: 2 * 3600 + i * 600,
      }));
      const report = await simulate({ registry, hours: 5, seed: 3, faults });
      expect(report.faults.map((f) => f.type)).toEqual([...FAULT_TYPES]);
      for (const fault of report.faults) {
        expect(fault.detected_at, `${fault.type} on ${fault.kernel}`).not.toBeNull();
        expect((fault.detected_at as number) - fault.at, `${fault.type} detection delay`).toBeLessThanOrEqual(
          1800,
        );
        expect(fault.detected_at as number).toBeGreaterThanOrEqual(fault.at);
      }
      expect(report.detection.detection_rate).toBe(1);
    },
    SLOW,
  );

  it("refuses a fault on a kernel that is not simulated, naming the field", async () => {
    await expect(
      simulate({
        registry,
        hours: 1,
        seed: 1,
        faults: [{ kernel: "Zagreus", type: "crash", atSeconds: 60 }],
      }),
    ).rejects.toThrow(/fault: no simulated kernel named Zagreus/);
  });
});
