/**
 * The health reads as the original's clients parse them (SPEC §6): each object holds the
 * fields of the original's TypeScript types (HealthSummary, HealthDegradation), with their
 * types, beside ours. The original's `issues` are its messages as strings; our structured
 * findings (rule, metric, value, threshold) are in `findings`. Where the original's type
 * demands a number for a metric the kernel never reported (error rate, latency, memory),
 * `metrics` holds 0, as the original's monitor did; our own fields keep null for "not
 * reported".
 */

import type { HealthStatus } from "../../core/health/kernel-health.js";
import type {
  ConstellationHealth,
  DegradationMetrics,
  DegradationReport,
  KernelHealthReport,
} from "../../core/health/reports.js";

/** The original's degradation severities. */
export type Severity = "normal" | "warning" | "critical";

const iso = (epochSeconds: number | null): string | null =>
  epochSeconds === null ? null : new Date(epochSeconds * 1000).toISOString();

/** Our status as the original's severity: no verdict yet reads as normal. */
export function severityOf(status: HealthStatus): Severity {
  return status === "warning" || status === "critical" ? status : "normal";
}

/** One kernel's health: the original's HealthSummary beside our report. */
export function kernelHealthReply(h: KernelHealthReport) {
  const { last_timestamp, ...ours } = h;
  return {
    ...ours,
    snapshots_collected: h.snapshots,
    ...(h.phi === null ? {} : { current_phi: h.phi }),
    ...(h.kappa_eff === null ? {} : { current_kappa: h.kappa_eff }),
    ...(h.regime === null ? {} : { current_regime: h.regime }),
    issues: h.findings.map((f) => f.message),
    ...(last_timestamp === null ? {} : { last_snapshot: iso(last_timestamp) }),
  };
}

/**
 * The constellation's health: HealthSummary's status (the worst) and snapshots_collected
 * (over every kernel), and each kernel's issues prefixed by its id, beside our counts.
 */
export function constellationHealthReply(c: ConstellationHealth, degraded: DegradationReport[]) {
  return {
    ...c,
    status: c.worst,
    snapshots_collected: c.kernels.reduce((sum, k) => sum + k.snapshots, 0),
    issues: degraded.flatMap((d) => d.findings.map((f) => `${d.kernel_id}: ${f.message}`)),
  };
}

/** One kernel's degradation: the original's HealthDegradation beside our report. */
export function kernelDegradationReply(d: DegradationReport, nowMs: number) {
  const { last_timestamp, ...ours } = d;
  return {
    ...ours,
    degraded: d.status === "warning" || d.status === "critical",
    issues: d.findings.map((f) => f.message),
    severity: severityOf(d.status),
    metrics: compatMetrics(d.metrics),
    /** The newest snapshot's time: when the verdict was measured. */
    timestamp: iso(last_timestamp) ?? new Date(nowMs).toISOString(),
    ...(d.status === "insufficient_data"
      ? {
          message: `Insufficient history for analysis: ${d.snapshots} snapshots, ${d.window_snapshots} in the window`,
        }
      : {}),
  };
}

/**
 * The constellation's degradation. Original clients (which know one system, no kernel ids)
 * parse it as one HealthDegradation: degraded if any kernel is, the worst severity, every
 * kernel's issues prefixed by its id, and the metrics of the worst kernel (the newest on a
 * tie), named in `metrics_kernel_id`. `kernels` lists every degraded kernel, worst first.
 */
export function constellationDegradationReply(all: DegradationReport[], nowMs: number) {
  const degraded = all.filter((d) => d.status === "warning" || d.status === "critical");
  const rank = { insufficient_data: 0, healthy: 1, warning: 2, critical: 3 } as const;
  let worst: DegradationReport | null = null;
  for (const d of all) {
    if (
      worst === null ||
      rank[d.status] > rank[worst.status] ||
      (rank[d.status] === rank[worst.status] && (d.last_timestamp ?? 0) > (worst.last_timestamp ?? 0))
    )
      worst = d;
  }
  const newest = all.reduce<number | null>(
    (t, d) => (d.last_timestamp !== null && (t === null || d.last_timestamp > t) ? d.last_timestamp : t),
    null,
  );
  return {
    degraded: degraded.length > 0,
    issues: degraded.flatMap((d) => d.findings.map((f) => `${d.kernel_id}: ${f.message}`)),
    severity: worst === null ? "normal" : severityOf(worst.status),
    metrics: compatMetrics(worst?.metrics ?? null),
    metrics_kernel_id: worst?.kernel_id ?? null,
    timestamp: iso(newest) ?? new Date(nowMs).toISOString(),
    kernel_count: all.length,
    degraded_count: degraded.length,
    kernels: degraded.map((d) => kernelDegradationReply(d, nowMs)),
    ...(all.length === 0 ? { message: "No kernel has reported yet" } : {}),
  };
}

/** The original's metrics object: every value a number except basin_distance (null without a baseline). */
function compatMetrics(m: DegradationMetrics | null) {
  const n = (x: number | null | undefined) => x ?? 0;
  return {
    basin_distance: m?.basin_distance ?? null,
    phi_current: n(m?.phi_current),
    phi_avg: n(m?.phi_avg),
    phi_trend: n(m?.phi_trend),
    kappa_current: n(m?.kappa_current),
    kappa_deviation: n(m?.kappa_deviation),
    regime: m?.regime ?? "unknown",
    breakdown_frequency: n(m?.breakdown_frequency),
    error_rate: n(m?.error_rate),
    latency_ms: n(m?.latency_ms),
    memory_mb: n(m?.memory_mb),
    memory_trend: n(m?.memory_trend),
  };
}
