/**
 * Configuration of "config patches as code": which repository holds the kernels'
 * persistent params, how a patch is tested, and where its pull request goes. Built once,
 * validated once; a value that cannot work is a ConfigError naming its key, raised before
 * any git command runs.
 */
import { isAbsolute, normalize } from "node:path";
import { z } from "zod";
import { ConfigError } from "../core/errors.js";

// A branch name git accepts and that cannot be mistaken for an option.
const branchName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "must be a plain branch name")
  .refine(
    (b) => !b.includes("..") && !b.endsWith(".lock") && !b.endsWith("/"),
    "must be a plain branch name",
  );

const gitPatchSchema = z.strictObject({
  /** Working clone the control plane owns; nobody else should edit files in it. */
  repositoryPath: z.string().min(1),
  /** Relative to the repository; `.yaml`, `.yml` or `.json`. */
  paramsFile: z
    .string()
    .min(1)
    .refine((p) => !isAbsolute(p) && !normalize(p).startsWith(".."), "must be a path inside the repository")
    .refine((p) => /\.(ya?ml|json)$/i.test(p), "must end in .yaml, .yml or .json"),
  baseBranch: branchName.default("main"),
  /** null: commit and merge locally, never push (a repository without a remote). */
  remote: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a remote name")
    .nullable()
    .default("origin"),
  /** A shell command run in the repository on the patch branch; null: no test. */
  testCommand: z.string().min(1).nullable().default(null),
  testTimeoutSeconds: z.number().positive().finite().default(600),
  /** How much of the end of the test output is kept with the result. */
  testOutputTailBytes: z.number().int().positive().default(4096),
  /** A git command that prints nothing for this long is killed (a credential prompt, a dead remote). */
  gitTimeoutSeconds: z.number().positive().finite().default(120),
  author: z
    .strictObject({ name: z.string().min(1), email: z.string().min(1) })
    .default({ name: "Autonomic", email: "autonomic@localhost" }),
  github: z
    .strictObject({
      apiUrl: z.url().default("https://api.github.com"),
      /** "owner/name"; with a token, approvals go through a pull request. */
      repository: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be "owner/name"')
        .nullable()
        .default(null),
      token: z.string().min(1).nullable().default(null),
      /** Attempts per API call, counting the first; transient failures only are retried. */
      maxAttempts: z.number().int().min(1).max(10).default(4),
      /** First retry delay; it doubles each attempt unless GitHub sends Retry-After. */
      retryBaseDelayMs: z.number().nonnegative().finite().default(500),
      requestTimeoutMs: z.number().positive().finite().default(30_000),
    })
    .default({
      apiUrl: "https://api.github.com",
      repository: null,
      token: null,
      maxAttempts: 4,
      retryBaseDelayMs: 500,
      requestTimeoutMs: 30_000,
    }),
});

/**
 * The resolved configuration, every default filled in.
 *
 * @example
 * const config: GitPatchConfig = resolveGitPatchConfig({ repositoryPath: "/srv/kernel-config", paramsFile: "params.yaml" });
 * config.remote; // "origin"
 */
export type GitPatchConfig = z.output<typeof gitPatchSchema>;

/** What a caller writes: only repositoryPath and paramsFile are required. */
export type GitPatchConfigInput = z.input<typeof gitPatchSchema>;

/**
 * Fills defaults and validates. A pull request needs a branch on GitHub, so a token and a
 * repository without a remote to push to is refused rather than silently merged locally.
 *
 * @example
 * resolveGitPatchConfig({
 *   repositoryPath: "/srv/kernel-config",
 *   paramsFile: "kernels/params.yaml",
 *   testCommand: "npm test",
 *   github: { repository: "pantheon/kernel-config", token: process.env.GITHUB_TOKEN ?? null },
 * });
 */
export function resolveGitPatchConfig(input: GitPatchConfigInput): GitPatchConfig {
  const parsed = gitPatchSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue?.path.join(".") || "(root)", issue?.message ?? "invalid");
  }
  const config = parsed.data;
  if (hasPullRequests(config) && config.remote === null) {
    throw new ConfigError("remote", "a pull request needs a remote to push the branch to");
  }
  return config;
}

/** Pull requests are used exactly when both a token and a repository are configured. */
export function hasPullRequests(config: GitPatchConfig): boolean {
  return config.github.token !== null && config.github.repository !== null;
}
