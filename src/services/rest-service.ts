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
 * @example
 * const rest = await RestService.open({ registry, config, store, clock, logger });
 * await rest.register("apollo_1", "Apollo");
 * await rest.reportFatigue("apollo_1", { phi: 0.4, kappa: 60 });
 */
import { Mutex } from "async-mutex";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import { StoreUnavailableError } from "../core/errors.js";
import type { DirectiveAction } from "../core/healing/remediation-action.js";
import type { Registry } from "../core/registry/registry.js";
import { type Directive, restDirective } from "../core/rest/directive.js";
import type { RestEvent } from "../core/rest/events.js";
import { type RestRequestResult, RestScheduler, type ShouldRestResult } from "../core/rest/scheduler.js";
import type { ConstellationStatus, KernelStatus, PartnerStatus } from "../core/rest/status.js";
import type { FatigueSnapshot, RestChange, RestStore } from "../store/store-types.js";
import { EventBus } from "./event-bus.js";

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

interface Transition<T> {
  value: T;
  events: RestEvent[];
  /** Kernels changed without an event (a fatigue report). */
  touched?: string[];
  fatigue?: FatigueSnapshot;
}

export class RestService {
  readonly scheduler: RestScheduler;
  readonly events = new EventBus<RestEvent>();
  private readonly mutex = new Mutex();
  private readonly store: RestStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly pendingActions: (kernelId: string) => DirectiveAction[];

  private constructor(options: RestServiceOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.logger = options.logger;
    this.pendingActions = options.pendingActions ?? (() => []);
    this.scheduler = new RestScheduler({
      registry: options.registry,
      config: options.config.rest,
      clock: options.clock,
    });
  }

  /** Opens the service on a migrated store and restores kernel states, rests and coverage. */
  static async open(options: RestServiceOptions): Promise<RestService> {
    const service = new RestService(options);
    service.scheduler.loadState(await options.store.loadRestState());
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

  reportFatigue(kernelId: string, sample: FatigueSample): Promise<FatigueReply> {
    return this.transition(() => {
      const load = sample.load ?? 0;
      const errorRate = sample.error_rate ?? 0;
      this.scheduler.reportFatigue(kernelId, sample.phi, sample.kappa, load, errorRate);
      const fatigue = this.scheduler.fatigueScore(kernelId);
      return {
        value: {
          fatigue_score: fatigue,
          ...this.scheduler.shouldRest(kernelId),
          directive: this.directive(kernelId),
        },
        events: [],
        touched: [kernelId],
        fatigue: {
          kernel_id: kernelId,
          at: this.clock.now(),
          phi: sample.phi,
          kappa: sample.kappa,
          load,
          error_rate: errorRate,
          fatigue,
        },
      };
    });
  }

  requestRest(
    kernelId: string,
    force = false,
    options: { maintenanceSeconds?: number } = {},
  ): Promise<RestRequestResult> {
    return this.transition(() => {
      const result = this.scheduler.requestRest(kernelId, { force, ...options });
      return { value: result, events: result.events };
    });
  }

  endRest(kernelId: string): Promise<KernelStatus> {
    return this.transition(() => this.scheduler.endRest(kernelId));
  }

  /** Periodic work: auto-wake. */
  tick(): Promise<RestEvent[]> {
    return this.transition(() => {
      const events = this.scheduler.tick();
      return { value: events, events };
    });
  }

  /** Deletes fatigue snapshots older than the retention; returns how many. */
  pruneFatigueSnapshots(retentionSeconds: number): Promise<number> {
    return this.store.pruneFatigueSnapshots(this.clock.now() - retentionSeconds * 1000);
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

  kernels(): KernelStatus[] {
    return this.scheduler.kernelStatuses();
  }

  constellation(): ConstellationStatus {
    return this.scheduler.constellation();
  }

  partners(kernelId: string): PartnerStatus[] {
    return this.scheduler.partners(kernelId);
  }

  /** Waits for the write in progress, if any; new writes after this wait their turn. */
  async drain(): Promise<void> {
    await this.mutex.waitForUnlock();
  }

  private transition<T>(op: () => Transition<T>): Promise<T> {
    return this.mutex.runExclusive(async () => {
      // The core validates before it changes anything, so an error thrown here has changed nothing.
      const { value, events, touched = [], fatigue } = op();
      if (events.length === 0 && touched.length === 0 && !fatigue) return value;
      const change = this.changeFor(events, touched, fatigue);
      try {
        await this.store.commit(change);
      } catch (err) {
        this.logger.error({ err }, "commit failed; reloading rest state from the store");
        await this.reload();
        throw new StoreUnavailableError(err);
      }
      for (const event of events) {
        this.logger.info({ ...event, at: new Date(event.at).toISOString() }, event.type);
        this.events.publish(event);
      }
      return value;
    });
  }

  private changeFor(events: RestEvent[], touched: string[], fatigue?: FatigueSnapshot): RestChange {
    const ids = new Set(touched);
    let rosterChanged = false;
    for (const e of events) {
      ids.add(e.kernel_id);
      if ("covering_for" in e) ids.add(e.covering_for);
      if ("covered_by" in e && e.covered_by) ids.add(e.covered_by);
      if ("handoff_from" in e && e.handoff_from) ids.add(e.handoff_from);
      if (e.type === "kernel_registered" || e.type === "kernel_deregistered") rosterChanged = true;
    }
    const change: RestChange = { kernels: [], removedKernelIds: [], events, fatigue };
    for (const id of ids) {
      const saved = this.scheduler.savedKernel(id);
      if (saved) change.kernels.push(saved);
      else change.removedKernelIds.push(id);
    }
    if (rosterChanged) change.chaosEverSpawned = this.scheduler.chaosEverSpawned();
    return change;
  }

  private async reload(): Promise<void> {
    try {
      this.scheduler.loadState(await this.store.loadRestState());
    } catch (err) {
      this.logger.error({ err }, "reload failed too: in-memory state may hold an uncommitted change");
    }
  }
}
