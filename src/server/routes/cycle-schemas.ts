/**
 * Input schemas of the constellation-cycle routes (/api/rest/cycles…) and of rest quality,
 * shared by validation and /openapi.json. A vote's body is validated by the core's
 * `validateCastVote` (which the simulator and library use too: voter and cycle type are
 * case-insensitive there); `castVoteBody` describes the same rules for the document.
 */
import { z } from "zod";
import { CAST_VOTE_REASONING_MAX_CHARS } from "../../core/cycles/votes.js";
import { kernelIdParams } from "./rest-schemas.js";

export const cyclesQuery = z.strictObject({
  /** decision, vote or cycle; all kinds without it. */
  kind: z.enum(["decision", "vote", "cycle"], 'must be "decision", "vote" or "cycle"').optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  /** ISO 8601 or epoch seconds: only rows that started at or after it. */
  since: z.string().min(1).optional(),
});

export const castVoteBody = z.strictObject({
  voter: z.enum(["Heart", "Ocean"]).describe("Heart or Ocean (case-insensitive)"),
  cycle_type: z.enum(["sleep", "dream", "mushroom"]).describe("sleep, dream or mushroom (case-insensitive)"),
  vote: z.boolean(),
  reasoning: z.string().min(1).max(CAST_VOTE_REASONING_MAX_CHARS).describe("why; recorded with the vote"),
});

export const endCycleBody = z.strictObject({
  /** Why the operator ends it; recorded as the cycle's end reason. */
  reason: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(1000, "must be at most 1000 characters")
    .optional(),
});

export const restQualityQuery = z.strictObject({
  kernel_id: kernelIdParams.shape.kernel_id.optional(),
});
