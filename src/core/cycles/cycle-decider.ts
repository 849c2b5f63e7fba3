/**
 * Whether a constellation cycle starts, and when a running one ends (SPEC §3 "Constellation
 * cycles"). Pure: the service gathers metrics, votes, the last end of each cycle type and the
 * active cycle, calls these, and persists what they return.
 *
 * Start: cycle types are checked in priority order (SLEEP, DREAM, MUSHROOM); the first whose
 * two effective votes are both yes, whose cooldown since the end of the last cycle of that
 * type has passed, while no cycle is active, starts. A type in cooldown does not block a
 * lower-priority type from starting.
 *
 * End, checked on every run while a cycle is active, by condition first, then by length:
 * - SLEEP ends once average fatigue is below sleepEndFatigueBelow (0.4). Not as soon as a start
 *   criterion fails: fatigue just under 0.8 is no recovery, and the gap is the hysteresis
 *   that keeps a SLEEP from ending the moment it starts.
 * - DREAM and MUSHROOM end as soon as one of their start criteria, measured, no longer holds
 *   (the constellation is unstuck or flexible again, or its basins have spread out); their
 *   cooldowns stop them from flapping straight back.
 * - A metric with no data ends nothing by condition; every cycle ends after its
 *   maxLengthSeconds whatever the metrics say.
 */

import { fixedBeside } from "../compared-number.js";
import type { CyclesConfig } from "../config.js";
import type { KernelTier, RestMode } from "../rest/kernel-state.js";
import type { ConstellationMetrics } from "./constellation-metrics.js";
import {
  CYCLE_TYPES,
  type CycleType,
  cycleLabel,
  formatValue,
  VOTERS,
  type Voter,
  voterKey,
} from "./cycle-types.js";
import {
  type CastVote,
  cycleCriteria,
  describeCriterion,
  latestCastVote,
  type TelemetryVotes,
} from "./votes.js";

/** @example { cycle_type: "sleep", started_at: 1_700_000_000_000 } */
export interface ActiveCycle {
  cycle_type: CycleType;
  /** Clock ms. */
  started_at: number;
}

/** A voter's vote as it counted: its live cast vote if any, else its telemetry vote. */
export interface VoterVote {
  vote: boolean;
  reasoning: string;
  source: "telemetry" | "cast";
}

export interface CycleVotes {
  heart: VoterVote;
  ocean: VoterVote;
}

/** Why a checked cycle type did or did not start, in the order they are tested. */
export type CheckOutcome = "started" | "not_unanimous" | "cooling_down" | "cycle_active" | "outranked";

/** One cycle type as the decider checked it. */
export interface CycleCheck {
  cycle_type: CycleType;
  votes: CycleVotes;
  outcome: CheckOutcome;
  /** 0 when the cooldown has passed (or the type never ran). */
  cooldown_remaining_seconds: number;
}

export interface CycleDecisionInput {
  metrics: ConstellationMetrics;
  telemetryVotes: TelemetryVotes;
  /** Every cast vote still held; expired ones are ignored. */
  castVotes: readonly CastVote[];
  /** Clock ms. */
  now: number;
  /** Clock ms the last cycle of each type ended; null when none has. */
  lastCycleEnd: Record<CycleType, number | null>;
  active: ActiveCycle | null;
}

/**
 * One consensus run, as recorded. `cycle_type` is the type started; else the highest-priority
 * type at least one voter wanted (and `reason` says what held it back); else null, and then
 * each voter's `votes` entry is its no on all three types, reasons joined, with source "cast"
 * if any of the three was cast. `checks` has all three types in priority order.
 */
export interface CycleDecision {
  at: number;
  cycle_type: CycleType | null;
  started: boolean;
  votes: CycleVotes;
  reason: string;
  metrics: ConstellationMetrics;
  checks: CycleCheck[];
}

/**
 * @example
 * const d = decideCycle({ metrics, telemetryVotes: telemetryVotes(metrics, cfg), castVotes: [], now,
 *   lastCycleEnd: { sleep: null, dream: null, mushroom: null }, active: null }, cfg);
 * if (d.started) startCycle(d.cycle_type, now);
 */
export function decideCycle(input: CycleDecisionInput, config: CyclesConfig): CycleDecision {
  const { now, active } = input;
  let startedType: CycleType | null = null;
  const checks = CYCLE_TYPES.map((type): CycleCheck => {
    const votes = {
      heart: effectiveVote("Heart", type, input, config),
      ocean: effectiveVote("Ocean", type, input, config),
    };
    const last = input.lastCycleEnd[type];
    const remainingMs = last === null ? 0 : Math.max(0, last + config.cooldownSeconds[type] * 1000 - now);
    let outcome: CheckOutcome;
    if (!(votes.heart.vote && votes.ocean.vote)) outcome = "not_unanimous";
    else if (remainingMs > 0) outcome = "cooling_down";
    else if (active !== null) outcome = "cycle_active";
    else if (startedType !== null) outcome = "outranked";
    else {
      outcome = "started";
      startedType = type;
    }
    return { cycle_type: type, votes, outcome, cooldown_remaining_seconds: remainingMs / 1000 };
  });

  const chosen =
    checks.find((c) => c.outcome === "started") ??
    checks.find((c) => c.votes.heart.vote || c.votes.ocean.vote);
  const base = { at: now, metrics: input.metrics, checks };
  if (chosen === undefined) {
    return {
      ...base,
      cycle_type: null,
      started: false,
      votes: { heart: combinedNo(checks, "heart"), ocean: combinedNo(checks, "ocean") },
      reason: "no cycle: neither Heart nor Ocean votes yes on any cycle type",
    };
  }
  return {
    ...base,
    cycle_type: chosen.cycle_type,
    started: chosen.outcome === "started",
    votes: chosen.votes,
    reason: explain(chosen, input, config),
  };
}

function effectiveVote(
  voter: Voter,
  type: CycleType,
  input: CycleDecisionInput,
  config: CyclesConfig,
): VoterVote {
  const cast = latestCastVote(input.castVotes, voter, type, input.now, config);
  if (cast !== null) {
    const word = cast.vote ? "yes" : "no";
    return {
      vote: cast.vote,
      reasoning: `${voter} cast ${word} on ${cycleLabel(type)}: ${cast.reasoning}`,
      source: "cast",
    };
  }
  return { ...input.telemetryVotes[voterKey(voter)][type], source: "telemetry" };
}

function combinedNo(checks: readonly CycleCheck[], key: "heart" | "ocean"): VoterVote {
  const votes = checks.map((c) => c.votes[key]);
  return {
    vote: false,
    reasoning: votes.map((v) => v.reasoning).join(" | "),
    source: votes.some((v) => v.source === "cast") ? "cast" : "telemetry",
  };
}

function explain(check: CycleCheck, input: CycleDecisionInput, config: CyclesConfig): string {
  const label = cycleLabel(check.cycle_type);
  switch (check.outcome) {
    case "started":
      return `${label} starts: Heart and Ocean both vote yes`;
    case "not_unanimous": {
      const against = VOTERS.filter((v) => !check.votes[voterKey(v)].vote).map(
        (v) => `${v} (${check.votes[voterKey(v)].source})`,
      );
      const verb = against.length > 1 ? "vote" : "votes";
      return `${label} not started: ${against.join(" and ")} ${verb} no; both must vote yes`;
    }
    case "cooling_down":
      return `${label} not started: cooling down, ${formatValue(check.cooldown_remaining_seconds)} s left of ${config.cooldownSeconds[check.cycle_type]} s after the last ${label} ended`;
    case "cycle_active": {
      // Only reached with a cycle active; the fallback keeps the types honest without a cast.
      const a = input.active ?? { cycle_type: check.cycle_type, started_at: input.now };
      return `${label} not started: a ${cycleLabel(a.cycle_type)} cycle has been running for ${formatValue((input.now - a.started_at) / 1000)} s`;
    }
    case "outranked":
      return `${label} not started: a higher-priority cycle started`;
  }
}

/** @example { end: true, by: "length", reason: "DREAM ends: it has run 1200 s, its maximum length" } */
export interface CycleEnd {
  end: boolean;
  by: "condition" | "length" | null;
  reason: string;
}

/**
 * Whether the active cycle ends now (the end conditions are in the file comment).
 * @example shouldEnd({ cycle_type: "sleep", started_at: 0 }, metrics, 60_000, cfg).end // true once fatigue < 0.4
 */
export function shouldEnd(
  active: ActiveCycle,
  metrics: ConstellationMetrics,
  now: number,
  config: CyclesConfig,
): CycleEnd {
  const type = active.cycle_type;
  const label = cycleLabel(type);
  const ranSeconds = (now - active.started_at) / 1000;
  const maxSeconds = config.maxLengthSeconds[type];
  let met: string | null;
  let pending: string;
  if (type === "sleep") {
    const f = metrics.average_fatigue;
    const below = formatValue(config.sleepEndFatigueBelow);
    met =
      f !== null && f < config.sleepEndFatigueBelow
        ? `average fatigue ${String(Number(fixedBeside(f, config.sleepEndFatigueBelow, 3)))} < ${below}`
        : null;
    pending = `average fatigue ${f === null ? "unknown (no data)" : String(Number(fixedBeside(f, config.sleepEndFatigueBelow, 3)))}, not yet < ${below}`;
  } else {
    const criteria = cycleCriteria(type, metrics, config);
    const failed = criteria.filter((c) => c.value !== null && !c.holds);
    met =
      failed.length > 0
        ? `${failed.map(describeCriterion).join("; ")}, its start criteria no longer hold`
        : null;
    pending = `${criteria.map(describeCriterion).join("; ")}, its start criteria still hold or are unknown`;
  }
  if (met !== null) return { end: true, by: "condition", reason: `${label} ends: ${met}` };
  if (ranSeconds >= maxSeconds)
    return {
      end: true,
      by: "length",
      reason: `${label} ends: it has run ${formatValue(ranSeconds)} s, its maximum length`,
    };
  return {
    end: false,
    by: null,
    reason: `${label} continues: ${pending}; ${formatValue(ranSeconds)} of ${maxSeconds} s run`,
  };
}

/**
 * What each kernel does during a cycle: essential kernels keep a reduced service (they never
 * fully stop), specialised and chaos kernels rest.
 * @example cycleRestModes([{ kernel_id: "heart_1", tier: "essential" }]) // [{ kernel_id: "heart_1", rest_mode: "reduced" }]
 */
export function cycleRestModes(
  kernels: readonly { kernel_id: string; tier: KernelTier }[],
): { kernel_id: string; rest_mode: Extract<RestMode, "reduced" | "resting"> }[] {
  return kernels.map((k) => ({
    kernel_id: k.kernel_id,
    rest_mode: k.tier === "essential" ? "reduced" : "resting",
  }));
}
