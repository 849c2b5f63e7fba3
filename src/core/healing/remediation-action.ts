/**
 * Remediation actions (SPEC §5, §6 "Directives"): what the control plane asks one kernel to
 * do, delivered in the directive of every reply to that kernel's reports until the kernel
 * answers or the action times out. Pure: ids and times are given by the caller, and every
 * transition returns a new action rather than changing the one it was given.
 *
 * @example
 * const action = createRemediationAction(
 *   { kernel_id: "apollo_1", type: "integration_boost", params: { factor: 1.2 }, dry_run: true },
 *   { actionId: "act_1", now: clock.now(), defaultTimeoutSeconds: 120 },
 * );
 * toDirectiveAction(action); // { action_id: "act_1", patch_id: null, type: "integration_boost", … }
 * answerAction(action, parseActionResult({ ok: true, predicted: { phi: 0.74, kappa_eff: 64 } }), clock.now());
 */
import { z } from "zod";
import { DEFAULT_CONFIG } from "../config.js";
import { ConflictError, InvalidInputError } from "../errors.js";
import { PREDICTED_ALIASES, resolveAliases } from "../wire/field-aliases.js";

/**
 * What a kernel can be asked to do. The first six are the strategies' actions; the last three
 * undo an applied one when verification fails, so a rollback is an action like any other.
 */
export const REMEDIATION_TYPES = [
  /** Move the basin a geodesic step toward the baseline (basin drift). */
  "basin_correction",
  /** Raise integration by a factor (Φ below the healthy band). */
  "integration_boost",
  /** Add noise to loosen an over-integrated kernel (Φ above the band). */
  "decoherence",
  /** Cache results to bring latency down (performance). */
  "enable_cache",
  /** Drain with coverage, restart and rejoin (memory leak). */
  "recycle",
  /** Go back to the last known-good config version (error spike). */
  "rollback_config",
  /** Undoes enable_cache: a cache that did not help only costs memory. */
  "disable_cache",
  /** Undoes rollback_config: the newer config was not the cause, so it comes back. */
  "restore_config",
  /** Undoes basin_correction: the kernel returns to the basin it held before the step. */
  "basin_restore",
] as const;

export type RemediationType = (typeof REMEDIATION_TYPES)[number];

export type ActionParams = Record<string, number | string | boolean>;

export type ActionStatus = "pending" | "succeeded" | "failed" | "timed_out";

/**
 * What a sandboxed (dry-run) action predicts the kernel's metrics would become.
 * @example { phi: 0.74, kappa_eff: 63.8, error_rate: 0.01, avg_latency: 180 }
 */
export interface PredictedMetrics {
  phi: number;
  kappa_eff: number;
  basin_coords?: number[];
  error_rate?: number;
  avg_latency?: number;
  memory_mb?: number;
  /** Memory growth per snapshot once the action settles: what shows whether a leak stopped. */
  memory_mb_slope?: number;
  cpu_pct?: number;
}

/** The names `predicted` takes as its own; the snapshot spellings are read through PREDICTED_ALIASES. */
const PREDICTED_FIELDS: ReadonlySet<string> = new Set([
  "phi",
  "kappa_eff",
  "basin_coords",
  "error_rate",
  "avg_latency",
  "memory_mb",
  "memory_mb_slope",
  "cpu_pct",
]);

/**
 * A kernel's answer, the body of `POST /api/self-healing/actions/:action_id/result`.
 * @example { ok: true, predicted: { phi: 0.74, kappa_eff: 63.8 } }
 */
export interface ActionResult {
  ok: boolean;
  error?: string;
  predicted?: PredictedMetrics;
}

/**
 * One action through its life: pending until answered (succeeded or failed) or past its
 * deadline (timed_out, which counts as failed with validity 0). Times are clock ms.
 * @example
 * { action_id: "act_3f…", kernel_id: "apollo_1", patch_id: null, type: "enable_cache",
 *   params: { entries: 5000 }, dry_run: true, status: "pending", created_at: 1_790_000_000_000,
 *   deadline_at: 1_790_000_120_000, answered_at: null, result: null }
 */
export interface RemediationAction {
  action_id: string;
  kernel_id: string;
  /** The patch this action tries or applies; null for an action sent on its own. */
  patch_id: string | null;
  type: RemediationType;
  params: ActionParams;
  /** Try on a test workload and predict; change nothing. */
  dry_run: boolean;
  status: ActionStatus;
  created_at: number;
  deadline_at: number;
  /** When the answer (or the timeout) was recorded. */
  answered_at: number | null;
  result: ActionResult | null;
}

/**
 * An action as a directive carries it (SPEC §6).
 * @example { action_id: "act_1", patch_id: null, type: "decoherence", params: { noise: 0.1 }, dry_run: false }
 */
export type DirectiveAction = Pick<
  RemediationAction,
  "action_id" | "patch_id" | "type" | "params" | "dry_run"
>;

/**
 * What asks for an action; `params`, `dry_run`, `patch_id` and `timeout_seconds` are optional.
 * @example { kernel_id: "apollo_1", type: "basin_correction", params: { step: 0.5 }, timeout_seconds: 30 }
 */
export interface DispatchInput {
  kernel_id: string;
  type: RemediationType;
  params?: Record<string, unknown>;
  dry_run?: boolean;
  patch_id?: string | null;
  /** How long the kernel has to answer; the configured healing.actionTimeoutSeconds when absent. */
  timeout_seconds?: number;
}

const MAX_ID_LENGTH = 200;
const MAX_ERROR_LENGTH = 2000;
const MAX_TIMEOUT_SECONDS = 86_400;
/** A type error's message, or "is required" when the field is missing. */
const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`),
});
const finite = z.number(expected("a finite number"));
const id = z
  .string(expected("a string"))
  .min(1, "must not be empty")
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);

const OBJECT = "must be a JSON object";
const paramsOf = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, OBJECT);

/** SPEC §5's bounds per type; a param a type does not take is refused, not ignored. */
const PARAM_SCHEMAS: Record<RemediationType, z.ZodType<ActionParams>> = {
  basin_correction: paramsOf({
    target: z.literal("baseline", 'must be "baseline"').default("baseline"),
    step: finite.gt(0, "must be > 0").max(1, "must be ≤ 1").default(0.3),
  }),
  integration_boost: paramsOf({ factor: finite.gt(1, "must be > 1").max(1.5, "must be ≤ 1.5") }),
  decoherence: paramsOf({ noise: finite.gt(0, "must be > 0").max(0.2, "must be ≤ 0.2") }),
  enable_cache: paramsOf({
    entries: finite.int("must be an integer").positive("must be > 0").max(1_000_000, "must be ≤ 1000000"),
  }),
  recycle: paramsOf({}),
  rollback_config: paramsOf({}),
  disable_cache: paramsOf({}),
  restore_config: paramsOf({}),
  basin_restore: paramsOf({}),
};

/** The schema of an answer, shared by validation and /openapi.json. */
export const actionResultSchema = z.strictObject(
  {
    ok: z.boolean(expected("true or false")),
    error: z
      .string(expected("a string"))
      .max(MAX_ERROR_LENGTH, `must be at most ${MAX_ERROR_LENGTH} characters`)
      .optional(),
    predicted: z
      .strictObject(
        {
          phi: finite.min(0, "must be ≥ 0").max(1, "must be ≤ 1"),
          kappa_eff: finite.min(0, "must be ≥ 0"),
          basin_coords: z
            .array(finite.min(0, "must be ≥ 0"), expected("an array of numbers"))
            .max(DEFAULT_CONFIG.health.maxBasinDimension, "is too long")
            .optional(),
          error_rate: finite.min(0, "must be ≥ 0").max(1, "must be ≤ 1").optional(),
          avg_latency: finite.min(0, "must be ≥ 0").optional(),
          memory_mb: finite.min(0, "must be ≥ 0").optional(),
          memory_mb_slope: finite.optional(),
          cpu_pct: finite.min(0, "must be ≥ 0").optional(),
        },
        OBJECT,
      )
      .optional(),
  },
  OBJECT,
);

const dispatchSchema = z.strictObject(
  {
    kernel_id: id,
    type: z.enum(REMEDIATION_TYPES, expected(`one of ${REMEDIATION_TYPES.join(", ")}`)),
    params: z.record(z.string(), z.unknown(), OBJECT).optional(),
    dry_run: z.boolean(expected("true or false")).optional(),
    patch_id: id.nullable().optional(),
    // A day at most: a deadline that far out is a bug (seconds given as ms), not patience.
    timeout_seconds: finite
      .positive("must be > 0")
      .max(MAX_TIMEOUT_SECONDS, `must be ≤ ${MAX_TIMEOUT_SECONDS}`)
      .optional(),
  },
  OBJECT,
);

/**
 * The params of `type`, checked against SPEC §5's bounds and with defaults filled in.
 * Throws an InvalidInputError naming the field, e.g. "params.factor".
 * @example validateActionParams("basin_correction", {}) // { target: "baseline", step: 0.3 }
 */
export function validateActionParams(type: RemediationType, params: unknown = {}): ActionParams {
  // Own keys only: a type of "toString" must be refused, not found on the prototype.
  const schema = Object.hasOwn(PARAM_SCHEMAS, type) ? PARAM_SCHEMAS[type] : undefined;
  if (schema === undefined)
    throw new InvalidInputError("type", `must be one of ${REMEDIATION_TYPES.join(", ")}`);
  return parse(schema, params, "params");
}

/**
 * A kernel's answer from its wire form. Throws an InvalidInputError naming the field.
 * @example parseActionResult({ ok: false, error: "cache is full" })
 */
export function parseActionResult(
  body: unknown,
  options: { strictFields?: boolean; warnings?: string[] } = {},
): ActionResult {
  const predicted = (body as { predicted?: unknown } | null)?.predicted;
  if (typeof predicted === "object" && predicted !== null && !Array.isArray(predicted)) {
    // The original's and the snapshot's spellings (avg_latency_ms, basin_coordinates…) name the same metrics.
    const resolved = resolveAliases(
      predicted as Record<string, unknown>,
      PREDICTED_ALIASES,
      PREDICTED_FIELDS,
      {
        field: "predicted",
        strict: options.strictFields,
        warnings: options.warnings,
        noun: "a predicted metric",
      },
    );
    body = { ...(body as object), predicted: { ...resolved } };
  }
  return parse(actionResultSchema, body, "");
}

/** A new pending action, validated whole: a bad field throws before anything exists. */
export function createRemediationAction(
  input: DispatchInput,
  context: { actionId: string; now: number; defaultTimeoutSeconds: number },
): RemediationAction {
  const valid = parse(dispatchSchema, input, "");
  const timeoutSeconds = valid.timeout_seconds ?? context.defaultTimeoutSeconds;
  return {
    action_id: context.actionId,
    kernel_id: valid.kernel_id,
    patch_id: valid.patch_id ?? null,
    type: valid.type,
    params: validateActionParams(valid.type, valid.params ?? {}),
    dry_run: valid.dry_run ?? false,
    status: "pending",
    created_at: context.now,
    deadline_at: context.now + timeoutSeconds * 1000,
    answered_at: null,
    result: null,
  };
}

export function toDirectiveAction(a: RemediationAction): DirectiveAction {
  return { action_id: a.action_id, patch_id: a.patch_id, type: a.type, params: a.params, dry_run: a.dry_run };
}

/** True once the kernel's time to answer is up; an answer then comes too late. */
export function isOverdue(a: RemediationAction, now: number): boolean {
  return a.status === "pending" && now >= a.deadline_at;
}

/**
 * The action answered at `now`: succeeded when the kernel says ok, else failed. Throws a
 * ConflictError when it is no longer pending, or past its deadline (then expire it instead).
 */
export function answerAction(a: RemediationAction, result: ActionResult, now: number): RemediationAction {
  assertPending(a);
  if (isOverdue(a, now)) throw timedOut(a);
  return { ...a, status: result.ok ? "succeeded" : "failed", answered_at: now, result };
}

/** The action timed out at `now`: failed, with the reason in its result. */
export function expireAction(a: RemediationAction, now: number): RemediationAction {
  assertPending(a);
  const seconds = (a.deadline_at - a.created_at) / 1000;
  return {
    ...a,
    status: "timed_out",
    answered_at: now,
    result: { ok: false, error: `no answer within ${seconds} s` },
  };
}

/** The refusal of an answer to an action that is no longer pending. */
export function assertPending(a: RemediationAction): void {
  if (a.status === "timed_out") throw timedOut(a);
  if (a.status !== "pending")
    throw new ConflictError(
      "action_already_answered",
      `action ${a.action_id} was already answered (${a.status})`,
    );
}

function timedOut(a: RemediationAction): ConflictError {
  return new ConflictError("action_timed_out", `action ${a.action_id} timed out before it was answered`);
}

/** Zod's first issue as an InvalidInputError naming the field under `prefix`. */
function parse<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  let path = prefix;
  for (const key of issue?.path ?? [])
    path = typeof key === "number" ? `${path}[${key}]` : path === "" ? String(key) : `${path}.${String(key)}`;
  if (issue?.code === "unrecognized_keys")
    throw new InvalidInputError(
      path ? `${path}.${issue.keys.join(", ")}` : issue.keys.join(", "),
      "is not a known field",
    );
  throw new InvalidInputError(path || "body", issue?.message ?? "invalid");
}
