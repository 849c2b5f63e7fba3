import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { feed, KAPPA_STAR, makeMonitor, ONE_HOT, snap } from "../../../test/support/health-fixture.js";
import { clusterStrength } from "./resonance.js";

/** Ordinary least-squares slope of y against 0, 1, 2, … */
function leastSquaresSlope(y: readonly number[]): number {
  const n = y.length;
  const xMean = (n - 1) / 2;
  const yMean = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  y.forEach((v, x) => {
    sxy += (x - xMean) * (v - yMean);
    sxx += (x - xMean) ** 2;
  });
  return sxy / sxx;
}

describe("trends", () => {
  it("match a direct least-squares fit over the last 10 snapshots for every metric", () => {
    const metric = (min: number, max: number) => fc.double({ min, max, noNaN: true });
    const row = fc.record({
      phi: metric(0, 1),
      kappa_eff: metric(0, 120),
      avg_latency_ms: metric(0, 5000),
      error_rate: metric(0, 1),
      memory_mb: metric(0, 4000),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 2, maxLength: 60 }), (rows) => {
        const { monitor } = makeMonitor();
        for (const r of rows) feed(monitor, 1, r);
        const window = rows.slice(-10);
        const slopes = monitor.trends("apollo_1").slopes_per_snapshot;
        for (const key of ["phi", "kappa_eff", "avg_latency_ms", "error_rate", "memory_mb"] as const) {
          const want = leastSquaresSlope(window.map((r) => r[key]));
          const scale = Math.max(1, ...rows.map((r) => Math.abs(r[key])));
          expect(Math.abs((slopes[key] as number) - want)).toBeLessThanOrEqual(1e-9 * scale);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("stay finite for values near the largest double, which validation accepts", () => {
    const { monitor } = makeMonitor();
    const huge = 1.7e308;
    feed(monitor, 12, (i) => ({ kappa_eff: huge, avg_latency_ms: huge - (11 - i) * 1e300 }));
    const slopes = monitor.trends("apollo_1").slopes_per_snapshot;
    expect(slopes.kappa_eff).toBe(0);
    expect((slopes.avg_latency_ms as number) / 1e300).toBeCloseTo(1, 9);
  });

  it("report the window they were taken over", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 4, (i) => ({ phi: 0.7 + 0.01 * i }));
    const trends = monitor.trends("apollo_1");
    expect(trends.window_snapshots).toBe(4);
    expect(trends.slopes_per_snapshot.phi).toBeCloseTo(0.01, 12);
  });
});

describe("resonance points", () => {
  it("are recorded when κ sits within 5 of κ* with a steady Φ over 5 snapshots", () => {
    const { monitor } = makeMonitor();
    const points = [];
    for (let i = 0; i < 8; i++) {
      const o = monitor.ingest(
        snap({ phi: 0.78 + (i % 2) * 0.01, kappa_eff: KAPPA_STAR + 4 - (i % 2), basin_coords: ONE_HOT }),
      );
      if (o.resonance) points.push(o.resonance);
    }
    expect(points).toHaveLength(1);
    const p = points[0];
    expect(p?.snapshot_index).toBe(5);
    expect(p?.phi_variance).toBeCloseTo(0.000024, 12); // 0.78, .79, .78, .79, .78
    expect(p?.kappa_variance).toBeCloseTo(0.24, 12);
    expect(p?.cluster_strength).toBeCloseTo(clusterStrength(0.000024, 0.24), 12);
    expect(p?.basin_coords && Array.from(p.basin_coords)).toEqual(ONE_HOT);
    expect(monitor.health("apollo_1").in_resonance).toBe(true);
  });

  it("are recorded again only after the kernel left resonance and came back", () => {
    const { monitor } = makeMonitor();
    const at: number[] = [];
    const kappas = [...Array(6).fill(KAPPA_STAR), KAPPA_STAR + 6, ...Array(5).fill(KAPPA_STAR)];
    for (const kappa_eff of kappas) {
      const o = monitor.ingest(snap({ kappa_eff }));
      if (o.resonance) at.push(o.resonance.snapshot_index);
    }
    // The excursion stays in the 5-snapshot window (var κ 5.76) until snapshot 12.
    expect(at).toEqual([5, 12]);
  });

  it("are not recorded with κ more than 5 from κ*, Φ variance ≥ 0.01, or a weak cluster", () => {
    const far = makeMonitor().monitor;
    feed(far, 6, { kappa_eff: KAPPA_STAR + 5.01 });
    const restless = makeMonitor().monitor;
    feed(restless, 6, (i) => ({ phi: i % 2 === 0 ? 0.59 : 0.81 })); // variance 0.0116
    const weak = makeMonitor().monitor;
    feed(weak, 6, (i) => ({ kappa_eff: KAPPA_STAR + (i % 2 === 0 ? 1.1 : -1.1) })); // strength 1/2.16
    const resonant = [far, restless, weak].map((m) => m.health("apollo_1").in_resonance);
    expect(resonant).toEqual([false, false, false]);
    const steady = makeMonitor().monitor;
    feed(steady, 6, (i) => ({ phi: i % 2 === 0 ? 0.6 : 0.8, kappa_eff: KAPPA_STAR + 4.99 })); // variance 0.0096
    expect(steady.health("apollo_1").in_resonance).toBe(true);
  });
});

describe("constellation health", () => {
  it("counts kernels by status, names the worst and averages Φ, κ and drift", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, { kernel_id: "ok", phi: 0.8, kappa_eff: 60, basin_coords: ONE_HOT });
    feed(monitor, 10, { kernel_id: "slow", phi: 0.76, kappa_eff: 64, avg_latency_ms: 2500 });
    feed(monitor, 10, { kernel_id: "failing", phi: 0.78, kappa_eff: 62, error_rate: 0.2 });
    feed(monitor, 3, { kernel_id: "new", phi: 0.7, kappa_eff: 66 });
    const c = monitor.constellationHealth();
    expect(c.counts).toEqual({ healthy: 1, warning: 1, critical: 1, insufficient_data: 1 });
    expect([c.worst, c.kernel_count]).toEqual(["critical", 4]);
    expect(c.mean_phi).toBeCloseTo(0.76, 12);
    expect(c.mean_kappa).toBeCloseTo(63, 12);
    expect(c.mean_basin_drift).toBe(0);
    expect(c.kernels.find((k) => k.kernel_id === "slow")).toEqual({
      kernel_id: "slow",
      status: "warning",
      regime: "hierarchical",
      phi: 0.76,
      kappa_eff: 64,
      basin_drift: null,
      snapshots: 10,
    });
  });

  it("is healthy when healthy kernels sit beside ones still gathering data", () => {
    const { monitor } = makeMonitor();
    feed(monitor, 10, { kernel_id: "a" });
    feed(monitor, 2, { kernel_id: "b" });
    expect(monitor.constellationHealth().worst).toBe("healthy");
  });

  it("is insufficient_data with no kernels", () => {
    const c = makeMonitor().monitor.constellationHealth();
    expect(c).toMatchObject({
      worst: "insufficient_data",
      kernel_count: 0,
      mean_phi: null,
      mean_basin_drift: null,
    });
  });
});
