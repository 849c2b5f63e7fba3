import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "./errors.js";
import {
  type Basin,
  embeddingToSimplex,
  fisherRaoDistance,
  fisherRaoDistanceFromRoots,
  frechetMean,
  geodesicStep,
  normalizeSimplex,
  rootsOf,
} from "./geometry.js";

const RUNS = { numRuns: 1000 };

/** Calls fn and returns the InvalidInputError it throws (fails the test if it throws anything else). */
function invalidField(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).field;
  }
  throw new Error("expected an InvalidInputError");
}

/** Non-negative weights of dimension n with a positive sum, often sparse, normalised onto the simplex. */
const simplexOf = (n: number): fc.Arbitrary<Basin> =>
  fc
    .array(fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(0)), {
      minLength: n,
      maxLength: n,
    })
    .filter((w) => w.reduce((a, b) => a + b, 0) > 0)
    .map((w) => normalizeSimplex(w));

/** k simplex points sharing one random dimension in 2..64. */
const simplexPoints = (k: number) =>
  fc.integer({ min: 2, max: 64 }).chain((n) => fc.tuple(...Array.from({ length: k }, () => simplexOf(n))));

const onSimplex = (p: Basin): void => {
  expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  for (const v of p) expect(v).toBeGreaterThanOrEqual(0);
};

const sumSq = (x: Basin, points: readonly Basin[]): number =>
  points.reduce((s, p) => s + fisherRaoDistance(x, p) ** 2, 0);

describe("normalizeSimplex", () => {
  it("divides every entry by the sum", () => {
    expect(Array.from(normalizeSimplex([1, 1, 2]))).toEqual([0.25, 0.25, 0.5]);
    expect(Array.from(normalizeSimplex([0, 3]))).toEqual([0, 1]);
  });

  it("rejects a negative, NaN or infinite entry, naming its index", () => {
    expect(invalidField(() => normalizeSimplex([1, 2, -0.5]))).toBe("basin_coords[2]");
    expect(invalidField(() => normalizeSimplex([Number.NaN, 1]))).toBe("basin_coords[0]");
    expect(invalidField(() => normalizeSimplex([1, Number.POSITIVE_INFINITY], "target"))).toBe("target[1]");
  });

  it("rejects an empty or all-zero vector, naming the field", () => {
    expect(invalidField(() => normalizeSimplex([]))).toBe("basin_coords");
    expect(invalidField(() => normalizeSimplex([0, 0, 0], "target"))).toBe("target");
  });
});

describe("embeddingToSimplex", () => {
  it("maps x to x_i^2 / sum x^2", () => {
    const p = embeddingToSimplex([3, -4]);
    expect(p[0]).toBeCloseTo(0.36, 15);
    expect(p[1]).toBeCloseTo(0.64, 15);
  });

  it("rejects a zero vector and non-finite entries, naming the field", () => {
    expect(invalidField(() => embeddingToSimplex([0, 0]))).toBe("basin_coords");
    expect(invalidField(() => embeddingToSimplex([1, Number.NaN], "emb"))).toBe("emb[1]");
    expect(invalidField(() => embeddingToSimplex([Number.NEGATIVE_INFINITY, 1]))).toBe("basin_coords[0]");
  });
});

describe("fisherRaoDistanceFromRoots", () => {
  it("gives fisherRaoDistance to the last bit, in either units, from a basin's roots taken once", () => {
    fc.assert(
      fc.property(simplexPoints(2), fc.constantFrom("full" as const, "half" as const), ([p, q], units) => {
        const roots = rootsOf(p);
        expect(Object.is(fisherRaoDistanceFromRoots(roots, q, units), fisherRaoDistance(p, q, units))).toBe(
          true,
        );
        expect(fisherRaoDistanceFromRoots(roots, p, units)).toBe(0);
      }),
      RUNS,
    );
  });

  it("refuses a basin of another dimension, naming basin_coords", () => {
    expect(invalidField(() => fisherRaoDistanceFromRoots(rootsOf([0.5, 0.5]), [1, 0, 0]))).toBe(
      "basin_coords",
    );
  });
});

describe("fisherRaoDistance", () => {
  const uniform = new Float64Array(64).fill(1 / 64);
  const oneHot = new Float64Array(64);
  oneHot[5] = 1;

  it("puts a uniform 64-basin 2·acos(1/8) from a one-hot basin", () => {
    const d = fisherRaoDistance(uniform, oneHot);
    expect(Math.abs(d - 2 * Math.acos(1 / 8))).toBeLessThan(1e-9);
    expect(d).toBeCloseTo(2.891, 3);
  });

  it("is π between basins with disjoint supports", () => {
    expect(fisherRaoDistance([0.5, 0.5, 0, 0], [0, 0, 0.25, 0.75])).toBeCloseTo(Math.PI, 12);
  });

  it("reports exactly half the distance in 'half' units", () => {
    const p = [0.1, 0.2, 0.7];
    const q = [0.6, 0.3, 0.1];
    expect(fisherRaoDistance(p, q, "half")).toBe(fisherRaoDistance(p, q) / 2);
    expect(fisherRaoDistance(uniform, oneHot, "half")).toBeCloseTo(Math.acos(1 / 8), 12);
  });

  it("throws on mismatched dimensions", () => {
    expect(() => fisherRaoDistance([0.5, 0.5], [1 / 3, 1 / 3, 1 / 3])).toThrow(InvalidInputError);
  });

  it("is symmetric", () => {
    fc.assert(
      fc.property(simplexPoints(2), ([p, q]) => fisherRaoDistance(p, q) === fisherRaoDistance(q, p)),
      RUNS,
    );
  });

  it("is zero between identical basins", () => {
    fc.assert(
      fc.property(simplexPoints(1), ([p]) => fisherRaoDistance(p, Float64Array.from(p)) < 1e-12),
      RUNS,
    );
  });

  it("satisfies the triangle inequality", () => {
    fc.assert(
      fc.property(
        simplexPoints(3),
        ([p, q, r]) => fisherRaoDistance(p, r) <= fisherRaoDistance(p, q) + fisherRaoDistance(q, r) + 1e-9,
      ),
      RUNS,
    );
  });

  it("stays within [0, π]", () => {
    fc.assert(
      fc.property(simplexPoints(2), ([p, q]) => {
        const d = fisherRaoDistance(p, q);
        return d >= 0 && d <= Math.PI + 1e-12;
      }),
      RUNS,
    );
  });
});

describe("geodesicStep", () => {
  it("lands on the simplex a fraction t of the way along the geodesic", () => {
    fc.assert(
      fc.property(simplexPoints(2), fc.double({ min: 0, max: 1, noNaN: true }), ([p, q], t) => {
        const step = geodesicStep(p, q, t);
        onSimplex(step);
        const d = fisherRaoDistance(p, q);
        expect(Math.abs(fisherRaoDistance(p, step) - t * d)).toBeLessThan(1e-7);
        expect(Math.abs(fisherRaoDistance(step, q) - (1 - t) * d)).toBeLessThan(1e-7);
      }),
      RUNS,
    );
  });
});

describe("frechetMean", () => {
  it("of one basin is that basin", () => {
    const p = normalizeSimplex([0.1, 0, 0.4, 0.5]);
    const m = frechetMean([p]);
    for (let i = 0; i < p.length; i++) expect(m[i]).toBeCloseTo(p[i], 14);
  });

  it("of two basins is their geodesic midpoint", () => {
    const p = normalizeSimplex([0.7, 0.2, 0.1, 0]);
    const q = normalizeSimplex([0, 0.1, 0.3, 0.6]);
    const m = frechetMean([p, q]);
    expect(fisherRaoDistance(m, geodesicStep(p, q, 0.5))).toBeLessThan(1e-9);
    expect(fisherRaoDistance(m, p)).toBeCloseTo(fisherRaoDistance(p, q) / 2, 9);
  });

  it("minimises the summed squared distance", () => {
    const points = fc.integer({ min: 1, max: 8 }).chain((k) => simplexPoints(k));
    fc.assert(
      fc.property(
        points,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
        (basins, ts) => {
          const mean = frechetMean(basins);
          onSimplex(mean);
          const best = sumSq(mean, basins);
          const rivals = [
            ...basins,
            ...ts.map((t, i) => geodesicStep(mean, basins[i % basins.length], t)),
            ...ts.map((t) => geodesicStep(mean, new Float64Array(mean.length).fill(1 / mean.length), t)),
          ];
          for (const x of rivals) expect(best).toBeLessThanOrEqual(sumSq(x, basins) * (1 + 1e-9) + 1e-15);
        },
      ),
      RUNS,
    );
  });
});

describe("extreme magnitudes", () => {
  it("normalises entries whose sum would overflow", () => {
    expect(Array.from(normalizeSimplex([1e308, 1e308]))).toEqual([0.5, 0.5]);
  });

  it("maps embeddings whose squares would overflow or underflow", () => {
    expect(Array.from(embeddingToSimplex([1e200, 1]))).toEqual([1, 0]);
    expect(Array.from(embeddingToSimplex([1e-170, 1e-170]))).toEqual([0.5, 0.5]);
  });
});
