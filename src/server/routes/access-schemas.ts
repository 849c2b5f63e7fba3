/**
 * Input schemas of /api/access, shared by validation and /openapi.json.
 */
import { z } from "zod";

/** SPEC §6's kernel_id: what a token may be scoped to. */
export const scopedKernelId = z
  .string("is required")
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
    "must be 1–128 letters, digits and _ . : -, starting with a letter or digit",
  );

export const issueTokenBody = z.strictObject({ kernel_id: scopedKernelId });

export const tokenIdParams = z.object({
  token_id: z.string().regex(/^tok_[0-9a-f]{16}$/, "must be a token id (tok_ and 16 hex digits)"),
});
