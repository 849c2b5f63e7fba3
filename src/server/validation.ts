/**
 * Request validation with zod: the first issue becomes an InvalidInputError naming the
 * field ("body.phi", "params.kernel_id"), which the error handler turns into a 400.
 */
import type { z } from "zod";
import { InvalidInputError } from "../core/errors.js";

export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: "body" | "params" | "query" | "headers",
): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join(".") : where;
  const field =
    issue?.code === "unrecognized_keys"
      ? `${path === where ? "" : `${path}.`}${issue.keys.join(", ")}`
      : path;
  throw new InvalidInputError(
    field,
    issue?.code === "unrecognized_keys" ? "is not a known field" : (issue?.message ?? "invalid"),
  );
}
