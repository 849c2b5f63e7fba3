import { describe, expect, it } from "vitest";
import { requireRegistry } from "../core/registry/registry.js";
import { Constellation, type RestView } from "./constellation.js";
import { SeededRandom } from "./random.js";

const registry = requireRegistry("../shared/pantheon-registry.yaml");
const active: RestView = { mode: "active", coveringFor: null, coverShare: 0 };

function constellation(scenario: "normal" | "exhausted" = "normal") {
  return new Constellation({
    registry,
    rng: new SeededRandom(3).fork("constellation"),
    basinDimension: 64,
    coverLoadFraction: 0.5,
    scenario,
  });
}

describe("Constellation", () => {
  it("has a coverer carry coverLoadFraction × its share of the resting kernel's load", () => {
    const alone = constellation();
    const shared = constellation();
    const views =
      (share: number) =>
      (id: string): RestView =>
        id === "zeus_1"
          ? { mode: "resting", coveringFor: null, coverShare: 0 }
          : id === "hera_1"
            ? { mode: "active", coveringFor: "zeus_1", coverShare: share }
            : active;
    alone.step(10_000, 10, 10, views(1));
    shared.step(10_000, 10, 10, views(0.25));
    const zeusLoad = alone.resolve("zeus_1").kernel.load;
    const heraOwn = alone.resolve("hera_1").kernel.load;
    expect(alone.resolve("hera_1").kernel.servedLoad).toBeCloseTo(Math.min(1, heraOwn + 0.5 * zeusLoad));
    expect(shared.resolve("hera_1").kernel.servedLoad).toBeCloseTo(Math.min(1, heraOwn + 0.125 * zeusLoad));
  });

  it("starts the exhausted scenario spent, exhausted and at a surge's load, every kernel alike", () => {
    const c = constellation("exhausted");
    c.step(10_000, 10, 10, () => active);
    for (const { kernel } of c.members) {
      expect(kernel.energy).toBe(0);
      expect(kernel.exhaustion).toBe(1);
      expect(kernel.load).toBeGreaterThanOrEqual(0.95);
    }
  });
});
