/**
 * The words a config patch leaves in git and on GitHub: commit messages with trailers a
 * script can grep (`Autonomic-Patch: <id>`), the pull request body a reviewer reads, and
 * the one-line details of each step.
 */
import type { ParamsChange } from "./params-change.js";
import type { TestRun } from "./test-command.js";

/**
 * An abbreviated commit id for details and logs.
 *
 * @example
 * short("9f1c2e7a4b5d6c8e9f0a1b2c3d4e5f6a7b8c9d0e"); // "9f1c2e7a4b"
 */
export function short(sha: string): string {
  return sha.slice(0, 10);
}

/**
 * The paragraphs of the commit that writes the params.
 *
 * @example
 * patchCommitMessage(change); // ["Tune apollo", "drift 1.6…", "Autonomic-Patch: p-42\nAutonomic-Kernel: apollo"]
 */
export function patchCommitMessage(change: ParamsChange): string[] {
  return [
    change.title,
    change.body,
    `Autonomic-Patch: ${change.patchId}\nAutonomic-Kernel: ${change.kernelId}`,
  ];
}

/**
 * The merge commit's title, the same whether git or GitHub makes it.
 *
 * @example
 * mergeCommitTitle(change); // "Merge autonomic patch p-42: Tune apollo"
 */
export function mergeCommitTitle(change: ParamsChange): string {
  return `Merge autonomic patch ${change.patchId}: ${change.title}`;
}

/**
 * The paragraphs of a rollback's revert commit; the reason is what the verification saw.
 *
 * @example
 * revertCommitMessage("p-42", "b4e0…", "live fitness 0.41 < 0.6");
 */
export function revertCommitMessage(patchId: string, target: string, reason: string): string[] {
  return [
    `Revert autonomic patch ${patchId}`,
    `Rolled back: ${reason}`,
    `This reverts commit ${target}.\n\nAutonomic-Patch: ${patchId}`,
  ];
}

/**
 * A test run in one line.
 *
 * @example
 * describeTestRun({ command: "npm test", exitCode: 1, durationMs: 5312, output: "", timedOut: false });
 * // "`npm test` exited with 1 after 5312 ms"
 */
export function describeTestRun(run: TestRun): string {
  if (run.timedOut) return `\`${run.command}\` timed out after ${run.durationMs} ms`;
  if (run.exitCode === 0) return `\`${run.command}\` passed in ${run.durationMs} ms`;
  return `\`${run.command}\` exited with ${run.exitCode ?? "a signal"} after ${run.durationMs} ms`;
}

/**
 * What a reviewer reads on GitHub: the patch's own reasoning, then exactly what changes.
 *
 * @example
 * pullRequestBody(change, run); // "drift 1.6 > 1.4…\n\nKernel `apollo`, …| `step` | `0.2` |…"
 */
export function pullRequestBody(change: ParamsChange, test: TestRun | null): string {
  const rows = Object.entries(change.params).map(([k, v]) => `| \`${k}\` | \`${JSON.stringify(v)}\` |`);
  return [
    change.body,
    "",
    `Kernel \`${change.kernelId}\`, Autonomic patch \`${change.patchId}\`:`,
    "",
    "| param | new value |",
    "|---|---|",
    ...rows,
    "",
    test === null ? "No test command configured." : `Tests: ${describeTestRun(test)}.`,
  ].join("\n");
}
