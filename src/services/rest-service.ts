/**
 * The rest scheduler as a service: the pure core, persisted through the store, with
 * events published only after they are committed.
 *
 * Writes are serialised: each runs the core transition, then commits every kernel it
 * touched and its events in one transaction, and only then resolves (the HTTP reply is
 * the acknowledgement). If the commit fails, the in-memory state is reloaded from the
 * store, so memory never runs ahead of what survives a crash. Reads are not serialised:
 * they may see a transition whose commit is still in flight.
 *
 * Constellation cycles go through here too (`startCycle`, `endCycle`, `appendCycleRecords`):
 * a cycle's row in constellation_cycles commits in the same transaction as the rests it
 * starts or ends, so a crash never leaves a cycle recorded without its rests or the reverse.
 * The CycleService decides; this service only applies and persists.
 *
 * @example
 * const rest = await RestService.open({ registry, config, store, clock, logger });
 * await rest.register("apollo_1", "Apollo");
 * await rest.reportFatigue("apollo_1", { phi: 0.4, kappa: 60 });
 */
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import type { CycleType } from "../core/cycles/cycle-types.js";
import { StoreUnavailableError } from "../core/errors.js";
import type { DirectiveAction } from "../core/healing/remediation-action.js";
import type { Registry } from "../core/registry/registry.js";
import { type Directive, restDirective } from "../core/rest/directive.js";
import { type KernelRetiredEvent, kernelsNamedBy, type RestEvent } from "../core/rest/events.js";
import type { RetireOptions } from "../core/rest/retirement.js";
import {
  type RestRequestResult,
  RestScheduler,
  type RestSchedulerState,
  type ShouldRestResult,
} from "../core/rest/scheduler.js";
import type { ConstellationStatus, KernelStatus, PartnerStatus } from "../core/rest/status.js";
import type {
  FatigueReportRow,
  FatigueSnapshot,
  HistoryQuery,
  KernelRetirementRow,
  NewCycleRecord,
  RestChange,
  RestQualityRow,
  RestStore,
} from "../store/store-types.js";
import { EventBus } from "./event-bus.js";
import { WriteQueue, type WriteStats } from "./write-queue.js";

export interface RestServiceOptions {
  registry: Registry;
  config: AutonomicConfig;
  store: RestStore;
  clock: Clock;
  logger: Logger;
  /**
   * The kernel's pending remediation actions, for its directives (ActionService.pendingFor);
   * none when not given. Every directive, from any route, is built here, so all carry them.
   */
  pendingActions?: (kernelId: string) => DirectiveAction[];
}

export interface FatigueSample {
  phi: number;
  kappa: number;
  load?: number;
  error_rate?: number;
}

export interface FatigueReply extends ShouldRestResult {
  fatigue_score: number;
  directive: Directive;
}

export interface RestRequestOptions {
  /** A maintenance drain (a recycle) of this many seconds; not refused for the duty cycle. */
  maintenanceSeconds?: number;
  /** JSON handed to the coverer (at most rest.contextMaxBytes), and back to the kernel on waking. */
  context?: unknown;
}

/** One constellation_cycles row or several, committed together. */
export type CycleRecords = NewCycleRecord | readonly NewCycleRecord[];
/** How the open cycle row is closed: its end time and its whole detail (start and end). */
export type CycleClose = NonNullable<RestChange["closeCycle"]>;

/** How a kernel rests during a constellation cycle. */
export interface CycleRest {
  kernel_id: string;
  rest_mode: "reduced" | "resting";
}

interface Transition<T> {
  value: T;
  events: RestEvent[];
  /** Kernels changed without an event, saved with the change (rows whose checkpoint is due). */
  touched?: string[];
  /** The kernel a fatigue report changed: its row is saved only when its checkpoint is due. */
  reported?: string;
  /** Commit after every group in flight, alone (the rows the retention sweep needs first). */
  alone?: boolean;
  fatigue?: FatigueReportRow;
  cycleRecords?: NewCycleRecord[];
  closeCycle?: RestChange["closeCycle"];
}

/**
 * The kernels a transition writes, when it writes nothing else (a fatigue report): groups of
 * such transitions on different kernels may commit side by side. A transition with events or
 * cycle records (rest, coverage, roster) returns null and commits alone, in its turn.
 */
function transitionKeys(t: Transition<unknown>): readonly string[] | null {
  if (t.events.length > 0 || (t.cycleRecords?.length ?? 0) > 0 || t.closeCycle || t.alone) return null;
  if (t.reported === undefined) return t.touched ?? [];
  return t.touched ? [...t.touched, t.reported] : [t.reported];
}

/** Per kernel: reports folded into it since its row was last written (or queued), and when that was. */
interface Checkpoint {
  unsaved: number;
  savedAt: number;
}

export class RestService {
  readonly scheduler: RestScheduler;
  readonly events = new EventBus<RestEvent>();
  /**
   * Every fatigue report after it commits, for readers that need a kernel's fatigue over
   * time (the consensus window): the scheduler itself keeps only the latest score.
   */
  readonly fatigueReports = new EventBus<FatigueSnapshot>();
  private readonly queue: WriteQueue<Transition<unknown>>;
  private readonly store: RestStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly pendingActions: (kernelId: string) => DirectiveAction[];
  /**
   * A kernel's row is a checkpoint (DESIGN.md "The write path", migration 011): a report
   * rewrites it only every `kernelCheckpointReports` reports or `kernelCheckpointSeconds`,
   * and a restore folds the reports stored since into it again. Rewriting the row (its state
   * as JSON, about 0.8 KB) with every report was most of what a report group cost the database.
   */
  private readonly checkpoints = new Map<string, Checkpoint>();
  private readonly checkpointReports: number;
  private readonly checkpointMs: number;

  private constructor(options: RestServiceOptions) {
    this.store = options.store;
    this.checkpointReports = options.config.writes.kernelCheckpointReports;
    this.checkpointMs = options.config.writes.kernelCheckpointSeconds * 1000;
    this.clock = options.clock;
    this.logger = options.logger;
    this.pendingActions = options.pendingActions ?? (() => []);
    this.scheduler = new RestScheduler({
      registry: options.registry,
      config: options.config.rest,
      clock: options.clock,
    });
    this.queue = new WriteQueue<Transition<unknown>>({
      maxGroup: options.config.writes.maxGroupWrites,
      maxInFlight: options.store.backend === "postgres" ? options.config.writes.maxGroupsInFlight : 1,
      keysOf: transitionKeys,
      commit: (group) => this.store.commit(this.groupChange(group)),
      recover: async (err) => {
        this.logger.error({ err }, "commit failed; reloading rest state from the store");
        await this.reload();
        return new StoreUnavailableError(err);
      },
      committed: (group) => {
        for (const t of group) {
          for (const event of t.events) {
            this.logger.info({ ...event, at: new Date(event.at).toISOString() }, event.type);
            this.events.publish(event);
          }
          if (t.fatigue) this.fatigueReports.publish(t.fatigue);
        }
      },
    });
  }

  /** Opens the service on a migrated store and restores kernel states, rests and coverage. */
  static async open(options: RestServiceOptions): Promise<RestService> {
    const service = new RestService(options);
    service.restore(await options.store.loadRestState());
    const status = service.scheduler.constellation();
    options.logger.info(
      { kernels: status.total_kernels, resting: status.resting_kernels, covering: status.covering_kernels },
      "rest state restored",
    );
    return service;
  }

  register(
    kernelId: string,
    kernelName: string,
    mentor?: string | null,
  ): Promise<{ kernel: KernelStatus; created: boolean }> {
    return this.transition(() => {
      const { value, events } = this.scheduler.register(kernelId, kernelName, mentor);
      return { value: { kernel: value, created: events.length > 0 }, events };
    });
  }

  deregister(kernelId: string): Promise<null> {
    return this.transition(() => this.scheduler.deregister(kernelId));
  }

  /**
   * Retires a kernel (SPEC §6): its wake, the handoff (or end) of what it covered, the removal
   * of its row and the record of its retirement commit in ONE transaction, so a failed commit
   * leaves memory and store as they were. Its history stays; its id may register afresh.
   */
  retire(kernelId: string, options: RetireOptions = {}): Promise<KernelRetiredEvent> {
    return this.transition(() => this.scheduler.retire(kernelId, options));
  }

  /** Stored retirements, newest first. */
  retirements(query: HistoryQuery = {}): Promise<KernelRetirementRow[]> {
    return this.store.kernelRetirements(query);
  }

  reportFatigue(kernelId: string, sample: FatigueSample): Promise<FatigueReply> {
    return this.transition(() => {
      const load = sample.load ?? 0;
      const errorRate = sample.error_rate ?? 0;
      const { seq, at, fatigue } = this.scheduler.reportFatigue(
        kernelId,
        sample.phi,
        sample.kappa,
        load,
        errorRate,
      );
      return {
        value: {
          fatigue_score: fatigue,
          ...this.scheduler.shouldRest(kernelId),
          directive: this.directive(kernelId),
        },
        events: [],
        reported: kernelId,
        fatigue: {
          kernel_id: kernelId,
          at,
          phi: sample.phi,
          kappa: sample.kappa,
          load,
          error_rate: errorRate,
          fatigue,
          seq,
        },
      };
    });
  }

  requestRest(kernelId: string, force = false, options: RestRequestOptions = {}): Promise<RestRequestResult> {
    return this.transition(() => {
      const result = this.scheduler.requestRest(kernelId, { force, ...options });
      return { value: result, events: result.events };
    });
  }

  endRest(kernelId: string): Promise<KernelStatus> {
    return this.transition(() => this.scheduler.endRest(kernelId));
  }

  /**
   * Starts a constellation cycle: every current rest ends, essential kernels go REDUCED and
   * the others RESTING, and the cycle's rows (its "cycle" row, with the decision that started
   * it) commit with those rests. `records` may be a function of the kernels put to rest, so
   * the stored row can say who rests and how. ConflictError("cycle_active") when kernels
   * already rest in a cycle; then nothing is written.
   */
  startCycle(
    type: CycleType,
    plannedSeconds: number,
    records: CycleRecords | ((kernels: CycleRest[]) => CycleRecords),
  ): Promise<CycleRest[]> {
    return this.transition(() => {
      const { value, events } = this.scheduler.startCycle(type, plannedSeconds);
      const rows = typeof records === "function" ? records(value) : records;
      return { value, events, cycleRecords: Array.isArray(rows) ? [...rows] : [rows as NewCycleRecord] };
    });
  }

  /**
   * Ends the running cycle: wakes every kernel still resting in it and closes the open cycle
   * row, in one transaction. `close` may be a function of the kernels woken (none when each
   * had already woken on its own; the row closes all the same). Returns the kernels woken.
   */
  endCycle(close: CycleClose | ((woken: string[]) => CycleClose)): Promise<string[]> {
    return this.transition(() => {
      const { value, events } = this.scheduler.endCycle();
      return { value, events, closeCycle: typeof close === "function" ? close(value) : close };
    });
  }

  /** Kernels resting in a constellation cycle now. */
  cycleKernels(): string[] {
    return this.scheduler.cycleKernels();
  }

  /** Appends constellation_cycles rows (decisions, cast votes) in their own transaction. */
  appendCycleRecords(records: readonly NewCycleRecord[]): Promise<void> {
    return this.transition(() => ({ value: undefined, events: [], cycleRecords: [...records] }));
  }

  /** Rest quality over finished rests: per kernel, then overall (the store computes it). */
  restQuality(query: { kernelId?: string; sinceMs?: number } = {}): Promise<RestQualityRow[]> {
    return this.store.restQuality(query);
  }

  /**
   * Periodic work: auto-wake, and the rows of kernels whose reports since their checkpoint
   * are `kernelCheckpointSeconds` old (a kernel that stopped reporting).
   */
  tick(): Promise<RestEvent[]> {
    return this.transition(() => {
      const events = this.scheduler.tick();
      const now = this.clock.now();
      const stale = this.unsavedKernels((c) => now - c.savedAt >= this.checkpointMs);
      return { value: events, events, ...(stale.length > 0 ? { touched: stale } : {}) };
    });
  }

  /**
   * Deletes fatigue snapshots older than the retention; returns how many. Every kernel's row
   * is brought up to date first, in its own commit, so no report goes before its kernel's
   * row holds it: the cutoff is taken before that commit, and later reports are newer. That
   * commit waits for every group in flight: a checkpoint still in flight (whose kernel counts
   * as saved) has landed, or failed and been reloaded, before anything is deleted.
   */
  async pruneFatigueSnapshots(retentionSeconds: number): Promise<number> {
    const olderThanMs = this.clock.now() - retentionSeconds * 1000;
    await this.transition(() => {
      const unsaved = this.unsavedKernels(() => true);
      return {
        value: undefined,
        events: [],
        alone: true,
        ...(unsaved.length > 0 ? { touched: unsaved } : {}),
      };
    });
    return this.store.pruneFatigueSnapshots(olderThanMs);
  }

  /**
   * The directive for a kernel's reply: its rest and its pending actions. Any kernel may
   * report health without a rest registration (SPEC §6); it still gets a directive, whose
   * rest part says so, and its actions.
   */
  directive(kernelId: string): Directive {
    const actions = this.pendingActions(kernelId);
    if (!this.scheduler.has(kernelId)) {
      return {
        rest: {
          status: "unregistered",
          should_rest: false,
          reason: "not registered with the rest scheduler",
        },
        actions,
      };
    }
    return { rest: restDirective(this.scheduler, kernelId), actions };
  }

  status(kernelId: string): KernelStatus {
    return this.scheduler.status(kernelId);
  }

  /** Whether the kernel is registered now (a retired one is not, until it registers again). */
  isRegistered(kernelId: string): boolean {
    return this.scheduler.has(kernelId);
  }

  kernels(): KernelStatus[] {
    return this.scheduler.kernelStatuses();
  }

  constellation(): ConstellationStatus {
    return this.scheduler.constellation();
  }

  partners(kernelId: string): PartnerStatus[] {
    return this.scheduler.partners(kernelId);
  }

  /** Waits until every write queued so far has been committed and answered. */
  async drain(): Promise<void> {
    await this.queue.idle();
  }

  /** Writes committed in groups since start (group commit's effect, for tests and benches). */
  writeStats(): WriteStats {
    return this.queue.stats();
  }

  /**
   * Queues a transition for the next group commit. `op` runs in arrival order against the
   * scheduler; the core validates before it changes anything, so an error thrown by `op`
   * has changed nothing and fails only its own request.
   */
  private transition<T>(op: () => Transition<T>): Promise<T> {
    return this.queue.submit(() => {
      const t = op();
      const cycleChange = (t.cycleRecords?.length ?? 0) > 0 || t.closeCycle !== undefined;
      const stored =
        t.events.length > 0 || (t.touched?.length ?? 0) > 0 || t.fatigue !== undefined || cycleChange;
      // A cycle's rows close and open in a fixed order within a commit: one cycle change a group, last.
      return { value: t.value, change: stored ? (t as Transition<unknown>) : null, last: cycleChange };
    });
  }

  /** One change for a whole group: every kernel any member touched, saved as it stands after them all. */
  private groupChange(group: Transition<unknown>[]): RestChange {
    const events: RestEvent[] = [];
    const touched: string[] = [];
    const fatigue: FatigueReportRow[] = [];
    const cycleRecords: NewCycleRecord[] = [];
    let closeCycle: RestChange["closeCycle"];
    const now = this.clock.now();
    for (const t of group) {
      events.push(...t.events);
      if (t.touched) touched.push(...t.touched);
      if (t.reported !== undefined && this.checkpointDue(t.reported, now)) touched.push(t.reported);
      if (t.fatigue) fatigue.push(t.fatigue);
      if (t.cycleRecords) cycleRecords.push(...t.cycleRecords);
      if (t.closeCycle) closeCycle = t.closeCycle;
    }
    const change = this.changeFor(events, touched, fatigue);
    if (cycleRecords.length > 0) change.cycleRecords = cycleRecords;
    if (closeCycle) change.closeCycle = closeCycle;
    return change;
  }

  /**
   * The change to commit: the saved state of every kernel an event names, in any role (the
   * kernel itself, whom it covers, its one or two coverers, the coverer it took over from),
   * so a transition never commits one side of a coverage without the other.
   */
  private changeFor(events: RestEvent[], touched: string[], fatigue: FatigueReportRow[]): RestChange {
    const ids = new Set(touched);
    let rosterChanged = false;
    for (const e of events) {
      for (const id of kernelsNamedBy(e)) ids.add(id);
      if (e.type === "kernel_registered" || e.type === "kernel_deregistered" || e.type === "kernel_retired")
        rosterChanged = true;
    }
    const change: RestChange = { kernels: [], removedKernelIds: [], events };
    if (fatigue.length > 0) change.fatigue = fatigue;
    const now = this.clock.now();
    for (const id of ids) {
      const saved = this.scheduler.savedKernel(id);
      if (saved) {
        change.kernels.push(saved);
        this.checkpoints.set(id, { unsaved: 0, savedAt: now });
      } else {
        change.removedKernelIds.push(id);
        this.checkpoints.delete(id);
      }
    }
    if (rosterChanged) {
      change.chaosEverSpawned = this.scheduler.chaosEverSpawned();
      // Above the reports of any kernel removed here, whose ids may register again.
      change.reportSeq = this.scheduler.reportSeq();
    }
    return change;
  }

  /**
   * Counts a report of `kernelId` going to the store; true when its row should go with it:
   * `kernelCheckpointReports` reports unsaved, or the row `kernelCheckpointSeconds` old. A
   * kernel with no checkpoint known is saved at once.
   */
  private checkpointDue(kernelId: string, now: number): boolean {
    const c = this.checkpoints.get(kernelId);
    if (!c) return true;
    c.unsaved++;
    return c.unsaved >= this.checkpointReports || now - c.savedAt >= this.checkpointMs;
  }

  /** Kernels whose state holds reports their row does not, among those `which` picks. */
  private unsavedKernels(which: (c: Checkpoint) => boolean): string[] {
    const ids: string[] = [];
    for (const [id, c] of this.checkpoints)
      if (c.unsaved > 0 && which(c) && this.scheduler.has(id)) ids.push(id);
    return ids;
  }

  /** Loads a stored state (reports since each kernel's row folded in) and what each row lacks. */
  private restore(state: RestSchedulerState): void {
    this.scheduler.loadState(state);
    this.checkpoints.clear();
    const now = this.clock.now();
    for (const k of state.kernels) this.checkpoints.set(k.kernelId, { unsaved: 0, savedAt: now });
    for (const r of state.reports ?? []) {
      const c = this.checkpoints.get(r.kernel_id);
      if (c) c.unsaved++;
    }
  }

  private async reload(): Promise<void> {
    try {
      this.restore(await this.store.loadRestState());
    } catch (err) {
      this.logger.error({ err }, "reload failed too: in-memory state may hold an uncommitted change");
    }
  }
}
