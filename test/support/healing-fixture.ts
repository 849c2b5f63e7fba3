/**
 * Test fixtures for the healing store: patches built with the core's own createPatch and
 * transition (one with every field set), alerts and phase changes with defaults to override.
 */
import { DEFAULT_CONFIG } from "../../src/core/config.js";
import { computeFitness, fitnessThresholds } from "../../src/core/healing/fitness.js";
import {
  amendPatch,
  createPatch,
  type Patch,
  type PatchActor,
  type PatchState,
  recordMeasurement,
  transition,
} from "../../src/core/healing/patch.js";
import type { PatchProposal } from "../../src/core/healing/strategies.js";
import type { PhaseChange, StoredAlert } from "../../src/store/healing-store-types.js";

export const T0 = Date.UTC(2026, 10, 22);
export const PROPOSAL: PatchProposal = {
  kernel_id: "apollo_1",
  strategy: "phi_degradation",
  action: { type: "integration_boost", params: { factor: 1.3 } },
  rationale: "average Φ 0.61 is below Φ min 0.65: boost integration ×1.3",
  trigger: { metric: "phi_avg", value: 0.61, threshold: 0.65 },
  persistent: true,
};
export const BEFORE = {
  phi: 0.6,
  phi_avg: 0.61,
  basin_drift: null,
  error_rate: 0.01,
  avg_latency_ms: 200,
  memory_mb: 400,
  memory_mb_slope: 0.5,
};
/** Who, when (ms after T0) and why, for transition(). */
export const by = (ms: number, reason: string, actor: PatchActor = "system") => ({
  at: T0 + ms,
  actor,
  reason,
});

/** A new patch of PROPOSAL, generated at `now` (default T0). */
export function patch(patchId: string, extra: { kernel_id?: string; now?: number } = {}): Patch {
  const proposal = { ...PROPOSAL, kernel_id: extra.kernel_id ?? PROPOSAL.kernel_id };
  return createPatch(proposal, { patchId, now: extra.now ?? T0, before: BEFORE });
}

/** A patch walked to `state` along the reviewed path (rejected from sandboxed). */
export function patchIn(
  patchId: string,
  state: PatchState,
  extra: { kernel_id?: string; now?: number } = {},
): Patch {
  const path: Record<PatchState, PatchState[]> = {
    generated: [],
    sandboxed: ["sandboxed"],
    pending_review: ["sandboxed", "pending_review"],
    approved: ["sandboxed", "pending_review", "approved"],
    applied: ["sandboxed", "pending_review", "approved", "applied"],
    verified: ["sandboxed", "pending_review", "approved", "applied", "verified"],
    rolled_back: ["sandboxed", "pending_review", "approved", "applied", "rolled_back"],
    rejected: ["sandboxed", "rejected"],
  };
  const start = patch(patchId, extra);
  return path[state].reduce(
    (p, to, i) => transition(p, to, by((extra.now ?? T0) - T0 + i + 1, `to ${to}`)),
    start,
  );
}

/** Every field set: sandbox, measurements, rollback, git, a false positive, a user's move. */
export function fullPatch(): Patch {
  const sandbox = {
    action_id: "act_1",
    fitness: computeFitness(
      { target: "phi", before: BEFORE, after: { phi: 0.7 }, accepted: true },
      { formula: "original", thresholds: fitnessThresholds(DEFAULT_CONFIG.health, { min: 0.65, max: 0.85 }) },
    ),
    recommendation: "test_more" as const,
    predicted: { phi: 0.7, kappa_eff: 64, basin_coords: [0.25, 0.75] },
  };
  let p = transition(patch("patch_full"), "sandboxed", by(1000, "fitness 0.6: test more"), { sandbox });
  p = transition(p, "pending_review", by(2000, "awaiting review"));
  p = transition(p, "approved", by(2500, "approved", "user:ada"));
  p = transition(p, "applied", by(3000, "approved", "user:ada"));
  p = recordMeasurement(p, { at: T0 + 4000, fitness: 0.41, components: sandbox.fitness.components });
  p = recordMeasurement(p, { at: T0 + 5000, fitness: null, components: null });
  const rollback = { action_id: "act_2", type: "integration_boost" as const, ok: true };
  const verification = {
    ...p.verification,
    outcome: "rolled_back" as const,
    reason: "live fitness 0.41 < 0.6",
  };
  p = transition(p, "rolled_back", by(6000, "live fitness 0.41"), { rollback, verification });
  return amendPatch(p, { git: { branch: "autonomic/patch_full", pr: 12 }, false_positive: true }, T0 + 7000);
}

/** A pending critical alert about apollo_1 at T0. */
export function alert(alert_id: string, extra: Partial<StoredAlert> = {}): StoredAlert {
  return {
    alert_id,
    dedupe_key: "unhealed:apollo_1",
    kind: "unhealed_degradation",
    kernel_id: "apollo_1",
    severity: "critical",
    text: "apollo_1: Φ 0.41 and no strategy healed it",
    created_at: T0,
    last_seen_at: T0,
    occurrences: 1,
    delivery_status: "pending",
    delivery_attempts: 0,
    last_error: null,
    delivered_at: null,
    ...extra,
  };
}

/** A change of phase at T0 + to, through its gate. */
export const phase = (from: number, to: number, extra: Partial<PhaseChange> = {}): PhaseChange => ({
  from_phase: from,
  to_phase: to,
  at: T0 + to,
  actor: "user:ada",
  forced: false,
  reason: null,
  criteria: { snapshots: 1200, crashes: 0 },
  ...extra,
});
