/**
 * When a kernel should rest, in which mode, and for how long (SPEC §3 table).
 * `evaluateRestTrigger` runs on every tick and returns an interned string: no allocation.
 */

import { fixedBeside } from "../compared-number.js";
import type { RestConfig } from "../config.js";
import type { KernelRestState, RestMode } from "./kernel-state.js";

/** Why a kernel should rest now; "none" when it should not. */
export type RestTrigger =
  | "none"
  | "emergency_fatigue"
  | "fatigue_threshold"
  | "time_since_rest"
  | "post_burst"
  | "season_ended"
  | "essential_reduce"
  /** Predictive rest: the fatigue trend reaches the threshold within the horizon, and a partner is free. */
  | "predicted";

/** Seconds since the kernel's last rest ended, or since it registered if it never rested. 0 while resting. */
export function timeSinceRestSeconds(k: KernelRestState, now: number): number {
  if (k.status !== "active") return 0;
  return (now - (k.lastRestEndedAt ?? k.registeredAt)) / 1000;
}

/**
 * The fatigue above which the kernel's policy (or its essential tier) calls for rest, moved by
 * the kernel's adaptive shift. The `never` policy's emergency level never moves: it is a
 * safety limit, not a tuning.
 */
export function restThreshold(cfg: RestConfig, k: KernelRestState): number {
  const t = cfg.thresholds;
  const s = k.thresholdShift;
  let policy: number;
  switch (k.policy) {
    case "never":
      policy = t.neverEmergency;
      break;
    case "minimal_rotating":
      policy = t.minimalRotating + s;
      break;
    case "coordinated_alternating":
      policy = t.coordinatedAlternating + s;
      break;
    case "scheduled":
      policy = t.scheduled + s;
      break;
    case "seasonal":
      policy = t.seasonal + s;
      break;
    case "chaos":
      policy = t.chaos + s;
      break;
  }
  return k.tier === "essential" ? Math.min(policy, t.essentialReduce + s) : policy;
}

/**
 * Seconds until fatigue reaches the rest threshold at its smoothed trend; -1 when it is not
 * rising, the trend rests on too few reports, or the kernel rests. A number, not null, so
 * the tick path allocates nothing.
 */
export function secondsToThreshold(cfg: RestConfig, k: KernelRestState): number {
  if (k.status !== "active" || k.reportsSinceRest < cfg.predictive.minReports) return -1;
  const slope = k.fatigueSlopePerSecond;
  if (!(slope > 0)) return -1;
  const gap = restThreshold(cfg, k) - k.fatigue;
  return gap <= 0 ? 0 : gap / slope;
}

/**
 * Whether the trend calls for rest ahead of the threshold: predictive rest is on, the policy
 * rests with a partner (never and REDUCED rests are left to their thresholds: nobody needs
 * warning to cover them), fatigue is already a fair part of the way there, and the threshold
 * is within the horizon. Whether a partner is free is the scheduler's to add.
 */
export function trendCallsForRest(cfg: RestConfig, k: KernelRestState): boolean {
  const p = cfg.predictive;
  // Cheapest tests first: this runs on every tick of every kernel.
  if (!p.enabled || k.status !== "active" || k.policy === "never") return false;
  const slope = k.fatigueSlopePerSecond;
  if (k.reportsSinceRest < p.minReports || !(slope > 0)) return false;
  if (k.tier === "essential" && k.policy !== "minimal_rotating") return false;
  const threshold = restThreshold(cfg, k);
  if (k.fatigue < p.minFatigueFraction * threshold) return false;
  // secondsToThreshold ≤ horizon, without its division.
  return threshold - k.fatigue <= p.horizonSeconds * slope;
}

/** The period a kernel's duty cycle is measured over: one season for seasonal kernels. */
export function dutyPeriodSeconds(cfg: RestConfig, k: KernelRestState): number {
  return k.policy === "seasonal" ? cfg.seasonLengthSeconds : cfg.dutyCyclePeriodSeconds;
}

/**
 * First matching rule of SPEC §3. The policy's own rule is tried before the essential
 * tier's, so Hermes's minimal_rotating rule is not hidden by his tier (an original defect).
 */
export function evaluateRestTrigger(cfg: RestConfig, k: KernelRestState, now: number): RestTrigger {
  if (k.status !== "active") return "none";
  const t = cfg.thresholds;
  const f = k.fatigue;
  const s = k.thresholdShift;
  switch (k.policy) {
    case "never":
      if (f > t.neverEmergency) return "emergency_fatigue";
      break;
    case "minimal_rotating":
      if (f > t.minimalRotating + s) return "fatigue_threshold";
      if (timeSinceRestSeconds(k, now) > cfg.minimalRotatingMaxAwakeSeconds) return "time_since_rest";
      break;
    case "coordinated_alternating":
      if (f > t.coordinatedAlternating + s) return "fatigue_threshold";
      break;
    case "scheduled":
      if (f > t.scheduled + s) return "fatigue_threshold";
      if (k.hasTelemetry && k.load < t.scheduledPostBurstLoad && f > t.scheduledPostBurst + s)
        return "post_burst";
      break;
    case "seasonal": {
      if (f > t.seasonal + s) return "fatigue_threshold";
      const duty = k.contract?.restPolicy.dutyCycle ?? 1;
      if (timeSinceRestSeconds(k, now) >= duty * cfg.seasonLengthSeconds) return "season_ended";
      break;
    }
    case "chaos":
      if (f > t.chaos + s) return "fatigue_threshold";
      break;
  }
  if (k.tier === "essential" && f > t.essentialReduce + s) return "essential_reduce";
  return "none";
}

/**
 * The mode a rest takes. `never` only ever reduces; an essential kernel reduces, or
 * micro-pauses when it rotates (Hermes) and a partner can cover.
 */
export function restModeFor(k: KernelRestState, coverAvailable: boolean): RestMode {
  if (k.policy === "never") return "reduced";
  if (k.tier === "essential")
    return k.policy === "minimal_rotating" && coverAvailable ? "micro_pause" : "reduced";
  if (k.policy === "minimal_rotating") return "micro_pause";
  return "resting";
}

/** REDUCED keeps the kernel working at a lower rate, so nobody needs to cover it. */
export function modeNeedsCover(mode: RestMode): boolean {
  return mode !== "reduced";
}

/**
 * How long a rest is planned to last. A micro-pause lasts 10–60 s, longer the more
 * fatigued the kernel; other rests last (1 − duty_cycle) × period, or rest_duration ×
 * period, or the season's rest share for seasonal kernels.
 */
export function plannedRestSeconds(cfg: RestConfig, k: KernelRestState, mode: RestMode): number {
  const policy = k.contract?.restPolicy;
  if (mode === "micro_pause") {
    const span = cfg.microPauseMaxSeconds - cfg.microPauseMinSeconds;
    return cfg.microPauseMinSeconds + span * Math.min(1, Math.max(0, k.fatigue));
  }
  if (k.policy === "seasonal" && policy?.dutyCycle !== undefined) {
    return (1 - policy.dutyCycle) * cfg.seasonLengthSeconds;
  }
  if (mode === "resting" && policy?.restDuration !== undefined)
    return policy.restDuration * cfg.dutyCyclePeriodSeconds;
  if (policy?.dutyCycle !== undefined) return (1 - policy.dutyCycle) * cfg.dutyCyclePeriodSeconds;
  return mode === "reduced" ? cfg.reducedRestSeconds : cfg.defaultRestSeconds;
}

/** Words for a trigger, e.g. "fatigue 0.52 > 0.45 (coordinated_alternating)". */
export function describeTrigger(
  cfg: RestConfig,
  k: KernelRestState,
  trigger: RestTrigger,
  now: number,
): string {
  const t = restThreshold(cfg, k);
  // Fatigue to two places, more where two would round it onto the threshold it is compared with.
  const f = fixedBeside(
    k.fatigue,
    trigger === "emergency_fatigue"
      ? cfg.thresholds.neverEmergency
      : trigger === "post_burst"
        ? cfg.thresholds.scheduledPostBurst
        : t,
    2,
  );
  switch (trigger) {
    case "none":
      return `fatigue ${f} within ${k.policy} limits`;
    case "emergency_fatigue":
      return `emergency: fatigue ${f} > ${cfg.thresholds.neverEmergency} (never)`;
    case "fatigue_threshold":
      return `fatigue ${f} > ${threshold(cfg, k)} (${k.policy})`;
    case "time_since_rest":
      return `${fixedBeside(timeSinceRestSeconds(k, now), cfg.minimalRotatingMaxAwakeSeconds, 0)} s since last rest > ${cfg.minimalRotatingMaxAwakeSeconds} s (minimal_rotating)`;
    case "post_burst":
      return `post-burst recovery: load ${fixedBeside(k.load, cfg.thresholds.scheduledPostBurstLoad, 2)} < ${cfg.thresholds.scheduledPostBurstLoad} and fatigue ${f} > ${cfg.thresholds.scheduledPostBurst}`;
    case "season_ended":
      return `active season "${k.contract?.restPolicy.activeSeason ?? "active"}" has run its length; time for "${k.contract?.restPolicy.restSeason ?? "rest"}"`;
    case "essential_reduce":
      return `essential tier: fatigue ${f} > ${threshold(cfg, k)}, reduce activity`;
    case "predicted":
      return `predicted: fatigue ${f} rising ${(k.fatigueSlopePerSecond * 60).toFixed(3)}/min reaches ${threshold(cfg, k)} in ${Math.round(secondsToThreshold(cfg, k))} s, within the ${cfg.predictive.horizonSeconds} s horizon; a partner is free`;
  }
}

/** A threshold in words: three decimals, so an adapted 0.47 reads as itself. */
function threshold(cfg: RestConfig, k: KernelRestState): string {
  return String(Number(restThreshold(cfg, k).toFixed(3)));
}
