/**
 * The original's fitness formula, kept selectable as `healing.fitness: original` so the two
 * can be compared on the same patches (SPEC §5):
 *
 *   fitness = 0.4·phi_improvement + 0.3·basin_correction + 0.2·error_reduction + 0.1·validity
 *
 * Every component is 0.5 when nothing changed, so an action that does nothing but runs
 * scores 0.55; and it sees neither latency nor memory, so a cache that fixes latency alone
 * or a recycle that stops a leak alone scores 0.55 too, which is why it was replaced.
 */
import { roundScore } from "./fitness-score.js";
import { distanceOutsideBand, type PhiBand } from "./healing-config.js";

/** The original's weights, in the order its terms are shown. */
export const ORIGINAL_WEIGHTS = {
  phi_improvement: 0.4,
  basin_correction: 0.3,
  error_reduction: 0.2,
  validity: 0.1,
} as const;

export type OriginalComponents = Record<keyof typeof ORIGINAL_WEIGHTS, number>;

/** How strongly a move of Φ toward the healthy band counts: 0.2 closer is a full score. */
const PHI_GAIN = 2.5;
/** Error rates below 1 % are noise; a change is measured against at least this. */
const ERROR_RATE_FLOOR = 0.01;

/** The three metrics the original compares; null when unknown. */
export interface OriginalMetrics {
  phi: number | null;
  basin_drift: number | null;
  error_rate: number | null;
}

/**
 * The original's components for one before/after pair (after already filled in).
 * @example originalComponents({ phi: 0.55, basin_drift: 0.8, error_rate: 0.04 }, { phi: 0.7, basin_drift: 0.4, error_rate: 0.01 }, true, band)
 *   // { phi_improvement: 0.75, basin_correction: 0.75, error_reduction: 0.875, validity: 1 }
 */
export function originalComponents(
  before: OriginalMetrics,
  after: OriginalMetrics,
  accepted: boolean,
  band: PhiBand,
): OriginalComponents {
  return {
    phi_improvement: phiImprovement(before.phi, after.phi, band),
    basin_correction: basinCorrection(before.basin_drift, after.basin_drift),
    error_reduction: errorReduction(before.error_rate, after.error_rate),
    validity: accepted ? 1 : 0,
  };
}

/**
 * The weighted sum of the components (unrounded; the caller rounds).
 * @example originalScore({ phi_improvement: 1, basin_correction: 1, error_reduction: 1, validity: 1 }) // 1
 */
export function originalScore(c: OriginalComponents): number {
  const w = ORIGINAL_WEIGHTS;
  return (
    w.phi_improvement * c.phi_improvement +
    w.basin_correction * c.basin_correction +
    w.error_reduction * c.error_reduction +
    w.validity * c.validity
  );
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
