/**
 * Self-healing as a service (SPEC §5): the healing loop over degraded kernels, human
 * review, operator-asked sandbox runs, and the phases with their gates, all computed from
 * our own records. The patch lifecycle itself is the PatchEngine's; this service decides
 * which kernels get a patch, serialises every change under one mutex, and owns the phase.
 *
 * @example
 * const healing = await HealingService.open({ config, store, clock, logger, rest, health, actions, alerts });
 * await healing.healPass();                      // one pass now (POST /heal)
 * await healing.approve(patchId, "user:ops");    // phase 3+: apply a patch waiting for review
 * await healing.advancePhase({ actor: "user:ops" });
 */
import { randomUUID } from "node:crypto";
import { Mutex } from "async-mutex";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import { ConflictError, InvalidInputError, UnknownPatchError } from "../core/errors.js";
import { distanceOutsideBand, phiBand } from "../core/healing/healing-config.js";
import { isActor, type Patch, type PatchActor } from "../core/healing/patch.js";
import {
  advance,
  allowedActions,
  evaluateGate,
  type GateEvaluation,
  type HealingPhase,
} from "../core/healing/phases.js";
import {
  REMEDIATION_TYPES,
  type RemediationType,
  validateActionParams,
} from "../core/healing/remediation-action.js";
import { RemediationGuard } from "../core/healing/remediation-guard.js";
import { looksTired, proposePatches, type StrategyName, strategyConfig } from "../core/healing/strategies.js";
import type { GitPatchRepository } from "../healing-git/index.js";
import type { Store } from "../store/store-types.js";
import type { ActionService } from "./action-service.js";
import type { AlertService } from "./alert-service.js";
import { EventBus } from "./event-bus.js";
import type { HealingEvent } from "./healing-events.js";
import { summarizeRecords } from "./healing-records.js";
import type { HealthService } from "./health-service.js";
import { PatchEngine } from "./patch-engine.js";
import type { RestService } from "./rest-service.js";

export interface HealingServiceOptions {
  config: AutonomicConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  rest: RestService;
  health: HealthService;
  actions: ActionService;
  alerts: AlertService;
  git?: GitPatchRepository | null;
  /** This server run's id (recordServerStart), for the "no crash" gate; null in the simulator. */
  runId?: number | null;
  newPatchId?: () => string;
  /**
   * A follower's copy (SPEC §9): restore what is stored and write nothing, not even the
   * rejection of a patch whose answer a restart lost (the leader does that).
   */
  readOnly?: boolean;
}

/** Why the loop left a degraded kernel alone this pass. */
export interface SkippedKernel {
  kernel_id: string;
  reason_code: string;
  reason: string;
}

export interface HealPassReport {
  at: string;
  phase: HealingPhase;
  examined: number;
  patches_started: string[];
  skipped: SkippedKernel[];
}

/** The strategy an operator's action belongs to, for evaluate-patch. */
const STRATEGY_OF: Partial<Record<RemediationType, StrategyName>> = {
  basin_correction: "basin_drift",
  integration_boost: "phi_degradation",
  decoherence: "phi_degradation",
  enable_cache: "performance",
  recycle: "memory_leak",
  rollback_config: "error_spike",
};

const FATIGUE_TRIGGERS = new Set(["emergency_fatigue", "fatigue_threshold", "essential_reduce"]);

const HANDLED = new Set(["resting", "should_rest", "recovering", "under_patch"]);

export class HealingService {
  readonly events = new EventBus<HealingEvent>();
  readonly guard: RemediationGuard;
  private readonly engine: PatchEngine;
  private readonly mutex = new Mutex();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly unhealedSince = new Map<string, number>();
  private phaseNow: HealingPhase = 1;
  private running = true;

  private constructor(private readonly o: HealingServiceOptions) {
    this.guard = new RemediationGuard(o.config.healing);
    this.engine = new PatchEngine({
      ...o,
      git: o.git ?? null,
      guard: this.guard,
      events: this.events,
      phase: () => this.phaseNow,
      newPatchId: o.newPatchId ?? (() => `pat_${randomUUID()}`),
    });
  }

  static async open(options: HealingServiceOptions): Promise<HealingService> {
    const service = new HealingService(options);
    const { store } = options;
    const history = await store.loadPhaseHistory();
    service.phaseNow = (history.at(-1)?.to_phase ?? 1) as HealingPhase;
    const guard = await store.loadHealingState("guard");
    if (guard !== null) service.guard.loadState(guard);
    const loop = (await store.loadHealingState("loop")) as { running?: boolean } | null;
    service.running = loop?.running ?? true;
    await service.engine.restore({ repair: !options.readOnly });
    options.actions.events.subscribe((e) => {
      if (e.type !== "action_answered" && e.type !== "action_timed_out") return;
      const action = options.actions.get(e.action_id);
      if (action?.patch_id) service.enqueue(() => service.engine.onAction(action));
    });
    options.logger.info(
      { phase: service.phaseNow, running: service.running, open_patches: service.engine.open.size },
      "healing restored",
    );
    return service;
  }

  get phase(): HealingPhase {
    return this.phaseNow;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** One pass of the loop: due verifications, then a patch for each degraded kernel that may have one. */
  healPass(): Promise<HealPassReport> {
    return this.exclusive(async () => {
      const started = performance.now();
      await this.engine.verifyDue();
      const report: HealPassReport = {
        at: new Date(this.o.clock.now()).toISOString(),
        phase: this.phaseNow,
        examined: 0,
        patches_started: [],
        skipped: [],
      };
      const monitor = this.o.health.monitor;
      const critical = new Set<string>();
      for (const degraded of monitor.degradedKernels()) {
        const id = degraded.kernel_id;
        report.examined += 1;
        if (degraded.status === "critical") critical.add(id);
        const skip = this.skipReason(id);
        if (skip) {
          report.skipped.push({ kernel_id: id, ...skip });
          // Resting, tired, recovering or under a patch: something is healing it. A cooldown
          // or an open circuit breaker is not, so those stay candidates for the alert.
          if (HANDLED.has(skip.reason_code)) critical.delete(id);
          continue;
        }
        if (this.phaseNow < 2) continue;
        const proposals = proposePatches(
          {
            kernelId: id,
            health: monitor.health(id),
            trends: monitor.trends(id),
            canRestWithCover:
              this.o.rest.scheduler.has(id) && this.o.rest.partners(id).some((p) => p.can_cover),
          },
          strategyConfig(this.o.config),
        );
        if (proposals.length === 0) {
          // Low Φ with κ off κ* is fatigue: a rest will heal it, so it is not left unhealed.
          if (looksTired(monitor.health(id))) critical.delete(id);
          continue;
        }
        const patch = await this.engine.start(proposals);
        report.patches_started.push(patch.patch_id);
        critical.delete(id);
      }
      await this.alertUnhealed(critical);
      await this.alertSilent();
      this.events.publish({
        type: "heal_pass",
        at: this.o.clock.now(),
        phase: this.phaseNow,
        examined: report.examined,
        patches_started: report.patches_started.length,
        generation_seconds: (performance.now() - started) / 1000,
      });
      return report;
    });
  }

  /** Verification measurements between passes (cheap: only patches with one due). */
  tick(): Promise<void> {
    return this.exclusive(() => this.engine.verifyDue());
  }

  /** The periodic job: a pass when the loop is running. */
  async loopTick(): Promise<void> {
    if (this.running) await this.healPass();
  }

  setRunning(running: boolean, actor: string): Promise<{ running: boolean }> {
    return this.exclusive(async () => {
      this.running = running;
      await this.o.store.saveHealingState("loop", { running });
      this.events.publish({ type: "healing_loop", at: this.o.clock.now(), running, actor });
      return { running };
    });
  }

  approve(patchId: string, actor: string, reason = "approved by review"): Promise<Patch> {
    const by = this.actor(actor);
    return this.exclusive(async () => {
      if (this.phaseNow < 3)
        throw new ConflictError(
          "phase_forbids_apply",
          `phase ${this.phaseNow} does not apply patches; advance to phase 3 first`,
        );
      const patch = await this.openPatch(patchId);
      this.assertIdle(patch);
      if (patch.state === "pending_review") return this.engine.approve(patch, by, reason);
      if (patch.state === "applied" && patch.verification.outcome === "inconclusive")
        return this.engine.keepInconclusive(patch, by, reason);
      throw new ConflictError(
        "patch_not_pending",
        `patch ${patchId} is ${patch.state}, not waiting for review`,
      );
    });
  }

  reject(
    patchId: string,
    actor: string,
    options: { reason?: string; not_needed?: boolean } = {},
  ): Promise<Patch> {
    const by = this.actor(actor);
    const reason = options.reason?.trim() || "rejected by review";
    return this.exclusive(async () => {
      const patch = await this.openPatch(patchId);
      this.assertIdle(patch);
      if (patch.state === "pending_review" || patch.state === "sandboxed")
        return this.engine.reject(patch, by, reason, options.not_needed === true);
      if (patch.state === "applied" && patch.verification.outcome === "inconclusive")
        return this.engine.rollback(patch, by, reason);
      throw new ConflictError(
        "patch_not_pending",
        `patch ${patchId} is ${patch.state}, not waiting for review`,
      );
    });
  }

  /**
   * Sandboxes an action an operator names on a kernel and returns the patch with its
   * fitness; from phase 3 the patch then waits for review whatever its score.
   */
  async evaluatePatch(
    input: { kernel_id?: unknown; type?: unknown; params?: unknown },
    actor: string,
  ): Promise<Patch> {
    const by = this.actor(actor);
    if (typeof input.kernel_id !== "string" || input.kernel_id === "")
      throw new InvalidInputError("kernel_id", "is required");
    const type = input.type as RemediationType;
    const strategy = STRATEGY_OF[type];
    if (!REMEDIATION_TYPES.includes(type) || !strategy)
      throw new InvalidInputError("type", `must be one of ${Object.keys(STRATEGY_OF).join(", ")}`);
    const params = validateActionParams(type, input.params ?? {});
    if (!this.o.health.monitor.has(input.kernel_id))
      throw new InvalidInputError("kernel_id", `${input.kernel_id} has sent no snapshot yet`);
    const kernelId = input.kernel_id;
    if (this.phaseNow < 2)
      throw new ConflictError(
        "phase_forbids_sandbox",
        `phase ${this.phaseNow} only monitors; sandbox runs start in phase 2`,
      );
    const patch = await this.exclusive(async () => {
      if (this.engine.underPatch(kernelId))
        throw new ConflictError("under_patch", `${kernelId} already has a patch in progress`);
      return this.engine.start(
        [
          {
            kernel_id: kernelId,
            strategy,
            action: { type, params },
            rationale: `asked for by ${by} through evaluate-patch`,
            trigger: { metric: "operator", value: 0, threshold: 0 },
            persistent: type !== "basin_correction" && type !== "recycle",
          },
        ],
        { operator: true, actor: by },
      );
    });
    const sandbox = this.o.actions.pendingFor(kernelId).find((a) => a.patch_id === patch.patch_id);
    if (sandbox) await this.o.actions.waitForOutcome(sandbox.action_id);
    await this.settled();
    return (await this.o.store.getPatch(patch.patch_id)) as Patch;
  }

  async phaseStatus(): Promise<GateEvaluation & { allowed: string[]; running: boolean }> {
    const summary = await this.summary();
    return {
      ...evaluateGate(this.phaseNow, summary, this.o.config.healing.gates),
      allowed: allowedActions(this.phaseNow),
      running: this.running,
    };
  }

  advancePhase(options: { force?: boolean; reason?: string; actor: string }) {
    const by = this.actor(options.actor);
    return this.exclusive(async () => {
      const summary = await this.summary();
      const result = advance(this.phaseNow, summary, this.o.config.healing.gates, options);
      const at = this.o.clock.now();
      const criteria = evaluateGate(this.phaseNow, summary, this.o.config.healing.gates).criteria;
      await this.o.store.recordPhaseChange({
        from_phase: result.from,
        to_phase: result.to,
        at,
        actor: by,
        forced: result.forced,
        reason: result.reason,
        criteria,
      });
      this.phaseNow = result.to as HealingPhase;
      this.events.publish({
        type: "phase_changed",
        at,
        from: result.from,
        to: result.to,
        forced: result.forced,
        reason: result.reason,
        actor: by,
      });
      this.o.logger.warn({ ...result, actor: by }, "healing phase changed");
      return { ...result, criteria };
    });
  }

  /** Every count the gates read, from our own records. */
  async summary() {
    const monitor = this.o.health.monitor;
    const kernels = monitor.kernelIds();
    return summarizeRecords(await this.o.store.listPatches({ limit: 10_000 }), {
      snapshots: await this.o.store.snapshotCount(),
      kernels_seen: kernels.length,
      kernels_with_baseline: kernels.filter((id) => monitor.hasBaseline(id)).length,
      server_crashes: this.o.runId == null ? 0 : await this.o.store.uncleanStops(this.o.runId),
    });
  }

  openPatches(): Patch[] {
    return [...this.engine.open.values()];
  }

  /** Resolves when every queued continuation (kernel answers) has run. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private skipReason(id: string): { reason_code: string; reason: string } | null {
    const rest = this.o.rest;
    if (rest.scheduler.has(id)) {
      const s = rest.status(id);
      if (s.status !== "active") return { reason_code: "resting", reason: `the kernel is ${s.status}` };
      // Tired (by fatigue, not by the clock of a rotation or a season): rest first, remedy after.
      const due = rest.scheduler.shouldRest(id);
      if (due.should_rest && FATIGUE_TRIGGERS.has(due.reason_code))
        return {
          reason_code: "should_rest",
          reason: `the kernel is due for rest (${due.reason}): rest first, remedy after`,
        };
    }
    if (this.o.health.monitor.has(id)) {
      // Φ back in the band while the window's average is not: the window still holds a rest
      // or a cured fault, and will follow within a window. Nothing to remedy now.
      const h = this.o.health.monitor.health(id);
      const band = phiBand(this.o.config.health);
      const inBand = (phi: number | null) => phi !== null && distanceOutsideBand(phi, band) === 0;
      if (inBand(h.phi) && h.phi_avg !== null && !inBand(h.phi_avg))
        return {
          reason_code: "recovering",
          reason: `Φ ${h.phi?.toFixed(3)} is back in the band; its window average ${h.phi_avg.toFixed(3)} will follow`,
        };
    }
    if (this.engine.underPatch(id))
      return { reason_code: "under_patch", reason: "a patch is already in progress" };
    const allowed = this.guard.canRemediate(id, this.o.clock.now());
    if (!allowed.allowed) return { reason_code: allowed.reason_code, reason: allowed.reason };
    return null;
  }

  /** Raises an alert for each kernel critical for unhealedAlertSeconds with nothing healing it. */
  private async alertUnhealed(critical: Set<string>): Promise<void> {
    const now = this.o.clock.now();
    for (const id of [...this.unhealedSince.keys()]) if (!critical.has(id)) this.unhealedSince.delete(id);
    for (const id of critical) {
      const since = this.unhealedSince.get(id) ?? now;
      this.unhealedSince.set(id, since);
      if (now - since < this.o.config.healing.unhealedAlertSeconds * 1000) continue;
      const issues = this.o.health.monitor.degradation(id).findings.filter((i) => i.severity === "critical");
      await this.o.alerts.raise({
        kind: "critical_unhealed",
        kernel_id: id,
        severity: "critical",
        text: `${id} has been critical for ${Math.round((now - since) / 60_000)} min and no strategy is healing it: ${issues.map((i) => i.message).join("; ")}`,
      });
    }
  }

  /**
   * A kernel that stopped reporting while it should be working has crashed or lost its
   * way to us: no strategy can reach it (its directives go unread), so a human must.
   */
  private async alertSilent(): Promise<void> {
    const monitor = this.o.health.monitor;
    const nowSeconds = this.o.clock.now() / 1000;
    const after = this.o.config.healing.silentAlertSeconds;
    for (const id of monitor.kernelIds()) {
      const last = monitor.health(id).last_timestamp;
      if (last === null || nowSeconds - last < after) continue;
      if (this.o.rest.scheduler.has(id) && this.o.rest.status(id).status !== "active") continue;
      await this.o.alerts.raise({
        kind: "kernel_silent",
        kernel_id: id,
        severity: "critical",
        text: `${id} has sent no snapshot for ${Math.round(nowSeconds - last)} s: crashed or cut off; no remedy can reach it`,
      });
    }
  }

  /** A patch whose action a kernel is running cannot be approved or rejected until it answers. */
  private assertIdle(patch: Patch): void {
    if (this.engine.busy(patch.patch_id))
      throw new ConflictError(
        "patch_in_progress",
        `patch ${patch.patch_id} is waiting for the kernel's answer to its action`,
      );
  }

  private async openPatch(patchId: string): Promise<Patch> {
    const patch = this.engine.open.get(patchId);
    if (patch) return patch;
    const stored = await this.o.store.getPatch(patchId);
    if (!stored) throw new UnknownPatchError(patchId);
    throw new ConflictError(
      "patch_not_pending",
      `patch ${patchId} is ${stored.state}, not waiting for review`,
    );
  }

  private actor(actor: string): PatchActor {
    const by = actor === "system" ? "system" : `user:${actor.replace(/^user:/, "")}`;
    if (!isActor(by)) throw new InvalidInputError("actor", "must be a name");
    return by;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.mutex.runExclusive(work);
    this.inFlight.add(run);
    void run.catch(() => {}).finally(() => this.inFlight.delete(run));
    return run;
  }

  private enqueue(work: () => Promise<unknown>): void {
    void this.exclusive(work).catch((err: unknown) => this.o.logger.error({ err }, "healing step failed"));
  }
}
