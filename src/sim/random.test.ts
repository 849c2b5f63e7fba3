import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../core/errors.js";
import { hashToUnit, SeededRandom } from "./random.js";

const draw = (rng: SeededRandom, n: number): number[] => Array.from({ length: n }, () => rng.next());

describe("SeededRandom", () => {
  it("replays the same sequence for the same seed and another for another seed", () => {
    expect(draw(new SeededRandom(42), 50)).toEqual(draw(new SeededRandom(42), 50));
    expect(draw(new SeededRandom(42), 50)).not.toEqual(draw(new SeededRandom(43), 50));
  });

  it("tells apart seeds that differ only above 32 bits", () => {
    expect(draw(new SeededRandom(1), 5)).not.toEqual(draw(new SeededRandom(1 + 2 ** 32), 5));
  });

  it("refuses a seed that is not a safe integer", () => {
    for (const seed of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])
      expect(() => new SeededRandom(seed)).toThrow(InvalidInputError);
  });

  it("forks a stream that depends on the label, not on how much the parent has drawn", () => {
    const fresh = new SeededRandom(7);
    const used = new SeededRandom(7);
    draw(used, 100);
    expect(draw(used.fork("apollo_1"), 20)).toEqual(draw(fresh.fork("apollo_1"), 20));
    expect(draw(fresh.fork("apollo_1"), 20)).not.toEqual(draw(fresh.fork("athena_1"), 20));
  });

  it("leaves the parent's sequence where it was when forking", () => {
    const a = new SeededRandom(9);
    const b = new SeededRandom(9);
    a.fork("x").next();
    expect(draw(a, 10)).toEqual(draw(b, 10));
  });

  it("keeps nested forks apart: a/b is not b/a and not the parent", () => {
    const root = new SeededRandom(3);
    const ab = draw(root.fork("a").fork("b"), 10);
    expect(ab).not.toEqual(draw(root.fork("b").fork("a"), 10));
    expect(ab).not.toEqual(draw(root.fork("a"), 10));
  });

  it("draws next() in [0, 1) and int() within its inclusive bounds", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 50 }),
        (seed, min, span) => {
          const rng = new SeededRandom(seed);
          for (let i = 0; i < 20; i++) {
            const x = rng.next();
            expect(x >= 0 && x < 1).toBe(true);
            const k = rng.int(min, min + span);
            expect(Number.isInteger(k) && k >= min && k <= min + span).toBe(true);
          }
        },
      ),
    );
  });

  it("reaches both ends of an int range", () => {
    const rng = new SeededRandom(5);
    const seen = new Set(Array.from({ length: 200 }, () => rng.int(1, 4)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
  });

  it("draws normals with the asked mean and standard deviation", () => {
    const rng = new SeededRandom(11);
    const xs = Array.from({ length: 20_000 }, () => rng.normal(3, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(3, 1);
    expect(sd).toBeCloseTo(2, 1);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it("picks every item of a list, and refuses an empty one", () => {
    const rng = new SeededRandom(2);
    const items = ["a", "b", "c"] as const;
    expect(new Set(Array.from({ length: 100 }, () => rng.pick(items))).size).toBe(3);
    expect(() => rng.pick([])).toThrow(InvalidInputError);
  });

  it("refuses an int range whose bounds are reversed or fractional", () => {
    const rng = new SeededRandom(1);
    expect(() => rng.int(5, 4)).toThrow(InvalidInputError);
    expect(() => rng.int(0.5, 4)).toThrow(InvalidInputError);
  });
});

describe("hashToUnit", () => {
  it("is a pure function of (seed, index) in [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.nat(), (seed, index) => {
        const u = hashToUnit(seed, index);
        expect(u).toBe(hashToUnit(seed, index));
        expect(u >= 0 && u < 1).toBe(true);
      }),
    );
  });

  it("spreads consecutive indices over the unit interval", () => {
    const us = Array.from({ length: 1000 }, (_, i) => hashToUnit(123, i));
    const mean = us.reduce((a, b) => a + b, 0) / us.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(new Set(us).size).toBe(1000);
  });
});
