/**
 * Domain events of constellation cycles, snake_case because they go to the wire (server-sent
 * events) as they are. `at` is clock ms. The rest transitions a cycle causes (every kernel's
 * rest_started and rest_ended) are rest events of their own, published beside these.
 */
import type { ConstellationMetrics } from "./constellation-metrics.js";
import type { CycleDecision, CycleVotes } from "./cycle-decider.js";
import type { CycleType, Voter } from "./cycle-types.js";

export type CycleEvent =
  | {
      /** A consensus outcome that differs from the last recorded one (every start is one). */
      type: "cycle_decision";
      at: number;
      decision: CycleDecision;
    }
  | {
      type: "cycle_vote_cast";
      at: number;
      voter: Voter;
      cycle_type: CycleType;
      vote: boolean;
      reasoning: string;
      /** Clock ms after which the vote no longer counts. */
      expires_at: number;
    }
  | {
      type: "cycle_started";
      at: number;
      cycle_type: CycleType;
      votes: CycleVotes;
      reason: string;
      metrics: ConstellationMetrics;
      /** Clock ms at which it ends by length unless a condition ends it first. */
      planned_until: number;
      /** Kernels put to rest: essential ones REDUCED, the others RESTING. */
      kernels: { kernel_id: string; rest_mode: "reduced" | "resting" }[];
    }
  | {
      type: "cycle_ended";
      at: number;
      cycle_type: CycleType;
      by: "condition" | "length" | "operator";
      reason: string;
      metrics: ConstellationMetrics;
      duration_seconds: number;
    };

export type CycleEventType = CycleEvent["type"];
