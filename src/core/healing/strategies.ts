/**
 * SPEC §5's five healing strategies, in priority order: each reads a kernel's health and
 * trends and, when its condition holds, proposes one action. The loop sandboxes the
 * proposals in this order and the first that passes wins, so a drifted basin is corrected
 * before anything else is tried: most other symptoms follow from it.
 *
 * Only a degraded kernel (status warning or critical) gets proposals. The strategies compare
 * raw values, while the monitor's rules on current values wait for a condition to hold a few
 * snapshots (Prometheus `for`); requiring the monitor's verdict as well keeps one noisy
 * snapshot from generating a patch, which is what keeps false positives down.
 */

import { precisionBeside } from "../compared-number.js";
import type { AutonomicConfig, HealthConfig } from "../config.js";
import { InvalidInputError } from "../errors.js";
import { fmt } from "../health/issues.js";
import type { KernelHealthReport, TrendReport } from "../health/reports.js";
import type { FitnessDimension } from "./fitness-targeted.js";
import type { HealingConfig } from "./healing-config.js";
import { type ActionParams, type RemediationType, validateActionParams } from "./remediation-action.js";

/** The strategies, highest priority first. */
export const STRATEGIES = [
  "basin_drift",
  "phi_degradation",
  "performance",
  "memory_leak",
  "error_spike",
] as const;

export type StrategyName = (typeof STRATEGIES)[number];

/**
 * The one dimension each strategy treats: what fitness scores as the patch's target, every
 * other dimension counting only by the harm done to it (SPEC §5).
 */
export const STRATEGY_TARGET: Readonly<Record<StrategyName, FitnessDimension>> = {
  basin_drift: "basin_drift",
  phi_degradation: "phi",
  performance: "avg_latency_ms",
  memory_leak: "memory_mb_slope",
  error_spike: "error_rate",
};

/** A remediation action, or "rest": a covered rest the rest scheduler grants, not the kernel's handler. */
export type PatchActionType = RemediationType | "rest";

/** @example { type: "integration_boost", params: { factor: 1.3 } } */
export interface PatchAction {
  type: PatchActionType;
  params: ActionParams;
}

/**
 * What a strategy measured and the threshold it crossed.
 * @example { metric: "phi_avg", value: 0.61, threshold: 0.65 }
 */
export interface PatchTrigger {
  metric: string;
  value: number;
  threshold: number;
}

/**
 * One strategy's proposal for one kernel, before it becomes a patch.
 * @example
 * { kernel_id: "apollo_1", strategy: "phi_degradation", action: { type: "integration_boost", params: { factor: 1.3 } },
 *   rationale: "average Φ 0.61 over the last 10 snapshots is below Φ min 0.65: boost integration ×1.3",
 *   trigger: { metric: "phi_avg", value: 0.61, threshold: 0.65 }, persistent: true }
 */
export interface PatchProposal {
  kernel_id: string;
  strategy: StrategyName;
  action: PatchAction;
  /** Says what was measured against what, and what the action does about it. */
  rationale: string;
  trigger: PatchTrigger;
  /** Changes persistent kernel parameters, so an approved patch becomes a config commit. */
  persistent: boolean;
}

/** What the strategies read: their own params and the monitor's thresholds they act on. */
export type StrategyConfig = Pick<
  HealingConfig,
  | "driftFraction"
  | "basinStep"
  | "integrationBoostFactor"
  | "decoherenceNoise"
  | "cacheEntries"
  | "performanceRestWhenCovered"
> &
  Pick<
    HealthConfig,
    | "phiAvgLowCritical"
    | "phiAvgHighCritical"
    | "latencyWarningMs"
    | "memorySlopeWarningMbPerSnapshot"
    | "errorRateCritical"
  >;

/** @example strategyConfig(DEFAULT_CONFIG).driftFraction // 0.7 */
export function strategyConfig(config: Pick<AutonomicConfig, "healing" | "health">): StrategyConfig {
  const { healing: g, health: h } = config;
  return {
    driftFraction: g.driftFraction,
    basinStep: g.basinStep,
    integrationBoostFactor: g.integrationBoostFactor,
    decoherenceNoise: g.decoherenceNoise,
    cacheEntries: g.cacheEntries,
    performanceRestWhenCovered: g.performanceRestWhenCovered,
    phiAvgLowCritical: h.phiAvgLowCritical,
    phiAvgHighCritical: h.phiAvgHighCritical,
    latencyWarningMs: h.latencyWarningMs,
    memorySlopeWarningMbPerSnapshot: h.memorySlopeWarningMbPerSnapshot,
    errorRateCritical: h.errorRateCritical,
  };
}

export interface StrategyInput {
  kernelId: string;
  health: KernelHealthReport;
  trends: TrendReport;
  /** A partner is free to cover this kernel now (the rest scheduler's coverage check). */
  canRestWithCover: boolean;
}

/** Action types that change persistent kernel parameters; a geodesic step, a restart or a rest do not. */
const PERSISTENT: ReadonlySet<PatchActionType> = new Set([
  "integration_boost",
  "decoherence",
  "enable_cache",
  "rollback_config",
]);

/**
 * True when the action changes persistent kernel parameters.
 * @example isPersistentAction("recycle") // false
 */
export function isPersistentAction(type: PatchActionType): boolean {
  return PERSISTENT.has(type);
}

/**
 * Low Φ with κ off its optimum is what fatigue looks like (the two largest terms of the
 * WP5.4 fatigue formula): the rest scheduler's business, not a remedy's. Boosting a tired
 * kernel's integration would only mask it until it rests.
 * @example looksTired(monitor.health("apollo_1")) // true while Φ sags and κ runs off before a rest
 */
export function looksTired(health: KernelHealthReport): boolean {
  const rules = new Set(health.findings.map((issue) => issue.rule));
  return rules.has("kappa_deviation") && (rules.has("phi_avg_low") || rules.has("phi_low"));
}

type Proposed = Omit<PatchProposal, "kernel_id" | "strategy" | "persistent">;
type Strategy = (input: StrategyInput, c: StrategyConfig) => Proposed | null;

const STRATEGY: Record<StrategyName, Strategy> = {
  basin_drift({ health }, c) {
    const drift = health.basin_drift;
    const t = health.drift_thresholds;
    const threshold = c.driftFraction * t.critical;
    if (drift === null || !(drift > threshold)) return null;
    return {
      action: action("basin_correction", { target: "baseline", step: c.basinStep }),
      rationale:
        `basin drift ${precisionBeside(drift, threshold)} from the baseline is above ${fmt(c.driftFraction)} × the critical ` +
        `${fmt(t.critical)} (${t.source} thresholds, ${t.units} units) = ${fmt(threshold)}: ` +
        `a ${fmt(c.basinStep)} geodesic step back toward the baseline`,
      trigger: { metric: "basin_drift", value: drift, threshold },
    };
  },
  phi_degradation({ health }, c) {
    const phi = health.phi_avg;
    if (phi === null) return null;
    const limit = phi < c.phiAvgLowCritical ? c.phiAvgLowCritical : c.phiAvgHighCritical;
    const over = `average Φ ${precisionBeside(phi, limit)} over the last ${health.window_snapshots} snapshots`;
    // The window and the present must agree: an average still low from before a fault that
    // overloaded Φ (or the reverse) says nothing about what the kernel needs now.
    const now = health.phi;
    if (phi < c.phiAvgLowCritical && !looksTired(health) && (now === null || now < c.phiAvgLowCritical))
      return {
        action: action("integration_boost", { factor: c.integrationBoostFactor }),
        rationale: `${over} is below Φ min ${fmt(c.phiAvgLowCritical)}: boost integration ×${fmt(c.integrationBoostFactor)}`,
        trigger: { metric: "phi_avg", value: phi, threshold: c.phiAvgLowCritical },
      };
    if (phi > c.phiAvgHighCritical && (now === null || now > c.phiAvgHighCritical))
      return {
        action: action("decoherence", { noise: c.decoherenceNoise }),
        rationale: `${over} is above Φ max ${fmt(c.phiAvgHighCritical)}: add decoherence noise ${fmt(c.decoherenceNoise)}`,
        trigger: { metric: "phi_avg", value: phi, threshold: c.phiAvgHighCritical },
      };
    return null;
  },
  performance({ health, canRestWithCover }, c) {
    const latency = health.avg_latency_ms;
    if (latency === null || !(latency > c.latencyWarningMs)) return null;
    const measured = `latency ${precisionBeside(latency, c.latencyWarningMs)} ms is above ${fmt(c.latencyWarningMs)} ms`;
    const trigger = { metric: "avg_latency_ms", value: latency, threshold: c.latencyWarningMs };
    if (canRestWithCover && c.performanceRestWhenCovered)
      return {
        action: { type: "rest", params: {} },
        rationale: `${measured}: rest while a partner covers`,
        trigger,
      };
    return {
      action: action("enable_cache", { entries: c.cacheEntries }),
      rationale: `${measured}: enable a cache of ${c.cacheEntries} entries`,
      trigger,
    };
  },
  memory_leak({ health, trends }, c) {
    const slope = trends.slopes_per_snapshot.memory_mb;
    if (slope === null || !(slope > c.memorySlopeWarningMbPerSnapshot)) return null;
    const now = health.memory_mb === null ? "" : ` (now ${fmt(health.memory_mb)} MB)`;
    return {
      action: action("recycle", {}),
      rationale:
        `memory grows ${precisionBeside(slope, c.memorySlopeWarningMbPerSnapshot)} MB per snapshot over the last ${trends.window_snapshots} snapshots${now}, ` +
        `above ${fmt(c.memorySlopeWarningMbPerSnapshot)} MB: recycle — drain with coverage, restart, rejoin`,
      trigger: { metric: "memory_mb_slope", value: slope, threshold: c.memorySlopeWarningMbPerSnapshot },
    };
  },
  error_spike({ health }, c) {
    const rate = health.error_rate;
    if (rate === null || !(rate > c.errorRateCritical)) return null;
    return {
      action: action("rollback_config", {}),
      rationale: `error rate ${precisionBeside(rate * 100, c.errorRateCritical * 100)} % is above ${percent(c.errorRateCritical)}: roll back to the last known-good config version`,
      trigger: { metric: "error_rate", value: rate, threshold: c.errorRateCritical },
    };
  },
};

/**
 * Every strategy that fires for this kernel, in priority order; none for a kernel the
 * monitor calls healthy or has too few snapshots to judge.
 * @example
 * proposePatches({ kernelId: "apollo_1", health, trends, canRestWithCover: false }, strategyConfig(config))
 *   .map((p) => p.action.type) // ["basin_correction", "integration_boost"]
 */
export function proposePatches(input: StrategyInput, config: StrategyConfig): PatchProposal[] {
  if (input.health.kernel_id !== input.kernelId)
    throw new InvalidInputError(
      "kernelId",
      `is ${input.kernelId} but the health report is ${input.health.kernel_id}'s`,
    );
  if (input.trends.kernel_id !== input.kernelId)
    throw new InvalidInputError(
      "kernelId",
      `is ${input.kernelId} but the trends are ${input.trends.kernel_id}'s`,
    );
  const status = input.health.status;
  if (status !== "warning" && status !== "critical") return [];
  const proposals: PatchProposal[] = [];
  for (const strategy of STRATEGIES) {
    const proposed = STRATEGY[strategy](input, config);
    if (proposed === null) continue;
    proposals.push({
      kernel_id: input.kernelId,
      strategy,
      ...proposed,
      persistent: isPersistentAction(proposed.action.type),
    });
  }
  return proposals;
}

/** A remediation action with its params checked against SPEC §5's bounds. */
function action(type: RemediationType, params: ActionParams): PatchAction {
  return { type, params: validateActionParams(type, params) };
}

function percent(rate: number): string {
  return `${fmt(rate * 100)} %`;
}

/**
 * Boost and decoherence are undone by each other through one linear rule: the allowed boost
 * range (1, 1.5] maps onto the allowed noise range (0, 0.2], noise = 0.4·(factor − 1), so the
 * strongest boost is undone by the strongest decoherence. It is also the simulator's
 * kernel model, where a factor f raises Φ by 0.06·(f − 1) and noise n lowers it by 0.15·n.
 */
const NOISE_PER_BOOST_UNIT = 0.2 / 0.5;

/** The action that undoes an applied one. */
export interface InverseAction {
  type: RemediationType;
  params: ActionParams;
}

/**
 * The action that undoes `type` with these params, or null when nothing can: a restart
 * (recycle) cannot be un-restarted, a rest ends by itself, and an undo is not itself undone
 * (a rollback that fails goes to a human). Throws an InvalidInputError when the params are
 * not valid for the type.
 * @example inverseAction("integration_boost", { factor: 1.3 }) // { type: "decoherence", params: { noise: 0.12 } }
 * @example inverseAction("enable_cache", { entries: 1000 }) // { type: "disable_cache", params: {} }
 */
export function inverseAction(type: PatchActionType, params: ActionParams): InverseAction | null {
  if (type === "rest") return null;
  const valid = validateActionParams(type, params);
  switch (type) {
    case "integration_boost":
      return inverse("decoherence", { noise: tidy(NOISE_PER_BOOST_UNIT * ((valid.factor as number) - 1)) });
    case "decoherence":
      // Tidy the increment, not the sum, so a factor just above 1 is not rounded down onto 1.
      return inverse("integration_boost", {
        factor: 1 + tidy((valid.noise as number) / NOISE_PER_BOOST_UNIT),
      });
    case "enable_cache":
      return inverse("disable_cache", {});
    case "rollback_config":
      return inverse("restore_config", {});
    case "basin_correction":
      return inverse("basin_restore", {});
    case "recycle":
    case "disable_cache":
    case "restore_config":
    case "basin_restore":
      return null;
  }
}

function inverse(type: RemediationType, params: ActionParams): InverseAction {
  return { type, params: validateActionParams(type, params) };
}

/** 12 significant digits: 0.4 × 0.3 reads 0.12, not 0.12000000000000002, and tiny values stay non-zero. */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}
