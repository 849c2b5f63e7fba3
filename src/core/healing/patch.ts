/**
 * A patch: one strategy's proposal for one kernel, followed through SPEC §5's lifecycle
 *
 *   generated → sandboxed → pending_review → approved → applied → verified | rolled_back
 *
 * with one short cut (sandboxed → applied when phase 4 auto-applies: no review, so neither
 * pending_review nor approved) and `rejected` from generated, sandboxed, pending_review or
 * approved. An approved patch leaves pending_review at once and stays approved until the
 * kernel confirms the live action (applied) or refuses it (rejected). Every move is
 * recorded with its time, actor and reason, and returns a new patch: the service persists
 * each one as it is made.
 *
 * An applied patch cannot be rejected: its change is on the kernel, and the only way to
 * take it off is the inverse action, which is what rolled_back records.
 */
import { ConflictError, InvalidInputError } from "../errors.js";
import type { KernelHealthReport, TrendReport } from "../health/reports.js";
import type { FitnessBreakdown, FitnessComponents, Recommendation } from "./fitness.js";
import type { PredictedMetrics, RemediationType } from "./remediation-action.js";
import type { PatchAction, PatchProposal, PatchTrigger, StrategyName } from "./strategies.js";

export const PATCH_STATES = [
  "generated",
  "sandboxed",
  "pending_review",
  "approved",
  "applied",
  "verified",
  "rolled_back",
  "rejected",
] as const;

export type PatchState = (typeof PATCH_STATES)[number];

/** Who moved a patch: the healing loop, or a named operator. */
export type PatchActor = "system" | `user:${string}`;

/** Legal moves; final states have none. */
const NEXT: Record<PatchState, readonly PatchState[]> = {
  generated: ["sandboxed", "rejected"],
  sandboxed: ["pending_review", "applied", "rejected"],
  pending_review: ["approved", "rejected"],
  approved: ["applied", "rejected"],
  applied: ["verified", "rolled_back"],
  verified: [],
  rolled_back: [],
  rejected: [],
};

/** @example { from: "sandboxed", to: "pending_review", at: 1_790_000_060_000, actor: "system", reason: "fitness 0.72: apply" } */
export interface PatchTransition {
  /** null for the first record, the patch's creation. */
  from: PatchState | null;
  to: PatchState;
  at: number;
  actor: PatchActor;
  reason: string;
}

/** The kernel's metrics when the patch was generated: what fitness compares against. */
export interface PatchMetrics {
  phi: number | null;
  phi_avg: number | null;
  basin_drift: number | null;
  error_rate: number | null;
  avg_latency_ms: number | null;
  memory_mb: number | null;
  /** MB per snapshot over the trend window; absent in patches stored before it was kept. */
  memory_mb_slope?: number | null;
}

/** The dry run's result. */
export interface PatchSandbox {
  action_id: string;
  fitness: FitnessBreakdown;
  recommendation: Recommendation;
  predicted: PredictedMetrics | null;
}

/** One live fitness measurement after applying; null fitness = no snapshot in that interval. */
export interface VerificationMeasurement {
  at: number;
  fitness: number | null;
  components: FitnessComponents | null;
}

export interface PatchVerification {
  measurements: VerificationMeasurement[];
  outcome: "kept" | "rolled_back" | "inconclusive" | null;
  reason: string | null;
}

/** The inverse action sent when verification failed. */
export interface PatchRollback {
  action_id: string;
  type: RemediationType;
  ok: boolean;
}

/**
 * @example
 * { patch_id: "patch_1", kernel_id: "apollo_1", strategy: "phi_degradation",
 *   action: { type: "integration_boost", params: { factor: 1.3 } }, state: "sandboxed", … }
 */
export interface Patch {
  patch_id: string;
  kernel_id: string;
  strategy: StrategyName;
  action: PatchAction;
  rationale: string;
  trigger: PatchTrigger;
  persistent: boolean;
  state: PatchState;
  created_at: number;
  updated_at: number;
  transitions: PatchTransition[];
  before: PatchMetrics;
  sandbox: PatchSandbox | null;
  verification: PatchVerification;
  rollback: PatchRollback | null;
  /** Review rejected it as not needed, or its kernel was healthy again before it applied (SPEC §5). */
  false_positive: boolean;
  /** The config-as-code branch, commit and pull request, filled in by the git edge. */
  git: unknown | null;
}

/** Fields other than the state a move (or an amendment) may set. */
export type PatchUpdate = Partial<
  Pick<Patch, "sandbox" | "verification" | "rollback" | "false_positive" | "git">
>;

/** Who, when and why: required on every move. */
export interface TransitionBy {
  at: number;
  actor: PatchActor;
  reason: string;
}

/**
 * The metrics a health report (and the trends, for the memory slope) hold, as a patch's `before`.
 * @example metricsFromHealth(monitor.health("apollo_1"), monitor.trends("apollo_1")).phi_avg // 0.61
 */
export function metricsFromHealth(h: KernelHealthReport, trends?: TrendReport): PatchMetrics {
  return {
    phi: h.phi,
    phi_avg: h.phi_avg,
    basin_drift: h.basin_drift,
    error_rate: h.error_rate,
    avg_latency_ms: h.avg_latency_ms,
    memory_mb: h.memory_mb,
    memory_mb_slope: trends?.slopes_per_snapshot.memory_mb ?? null,
  };
}

/**
 * A new patch in state generated; its first transition records the proposal's rationale.
 * @example createPatch(proposal, { patchId: "patch_1", now: clock.now(), before: metricsFromHealth(report) })
 */
export function createPatch(
  proposal: PatchProposal,
  context: { patchId: string; now: number; before: PatchMetrics; actor?: PatchActor },
): Patch {
  if (context.patchId === "") throw new InvalidInputError("patchId", "must not be empty");
  assertTime(context.now, null);
  return {
    patch_id: context.patchId,
    kernel_id: proposal.kernel_id,
    strategy: proposal.strategy,
    action: { type: proposal.action.type, params: { ...proposal.action.params } },
    rationale: proposal.rationale,
    trigger: { ...proposal.trigger },
    persistent: proposal.persistent,
    state: "generated",
    created_at: context.now,
    updated_at: context.now,
    transitions: [
      {
        from: null,
        to: "generated",
        at: context.now,
        actor: context.actor ?? "system",
        reason: proposal.rationale,
      },
    ],
    before: { ...context.before },
    sandbox: null,
    verification: { measurements: [], outcome: null, reason: null },
    rollback: null,
    false_positive: false,
    git: null,
  };
}

/**
 * True for verified, rolled_back and rejected: nothing moves a patch on from them.
 * @example isFinal("applied") // false
 */
export function isFinal(state: PatchState): boolean {
  return NEXT[state].length === 0;
}

/**
 * True when `to` is a legal next state of `from`.
 * @example canTransition("generated", "applied") // false: it must be sandboxed first
 */
export function canTransition(from: PatchState, to: PatchState): boolean {
  return NEXT[from].includes(to);
}

/**
 * The patch moved to `to`, with the move recorded and `update` applied in the same step (a
 * sandbox result with the move to sandboxed, say). Throws a ConflictError
 * "invalid_patch_transition" on an illegal move, and an InvalidInputError for a time before
 * the patch's last change, an empty reason or a malformed actor.
 * @example transition(patch, "sandboxed", { at: now, actor: "system", reason: "fitness 0.72" }, { sandbox })
 */
export function transition(patch: Patch, to: PatchState, by: TransitionBy, update: PatchUpdate = {}): Patch {
  if (!canTransition(patch.state, to))
    throw new ConflictError(
      "invalid_patch_transition",
      `patch ${patch.patch_id} cannot move from ${patch.state} to ${to}`,
    );
  assertBy(by, patch.updated_at);
  const record: PatchTransition = { from: patch.state, to, at: by.at, actor: by.actor, reason: by.reason };
  return { ...patch, ...update, state: to, updated_at: by.at, transitions: [...patch.transitions, record] };
}

/**
 * The patch with fields other than its state changed at `at` (a git link, a flag found
 * later). The state only moves through `transition`.
 * @example amendPatch(patch, { git: { branch: "autonomic/patch_1" } }, now)
 */
export function amendPatch(patch: Patch, update: PatchUpdate, at: number): Patch {
  assertTime(at, patch.updated_at);
  return { ...patch, ...update, updated_at: at };
}

/**
 * The patch with one more live fitness measurement.
 * @example recordMeasurement(patch, { at: now, fitness: 0.66, components })
 */
export function recordMeasurement(patch: Patch, measurement: VerificationMeasurement): Patch {
  if (patch.state !== "applied")
    throw new ConflictError(
      "patch_not_applied",
      `patch ${patch.patch_id} is ${patch.state}: only an applied patch is measured`,
    );
  assertTime(measurement.at, patch.updated_at);
  const v = patch.verification;
  return {
    ...patch,
    updated_at: measurement.at,
    verification: { ...v, measurements: [...v.measurements, measurement] },
  };
}

function assertBy(by: TransitionBy, notBefore: number): void {
  assertTime(by.at, notBefore);
  if (typeof by.reason !== "string" || by.reason.trim() === "")
    throw new InvalidInputError("reason", "must say why the patch moved");
  if (!isActor(by.actor)) throw new InvalidInputError("actor", 'must be "system" or "user:<name>"');
}

function assertTime(at: number, notBefore: number | null): void {
  if (!Number.isFinite(at)) throw new InvalidInputError("at", "must be a finite time in ms");
  if (notBefore !== null && at < notBefore)
    throw new InvalidInputError("at", `must not be before the patch's last change (${notBefore})`);
}

/** @example isActor("user:ada") // true */
export function isActor(actor: unknown): actor is PatchActor {
  return actor === "system" || (typeof actor === "string" && /^user:\S/.test(actor));
}
