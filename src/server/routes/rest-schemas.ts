/**
 * Input schemas of the /api/rest routes, shared by validation and /openapi.json.
 */
import { z } from "zod";
import { RETIRE_REASON_MAX_CHARS } from "../../core/rest/retirement.js";
import { kernelIdSchema as id } from "../../core/wire/kernel-id.js";

const unit = z.number().min(0, "must be ≥ 0").max(1, "must be ≤ 1");

export const kernelIdParams = z.object({ kernel_id: id });

export const registerBody = z.strictObject({
  kernel_id: id,
  kernel_name: z.string().min(1, "is required").max(200),
  /** A god who covers this chaos kernel while it rests. */
  mentor: id.nullish(),
});

export const requestRestBody = z.strictObject({
  /** Rest without coverage when none is available; needs an operator token. */
  force: z.boolean().optional(),
  /**
   * Any JSON value handed to the coverer with the coverage, and back to the kernel when it
   * wakes; at most rest.contextMaxBytes (64 KiB) serialised, else a 400 on "context".
   */
  context: z.unknown().optional(),
});

export const fatigueBody = z.strictObject({
  phi: unit,
  kappa: z.number().min(0, "must be ≥ 0"),
  load: unit.optional(),
  error_rate: unit.optional(),
  /** The kernel's own time of the sample (epoch seconds or ISO 8601); checked, but the server's clock orders samples. */
  timestamp: z.union([z.number().positive(), z.iso.datetime({ offset: true })]).optional(),
});

/**
 * `DELETE /api/rest/kernels/:kernel_id` takes its options in the query, as SPEC §6 writes
 * `?force=true`: a DELETE body has no defined meaning (RFC 9110) and proxies may drop it.
 */
export const retireQuery = z.strictObject({
  /** Needed, with a reason, to retire an essential kernel; needs an operator token. */
  force: z.enum(["true", "false"], 'must be "true" or "false"').optional(),
  /** Why; recorded with the retirement. Required with force on an essential kernel. */
  reason: z
    .string("must be given once")
    .trim()
    .min(1, "must not be empty")
    .max(RETIRE_REASON_MAX_CHARS, `must be at most ${RETIRE_REASON_MAX_CHARS} characters`)
    .optional(),
});

export const retirementsQuery = z.strictObject({
  kernel_id: id.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
