import { describe, expect, it } from "vitest";
import { alignedData, chartSpecs, fatigueSeries, snapshotSeries } from "./chart-data.js";
import type { DashboardConfig, SnapshotRow } from "./wire-types.js";

const CONFIG: DashboardConfig = {
  kappa_star: 64.21,
  kappa_deviation_warning: 10,
  phi: { avg_low_critical: 0.65, low_warning: 0.715, avg_high_critical: 0.85 },
  drift: { warning: 1.4, critical: 2, units: "full", mode: "fixed" },
  partner_max_fatigue: 0.7,
  operator_token_required: false,
  cycles_available: false,
};

const snapshot = (id: number, at: number, phi: number, drift: number | null): SnapshotRow => ({
  id,
  kernel_id: "apollo_1",
  at: new Date(at).toISOString(),
  phi,
  kappa_eff: 60 + id,
  basin_drift: drift,
});

describe("chart data", () => {
  it("turns the API's newest-first snapshots into oldest-first series in epoch seconds", () => {
    const rows = [snapshot(3, 2000, 0.7, 0.2), snapshot(2, 1000, 0.75, null), snapshot(1, 1000, 0.8, 0)];
    const s = snapshotSeries(rows);
    expect(s.phi).toEqual({ xs: [1, 1, 2], ys: [0.8, 0.75, 0.7] });
    expect(s.kappa.ys).toEqual([61, 62, 63]);
    // A snapshot without a basin has no drift: a gap, not a zero.
    expect(s.drift.ys).toEqual([0, null, 0.2]);
  });

  it("turns newest-first fatigue reports into an oldest-first series", () => {
    const s = fatigueSeries([
      { timestamp: "2026-11-22T12:02:00.000Z", fatigue: 0.3 },
      { timestamp: "2026-11-22T12:01:00.000Z", fatigue: 0.2 },
    ]);
    expect(s.ys).toEqual([0.2, 0.3]);
    expect(s.xs[1] - s.xs[0]).toBe(60);
  });

  it("gives each threshold a constant series beside the measured one", () => {
    const [phi] = chartSpecs(CONFIG, 0.45, null);
    if (!phi) throw new Error("no Φ chart");
    expect(alignedData({ xs: [1, 2], ys: [0.8, 0.7] }, phi)).toEqual([
      [1, 2],
      [0.8, 0.7],
      [0.65, 0.65],
      [0.715, 0.715],
      [0.85, 0.85],
    ]);
    // The shaded band runs from the warning line down to the critical average.
    const [upper, lower] = phi.band ?? [];
    expect([phi.thresholds[upper as number]?.value, phi.thresholds[lower as number]?.value]).toEqual([
      0.715, 0.65,
    ]);
  });

  it("draws κ* with its ±10 warning lines, and the kernel's rest threshold on fatigue", () => {
    const specs = Object.fromEntries(chartSpecs(CONFIG, 0.43, null).map((s) => [s.id, s]));
    const kappa = specs.kappa?.thresholds.map((t) => t.value) ?? [];
    expect(kappa).toHaveLength(3);
    [64.21, 74.21, 54.21].forEach((value, i) => {
      expect(kappa[i]).toBeCloseTo(value, 9);
    });
    expect(specs.fatigue?.thresholds.map((t) => t.value)).toEqual([0.43]);
    expect(chartSpecs(CONFIG, null, null).find((s) => s.id === "fatigue")?.thresholds).toEqual([]);
  });

  it("draws a kernel's own drift thresholds when the monitor takes them from its reference", () => {
    const fixed = chartSpecs(CONFIG, null, null).find((s) => s.id === "drift");
    expect(fixed?.thresholds.map((t) => t.value)).toEqual([1.4, 2]);
    const own = chartSpecs(CONFIG, null, { warning: 0.31, critical: 0.52, source: "reference" }).find(
      (s) => s.id === "drift",
    );
    expect(own?.thresholds.map((t) => t.value)).toEqual([0.31, 0.52]);
    expect(own?.thresholds[0]?.label).toContain("own reference");
  });
});
