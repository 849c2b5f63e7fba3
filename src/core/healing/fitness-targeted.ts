/**
 * The fitness formula of SPEC §5 ("targeted"): a patch is judged by the one symptom its
 * strategy targets and by the harm it does to the other dimensions the monitor watches.
 *
 *   fitness = validity × min(harm_cap, 0.55·target + 0.45·sparing)
 *
 * - target ∈ [0, 1]: how far the target dimension came back toward its healthy threshold,
 *   (excess_before − excess_after) / excess_before, where excess is how far past the
 *   threshold it lies; 1 once it is back inside, 0 when it did not move (or worsened).
 * - sparing ∈ [0, 1]: 1 − the worst harm among the other dimensions, a dimension's harm
 *   being how much it worsened as a fraction of its threshold (of the band's width for Φ).
 * - harm_cap: 1, or 0.45 when an action pushed another dimension from inside its warning
 *   threshold to past it: however well it treats the target, it is rejected.
 * - validity: 1 when the kernel ran (or tried) the action, 0 when it could not.
 *
 * Why these weights (SPEC §5's properties, each property-tested in fitness.property.test.ts):
 * (a) no change: 0.55·0 + 0.45·1 = 0.45 < 0.5; (b) target cured, no harm: 0.55 + 0.45 = 1,
 * halfway: 0.275 + 0.45 = 0.725 ≥ 0.7; (c) capped at 0.45; (d) validity 0 gives 0; (e) no term
 * belongs to a strategy, so a cache that only fixes latency scores like a boost that only
 * fixes Φ. The target weight must lie in (0.5, 0.6] for (a) and (b) to hold together;
 * 0.55 leaves room on both sides.
 */
import { clamp01, roundScore } from "./fitness-score.js";
import type { PhiBand } from "./healing-config.js";

export const TARGETED_WEIGHTS = { target: 0.55, sparing: 0.45 } as const;

/** The score an action that pushes another dimension past its warning threshold cannot exceed. */
export const HARM_CAP = 0.45;

/** The dimensions the monitor watches, as fitness sees them: memory counts by usage and by slope. */
export const FITNESS_DIMENSIONS = [
  "phi",
  "basin_drift",
  "error_rate",
  "avg_latency_ms",
  "memory_mb",
  "memory_mb_slope",
] as const;

export type FitnessDimension = (typeof FITNESS_DIMENSIONS)[number];

/** A kernel's value on each dimension; null when it never reported one. */
export type FitnessMetrics = Record<FitnessDimension, number | null>;

/**
 * Where each dimension stops being healthy: the monitor's warning thresholds (the critical
 * one for the error rate, which has no warning), and for Φ the healthy band itself.
 * @example { phi_band: { min: 0.65, max: 0.85 }, basin_drift: 1.4, error_rate: 0.05, avg_latency_ms: 2000, memory_mb: 1000, memory_mb_slope: 10 }
 */
export interface FitnessThresholds {
  phi_band: PhiBand;
  basin_drift: number;
  error_rate: number;
  avg_latency_ms: number;
  memory_mb: number;
  memory_mb_slope: number;
}

/** One dimension's numbers, as stored with the score. */
export interface DimensionJudgement {
  dimension: FitnessDimension;
  before: number | null;
  after: number | null;
  /** How far past its threshold (negative: inside, by that much). Null when unknown. */
  excess_before: number | null;
  excess_after: number | null;
  /** For the target: progress 0..1; for the others: harm 0..1. */
  score: number;
  /** Another dimension moved from inside its warning threshold to past it. */
  pushed_past: boolean;
}

export interface TargetedComponents {
  target: number;
  sparing: number;
  validity: number;
  harm_cap: number;
}

/**
 * The components and the judgement of every dimension; `after` must already be filled in.
 * @example
 * targetedComponents("avg_latency_ms", before, { ...before, avg_latency_ms: 200 }, true, thresholds).components
 *   // { target: 1, sparing: 1, validity: 1, harm_cap: 1 }
 */
export function targetedComponents(
  target: FitnessDimension,
  before: FitnessMetrics,
  after: FitnessMetrics,
  accepted: boolean,
  thresholds: FitnessThresholds,
): { components: TargetedComponents; dimensions: DimensionJudgement[] } {
  let progress = 0;
  let worstHarm = 0;
  let pushed = false;
  const dimensions: DimensionJudgement[] = [];
  for (const dimension of FITNESS_DIMENSIONS) {
    const b = before[dimension];
    const a = after[dimension];
    const eb = b === null ? null : excess(dimension, b, thresholds);
    const ea = a === null ? null : excess(dimension, a, thresholds);
    let score = 0;
    let pushedPast = false;
    if (eb !== null && ea !== null) {
      if (dimension === target) {
        // Back inside counts as fully back: going further earns nothing more.
        score = eb > 0 ? clamp01((eb - Math.max(ea, 0)) / eb) : 0;
        progress = score;
      } else {
        score = clamp01((ea - eb) / harmScale(dimension, thresholds));
        pushedPast = eb <= 0 && ea > 0;
        worstHarm = Math.max(worstHarm, score);
        pushed ||= pushedPast;
      }
    }
    dimensions.push({
      dimension,
      before: b,
      after: a,
      excess_before: eb,
      excess_after: ea,
      score,
      pushed_past: pushedPast,
    });
  }
  return {
    components: {
      target: roundScore(progress),
      sparing: roundScore(1 - worstHarm),
      validity: accepted ? 1 : 0,
      harm_cap: pushed ? HARM_CAP : 1,
    },
    dimensions,
  };
}

/**
 * The score of the components (unrounded; the caller rounds).
 * @example targetedScore({ target: 0.5, sparing: 1, validity: 1, harm_cap: 1 }) // 0.725
 */
export function targetedScore(c: TargetedComponents): number {
  const w = TARGETED_WEIGHTS;
  return c.validity * Math.min(c.harm_cap, w.target * c.target + w.sparing * c.sparing);
}

/**
 * How far a value lies past its dimension's threshold; negative inside it. For Φ, outside
 * the band on either side: the nearer edge's distance, negated while inside.
 * @example excess("avg_latency_ms", 2500, thresholds) // 500
 */
export function excess(dimension: FitnessDimension, value: number, t: FitnessThresholds): number {
  if (dimension === "phi") return Math.max(t.phi_band.min - value, value - t.phi_band.max);
  return value - t[dimension];
}

/** What a full harm is: the threshold's own size (Φ: the band's width), so units cancel. */
function harmScale(dimension: FitnessDimension, t: FitnessThresholds): number {
  const scale = dimension === "phi" ? t.phi_band.max - t.phi_band.min : Math.abs(t[dimension]);
  return scale > 0 ? scale : Number.EPSILON;
}
