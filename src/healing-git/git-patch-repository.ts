/**
 * Config patches as code (SPEC §5): an approved patch that changes a kernel's persistent
 * params becomes a branch and a commit, is tested, pushed, proposed and merged; a rollback
 * becomes a revert commit.
 *
 * proposeAndMerge runs these steps, each recorded (success / error / not_executed):
 *   branch        `autonomic/patch-<id>` from the base branch, after fast-forwarding the
 *                 base to its remote; refused on a dirty tree or an existing branch
 *   commit        the params file with the patch merged into the kernel's entry
 *   test          the configured command, on the branch; a failure stops everything:
 *                 nothing leaves the machine and nothing is merged
 *   push          the branch to the remote (remote null: not executed)
 *   pull_request  opened on GitHub when a token and a repository are configured
 *   merge         approval means merge, once the tests passed. THE RULE: when a pull
 *                 request was opened, GitHub merges it (a merge commit, pinned to the
 *                 tested commit) and the local base is fast-forwarded from the remote
 *                 (GitHub stays the source of truth, so branch protection and required
 *                 checks apply). Otherwise the branch is merged locally with --no-ff and
 *                 the base pushed; `merged` is true only once the base is pushed.
 *
 * Whatever happens the clone is left clean on the base branch. The local patch branch is
 * kept only when it reached the remote; otherwise it is deleted so the patch can be retried.
 * Operations on one clone are serialized across every instance in the process.
 */
import type { Mutex } from "async-mutex";
import { InvalidInputError } from "../core/errors.js";
import { knownSecrets, redactSecrets } from "./child-environment.js";
import {
  type GitPatchConfig,
  type GitPatchConfigInput,
  hasPullRequests,
  resolveGitPatchConfig,
} from "./git-patch-config.js";
import { GitRepositoryStateError } from "./git-patch-errors.js";
import { type GitPatchLogger, GitWorkspace, repositoryLock } from "./git-workspace.js";
import { GitHubClient, type PullRequestRef } from "./github-client.js";
import {
  type ParamsChange,
  patchBranchName,
  validateParamsChange,
  validatePatchId,
} from "./params-change.js";
import {
  describeTestRun,
  mergeCommitTitle,
  patchCommitMessage,
  pullRequestBody,
  revertCommitMessage,
  short,
} from "./patch-text.js";
import { type GitStepResult, StepRecorder } from "./step-recorder.js";
import { runTestCommand, type TestRun } from "./test-command.js";

/**
 * Everything proposeAndMerge did. `error` is "step: detail" of the first failed step.
 *
 * @example
 * { branch: "autonomic/patch-p-42", commit: "9f1c…", test: { command: "npm test", exitCode: 0, … },
 *   pushed: true, pullRequest: { number: 7, url: "https://github.com/…/pull/7" },
 *   merged: true, mergeCommit: "b4e0…", steps: [ …6 steps ] }
 */
export interface GitPatchResult {
  branch: string;
  commit: string | null;
  test: TestRun | null;
  pushed: boolean;
  pullRequest: PullRequestRef | null;
  merged: boolean;
  mergeCommit: string | null;
  steps: GitStepResult[];
  error?: string;
}

/**
 * The revert step, with the revert commit when it was made (and pushed, with a remote).
 * `error` is set only when the clone could not be left clean afterwards.
 */
export type GitRevertResult = GitStepResult & { commit: string | null; error?: string };

export interface GitPatchRepositoryOptions {
  fetch?: typeof fetch;
  logger?: GitPatchLogger;
  /**
   * The server's secrets (tokens, database and webhook URLs): kept out of the environment of
   * git and the test command, and out of stored output and step details. Secret-looking
   * environment variables are added to them.
   */
  secrets?: readonly (string | null | undefined)[];
}

/**
 * @example
 * const repo = new GitPatchRepository({ repositoryPath: "/srv/kernel-config", paramsFile: "params.yaml", testCommand: "npm test" }, { logger });
 * const result = await repo.proposeAndMerge({ patchId: "p-42", kernelId: "apollo", params: { step: 0.2 }, title: "…", body: "…" });
 * if (result.merged) await repo.revert("p-42", result.mergeCommit!, "live fitness 0.41 < 0.6");
 */
export class GitPatchRepository {
  private readonly config: GitPatchConfig;
  private readonly workspace: GitWorkspace;
  private readonly github: GitHubClient | null;
  private readonly lock: Mutex;
  private readonly logger: GitPatchLogger | undefined;
  private readonly secrets: readonly string[];

  constructor(config: GitPatchConfigInput, options: GitPatchRepositoryOptions = {}) {
    this.config = resolveGitPatchConfig(config);
    this.logger = options.logger;
    this.secrets = knownSecrets(process.env, [...(options.secrets ?? []), this.config.github.token]);
    this.workspace = new GitWorkspace(this.config, this.secrets);
    this.lock = repositoryLock(this.config.repositoryPath);
    const { github } = this.config;
    this.github =
      hasPullRequests(this.config) && github.repository !== null && github.token !== null
        ? new GitHubClient({
            ...github,
            repository: github.repository,
            token: github.token,
            fetch: options.fetch,
            onRetry: (info) => this.logger?.warn({ ...info }, "GitHub call failed, retrying"),
          })
        : null;
  }

  private readonly redact = (text: string): string => redactSecrets(text, this.secrets);

  /** Branch, commit, test, push, pull request, merge (see the module comment). Throws only on invalid input. */
  async proposeAndMerge(change: ParamsChange): Promise<GitPatchResult> {
    validateParamsChange(change);
    return this.lock.runExclusive(() => this.propose(change));
  }

  /** A revert commit of `mergeCommit` on the base branch, pushed. Throws only on invalid input. */
  async revert(patchId: string, mergeCommit: string, reason: string): Promise<GitRevertResult> {
    validatePatchId(patchId);
    if (!/^[0-9a-f]{7,40}$/i.test(mergeCommit))
      throw new InvalidInputError("mergeCommit", "must be a commit id");
    return this.lock.runExclusive(() => this.revertLocked(patchId, mergeCommit, reason));
  }

  private async propose(change: ParamsChange): Promise<GitPatchResult> {
    const { baseBranch, remote, testCommand, paramsFile } = this.config;
    const ws = this.workspace;
    const branch = patchBranchName(change.patchId);
    const context = { patch_id: change.patchId, kernel_id: change.kernelId };
    const steps = new StepRecorder(this.logger, context, this.redact);
    const result: GitPatchResult = {
      ...{ branch, commit: null, test: null, pushed: false, pullRequest: null },
      ...{ merged: false, mergeCommit: null, steps: steps.results },
    };
    let touched = false;
    let createdBranch = false;
    let baseTip: string | null = null;
    try {
      baseTip = await steps.run("branch", async () => {
        await ws.ensureClean();
        touched = true;
        await ws.checkout(baseBranch);
        await ws.syncBase();
        const tip = await ws.createBranch(branch);
        createdBranch = true;
        return { value: tip, detail: `created ${branch} from ${baseBranch} at ${short(tip)}` };
      });

      result.commit = await steps.run("commit", async () => {
        const sha = await ws.commitParams(change.kernelId, change.params, patchCommitMessage(change));
        const keys = Object.keys(change.params).join(", ");
        return { value: sha, detail: `${short(sha)} sets ${keys} of ${change.kernelId} in ${paramsFile}` };
      });

      if (testCommand === null) steps.skip("test", "no test command configured");
      else {
        await steps.run("test", async () => {
          const run = await runTestCommand({
            command: testCommand,
            cwd: this.config.repositoryPath,
            timeoutSeconds: this.config.testTimeoutSeconds,
            outputTailBytes: this.config.testOutputTailBytes,
            secrets: this.secrets,
          });
          result.test = run;
          await ws.discardChanges();
          return { value: run, detail: describeTestRun(run), failed: run.exitCode !== 0 };
        });
      }

      if (remote === null) steps.skip("push", "no remote configured");
      else {
        await steps.run("push", async () => {
          await ws.push(branch);
          result.pushed = true;
          return { value: true, detail: `pushed ${branch} to ${remote}` };
        });
      }

      const github = this.github;
      if (github === null) steps.skip("pull_request", "no GitHub token and repository configured");
      else {
        result.pullRequest = await steps.run("pull_request", async () => {
          const body = pullRequestBody(change, result.test);
          const pr = await github.openPullRequest({
            title: change.title,
            head: branch,
            base: baseBranch,
            body,
          });
          return { value: pr, detail: `opened #${pr.number} ${pr.url}` };
        });
      }

      await steps.run("merge", () => this.merge(change, branch, result));
    } finally {
      if (touched)
        await this.restore(
          result,
          result.merged ? null : baseTip,
          !result.pushed && createdBranch ? branch : null,
        );
    }
    const error = steps.firstError ?? result.error;
    if (error) result.error = error;
    const summary = {
      ...context,
      branch,
      merged: result.merged,
      pushed: result.pushed,
      pr: result.pullRequest?.number,
    };
    this.logger?.info({ ...summary, error: result.error }, "git patch finished");
    return result;
  }

  private async merge(change: ParamsChange, branch: string, result: GitPatchResult) {
    const { baseBranch, remote } = this.config;
    const ws = this.workspace;
    const title = mergeCommitTitle(change);
    if (this.github !== null && result.pullRequest !== null && result.commit !== null) {
      const pr = result.pullRequest;
      const { sha } = await this.github.mergePullRequest(pr.number, {
        commitTitle: title,
        sha: result.commit,
      });
      result.merged = true;
      result.mergeCommit = sha;
      await ws.checkout(baseBranch);
      await ws.syncBase();
      if (!(await ws.isAncestor(sha, "HEAD"))) {
        throw new GitRepositoryStateError(
          "merge_not_fetched",
          `GitHub merged #${pr.number} as ${short(sha)}, but ${remote}/${baseBranch} does not contain it`,
        );
      }
      return {
        value: sha,
        detail: `merged #${pr.number} on GitHub as ${short(sha)}; ${baseBranch} fast-forwarded`,
      };
    }
    await ws.checkout(baseBranch);
    const sha = await ws.mergeNoFastForward(branch, [title, `Autonomic-Patch: ${change.patchId}`]);
    await ws.push(baseBranch);
    result.merged = true;
    result.mergeCommit = sha;
    const where = remote === null ? "" : `, pushed to ${remote}`;
    return { value: sha, detail: `merged ${branch} into ${baseBranch} as ${short(sha)}${where}` };
  }

  private async revertLocked(patchId: string, mergeCommit: string, reason: string): Promise<GitRevertResult> {
    const { baseBranch, remote } = this.config;
    const ws = this.workspace;
    const steps = new StepRecorder(this.logger, { patch_id: patchId }, this.redact);
    let touched = false;
    let baseTip: string | null = null;
    let revertCommit: string | null = null;
    await steps.run("revert", async () => {
      await ws.ensureClean();
      touched = true;
      await ws.checkout(baseBranch);
      await ws.syncBase();
      baseTip = await ws.head();
      const target = await ws.resolveCommit(mergeCommit);
      if (target === null || !(await ws.isAncestor(target, "HEAD"))) {
        throw new GitRepositoryStateError("not_on_base", `${mergeCommit} is not a commit on ${baseBranch}`);
      }
      const sha = await ws.revertCommit(target, revertCommitMessage(patchId, target, reason));
      await ws.push(baseBranch);
      revertCommit = sha;
      const where = remote === null ? "" : `, pushed to ${remote}`;
      return { value: sha, detail: `${short(sha)} reverts ${short(target)} on ${baseBranch}${where}` };
    });
    const step = steps.results[0] as GitStepResult;
    if (touched) {
      const restoreError = await this.restore(null, revertCommit === null ? baseTip : null, null);
      if (restoreError) return { ...step, commit: revertCommit, error: restoreError };
    }
    return { ...step, commit: revertCommit };
  }

  /** Puts the clone back on a clean base; a failure here is reported, never thrown over the steps. */
  private async restore(result: GitPatchResult | null, baseTip: string | null, deleteBranch: string | null) {
    try {
      await this.workspace.restore(baseTip, deleteBranch);
      return null;
    } catch (err) {
      const message = this.redact(
        `restore: could not leave ${this.config.baseBranch} clean: ${(err as Error).message}`,
      );
      this.logger?.error({ err: (err as Error).message }, message);
      if (result && !result.error) result.error = message;
      return message;
    }
  }
}
