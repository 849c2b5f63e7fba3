/**
 * Remediation actions as a service: dispatched to a kernel, carried in every directive to it
 * until it answers or the action times out, and persisted at each step. Writes are
 * serialised; each commits first and only then changes memory, publishes its event and wakes
 * whoever awaits the outcome, so a failed commit leaves memory as the store has it.
 *
 * @example
 * const actions = await ActionService.open({ store, clock, logger, config });
 * const action = await actions.dispatch({ kernel_id: "apollo_1", type: "decoherence", params: { noise: 0.1 }, dry_run: true });
 * actions.pendingFor("apollo_1"); // [{ action_id, patch_id: null, type: "decoherence", params, dry_run: true }]
 * const outcome = await actions.waitForOutcome(action.action_id); // succeeded, failed or timed_out
 */
import { randomUUID } from "node:crypto";
import { Mutex } from "async-mutex";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import { ConflictError, StoreUnavailableError, UnknownActionError } from "../core/errors.js";
import {
  answerAction,
  assertPending,
  createRemediationAction,
  type DirectiveAction,
  type DispatchInput,
  expireAction,
  isOverdue,
  parseActionResult,
  type RemediationAction,
  type RemediationType,
  toDirectiveAction,
} from "../core/healing/remediation-action.js";
import type { ActionQuery, ActionStore } from "../store/action-store-types.js";
import { EventBus } from "./event-bus.js";

interface ActionEventBase {
  at: number;
  kernel_id: string;
  action_id: string;
  action_type: RemediationType;
  patch_id: string | null;
  dry_run: boolean;
}

/** A committed step of an action, for logs, metrics and the event stream. */
export type ActionEvent =
  | (ActionEventBase & { type: "action_dispatched"; deadline_at: number })
  | (ActionEventBase & { type: "action_answered"; status: "succeeded" | "failed"; error: string | null })
  | (ActionEventBase & { type: "action_timed_out" });

/**
 * What the service runs on.
 * @example { store, clock: new ManualClock(0), logger, config, newActionId: () => `act_${++n}` }
 */
export interface ActionServiceOptions {
  store: ActionStore;
  clock: Clock;
  logger: Logger;
  config: AutonomicConfig;
  /** Makes each new action_id; "act_" and a random UUID unless a test wants them predictable. */
  newActionId?: () => string;
}

/** Finished actions `get` still answers from memory; older ones are read with `find`. */
const RECENT_FINISHED = 1000;

export const randomActionId = (): string => `act_${randomUUID()}`;

export class ActionService {
  readonly events = new EventBus<ActionEvent>();
  private readonly mutex = new Mutex();
  /** Pending actions by id, in creation order (a Map keeps insertion order). */
  private readonly pending = new Map<string, RemediationAction>();
  /** Actions finished since start, oldest first, at most RECENT_FINISHED. */
  private readonly finished = new Map<string, RemediationAction>();
  private readonly waiters = new Map<string, ((action: RemediationAction) => void)[]>();
  private readonly newActionId: () => string;

  private constructor(private readonly options: ActionServiceOptions) {
    this.newActionId = options.newActionId ?? randomActionId;
  }

  /** Opens the service and restores the pending actions, to be delivered again. */
  static async open(options: ActionServiceOptions): Promise<ActionService> {
    const service = new ActionService(options);
    for (const action of await options.store.loadOpenActions()) service.pending.set(action.action_id, action);
    options.logger.info({ pending: service.pending.size }, "remediation actions restored");
    return service;
  }

  /** Validates, stores and queues an action for the kernel's next directive. */
  async dispatch(input: DispatchInput): Promise<RemediationAction> {
    return this.mutex.runExclusive(async () => {
      const actionId = this.newActionId();
      const action = createRemediationAction(input, {
        actionId,
        now: this.options.clock.now(),
        defaultTimeoutSeconds: this.options.config.healing.actionTimeoutSeconds,
      });
      // saveAction replaces by id: a generator that repeats an id must not overwrite history.
      if ((await this.find(actionId)) !== null)
        throw new ConflictError("duplicate_action_id", `action id ${actionId} is already taken`);
      await this.save(action);
      this.pending.set(action.action_id, action);
      this.emit({ ...eventBase(action), type: "action_dispatched", deadline_at: action.deadline_at });
      return action;
    });
  }

  /**
   * The kernel's pending actions in creation order, as its directive carries them. An action
   * past its deadline is left out even before the sweep marks it timed out: an answer to it
   * would be refused.
   */
  pendingFor(kernelId: string): DirectiveAction[] {
    const now = this.options.clock.now();
    const out: DirectiveAction[] = [];
    for (const action of this.pending.values())
      if (action.kernel_id === kernelId && !isOverdue(action, now)) out.push(toDirectiveAction(action));
    return out;
  }

  /**
   * Records a kernel's answer. Bad input is refused before anything else; an unknown id is
   * an UnknownActionError; an answer to an action no longer pending, or past its deadline, a
   * ConflictError (and an overdue action is marked timed out then, as the sweep would).
   */
  /** Records a kernel's answer; `warnings` (when given) collects the predicted fields it ignored. */
  async recordResult(actionId: string, body: unknown, warnings?: string[]): Promise<RemediationAction> {
    const result = parseActionResult(body, { strictFields: this.options.config.api.strictFields, warnings });
    return this.mutex.runExclusive(async () => {
      const action = this.pending.get(actionId) ?? (await this.find(actionId));
      if (action === null) throw new UnknownActionError(actionId);
      assertPending(action);
      const now = this.options.clock.now();
      // Too late: record the timeout the sweep would have, then refuse like answerAction does.
      if (isOverdue(action, now)) {
        await this.expire(action, now);
        assertPending(this.get(actionId) ?? action);
      }
      const answered = answerAction(action, result, now);
      await this.save(answered);
      this.finish(answered);
      this.emit({
        ...eventBase(answered),
        at: now,
        type: "action_answered",
        status: answered.status as "succeeded" | "failed",
        error: result.error ?? null,
      });
      return answered;
    });
  }

  /** Marks every pending action past its deadline as timed out; returns them. */
  async expireOverdue(): Promise<RemediationAction[]> {
    return this.mutex.runExclusive(async () => {
      const now = this.options.clock.now();
      const expired: RemediationAction[] = [];
      // One transaction each: those before a failed save stay expired, the rest stay pending.
      for (const action of [...this.pending.values()])
        if (isOverdue(action, now)) expired.push(await this.expire(action, now));
      return expired;
    });
  }

  /**
   * Resolves with the action once it is answered or times out (at once if it already is):
   * how the healing loop awaits a sandbox result. Rejects with UnknownActionError for an id
   * never dispatched.
   */
  async waitForOutcome(actionId: string): Promise<RemediationAction> {
    // Memory holds every pending action; an id not pending now never will be again.
    if (this.pending.has(actionId))
      return new Promise((resolve) => {
        const list = this.waiters.get(actionId) ?? [];
        list.push(resolve);
        this.waiters.set(actionId, list);
      });
    const action = await this.find(actionId);
    if (action === null) throw new UnknownActionError(actionId);
    return action;
  }

  /** The action if it is pending or finished since start (the last 1000), from memory. */
  get(actionId: string): RemediationAction | null {
    return this.pending.get(actionId) ?? this.finished.get(actionId) ?? null;
  }

  /** The action from memory, or else from the store. */
  async find(actionId: string): Promise<RemediationAction | null> {
    return this.get(actionId) ?? (await this.options.store.getAction(actionId));
  }

  /** Stored actions, newest first. */
  list(query: ActionQuery = {}): Promise<RemediationAction[]> {
    return this.options.store.listActions(query);
  }

  /** Waits for the write in progress, if any. */
  async drain(): Promise<void> {
    await this.mutex.waitForUnlock();
  }

  private async expire(action: RemediationAction, now: number): Promise<RemediationAction> {
    const expired = expireAction(action, now);
    await this.save(expired);
    this.finish(expired);
    this.emit({ ...eventBase(expired), at: now, type: "action_timed_out" });
    return expired;
  }

  private async save(action: RemediationAction): Promise<void> {
    try {
      await this.options.store.saveAction(action);
    } catch (err) {
      // Nothing in memory has changed yet, so there is nothing to reload.
      this.options.logger.error(
        { err, action_id: action.action_id, kernel_id: action.kernel_id },
        "action save failed",
      );
      throw new StoreUnavailableError(err);
    }
  }

  /** After its commit: out of the directives, into the recent list, and to its waiters. */
  private finish(action: RemediationAction): void {
    this.pending.delete(action.action_id);
    this.finished.set(action.action_id, action);
    if (this.finished.size > RECENT_FINISHED)
      this.finished.delete(this.finished.keys().next().value as string);
    const waiters = this.waiters.get(action.action_id) ?? [];
    this.waiters.delete(action.action_id);
    for (const resolve of waiters) resolve(action);
  }

  /** One log line per committed event, with its kernel_id, then to subscribers. */
  private emit(event: ActionEvent): void {
    this.options.logger.info({ ...event, at: new Date(event.at).toISOString() }, event.type);
    this.events.publish(event);
  }
}

function eventBase(a: RemediationAction): ActionEventBase {
  return {
    at: a.created_at,
    kernel_id: a.kernel_id,
    action_id: a.action_id,
    action_type: a.type,
    patch_id: a.patch_id,
    dry_run: a.dry_run,
  };
}
