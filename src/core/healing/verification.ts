/**
 * Whether an applied patch is kept, judged the way Argo Rollouts judges a canary: measure
 * live fitness `count` times, one every `interval`, then keep the patch when the mean
 * reaches the keep threshold and roll it back otherwise. A measurement with no data (the
 * kernel sent no snapshot in its interval) makes the run inconclusive: it pauses for a
 * human, because silence is neither evidence that the patch works nor that it failed.
 */

import { precisionBeside } from "../compared-number.js";
import {
  computeFitness,
  type FitnessBreakdown,
  type FitnessContext,
  type FitnessDimension,
  type FitnessMetrics,
  roundScore,
} from "./fitness.js";
import type { HealingConfig } from "./healing-config.js";

/** A live measurement: null fitness when the kernel sent no snapshot within that interval. */
export interface FitnessMeasurement {
  at: number;
  fitness: number | null;
}

export type VerificationOutcome = "pending" | "kept" | "rolled_back" | "inconclusive";

/**
 * @example { outcome: "kept", mean_fitness: 0.66, measured: 3, reason: "mean live fitness 0.66 over 3 measurements ≥ 0.6" }
 */
export interface VerificationJudgement {
  outcome: VerificationOutcome;
  /** Over the measurements judged; null while any is missing or none is taken. */
  mean_fitness: number | null;
  /** Measurements taken so far, up to `count`. */
  measured: number;
  reason: string;
}

export interface VerificationRule {
  count: number;
  keepThreshold: number;
}

/**
 * The rule of this config.
 * @example verificationRule(DEFAULT_CONFIG.healing) // { count: 3, keepThreshold: 0.6 }
 */
export function verificationRule(
  h: Pick<HealingConfig, "verificationCount" | "keepThreshold">,
): VerificationRule {
  return { count: h.verificationCount, keepThreshold: h.keepThreshold };
}

/**
 * Judges the first `count` measurements in the order they were taken; later ones are
 * ignored. Inconclusive as soon as one of them has no data, since no later measurement can
 * make the mean whole again.
 * @example
 * judgeVerification([{ at: 1, fitness: 0.7 }, { at: 2, fitness: 0.6 }, { at: 3, fitness: 0.55 }], { count: 3, keepThreshold: 0.6 })
 *   .outcome // "kept" (mean 0.6166…)
 */
export function judgeVerification(
  measurements: readonly FitnessMeasurement[],
  rule: VerificationRule,
): VerificationJudgement {
  const judged = measurements.slice(0, rule.count);
  const missing = judged.findIndex((m) => m.fitness === null);
  if (missing >= 0)
    return {
      outcome: "inconclusive",
      mean_fitness: null,
      measured: judged.length,
      reason: `no snapshot from the kernel for measurement ${missing + 1} of ${rule.count}: a human decides`,
    };
  if (judged.length < rule.count)
    return {
      outcome: "pending",
      mean_fitness: judged.length > 0 ? mean(judged) : null,
      measured: judged.length,
      reason: `${judged.length} of ${rule.count} measurements taken`,
    };
  const m = mean(judged);
  const over = `mean live fitness ${precisionBeside(m, rule.keepThreshold)} over ${rule.count} measurements`;
  return m >= rule.keepThreshold
    ? { outcome: "kept", mean_fitness: m, measured: judged.length, reason: `${over} ≥ ${rule.keepThreshold}` }
    : {
        outcome: "rolled_back",
        mean_fitness: m,
        measured: judged.length,
        reason: `${over} < ${rule.keepThreshold}`,
      };
}

/**
 * Live fitness: the kernel now against the kernel when the patch was generated, by the
 * same formula as the sandbox. An applied action ran, so validity is 1 unless told otherwise.
 * @example liveFitness({ target: "avg_latency_ms", before, current: { ...before, avg_latency_ms: 190 } }, context).fitness // 1
 */
export function liveFitness(
  input: { target: FitnessDimension; before: FitnessMetrics; current: FitnessMetrics },
  context: FitnessContext,
  validity: 0 | 1 = 1,
): FitnessBreakdown {
  const { target, before, current } = input;
  return computeFitness({ target, before, after: current, accepted: validity === 1 }, context);
}

/**
 * When the next measurement is due: one interval after the previous, starting one interval
 * after the patch applied, so the kernel has reported with the change in place.
 * @example measurementDueAt(0, 0, 60) // 60_000
 */
export function measurementDueAt(appliedAt: number, taken: number, intervalSeconds: number): number {
  return appliedAt + (taken + 1) * intervalSeconds * 1000;
}

/** The mean, rounded like a score so three measurements of 0.6 have a mean of exactly 0.6. */
function mean(judged: readonly FitnessMeasurement[]): number {
  let sum = 0;
  for (const m of judged) sum += m.fitness as number;
  return roundScore(sum / judged.length);
}
