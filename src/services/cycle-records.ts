/**
 * The constellation_cycles rows the CycleService writes, and how it reads them back on a
 * restart. One row per kind (see store-types.ts `CycleRecordKind`); `detail` is JSON with
 * clock-ms times:
 * - decision: the whole CycleDecision (both votes with their reasons and sources, metrics,
 *   and every cycle type's check);
 * - vote: the cast vote with the clock ms it expires at;
 * - cycle: `{ start, end }`: what started it (votes, reason, metrics, planned end, the
 *   kernels it put to rest and how), then, once it ends, how (by, reason, metrics,
 *   duration). `end` is null while it runs.
 */
import type { ConstellationMetrics } from "../core/cycles/constellation-metrics.js";
import type { CycleDecision, CycleVotes } from "../core/cycles/cycle-decider.js";
import { CYCLE_TYPES, type CycleType, VOTERS, type Voter } from "../core/cycles/cycle-types.js";
import type { CastVote } from "../core/cycles/votes.js";
import type { ConstellationCycleRow, NewCycleRecord } from "../store/store-types.js";
import type { CycleRest } from "./rest-service.js";

export type CycleEndedBy = "condition" | "length" | "operator";

export interface CycleStartDetail {
  cycle_type: CycleType;
  started_at: number;
  planned_until: number;
  votes: CycleVotes;
  reason: string;
  metrics: ConstellationMetrics;
  kernels: CycleRest[];
}

export interface CycleEndDetail {
  ended_at: number;
  by: CycleEndedBy;
  /** The operator who ended it ("user:ada"); null when a condition or its length did. */
  actor: string | null;
  reason: string;
  metrics: ConstellationMetrics;
  duration_seconds: number;
  /** Kernels still resting in the cycle that its end woke (the others had woken on their own). */
  woken: string[];
}

export interface CycleDetail {
  start: CycleStartDetail;
  end: CycleEndDetail | null;
}

/**
 * What makes two decisions "the same" for the record: the cycle type wanted, whether it
 * started, and each voter's yes/no and where it came from. Metrics and reasons move a little
 * every run; recording them only when one of these changes keeps the table to what a human
 * would call a new decision.
 * @example decisionKey(d) // '["sleep",false,true,"cast",false,"telemetry"]'
 */
export function decisionKey(d: Pick<CycleDecision, "cycle_type" | "started" | "votes">): string {
  const { heart, ocean } = d.votes;
  return JSON.stringify([d.cycle_type, d.started, heart.vote, heart.source, ocean.vote, ocean.source]);
}

export function decisionRecord(d: CycleDecision): NewCycleRecord {
  return {
    kind: "decision",
    cycle_type: d.cycle_type ?? "none",
    started_at: d.at,
    ended_at: null,
    reason: d.reason,
    detail: d,
  };
}

/** `actor` is who sent the vote over the API ("user:ada"), null from the library or simulator. */
export function voteRecord(vote: CastVote, expiresAt: number, actor: string | null): NewCycleRecord {
  return {
    kind: "vote",
    cycle_type: vote.cycle_type,
    started_at: vote.at,
    ended_at: null,
    reason: vote.reasoning,
    detail: { ...vote, expires_at: expiresAt, actor },
  };
}

export function cycleRecord(start: CycleStartDetail): NewCycleRecord {
  const detail: CycleDetail = { start, end: null };
  return {
    kind: "cycle",
    cycle_type: start.cycle_type,
    started_at: start.started_at,
    ended_at: null,
    reason: start.reason,
    detail,
  };
}

// Reading rows back. A row this code did not write (or an older shape) is skipped rather
// than trusted: restoring less is safer than restoring something wrong.

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isCycleType = (v: unknown): v is CycleType => CYCLE_TYPES.includes(v as CycleType);

/** A stored vote row as the CastVote it was, or null for a row of another shape. */
export function castVoteOf(row: ConstellationCycleRow): CastVote | null {
  const d = row.detail;
  if (!isObject(d)) return null;
  if (!VOTERS.includes(d.voter as Voter) || !isCycleType(d.cycle_type)) return null;
  if (typeof d.vote !== "boolean" || typeof d.reasoning !== "string" || typeof d.at !== "number") return null;
  return {
    voter: d.voter as Voter,
    cycle_type: d.cycle_type,
    vote: d.vote,
    reasoning: d.reasoning,
    at: d.at,
  };
}

/** The start of a stored cycle row, or null for a row of another shape. */
export function cycleStartOf(row: ConstellationCycleRow): CycleStartDetail | null {
  const d = row.detail;
  if (!isObject(d) || !isObject(d.start)) return null;
  const s = d.start;
  if (!isCycleType(s.cycle_type) || typeof s.started_at !== "number" || typeof s.planned_until !== "number")
    return null;
  return s as unknown as CycleStartDetail;
}

/** A stored decision row's decision, or null for a row of another shape. */
export function decisionOf(row: ConstellationCycleRow): CycleDecision | null {
  const d = row.detail;
  if (!isObject(d) || !isObject(d.votes) || typeof d.started !== "boolean" || typeof d.at !== "number")
    return null;
  const votes = d.votes as Record<string, unknown>;
  if (!isObject(votes.heart) || !isObject(votes.ocean)) return null;
  return d as unknown as CycleDecision;
}
