/**
 * How good a patch is, 0..1, exactly SPEC §5's formula:
 *
 *   fitness = 0.4·phi_improvement + 0.3·basin_correction + 0.2·error_reduction + 0.1·validity
 *
 * The same formula scores a sandbox run (before = the kernel at generation, after = what
 * the dry run predicts) and each live verification measurement (after = the kernel now).
 * Every component is 0.5 when nothing changed, so an action that does nothing but runs
 * scores 0.4·0.5 + 0.3·0.5 + 0.2·0.5 + 0.1 = 0.55: "test more", never "apply".
 */

import { distanceOutsideBand, type HealingConfig, type PhiBand } from "./healing-config.js";
import type { PredictedMetrics } from "./remediation-action.js";

/** SPEC §5's weights. Fixed rather than configured: the phase-2 gate's 0.5–0.8 median is read on this scale. */
export const FITNESS_WEIGHTS = {
  phi_improvement: 0.4,
  basin_correction: 0.3,
  error_reduction: 0.2,
  validity: 0.1,
} as const;

/** How strongly a move of Φ toward the healthy band counts: 0.2 closer is a full score. */
const PHI_GAIN = 2.5;
/** Error rates below 1 % are noise; a change is measured against at least this. */
const ERROR_RATE_FLOOR = 0.01;

/** The metrics fitness compares; null when the kernel never reported one. */
export interface FitnessMetrics {
  phi: number | null;
  basin_drift: number | null;
  error_rate: number | null;
}

export type FitnessMetric = keyof FitnessMetrics;

/** @example { phi_improvement: 0.75, basin_correction: 0.5, error_reduction: 0.5, validity: 1 } */
export interface FitnessComponents {
  phi_improvement: number;
  basin_correction: number;
  error_reduction: number;
  validity: number;
}

/** What the score was computed from, after unknown "after" values were filled in. */
export interface FitnessInputs {
  phi_before: number | null;
  phi_after: number | null;
  basin_drift_before: number | null;
  basin_drift_after: number | null;
  error_rate_before: number | null;
  error_rate_after: number | null;
  accepted: boolean;
  phi_min: number;
  phi_max: number;
  /** Metrics with no "after" value, taken as unchanged (their component is 0.5). */
  assumed_unchanged: FitnessMetric[];
}

/** @example computeFitness(…) // { fitness: 0.65, components: { … }, inputs: { … } } */
export interface FitnessBreakdown {
  fitness: number;
  components: FitnessComponents;
  inputs: FitnessInputs;
}

export type Recommendation = "apply" | "test_more" | "reject";

/**
 * Scores one before/after pair. An "after" value that is missing (a prediction without a
 * basin or error rate) is taken to equal its "before" value, so it counts as "no change"
 * (0.5) rather than as success or failure; a metric never reported before scores 0.5 too.
 * A kernel that refused or failed the action scores validity 0: pass `after: null`, since
 * its numbers predict nothing.
 * @example
 * computeFitness(
 *   { before: { phi: 0.6, basin_drift: 1, error_rate: 0.02 }, after: { phi: 0.7, basin_drift: 0.5 }, accepted: true },
 *   { min: 0.65, max: 0.85 },
 * ).fitness // 0.4·0.625 + 0.3·0.75 + 0.2·0.5 + 0.1·1 = 0.675
 */
export function computeFitness(
  input: { before: FitnessMetrics; after: Partial<FitnessMetrics> | null; accepted: boolean },
  band: PhiBand,
): FitnessBreakdown {
  const { before, accepted } = input;
  const after = input.after ?? {};
  const assumed: FitnessMetric[] = [];
  const afterOf = (metric: FitnessMetric): number | null => {
    const value = after[metric];
    if (value !== undefined && value !== null) return value;
    assumed.push(metric);
    return before[metric];
  };
  const phiAfter = afterOf("phi");
  const driftAfter = afterOf("basin_drift");
  const errorAfter = afterOf("error_rate");
  const components: FitnessComponents = {
    phi_improvement: phiImprovement(before.phi, phiAfter, band),
    basin_correction: basinCorrection(before.basin_drift, driftAfter),
    error_reduction: errorReduction(before.error_rate, errorAfter),
    validity: accepted ? 1 : 0,
  };
  return {
    fitness: combineFitness(components),
    components,
    inputs: {
      phi_before: before.phi,
      phi_after: phiAfter,
      basin_drift_before: before.basin_drift,
      basin_drift_after: driftAfter,
      error_rate_before: before.error_rate,
      error_rate_after: errorAfter,
      accepted,
      phi_min: band.min,
      phi_max: band.max,
      assumed_unchanged: assumed,
    },
  };
}

/**
 * The weighted sum of the components, clamped to [0, 1].
 * @example combineFitness({ phi_improvement: 1, basin_correction: 1, error_reduction: 1, validity: 1 }) // 1
 */
export function combineFitness(c: FitnessComponents): number {
  const w = FITNESS_WEIGHTS;
  return roundScore(
    w.phi_improvement * c.phi_improvement +
      w.basin_correction * c.basin_correction +
      w.error_reduction * c.error_reduction +
      w.validity * c.validity,
  );
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
 * @example afterFromPredicted({ phi: 0.74, kappa_eff: 64 }, null) // { phi: 0.74, basin_drift: null, error_rate: null }
 */
export function afterFromPredicted(
  predicted: PredictedMetrics | null | undefined,
  basinDriftAfter: number | null,
): FitnessMetrics {
  return {
    phi: predicted?.phi ?? null,
    basin_drift: basinDriftAfter,
    error_rate: predicted?.error_rate ?? null,
  };
}

/** clamp(0.5 + 2.5·ΔΦ), ΔΦ = how much closer to the healthy band Φ moved. */
function phiImprovement(before: number | null, after: number | null, band: PhiBand): number {
  if (before === null || after === null) return 0.5;
  const delta = distanceOutsideBand(before, band) - distanceOutsideBand(after, band);
  return roundScore(0.5 + PHI_GAIN * delta);
}

/** clamp(0.5 + 0.5·(d_before − d_after)/d_before); 0.5 when there was no drift to correct. */
function basinCorrection(before: number | null, after: number | null): number {
  if (before === null || after === null || before <= 0) return 0.5;
  return roundScore(0.5 + (0.5 * (before - after)) / before);
}

/** clamp(0.5 + 0.5·(e_before − e_after)/max(e_before, 0.01)). */
function errorReduction(before: number | null, after: number | null): number {
  if (before === null || after === null) return 0.5;
  return roundScore(0.5 + (0.5 * (before - after)) / Math.max(before, ERROR_RATE_FLOOR));
}

/**
 * Clamped to [0, 1] and rounded to 12 decimals, so a score the formula puts exactly on a
 * threshold (0.4 + 0.3 = 0.7000000000000001 in floating point) compares as that threshold.
 * Rounding never reverses an order, so monotonicity survives it. NaN scores 0.
 * @example roundScore(0.4 + 0.3) // 0.7
 */
export function roundScore(x: number): number {
  const clamped = x > 1 ? 1 : x > 0 ? x : 0;
  return Number(clamped.toFixed(12));
}
