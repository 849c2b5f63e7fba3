/**
 * What the records say a detector should and should not have fired for, as calibration's
 * evidence (src/core/health/calibration.ts):
 * - an incident is a verified patch (the kernel was ill, the cure took) or an alert a person
 *   confirmed; a false positive is a patch review rejected as not needed, or an alert a
 *   person marked not confirmed;
 * - each is tied to the rules that reveal its symptom (a patch: its strategy's; an alert
 *   about unhealed critical degradation: the critical rules), on its kernel, over a window
 *   that ends when the cure was applied (or the alert raised, or review decided) and begins
 *   `lookbackSeconds` before the patch was generated: a looser threshold may fire later than
 *   the one that generated the patch, but it must still fire before the cure.
 */

import type { CalibrationEvidence } from "../health/calibration.js";
import { RULES, type RuleId } from "../health/degradation.js";
import type { Patch } from "./patch.js";
import type { StrategyName } from "./strategies.js";

/** The rules whose firing shows the symptom each strategy treats. */
export const STRATEGY_RULES: Readonly<Record<StrategyName, readonly RuleId[]>> = {
  basin_drift: ["basin_drift_warning", "basin_drift_critical"],
  phi_degradation: ["phi_avg_low", "phi_low", "phi_avg_high", "regime_breakdown"],
  performance: ["latency"],
  memory_leak: ["memory_slope", "memory"],
  error_spike: ["error_rate"],
};

const CRITICAL_RULES: readonly RuleId[] = RULES.filter((r) => r.severity === "critical").map((r) => r.id);

/** An alert with what a person said of it; only confirmed or refuted alerts are evidence. */
export interface ConfirmedAlert {
  alert_id: string;
  kind: string;
  kernel_id: string | null;
  created_at: number;
  confirmed: boolean | null;
}

/**
 * @example calibrationEvidence(patches, alerts, { lookbackSeconds: 3600, unhealedAlertSeconds: 900 })
 */
export function calibrationEvidence(
  patches: readonly Patch[],
  alerts: readonly ConfirmedAlert[],
  options: { lookbackSeconds: number; unhealedAlertSeconds: number },
): CalibrationEvidence[] {
  const lookbackMs = options.lookbackSeconds * 1000;
  const out: CalibrationEvidence[] = [];
  for (const p of patches) {
    const verified = p.state === "verified";
    if (!verified && !p.false_positive) continue;
    const ended = verified ? firstAt(p, "applied") : (firstAt(p, "rejected") ?? p.updated_at);
    out.push({
      kind: verified ? "incident" : "false_positive",
      source: verified ? "verified_patch" : "review_not_needed",
      ref: p.patch_id,
      kernel_id: p.kernel_id,
      rules: STRATEGY_RULES[p.strategy] ?? [],
      from_ms: p.created_at - lookbackMs,
      to_ms: ended ?? p.created_at,
    });
  }
  for (const a of alerts) {
    if (a.confirmed === null || a.kernel_id === null || a.kind !== "critical_unhealed") continue;
    out.push({
      kind: a.confirmed ? "incident" : "false_positive",
      source: a.confirmed ? "confirmed_alert" : "alert_not_confirmed",
      ref: a.alert_id,
      kernel_id: a.kernel_id,
      rules: CRITICAL_RULES,
      from_ms: a.created_at - options.unhealedAlertSeconds * 1000 - lookbackMs,
      to_ms: a.created_at,
    });
  }
  return out;
}

function firstAt(p: Patch, state: Patch["state"]): number | null {
  return p.transitions.find((t) => t.to === state)?.at ?? null;
}
