/**
 * Who may retire (SPEC §6 `DELETE /kernels/:kernel_id`): any kernel, but an essential one
 * never fully stops, so taking it out of the constellation is a forced action that needs
 * an explicit, recorded acknowledgement: `force` and a reason (as Kubernetes asks of a
 * disruption past its budget). Checked before the scheduler changes anything.
 */
import { ConflictError, InvalidInputError } from "../errors.js";
import type { KernelRestState } from "./kernel-state.js";

export interface RetireOptions {
  /** Needed to retire an essential kernel, with a reason. */
  force?: boolean;
  /** Why; recorded with the retirement. Required with force on an essential kernel. */
  reason?: string | null;
  /** Who asks, recorded as given ("user:<name>", "kernel"). */
  actor?: string | null;
}

/** A reason is one line a human reads back: bounded, so the record stays a record. */
export const RETIRE_REASON_MAX_CHARS = 1000;

/**
 * The retirement's recorded acknowledgement, or an error naming why it is refused:
 * ConflictError("essential_needs_force") for an essential kernel without force (its state,
 * not the input, is what stands in the way), InvalidInputError("reason") for a reason that is
 * missing where force needs one, empty, or too long.
 * @example checkRetirement(heart, { force: true, reason: "moved to the new cluster" })
 */
export function checkRetirement(
  k: Readonly<KernelRestState>,
  options: RetireOptions,
): { forced: boolean; reason: string | null; actor: string | null } {
  const forced = options.force === true;
  const reason = options.reason ?? null;
  if (reason !== null) {
    if (typeof reason !== "string" || reason.trim() === "")
      throw new InvalidInputError("reason", "must be a non-empty string");
    if (reason.length > RETIRE_REASON_MAX_CHARS)
      throw new InvalidInputError("reason", `must be at most ${RETIRE_REASON_MAX_CHARS} characters`);
  }
  if (k.tier === "essential") {
    if (!forced)
      throw new ConflictError(
        "essential_needs_force",
        `${k.kernelName} (${k.kernelId}) is essential and never fully stops: retiring it needs force=true and a reason`,
      );
    if (reason === null)
      throw new InvalidInputError(
        "reason",
        `is required to force the retirement of essential ${k.kernelName} (${k.kernelId})`,
      );
  }
  return { forced, reason: reason === null ? null : reason.trim(), actor: options.actor ?? null };
}
