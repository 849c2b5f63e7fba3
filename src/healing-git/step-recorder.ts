/**
 * A multi-step git operation returns a result set instead of throwing halfway: every step
 * is recorded as success, error or not_executed, and once one step fails the later ones
 * are recorded as not_executed without running. The recorder enforces that rule, so the
 * operation itself reads as a straight list of steps.
 */
import type { GitPatchLogger } from "./git-workspace.js";

export type GitStep = "branch" | "commit" | "test" | "push" | "pull_request" | "merge" | "revert";

/**
 * One step's outcome. `detail` is what happened in words: a commit id, a pull request URL,
 * why the step failed or why it was not executed.
 *
 * @example
 * { step: "test", status: "error", detail: "`npm test` exited with 1 after 5312 ms", durationMs: 5320 }
 */
export interface GitStepResult {
  step: GitStep;
  status: "success" | "error" | "not_executed";
  detail: string;
  durationMs: number;
}

/** What a step's action hands back: a value for the caller and words for the record. */
export interface StepOutcome<T> {
  value: T;
  detail: string;
  /** The step ran to its end but its verdict is failure (a test command that failed). */
  failed?: boolean;
}

/**
 * Runs steps in order and records them.
 *
 * @example
 * const steps = new StepRecorder(logger, { patch_id: "p-42" });
 * const sha = await steps.run("commit", async () => ({ value: await commit(), detail: "committed" }));
 * if (!remote) steps.skip("push", "no remote configured");
 * steps.firstError; // "commit: nothing to commit" or null
 */
export class StepRecorder {
  readonly results: GitStepResult[] = [];
  private failure: { step: GitStep; detail: string } | null = null;

  constructor(
    private readonly logger: GitPatchLogger | undefined,
    private readonly context: Record<string, unknown>,
    /** Blots secrets out of details (a git error may echo a remote URL with its credentials). */
    private readonly redact: (text: string) => string = (text) => text,
  ) {}

  /** "step: detail" of the first failed step, or null while all went well. */
  get firstError(): string | null {
    return this.failure ? `${this.failure.step}: ${this.failure.detail}` : null;
  }

  /** Runs `action` unless an earlier step failed; resolves to its value, or null when it did not succeed. */
  async run<T>(step: GitStep, action: () => Promise<StepOutcome<T>>): Promise<T | null> {
    if (this.failure) {
      this.skip(step, "");
      return null;
    }
    const started = performance.now();
    try {
      const outcome = await action();
      this.record(step, outcome.failed ? "error" : "success", outcome.detail, started);
      return outcome.failed ? null : outcome.value;
    } catch (err) {
      this.record(step, "error", err instanceof Error ? err.message : String(err), started);
      return null;
    }
  }

  /**
   * Records a step that does not run: because of an earlier failure (that reason wins)
   * or because the configuration leaves it out (`reason`).
   */
  skip(step: GitStep, reason: string): void {
    const detail = this.failure ? `not executed: ${this.failure.step} failed` : `not executed: ${reason}`;
    this.results.push({ step, status: "not_executed", detail, durationMs: 0 });
  }

  private record(step: GitStep, status: "success" | "error", rawDetail: string, started: number): void {
    const detail = this.redact(rawDetail);
    const durationMs = Math.round(performance.now() - started);
    this.results.push({ step, status, detail, durationMs });
    if (status === "error") {
      this.failure = { step, detail };
      this.logger?.warn({ ...this.context, step, detail, duration_ms: durationMs }, "git patch step failed");
    } else {
      this.logger?.info({ ...this.context, step, detail, duration_ms: durationMs }, "git patch step done");
    }
  }
}
