/**
 * The self-healing status and history as the original's clients parse them (SPEC §6):
 * SelfHealingStatus's monitor / evaluator / engine objects, and history as
 * `{history, count}` with each move's `timestamp`, beside our own fields.
 */
import type { AutonomicConfig } from "../../core/config.js";
import {
  type FitnessFormula,
  fitnessWeights,
  HARM_CAP,
  ORIGINAL_WEIGHTS,
  TARGETED_WEIGHTS,
} from "../../core/healing/fitness.js";
import type { Patch } from "../../core/healing/patch.js";
import { STRATEGIES } from "../../core/healing/strategies.js";
import type { ConstellationHealth } from "../../core/health/reports.js";

/**
 * The weights in force under the original's four names (SPEC §6), which its clients parse.
 * - `original`: Φ improvement is its phi_change, basin correction its basin_drift, error
 *   reduction (the kernel's performance) its performance, validity its regime_stability.
 * - `targeted`: the target term (how far the treated symptom came back, whichever it is) is
 *   the patch's performance, and the sparing term (every other dimension left as it was)
 *   the kernel's regime_stability. Φ and the basin have no weight of their own: they count
 *   as a target or through sparing, like latency, memory and errors.
 * @example originalWeightNames("targeted") // { phi_change: 0, basin_drift: 0, regime_stability: 0.45, performance: 0.55 }
 */
export function originalWeightNames(formula: FitnessFormula) {
  if (formula === "original")
    return {
      phi_change: ORIGINAL_WEIGHTS.phi_improvement,
      basin_drift: ORIGINAL_WEIGHTS.basin_correction,
      regime_stability: ORIGINAL_WEIGHTS.validity,
      performance: ORIGINAL_WEIGHTS.error_reduction,
    };
  return {
    phi_change: 0,
    basin_drift: 0,
    regime_stability: TARGETED_WEIGHTS.sparing,
    performance: TARGETED_WEIGHTS.target,
  };
}

/** @example compatStatus({ health, phase: 4, running: true, attempts: 12, kernelId: undefined }, config) */
export function compatStatus(
  s: {
    health: ConstellationHealth;
    /** Has a baseline: the one kernel asked about, or (for the constellation) every kernel that reported. */
    baselineSet: boolean;
    phase: number;
    running: boolean;
    attempts: number;
    kernelSnapshots?: number;
  },
  config: AutonomicConfig,
) {
  return {
    monitor: {
      snapshots_collected: s.kernelSnapshots ?? s.health.kernels.reduce((sum, k) => sum + k.snapshots, 0),
      baseline_set: s.baselineSet,
    },
    evaluator: {
      weights: originalWeightNames(config.healing.fitness),
      thresholds: { apply: config.healing.applyThreshold, test_more: config.healing.testMoreThreshold },
      // Ours beside the original's: the formula in force and its own terms' weights.
      formula: config.healing.fitness,
      terms: fitnessWeights(config.healing.fitness),
      harm_cap: config.healing.fitness === "targeted" ? HARM_CAP : null,
    },
    engine: {
      running: s.running,
      // Only phase 4 applies a patch without review (SPEC §5).
      auto_apply_enabled: s.phase >= 4,
      check_interval_sec: config.healing.loopIntervalSeconds,
      healing_attempts: s.attempts,
      strategies_available: STRATEGIES.length,
    },
  };
}

/** Every move of every patch, newest first: ours (at, from, to…) and the original's timestamp and result. */
export function historyEntries(patches: Patch[], limit: number) {
  return patches
    .flatMap((p) =>
      // Newest move first already: the sort is stable, so moves of one patch in the same ms
      // (a sandbox run and its hold for review) keep this order.
      [...p.transitions].reverse().map((t) => ({
        at: new Date(t.at).toISOString(),
        timestamp: new Date(t.at).toISOString(),
        patch_id: p.patch_id,
        kernel_id: p.kernel_id,
        strategy: p.strategy,
        action: p.action.type,
        from: t.from,
        to: t.to,
        actor: t.actor,
        reason: t.reason,
        result: {
          healed: t.to === "verified",
          strategy: p.strategy,
          patch: p.patch_id,
          applied: t.to === "applied" || t.to === "verified",
          reason: t.reason,
          ...(p.sandbox ? { fitness_improvement: p.sandbox.fitness.fitness } : {}),
        },
      })),
    )
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, limit);
}
