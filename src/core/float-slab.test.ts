import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { float32sOf, float64s } from "./float-slab.js";

describe("float slab", () => {
  it("hands out zeroed, aligned views that never overlap, across many buffers (any mix of sizes)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ wide: fc.boolean(), n: fc.integer({ min: 0, max: 300 }) }), { maxLength: 200 }),
        (requests) => {
          const views = requests.map(({ wide, n }) => {
            if (!wide) return float64s(n);
            const values = Array.from({ length: n }, (_, i) => i + 0.5);
            const view = float32sOf(values);
            expect(Array.from(view)).toEqual(values); // i + 0.5 is exact in float32
            return view;
          });
          views.forEach((v, i) => {
            expect(v.byteOffset % 8).toBe(0);
            if (v instanceof Float64Array) expect(v.every((x) => x === 0)).toBe(true);
            v.fill(i + 1); // a write to one view must show in no other
          });
          views.forEach((v, i) => {
            expect(v.every((x) => x === i + 1)).toBe(true);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("rounds to float32 as Float32Array.from does", () => {
    const values = [0.1, 1 / 3, 1e-40, 3.4e38, -0];
    expect(Array.from(float32sOf(values))).toEqual(Array.from(Float32Array.from(values)));
  });

  it("gives a large array a buffer of its own, and a small one a shared buffer", () => {
    const large = float64s(1024);
    expect([large.byteOffset, large.buffer.byteLength]).toEqual([0, 1024 * 8]);
    // 20 basins of 64 doubles (10 KB) span two or three 8 KB buffers, not twenty.
    const small = Array.from({ length: 20 }, () => float64s(64));
    const buffers = new Set(small.map((v) => v.buffer));
    expect(buffers.size).toBeLessThanOrEqual(3);
    for (const b of buffers) expect(b.byteLength).toBe(8192);
  });
});
