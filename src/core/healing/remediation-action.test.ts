import { describe, expect, it } from "vitest";
import { ConflictError, InvalidInputError } from "../errors.js";
import {
  answerAction,
  createRemediationAction,
  expireAction,
  isOverdue,
  parseActionResult,
  REMEDIATION_TYPES,
  type RemediationType,
  toDirectiveAction,
  validateActionParams,
} from "./remediation-action.js";

const T0 = Date.UTC(2026, 10, 22);
const context = { actionId: "act_1", now: T0, defaultTimeoutSeconds: 120 };

/** The field an InvalidInputError names, or a failure naming what happened instead. */
function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.field;
    throw error;
  }
  throw new Error("did not throw");
}

describe("validateActionParams", () => {
  it("fills basin_correction's defaults: a 0.3 step toward the baseline", () => {
    expect(validateActionParams("basin_correction", {})).toEqual({ target: "baseline", step: 0.3 });
    expect(validateActionParams("basin_correction", { step: 1 })).toEqual({ target: "baseline", step: 1 });
  });

  it.each<[RemediationType, Record<string, unknown>, string]>([
    ["basin_correction", { step: 0 }, "params.step"],
    ["basin_correction", { step: 1.01 }, "params.step"],
    ["basin_correction", { target: "origin" }, "params.target"],
    ["integration_boost", {}, "params.factor"],
    ["integration_boost", { factor: 1 }, "params.factor"],
    ["integration_boost", { factor: 1.51 }, "params.factor"],
    ["integration_boost", { factor: "1.2" }, "params.factor"],
    ["decoherence", { noise: 0 }, "params.noise"],
    ["decoherence", { noise: 0.21 }, "params.noise"],
    ["enable_cache", { entries: 0 }, "params.entries"],
    ["enable_cache", { entries: 12.5 }, "params.entries"],
    ["enable_cache", { entries: 1_000_001 }, "params.entries"],
    ["enable_cache", { entries: 10, ttl: 5 }, "params.ttl"],
    ["recycle", { graceful: true }, "params.graceful"],
    ["basin_restore", { step: 0.3 }, "params.step"],
  ])("refuses %s with %j, naming %s", (type, params, field) => {
    expect(fieldOf(() => validateActionParams(type, params))).toBe(field);
  });

  it("accepts the bounds themselves: factor 1.5, noise 0.2, a million entries", () => {
    expect(validateActionParams("integration_boost", { factor: 1.5 })).toEqual({ factor: 1.5 });
    expect(validateActionParams("decoherence", { noise: 0.2 })).toEqual({ noise: 0.2 });
    expect(validateActionParams("enable_cache", { entries: 1_000_000 })).toEqual({ entries: 1_000_000 });
  });

  it("takes no params for the actions without any, and refuses a type it does not know", () => {
    for (const type of [
      "recycle",
      "rollback_config",
      "disable_cache",
      "restore_config",
      "basin_restore",
    ] as const)
      expect(validateActionParams(type)).toEqual({});
    expect(fieldOf(() => validateActionParams("toString" as RemediationType, {}))).toBe("type");
    expect(fieldOf(() => validateActionParams("recycle", null))).toBe("params");
    expect(REMEDIATION_TYPES).toHaveLength(9);
  });
});

describe("parseActionResult", () => {
  it("reads an answer with every predicted metric", () => {
    const body = {
      ok: true,
      predicted: { phi: 0.74, kappa_eff: 63.8, basin_coords: [0.5, 0.5], error_rate: 0.01, avg_latency: 120 },
    };
    expect(parseActionResult(body)).toEqual(body);
    expect(parseActionResult({ ok: false, error: "cache is full" })).toEqual({
      ok: false,
      error: "cache is full",
    });
  });

  it.each<[unknown, string]>([
    [undefined, "body"],
    [[], "body"],
    [{}, "ok"],
    [{ ok: "true" }, "ok"],
    [{ ok: true, note: 1 }, "note"],
    [{ ok: false, error: "x".repeat(2001) }, "error"],
    [{ ok: true, predicted: { phi: 0.5 } }, "predicted.kappa_eff"],
    [{ ok: true, predicted: { phi: 1.2, kappa_eff: 64 } }, "predicted.phi"],
    [{ ok: true, predicted: { phi: 0.5, kappa_eff: -1 } }, "predicted.kappa_eff"],
    [{ ok: true, predicted: { phi: 0.5, kappa_eff: Number.POSITIVE_INFINITY } }, "predicted.kappa_eff"],
    [
      { ok: true, predicted: { phi: 0.5, kappa_eff: 64, basin_coords: [0.5, -0.1] } },
      "predicted.basin_coords[1]",
    ],
    [{ ok: true, predicted: { phi: 0.5, kappa_eff: 64, error_rate: 2 } }, "predicted.error_rate"],
    [{ ok: true, predicted: { phi: 0.5, kappa_eff: 64, avg_latency: -5 } }, "predicted.avg_latency"],
    [{ ok: true, predicted: { phi: 0.5, kappa_eff: 64, memory_mb: -5 } }, "predicted.memory_mb"],
    [{ ok: true, predicted: { phi: 0.5, kappa_eff: 64, latency_ms: -5 } }, "predicted.avg_latency"],
  ])("refuses %j, naming %s", (body, field) => {
    expect(fieldOf(() => parseActionResult(body))).toBe(field);
  });
});

describe("an action's life", () => {
  it("is created pending with defaults and a deadline from the configured timeout", () => {
    const action = createRemediationAction({ kernel_id: "apollo_1", type: "basin_correction" }, context);
    expect(action).toEqual({
      action_id: "act_1",
      kernel_id: "apollo_1",
      patch_id: null,
      type: "basin_correction",
      params: { target: "baseline", step: 0.3 },
      dry_run: false,
      status: "pending",
      created_at: T0,
      deadline_at: T0 + 120_000,
      answered_at: null,
      result: null,
    });
    expect(toDirectiveAction(action)).toEqual({
      action_id: "act_1",
      patch_id: null,
      type: "basin_correction",
      params: { target: "baseline", step: 0.3 },
      dry_run: false,
    });
  });

  it("takes its own timeout, patch and dry run, and names a bad field of the request", () => {
    const input = { kernel_id: "apollo_1", type: "recycle" as const, patch_id: "p_9", dry_run: true };
    const action = createRemediationAction({ ...input, timeout_seconds: 5 }, context);
    expect(action).toMatchObject({ patch_id: "p_9", dry_run: true, deadline_at: T0 + 5000 });
    expect(fieldOf(() => createRemediationAction({ ...input, timeout_seconds: 0 }, context))).toBe(
      "timeout_seconds",
    );
    // Milliseconds given as seconds: a deadline months away.
    expect(fieldOf(() => createRemediationAction({ ...input, timeout_seconds: 120_000 }, context))).toBe(
      "timeout_seconds",
    );
    expect(fieldOf(() => createRemediationAction({ ...input, kernel_id: "" }, context))).toBe("kernel_id");
    expect(fieldOf(() => createRemediationAction({ ...input, type: "reboot" as never }, context))).toBe(
      "type",
    );
    expect(fieldOf(() => createRemediationAction({ ...input, dry_run: "yes" as never }, context))).toBe(
      "dry_run",
    );
  });

  it("succeeds or fails by the kernel's answer, once, and only before its deadline", () => {
    const action = createRemediationAction(
      { kernel_id: "apollo_1", type: "recycle", timeout_seconds: 10 },
      context,
    );
    expect(answerAction(action, { ok: true }, T0 + 9999)).toMatchObject({
      status: "succeeded",
      answered_at: T0 + 9999,
      result: { ok: true },
    });
    const failed = answerAction(action, { ok: false, error: "busy" }, T0 + 1);
    expect(failed.status).toBe("failed");
    expect(action.status).toBe("pending"); // a transition returns a new action
    expect(() => answerAction(failed, { ok: true }, T0 + 2)).toThrow(
      expect.objectContaining({ code: "action_already_answered" }),
    );
    expect(isOverdue(action, T0 + 9999)).toBe(false);
    expect(isOverdue(action, T0 + 10_000)).toBe(true);
    expect(() => answerAction(action, { ok: true }, T0 + 10_000)).toThrow(ConflictError);
  });

  it("times out as failed, saying how long the kernel had, and cannot be answered after", () => {
    const action = createRemediationAction(
      { kernel_id: "apollo_1", type: "recycle", timeout_seconds: 30 },
      context,
    );
    const expired = expireAction(action, T0 + 31_000);
    expect(expired).toMatchObject({
      status: "timed_out",
      answered_at: T0 + 31_000,
      result: { ok: false, error: "no answer within 30 s" },
    });
    expect(isOverdue(expired, T0 + 60_000)).toBe(false);
    expect(() => answerAction(expired, { ok: true }, T0 + 32_000)).toThrow(
      expect.objectContaining({ code: "action_timed_out" }),
    );
  });
});
