/**
 * The input of a config patch: which kernel's persistent params change, to what, and how
 * the change is described to the humans who read the branch and the pull request.
 */
import { InvalidInputError } from "../core/errors.js";

export type ParamValue = number | string | boolean;

/**
 * One approved patch's persistent params. Only the keys given change; the kernel's
 * other params and every other kernel stay as they are in the file.
 *
 * @example
 * const change: ParamsChange = {
 *   patchId: "p-42",
 *   kernelId: "apollo",
 *   params: { integration_boost: 1.3 },
 *   title: "Boost apollo's integration",
 *   body: "avg Φ 0.61 < 0.65 for 10 snapshots; sandbox fitness 0.78",
 * };
 */
export interface ParamsChange {
  /** Names the branch `autonomic/patch-<patchId>`, so it must be a plain ref component. */
  patchId: string;
  kernelId: string;
  params: Record<string, ParamValue>;
  title: string;
  body: string;
}

// Conservative on purpose: the id ends up in a ref name, a commit trailer and a URL.
const PATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * The branch a patch lives on.
 *
 * @example
 * patchBranchName("p-42"); // "autonomic/patch-p-42"
 */
export function patchBranchName(patchId: string): string {
  return `autonomic/patch-${patchId}`;
}

/**
 * Refuses, before any git command runs, a change that could not make a sane branch or
 * file: nothing has been touched when this throws.
 *
 * @example
 * validatePatchId("p-42"); // ok
 * validatePatchId("../main"); // throws InvalidInputError("patchId", …)
 */
export function validatePatchId(patchId: string): void {
  if (!PATCH_ID.test(patchId) || patchId.includes("..") || patchId.endsWith(".lock")) {
    throw new InvalidInputError("patchId", "must be 1–100 letters, digits, '.', '_' or '-'");
  }
}

/**
 * Validates a whole change (see validatePatchId).
 *
 * @example
 * validateParamsChange({ patchId: "p-1", kernelId: "apollo", params: { x: Number.NaN }, title: "t", body: "" });
 * // throws InvalidInputError("params.x", "must be a finite number, a string or a boolean")
 */
export function validateParamsChange(change: ParamsChange): void {
  validatePatchId(change.patchId);
  if (typeof change.kernelId !== "string" || change.kernelId.trim() === "") {
    throw new InvalidInputError("kernelId", "must be a non-empty string");
  }
  if (typeof change.title !== "string" || change.title.trim() === "") {
    throw new InvalidInputError("title", "must be a non-empty string");
  }
  if (typeof change.body !== "string") throw new InvalidInputError("body", "must be a string");
  if (change.params === null || typeof change.params !== "object" || Array.isArray(change.params)) {
    throw new InvalidInputError("params", "must be an object of param → value");
  }
  const entries = Object.entries(change.params);
  if (entries.length === 0) throw new InvalidInputError("params", "must change at least one param");
  for (const [key, value] of entries) {
    const ok =
      typeof value === "string" ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value));
    if (!ok) throw new InvalidInputError(`params.${key}`, "must be a finite number, a string or a boolean");
  }
}
