/**
 * Input schemas of /api/access, shared by validation and /openapi.json.
 */
import { z } from "zod";
import { kernelIdSchema } from "../../core/wire/kernel-id.js";

/** SPEC §6's kernel_id: what a token may be scoped to. */
export const scopedKernelId = kernelIdSchema;

export const issueTokenBody = z.strictObject({ kernel_id: scopedKernelId });

export const tokenIdParams = z.object({
  token_id: z.string().regex(/^tok_[0-9a-f]{16}$/, "must be a token id (tok_ and 16 hex digits)"),
});
