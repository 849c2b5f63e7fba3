/**
 * The one rule for a kernel id on every route (SPEC §6 Hardening): a letter or digit, then
 * up to 127 of letters, digits and `_ . : -`. Nothing that could break a log line, a commit
 * trailer, a Prometheus label or a chat message can ride in on an id.
 */
import { z } from "zod";
import { InvalidInputError } from "../errors.js";

export const KERNEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Says what a kernel id may hold, for error messages and schemas. */
export const KERNEL_ID_RULE = "must be 1–128 characters: a letter or digit, then letters, digits and _ . : -";

/**
 * Throws an InvalidInputError on `field` unless `value` is a valid kernel id.
 * @example assertKernelId("apollo_1", "kernel_id") // "apollo_1"
 */
export function assertKernelId(value: unknown, field: string): string {
  if (typeof value !== "string" || !KERNEL_ID_PATTERN.test(value))
    throw new InvalidInputError(field, KERNEL_ID_RULE);
  return value;
}

/** The rule as a zod schema, for the routes' params, queries and bodies. */
export const kernelIdSchema = z
  .string("is required")
  .min(1, "is required")
  .regex(KERNEL_ID_PATTERN, KERNEL_ID_RULE);
