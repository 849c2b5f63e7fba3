import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LoadPattern, loadAt, loadPatternFor } from "./load.js";
import { SeededRandom } from "./random.js";

const HOUR = 3600;
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const anyLoad = fc.double({ min: -2, max: 3, noNaN: true });
const period = fc.integer({ min: 60, max: 48 * HOUR });

const patterns: fc.Arbitrary<LoadPattern> = fc.oneof(
  fc.record({ kind: fc.constant("steady" as const), base: anyLoad }),
  fc.record({ kind: fc.constant("diurnal" as const), base: anyLoad, amplitude: anyLoad }),
  fc.record({
    kind: fc.constant("bursts" as const),
    base: anyLoad,
    burst: anyLoad,
    everySeconds: period,
    lengthSeconds: period,
    jitterSeconds: fc.integer({ min: 0, max: 4 * HOUR }),
    jitterSeed: fc.nat(),
  }),
  fc.record({
    kind: fc.constant("seasonal" as const),
    active: anyLoad,
    dormant: anyLoad,
    seasonSeconds: period,
    activeFraction: unit,
  }),
);

/** The load sampled every `stepSeconds` over [0, hours). */
function sample(pattern: LoadPattern, hours: number, stepSeconds = 60): number[] {
  return Array.from({ length: (hours * HOUR) / stepSeconds }, (_, i) => loadAt(pattern, i * stepSeconds));
}

describe("loadAt", () => {
  it("stays within [0, 1] for any pattern and time, and answers the same for the same time", () => {
    fc.assert(
      fc.property(patterns, fc.double({ min: -1e7, max: 1e9, noNaN: true }), (pattern, t) => {
        const load = loadAt(pattern, t);
        expect(load >= 0 && load <= 1).toBe(true);
        expect(loadAt(pattern, t)).toBe(load);
      }),
    );
  });

  it("follows the day: lowest at midnight, highest at noon", () => {
    const day: LoadPattern = { kind: "diurnal", base: 0.5, amplitude: 0.2 };
    expect(loadAt(day, 0)).toBeCloseTo(0.3);
    expect(loadAt(day, 12 * HOUR)).toBeCloseTo(0.7);
    expect(loadAt(day, 24 * HOUR)).toBeCloseTo(0.3);
  });
});

describe("loadPatternFor", () => {
  it("gives Ares a full-load burst of 20 minutes in every 2-hour slot, starting at varying times", () => {
    const ares = loadPatternFor("Ares", new SeededRandom(1));
    const loads = sample(ares, 24);
    const starts: number[] = [];
    for (let slot = 0; slot < 12; slot++) {
      const inSlot = loads.slice(slot * 120, (slot + 1) * 120);
      expect(inSlot.filter((l) => l === 1)).toHaveLength(20);
      starts.push(inSlot.indexOf(1));
    }
    expect(new Set(starts).size).toBeGreaterThan(3);
    expect(Math.max(...loads.filter((l) => l < 1))).toBeLessThanOrEqual(0.25);
  });

  it("gives Persephone an active first half of each 6-hour season and a dormant second half", () => {
    const persephone = loadPatternFor("Persephone", new SeededRandom(1));
    for (const season of [0, 1, 2, 3]) {
      const start = season * 6 * HOUR;
      expect(loadAt(persephone, start + 10)).toBeGreaterThanOrEqual(0.55);
      expect(loadAt(persephone, start + 3 * HOUR - 10)).toBeGreaterThanOrEqual(0.55);
      expect(loadAt(persephone, start + 3 * HOUR + 10)).toBeLessThan(0.1);
      expect(loadAt(persephone, start + 6 * HOUR - 10)).toBeLessThan(0.1);
    }
  });

  it("gives the other gods a day around 0.4–0.6 and chaos workers a steady 0.3–0.7", () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom("Apollo", "Heart", "Hermes", "Zeus"), (seed, god) => {
        const pattern = loadPatternFor(god, new SeededRandom(seed));
        expect(pattern.kind).toBe("diurnal");
        const loads = sample(pattern, 24, 600);
        const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
        expect(mean).toBeGreaterThanOrEqual(0.4);
        expect(mean).toBeLessThanOrEqual(0.6);
        expect(Math.max(...loads)).toBeLessThanOrEqual(0.8);
        const chaos = loadPatternFor(null, new SeededRandom(seed));
        expect(chaos.kind).toBe("steady");
        const level = loadAt(chaos, 0);
        expect(level >= 0.3 && level <= 0.7).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it("matches god names case-insensitively and draws the same pattern from the same seed", () => {
    expect(loadPatternFor("ares", new SeededRandom(4))).toEqual(loadPatternFor("Ares", new SeededRandom(4)));
    expect(loadPatternFor("Apollo", new SeededRandom(4))).not.toEqual(
      loadPatternFor("Apollo", new SeededRandom(5)),
    );
  });
});
