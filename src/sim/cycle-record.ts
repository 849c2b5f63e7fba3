/**
 * What the simulator reports of constellation cycles (SPEC §3 "Constellation cycles"): each
 * cycle with its votes and how it ended, and how Heart and Ocean voted across the consensus
 * decisions. Built from the cycle service's committed events, so it is what the store holds.
 */
import type { VoterVote } from "../core/cycles/cycle-decider.js";
import type { CycleEvent } from "../core/cycles/cycle-events.js";
import { CYCLE_TYPES, type CycleType, type VoterKey } from "../core/cycles/cycle-types.js";

/** One cycle, times in simulated seconds from the start. */
export interface SimCycle {
  type: CycleType;
  started_at: number;
  /** null when still running at the end of the run. */
  ended_at: number | null;
  /** How it ended: its end condition, its maximum length, or an operator; null while running. */
  by: "condition" | "length" | "operator" | null;
  start_reason: string;
  end_reason: string | null;
  votes: Record<VoterKey, { vote: boolean; source: VoterVote["source"]; reasoning: string }>;
  /** Kernels the cycle put to rest (essential ones REDUCED, the others RESTING). */
  kernels: number;
}

export interface CycleDecisionFigures {
  /** Consensus outcomes recorded (one each time the outcome changed). */
  count: number;
  started: number;
  /** Per voter and cycle type: in how many recorded decisions it voted yes. */
  yes_votes: Record<VoterKey, Record<CycleType, number>>;
}

export class CycleRecord {
  private readonly cycles: SimCycle[] = [];
  private open: SimCycle | null = null;
  private decisions = 0;
  private started = 0;
  private readonly yes: Record<VoterKey, Record<CycleType, number>> = {
    heart: { sleep: 0, dream: 0, mushroom: 0 },
    ocean: { sleep: 0, dream: 0, mushroom: 0 },
  };

  /** @param startMs clock ms of simulated second 0 */
  constructor(private readonly startMs: number) {}

  onEvent(event: CycleEvent): void {
    if (event.type === "cycle_decision") {
      this.decisions += 1;
      if (event.decision.started) this.started += 1;
      for (const check of event.decision.checks) {
        if (check.votes.heart.vote) this.yes.heart[check.cycle_type] += 1;
        if (check.votes.ocean.vote) this.yes.ocean[check.cycle_type] += 1;
      }
    } else if (event.type === "cycle_started") {
      this.open = {
        type: event.cycle_type,
        started_at: this.seconds(event.at),
        ended_at: null,
        by: null,
        start_reason: event.reason,
        end_reason: null,
        votes: { heart: brief(event.votes.heart), ocean: brief(event.votes.ocean) },
        kernels: event.kernels.length,
      };
      this.cycles.push(this.open);
    } else if (event.type === "cycle_ended" && this.open !== null) {
      this.open.ended_at = this.seconds(event.at);
      this.open.by = event.by;
      this.open.end_reason = event.reason;
      this.open = null;
    }
  }

  /** The active cycle's type, or null. */
  get active(): CycleType | null {
    return this.open?.type ?? null;
  }

  list(): SimCycle[] {
    return this.cycles.map((c) => ({
      ...c,
      votes: { heart: { ...c.votes.heart }, ocean: { ...c.votes.ocean } },
    }));
  }

  decisionFigures(): CycleDecisionFigures {
    const copy = (r: Record<CycleType, number>) =>
      Object.fromEntries(CYCLE_TYPES.map((t) => [t, r[t]])) as Record<CycleType, number>;
    return {
      count: this.decisions,
      started: this.started,
      yes_votes: { heart: copy(this.yes.heart), ocean: copy(this.yes.ocean) },
    };
  }

  private seconds(atMs: number): number {
    return (atMs - this.startMs) / 1000;
  }
}

function brief(v: VoterVote): SimCycle["votes"][VoterKey] {
  return { vote: v.vote, source: v.source, reasoning: v.reasoning };
}
