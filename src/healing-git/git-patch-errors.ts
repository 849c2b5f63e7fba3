/**
 * Errors of the git edge. Inside proposeAndMerge and revert they become the `detail` of
 * the step that failed (a result set, not an exception); GitHubClient callers see them
 * thrown.
 */
import { AutonomicError, type ErrorKind } from "../core/errors.js";

/**
 * GitHub refused a call, or could not be reached after every retry. `status` is null when
 * no HTTP answer came back at all. The message is GitHub's own, never the request headers.
 *
 * @example
 * new GitHubApiError(422, "Validation Failed (A pull request already exists for pantheon:autonomic/patch-7.)", 1);
 */
export class GitHubApiError extends AutonomicError {
  // A 4xx is GitHub refusing this request in its current state; anything else is GitHub
  // being unreachable or unwell.
  readonly kind: ErrorKind;
  readonly code = "github_api_error";
  constructor(
    readonly status: number | null,
    readonly githubMessage: string,
    /** How many requests were sent; a 422 after a retry may mean the first one succeeded. */
    readonly attempts: number,
  ) {
    super(status === null ? `GitHub unreachable: ${githubMessage}` : `GitHub ${status}: ${githubMessage}`);
    this.name = "GitHubApiError";
    this.kind =
      status !== null && status >= 400 && status < 500 && status !== 429 ? "conflict" : "unavailable";
  }
}

/**
 * The repository is not in a state a patch can be made from: uncommitted changes someone
 * else left, a patch branch that already exists, a base branch that diverged from its
 * remote, a merge commit that is not on the base branch.
 *
 * @example
 * new GitRepositoryStateError("dirty_working_tree", "working tree has uncommitted changes: params.yaml");
 */
export class GitRepositoryStateError extends AutonomicError {
  readonly kind = "conflict";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "GitRepositoryStateError";
  }
}

/**
 * The params file exists but is not a mapping of kernel_id → params object, so merging a
 * patch into it would destroy what a human wrote.
 *
 * @example
 * new ParamsFileError("kernels/params.yaml", "the entry for apollo is not a mapping");
 */
export class ParamsFileError extends AutonomicError {
  readonly kind = "invalid";
  readonly code = "invalid_params_file";
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = "ParamsFileError";
  }
}
