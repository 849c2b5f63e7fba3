/**
 * The coupling-aware rest scheduler (WP5.4, SPEC §3): pure and synchronous, time from an
 * injected clock. Every transition emits a RestEvent and is returned in the operation's
 * result, so a service can persist exactly what changed in one transaction.
 *
 * @example
 * const rest = new RestScheduler({ registry, config: DEFAULT_CONFIG.rest, clock });
 * rest.register("apollo_1", "Apollo");
 * rest.register("athena_1", "Athena");
 * rest.reportFatigue("apollo_1", 0.2, 40);
 * rest.requestRest("apollo_1"); // { approved: true, covering_partner: "athena_1", … }
 */
import type { Clock } from "../clock.js";
import { fixedBeside, plain } from "../compared-number.js";
import type { RestConfig } from "../config.js";
import type { CycleType } from "../cycles/cycle-types.js";
import { ConflictError, InvalidInputError, UnknownKernelError } from "../errors.js";
import { findGod, type Registry } from "../registry/registry.js";
import { alternatingPairNames, canCover, partnerNames } from "./coverage.js";
import {
  type CoverAssignment,
  carriedLoad,
  coverageOptions,
  type LiveLookup,
  type PartnerLookup,
  planCoverage,
} from "./coverage-plan.js";
import { measuredDutyCycle, projectedDutyCycle, pruneRecentRests, recordRest } from "./duty-cycle.js";
import type {
  ApprovalCode,
  KernelRetiredEvent,
  RefusalCode,
  RestEvent,
  RestEventListener,
  RetirementHandoff,
  WakeCause,
} from "./events.js";
import { computeFatigue } from "./fatigue.js";
import { invariantViolations } from "./invariants.js";
import { isResting, type KernelRestState, newKernelState, type RestMode } from "./kernel-state.js";
import {
  describeTrigger,
  dutyPeriodSeconds,
  evaluateRestTrigger,
  modeNeedsCover,
  plannedRestSeconds,
  type RestTrigger,
  restModeFor,
  restThreshold,
  trendCallsForRest,
} from "./policies.js";
import { adaptationReason, adaptedShift, rateable, restRecovery } from "./rest-quality.js";
import { checkRetirement, type RetireOptions } from "./retirement.js";
import { Roster } from "./roster.js";
import {
  type ConstellationStatus,
  constellationStatus,
  type KernelStatus,
  kernelStatus,
  type PartnerStatus,
} from "./status.js";

export interface RestSchedulerOptions {
  registry: Registry;
  config: RestConfig;
  clock: Clock;
  /** Called when an event listener throws; the default writes to stderr. */
  onListenerError?: (error: unknown, event: RestEvent) => void;
}

export interface RestRequestOptions {
  /** Rest without coverage when none is available. Refused for essential kernels. */
  force?: boolean;
  /**
   * A maintenance drain (a recycle) of this many seconds: covered like any rest, but not
   * refused for the duty cycle, since it is needed rather than wanted.
   */
  maintenanceSeconds?: number;
  /**
   * A JSON payload handed to the coverer through its directive and back to the kernel on
   * waking (context transfer); at most `contextMaxBytes` serialised.
   */
  context?: unknown;
}

export interface RestRequestResult {
  approved: boolean;
  reason: string;
  reason_code: ApprovalCode | RefusalCode;
  covering_partner: string | null;
  /** The second partner when two share the coverage. */
  sharing_partner: string | null;
  rest_type: RestMode | null;
  /** Clock ms at which the rest is planned to end. */
  planned_until: number | null;
  events: RestEvent[];
}

export interface ShouldRestResult {
  should_rest: boolean;
  reason: string;
  reason_code: RestTrigger | "already_resting";
}

/** A scheduler's saved state: see `exportState` and `loadState`. */
export type SavedKernelState = Omit<KernelRestState, "contract">;

export interface RestSchedulerState {
  kernels: SavedKernelState[];
  chaosEverSpawned: string[];
  /**
   * At least the highest report sequence number ever given (absent: 0). A kernel registered
   * after a restart starts above it, so reports of a kernel retired earlier are never its own.
   */
  reportSeq?: number;
  /**
   * Stored fatigue reports newer than their kernel's saved state (seq above its reportSeq),
   * in seq order: `loadState` folds them in again. A saved state is a checkpoint, not
   * necessarily the latest (the rest service writes a kernel's row every so many reports).
   */
  reports?: StoredReport[];
}

/** A fatigue report as stored: what the scheduler folded into the kernel, and when. */
export interface StoredReport {
  kernel_id: string;
  /** The report's sequence number, from one count for the whole scheduler. */
  seq: number;
  at: number;
  phi: number;
  kappa: number;
  load: number;
  error_rate: number;
  fatigue: number;
}

/** What a fatigue report did: its sequence number, its clock ms and the fatigue it gave. */
export interface FoldedReport {
  seq: number;
  at: number;
  fatigue: number;
}

export interface TransitionResult<T> {
  value: T;
  events: RestEvent[];
}

export class RestScheduler {
  private readonly kernels = new Map<string, KernelRestState>();
  private readonly restingIds = new Set<string>();
  /** The last report sequence number given (see KernelRestState.reportSeq). */
  private reportCount = 0;
  private roster: Roster;
  private readonly listeners: RestEventListener[] = [];
  private pending: RestEvent[] = [];
  readonly registry: Registry;
  readonly config: RestConfig;
  private readonly clock: Clock;
  private readonly onListenerError: (error: unknown, event: RestEvent) => void;
  private readonly live: LiveLookup = (name) => {
    const id = this.roster.liveId(name);
    return id === undefined ? undefined : this.kernels.get(id);
  };
  // Partner order and alternating pairs follow from the registry (and a chaos kernel's
  // mentor), which do not change while a kernel is registered: computed once per kernel.
  private partnerCache = new WeakMap<KernelRestState, readonly string[]>();
  private readonly pairCache = new Map<string, readonly string[]>();
  private readonly lookup: PartnerLookup = {
    live: this.live,
    partnersOf: (k) => {
      let names = this.partnerCache.get(k);
      if (!names) {
        names = partnerNames(k);
        this.partnerCache.set(k, names);
      }
      return names;
    },
  };

  constructor(options: RestSchedulerOptions) {
    this.registry = options.registry;
    this.config = options.config;
    this.clock = options.clock;
    this.roster = new Roster(options.registry);
    this.onListenerError =
      options.onListenerError ??
      ((error, event) => console.error(`rest event listener failed on ${event.type}:`, error));
  }

  /** Calls `listener` with every event, after the transition that caused it is complete. */
  subscribe(listener: RestEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Registers a kernel: a god by name (case-insensitive) or a chaos kernel named by the
   * registry's pattern, optionally with a mentor god who covers it. Idempotent for the
   * same id and name.
   */
  register(kernelId: string, kernelName: string, mentor?: string | null): TransitionResult<KernelStatus> {
    if (typeof kernelId !== "string" || kernelId.trim() === "")
      throw new InvalidInputError("kernel_id", "is required");
    if (typeof kernelName !== "string" || kernelName.trim() === "")
      throw new InvalidInputError("kernel_name", "is required");
    const resolved = this.roster.resolve(kernelName);
    let mentorName: string | null = null;
    if (mentor !== undefined && mentor !== null) {
      if (resolved.chaosDomain === null)
        throw new InvalidInputError("mentor", "only chaos kernels take a mentor");
      const god = findGod(this.registry, mentor);
      if (!god) throw new InvalidInputError("mentor", `"${mentor}" is not a god of the registry`);
      mentorName = god.name;
    }
    const existing = this.kernels.get(kernelId);
    if (existing) {
      if (existing.kernelName !== resolved.name) {
        throw new ConflictError(
          "id_taken",
          `kernel_id ${kernelId} is already registered as ${existing.kernelName}`,
        );
      }
      if (mentor !== undefined && mentorName !== existing.mentor) {
        throw new ConflictError(
          "mentor_differs",
          `${kernelId} is registered with mentor ${existing.mentor ?? "none"}`,
        );
      }
      return { value: this.status(kernelId), events: [] };
    }
    this.roster.assertCanJoin(kernelId, resolved);
    this.roster.join(kernelId, resolved);
    const now = this.clock.now();
    const k = newKernelState(
      kernelId,
      resolved.name,
      resolved.contract,
      mentorName,
      resolved.chaosDomain,
      now,
    );
    k.reportSeq = this.reportCount;
    this.kernels.set(kernelId, k);
    this.emit({
      type: "kernel_registered",
      at: now,
      kernel_id: kernelId,
      kernel_name: k.kernelName,
      tier: k.tier,
      rest_policy: k.policy,
      mentor: mentorName,
    });
    return { value: this.status(kernelId), events: this.flush() };
  }

  /** Removes a kernel. One that covers another must first hand that coverage over. */
  deregister(kernelId: string): TransitionResult<null> {
    const k = this.get(kernelId);
    if (k.coveringFor !== null) {
      throw new ConflictError("covering", `${k.kernelName} covers ${k.coveringFor}; end that rest first`);
    }
    if (isResting(k)) this.finishRest(k, "deregistered");
    this.kernels.delete(kernelId);
    this.roster.leave(k.kernelName, k.chaosDomain);
    this.emit({
      type: "kernel_deregistered",
      at: this.clock.now(),
      kernel_id: kernelId,
      kernel_name: k.kernelName,
    });
    return { value: null, events: this.flush() };
  }

  /**
   * Retires a kernel for good (SPEC §6): woken first if it rests (its rest ends and is recorded
   * as any other, cause "retired"), then what it covers is handed to another partner of the
   * covered kernel by the rule a coverer going to rest hands over by, or, when none can take
   * it, the covered kernel's rest ends (cause "coverer_retired"): never left uncovered. Then
   * it leaves the roster, so its god name or chaos slot is free for a new registration.
   * Refused, changing nothing, for an essential kernel without force and a reason (see
   * checkRetirement). Every transition is in the returned events, for one commit.
   */
  retire(kernelId: string, options: RetireOptions = {}): TransitionResult<KernelRetiredEvent> {
    const k = this.get(kernelId);
    const { forced, reason, actor } = checkRetirement(k, options);
    const wokenFrom = isResting(k) ? (k.status as RestMode) : null;
    if (wokenFrom !== null) this.finishRest(k, "retired");
    const handoffs: RetirementHandoff[] = [];
    if (k.coveringFor !== null) handoffs.push(this.passOnCoverage(k, this.get(k.coveringFor)));
    this.kernels.delete(kernelId);
    this.restingIds.delete(kernelId);
    this.roster.leave(k.kernelName, k.chaosDomain);
    if (k.chaosDomain !== null) this.roster.forgetSpawned(k.kernelName);
    const event: KernelRetiredEvent = {
      type: "kernel_retired",
      at: this.clock.now(),
      kernel_id: kernelId,
      kernel_name: k.kernelName,
      tier: k.tier,
      rest_policy: k.policy,
      forced,
      reason,
      actor,
      woken_from: wokenFrom,
      handoffs,
      rest_count: k.restCount,
      total_rest_seconds: k.totalRestSeconds,
    };
    this.emit(event);
    return { value: event, events: this.flush() };
  }

  /**
   * Records one telemetry update; returns its sequence number, time and fatigue (stored
   * with the report, so a restore can fold it in again). Inputs are checked and a bad one
   * throws naming its field, changing nothing.
   */
  reportFatigue(kernelId: string, phi: number, kappa: number, load = 0, errorRate = 0): FoldedReport {
    const k = this.get(kernelId);
    if (!(typeof phi === "number" && phi >= 0 && phi <= 1))
      throw new InvalidInputError("phi", "must be a number within [0, 1]");
    if (!(typeof kappa === "number" && kappa >= 0 && kappa < Number.POSITIVE_INFINITY)) {
      throw new InvalidInputError("kappa", "must be a finite number ≥ 0");
    }
    if (!(typeof load === "number" && load >= 0 && load <= 1))
      throw new InvalidInputError("load", "must be a number within [0, 1]");
    if (!(typeof errorRate === "number" && errorRate >= 0 && errorRate <= 1)) {
      throw new InvalidInputError("error_rate", "must be a number within [0, 1]");
    }
    const now = this.clock.now();
    const phiTrend = k.hasTelemetry ? phi - k.phi : 0;
    const sinceRest = k.status === "active" ? (now - (k.lastRestEndedAt ?? k.registeredAt)) / 1000 : 0;
    const fatigue = computeFatigue(this.config, phi, phiTrend, kappa, load, sinceRest, errorRate);
    const seq = ++this.reportCount;
    this.fold(k, seq, now, phi, kappa, load, errorRate, fatigue);
    return { seq, at: now, fatigue };
  }

  /**
   * A report's effect on its kernel, given the fatigue it gave: the same for a live report
   * and a stored one folded in again on restore, so a restored kernel equals the live one.
   */
  private fold(
    k: KernelRestState,
    seq: number,
    now: number,
    phi: number,
    kappa: number,
    load: number,
    errorRate: number,
    fatigue: number,
  ): void {
    if (k.status === "active") {
      // The trend predictive rest reads: an exponential moving average of the slope between
      // reports, restarted after each rest (what a rest did to fatigue is no trend of wear).
      const dt = (now - k.lastReportAt) / 1000;
      if (k.hasTelemetry && k.reportsSinceRest > 0 && dt > 0) {
        const slope = (fatigue - k.fatigue) / dt;
        const a = this.config.predictive.slopeSmoothing;
        k.fatigueSlopePerSecond =
          k.reportsSinceRest === 1 ? slope : a * slope + (1 - a) * k.fatigueSlopePerSecond;
      }
      k.reportsSinceRest++;
    }
    k.fatigue = fatigue;
    k.phi = phi;
    k.kappa = kappa;
    k.load = load;
    k.errorRate = errorRate;
    k.hasTelemetry = true;
    k.lastReportAt = now;
    k.reportSeq = seq;
  }

  /** The sequence number of the kernel's last report (its count at registration before any). */
  lastReportSeq(kernelId: string): number {
    return this.get(kernelId).reportSeq;
  }

  /** The last report sequence number given, kernels retired since included. */
  reportSeq(): number {
    return this.reportCount;
  }

  /** The kernel's fatigue score from its last report (0 before any). */
  fatigueScore(kernelId: string): number {
    return this.get(kernelId).fatigue;
  }

  /** Why the kernel should rest now, or "none". No allocation unless the trend is near the threshold. */
  restTrigger(kernelId: string): RestTrigger {
    return this.trigger(this.get(kernelId), this.clock.now());
  }

  /** The should-rest decision in words, for replies and directives. */
  shouldRest(kernelId: string): ShouldRestResult {
    const k = this.get(kernelId);
    if (isResting(k))
      return { should_rest: false, reason: "Already resting", reason_code: "already_resting" };
    const now = this.clock.now();
    const trigger = this.trigger(k, now);
    return {
      should_rest: trigger !== "none",
      reason: describeTrigger(this.config, k, trigger, now),
      reason_code: trigger,
    };
  }

  /**
   * Asks for a rest. Refusals are results, not errors (the reply is 200 either way);
   * forcing an essential kernel is an InvalidInputError because it would break the
   * never-fully-stop rule.
   */
  requestRest(kernelId: string, options: RestRequestOptions = {}): RestRequestResult {
    const k = this.get(kernelId);
    const force = options.force === true;
    if (force && k.tier === "essential") {
      throw new InvalidInputError(
        "force",
        `${k.kernelName} is essential and never fully stops; it may only reduce`,
      );
    }
    const context = this.checkedContext(options.context);
    if (isResting(k)) return this.refuse(k, "already_resting", "Already resting", force);
    const now = this.clock.now();
    const trigger = this.trigger(k, now);

    if (!force) {
      const pairResting = this.restingAlternatingPartner(k);
      if (pairResting) {
        return this.refuse(
          k,
          "partner_resting",
          `Alternating partner ${pairResting.kernelName} is resting`,
          force,
        );
      }
    }

    const preferredMode = restModeFor(k, true);
    const covered = k.coveringFor === null ? null : this.get(k.coveringFor);
    const plan = planCoverage(this.config, k, modeNeedsCover(preferredMode), covered, this.lookup);
    if (!plan.ok) {
      return this.refuse(
        k,
        "covering_no_handoff",
        `Covering ${plan.covered.kernelName} and no other partner can take over - end that rest first`,
        force,
      );
    }
    const coverers = plan.coverers;
    const mode = restModeFor(k, coverers.length > 0);
    if (modeNeedsCover(mode) && coverers.length === 0 && !force) {
      return this.refuse(k, "no_coverage", "No coverage available - consider constellation cycle", force);
    }

    const maintenance = options.maintenanceSeconds;
    if (maintenance !== undefined && !(maintenance > 0 && Number.isFinite(maintenance)))
      throw new InvalidInputError("maintenanceSeconds", "must be a positive number of seconds");
    const plannedSeconds = maintenance ?? plannedRestSeconds(this.config, k, mode);
    const duty = k.contract?.restPolicy.dutyCycle;
    if (
      !force &&
      maintenance === undefined &&
      trigger === "none" &&
      duty !== undefined &&
      mode !== "reduced"
    ) {
      const projected = projectedDutyCycle(k, now, dutyPeriodSeconds(this.config, k), plannedSeconds);
      if (projected < duty - 1e-9) {
        return this.refuse(
          k,
          "duty_cycle",
          `Not fatigued, and a ${Math.round(plannedSeconds)} s rest would leave ${fixedBeside(projected * 100, duty * 100, 1)} % uptime, below its duty cycle of ${plain(duty * 100)} %`,
          force,
        );
      }
    }

    if (plan.handoffTo && covered) this.handOver(k, covered, plan.handoffTo, now);
    // REDUCED needs nobody: a coverer found for a mode that turned out reduced is not taken.
    const taken = modeNeedsCover(mode) ? coverers : [];
    const [first, second] = taken;
    const code: ApprovalCode = second
      ? "shared_coverage"
      : first
        ? "covered"
        : mode === "reduced"
          ? "reduced"
          : mode === "micro_pause"
            ? "micro_pause"
            : "forced_uncovered";
    const reason =
      first && second
        ? `Rest approved with coverage shared by ${first.kernel.kernelName} (${percent(first.share)}) and ${second.kernel.kernelName} (${percent(second.share)}): no single partner can carry it`
        : first
          ? `Rest approved with coverage by ${first.kernel.kernelName}`
          : code === "reduced"
            ? `${k.tier === "essential" ? "Essential tier" : "Never policy"}: reduced activity approved`
            : "Emergency rest approved (no coverage available)";
    this.startRest(k, mode, taken, force, plannedSeconds, reason, trigger === "none" ? code : trigger, now, {
      cycle: null,
      context,
    });
    return {
      approved: true,
      reason,
      reason_code: code,
      covering_partner: first?.kernel.kernelId ?? null,
      sharing_partner: second?.kernel.kernelId ?? null,
      rest_type: mode,
      planned_until: k.restPlannedUntil,
      events: this.flush(),
    };
  }

  /** Ends a rest now and frees its coverer; throws a ConflictError when not resting. */
  endRest(kernelId: string): TransitionResult<KernelStatus> {
    const k = this.get(kernelId);
    if (!isResting(k)) throw new ConflictError("not_resting", `${k.kernelName} is not resting`);
    this.finishRest(k, "requested");
    return { value: this.status(kernelId), events: this.flush() };
  }

  /**
   * Periodic work: wakes kernels whose planned rest has elapsed, or whose fatigue has
   * recovered below a fraction of their policy threshold (a micro-pause still lasts its
   * minimum). Recovery only counts for a rest that began fatigued above that level, so a
   * rest asked for while fresh runs its planned length.
   */
  tick(): RestEvent[] {
    const now = this.clock.now();
    // Oldest rest first, then by id: the same state always wakes in the same order.
    const due = [...this.restingIds].map((id) => this.kernels.get(id) as KernelRestState);
    due.sort((a, b) => (a.restStartedAt ?? 0) - (b.restStartedAt ?? 0) || (a.kernelId < b.kernelId ? -1 : 1));
    for (const k of due) {
      // A cycle rest ends with its cycle, which the consensus decides, not each kernel's clock.
      if (k.restCycle !== null) continue;
      if (k.restPlannedUntil !== null && now >= k.restPlannedUntil) {
        this.finishRest(k, "planned_length_elapsed");
        continue;
      }
      const wakeBelow = restThreshold(this.config, k) * this.config.wakeFatigueFraction;
      const longEnough =
        k.status !== "micro_pause" ||
        now - (k.restStartedAt ?? now) >= this.config.microPauseMinSeconds * 1000;
      if (k.fatigueAtRest >= wakeBelow && k.fatigue < wakeBelow && longEnough)
        this.finishRest(k, "fatigue_recovered");
    }
    return this.flush();
  }

  /**
   * Starts a constellation cycle: every rest in progress ends (cause "cycle_started"), then
   * every kernel rests in the cycle, essential kernels REDUCED (they never fully stop) and the
   * others RESTING. Nobody covers anybody, since everybody rests: the consensus of Heart and
   * Ocean is the recorded acknowledgement, as force is for a single rest.
   * @param plannedSeconds the cycle's maximum length; cycle rests do not auto-wake before it
   */
  startCycle(
    type: CycleType,
    plannedSeconds: number,
  ): TransitionResult<{ kernel_id: string; rest_mode: "reduced" | "resting" }[]> {
    if (!(plannedSeconds > 0 && Number.isFinite(plannedSeconds)))
      throw new InvalidInputError("plannedSeconds", "must be a positive number of seconds");
    if (this.cycleKernels().length > 0)
      throw new ConflictError("cycle_active", "a constellation cycle is already running");
    const now = this.clock.now();
    const ordered = [...this.kernels.values()].sort((a, b) => (a.kernelId < b.kernelId ? -1 : 1));
    for (const k of ordered) if (isResting(k)) this.finishRest(k, "cycle_started");
    const label = type.toUpperCase();
    const modes = ordered.map((k) => {
      const mode = k.tier === "essential" ? "reduced" : "resting";
      const reason = `${label} cycle: Heart and Ocean agreed; ${mode === "reduced" ? "essential, reduced" : "resting"} until it ends`;
      // A context handed back by the rest the cycle cut short (or not yet read since an
      // earlier one) rides through the cycle and comes back when it ends.
      this.startRest(k, mode, [], false, plannedSeconds, reason, "constellation_cycle", now, {
        cycle: type,
        context: k.returnedContext,
      });
      return { kernel_id: k.kernelId, rest_mode: mode as "reduced" | "resting" };
    });
    return { value: modes, events: this.flush() };
  }

  /** Ends the running cycle: wakes every kernel resting in it (cause "cycle_ended"); returns their ids. */
  endCycle(): TransitionResult<string[]> {
    const ids = this.cycleKernels();
    for (const id of ids) this.finishRest(this.get(id), "cycle_ended");
    return { value: ids, events: this.flush() };
  }

  /** Kernels resting in a constellation cycle, by id. */
  cycleKernels(): string[] {
    const ids: string[] = [];
    for (const id of this.restingIds) if (this.kernels.get(id)?.restCycle) ids.push(id);
    return ids.sort();
  }

  status(kernelId: string): KernelStatus {
    return kernelStatus(this.config, this.get(kernelId), this.clock.now());
  }

  kernelStatuses(): KernelStatus[] {
    const now = this.clock.now();
    return [...this.kernels.values()].map((k) => kernelStatus(this.config, k, now));
  }

  /**
   * What the kernel's directive carries of context transfer: the payload of the kernel it
   * covers, and its own payload handed back after its last rest.
   */
  contextFor(kernelId: string): { covering: unknown; returned: unknown } {
    const k = this.get(kernelId);
    const covered = k.coveringFor === null ? undefined : this.kernels.get(k.coveringFor);
    return { covering: covered?.restContext ?? null, returned: k.returnedContext };
  }

  constellation(): ConstellationStatus {
    return constellationStatus(this.kernels.values());
  }

  partners(kernelId: string): PartnerStatus[] {
    const out: PartnerStatus[] = [];
    for (const name of this.lookup.partnersOf(this.get(kernelId))) {
      const p = this.live(name);
      if (p) {
        out.push({
          kernel_id: p.kernelId,
          kernel_name: p.kernelName,
          status: p.status,
          fatigue_score: p.fatigue,
          can_cover: canCover(this.config, p),
        });
      }
    }
    return out;
  }

  /** Measured uptime fraction over the last duty period, with the target when the policy sets one. */
  dutyCycle(kernelId: string): { target: number | null; measured: number } {
    const k = this.get(kernelId);
    return {
      target: k.contract?.restPolicy.dutyCycle ?? null,
      measured: measuredDutyCycle(k, this.clock.now(), dutyPeriodSeconds(this.config, k)),
    };
  }

  /**
   * Everything needed to rebuild this scheduler after a restart, as plain JSON-able data.
   * Registry contracts are not included: they are looked up again by name on load.
   */
  exportState(): RestSchedulerState {
    return {
      kernels: [...this.kernels.keys()].map((id) => this.savedKernel(id) as SavedKernelState),
      chaosEverSpawned: this.chaosEverSpawned(),
      reportSeq: this.reportCount,
    };
  }

  /** One kernel's saved state (a copy), or undefined when it is not registered. */
  savedKernel(kernelId: string): SavedKernelState | undefined {
    const k = this.kernels.get(kernelId);
    if (!k) return undefined;
    const { contract: _contract, recentRests, ...rest } = k;
    return { ...rest, recentRests: recentRests.map((r) => ({ ...r })) };
  }

  /** Clock ms at which the kernel's current rest is planned to end; null when active. */
  plannedUntil(kernelId: string): number | null {
    return this.get(kernelId).restPlannedUntil;
  }

  /** Chaos kernel names ever spawned here (they keep their slot against max_chaos_kernels). */
  chaosEverSpawned(): string[] {
    return this.roster.everSpawnedChaos();
  }

  /**
   * Replaces this scheduler's kernels with a saved state (kernel states, active rests and
   * coverage). Throws an InvalidInputError naming the kernel if the state contradicts the
   * registry.
   */
  loadState(state: RestSchedulerState): void {
    // Build and check everything aside first: a bad state leaves the current one untouched.
    const roster = new Roster(this.registry);
    roster.rememberSpawned(state.chaosEverSpawned);
    const kernels = new Map<string, KernelRestState>();
    for (const saved of state.kernels) {
      const resolved = roster.resolve(saved.kernelName);
      if (kernels.has(saved.kernelId))
        throw new ConflictError("invalid_state", `saved state lists ${saved.kernelId} twice`);
      roster.assertCanJoin(saved.kernelId, resolved);
      roster.join(saved.kernelId, resolved);
      const k: KernelRestState = {
        // A state saved before a field existed takes that field's initial value.
        ...FIELDS_ADDED_LATER,
        ...saved,
        contract: resolved.contract,
        recentRests: saved.recentRests.map((r) => ({ ...r })),
      };
      kernels.set(k.kernelId, k);
    }
    const broken = invariantViolations(kernels.values());
    if (broken.length > 0)
      throw new ConflictError("invalid_state", `saved rest state breaks invariants: ${broken.join("; ")}`);
    // The reports stored after each kernel's saved state, folded in again in their order. A
    // report never changes a kernel's status or coverage, so the invariants still hold.
    let reportCount = state.reportSeq ?? 0;
    for (const k of kernels.values()) reportCount = Math.max(reportCount, k.reportSeq);
    const reports = [...(state.reports ?? [])].sort((a, b) => a.seq - b.seq);
    for (const r of reports) {
      reportCount = Math.max(reportCount, r.seq);
      const k = kernels.get(r.kernel_id);
      if (k && r.seq > k.reportSeq)
        this.fold(k, r.seq, r.at, r.phi, r.kappa, r.load, r.error_rate, r.fatigue);
    }
    this.reportCount = reportCount;
    this.roster = roster;
    this.kernels.clear();
    this.restingIds.clear();
    this.partnerCache = new WeakMap();
    for (const k of kernels.values()) {
      this.kernels.set(k.kernelId, k);
      if (isResting(k)) this.restingIds.add(k.kernelId);
    }
  }

  has(kernelId: string): boolean {
    return this.kernels.has(kernelId);
  }

  /** Read-only view of every kernel's state, for invariant checks and persistence. */
  states(): Iterable<Readonly<KernelRestState>> {
    return this.kernels.values();
  }

  get size(): number {
    return this.kernels.size;
  }

  private get(kernelId: string): KernelRestState {
    const k = this.kernels.get(kernelId);
    if (!k) throw new UnknownKernelError(kernelId);
    return k;
  }

  private restingAlternatingPartner(k: KernelRestState): KernelRestState | undefined {
    let names = this.pairCache.get(k.kernelName);
    if (!names) {
      names = alternatingPairNames(k.kernelName, this.registry.gods.values());
      this.pairCache.set(k.kernelName, names);
    }
    for (const name of names) {
      const p = this.live(name);
      if (p?.status === "resting") return p;
    }
    return undefined;
  }

  private refuse(k: KernelRestState, code: RefusalCode, reason: string, forced: boolean): RestRequestResult {
    this.emit({
      type: "rest_refused",
      at: this.clock.now(),
      kernel_id: k.kernelId,
      kernel_name: k.kernelName,
      reason,
      reason_code: code,
      forced,
    });
    return {
      approved: false,
      reason,
      reason_code: code,
      covering_partner: null,
      sharing_partner: null,
      rest_type: null,
      planned_until: null,
      events: this.flush(),
    };
  }

  /** A retiring coverer's coverage: handed over when a partner can take it, else the covered rest ends. */
  private passOnCoverage(from: KernelRestState, covered: KernelRestState): RetirementHandoff {
    // A plan with no cover needed for `from` itself: only the handoff is asked for.
    const plan = planCoverage(this.config, from, false, covered, this.lookup);
    if (plan.ok && plan.handoffTo) {
      this.handOver(from, covered, plan.handoffTo, this.clock.now());
      return { covered: covered.kernelId, handed_to: plan.handoffTo.kernelId, outcome: "handed_off" };
    }
    this.finishRest(covered, "coverer_retired");
    return { covered: covered.kernelId, handed_to: null, outcome: "rest_ended" };
  }

  private handOver(from: KernelRestState, covered: KernelRestState, to: KernelRestState, now: number): void {
    from.coveringFor = null;
    this.emit({
      type: "coverage_ended",
      at: now,
      kernel_id: from.kernelId,
      covering_for: covered.kernelId,
      cause: "handoff",
    });
    to.coveringFor = covered.kernelId;
    to.coverShare = from.coverShare;
    from.coverShare = 0;
    if (covered.coveredBy === from.kernelId) covered.coveredBy = to.kernelId;
    else covered.coveredAlsoBy = to.kernelId;
    this.emit({
      type: "coverage_started",
      at: now,
      kernel_id: to.kernelId,
      covering_for: covered.kernelId,
      coverer_fatigue: to.fatigue,
      handoff_from: from.kernelId,
      share: to.coverShare,
      context: covered.restContext,
    });
  }

  private startRest(
    k: KernelRestState,
    mode: RestMode,
    coverers: readonly CoverAssignment[],
    forced: boolean,
    plannedSeconds: number,
    reason: string,
    reasonCode: string,
    now: number,
    extra: { cycle: CycleType | null; context: unknown },
  ): void {
    k.status = mode;
    k.statusSince = now;
    k.restStartedAt = now;
    k.restPlannedUntil = now + plannedSeconds * 1000;
    k.restForced = forced;
    k.restReasonCode = reasonCode;
    k.restCycle = extra.cycle;
    k.restContext = extra.context;
    k.returnedContext = null;
    k.fatigueAtRest = k.fatigue;
    k.phiAtRest = k.phi;
    k.kappaAtRest = k.kappa;
    k.carriedLoad = coverers.length > 0 ? carriedLoad(this.config, k) : 0;
    this.restingIds.add(k.kernelId);
    k.coveredBy = coverers.length > 0 ? (coverers[0] as CoverAssignment).kernel.kernelId : null;
    k.coveredAlsoBy = coverers.length > 1 ? (coverers[1] as CoverAssignment).kernel.kernelId : null;
    for (let i = 0; i < coverers.length; i++) {
      const { kernel: coverer, share } = coverers[i] as CoverAssignment;
      coverer.coveringFor = k.kernelId;
      coverer.coverShare = share;
      this.emit({
        type: "coverage_started",
        at: now,
        kernel_id: coverer.kernelId,
        covering_for: k.kernelId,
        coverer_fatigue: coverer.fatigue,
        handoff_from: null,
        share,
        context: extra.context,
      });
    }
    this.emit({
      type: "rest_started",
      at: now,
      kernel_id: k.kernelId,
      kernel_name: k.kernelName,
      rest_type: mode,
      covered_by: k.coveredBy,
      covered_also_by: k.coveredAlsoBy,
      forced,
      cycle: extra.cycle,
      reason,
      reason_code: reasonCode,
      planned_until: k.restPlannedUntil,
      fatigue: k.fatigue,
      phi: k.phi,
      kappa: k.kappa,
      threshold: restThreshold(this.config, k),
      has_context: extra.context !== null,
    });
  }

  private finishRest(k: KernelRestState, cause: WakeCause): void {
    const now = this.clock.now();
    const startedAt = k.restStartedAt ?? now;
    const mode = k.status as RestMode;
    const coveredBy = k.coveredBy;
    const coveredAlsoBy = k.coveredAlsoBy;
    const coverageCause = cause === "cycle_started" ? "cycle_started" : "rest_ended";
    if (coveredBy !== null) this.releaseCoverer(coveredBy, k, coverageCause, now);
    if (coveredAlsoBy !== null) this.releaseCoverer(coveredAlsoBy, k, coverageCause, now);
    k.coveredBy = null;
    k.coveredAlsoBy = null;
    k.carriedLoad = 0;
    const seconds = (now - startedAt) / 1000;
    k.totalRestSeconds += seconds;
    k.restCount++;
    if (mode !== "reduced") recordRest(k, startedAt, now);
    pruneRecentRests(
      k,
      now - 1000 * Math.max(this.config.dutyCyclePeriodSeconds, this.config.seasonLengthSeconds),
    );
    k.status = "active";
    k.statusSince = now;
    k.lastRestEndedAt = now;
    k.restStartedAt = null;
    k.restPlannedUntil = null;
    this.restingIds.delete(k.kernelId);
    const recovery = restRecovery(k.fatigueAtRest, k.fatigue, seconds);
    const contextReturned = k.restContext !== null;
    k.returnedContext = k.restContext;
    k.restContext = null;
    this.emit({
      type: "rest_ended",
      at: now,
      kernel_id: k.kernelId,
      kernel_name: k.kernelName,
      rest_type: mode,
      cause,
      duration_seconds: seconds,
      covered_by: coveredBy,
      covered_also_by: coveredAlsoBy,
      forced: k.restForced,
      cycle: k.restCycle,
      fatigue_at_rest: k.fatigueAtRest,
      phi_at_rest: k.phiAtRest,
      kappa_at_rest: k.kappaAtRest,
      fatigue_after: k.fatigue,
      phi_after: k.phi,
      kappa_after: k.kappa,
      recovery_per_minute: recovery.perMinute,
      recovery_fraction: recovery.fraction,
      context_returned: contextReturned,
    });
    if (rateable(k, cause, startedAt)) this.adaptThreshold(k, recovery.fraction, now);
    k.restForced = false;
    k.restReasonCode = null;
    k.restCycle = null;
    // A new trend starts on waking: the slope across a rest is recovery, not wear.
    k.fatigueSlopePerSecond = 0;
    k.reportsSinceRest = 0;
  }

  private releaseCoverer(
    id: string,
    covered: KernelRestState,
    cause: "rest_ended" | "cycle_started",
    now: number,
  ): void {
    const coverer = this.kernels.get(id);
    if (coverer) {
      coverer.coveringFor = null;
      coverer.coverShare = 0;
    }
    this.emit({ type: "coverage_ended", at: now, kernel_id: id, covering_for: covered.kernelId, cause });
  }

  private adaptThreshold(k: KernelRestState, fraction: number, now: number): void {
    const next = adaptedShift(this.config, k, fraction);
    if (next === null) return;
    const from = k.thresholdShift;
    k.thresholdShift = next;
    this.emit({
      type: "threshold_adapted",
      at: now,
      kernel_id: k.kernelId,
      kernel_name: k.kernelName,
      from_shift: from,
      to_shift: next,
      threshold: restThreshold(this.config, k),
      recovery_fraction: fraction,
      reason: adaptationReason(this.config, fraction, from, next),
    });
  }

  /**
   * The policy's trigger, else predictive rest: the trend reaches the threshold within the
   * horizon and a partner could cover now (predicting a rest nobody can cover would only
   * turn into a refusal).
   */
  private trigger(k: KernelRestState, now: number): RestTrigger {
    const trigger = evaluateRestTrigger(this.config, k, now);
    if (trigger !== "none" || !trendCallsForRest(this.config, k)) return trigger;
    if (k.coveringFor !== null) return "none";
    const options = coverageOptions(this.config, k, this.lookup, [], true);
    return options.length > 0 ? "predicted" : "none";
  }

  /** A rest's context as stored: a plain JSON copy, within the size limit. */
  private checkedContext(context: unknown): unknown {
    if (context === undefined || context === null) return null;
    let json: string | undefined;
    try {
      json = JSON.stringify(context);
    } catch {
      throw new InvalidInputError("context", "must be JSON-serialisable");
    }
    if (json === undefined) throw new InvalidInputError("context", "must be a JSON value");
    const bytes = new TextEncoder().encode(json).byteLength;
    if (bytes > this.config.contextMaxBytes)
      throw new InvalidInputError(
        "context",
        `is ${bytes} bytes serialised; at most ${this.config.contextMaxBytes} are accepted`,
      );
    return JSON.parse(json);
  }

  private emit(event: RestEvent): void {
    this.pending.push(event);
  }

  /** Hands this operation's events to listeners and to the caller. */
  private flush(): RestEvent[] {
    const events = this.pending;
    this.pending = [];
    // The transition is done: a failing listener must neither undo it nor starve the others.
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (err) {
          this.onListenerError(err, event);
        }
      }
    }
    return events;
  }
}

/** Kernel-state fields added after the first release, with the values a new kernel starts with. */
const FIELDS_ADDED_LATER = {
  coveredAlsoBy: null,
  coverShare: 0,
  carriedLoad: 0,
  restCycle: null,
  restContext: null,
  returnedContext: null,
  thresholdShift: 0,
  fatigueSlopePerSecond: 0,
  reportsSinceRest: 0,
  // Saved when every report rewrote its kernel's row: nothing stored after it to fold in.
  reportSeq: 0,
} satisfies Partial<KernelRestState>;

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}
