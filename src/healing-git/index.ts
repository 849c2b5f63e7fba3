/**
 * Config patches as git pull requests: an edge module the healing service calls when an
 * approved patch changes persistent kernel params (SPEC §5, "Config patches as code").
 */
export {
  type GitPatchConfig,
  type GitPatchConfigInput,
  hasPullRequests,
  resolveGitPatchConfig,
} from "./git-patch-config.js";
export { GitHubApiError, GitRepositoryStateError, ParamsFileError } from "./git-patch-errors.js";
export {
  GitPatchRepository,
  type GitPatchRepositoryOptions,
  type GitPatchResult,
  type GitRevertResult,
} from "./git-patch-repository.js";
export type { GitPatchLogger } from "./git-workspace.js";
export { GitHubClient, type GitHubClientOptions, type PullRequestRef } from "./github-client.js";
export { type ParamsChange, type ParamValue, patchBranchName } from "./params-change.js";
export { mergeKernelParams } from "./params-file.js";
export type { GitStep, GitStepResult } from "./step-recorder.js";
export type { TestRun } from "./test-command.js";
