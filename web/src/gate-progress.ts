/**
 * How far a gate criterion is toward its target, for a progress bar: the server gives the
 * target as text ("≥ 1000", "> 0.7 (70 %)", "= 16 (every kernel seen)", "< 0.1 (10 %)",
 * "0.5–0.8"). Only "at least"-style targets have a distance to go; a ceiling or a range has
 * none, and the page shows whether it is met.
 */
import type { GateCriterion } from "./wire-types.js";

/** Fraction 0..1 of the way to the target, or null when the target is not a floor. */
export function gateProgress(c: GateCriterion): number | null {
  if (c.met) return 1;
  if (c.value === null) return 0;
  const floor = /^(?:≥|>|=)\s*(-?\d+(?:\.\d+)?)/.exec(c.target.trim());
  if (!floor) return null;
  const target = Number(floor[1]);
  if (!(target > 0)) return null;
  return Math.max(0, Math.min(1, c.value / target));
}

/**
 * A criterion's value as the target writes it: a share as a percentage when the target is one.
 * Rounding never lands it on a limit it is not on: 69.6 % against "> 0.7 (70 %)" reads
 * "69.6 %", not "70 %".
 */
export function gateValue(c: GateCriterion): string {
  if (c.value === null) return "none yet";
  const limits = [...c.target.matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
  if (c.target.includes("%")) {
    const pct = c.value * 100;
    return `${beside(pct, limits[0] === undefined ? [] : [limits[0] * 100], pct >= 10 ? 0 : 1)} %`;
  }
  return Number.isInteger(c.value) ? String(c.value) : beside(c.value, limits, 2);
}

/** `value` to `decimals` places, or more until it sits on the same side of every limit as it truly does. */
function beside(value: number, limits: number[], decimals: number): string {
  const sameSide = (text: string) =>
    limits.every((l) => Math.sign(Number(text) - l) === Math.sign(value - l));
  let d = decimals;
  while (d < 10 && !sameSide(value.toFixed(d))) d += 1;
  return value.toFixed(d);
}
