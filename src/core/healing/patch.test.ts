import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../config.js";
import { ConflictError, InvalidInputError } from "../errors.js";
import { computeFitness, fitnessThresholds } from "./fitness.js";
import {
  canTransition,
  createPatch,
  isFinal,
  PATCH_STATES,
  type Patch,
  type PatchActor,
  type PatchState,
  recordMeasurement,
  transition,
} from "./patch.js";
import type { PatchProposal } from "./strategies.js";

const T0 = Date.UTC(2026, 10, 22);
const PROPOSAL: PatchProposal = {
  kernel_id: "apollo_1",
  strategy: "phi_degradation",
  action: { type: "integration_boost", params: { factor: 1.3 } },
  rationale: "average Φ 0.61 over the last 10 snapshots is below Φ min 0.65: boost integration ×1.3",
  trigger: { metric: "phi_avg", value: 0.61, threshold: 0.65 },
  persistent: true,
};
const BEFORE = {
  phi: 0.6,
  phi_avg: 0.61,
  basin_drift: 0.2,
  error_rate: 0.01,
  avg_latency_ms: 200,
  memory_mb: 400,
  memory_mb_slope: 0.5,
};

const fresh = () => createPatch(PROPOSAL, { patchId: "patch_1", now: T0, before: BEFORE });
const by = (seconds: number, reason = "because", actor: PatchActor = "system") => ({
  at: T0 + seconds * 1000,
  actor,
  reason,
});

/** The ConflictError a move throws, or a failure naming what happened instead. */
function conflictOf(run: () => unknown): ConflictError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConflictError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("createPatch", () => {
  it("starts generated, with its creation recorded as the first transition", () => {
    const p = fresh();
    expect(p.state).toBe("generated");
    expect(p.transitions).toEqual([
      { from: null, to: "generated", at: T0, actor: "system", reason: PROPOSAL.rationale },
    ]);
    expect([p.created_at, p.updated_at]).toEqual([T0, T0]);
    expect(p.before).toEqual(BEFORE);
    expect(p.verification).toEqual({ measurements: [], outcome: null, reason: null });
    expect([p.sandbox, p.rollback, p.git, p.false_positive]).toEqual([null, null, null, false]);
  });
});

describe("transition", () => {
  it("walks the reviewed path generated → sandboxed → pending_review → approved → applied → verified", () => {
    let p = fresh();
    const path: PatchState[] = ["sandboxed", "pending_review", "approved", "applied", "verified"];
    path.forEach((to, i) => {
      p = transition(p, to, by(i + 1, `step ${i + 1}`, i === 2 ? "user:ada" : "system"));
    });
    expect(p.state).toBe("verified");
    expect(p.transitions.map((t) => [t.from, t.to])).toEqual([
      [null, "generated"],
      ["generated", "sandboxed"],
      ["sandboxed", "pending_review"],
      ["pending_review", "approved"],
      ["approved", "applied"],
      ["applied", "verified"],
    ]);
    expect(p.transitions[3]).toMatchObject({ actor: "user:ada", reason: "step 3", at: T0 + 3000 });
    expect(p.updated_at).toBe(T0 + 5000);
  });

  it("leaves pending_review only through approved: review cannot skip to applied", () => {
    const waiting = transition(transition(fresh(), "sandboxed", by(1)), "pending_review", by(2));
    expect(conflictOf(() => transition(waiting, "applied", by(3))).message).toContain(
      "pending_review to applied",
    );
    const approved = transition(waiting, "approved", by(3, "ok", "user:ada"));
    // The kernel refused the live action: an approved patch can still end rejected.
    expect(transition(approved, "rejected", by(4, "the kernel did not apply it")).state).toBe("rejected");
  });

  it("lets phase 4 auto-apply straight from sandboxed, skipping review", () => {
    const p = transition(
      transition(fresh(), "sandboxed", by(1)),
      "applied",
      by(2, "fitness 0.8 ≥ 0.7: auto-apply"),
    );
    expect(p.state).toBe("applied");
  });

  it("refuses to apply a patch that was never sandboxed, naming both states", () => {
    const error = conflictOf(() => transition(fresh(), "applied", by(1)));
    expect(error.code).toBe("invalid_patch_transition");
    expect(error.message).toContain("from generated to applied");
  });

  it("rejects from any state before applying, and never from an applied or final one", () => {
    const sandboxed = transition(fresh(), "sandboxed", by(1));
    const review = transition(sandboxed, "pending_review", by(2));
    const approved = transition(review, "approved", by(3));
    const applied = transition(approved, "applied", by(3));
    for (const p of [fresh(), sandboxed, review, approved])
      expect(transition(p, "rejected", by(4)).state).toBe("rejected");
    // An applied change is only taken off by its inverse action: rolled_back.
    expect(conflictOf(() => transition(applied, "rejected", by(4))).code).toBe("invalid_patch_transition");
    const rolledBack = transition(applied, "rolled_back", by(4, "mean live fitness 0.41 < 0.6"));
    expect(conflictOf(() => transition(rolledBack, "rejected", by(5))).message).toContain(
      "rolled_back to rejected",
    );
  });

  it("records the sandbox result in the same step as the move", () => {
    const sandbox = {
      action_id: "act_1",
      fitness: computeFitness(
        { target: "phi", before: BEFORE, after: { phi: 0.7 }, accepted: true },
        {
          formula: "targeted",
          thresholds: fitnessThresholds(DEFAULT_CONFIG.health, { min: 0.65, max: 0.85 }),
        },
      ),
      recommendation: "test_more" as const,
      predicted: { phi: 0.7, kappa_eff: 64 },
    };
    const before = fresh();
    const after = transition(before, "sandboxed", by(1, "fitness 0.6: test more"), { sandbox });
    expect(after.sandbox).toBe(sandbox);
    expect(before.sandbox).toBeNull();
    expect(before.transitions).toHaveLength(1);
  });

  it("refuses a move dated before the patch's last change, an empty reason or an unnamed user", () => {
    const p = transition(fresh(), "sandboxed", by(10));
    const fieldOf = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        if (e instanceof InvalidInputError) return e.field;
        throw e;
      }
      throw new Error("did not throw");
    };
    expect(fieldOf(() => transition(p, "pending_review", by(9)))).toBe("at");
    expect(fieldOf(() => transition(p, "pending_review", by(11, "  ")))).toBe("reason");
    expect(fieldOf(() => transition(p, "pending_review", by(11, "ok", "user:" as PatchActor)))).toBe("actor");
  });
});

describe("isFinal and recordMeasurement", () => {
  it("calls verified, rolled_back and rejected final, and nothing else", () => {
    expect(PATCH_STATES.filter(isFinal)).toEqual(["verified", "rolled_back", "rejected"]);
  });

  it("measures only an applied patch", () => {
    const m = { at: T0 + 60_000, fitness: 0.7, components: null };
    expect(conflictOf(() => recordMeasurement(fresh(), m)).code).toBe("patch_not_applied");
    let p = fresh();
    for (const [i, to] of (["sandboxed", "pending_review", "approved", "applied"] as const).entries())
      p = transition(p, to, by(i));
    expect(recordMeasurement(p, m).verification.measurements).toEqual([m]);
  });
});

describe("patch lifecycle invariant", () => {
  it("after any sequence of attempted moves, the record is a legal, timed, attributed path from generated", () => {
    const attempt = fc.record({
      to: fc.constantFrom(...PATCH_STATES),
      // Sometimes backwards in time: such moves must be refused and leave no trace.
      dtSeconds: fc.integer({ min: -30, max: 600 }),
      actor: fc.constantFrom<PatchActor>("system", "user:ada", "user:bo"),
      reason: fc.constantFrom("fitness 0.72", "approved", "", "not needed"),
    });
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 30 }), (attempts) => {
        let p: Patch = fresh();
        let clock = T0;
        for (const a of attempts) {
          clock += a.dtSeconds * 1000;
          try {
            p = transition(p, a.to, { at: clock, actor: a.actor, reason: a.reason });
          } catch (e) {
            if (!(e instanceof ConflictError || e instanceof InvalidInputError)) throw e;
          }
        }
        const [first, ...moves] = p.transitions;
        expect(first).toMatchObject({ from: null, to: "generated" });
        let state: PatchState = "generated";
        let last = T0;
        for (const t of moves) {
          expect(t.from).toBe(state);
          expect(canTransition(state, t.to)).toBe(true);
          expect(t.at).toBeGreaterThanOrEqual(last);
          expect(t.reason.trim()).not.toBe("");
          expect(t.actor).toMatch(/^(system|user:\S+)$/);
          state = t.to;
          last = t.at;
        }
        expect(p.state).toBe(state);
        expect(p.updated_at).toBe(last);
      }),
    );
  });
});
