/**
 * The git commands a config patch is made of, on one working clone, through simple-git.
 * Every command runs non-interactively (a credential prompt fails instead of waiting on a
 * terminal) and is killed when silent for `gitTimeoutSeconds`, so a dead remote cannot
 * hold the repository lock forever.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { Mutex } from "async-mutex";
import type { Logger } from "pino";
import { type SimpleGit, simpleGit } from "simple-git";
import { childEnvironment } from "./child-environment.js";
import type { GitPatchConfig } from "./git-patch-config.js";
import { GitRepositoryStateError } from "./git-patch-errors.js";
import type { ParamValue } from "./params-change.js";
import { mergeKernelParams } from "./params-file.js";
import { readRepositoryFile, writeRepositoryFile } from "./repository-file.js";

export type GitPatchLogger = Pick<Logger, "info" | "warn" | "error">;

// One lock per repository on disk, shared by every GitPatchRepository in the process:
// two approvals on the same clone must never interleave checkouts.
const repositoryLocks = new Map<string, Mutex>();

/**
 * The lock for the clone at `path` (symlinks resolved, so two spellings share it).
 *
 * @example
 * await repositoryLock("/srv/kernel-config").runExclusive(() => work());
 */
export function repositoryLock(path: string): Mutex {
  let key = resolve(path);
  try {
    key = realpathSync(key);
  } catch {
    // Not there yet: the first git command will say so, inside the lock.
  }
  let lock = repositoryLocks.get(key);
  if (!lock) {
    lock = new Mutex();
    repositoryLocks.set(key, lock);
  }
  return lock;
}

// simple-git strips these from the inherited environment and refuses them when given
// explicitly, so they are dropped here and only GIT_TERMINAL_PROMPT is added back.
const GUARDED_NON_GIT_KEYS = new Set(["editor", "pager", "prefix", "ssh_askpass", "visual"]);

/** The server's environment for git, without its secrets: git runs hooks and credential helpers. */
function gitEnvironment(secrets: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(childEnvironment(process.env, secrets))) {
    const k = key.toLowerCase();
    if (k.startsWith("git_") || GUARDED_NON_GIT_KEYS.has(k)) continue;
    env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  return env;
}

/**
 * One working clone, seen as the handful of operations a patch needs.
 *
 * @example
 * const ws = new GitWorkspace(config);
 * await ws.ensureClean();
 * await ws.checkout(config.baseBranch);
 * await ws.syncBase();
 */
export class GitWorkspace {
  readonly git: SimpleGit;

  constructor(
    private readonly config: GitPatchConfig,
    /** Known secrets (see child-environment.ts), kept out of git's environment. */
    secrets: readonly string[] = [],
  ) {
    this.git = simpleGit({
      baseDir: config.repositoryPath,
      // Author and committer are the control plane, whatever the clone's own config says.
      config: [`user.name=${config.author.name}`, `user.email=${config.author.email}`],
      timeout: { block: config.gitTimeoutSeconds * 1000 },
      allowEnvironment: ["GIT_TERMINAL_PROMPT"],
    }).env(gitEnvironment(secrets));
  }

  /** Refuses to start on a clone with changes nobody committed: they are not ours to move. */
  async ensureClean(): Promise<void> {
    const status = await this.git.status();
    if (!status.isClean()) {
      const files = status.files.map((f) => f.path).slice(0, 5);
      throw new GitRepositoryStateError(
        "dirty_working_tree",
        `working tree has uncommitted changes (${files.join(", ")}); refusing to touch it`,
      );
    }
  }

  async checkout(branch: string): Promise<void> {
    await this.git.raw(["checkout", branch, "--"]);
  }

  async head(): Promise<string> {
    return (await this.git.revparse(["HEAD"])).trim();
  }

  async branchExists(branch: string): Promise<boolean> {
    return (await this.git.raw(["branch", "--list", branch])).trim() !== "";
  }

  /** Whether `ancestor` is reachable from `tip` (`merge-base --is-ancestor` answers by exit code only). */
  async isAncestor(ancestor: string, tip: string): Promise<boolean> {
    const full = await this.resolveCommit(ancestor);
    return full !== null && (await this.git.raw(["merge-base", full, tip])).trim() === full;
  }

  /** The full id of a commit this clone has, or null when it does not have it. */
  async resolveCommit(rev: string): Promise<string | null> {
    const full = (await this.git.raw(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])).trim();
    return full === "" ? null : full;
  }

  /** Creates `branch` at HEAD and checks it out; returns HEAD. An existing branch is refused, not reused. */
  async createBranch(branch: string): Promise<string> {
    if (await this.branchExists(branch)) {
      throw new GitRepositoryStateError("patch_branch_exists", `branch ${branch} already exists`);
    }
    const tip = await this.head();
    await this.git.raw(["checkout", "-b", branch, tip, "--"]);
    return tip;
  }

  /** A merge commit of `branch` into the checked-out branch, even where a fast-forward would do. */
  async mergeNoFastForward(branch: string, message: string[]): Promise<string> {
    const before = await this.head();
    await this.git.raw(["merge", "--no-ff", ...message.flatMap((m) => ["-m", m]), branch]);
    const after = await this.head();
    if (after === before) throw new GitRepositoryStateError("nothing_merged", `${branch} adds nothing`);
    return after;
  }

  /** A commit undoing `target` on the checked-out branch. */
  async revertCommit(target: string, message: string[]): Promise<string> {
    const parents = (await this.git.raw(["rev-list", "--parents", "-n", "1", target])).trim().split(/\s+/);
    // A merge commit is reverted against its first parent: the base as it was before.
    const mainline = parents.length > 2 ? ["-m", "1"] : [];
    await this.git.raw(["revert", "--no-commit", ...mainline, target]);
    return this.commit(message);
  }

  /**
   * Brings the checked-out base branch up to its remote, fast-forward only: a base that
   * diverged from the remote is a human's to sort out, not ours to merge.
   */
  async syncBase(): Promise<void> {
    const { remote, baseBranch } = this.config;
    if (remote === null) return;
    await this.git.fetch(remote);
    const tracking = `refs/remotes/${remote}/${baseBranch}`;
    if ((await this.git.raw(["rev-parse", "--verify", "--quiet", tracking])).trim() === "") return;
    try {
      await this.git.raw(["merge", "--ff-only", tracking]);
    } catch (err) {
      throw new GitRepositoryStateError(
        "base_diverged",
        `${baseBranch} cannot fast-forward to ${remote}/${baseBranch}: ${(err as Error).message.trim()}`,
      );
    }
  }

  /**
   * Commits what is staged and returns the new HEAD. git exits 1 with nothing on stderr
   * when there is nothing to commit, which simple-git does not treat as an error, so the
   * moved HEAD is the proof.
   */
  async commit(paragraphs: string[]): Promise<string> {
    const before = await this.head();
    await this.git.raw(["commit", ...paragraphs.filter((p) => p.trim() !== "").flatMap((p) => ["-m", p])]);
    const after = await this.head();
    if (after === before) throw new GitRepositoryStateError("nothing_to_commit", "nothing to commit");
    return after;
  }

  /** Merges `params` into the kernel's entry of the params file and commits only that file. */
  async commitParams(
    kernelId: string,
    params: Record<string, ParamValue>,
    message: string[],
  ): Promise<string> {
    const { paramsFile, repositoryPath } = this.config;
    // Never through a symlink: a committed link would point the write outside the repository.
    const before = await readRepositoryFile(repositoryPath, paramsFile);
    const after = mergeKernelParams(before, paramsFile, kernelId, params);
    if (after === before)
      throw new GitRepositoryStateError("no_change", `${paramsFile} already holds these params`);
    await writeRepositoryFile(repositoryPath, paramsFile, after);
    await this.git.raw(["add", "--", paramsFile]);
    return this.commit(message);
  }

  /** Throws away what a test command wrote into the tree; the branch keeps only our commit. */
  async discardChanges(): Promise<void> {
    await this.git.raw(["reset", "--hard", "HEAD"]);
    await this.git.raw(["clean", "-fd"]);
  }

  async push(branch: string): Promise<void> {
    if (this.config.remote === null) return;
    await this.git.raw(["push", this.config.remote, `refs/heads/${branch}:refs/heads/${branch}`]);
  }

  /**
   * Leaves the clone clean on the base branch at `baseTip` (when given), whatever state a
   * failed step left: a half-done merge or revert, files the test command wrote.
   */
  async restore(baseTip: string | null, deleteBranch: string | null): Promise<void> {
    await this.git.raw(["merge", "--abort"]).catch(() => undefined);
    await this.git.raw(["revert", "--abort"]).catch(() => undefined);
    await this.git.raw(["checkout", "-f", this.config.baseBranch, "--"]);
    if (baseTip !== null) await this.git.raw(["reset", "--hard", baseTip]);
    await this.git.raw(["clean", "-fd"]);
    if (deleteBranch !== null && (await this.branchExists(deleteBranch))) {
      await this.git.raw(["branch", "-D", deleteBranch]);
    }
  }
}
