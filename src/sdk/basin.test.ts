import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fisherRaoDistance } from "../core/geometry.js";
import { basinFromEmbedding, basinFromText, fnv1a32 } from "./basin.js";

/** A probability vector: the right length, finite non-negative entries, summing to 1 within 1e-9. */
function expectProbabilityVector(basin: number[], length: number): void {
  expect(basin).toHaveLength(length);
  let sum = 0;
  for (const p of basin) {
    expect(Number.isFinite(p)).toBe(true);
    expect(p).toBeGreaterThanOrEqual(0);
    sum += p;
  }
  expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-9);
}

/** FNV-1a straight from its definition, over the bytes Node's own UTF-8 encoder writes. */
function referenceFnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  return hash >>> 0;
}

const PARAGRAPH =
  "The rest scheduler lets a kernel pause while its coupled partner covers for it. " +
  "Fatigue rises with falling integration, unstable coupling, load and errors, and a " +
  "kernel whose fatigue crosses its policy threshold asks for rest through the control plane.";
const ONE_WORD_CHANGED = PARAGRAPH.replace("unstable", "erratic");
const UNRELATED =
  "Bake the bread at two hundred degrees until the crust turns golden brown, then let it " +
  "cool on a wire rack before slicing; sourdough keeps for days wrapped in a linen cloth.";

describe("basinFromEmbedding", () => {
  it("maps an embedding onto the simplex by squaring and normalising", () => {
    const basin = basinFromEmbedding([3, -4]);
    expect(basin[0]).toBeCloseTo(0.36, 12);
    expect(basin[1]).toBeCloseTo(0.64, 12);
    expect(Array.isArray(basin)).toBe(true);
  });

  it("accepts a typed array, as embedding libraries return", () => {
    expect(basinFromEmbedding(new Float32Array([1, 1, 1, 1]))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("refuses an empty, non-finite or all-zero vector with a RangeError saying what is wrong", () => {
    expect(() => basinFromEmbedding([])).toThrow(RangeError);
    expect(() => basinFromEmbedding([])).toThrow(/at least one entry/);
    expect(() => basinFromEmbedding([1, Number.NaN])).toThrow(/embedding\[1\].*finite/);
    expect(() => basinFromEmbedding([Number.NEGATIVE_INFINITY])).toThrow(RangeError);
    expect(() => basinFromEmbedding([0, 0, 0])).toThrow(/non-zero/);
  });

  it("always gives a probability vector of the embedding's length", () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 128 })
          .filter((v) => v.some((x) => x !== 0)),
        (vector) => expectProbabilityVector(basinFromEmbedding(vector), vector.length),
      ),
    );
  });
});

describe("fnv1a32", () => {
  it("matches the published FNV-1a test vectors", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  it("hashes the UTF-8 bytes of any string, lone surrogates included", () => {
    const anyUtf16 = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), anyUtf16), (text) => {
        expect(fnv1a32(text)).toBe(referenceFnv1a(text));
      }),
    );
  });
});

describe("basinFromText", () => {
  it("always gives a finite probability vector with one entry per bucket", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 300 }),
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 1, max: 4 }),
        (text, buckets, n) => expectProbabilityVector(basinFromText(text, { buckets, n }), buckets),
      ),
    );
  });

  it("has 64 entries by default", () => {
    expectProbabilityVector(basinFromText(PARAGRAPH), 64);
  });

  it("gives the same basin for the same text, every time", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const basin = basinFromText(text);
        expect(basinFromText(text)).toEqual(basin);
        expect(fisherRaoDistance(basin, basinFromText(text))).toBe(0);
      }),
    );
  });

  it("puts a word in the bucket its stable hash names, so basins stay comparable across versions", () => {
    // fnv1a32("a") = 0xe40c292c, and 0xe40c292c mod 4 = 0.
    const total = 1 + 4e-3;
    expect(basinFromText("A", { buckets: 4, n: 1 })).toEqual([
      1.001 / total,
      1e-3 / total,
      1e-3 / total,
      1e-3 / total,
    ]);
  });

  it("gives the uniform basin for a text without words, with no entry at zero", () => {
    for (const text of ["", "   ", "?!… — ,;"])
      expect(basinFromText(text, { buckets: 8 })).toEqual(Array(8).fill(1 / 8));
  });

  it("ignores case, punctuation, spacing and Unicode normalisation form", () => {
    expect(basinFromText("Hello, World!")).toEqual(basinFromText("hello   world"));
    expect(basinFromText("café crème")).toEqual(basinFromText("cafe\u0301 cre\u0300me"));
  });

  it("tells word order apart through bigrams, and not with words alone", () => {
    const a = "dog bites man";
    const b = "man bites dog";
    expect(basinFromText(a, { n: 1 })).toEqual(basinFromText(b, { n: 1 }));
    expect(fisherRaoDistance(basinFromText(a), basinFromText(b))).toBeGreaterThan(0.5);
  });

  it("keeps a text with one word changed close and an unrelated text far", () => {
    const original = basinFromText(PARAGRAPH);
    const nearby = fisherRaoDistance(original, basinFromText(ONE_WORD_CHANGED));
    const unrelated = fisherRaoDistance(original, basinFromText(UNRELATED));
    expect(nearby).toBeGreaterThan(0);
    expect(nearby).toBeLessThan(0.5);
    expect(unrelated).toBeGreaterThan(1.2);
    expect(unrelated).toBeGreaterThan(3 * nearby);
  });

  it("refuses a bucket count or n-gram length that is not a positive integer", () => {
    expect(() => basinFromText("x", { buckets: 0 })).toThrow(RangeError);
    expect(() => basinFromText("x", { buckets: 2.5 })).toThrow(/buckets/);
    expect(() => basinFromText("x", { n: 0 })).toThrow(/\bn must/);
    expect(() => basinFromText("x", { n: Number.NaN })).toThrow(RangeError);
  });
});
