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

/** A criterion's value as the target writes it: a share as a percentage when the target is one. */
export function gateValue(c: GateCriterion): string {
  if (c.value === null) return "none yet";
  if (c.target.includes("%")) return `${(c.value * 100).toFixed(c.value * 100 >= 10 ? 0 : 1)} %`;
  return Number.isInteger(c.value) ? String(c.value) : c.value.toFixed(2);
}
