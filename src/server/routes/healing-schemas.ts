/**
 * Input schemas of the /api/self-healing healing routes, shared by validation and
 * /openapi.json. An empty body means "no options", so every field is optional unless the
 * route cannot work without it; unknown fields are refused, naming them.
 */
import { z } from "zod";
import { PATCH_STATES, type PatchState } from "../../core/healing/patch.js";
import { kernelIdSchema as kernelId } from "../../core/wire/kernel-id.js";

const id = z.string().min(1, "is required").max(200, "must be at most 200 characters");
const reason = z.string().trim().min(1, "must not be empty").max(1000, "must be at most 1000 characters");

/** The operator acting, sent as `X-Autonomic-Actor`; recorded as `user:<name>` on every move. */
export const ACTOR_HEADER = "x-autonomic-actor";
export const DEFAULT_ACTOR = "operator";
export const actorHeaders = z.object({
  [ACTOR_HEADER]: z
    .string("must be given once")
    .regex(/^[A-Za-z0-9_.@-]{1,64}$/, "must be 1–64 characters of letters, digits and _ . @ -")
    .optional(),
});

export const patchIdParams = z.object({ patch_id: id });

/** Bodies of routes that take no options: empty or {}. */
export const noOptionsBody = z.strictObject({});

/** The original's start body: auto-apply only in phase 4. */
export const startBody = z.strictObject({ auto_apply: z.boolean().optional() });

export const approveBody = z.strictObject({
  /** Why it is approved; recorded on the patch's move to applied. */
  reason: reason.optional(),
});

export const rejectBody = z.strictObject({
  reason: reason.optional(),
  /** The patch was not needed: it counts as a false positive in the phase 3 gate. */
  not_needed: z.boolean().optional(),
});

export const evaluatePatchBody = z.strictObject({
  kernel_id: kernelId,
  type: z.enum(
    ["basin_correction", "integration_boost", "decoherence", "enable_cache", "recycle", "rollback_config"],
    "must be one of basin_correction, integration_boost, decoherence, enable_cache, recycle, rollback_config",
  ),
  /** Checked against the type's bounds (integration_boost needs factor, decoherence noise, …). */
  params: z.record(z.string(), z.unknown(), "must be a JSON object").optional(),
});

export const advancePhaseBody = z.strictObject({
  /** Advance although the gate is unmet; needs a reason, which is recorded. */
  force: z.boolean().optional(),
  reason: reason.optional(),
});

/** One state, or several separated by commas ("pending_review,applied"). */
const states = z
  .string()
  .transform((text) => text.split(",").map((s) => s.trim()))
  .refine((list) => list.every((s) => (PATCH_STATES as readonly string[]).includes(s)), {
    message: `must be one or more of ${PATCH_STATES.join(", ")}, separated by commas`,
  })
  .transform((list) => list as PatchState[]);

export const patchesQuery = z.strictObject({
  kernel_id: kernelId.optional(),
  state: states.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** A read about one kernel, or (without kernel_id) the whole constellation. */
export const kernelQuery = z.strictObject({ kernel_id: kernelId.optional() });

/** The healing history: every patch move, newest first. */
export const historyQuery = z.strictObject({
  kernel_id: kernelId.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const alertsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
