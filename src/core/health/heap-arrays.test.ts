import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { counters, doubles } from "./heap-arrays.js";

describe("heap arrays", () => {
  it("copy doubles bit for bit, negative zero and subnormals included", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true })), (values) => {
        const copy = doubles(values.length, Float64Array.from(values));
        expect(copy.length).toBe(values.length);
        values.forEach((v, i) => {
          expect(Object.is(copy[i], v)).toBe(true);
        });
      }),
    );
  });

  it("start as zeros: doubles and counters alike", () => {
    expect(doubles(3)).toEqual([0, 0, 0]);
    expect(counters(4)).toEqual([0, 0, 0, 0]);
  });
});
