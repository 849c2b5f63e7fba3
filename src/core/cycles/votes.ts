/**
 * Heart's and Ocean's votes on each cycle type (SPEC §3 "Constellation cycles"): computed
 * from telemetry, or cast by those kernels through the API when they are live agents. A
 * cast vote overrides that voter's telemetry vote on that cycle type until it expires.
 *
 * Both voters judge a cycle type by the same SPEC criteria. Splitting them (Heart judging
 * only fatigue and κ, Ocean only basins) would let a cycle start on criteria neither voter
 * saw whole, and weighting them differently has no ground in SPEC. So from telemetry they
 * agree by construction; each speaks with its own emphasis only in its reasoning (Heart,
 * who keeps the rhythm, leads with fatigue and κ; Ocean, who holds the shape, with the
 * basins). The requirement that both vote yes bites when a live Heart or Ocean casts a vote.
 * A metric with no data fails its criterion: no data is inconclusive, never a yes.
 */

import { fixedBeside } from "../compared-number.js";
import type { CyclesConfig } from "../config.js";
import { InvalidInputError } from "../errors.js";
import type { ConstellationMetrics } from "./constellation-metrics.js";
import {
  CYCLE_TYPES,
  type CycleType,
  cycleLabel,
  formatValue,
  type Voter,
  type VoterKey,
} from "./cycle-types.js";

type MetricKey = "coherence" | "spread" | "average_fatigue" | "mean_drift" | "stuck_fraction" | "rigidity";

/** One threshold of a cycle type, as measured. */
export interface Criterion {
  metric: MetricKey;
  value: number | null;
  comparison: "<" | ">";
  limit: number;
  /** False when the value is null: no data never satisfies a criterion. */
  holds: boolean;
}

/** @example { vote: true, reasoning: "Heart votes yes on SLEEP: average fatigue 0.86 > 0.8, …" } */
export interface Vote {
  vote: boolean;
  reasoning: string;
}

/** Each voter's telemetry vote on each cycle type. */
export type TelemetryVotes = Record<VoterKey, Record<CycleType, Vote>>;

/** A vote as a live Heart or Ocean sends it (POST /api/rest/cycles/vote). */
export interface CastVoteBody {
  voter: Voter;
  cycle_type: CycleType;
  vote: boolean;
  reasoning: string;
}

/** A cast vote as stored: `at` is the clock ms the control plane received it. */
export interface CastVote extends CastVoteBody {
  at: number;
}

/**
 * A bound on the wire format (like a field's type), not a tuning knob, so it is not config:
 * enough for a paragraph of reasons, small enough that every stored decision stays small.
 */
export const CAST_VOTE_REASONING_MAX_CHARS = 2000;

/**
 * Every criterion SPEC sets for a cycle type, in SPEC's order, each with whether it holds.
 * @example cycleCriteria("mushroom", m, DEFAULT_CONFIG.cycles).map((c) => c.metric) // ["rigidity", "spread"]
 */
export function cycleCriteria(type: CycleType, m: ConstellationMetrics, config: CyclesConfig): Criterion[] {
  switch (type) {
    case "sleep":
      return [
        criterion("coherence", m.coherence, "<", config.sleepCoherenceBelow),
        criterion("average_fatigue", m.average_fatigue, ">", config.sleepFatigueAbove),
        criterion("mean_drift", m.mean_drift, ">", config.sleepDriftAbove),
      ];
    case "dream":
      return [
        criterion("stuck_fraction", m.stuck_fraction, ">", config.dreamStuckFractionAbove),
        criterion("rigidity", m.rigidity, ">", config.dreamRigidityAbove),
      ];
    case "mushroom":
      return [
        criterion("rigidity", m.rigidity, ">", config.mushroomRigidityAbove),
        criterion("spread", m.spread, "<", config.mushroomSpreadBelow),
      ];
  }
}

function criterion(metric: MetricKey, value: number | null, comparison: "<" | ">", limit: number): Criterion {
  const holds = value !== null && (comparison === "<" ? value < limit : value > limit);
  return { metric, value, comparison, limit, holds };
}

/** The order each voter mentions the metrics in: its emphasis (see the file comment). */
const EMPHASIS: Record<Voter, readonly MetricKey[]> = {
  Heart: ["average_fatigue", "rigidity", "stuck_fraction", "coherence", "mean_drift", "spread"],
  Ocean: ["coherence", "mean_drift", "spread", "average_fatigue", "stuck_fraction", "rigidity"],
};

/**
 * Heart's and Ocean's votes on every cycle type, from the metrics alone.
 * @example telemetryVotes(metrics, DEFAULT_CONFIG.cycles).ocean.sleep.vote // true when SLEEP's criteria all hold
 */
export function telemetryVotes(metrics: ConstellationMetrics, config: CyclesConfig): TelemetryVotes {
  const forVoter = (voter: Voter) => {
    const votes = {} as Record<CycleType, Vote>;
    for (const type of CYCLE_TYPES) votes[type] = telemetryVote(voter, type, metrics, config);
    return votes;
  };
  return { heart: forVoter("Heart"), ocean: forVoter("Ocean") };
}

function telemetryVote(voter: Voter, type: CycleType, m: ConstellationMetrics, config: CyclesConfig): Vote {
  const criteria = cycleCriteria(type, m, config);
  const order = EMPHASIS[voter];
  criteria.sort((a, b) => order.indexOf(a.metric) - order.indexOf(b.metric));
  const vote = criteria.every((c) => c.holds);
  const parts = criteria.map(describeCriterion);
  return {
    vote,
    reasoning: `${voter} votes ${vote ? "yes" : "no"} on ${cycleLabel(type)}: ${parts.join("; ")}`,
  };
}

/**
 * @example describeCriterion({ metric: "mean_drift", value: 1.2, comparison: ">", limit: 3, holds: false })
 * // "mean drift 1.2, not > 3"
 */
export function describeCriterion(c: Criterion): string {
  const name = c.metric.replaceAll("_", " ");
  const limit = formatValue(c.limit);
  if (c.value === null) return `${name} unknown (no data), needs ${c.comparison} ${limit}`;
  const value = String(Number(fixedBeside(c.value, c.limit, 3)));
  return c.holds
    ? `${name} ${value} ${c.comparison} ${limit}`
    : `${name} ${value}, not ${c.comparison} ${limit}`;
}

const CAST_VOTE_FIELDS = new Set(["voter", "cycle_type", "vote", "reasoning"]);

/**
 * Validates a cast vote from its wire form. The voter is case-insensitive ("heart" is Heart),
 * and so is the cycle type, which SPEC writes in capitals.
 * @example validateCastVote({ voter: "ocean", cycle_type: "SLEEP", vote: false, reasoning: "mid-task" })
 * // { voter: "Ocean", cycle_type: "sleep", vote: false, reasoning: "mid-task" }
 */
export function validateCastVote(body: unknown): CastVoteBody {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new InvalidInputError("body", "must be a JSON object");
  const v = body as Record<string, unknown>;
  for (const key of Object.keys(v))
    if (!CAST_VOTE_FIELDS.has(key)) throw new InvalidInputError(key, "is not a vote field");

  const voterName = typeof v.voter === "string" ? v.voter.trim().toLowerCase() : null;
  if (voterName !== "heart" && voterName !== "ocean")
    throw new InvalidInputError("voter", 'must be "Heart" or "Ocean"');
  const type = typeof v.cycle_type === "string" ? v.cycle_type.trim().toLowerCase() : null;
  if (type !== "sleep" && type !== "dream" && type !== "mushroom")
    throw new InvalidInputError("cycle_type", 'must be "sleep", "dream" or "mushroom"');
  if (typeof v.vote !== "boolean") throw new InvalidInputError("vote", "must be true or false");
  // Required: SPEC records every decision with both votes' reasons.
  if (typeof v.reasoning !== "string" || v.reasoning.trim() === "")
    throw new InvalidInputError("reasoning", "must be a non-empty string saying why");
  if (v.reasoning.length > CAST_VOTE_REASONING_MAX_CHARS)
    throw new InvalidInputError("reasoning", `must be at most ${CAST_VOTE_REASONING_MAX_CHARS} characters`);
  return {
    voter: voterName === "heart" ? "Heart" : "Ocean",
    cycle_type: type,
    vote: v.vote,
    reasoning: v.reasoning,
  };
}

/**
 * Whether a cast vote still stands at `now`: it expires castVoteTtlSeconds after it arrived.
 * @example castVoteLive({ …, at: 0 }, 599_999, DEFAULT_CONFIG.cycles) // true; at 600_000, false
 */
export function castVoteLive(vote: CastVote, now: number, config: CyclesConfig): boolean {
  return now < vote.at + config.castVoteTtlSeconds * 1000;
}

/**
 * The vote that stands for a voter on a cycle type: its newest live cast vote (the later in
 * the list on a tie), or null when telemetry speaks for it.
 * @example latestCastVote(cast, "Heart", "sleep", now, DEFAULT_CONFIG.cycles)?.vote
 */
export function latestCastVote(
  castVotes: readonly CastVote[],
  voter: Voter,
  type: CycleType,
  now: number,
  config: CyclesConfig,
): CastVote | null {
  let latest: CastVote | null = null;
  for (const c of castVotes) {
    if (c.voter !== voter || c.cycle_type !== type || !castVoteLive(c, now, config)) continue;
    if (latest === null || c.at >= latest.at) latest = c;
  }
  return latest;
}
