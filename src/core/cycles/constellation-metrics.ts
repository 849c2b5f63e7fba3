/**
 * What Heart and Ocean measure of the whole constellation before voting on a cycle
 * (SPEC §3 "Constellation cycles"). Each metric is null when no kernel has the data it
 * needs: "no data" is inconclusive, and a vote on it is no (see votes.ts).
 *
 * Distances are always full Fisher–Rao units, [0, π], whatever `geometry.distance` reports
 * elsewhere: the cycle thresholds (sleepDriftAbove 3.0, spread as a fraction of π) are
 * written in them.
 *
 * Window terms (Φ slope, fatigue over the window, κ std) read the newest
 * `windowSnapshots` values of each series, so a caller may hand over a longer history; a
 * kernel with fewer values than a full window is left out of that term, since "over the
 * window" cannot be judged on part of one.
 */
import type { CyclesConfig } from "../config.js";
import { fisherRaoDistance, frechetMean } from "../geometry.js";

/**
 * One kernel's recent telemetry, oldest first.
 * @example
 * { kernel_id: "apollo_1", basin: [0.5, 0.5], baseline: [1, 0], phi: [0.6, 0.6], kappa: [64, 64], fatigue: [0.7, 0.7] }
 */
export interface KernelWindow {
  kernel_id: string;
  /** The current basin, already on the simplex; null when the kernel reports none. */
  basin: ArrayLike<number> | null;
  /** The basin drift is measured from; null when none is set yet. */
  baseline: ArrayLike<number> | null;
  phi: ArrayLike<number>;
  kappa: ArrayLike<number>;
  fatigue: ArrayLike<number>;
}

/**
 * @example constellationMetrics([], DEFAULT_CONFIG.cycles).coherence // null
 */
export interface ConstellationMetrics {
  /** Kernels handed in, whatever data they had. */
  kernels: number;
  /** 1 − spread: 1 when every basin sits on the Fréchet mean. */
  coherence: number | null;
  /** Mean Fisher–Rao distance of the basins to their Fréchet mean, as a fraction of π. */
  spread: number | null;
  /** Mean of each kernel's latest fatigue. */
  average_fatigue: number | null;
  /** Mean Fisher–Rao distance of each kernel's basin from its baseline, full units. */
  mean_drift: number | null;
  /** Stuck kernels over kernels with a full Φ and fatigue window. */
  stuck_fraction: number | null;
  /** Mean of per-kernel rigidity, 1 − min(1, std κ / rigidityKappaStdScale). */
  rigidity: number | null;
  stuck_kernels: string[];
  /** How many kernels each metric was computed over, so a reader can tell 1 of 1 from 40 of 40. */
  measured: { basins: number; drift: number; fatigue: number; stuck: number; rigidity: number };
}

/**
 * Computes the cycle metrics of a constellation.
 * @example
 * const m = constellationMetrics(windows, DEFAULT_CONFIG.cycles);
 * m.coherence; // 0.5 for two kernels on opposite one-hot basins
 */
export function constellationMetrics(
  kernels: readonly KernelWindow[],
  config: CyclesConfig,
): ConstellationMetrics {
  const window = config.windowSnapshots;
  const basins = basinsOfCommonDimension(kernels);
  let spread: number | null = null;
  if (basins.length > 0) {
    const mean = frechetMean(basins);
    let total = 0;
    for (const b of basins) total += fisherRaoDistance(b, mean);
    // Each distance to the mean is ≤ π; the clamp only absorbs rounding.
    spread = Math.min(1, total / basins.length / Math.PI);
  }

  let fatigueSum = 0;
  let fatigueKernels = 0;
  let driftSum = 0;
  let driftKernels = 0;
  let rigiditySum = 0;
  let rigidityKernels = 0;
  let stuckEligible = 0;
  const stuck: string[] = [];
  for (const k of kernels) {
    if (k.fatigue.length > 0) {
      fatigueSum += k.fatigue[k.fatigue.length - 1];
      fatigueKernels++;
    }
    if (k.basin && k.baseline && k.basin.length === k.baseline.length && k.basin.length > 0) {
      driftSum += fisherRaoDistance(k.basin, k.baseline);
      driftKernels++;
    }
    if (k.phi.length >= window && k.fatigue.length >= window) {
      stuckEligible++;
      const flat = Math.abs(leastSquaresSlope(k.phi, window)) < config.stuckPhiSlopePerUpdate;
      if (flat && tailMean(k.fatigue, window) > config.stuckFatigue) stuck.push(k.kernel_id);
    }
    if (k.kappa.length >= window) {
      rigiditySum += 1 - Math.min(1, tailStd(k.kappa, window) / config.rigidityKappaStdScale);
      rigidityKernels++;
    }
  }

  return {
    kernels: kernels.length,
    coherence: spread === null ? null : 1 - spread,
    spread,
    average_fatigue: fatigueKernels > 0 ? fatigueSum / fatigueKernels : null,
    mean_drift: driftKernels > 0 ? driftSum / driftKernels : null,
    stuck_fraction: stuckEligible > 0 ? stuck.length / stuckEligible : null,
    // The constellation is as rigid as its average kernel: one kernel whose κ still varies
    // should soften the figure, not (as a minimum would) decide it alone.
    rigidity: rigidityKernels > 0 ? rigiditySum / rigidityKernels : null,
    stuck_kernels: stuck,
    measured: {
      basins: basins.length,
      drift: driftKernels,
      fatigue: fatigueKernels,
      stuck: stuckEligible,
      rigidity: rigidityKernels,
    },
  };
}

/**
 * The basins of the dimension most kernels share (ties: the first seen). A kernel reporting
 * another dimension is left out rather than failing the whole constellation's vote.
 */
function basinsOfCommonDimension(kernels: readonly KernelWindow[]): ArrayLike<number>[] {
  const counts = new Map<number, number>();
  let best = 0;
  let bestCount = 0;
  for (const k of kernels) {
    if (!k.basin || k.basin.length === 0) continue;
    const n = (counts.get(k.basin.length) ?? 0) + 1;
    counts.set(k.basin.length, n);
    if (n > bestCount) {
      best = k.basin.length;
      bestCount = n;
    }
  }
  const out: ArrayLike<number>[] = [];
  for (const k of kernels) if (k.basin && k.basin.length === best) out.push(k.basin);
  return out;
}

/**
 * Least-squares slope per update of the newest `n` values (x = 0 … n−1).
 * @example leastSquaresSlope([9, 0, 0.25, 0.5, 0.75], 4) // 0.25
 */
export function leastSquaresSlope(y: ArrayLike<number>, n: number): number {
  const from = y.length - n;
  const yMean = tailMean(y, n);
  const xMean = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = i - xMean;
    sxy += dx * (y[from + i] - yMean);
    sxx += dx * dx;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

function tailMean(y: ArrayLike<number>, n: number): number {
  let sum = 0;
  for (let i = y.length - n; i < y.length; i++) sum += y[i];
  return sum / n;
}

/** Population standard deviation (divides by n, numpy's default); two passes, as κ ≈ 64 with a tiny spread would cancel in Σy². */
function tailStd(y: ArrayLike<number>, n: number): number {
  const mean = tailMean(y, n);
  let sq = 0;
  for (let i = y.length - n; i < y.length; i++) sq += (y[i] - mean) ** 2;
  return Math.sqrt(sq / n);
}
