import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Series, SnapshotRing } from "./ring-buffer.js";
import { windowLayout } from "./sliding-window.js";

/** Direct two-pass statistics of a window, the reference the O(1) sums must match. */
function direct(values: readonly number[]) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, y) => a + (y - mean) ** 2, 0) / n;
  const xMean = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  values.forEach((y, x) => {
    sxy += (x - xMean) * (y - mean);
    sxx += (x - xMean) ** 2;
  });
  return { mean, variance, slope: n < 2 ? 0 : sxy / sxx };
}

/**
 * |got − want| within 1e-9 of the larger of |want| and the magnitude of the recent values
 * (the window and those since the last exact recompute): the sums are centred on a recent
 * mean, so a window of zeros just after large values is exact only to their rounding.
 */
function close(got: number, want: number, scale: number): boolean {
  return Math.abs(got - want) <= 1e-9 * Math.max(Math.abs(want), scale, Number.MIN_VALUE);
}

function pushPhi(ring: SnapshotRing, phi: number, regime = 1): void {
  ring.staged[Series.phi] = phi;
  ring.stagedRegime = regime;
  ring.push();
}

describe("ring buffer window statistics", () => {
  it("match a direct mean, variance and least-squares slope after every push (1000 random series)", () => {
    fc.assert(
      fc.property(
        // Near-subnormal values are flushed to 0: their squares underflow in any method.
        fc.array(
          fc.double({ min: -1, max: 1, noNaN: true }).map((u) => (Math.abs(u) < 1e-100 ? 0 : u)),
          { minLength: 1, maxLength: 400 },
        ),
        fc.constantFrom(1e-6, 1, 64, 1e6),
        fc.constantFrom(0, 64.21, -1e3),
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 2000 }),
        (unit, magnitude, offset, size, extraCapacity, recomputeEvery) => {
          const series = unit.map((u) => offset + u * magnitude);
          const ring = new SnapshotRing(size + extraCapacity, [
            windowLayout(size, [Series.phi], recomputeEvery),
          ]);
          const w = ring.windows[0];
          if (!w) throw new Error("no window");
          for (let i = 0; i < series.length; i++) {
            pushPhi(ring, series[i] as number);
            const inWindow = series.slice(Math.max(0, i + 1 - size), i + 1);
            const want = direct(inWindow);
            const scale = Math.max(
              ...series.slice(Math.max(0, i + 1 - size - recomputeEvery), i + 1).map(Math.abs),
            );
            if (w.n !== inWindow.length) return false;
            if (!close(w.mean(Series.phi), want.mean, scale)) return false;
            if (!close(w.variance(Series.phi), want.variance, scale * scale)) return false;
            if (!close(w.slope(Series.phi), want.slope, scale)) return false;
          }
          return true;
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("counts breakdown regimes in the window from the regime codes", () => {
    const ring = new SnapshotRing(32, [windowLayout(4, [Series.breakdown])]);
    const regimes = [3, 3, 1, 3, 0, 0, 3];
    const counts: number[] = [];
    for (const r of regimes) {
      pushPhi(ring, 0.5, r);
      const w = ring.windows[0];
      counts.push(Math.round((w?.mean(Series.breakdown) ?? 0) * (w?.n ?? 0)));
    }
    expect(counts).toEqual([1, 2, 2, 3, 2, 1, 2]);
  });

  it("keeps every stored value in order while it grows and wraps", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 700 }), (capacity, pushes) => {
        const ring = new SnapshotRing(capacity, []);
        for (let i = 0; i < pushes; i++) pushPhi(ring, i);
        expect(ring.length).toBe(Math.min(capacity, pushes));
        expect(ring.total).toBe(pushes);
        for (let age = 0; age < ring.length; age++)
          expect(ring.valueAt(Series.phi, age)).toBe(pushes - 1 - age);
      }),
      { numRuns: 200 },
    );
  });

  it("fills earlier snapshots of a newly reported metric with its first value", () => {
    const ring = new SnapshotRing(16, [windowLayout(4, [Series.memoryMb])]);
    for (let i = 0; i < 6; i++) pushPhi(ring, 0.5);
    ring.backfill(Series.memoryMb, 500);
    ring.staged[Series.memoryMb] = 540;
    ring.push();
    const w = ring.windows[0];
    expect(w?.mean(Series.memoryMb)).toBe(510);
    expect(w?.slope(Series.memoryMb)).toBeCloseTo(12, 12); // 500, 500, 500, 540
  });

  it("refuses a window longer than the ring", () => {
    expect(() => new SnapshotRing(5, [windowLayout(6, [Series.phi])])).toThrow(RangeError);
  });

  it("does not grow its arrays past the young kernel's needs", () => {
    const ring = new SnapshotRing(1000, []);
    for (let i = 0; i < 20; i++) pushPhi(ring, 0.5);
    expect(ring.byteLength).toBe(32 * 64);
  });
});
