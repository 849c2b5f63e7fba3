/**
 * The patch lifecycle in motion (SPEC §5): a degraded kernel's first strategy becomes a
 * patch, tried in the kernel's sandbox (a dry-run action), then left for review, applied
 * or rejected by phase and fitness; an applied patch is measured `count` times every
 * `interval` and kept, rolled back with its inverse action, or paused for a human.
 *
 * Nothing here waits for a kernel: an action is dispatched and the patch moves on when
 * the kernel's answer (or its timeout) arrives as an action event, so one slow kernel
 * never holds the loop, and the same code runs in the server and in virtual time. Every
 * move is saved before its event is published. Callers serialise calls (HealingService
 * runs them under one mutex).
 */
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import { fixedBeside } from "../core/compared-number.js";
import type { AutonomicConfig } from "../core/config.js";
import { leastSquaresSlope } from "../core/cycles/constellation-metrics.js";
import { fisherRaoDistance, normalizeSimplex } from "../core/geometry.js";
import {
  afterFromPredicted,
  computeFitness,
  type FitnessContext,
  type FitnessMetrics,
  fitnessThresholds,
  recommend,
} from "../core/healing/fitness.js";
import { type PhiBand, phiBand } from "../core/healing/healing-config.js";
import {
  amendPatch,
  createPatch,
  metricsFromHealth,
  type Patch,
  type PatchActor,
  type PatchMetrics,
  type PatchState,
  recordMeasurement,
  transition,
} from "../core/healing/patch.js";
import type { HealingPhase } from "../core/healing/phases.js";
import type { RemediationAction, RemediationType } from "../core/healing/remediation-action.js";
import type { RemediationGuard } from "../core/healing/remediation-guard.js";
import { inverseAction, type PatchProposal, STRATEGY_TARGET } from "../core/healing/strategies.js";
import {
  judgeVerification,
  liveFitness,
  measurementDueAt,
  verificationRule,
} from "../core/healing/verification.js";
import type { GitPatchRepository } from "../healing-git/index.js";
import type { HealingStore } from "../store/healing-store-types.js";
import type { ActionService } from "./action-service.js";
import type { AlertService } from "./alert-service.js";
import type { EventBus } from "./event-bus.js";
import type { HealingEvent } from "./healing-events.js";
import type { HealthService } from "./health-service.js";
import type { RestService } from "./rest-service.js";

export interface PatchEngineDeps {
  config: AutonomicConfig;
  store: HealingStore;
  clock: Clock;
  logger: Logger;
  rest: RestService;
  health: HealthService;
  actions: ActionService;
  alerts: AlertService;
  guard: RemediationGuard;
  git: GitPatchRepository | null;
  events: EventBus<HealingEvent>;
  phase: () => HealingPhase;
  newPatchId: () => string;
}

/** What a patch is waiting for. */
interface Flow {
  stage: "sandbox" | "apply" | "rollback";
  actionId: string;
  startedAt: number;
  /** Lower-priority proposals to try when this one does not pass its sandbox. */
  candidates: PatchProposal[];
  /** Asked for by an operator (evaluate-patch): goes to review whatever its fitness. */
  operator: boolean;
  /** A recycle drains the kernel through a covered rest, ended when the kernel has restarted. */
  restHeld: boolean;
  reason: string;
  actor: PatchActor;
}

const SYSTEM: PatchActor = "system";

export class PatchEngine {
  /** Every patch not yet final, by id. */
  readonly open = new Map<string, Patch>();
  private readonly flows = new Map<string, Flow>();
  private readonly band: PhiBand;

  constructor(private readonly d: PatchEngineDeps) {
    this.band = phiBand(d.config.health);
  }

  /**
   * Restores open patches; a patch whose answer was lost in a restart is rejected, not left
   * hanging (unless `repair` is false: a read-only copy leaves that to the leader).
   */
  async restore({ repair = true }: { repair?: boolean } = {}): Promise<void> {
    for (const patch of await this.d.store.loadOpenPatches()) {
      this.open.set(patch.patch_id, patch);
      const pending = this.d.actions.pendingFor(patch.kernel_id).find((a) => a.patch_id === patch.patch_id);
      if (pending) {
        const stage = pending.dry_run ? "sandbox" : patch.state === "applied" ? "rollback" : "apply";
        const reason = `resumed after a restart (${stage} action ${pending.action_id})`;
        this.flows.set(patch.patch_id, {
          ...this.flowDefaults(),
          stage,
          actionId: pending.action_id,
          reason,
        });
      } else if (!repair) {
        // Shown as stored; the leader rejects it.
      } else if (patch.state === "generated") {
        await this.move(patch, "rejected", SYSTEM, "its sandbox answer was lost in a restart");
      } else if (patch.state === "approved") {
        // Its live action is no longer pending, and whatever the kernel answered was lost with
        // the flow: a person looks at the kernel rather than the patch hanging open for ever.
        await this.move(patch, "rejected", SYSTEM, "its live answer was lost in a restart: check the kernel");
      }
    }
  }

  /** True while a patch waits for a kernel's answer to one of its actions. */
  busy(patchId: string): boolean {
    return this.flows.has(patchId);
  }

  /** A kernel is under a patch while one is open for it, sandboxed ones of phase 2 excepted. */
  underPatch(kernelId: string): boolean {
    for (const p of this.open.values())
      if (p.kernel_id === kernelId && (p.state !== "sandboxed" || this.flows.has(p.patch_id))) return true;
    return false;
  }

  /** Turns the first proposal into a patch and sends it to the kernel's sandbox. */
  async start(
    proposals: PatchProposal[],
    options: { operator?: boolean; actor?: PatchActor } = {},
  ): Promise<Patch> {
    const [proposal, ...candidates] = proposals as [PatchProposal, ...PatchProposal[]];
    const now = this.d.clock.now();
    const monitor = this.d.health.monitor;
    const before = monitor.has(proposal.kernel_id)
      ? metricsFromHealth(monitor.health(proposal.kernel_id), monitor.trends(proposal.kernel_id))
      : emptyMetrics();
    let patch = createPatch(proposal, {
      patchId: this.d.newPatchId(),
      now,
      before,
      actor: options.actor ?? SYSTEM,
    });
    this.d.guard.recordGenerated(proposal.kernel_id, now);
    await this.save(patch, null, options.actor ?? SYSTEM, "generated");
    const flow = {
      ...this.flowDefaults(),
      candidates,
      operator: options.operator ?? false,
      actor: options.actor ?? SYSTEM,
    };
    if (proposal.action.type === "rest") {
      // A covered rest has no dry run: it goes straight to its phase's decision.
      patch = await this.move(patch, "sandboxed", SYSTEM, "a covered rest has no sandbox run");
      await this.decide(patch, "test_more", flow);
      return patch;
    }
    const action = await this.d.actions.dispatch({
      kernel_id: patch.kernel_id,
      type: patch.action.type as RemediationType,
      params: patch.action.params,
      dry_run: true,
      patch_id: patch.patch_id,
    });
    this.flows.set(patch.patch_id, { ...flow, stage: "sandbox", actionId: action.action_id, startedAt: now });
    return patch;
  }

  /** A kernel answered (or timed out on) an action of one of our patches. */
  async onAction(action: RemediationAction): Promise<void> {
    const patchId = action.patch_id;
    const flow = patchId ? this.flows.get(patchId) : undefined;
    const patch = patchId ? this.open.get(patchId) : undefined;
    if (!flow || !patch || flow.actionId !== action.action_id) return;
    this.flows.delete(patch.patch_id);
    const ok = action.status === "succeeded" && action.result?.ok === true;
    const error = action.result?.error ?? (action.status === "timed_out" ? "no answer in time" : "refused");
    const seconds = (this.d.clock.now() - flow.startedAt) / 1000;
    if (flow.stage === "sandbox") await this.sandboxed(patch, action, ok, error, flow, seconds);
    else if (flow.stage === "apply")
      await this.applied(patch, ok, error, flow, seconds, action.status === "timed_out");
    else await this.rolledBack(patch, action, ok, flow);
  }

  /**
   * Review approved a patch waiting for it: it leaves pending_review at once (SPEC §5), and
   * stays approved until the kernel confirms the live action.
   */
  async approve(patch: Patch, actor: PatchActor, reason: string): Promise<Patch> {
    const approved = await this.move(patch, "approved", actor, reason);
    return this.apply(approved, actor, reason);
  }

  /** Applies a patch that passed its sandbox or its review. */
  async apply(patch: Patch, actor: PatchActor, reason: string): Promise<Patch> {
    const id = patch.kernel_id;
    if (this.d.health.monitor.has(id) && this.d.health.monitor.degradation(id).status === "healthy")
      return this.move(patch, "rejected", actor, "the kernel was healthy again before the patch applied", {
        false_positive: true,
      });
    if (patch.persistent && this.d.git) {
      const git = await this.d.git.proposeAndMerge({
        patchId: patch.patch_id,
        kernelId: id,
        params: persistentParams(patch),
        title: `autonomic: ${patch.action.type} on ${id}`,
        body: patch.rationale,
      });
      patch = amendPatch(patch, { git }, this.d.clock.now());
      await this.save(
        patch,
        patch.state,
        actor,
        git.merged ? "config change merged" : "config change not merged",
      );
      if (!git.merged)
        return this.move(
          patch,
          "rejected",
          actor,
          `config change not merged: ${git.error ?? "tests failed"}`,
        );
    }
    const flow = { ...this.flowDefaults(), actor, reason, startedAt: this.d.clock.now() };
    if (patch.action.type === "rest") {
      const rest = await this.d.rest.requestRest(id);
      if (!rest.approved) return this.move(patch, "rejected", actor, `rest refused: ${rest.reason}`);
      return this.applied(patch, true, "", flow, 0);
    }
    if (patch.action.type === "recycle" && this.d.rest.scheduler.has(id)) {
      // Drain with coverage first: a partner takes the load while the kernel restarts.
      const rest = await this.d.rest.requestRest(id, false, {
        maintenanceSeconds: this.d.config.healing.recycleDrainSeconds,
      });
      if (!rest.approved)
        return this.move(patch, "rejected", actor, `cannot drain for a recycle: ${rest.reason}`);
      flow.restHeld = true;
    }
    const action = await this.d.actions.dispatch({
      kernel_id: id,
      type: patch.action.type as RemediationType,
      params: patch.action.params,
      dry_run: false,
      patch_id: patch.patch_id,
    });
    this.flows.set(patch.patch_id, { ...flow, stage: "apply", actionId: action.action_id });
    return patch;
  }

  /** Sends the inverse action of an applied patch (or records that it has none). */
  async rollback(patch: Patch, actor: PatchActor, reason: string): Promise<Patch> {
    const git = patch.git as { mergeCommit?: string | null } | null;
    if (this.d.git && git?.mergeCommit) await this.d.git.revert(patch.patch_id, git.mergeCommit, reason);
    const inverse = inverseAction(patch.action.type, patch.action.params);
    if (inverse === null) {
      const moved = await this.move(
        patch,
        "rolled_back",
        actor,
        `${reason}; ${patch.action.type} has no inverse to send`,
      );
      await this.failed(moved, `${patch.action.type} on ${patch.kernel_id} could not be undone: ${reason}`);
      return moved;
    }
    const action = await this.d.actions.dispatch({
      kernel_id: patch.kernel_id,
      type: inverse.type,
      params: inverse.params,
      dry_run: false,
      patch_id: patch.patch_id,
    });
    const flow = {
      ...this.flowDefaults(),
      stage: "rollback" as const,
      actionId: action.action_id,
      reason,
      actor,
    };
    this.flows.set(patch.patch_id, { ...flow, startedAt: this.d.clock.now() });
    return patch;
  }

  /** Review rejected a patch waiting for it; "not needed" makes it a false positive (SPEC §5). */
  async reject(patch: Patch, actor: PatchActor, reason: string, notNeeded: boolean): Promise<Patch> {
    this.flows.delete(patch.patch_id);
    return this.move(patch, "rejected", actor, reason, { false_positive: notNeeded });
  }

  /** Review keeps an applied patch whose verification had no data. */
  async keepInconclusive(patch: Patch, actor: PatchActor, reason: string): Promise<Patch> {
    const moved = await this.move(patch, "verified", actor, reason, {
      verification: outcome(patch, "kept", reason),
    });
    this.d.guard.recordOutcome(patch.kernel_id, this.d.clock.now(), "success");
    return moved;
  }

  /** Takes every verification measurement that is due, and judges patches that have them all. */
  async verifyDue(): Promise<void> {
    const rule = verificationRule(this.d.config.healing);
    const interval = this.d.config.healing.verificationIntervalSeconds;
    const now = this.d.clock.now();
    for (let patch of [...this.open.values()]) {
      if (patch.state !== "applied" || patch.verification.outcome !== null || this.flows.has(patch.patch_id))
        continue;
      const appliedAt = appliedTime(patch);
      let taken = patch.verification.measurements.length;
      while (taken < rule.count && measurementDueAt(appliedAt, taken, interval) <= now) {
        const at = measurementDueAt(appliedAt, taken, interval);
        const since = taken === 0 ? appliedAt : (patch.verification.measurements[taken - 1]?.at ?? appliedAt);
        patch = recordMeasurement(patch, await this.measure(patch, since, at));
        taken += 1;
      }
      if (patch === this.open.get(patch.patch_id)) continue;
      const judged = judgeVerification(patch.verification.measurements, rule);
      if (judged.outcome === "pending") await this.save(patch, patch.state, SYSTEM, "measured");
      else if (judged.outcome === "kept") {
        patch = await this.move(patch, "verified", SYSTEM, judged.reason, {
          verification: outcome(patch, "kept", judged.reason),
        });
        this.d.guard.recordOutcome(patch.kernel_id, now, "success");
      } else if (judged.outcome === "rolled_back") {
        patch = amendPatch(patch, { verification: outcome(patch, "rolled_back", judged.reason) }, now);
        await this.save(patch, patch.state, SYSTEM, judged.reason);
        await this.rollback(patch, SYSTEM, judged.reason);
      } else {
        patch = amendPatch(patch, { verification: outcome(patch, "inconclusive", judged.reason) }, now);
        await this.save(patch, patch.state, SYSTEM, judged.reason);
        await this.d.alerts.raise({
          kind: "verification_inconclusive",
          kernel_id: patch.kernel_id,
          severity: "warning",
          text: `Patch ${patch.patch_id} (${patch.action.type} on ${patch.kernel_id}) is paused for review: ${judged.reason}`,
        });
      }
    }
  }

  /**
   * Live fitness for the interval (since, at]: from the kernel's present state when its
   * newest snapshot falls in the interval, from the newest stored snapshot in it when the
   * measurement is taken late, and no data (inconclusive, never a pass) when it sent none.
   */
  private async measure(patch: Patch, sinceMs: number, at: number) {
    const monitor = this.d.health.monitor;
    const h = monitor.has(patch.kernel_id) ? monitor.health(patch.kernel_id) : null;
    const none = { at, fitness: null, components: null };
    if (!h || h.last_timestamp === null || h.last_timestamp * 1000 <= sinceMs) return none;
    let current: FitnessMetrics = {
      phi: h.phi,
      basin_drift: h.basin_drift,
      error_rate: h.error_rate,
      avg_latency_ms: h.avg_latency_ms,
      memory_mb: h.memory_mb,
      memory_mb_slope: monitor.trends(patch.kernel_id).slopes_per_snapshot.memory_mb,
    };
    if (h.last_timestamp * 1000 > at) {
      // Newest first: the first row is the kernel at the measurement, the rest its trend window.
      const rows = await this.d.health.snapshots({
        kernelId: patch.kernel_id,
        beforeMs: at + 1,
        limit: this.d.config.health.windowSnapshots,
      });
      const [row] = rows;
      if (!row || row.at <= sinceMs) return none;
      const memory = rows.flatMap((r) => (r.memory_mb === null ? [] : [r.memory_mb])).reverse();
      current = {
        phi: row.phi,
        basin_drift: row.basin_drift,
        error_rate: row.error_rate,
        avg_latency_ms: row.avg_latency_ms,
        memory_mb: row.memory_mb,
        memory_mb_slope: memory.length >= 2 ? leastSquaresSlope(memory, memory.length) : null,
      };
    }
    const live = liveFitness(
      { target: STRATEGY_TARGET[patch.strategy], before: fitnessBefore(patch.before), current },
      this.fitnessContext(patch.kernel_id),
    );
    return { at, fitness: live.fitness, components: live.components };
  }

  private async sandboxed(
    patch: Patch,
    action: RemediationAction,
    ok: boolean,
    error: string,
    flow: Flow,
    seconds: number,
  ) {
    const predicted = ok ? (action.result?.predicted ?? null) : null;
    const after = ok
      ? afterFromPredicted(predicted, this.driftOf(patch.kernel_id, predicted?.basin_coords))
      : null;
    const fitness = computeFitness(
      { target: STRATEGY_TARGET[patch.strategy], before: fitnessBefore(patch.before), after, accepted: ok },
      this.fitnessContext(patch.kernel_id),
    );
    const recommendation = recommend(fitness.fitness, this.d.config.healing);
    const sandbox = { action_id: action.action_id, fitness, recommendation, predicted };
    const reason = ok
      ? `sandbox fitness ${fixedBeside(fitness.fitness, recommendation === "reject" ? this.d.config.healing.testMoreThreshold : this.d.config.healing.applyThreshold, 3)}: ${recommendation}`
      : `sandbox run failed: ${error}`;
    patch = await this.move(patch, "sandboxed", SYSTEM, reason, { sandbox }, { stage: "testing", seconds });
    const now = this.d.clock.now();
    if (!ok) {
      await this.failure(patch.kernel_id, now);
      patch = await this.move(patch, "rejected", SYSTEM, reason);
      return this.next(flow);
    }
    // A good sandbox run is no success yet: only a verified patch closes the breaker's count,
    // or patches that pass the sandbox and fail live would never trip it.
    if (recommendation === "reject" && !flow.operator) {
      await this.move(
        patch,
        "rejected",
        SYSTEM,
        `sandbox fitness ${fixedBeside(fitness.fitness, this.d.config.healing.testMoreThreshold, 3)} is below ${this.d.config.healing.testMoreThreshold}`,
      );
      return this.next(flow);
    }
    await this.decide(patch, recommendation, flow);
  }

  /** What the phase allows for a patch that passed (or, for an operator, finished) its sandbox. */
  private async decide(patch: Patch, recommendation: string, flow: Flow): Promise<void> {
    const phase = this.d.phase();
    if (phase < 3) {
      // Phase 2 generates and sandboxes only: the record stands, the patch is closed, and the
      // next strategy is tried if this one would not have been applied.
      await this.move(
        patch,
        "rejected",
        SYSTEM,
        `phase ${phase} tries patches in the sandbox only (${recommendation})`,
      );
      if (recommendation !== "apply" && !flow.operator) await this.next(flow);
      return;
    }
    if (phase === 4 && !flow.operator) {
      if (recommendation === "apply") {
        await this.apply(patch, SYSTEM, "phase 4: sandbox fitness reached the apply threshold");
        return;
      }
      // Autonomous: no human is waiting to review it, so it is not applied, the next strategy
      // is tried, and a later pass may test this one again.
      await this.move(
        patch,
        "rejected",
        SYSTEM,
        `sandbox fitness ${fixedBeside(patch.sandbox?.fitness.fitness ?? Number.NaN, this.d.config.healing.applyThreshold, 3)} is below the apply threshold ${this.d.config.healing.applyThreshold}; phase 4 applies a patch only at or above it`,
      );
      await this.next(flow);
      return;
    }
    const why =
      recommendation === "apply"
        ? "passed its sandbox"
        : flow.operator
          ? "asked for by an operator"
          : "fitness between the test-more and apply thresholds";
    await this.move(patch, "pending_review", SYSTEM, `${why}: waiting for approval`);
  }

  private async applied(
    patch: Patch,
    ok: boolean,
    error: string,
    flow: Flow,
    seconds: number,
    timedOut = false,
  ) {
    if (flow.restHeld && this.d.rest.status(patch.kernel_id).is_resting)
      await this.d.rest.endRest(patch.kernel_id);
    const now = this.d.clock.now();
    if (!ok && timedOut) {
      // No answer: the kernel may have run it. Undo it to be safe (SPEC §6).
      const moved = await this.move(
        patch,
        "applied",
        flow.actor,
        `${flow.reason}; no answer in time, so it is undone to be safe`,
      );
      await this.rollback(moved, SYSTEM, `the kernel did not answer ${patch.action.type} in time`);
      return moved;
    }
    if (!ok) {
      const moved = await this.move(
        patch,
        "rejected",
        flow.actor,
        `the kernel did not apply ${patch.action.type}: ${error}`,
      );
      const git = patch.git as { mergeCommit?: string | null } | null;
      if (this.d.git && git?.mergeCommit)
        await this.d.git.revert(patch.patch_id, git.mergeCommit, "the kernel did not apply it");
      await this.failure(moved.kernel_id, now);
      return moved;
    }
    this.d.guard.recordChange(patch.kernel_id, now);
    return this.move(patch, "applied", flow.actor, flow.reason, {}, { stage: "application", seconds });
  }

  private async rolledBack(patch: Patch, action: RemediationAction, ok: boolean, flow: Flow) {
    const rollback = { action_id: action.action_id, type: action.type, ok };
    this.d.guard.recordChange(patch.kernel_id, this.d.clock.now());
    const moved = await this.move(patch, "rolled_back", flow.actor, flow.reason, { rollback });
    await this.failed(
      moved,
      ok
        ? null
        : `rolling back ${patch.action.type} on ${patch.kernel_id} failed: ${action.result?.error ?? action.status}`,
    );
  }

  private async failed(patch: Patch, alertText: string | null): Promise<void> {
    await this.failure(patch.kernel_id, this.d.clock.now());
    if (alertText)
      await this.d.alerts.raise({
        kind: "rollback_failed",
        kernel_id: patch.kernel_id,
        severity: "critical",
        text: alertText,
      });
  }

  private async failure(kernelId: string, now: number): Promise<void> {
    if (this.d.guard.recordOutcome(kernelId, now, "failure").tripped)
      await this.d.alerts.raise({
        kind: "circuit_open",
        kernel_id: kernelId,
        severity: "critical",
        text: `Remediation stopped on ${kernelId}: ${this.d.config.healing.circuitBreakerFailures} failed remediations in a row; reset its circuit breaker once it is looked at`,
      });
  }

  private async next(flow: Flow): Promise<void> {
    const [first, ...rest] = flow.candidates;
    if (!first || this.underPatch(first.kernel_id)) return;
    const allowed = this.d.guard.canRemediate(first.kernel_id, this.d.clock.now());
    if (allowed.allowed) await this.start([first, ...rest]);
  }

  /** Moves a patch, saves it, then publishes the move. */
  private async move(
    patch: Patch,
    to: PatchState,
    actor: PatchActor,
    reason: string,
    update: Parameters<typeof transition>[3] = {},
    timing?: { stage: "testing" | "application"; seconds: number },
  ): Promise<Patch> {
    const from = patch.state;
    const moved = transition(patch, to, { at: this.d.clock.now(), actor, reason }, update);
    await this.save(moved, from, actor, reason, timing);
    return moved;
  }

  private async save(
    patch: Patch,
    from: PatchState | null,
    actor: PatchActor,
    reason: string,
    timing?: { stage: "testing" | "application"; seconds: number },
  ): Promise<void> {
    await this.d.store.savePatch(patch);
    await this.d.store.saveHealingState("guard", this.d.guard.exportState());
    if (patch.state === "verified" || patch.state === "rolled_back" || patch.state === "rejected")
      this.open.delete(patch.patch_id);
    else this.open.set(patch.patch_id, patch);
    if (from === patch.state) return;
    const event: HealingEvent = {
      type: "patch_changed",
      at: this.d.clock.now(),
      patch_id: patch.patch_id,
      kernel_id: patch.kernel_id,
      strategy: patch.strategy,
      action_type: patch.action.type,
      from,
      to: patch.state,
      actor,
      reason,
      fitness: patch.sandbox?.fitness.fitness ?? null,
      timing: timing ?? null,
    };
    this.d.logger.info({ ...event, at: new Date(event.at).toISOString() }, "patch_changed");
    this.d.events.publish(event);
  }

  /** The formula in force and this kernel's thresholds (its own drift warning in reference mode). */
  private fitnessContext(kernelId: string): FitnessContext {
    const monitor = this.d.health.monitor;
    const drift = monitor.has(kernelId) ? monitor.health(kernelId).drift_thresholds.warning : undefined;
    return {
      formula: this.d.config.healing.fitness,
      thresholds: fitnessThresholds(this.d.config.health, this.band, drift),
    };
  }

  private driftOf(kernelId: string, basin: number[] | undefined): number | null {
    const baseline = this.d.health.monitor.baseline(kernelId);
    if (!basin || !baseline || basin.length !== baseline.length) return null;
    const d = fisherRaoDistance(normalizeSimplex(basin), baseline);
    return this.d.config.geometry.distance === "half" ? d / 2 : d;
  }

  private flowDefaults(): Flow {
    return {
      stage: "sandbox",
      actionId: "",
      startedAt: this.d.clock.now(),
      candidates: [],
      operator: false,
      restHeld: false,
      reason: "",
      actor: SYSTEM,
    };
  }
}

/**
 * The kernel parameters a persistent patch sets, as flat keys of the params file:
 * `enable_cache_entries: 1000`, `integration_boost_factor: 1.3`, `rollback_config: true`.
 */
function persistentParams(patch: Patch): Record<string, number | string | boolean> {
  const entries = Object.entries(patch.action.params).filter(([key]) => key !== "target");
  if (entries.length === 0) return { [patch.action.type]: true };
  return Object.fromEntries(entries.map(([key, value]) => [`${patch.action.type}_${key}`, value]));
}

/** The "before" the fitness formula compares with: the window's Φ that fired, the rest as they were. */
function fitnessBefore(m: PatchMetrics): FitnessMetrics {
  return {
    phi: m.phi_avg ?? m.phi,
    basin_drift: m.basin_drift,
    error_rate: m.error_rate,
    avg_latency_ms: m.avg_latency_ms,
    memory_mb: m.memory_mb,
    memory_mb_slope: m.memory_mb_slope ?? null,
  };
}

function appliedTime(patch: Patch): number {
  for (let i = patch.transitions.length - 1; i >= 0; i--) {
    const t = patch.transitions[i];
    if (t?.to === "applied") return t.at;
  }
  return patch.updated_at;
}

function outcome(patch: Patch, result: "kept" | "rolled_back" | "inconclusive", reason: string) {
  return { ...patch.verification, outcome: result, reason };
}

function emptyMetrics(): PatchMetrics {
  return {
    phi: null,
    phi_avg: null,
    basin_drift: null,
    error_rate: null,
    avg_latency_ms: null,
    memory_mb: null,
    memory_mb_slope: null,
  };
}
