/**
 * The read side of the monitor: per-kernel health, trends and the constellation summary,
 * in the snake_case shapes the HTTP edge returns as they are. Built on request from the
 * kernel's cached state; nothing here runs per snapshot.
 */
import { leastSquaresSlope } from "../cycles/constellation-metrics.js";
import { degradationIssues, type HealthIssue } from "./issues.js";
import {
  CRITICAL,
  HEALTHY,
  type HealthStatus,
  INSUFFICIENT,
  type KernelHealth,
  STATUS,
  WARNING,
} from "./kernel-health.js";
import { Series } from "./ring-buffer.js";
import { type HealthThresholds, REGIMES, type Regime } from "./thresholds.js";

/** Where the drift thresholds in force come from. */
export interface DriftThresholdReport {
  warning: number;
  critical: number;
  source: "fixed" | "reference";
  units: "full" | "half";
}

/**
 * The measurements the original's HealthDegradation carries, under its names: the newest
 * values, window means and per-snapshot slopes. A metric the kernel never reported is null.
 * @example { basin_distance: 0.4, phi_current: 0.71, phi_avg: 0.74, phi_trend: -0.01, kappa_deviation: 2.1, … }
 */
export interface DegradationMetrics {
  basin_distance: number | null;
  phi_current: number | null;
  phi_avg: number | null;
  phi_trend: number | null;
  kappa_current: number | null;
  /** |κ − κ*|. */
  kappa_deviation: number | null;
  regime: Regime | null;
  /** Share of the window's snapshots in the breakdown regime. */
  breakdown_frequency: number | null;
  error_rate: number | null;
  latency_ms: number | null;
  memory_mb: number | null;
  /** MB per snapshot over the window. */
  memory_trend: number | null;
}

/** @example { kernel_id: "apollo_1", status: "warning", snapshots: 42, window_snapshots: 10, findings: [ … ], metrics: { … } } */
export interface DegradationReport {
  kernel_id: string;
  status: HealthStatus;
  snapshots: number;
  /** Snapshots in the window the averages and slopes were taken over. */
  window_snapshots: number;
  /** Each firing rule with what it measured and against what, worst first. */
  findings: HealthIssue[];
  metrics: DegradationMetrics;
  /** Epoch seconds of the newest snapshot; null for a kernel known by its baseline alone. */
  last_timestamp: number | null;
}

/**
 * Values of the newest snapshot are null only for a kernel known by its baseline alone.
 * @example monitor.health("apollo_1").drift_thresholds // { warning: 1.4, critical: 2, source: "fixed", units: "full" }
 */
export interface KernelHealthReport extends DegradationReport {
  regime: Regime | null;
  phi: number | null;
  kappa_eff: number | null;
  /** Drift from the baseline in the configured units; null before the kernel sends a basin. */
  basin_drift: number | null;
  phi_avg: number | null;
  error_rate: number | null;
  avg_latency_ms: number | null;
  memory_mb: number | null;
  basin_dimension: number | null;
  has_baseline: boolean;
  drift_thresholds: DriftThresholdReport;
  in_resonance: boolean;
}

/**
 * Least-squares slope per snapshot over the window; null for a metric never reported.
 * @example { kernel_id: "apollo_1", window_snapshots: 10, slopes_per_snapshot: { phi: -0.01, memory_mb: 12, … } }
 */
export interface TrendReport {
  kernel_id: string;
  window_snapshots: number;
  slopes_per_snapshot: {
    phi: number;
    kappa_eff: number;
    avg_latency_ms: number | null;
    error_rate: number | null;
    memory_mb: number | null;
  };
}

/** @example { kernel_id: "apollo_1", status: "healthy", regime: "hierarchical", phi: 0.78, kappa_eff: 64, basin_drift: 0.2, snapshots: 900 } */
export interface KernelSummary {
  kernel_id: string;
  status: HealthStatus;
  regime: Regime | null;
  phi: number | null;
  kappa_eff: number | null;
  basin_drift: number | null;
  snapshots: number;
}

/** @example { worst: "warning", kernel_count: 43, counts: { healthy: 41, warning: 2, … }, mean_phi: 0.77, … } */
export interface ConstellationHealth {
  /** The worst kernel status; insufficient_data only when no kernel has enough snapshots. */
  worst: HealthStatus;
  kernel_count: number;
  counts: Record<HealthStatus, number>;
  /** Over the kernels that have reported a snapshot. */
  mean_phi: number | null;
  mean_kappa: number | null;
  /** Over the kernels that have a drift. */
  mean_basin_drift: number | null;
  kernels: KernelSummary[];
}

/** @example degradationReport(kernel, t).findings */
export function degradationReport(k: KernelHealth, t: HealthThresholds): DegradationReport {
  return {
    kernel_id: k.kernelId,
    status: STATUS[k.status] as HealthStatus,
    snapshots: k.ring.total,
    window_snapshots: k.window.n,
    findings: degradationIssues(k, t),
    metrics: degradationMetrics(k, t),
    last_timestamp: orNull(k.lastTimestamp),
  };
}

/** @example degradationMetrics(kernel, t).kappa_deviation // 2.1 */
export function degradationMetrics(k: KernelHealth, t: HealthThresholds): DegradationMetrics {
  const w = k.window;
  const reported = k.ring.total > 0;
  const kappa = reported ? k.current(Series.kappa) : null;
  return {
    basin_distance: orNull(k.drift),
    phi_current: reported ? k.current(Series.phi) : null,
    phi_avg: reported ? w.mean(Series.phi) : null,
    phi_trend: reported ? w.slope(Series.phi) : null,
    kappa_current: kappa,
    kappa_deviation: kappa === null ? null : Math.abs(kappa - t.kappaStar),
    regime: regimeOf(k),
    breakdown_frequency: reported ? w.mean(Series.breakdown) : null,
    error_rate: seen(k, Series.errorRate),
    latency_ms: seen(k, Series.latencyMs),
    memory_mb: seen(k, Series.memoryMb),
    memory_trend: k.hasSeen(Series.memoryMb) ? w.slope(Series.memoryMb) : null,
  };
}

/** @example kernelHealthReport(kernel, t).status // "healthy" */
export function kernelHealthReport(k: KernelHealth, t: HealthThresholds): KernelHealthReport {
  const reported = k.ring.total > 0;
  return {
    ...degradationReport(k, t),
    regime: regimeOf(k),
    phi: reported ? k.current(Series.phi) : null,
    kappa_eff: reported ? k.current(Series.kappa) : null,
    basin_drift: orNull(k.drift),
    phi_avg: reported ? k.window.mean(Series.phi) : null,
    error_rate: seen(k, Series.errorRate),
    avg_latency_ms: seen(k, Series.latencyMs),
    memory_mb: seen(k, Series.memoryMb),
    basin_dimension: k.basinDimension || null,
    has_baseline: k.baseline !== null,
    drift_thresholds: {
      warning: k.driftWarning,
      critical: k.driftCritical,
      source: k.referenceInForce(t) ? "reference" : "fixed",
      units: t.drift.units,
    },
    in_resonance: k.inResonance,
  };
}

/** @example trendReport(kernel).slopes_per_snapshot.phi // -0.004 */
export function trendReport(k: KernelHealth): TrendReport {
  const w = k.window;
  // The window tracks Φ and memory for the rules; the other trends are fitted over the same
  // snapshots from the ring, as differences from the newest value: the slope is the same,
  // and values near Number.MAX_VALUE (which validation accepts) cannot overflow the sums.
  const fromRing = (series: number) => {
    const y = new Array<number>(w.n);
    const newest = w.n > 0 ? k.ring.valueAt(series, 0) : 0;
    for (let age = 0; age < w.n; age++) y[w.n - 1 - age] = k.ring.valueAt(series, age) - newest;
    return leastSquaresSlope(y, w.n);
  };
  const direct = (series: number) => (k.hasSeen(series) ? fromRing(series) : null);
  return {
    kernel_id: k.kernelId,
    window_snapshots: w.n,
    slopes_per_snapshot: {
      phi: w.slope(Series.phi),
      kappa_eff: fromRing(Series.kappa),
      avg_latency_ms: direct(Series.latencyMs),
      error_rate: direct(Series.errorRate),
      memory_mb: k.hasSeen(Series.memoryMb) ? w.slope(Series.memoryMb) : null,
    },
  };
}

/**
 * Reads each kernel's cached status: O(kernels), no rule is evaluated.
 * @example constellationHealth(kernels.values()).worst // "critical"
 */
export function constellationHealth(kernels: Iterable<KernelHealth>): ConstellationHealth {
  const counts = new Uint32Array(STATUS.length);
  const summaries: KernelSummary[] = [];
  let worst = INSUFFICIENT;
  let phiSum = 0;
  let kappaSum = 0;
  let driftSum = 0;
  let drifting = 0;
  let reporting = 0;
  for (const k of kernels) {
    const status = k.status;
    counts[status] = (counts[status] as number) + 1;
    // Codes rise insufficient_data < healthy < warning < critical: a kernel without a verdict
    // does not hide one with a good verdict.
    if (status > worst) worst = status;
    const reported = k.ring.total > 0;
    const phi = reported ? k.current(Series.phi) : null;
    const kappa = reported ? k.current(Series.kappa) : null;
    if (phi !== null && kappa !== null) {
      phiSum += phi;
      kappaSum += kappa;
      reporting++;
    }
    if (!Number.isNaN(k.drift)) {
      driftSum += k.drift;
      drifting++;
    }
    summaries.push({
      kernel_id: k.kernelId,
      status: STATUS[status] as HealthStatus,
      regime: regimeOf(k),
      phi,
      kappa_eff: kappa,
      basin_drift: orNull(k.drift),
      snapshots: k.ring.total,
    });
  }
  const n = summaries.length;
  return {
    worst: STATUS[worst] as HealthStatus,
    kernel_count: n,
    counts: {
      insufficient_data: counts[INSUFFICIENT] as number,
      healthy: counts[HEALTHY] as number,
      warning: counts[WARNING] as number,
      critical: counts[CRITICAL] as number,
    },
    mean_phi: reporting > 0 ? phiSum / reporting : null,
    mean_kappa: reporting > 0 ? kappaSum / reporting : null,
    mean_basin_drift: drifting > 0 ? driftSum / drifting : null,
    kernels: summaries,
  };
}

function regimeOf(k: KernelHealth): Regime | null {
  return k.ring.total > 0 ? (REGIMES[k.ring.regimeAt(0)] as Regime) : null;
}

function seen(k: KernelHealth, series: number): number | null {
  return k.hasSeen(series) ? k.current(series) : null;
}

function orNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
