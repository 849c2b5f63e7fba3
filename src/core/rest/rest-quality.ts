/**
 * Rest quality and adaptive thresholds (WP5.4 next steps 2 and 3): how well a rest restored
 * a kernel, and how that moves the kernel's own rest threshold.
 *
 * The direction of adaptation: a rest that removed little of the fatigue it began with means
 * the kernel went in too deep (or rests do not restore it from there), so it should rest
 * earlier next time: its threshold moves down. A rest that restored it well means there was
 * room to spare: the threshold moves up a step, buying uptime. Always within ±maxShift of the
 * policy's own threshold, so adaptation tunes a policy and never replaces it.
 */
import type { RestConfig } from "../config.js";
import type { WakeCause } from "./events.js";
import type { KernelRestState } from "./kernel-state.js";

export interface RestRecovery {
  /** Fatigue removed per minute of rest; negative when it rose. 0 for a rest of no length. */
  perMinute: number;
  /** Fatigue removed as a fraction of the fatigue at rest; 0 when that was 0. */
  fraction: number;
}

/** @example restRecovery(0.6, 0.2, 300) // { perMinute: 0.08, fraction: 0.667 } */
export function restRecovery(fatigueAtRest: number, fatigueAfter: number, seconds: number): RestRecovery {
  const removed = fatigueAtRest - fatigueAfter;
  return {
    perMinute: seconds > 0 ? removed / (seconds / 60) : 0,
    fraction: fatigueAtRest > 0 ? removed / fatigueAtRest : 0,
  };
}

/**
 * Only rests that ran their natural course teach anything: one ended by an operator, cut
 * into by a cycle, forced, or part of a cycle says nothing of the kernel's own threshold.
 * Nor does a rest no report arrived in (a short micro-pause between two reports): its
 * fatigue "after" is the fatigue it began with, a recovery of 0 that was never measured.
 */
export function rateable(k: KernelRestState, cause: WakeCause, restStartedAt: number): boolean {
  return (
    (cause === "fatigue_recovered" || cause === "planned_length_elapsed") &&
    !k.restForced &&
    k.restCycle === null &&
    k.fatigueAtRest > 0 &&
    k.lastReportAt > restStartedAt
  );
}

/**
 * The kernel's new threshold shift after a rest with this recovery fraction, or null when
 * it stays where it is (adaptation off, a middling rest, or already at its bound).
 * @example adaptedShift(cfg, k, 0.1) // -0.02: restored poorly, rest earlier
 */
export function adaptedShift(cfg: RestConfig, k: KernelRestState, fraction: number): number | null {
  const a = cfg.adaptiveThresholds;
  if (!a.enabled || k.policy === "never") return null;
  let next = k.thresholdShift;
  if (fraction < a.poorRecoveryBelow) next -= a.step;
  else if (fraction > a.goodRecoveryAbove) next += a.step;
  else return null;
  // Rounded so a shift that went down and back up is exactly 0 again, not 1e-17.
  next = Math.round(Math.min(a.maxShift, Math.max(-a.maxShift, next)) * 1e9) / 1e9;
  return next === k.thresholdShift ? null : next;
}

/** Why the threshold moved, for the event a human reads. */
export function adaptationReason(cfg: RestConfig, fraction: number, from: number, to: number): string {
  const pct = `${Math.round(fraction * 100)} %`;
  const a = cfg.adaptiveThresholds;
  return to < from
    ? `the rest removed ${pct} of its fatigue (< ${a.poorRecoveryBelow * 100} %): rest earlier`
    : `the rest removed ${pct} of its fatigue (> ${a.goodRecoveryAbove * 100} %): room to run longer`;
}
