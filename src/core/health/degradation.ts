/**
 * The degradation rules of SPEC §4. `evaluateRules` runs on every ingest and only writes
 * numbers into the kernel's typed arrays; `degradationIssues` (issues.ts) turns them into
 * readable issues when someone asks, so the hot path builds no strings.
 *
 * Rules on a window (averages, slopes, the breakdown count) already smooth over the window
 * and are judged on it directly. Rules on a current value fire only once the condition has
 * held `forSnapshots` consecutive snapshots and keep firing `keepFiringSnapshots` after it
 * stops (Prometheus `for` / `keep_firing_for`): one noisy sample neither raises nor clears.
 */
import { CRITICAL, HEALTHY, INSUFFICIENT, type KernelHealth, WARNING } from "./kernel-health.js";
import { Series } from "./ring-buffer.js";
import type { HealthThresholds } from "./thresholds.js";

/** How bad an issue is; a kernel's status is its worst. */
export type Severity = "warning" | "critical";

interface RuleSpec {
  id: string;
  severity: Severity;
  metric: string;
  /** "window": judged on the window directly; "current": with for / keep_firing hysteresis. */
  kind: "window" | "current";
  /** The rule holds when the value is strictly above / below its threshold. */
  fires: "above" | "below";
}

/**
 * Every SPEC §4 rule, in evaluation and report order.
 * @example RULES[RULE.phiLow] // { id: "phi_low", severity: "warning", kind: "current", … }
 */
export const RULES = [
  { id: "phi_avg_low", severity: "critical", metric: "phi_avg", kind: "window", fires: "below" },
  { id: "phi_low", severity: "warning", metric: "phi", kind: "current", fires: "below" },
  { id: "phi_avg_high", severity: "critical", metric: "phi_avg", kind: "window", fires: "above" },
  { id: "phi_slope", severity: "warning", metric: "phi_slope", kind: "window", fires: "below" },
  {
    id: "basin_drift_critical",
    severity: "critical",
    metric: "basin_drift",
    kind: "current",
    fires: "above",
  },
  { id: "basin_drift_warning", severity: "warning", metric: "basin_drift", kind: "current", fires: "above" },
  { id: "kappa_deviation", severity: "warning", metric: "kappa_deviation", kind: "current", fires: "above" },
  {
    id: "regime_breakdown",
    severity: "critical",
    metric: "breakdown_snapshots",
    kind: "window",
    fires: "above",
  },
  { id: "error_rate", severity: "critical", metric: "error_rate", kind: "current", fires: "above" },
  { id: "latency", severity: "warning", metric: "avg_latency_ms", kind: "current", fires: "above" },
  { id: "memory", severity: "warning", metric: "memory_mb", kind: "current", fires: "above" },
  { id: "memory_slope", severity: "warning", metric: "memory_mb_slope", kind: "window", fires: "above" },
] as const satisfies readonly RuleSpec[];

/** A rule's stable name, e.g. "basin_drift_critical": what alerts and dashboards key on. */
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

/** The rules a new baseline resets. */
export const DRIFT_RULES: readonly number[] = [RULE.driftCritical, RULE.driftWarning];
const SEVERITY_CODE = Uint8Array.from(RULES, (r) => (r.severity === "critical" ? CRITICAL : WARNING));
const FIRES_ABOVE = Uint8Array.from(RULES, (r) => (r.fires === "above" ? 1 : 0));

/**
 * What a rule measures on the kernel now. NaN when it cannot be measured (a metric never
 * reported, no basin yet), which compares false, so such a rule never holds.
 * @example ruleValue(kernel, t, RULE.phiAvgLow) // the window's average Φ
 */
export function ruleValue(k: KernelHealth, t: HealthThresholds, rule: number): number {
  const w = k.window;
  switch (rule) {
    case RULE.phiAvgLow:
    case RULE.phiAvgHigh:
      return w.mean(Series.phi);
    case RULE.phiSlope:
      return w.slope(Series.phi);
    case RULE.breakdown:
      return Math.round(w.mean(Series.breakdown) * w.n);
    case RULE.memorySlope:
      return k.hasSeen(Series.memoryMb) ? w.slope(Series.memoryMb) : Number.NaN;
    case RULE.phiLow:
      return k.current(Series.phi);
    case RULE.kappaDeviation:
      return Math.abs(k.current(Series.kappa) - t.kappaStar);
    case RULE.driftCritical:
    case RULE.driftWarning:
      return k.drift;
    case RULE.errorRate:
      return seenValue(k, Series.errorRate);
    case RULE.latency:
      return seenValue(k, Series.latencyMs);
    default:
      return seenValue(k, Series.memoryMb);
  }
}

/**
 * The threshold a rule compares against, in the units its value is in (drift halved in half mode).
 * @example ruleThreshold(kernel, t, RULE.driftCritical) // 2, or the kernel's reference threshold
 */
export function ruleThreshold(k: KernelHealth, t: HealthThresholds, rule: number): number {
  const h = t.health;
  switch (rule) {
    case RULE.phiAvgLow:
      return h.phiAvgLowCritical;
    case RULE.phiAvgHigh:
      return h.phiAvgHighCritical;
    case RULE.phiSlope:
      return h.phiSlopeWarningPerSnapshot;
    case RULE.breakdown:
      return h.breakdownMaxOfWindow;
    case RULE.memorySlope:
      return h.memorySlopeWarningMbPerSnapshot;
    case RULE.phiLow:
      return h.phiLowWarning;
    case RULE.kappaDeviation:
      return h.kappaDeviationWarning;
    case RULE.driftCritical:
      return k.driftCritical;
    case RULE.driftWarning:
      return k.driftWarning;
    case RULE.errorRate:
      return h.errorRateCritical;
    case RULE.latency:
      return h.latencyWarningMs;
    default:
      return h.memoryWarningMb;
  }
}

/**
 * Evaluates every rule on the kernel's newest snapshot and caches its status.
 *
 * Written out rule by rule, with only booleans passed to helpers: a double returned from or
 * passed to a call V8 does not inline is boxed on the heap, and this runs per snapshot.
 * `ruleValue` / `ruleThreshold` define the same measurements for reports, and a property
 * test holds the two to agreement.
 * @example evaluateRules(kernel, healthThresholds(config)) // 3 (critical), also in kernel.status
 */
export function evaluateRules(k: KernelHealth, t: HealthThresholds): number {
  const h = t.health;
  const w = k.window;
  const stats = w.stats; // mean, variance, slope per series, at offsetOf(series)
  const staged = k.ring.staged;
  const phiAt = w.offsetOf(Series.phi);
  const phiAvg = stats[phiAt] as number;
  setWindowRule(k, RULE.phiAvgLow, phiAvg < h.phiAvgLowCritical);
  setWindowRule(k, RULE.phiAvgHigh, phiAvg > h.phiAvgHighCritical);
  setWindowRule(k, RULE.phiSlope, (stats[phiAt + 2] as number) < h.phiSlopeWarningPerSnapshot);
  const breakdowns = Math.round((stats[w.offsetOf(Series.breakdown)] as number) * w.n);
  setWindowRule(k, RULE.breakdown, breakdowns > h.breakdownMaxOfWindow);
  const memorySeen = k.hasSeen(Series.memoryMb);
  const memorySlope = stats[w.offsetOf(Series.memoryMb) + 2] as number;
  setWindowRule(k, RULE.memorySlope, memorySeen && memorySlope > h.memorySlopeWarningMbPerSnapshot);

  const phi = staged[Series.phi] as number;
  step(k, t, RULE.phiLow, phi < h.phiLowWarning);
  const deviation = Math.abs((staged[Series.kappa] as number) - t.kappaStar);
  step(k, t, RULE.kappaDeviation, deviation > h.kappaDeviationWarning);
  // NaN before the kernel's first basin: compares false, so the drift rules rest.
  step(k, t, RULE.driftCritical, k.drift > k.driftCritical);
  step(k, t, RULE.driftWarning, k.drift > k.driftWarning);
  const errorRate = staged[Series.errorRate] as number;
  step(k, t, RULE.errorRate, k.hasSeen(Series.errorRate) && errorRate > h.errorRateCritical);
  const latency = staged[Series.latencyMs] as number;
  step(k, t, RULE.latency, k.hasSeen(Series.latencyMs) && latency > h.latencyWarningMs);
  step(k, t, RULE.memory, memorySeen && (staged[Series.memoryMb] as number) > h.memoryWarningMb);
  return refreshStatus(k, t);
}

function setWindowRule(k: KernelHealth, rule: number, holds: boolean): void {
  if (holds) k.firingMask |= 1 << rule;
  else k.firingMask &= ~(1 << rule);
}

/**
 * Whether a rule's condition holds now, by its definition (`ruleValue` against
 * `ruleThreshold`): what `evaluateRules` computes inline.
 * @example ruleHolds(kernel, t, RULE.latency) // true while latency is over 2000 ms
 */
export function ruleHolds(k: KernelHealth, t: HealthThresholds, rule: number): boolean {
  const v = ruleValue(k, t, rule);
  const limit = ruleThreshold(k, t, rule);
  return FIRES_ABOVE[rule] === 1 ? v > limit : v < limit;
}

/**
 * Recomputes the cached status from the firing rules, without counting a snapshot.
 * @example refreshStatus(kernel, t) // after clearing the drift rules for a new baseline
 */
export function refreshStatus(k: KernelHealth, t: HealthThresholds): number {
  let status = HEALTHY;
  if (k.ring.total < t.health.minSnapshots) status = INSUFFICIENT;
  else
    for (let r = 0; r < RULES.length; r++)
      if (k.isFiring(r) && (SEVERITY_CODE[r] as number) > status) status = SEVERITY_CODE[r] as number;
  k.status = status;
  return status;
}

function seenValue(k: KernelHealth, series: number): number {
  return k.hasSeen(series) ? k.current(series) : Number.NaN;
}

/** One snapshot of for / keep_firing for a rule on a current value. */
function step(k: KernelHealth, t: HealthThresholds, rule: number, holds: boolean): void {
  const counts = k.hysteresis;
  const release = RULES.length + rule;
  if (holds) {
    const held = (counts[rule] as number) + 1;
    counts[rule] = held;
    counts[release] = 0;
    if (held >= t.health.forSnapshots) k.firingMask |= 1 << rule;
  } else {
    counts[rule] = 0;
    if (k.isFiring(rule)) {
      const since = (counts[release] as number) + 1;
      const cleared = since > t.health.keepFiringSnapshots;
      counts[release] = cleared ? 0 : since;
      if (cleared) k.firingMask &= ~(1 << rule);
    }
  }
}
