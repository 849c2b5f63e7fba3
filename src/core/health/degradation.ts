/**
 * The degradation rules of SPEC §4. `evaluateRules` runs on every ingest and only writes
 * numbers into the kernel's typed arrays; `degradationIssues` turns them into readable
 * issues when someone asks, so the hot path builds no strings.
 *
 * Rules on a window (averages, slopes, the breakdown count) already smooth over the window
 * and are judged on it directly. Rules on a current value fire only once the condition has
 * held `forSnapshots` consecutive snapshots and keep firing `keepFiringSnapshots` after it
 * stops (Prometheus `for` / `keep_firing_for`): one noisy sample neither raises nor clears.
 */
import { CRITICAL, HEALTHY, INSUFFICIENT, type KernelHealth, WARNING } from "./kernel-health.js";
import { Series } from "./ring-buffer.js";
import type { HealthThresholds } from "./thresholds.js";

export type Severity = "warning" | "critical";

/** One rule's finding, with the value it measured. */
export interface HealthIssue {
  rule: RuleId;
  severity: Severity;
  /** What was measured, e.g. "phi_avg", "basin_drift", "memory_mb_slope". */
  metric: string;
  value: number;
  threshold: number;
  /** Says what was measured, against what, and (for current values) for how long. */
  message: string;
}

interface RuleSpec {
  id: string;
  severity: Severity;
  metric: string;
  /** "window": judged on the window directly; "current": with for / keep_firing hysteresis. */
  kind: "window" | "current";
}

export const RULES = [
  { id: "phi_avg_low", severity: "critical", metric: "phi_avg", kind: "window" },
  { id: "phi_low", severity: "warning", metric: "phi", kind: "current" },
  { id: "phi_avg_high", severity: "critical", metric: "phi_avg", kind: "window" },
  { id: "phi_slope", severity: "warning", metric: "phi_slope", kind: "window" },
  { id: "basin_drift_critical", severity: "critical", metric: "basin_drift", kind: "current" },
  { id: "basin_drift_warning", severity: "warning", metric: "basin_drift", kind: "current" },
  { id: "kappa_deviation", severity: "warning", metric: "kappa_deviation", kind: "current" },
  { id: "regime_breakdown", severity: "critical", metric: "breakdown_snapshots", kind: "window" },
  { id: "error_rate", severity: "critical", metric: "error_rate", kind: "current" },
  { id: "latency", severity: "warning", metric: "avg_latency_ms", kind: "current" },
  { id: "memory", severity: "warning", metric: "memory_mb", kind: "current" },
  { id: "memory_slope", severity: "warning", metric: "memory_mb_slope", kind: "window" },
] as const satisfies readonly RuleSpec[];

export type RuleId = (typeof RULES)[number]["id"];

/** Rule indices into the kernel's arrays, in RULES order. */
export const RULE = {
  phiAvgLow: 0,
  phiLow: 1,
  phiAvgHigh: 2,
  phiSlope: 3,
  driftCritical: 4,
  driftWarning: 5,
  kappaDeviation: 6,
  breakdown: 7,
  errorRate: 8,
  latency: 9,
  memory: 10,
  memorySlope: 11,
} as const;

export const DRIFT_RULES: readonly number[] = [RULE.driftCritical, RULE.driftWarning];
const SEVERITY_CODE = Uint8Array.from(RULES, (r) => (r.severity === "critical" ? CRITICAL : WARNING));
const IS_CURRENT = Uint8Array.from(RULES, (r) => (r.kind === "current" ? 1 : 0));

/**
 * Evaluates every rule on the kernel's newest snapshot and caches its status.
 * @example evaluateRules(kernel, healthThresholds(config)) // 3 (critical), also in kernel.status
 */
export function evaluateRules(k: KernelHealth, t: HealthThresholds): number {
  const h = t.health;
  const w = k.window;
  const phiAvg = w.mean(Series.phi);
  judge(k, t, RULE.phiAvgLow, phiAvg < h.phiAvgLowCritical, phiAvg, h.phiAvgLowCritical);
  judge(k, t, RULE.phiAvgHigh, phiAvg > h.phiAvgHighCritical, phiAvg, h.phiAvgHighCritical);
  const phiSlope = w.slope(Series.phi);
  judge(k, t, RULE.phiSlope, phiSlope < h.phiSlopeWarningPerSnapshot, phiSlope, h.phiSlopeWarningPerSnapshot);
  const breakdowns = Math.round(w.mean(Series.breakdown) * w.n);
  judge(k, t, RULE.breakdown, breakdowns > h.breakdownMaxOfWindow, breakdowns, h.breakdownMaxOfWindow);

  const phi = k.current(Series.phi);
  judge(k, t, RULE.phiLow, phi < h.phiLowWarning, phi, h.phiLowWarning);
  const deviation = Math.abs(k.current(Series.kappa) - t.kappaStar);
  judge(k, t, RULE.kappaDeviation, deviation > h.kappaDeviationWarning, deviation, h.kappaDeviationWarning);
  // A kernel with no basin yet has no drift; NaN compares false, so its drift rules rest.
  const drift = k.drift;
  const critical = k.driftThreshold(t, "critical");
  const warning = k.driftThreshold(t, "warning");
  judge(k, t, RULE.driftCritical, drift > critical, drift, critical);
  judge(k, t, RULE.driftWarning, drift > warning, drift, warning);
  optional(k, t, RULE.errorRate, Series.errorRate, h.errorRateCritical);
  optional(k, t, RULE.latency, Series.latencyMs, h.latencyWarningMs);
  optional(k, t, RULE.memory, Series.memoryMb, h.memoryWarningMb);
  if (k.hasSeen(Series.memoryMb)) {
    const slope = w.slope(Series.memoryMb);
    const limit = h.memorySlopeWarningMbPerSnapshot;
    judge(k, t, RULE.memorySlope, slope > limit, slope, limit);
  } else judge(k, t, RULE.memorySlope, false, Number.NaN, h.memorySlopeWarningMbPerSnapshot);

  return refreshStatus(k, t);
}

/** Recomputes the cached status from the firing rules, without counting a snapshot. */
export function refreshStatus(k: KernelHealth, t: HealthThresholds): number {
  let status = HEALTHY;
  if (k.ring.total < t.health.minSnapshots) status = INSUFFICIENT;
  else
    for (let r = 0; r < RULES.length; r++)
      if (k.firing[r] === 1 && (SEVERITY_CODE[r] as number) > status) status = SEVERITY_CODE[r] as number;
  k.status = status;
  return status;
}

/** A rule on an optional metric: silent until the kernel has reported it. */
function optional(k: KernelHealth, t: HealthThresholds, rule: number, series: number, limit: number): void {
  const seen = k.hasSeen(series);
  const v = seen ? k.current(series) : Number.NaN;
  judge(k, t, rule, v > limit, v, limit);
}

function judge(
  k: KernelHealth,
  t: HealthThresholds,
  rule: number,
  holds: boolean,
  v: number,
  limit: number,
): void {
  k.value[rule] = v;
  k.threshold[rule] = limit;
  if (IS_CURRENT[rule] === 0) {
    k.firing[rule] = holds ? 1 : 0;
    return;
  }
  if (holds) {
    k.hold[rule] = (k.hold[rule] as number) + 1;
    k.release[rule] = 0;
    if ((k.hold[rule] as number) >= t.health.forSnapshots) k.firing[rule] = 1;
  } else {
    k.hold[rule] = 0;
    if (k.firing[rule] === 1) {
      const release = (k.release[rule] as number) + 1;
      const cleared = release > t.health.keepFiringSnapshots;
      k.release[rule] = cleared ? 0 : release;
      if (cleared) k.firing[rule] = 0;
    }
  }
}

/**
 * The firing rules as issues, worst first; none while the kernel has too few snapshots.
 * A critical drift hides the warning drift on the same measurement.
 * @example degradationIssues(kernel, t)[0] // { rule: "phi_avg_low", severity: "critical", value: 0.61, … }
 */
export function degradationIssues(k: KernelHealth, t: HealthThresholds): HealthIssue[] {
  if (k.status === INSUFFICIENT) return [];
  const issues: HealthIssue[] = [];
  for (let r = 0; r < RULES.length; r++) {
    if (k.firing[r] !== 1) continue;
    if (r === RULE.driftWarning && k.firing[RULE.driftCritical] === 1) continue;
    const spec = RULES[r] as (typeof RULES)[number];
    const value = k.value[r] as number;
    const threshold = k.threshold[r] as number;
    issues.push({
      rule: spec.id,
      severity: spec.severity,
      metric: spec.metric,
      value,
      threshold,
      message: describe(k, t, r, value, threshold),
    });
  }
  return issues.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "critical" ? -1 : 1));
}

/** Rounds for reading: 4 significant digits is finer than any threshold here. */
export function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

function describe(k: KernelHealth, t: HealthThresholds, rule: number, v: number, limit: number): string {
  const n = k.window.n;
  const last = `over the last ${n} snapshots`;
  const units = t.drift.units === "half" ? "half-angle" : "Fisher–Rao";
  const driftSource =
    t.health.driftThresholdMode === "reference" && k.reference.snapshots >= t.health.referenceSnapshots
      ? "the kernel's reference"
      : "fixed";
  switch (rule) {
    case RULE.phiAvgLow:
      return `average Φ ${fmt(v)} ${last} is below ${fmt(limit)}`;
    case RULE.phiAvgHigh:
      return `average Φ ${fmt(v)} ${last} is above ${fmt(limit)}`;
    case RULE.phiSlope:
      return `Φ is falling ${fmt(-v)} per snapshot ${last} (slope ${fmt(v)} < ${fmt(limit)})`;
    case RULE.breakdown:
      return `${v} of the last ${n} snapshots were in the breakdown regime, more than ${limit}`;
    case RULE.memorySlope:
      return `memory grows ${fmt(v)} MB per snapshot ${last}, above ${fmt(limit)} (leak?)`;
    case RULE.phiLow:
      return held(k, t, rule, `Φ ${fmt(v)}`, `below ${fmt(limit)}`);
    case RULE.driftCritical:
    case RULE.driftWarning:
      return held(
        k,
        t,
        rule,
        `basin drift ${fmt(v)} (${units})`,
        `above ${fmt(limit)}, ${driftSource} threshold`,
      );
    case RULE.kappaDeviation:
      return held(
        k,
        t,
        rule,
        `κ ${fmt(k.current(Series.kappa))}, ${fmt(v)} from κ* ${fmt(t.kappaStar)},`,
        `off by more than ${fmt(limit)}`,
      );
    case RULE.errorRate:
      return held(k, t, rule, `error rate ${fmt(v * 100)} %`, `above ${fmt(limit * 100)} %`);
    case RULE.latency:
      return held(k, t, rule, `latency ${fmt(v)} ms`, `above ${fmt(limit)} ms`);
    default:
      return held(k, t, rule, `memory ${fmt(v)} MB`, `above ${fmt(limit)} MB`);
  }
}

/** "X has been above Y for 4 snapshots", or, while keep_firing holds it up, when it clears. */
function held(k: KernelHealth, t: HealthThresholds, rule: number, what: string, condition: string): string {
  const hold = k.hold[rule] as number;
  if (hold > 0) return `${what} has been ${condition} for ${hold} snapshot${hold === 1 ? "" : "s"}`;
  const left = t.health.keepFiringSnapshots - (k.release[rule] as number) + 1;
  return `${what} is no longer ${condition}; the alert clears after ${left} more such snapshot${left === 1 ? "" : "s"}`;
}
