import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { constellationMetrics, type KernelWindow, leastSquaresSlope } from "./constellation-metrics.js";

/** A window of 4 keeps the hand computations short. */
const CFG = { ...DEFAULT_CONFIG.cycles, windowSnapshots: 4 };

function kernel(id: string, over: Partial<KernelWindow> = {}): KernelWindow {
  return { kernel_id: id, basin: null, baseline: null, phi: [], kappa: [], fatigue: [], ...over };
}

describe("coherence and spread", () => {
  it("are 1 and 0 when every basin is the same", () => {
    const basin = [0.1, 0.2, 0.3, 0.4];
    const m = constellationMetrics(
      [kernel("a", { basin }), kernel("b", { basin }), kernel("c", { basin })],
      CFG,
    );
    expect(m.coherence).toBeCloseTo(1, 12);
    expect(m.spread).toBeCloseTo(0, 12);
  });

  it("put two opposite one-hot basins π/2 from their mean, the midpoint: spread 0.5", () => {
    // d(e1, e2) = π; the Fréchet mean is [0.5, 0.5], each 2·arccos(√0.5) = π/2 away.
    const m = constellationMetrics([kernel("a", { basin: [1, 0] }), kernel("b", { basin: [0, 1] })], CFG);
    expect(m.spread).toBeCloseTo(0.5, 12);
    expect(m.coherence).toBeCloseTo(0.5, 12);
  });

  it("put three one-hot basins 2·arccos(1/√3) from the uniform mean", () => {
    const m = constellationMetrics(
      [
        kernel("a", { basin: [1, 0, 0] }),
        kernel("b", { basin: [0, 1, 0] }),
        kernel("c", { basin: [0, 0, 1] }),
      ],
      CFG,
    );
    const spread = (2 * Math.acos(1 / Math.sqrt(3))) / Math.PI; // ≈ 0.608
    expect(m.spread).toBeCloseTo(spread, 10);
    expect(m.coherence).toBeCloseTo(1 - spread, 10);
  });

  it("are 0 and 1 for a single basin, which is its own mean", () => {
    const m = constellationMetrics([kernel("a", { basin: Float64Array.of(0.3, 0.7) })], CFG);
    expect(m.spread).toBeCloseTo(0, 12);
    expect(m.measured.basins).toBe(1);
  });

  it("leave out kernels without a basin, and basins of a dimension fewer kernels share", () => {
    const m = constellationMetrics(
      [
        kernel("a", { basin: [1, 0] }),
        kernel("b", { basin: [0, 1] }),
        kernel("c", { basin: null }),
        kernel("d", { basin: [1, 0, 0] }),
      ],
      CFG,
    );
    expect(m.measured.basins).toBe(2);
    expect(m.spread).toBeCloseTo(0.5, 12);
  });

  it("are null with no basins at all", () => {
    const m = constellationMetrics([kernel("a", { fatigue: [0.5] })], CFG);
    expect(m.coherence).toBeNull();
    expect(m.spread).toBeNull();
  });
});

describe("average fatigue", () => {
  it("is the mean of each kernel's latest fatigue", () => {
    const m = constellationMetrics(
      [kernel("a", { fatigue: [0.1, 0.9] }), kernel("b", { fatigue: [0.5, 0.3] })],
      CFG,
    );
    expect(m.average_fatigue).toBeCloseTo(0.6, 12);
    expect(m.measured.fatigue).toBe(2);
  });

  it("skips kernels that have reported no fatigue, and is null when none has", () => {
    expect(constellationMetrics([kernel("a", { fatigue: [0.4] }), kernel("b")], CFG).average_fatigue).toBe(
      0.4,
    );
    expect(constellationMetrics([kernel("a")], CFG).average_fatigue).toBeNull();
  });
});

describe("mean drift", () => {
  it("averages each kernel's Fisher–Rao distance from its own baseline, in full units", () => {
    const m = constellationMetrics(
      [
        kernel("a", { basin: [0.5, 0.5], baseline: [1, 0] }), // π/2
        kernel("b", { basin: [0, 1], baseline: [0, 1] }), // 0
        kernel("c", { basin: [1, 0], baseline: null }), // no baseline: left out
      ],
      CFG,
    );
    expect(m.mean_drift).toBeCloseTo(Math.PI / 4, 12);
    expect(m.measured.drift).toBe(2);
  });

  it("reaches π for a basin opposite its baseline", () => {
    const m = constellationMetrics([kernel("a", { basin: [0, 1], baseline: [1, 0] })], CFG);
    expect(m.mean_drift).toBeCloseTo(Math.PI, 12);
  });

  it("is null when no kernel has both a basin and a baseline of the same dimension", () => {
    const m = constellationMetrics([kernel("a", { basin: [0, 1], baseline: [1, 0, 0] }), kernel("b")], CFG);
    expect(m.mean_drift).toBeNull();
  });
});

describe("stuck kernels", () => {
  const flat = [0.6, 0.6, 0.6, 0.6];
  const tired = [0.6, 0.6, 0.6, 0.6];

  it("counts a kernel whose Φ does not move while it stays tired", () => {
    const m = constellationMetrics([kernel("a", { phi: flat, fatigue: tired })], CFG);
    expect(m.stuck_kernels).toEqual(["a"]);
    expect(m.stuck_fraction).toBe(1);
  });

  it("does not count a kernel whose Φ moves, rising or falling", () => {
    const rising = [0.5, 0.51, 0.52, 0.53];
    const falling = [0.53, 0.52, 0.51, 0.5];
    const m = constellationMetrics(
      [kernel("up", { phi: rising, fatigue: tired }), kernel("down", { phi: falling, fatigue: tired })],
      CFG,
    );
    expect(m.stuck_fraction).toBe(0);
  });

  it("needs |Φ slope| strictly below the threshold", () => {
    // Least squares over [0, 0.25, 0.5, 0.75] is exactly 0.25 per update.
    const phi = [0, 0.25, 0.5, 0.75];
    const at = (limit: number) =>
      constellationMetrics([kernel("a", { phi, fatigue: tired })], { ...CFG, stuckPhiSlopePerUpdate: limit });
    expect(at(0.25).stuck_fraction).toBe(0);
    expect(at(0.2500001).stuck_fraction).toBe(1);
  });

  it("judges fatigue by its mean over the window, strictly above the threshold", () => {
    const m = constellationMetrics(
      [
        kernel("tired-now", { phi: flat, fatigue: [0.2, 0.2, 0.2, 0.9] }), // mean 0.375
        kernel("at-limit", { phi: flat, fatigue: [0.5, 0.5, 0.5, 0.5] }),
        kernel("tired", { phi: flat, fatigue: [0.4, 0.6, 0.6, 0.6] }), // mean 0.55
      ],
      CFG,
    );
    expect(m.stuck_kernels).toEqual(["tired"]);
    expect(m.stuck_fraction).toBeCloseTo(1 / 3, 12);
  });

  it("reads only the newest window of a longer history", () => {
    const phi = [0.1, 0.9, 0.2, ...flat];
    const m = constellationMetrics([kernel("a", { phi, fatigue: [0, 0, 0, ...tired] })], CFG);
    expect(m.stuck_fraction).toBe(1);
  });

  it("divides by the kernels with a full window and leaves the rest out", () => {
    const m = constellationMetrics(
      [
        kernel("a", { phi: flat, fatigue: tired }),
        kernel("b", { phi: [0.5, 0.6, 0.7, 0.8], fatigue: tired }),
        kernel("new", { phi: [0.6, 0.6, 0.6], fatigue: [0.9, 0.9, 0.9] }),
      ],
      CFG,
    );
    expect(m.measured.stuck).toBe(2);
    expect(m.stuck_fraction).toBe(0.5);
  });

  it("is null when no kernel has a full window", () => {
    expect(
      constellationMetrics([kernel("a", { phi: [0.6], fatigue: [0.9] })], CFG).stuck_fraction,
    ).toBeNull();
  });
});

describe("rigidity", () => {
  const rigidity = (...kappas: number[][]) =>
    constellationMetrics(
      kappas.map((kappa, i) => kernel(`k${i}`, { kappa })),
      CFG,
    ).rigidity;

  it("is 1 for a κ that never varies", () => {
    expect(rigidity([64, 64, 64, 64])).toBe(1);
  });

  it("is 0 once std κ reaches the scale, and stays 0 beyond it", () => {
    expect(rigidity([59, 69, 59, 69])).toBe(0); // population std 5
    expect(rigidity([40, 90, 40, 90])).toBe(0); // std 25
  });

  it("falls linearly with std κ in between", () => {
    expect(rigidity([62, 66, 62, 66])).toBeCloseTo(1 - 2 / 5, 12);
  });

  it("is the mean of per-kernel rigidity across the constellation", () => {
    expect(rigidity([64, 64, 64, 64], [62, 66, 62, 66])).toBeCloseTo((1 + 0.6) / 2, 12);
  });

  it("leaves out kernels with less than a full window of κ, and is null without any", () => {
    expect(rigidity([64, 64, 64, 64], [10, 90])).toBe(1);
    expect(rigidity([64, 64])).toBeNull();
  });
});

describe("least-squares slope", () => {
  it("fits the newest n values per update", () => {
    expect(leastSquaresSlope([9, 0, 0.25, 0.5, 0.75], 4)).toBe(0.25);
    expect(leastSquaresSlope([1, 3, 2], 3)).toBeCloseTo(0.5, 12);
  });
});

it("reports every metric as null for an empty constellation", () => {
  const m = constellationMetrics([], CFG);
  expect(m).toMatchObject({
    kernels: 0,
    coherence: null,
    spread: null,
    average_fatigue: null,
    mean_drift: null,
    stuck_fraction: null,
    rigidity: null,
  });
});
