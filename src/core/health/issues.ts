/**
 * The firing rules of a kernel as readable issues: what was measured, against what, and
 * for how long. Built only when someone asks (a report, a reply), never per snapshot.
 */

import { precisionBeside } from "../compared-number.js";
import { RULE, RULES, type RuleId, ruleThreshold, ruleValue, type Severity } from "./degradation.js";
import type { KernelHealth } from "./kernel-health.js";
import { INSUFFICIENT } from "./kernel-health.js";
import { Series } from "./ring-buffer.js";
import type { HealthThresholds } from "./thresholds.js";

/**
 * One rule's finding, with the value it measured.
 * @example { rule: "latency", severity: "warning", metric: "avg_latency_ms", value: 2345, threshold: 2000,
 *   message: "latency 2345 ms has been above 2000 ms for 3 snapshots" }
 */
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

/**
 * The firing rules as issues, worst first; none while the kernel has too few snapshots.
 * A critical drift hides the warning drift on the same measurement.
 * @example degradationIssues(kernel, t)[0] // { rule: "phi_avg_low", severity: "critical", value: 0.61, … }
 */
export function degradationIssues(k: KernelHealth, t: HealthThresholds): HealthIssue[] {
  if (k.status === INSUFFICIENT) return [];
  const issues: HealthIssue[] = [];
  for (let r = 0; r < RULES.length; r++) {
    if (!k.isFiring(r)) continue;
    if (r === RULE.driftWarning && k.isFiring(RULE.driftCritical)) continue;
    const spec = RULES[r] as (typeof RULES)[number];
    const value = ruleValue(k, t, r);
    const threshold = ruleThreshold(k, t, r);
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

/**
 * Rounds for reading: 4 significant digits is finer than any threshold here.
 * @example fmt(0.6354999) // "0.6355"
 */
export function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

function describe(k: KernelHealth, t: HealthThresholds, rule: number, v: number, limit: number): string {
  const n = k.window.n;
  // The measured value gets more digits where four would round it onto its limit.
  const near = (x: number) => precisionBeside(x, limit);
  const last = `over the last ${n} snapshots`;
  const units = t.drift.units === "half" ? "half-angle" : "Fisher–Rao";
  const driftSource = k.referenceInForce(t) ? "the kernel's reference" : "fixed";
  switch (rule) {
    case RULE.phiAvgLow:
      return `average Φ ${near(v)} ${last} is below ${fmt(limit)}`;
    case RULE.phiAvgHigh:
      return `average Φ ${near(v)} ${last} is above ${fmt(limit)}`;
    case RULE.phiSlope:
      return `Φ is falling ${fmt(-v)} per snapshot ${last} (slope ${near(v)} < ${fmt(limit)})`;
    case RULE.breakdown:
      return `${v} of the last ${n} snapshots were in the breakdown regime, more than ${limit}`;
    case RULE.memorySlope:
      return `memory grows ${near(v)} MB per snapshot ${last}, above ${fmt(limit)} (leak?)`;
    case RULE.phiLow:
      return held(k, t, rule, `Φ ${near(v)}`, `below ${fmt(limit)}`);
    case RULE.driftCritical:
    case RULE.driftWarning:
      return held(
        k,
        t,
        rule,
        `basin drift ${near(v)} (${units})`,
        `above ${fmt(limit)}, ${driftSource} threshold`,
      );
    case RULE.kappaDeviation:
      return held(
        k,
        t,
        rule,
        `κ ${fmt(k.current(Series.kappa))}, ${near(v)} from κ* ${fmt(t.kappaStar)},`,
        `off by more than ${fmt(limit)}`,
      );
    case RULE.errorRate:
      return held(
        k,
        t,
        rule,
        `error rate ${precisionBeside(v * 100, limit * 100)} %`,
        `above ${fmt(limit * 100)} %`,
      );
    case RULE.latency:
      return held(k, t, rule, `latency ${near(v)} ms`, `above ${fmt(limit)} ms`);
    default:
      return held(k, t, rule, `memory ${near(v)} MB`, `above ${fmt(limit)} MB`);
  }
}

/** "X has been above Y for 4 snapshots", or, while keep_firing holds it up, when it clears. */
function held(k: KernelHealth, t: HealthThresholds, rule: number, what: string, condition: string): string {
  const hold = k.heldFor(rule);
  if (hold > 0) return `${what} has been ${condition} for ${hold} snapshot${hold === 1 ? "" : "s"}`;
  const left = t.health.keepFiringSnapshots - k.releasedFor(rule) + 1;
  return `${what} is no longer ${condition}; the alert clears after ${left} more such snapshot${left === 1 ? "" : "s"}`;
}
