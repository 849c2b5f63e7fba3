/**
 * Runs the remediation actions a directive carries through the kernel's registered
 * handlers and answers each one. The server repeats a pending action in every directive
 * until it is answered (at-least-once delivery), so the runner remembers which ids it
 * has taken and runs each once.
 */
import type { ActionResult, DirectiveAction, PredictedMetrics } from "./wire.js";

/** What a handler learns besides the action's params. */
export interface ActionContext {
  actionId: string;
  patchId: string | null;
  /** Try the action on a test workload and predict its effect; change nothing. */
  dryRun: boolean;
}

/**
 * A kernel's implementation of one action type. Return the predicted metrics (required
 * for a dry run to be scored), or nothing; throw to refuse or report failure.
 * @example client.handle("enable_cache", async ({ entries }, { dryRun }) => dryRun ? predictWithCache(entries) : cache.enable(entries))
 */
export type ActionHandler = (
  params: Record<string, unknown>,
  context: ActionContext,
) => Promise<PredictedMetrics | undefined> | PredictedMetrics | undefined;

/** Ids remembered; older ones are forgotten, since the server stops sending an answered action. */
const REMEMBERED_IDS = 1024;

export class ActionRunner {
  private readonly handlers = new Map<string, ActionHandler>();
  private readonly taken = new Set<string>();

  constructor(private readonly answer: (actionId: string, result: ActionResult) => Promise<void>) {}

  handle(type: string, handler: ActionHandler): void {
    this.handlers.set(type, handler);
  }

  /** Starts every action not yet taken; resolves when all of them are answered. */
  run(actions: readonly DirectiveAction[]): Promise<void> {
    const started: Promise<void>[] = [];
    for (const action of actions) {
      if (this.taken.has(action.action_id)) continue;
      this.remember(action.action_id);
      started.push(this.runOne(action));
    }
    return Promise.all(started).then(() => undefined);
  }

  private async runOne(action: DirectiveAction): Promise<void> {
    const handler = this.handlers.get(action.type);
    let result: ActionResult;
    if (!handler) {
      result = { ok: false, error: `no handler for action type ${action.type}` };
    } else {
      try {
        const predicted = await handler(action.params, {
          actionId: action.action_id,
          patchId: action.patch_id,
          dryRun: action.dry_run,
        });
        result = predicted ? { ok: true, predicted } : { ok: true };
      } catch (err) {
        result = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    }
    await this.answer(action.action_id, result);
  }

  private remember(id: string): void {
    this.taken.add(id);
    if (this.taken.size > REMEMBERED_IDS) {
      const oldest = this.taken.values().next().value as string;
      this.taken.delete(oldest);
    }
  }
}
