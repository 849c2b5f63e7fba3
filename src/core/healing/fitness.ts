/**
 * How good a patch is, 0..1 (SPEC §5). The same formula scores a sandbox run (before = the
 * kernel at generation, after = what the dry run predicts) and each live verification
 * measurement (after = the kernel now). Two formulas are selectable with `healing.fitness`:
 *
 * - `targeted` (the default, fitness-targeted.ts): the strategy's target symptom and the harm
 *   done elsewhere, over all five dimensions the monitor watches, with SPEC §5's properties;
 * - `original` (fitness-original.ts): the original's 0.4/0.3/0.2/0.1 sum, for comparison.
 *
 * Every score is stored with its breakdown: the formula, each component with its weight, and
 * the numbers it was computed from, so a reader can redo the sum.
 */

import { ORIGINAL_WEIGHTS, originalComponents, originalScore } from "./fitness-original.js";
import { roundScore } from "./fitness-score.js";
import {
  type DimensionJudgement,
  FITNESS_DIMENSIONS,
  type FitnessDimension,
  type FitnessMetrics,
  type FitnessThresholds,
  HARM_CAP,
  TARGETED_WEIGHTS,
  targetedComponents,
  targetedScore,
} from "./fitness-targeted.js";
import type { HealingConfig, PhiBand } from "./healing-config.js";
import type { PredictedMetrics } from "./remediation-action.js";

export type { DimensionJudgement, FitnessDimension, FitnessMetrics, FitnessThresholds };
export { FITNESS_DIMENSIONS, HARM_CAP, ORIGINAL_WEIGHTS, roundScore, TARGETED_WEIGHTS };

/** The formula `healing.fitness` picks (the config schema lists them). */
export type FitnessFormula = HealingConfig["fitness"];

/** A component's value by name, in the formula's order (see `weights` for which are summed). */
export type FitnessComponents = Record<string, number>;

/** What the score was computed from, after unknown "after" values were filled in. */
export interface FitnessInputs {
  /** The dimension the patch's strategy treats. */
  target: FitnessDimension;
  before: FitnessMetrics;
  after: FitnessMetrics;
  accepted: boolean;
  thresholds: FitnessThresholds;
  /** Dimensions with no "after" value, taken as unchanged. */
  assumed_unchanged: FitnessDimension[];
  /** Each dimension's progress (target) or harm (others); targeted formula only. */
  dimensions: DimensionJudgement[] | null;
}

/**
 * @example
 * { formula: "targeted", fitness: 1, components: { target: 1, sparing: 1, validity: 1, harm_cap: 1 },
 *   weights: { target: 0.55, sparing: 0.45 }, inputs: { target: "avg_latency_ms", … } }
 */
export interface FitnessBreakdown {
  formula: FitnessFormula;
  fitness: number;
  components: FitnessComponents;
  /** Weights of the summed components; the others (validity, harm_cap) are gates. */
  weights: Record<string, number>;
  inputs: FitnessInputs;
}

export type Recommendation = "apply" | "test_more" | "reject";

/** What a score needs besides the two sides: which formula, and the kernel's thresholds. */
export interface FitnessContext {
  formula: FitnessFormula;
  thresholds: FitnessThresholds;
}

/**
 * Scores one before/after pair. An "after" value that is missing (a prediction without a
 * latency, say) is taken to equal its "before" value, and listed in `assumed_unchanged`. A
 * kernel that refused or failed the action scores validity 0: pass `after: null`.
 * @example
 * computeFitness(
 *   { target: "avg_latency_ms", before: { ...healthy, avg_latency_ms: 3500 }, after: { avg_latency_ms: 200 }, accepted: true },
 *   { formula: "targeted", thresholds },
 * ).fitness // 1
 */
export function computeFitness(
  input: {
    target: FitnessDimension;
    before: FitnessMetrics;
    after: Partial<FitnessMetrics> | null;
    accepted: boolean;
  },
  context: FitnessContext,
): FitnessBreakdown {
  const { before, accepted, target } = input;
  const given = input.after ?? {};
  const assumed: FitnessDimension[] = [];
  const after = {} as FitnessMetrics;
  for (const d of FITNESS_DIMENSIONS) {
    const value = given[d];
    if (value !== undefined && value !== null) after[d] = value;
    else {
      after[d] = before[d];
      assumed.push(d);
    }
  }
  const inputs = {
    target,
    before: { ...before },
    after,
    accepted,
    thresholds: context.thresholds,
    assumed_unchanged: assumed,
  };
  if (context.formula === "original") {
    const components = originalComponents(before, after, accepted, context.thresholds.phi_band);
    return {
      formula: "original",
      fitness: roundScore(originalScore(components)),
      components,
      weights: fitnessWeights("original"),
      inputs: { ...inputs, dimensions: null },
    };
  }
  const judged = targetedComponents(target, before, after, accepted, context.thresholds);
  return {
    formula: "targeted",
    fitness: roundScore(targetedScore(judged.components)),
    components: { ...judged.components },
    weights: fitnessWeights("targeted"),
    inputs: { ...inputs, dimensions: judged.dimensions },
  };
}

/**
 * The weights a formula sums, for status replies and records.
 * @example fitnessWeights("targeted") // { target: 0.55, sparing: 0.45 }
 */
export function fitnessWeights(formula: FitnessFormula): Record<string, number> {
  return formula === "original" ? { ...ORIGINAL_WEIGHTS } : { ...TARGETED_WEIGHTS };
}

/**
 * The healthy thresholds fitness judges against: the monitor's, with this kernel's drift
 * warning (per kernel in reference mode).
 * @example fitnessThresholds(DEFAULT_CONFIG.health, band).avg_latency_ms // 2000
 */
export function fitnessThresholds(
  health: {
    driftWarning: number;
    errorRateCritical: number;
    latencyWarningMs: number;
    memoryWarningMb: number;
    memorySlopeWarningMbPerSnapshot: number;
  },
  band: PhiBand,
  driftWarning: number = health.driftWarning,
): FitnessThresholds {
  return {
    phi_band: { ...band },
    basin_drift: driftWarning,
    error_rate: health.errorRateCritical,
    avg_latency_ms: health.latencyWarningMs,
    memory_mb: health.memoryWarningMb,
    memory_mb_slope: health.memorySlopeWarningMbPerSnapshot,
  };
}

/**
 * SPEC §5's recommendation for a sandbox fitness.
 * @example recommend(0.72, DEFAULT_CONFIG.healing) // "apply"
 */
export function recommend(
  fitness: number,
  thresholds: Pick<HealingConfig, "applyThreshold" | "testMoreThreshold">,
): Recommendation {
  if (fitness >= thresholds.applyThreshold) return "apply";
  if (fitness >= thresholds.testMoreThreshold) return "test_more";
  return "reject";
}

/**
 * The "after" side of a sandbox run from the kernel's prediction. The basin drift of the
 * predicted basin needs the baseline and geometry, so the caller measures it.
 * @example afterFromPredicted({ phi: 0.74, kappa_eff: 64, avg_latency: 190 }, null).avg_latency_ms // 190
 */
export function afterFromPredicted(
  predicted: PredictedMetrics | null | undefined,
  basinDriftAfter: number | null,
): FitnessMetrics {
  return {
    phi: predicted?.phi ?? null,
    basin_drift: basinDriftAfter,
    error_rate: predicted?.error_rate ?? null,
    avg_latency_ms: predicted?.avg_latency ?? null,
    memory_mb: predicted?.memory_mb ?? null,
    memory_mb_slope: predicted?.memory_mb_slope ?? null,
  };
}
