/**
 * The arithmetic every fitness formula shares: clamping to [0, 1], and rounding a score so
 * that one the formula puts exactly on a threshold compares as that threshold.
 */

/** x clamped to [0, 1]; NaN gives 0. */
export function clamp01(x: number): number {
  return x > 1 ? 1 : x > 0 ? x : 0;
}

/**
 * Clamped to [0, 1] and rounded to 12 decimals, so a score the formula puts exactly on a
 * threshold (0.4 + 0.3 = 0.7000000000000001 in floating point) compares as that threshold.
 * Rounding never reverses an order, so monotonicity survives it. NaN scores 0.
 * @example roundScore(0.4 + 0.3) // 0.7
 */
export function roundScore(x: number): number {
  return Number(clamp01(x).toFixed(12));
}
