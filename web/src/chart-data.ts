/**
 * A kernel's four charts as data: each a time series with its threshold lines, in the form
 * uPlot draws (x in epoch seconds, oldest first; one array per series). Thresholds are
 * constant series, so they show in the legend with their values and scale the y axis, and
 * a kernel far from them still shows where they are.
 */
import type { DashboardConfig, FatigueRow, KernelHealth, SnapshotRow } from "./wire-types.js";

export type ChartId = "phi" | "kappa" | "fatigue" | "drift";

export interface Threshold {
  label: string;
  value: number;
  /** "critical" lines are red, "warning" amber, "target" grey. */
  kind: "critical" | "warning" | "target";
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  /** The measured series' legend name. */
  series: string;
  thresholds: Threshold[];
  /** Indices into `thresholds` of the upper and lower edge of a shaded band. */
  band?: [number, number];
  /** Fixed y range, for values with known bounds. */
  range?: [number, number];
}

export interface ChartSeries {
  xs: number[];
  ys: (number | null)[];
}

/** Φ band 0.65–0.715 shaded (warning below 0.715, critical average below 0.65), κ* ± 10, drift lines, the rest threshold. */
export function chartSpecs(
  config: DashboardConfig,
  restThreshold: number | null,
  drift: KernelHealth["drift_thresholds"] | null,
): ChartSpec[] {
  const kStar = config.kappa_star;
  const dev = config.kappa_deviation_warning;
  const driftLines = drift ?? config.drift;
  const driftSource = drift?.source === "reference" ? " (own reference)" : "";
  return [
    {
      id: "phi",
      title: "Φ integration",
      series: "Φ",
      thresholds: [
        {
          label: `avg low critical ${config.phi.avg_low_critical}`,
          value: config.phi.avg_low_critical,
          kind: "critical",
        },
        { label: `low warning ${config.phi.low_warning}`, value: config.phi.low_warning, kind: "warning" },
        {
          label: `avg high critical ${config.phi.avg_high_critical}`,
          value: config.phi.avg_high_critical,
          kind: "critical",
        },
      ],
      band: [1, 0],
      range: [0, 1],
    },
    {
      id: "kappa",
      title: "κ coupling",
      series: "κ",
      thresholds: [
        { label: `κ* ${kStar}`, value: kStar, kind: "target" },
        { label: `κ* + ${dev}`, value: kStar + dev, kind: "warning" },
        { label: `κ* − ${dev}`, value: kStar - dev, kind: "warning" },
      ],
    },
    {
      id: "fatigue",
      title: "Fatigue",
      series: "fatigue",
      thresholds:
        restThreshold === null
          ? []
          : [{ label: `rest threshold ${restThreshold.toFixed(2)}`, value: restThreshold, kind: "warning" }],
      range: [0, 1],
    },
    {
      id: "drift",
      title: `Basin drift (${config.drift.units === "half" ? "half-angle" : "Fisher–Rao"})`,
      series: "drift",
      thresholds: [
        {
          label: `warning ${round(driftLines.warning)}${driftSource}`,
          value: driftLines.warning,
          kind: "warning",
        },
        {
          label: `critical ${round(driftLines.critical)}${driftSource}`,
          value: driftLines.critical,
          kind: "critical",
        },
      ],
    },
  ];
}

const round = (n: number) => Number(n.toFixed(3));

/** Snapshot rows (newest first, as the API lists them) → Φ, κ and drift series, oldest first. */
export function snapshotSeries(rows: readonly SnapshotRow[]): Record<"phi" | "kappa" | "drift", ChartSeries> {
  const ordered = [...rows].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id);
  const xs = ordered.map((r) => Date.parse(r.at) / 1000);
  return {
    phi: { xs, ys: ordered.map((r) => r.phi) },
    kappa: { xs, ys: ordered.map((r) => r.kappa_eff) },
    drift: { xs, ys: ordered.map((r) => r.basin_drift) },
  };
}

/** Fatigue rows (newest first) → the fatigue series, oldest first. */
export function fatigueSeries(rows: readonly FatigueRow[]): ChartSeries {
  const ordered = rows.map((r) => ({ x: Date.parse(r.timestamp) / 1000, y: r.fatigue })).reverse();
  return { xs: ordered.map((p) => p.x), ys: ordered.map((p) => p.y) };
}

/** uPlot's aligned data: x, the measured series, then one constant series per threshold. */
export function alignedData(series: ChartSeries, spec: ChartSpec): (number | null)[][] {
  return [series.xs, series.ys, ...spec.thresholds.map((t) => series.xs.map(() => t.value))];
}
