/**
 * Context transfer as the simulated kernels live it (WP5.4's first next step): a kernel
 * asking for rest hands over what it is working on, and on waking it looks for that same
 * context in its directive. The ledger counts, from the kernel's side, how many came back
 * intact, so the figure does not take the scheduler's word for it.
 */
import type { RestDirective } from "../core/rest/directive.js";

/** What a simulated kernel is in the middle of: small, as a real hand-over note would be. */
export interface SimTaskContext {
  task: string;
  step: number;
}

export interface ContextFigures {
  /** Approved rests for which the kernel handed over a context. */
  handed: number;
  /** …whose context was in the kernel's first directive after it woke, unchanged. */
  returned: number;
  /** …whose context was missing or changed when it woke. */
  lost: number;
}

export class ContextLedger {
  private handedCount = 0;
  private returnedCount = 0;
  private lostCount = 0;
  /** Kernel id → the handed context as JSON, while its rest runs. */
  private readonly pending = new Map<string, string>();
  private readonly tasks = new Map<string, number>();
  private readonly steps = new Map<string, number>();

  /** Counts one report of the kernel's: each is a step of its current task. */
  worked(kernelId: string): void {
    this.steps.set(kernelId, (this.steps.get(kernelId) ?? 0) + 1);
  }

  /** The context the kernel hands over if it rests now. */
  contextFor(kernelId: string): SimTaskContext {
    const task = (this.tasks.get(kernelId) ?? 0) + 1;
    return { task: `${kernelId}/task-${task}`, step: this.steps.get(kernelId) ?? 0 };
  }

  /** The rest was approved with this context. */
  handed(kernelId: string, context: SimTaskContext): void {
    this.handedCount += 1;
    this.pending.set(kernelId, JSON.stringify(context));
    this.tasks.set(kernelId, (this.tasks.get(kernelId) ?? 0) + 1);
  }

  /** Reads the kernel's directive after a report: once it is awake, its context is due back. */
  directive(kernelId: string, rest: RestDirective): void {
    const expected = this.pending.get(kernelId);
    if (expected === undefined || rest.status !== "active") return;
    this.pending.delete(kernelId);
    if (rest.context !== undefined && JSON.stringify(rest.context) === expected) this.returnedCount += 1;
    else this.lostCount += 1;
  }

  /** Rests still running at the end count in neither returned nor lost. */
  figures(): ContextFigures {
    return { handed: this.handedCount, returned: this.returnedCount, lost: this.lostCount };
  }
}
