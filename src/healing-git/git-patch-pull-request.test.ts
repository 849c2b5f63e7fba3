import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  createTestRepos,
  type FakeGitHub,
  fileAt,
  git,
  mergeOnRemote,
  remoteRefs,
  startFakeGitHub,
  type TestRepos,
} from "../../test/support/git-fixtures.js";
import { GitPatchRepository } from "./git-patch-repository.js";
import type { GitPatchLogger } from "./git-workspace.js";
import type { ParamsChange } from "./params-change.js";

const TOKEN = "ghp_test-token-never-logged";
const PARAMS_YAML = "apollo:\n  step: 0.3\nathena:\n  step: 0.5\n";

const change: ParamsChange = {
  patchId: "p-7",
  kernelId: "apollo",
  params: { step: 0.2 },
  title: "Tune apollo's basin step",
  body: "basin drift 1.6 > 1.4 for 10 snapshots",
};

/** Every line a pino-like logger was given, as text, to search for the token. */
function capturingLogger(lines: string[]): GitPatchLogger {
  const log = (obj: unknown, msg?: string) => {
    lines.push(JSON.stringify({ obj, msg }));
  };
  return { info: log, warn: log, error: log } as unknown as GitPatchLogger;
}

describe("GitPatchRepository with GitHub pull requests", { timeout: 30_000 }, () => {
  let repos: TestRepos;
  let github: FakeGitHub;
  afterEach(async () => {
    await github?.close();
    repos?.cleanup();
  });

  async function setUp(options: { token?: string | null; repository?: string | null } = {}) {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    github = await startFakeGitHub({ onMerge: (pr, title) => mergeOnRemote(repos, pr.head, pr.base, title) });
    const logs: string[] = [];
    const repo = new GitPatchRepository(
      {
        repositoryPath: repos.work,
        paramsFile: "params.yaml",
        testCommand: "true",
        github: {
          apiUrl: github.url,
          repository: options.repository === undefined ? "pantheon/kernel-config" : options.repository,
          token: options.token === undefined ? TOKEN : options.token,
          retryBaseDelayMs: 1,
        },
      },
      { logger: capturingLogger(logs) },
    );
    return { repo, logs };
  }

  it("opens a pull request, merges it through the API and fast-forwards main to GitHub's merge", async () => {
    const { repo } = await setUp();

    const result = await repo.proposeAndMerge(change);

    expect(result.error).toBeUndefined();
    expect(github.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      "POST /repos/pantheon/kernel-config/pulls",
      "PUT /repos/pantheon/kernel-config/pulls/1/merge",
    ]);
    for (const call of github.calls) {
      expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(call.headers.accept).toBe("application/vnd.github+json");
      expect(call.headers["x-github-api-version"]).toBe("2022-11-28");
      expect(call.headers["user-agent"]).toBeTruthy();
    }
    const [open, merge] = github.calls;
    expect(open?.body).toMatchObject({ title: change.title, head: "autonomic/patch-p-7", base: "main" });
    const prBody = (open?.body as { body?: string } | undefined)?.body;
    expect(prBody).toContain("basin drift 1.6 > 1.4");
    expect(prBody).toContain("`apollo`");
    expect(merge?.body).toEqual({
      commit_title: "Merge autonomic patch p-7: Tune apollo's basin step",
      merge_method: "merge",
      sha: result.commit,
    });
    expect(result.pullRequest).toEqual({
      number: 1,
      url: "https://github.test/pantheon/kernel-config/pull/1",
    });
    const remoteMain = remoteRefs(repos.remote).get("refs/heads/main");
    expect(result).toMatchObject({ pushed: true, merged: true, mergeCommit: remoteMain });
    expect(git(repos.work, "rev-parse", "main")).toBe(remoteMain);
    expect(parse(fileAt(repos.work, "main", "params.yaml")).apollo.step).toBe(0.2);
    expect(git(repos.work, "status", "--porcelain")).toBe("");
  });

  it("retries a pull request that met a 502 once, and never logs the token", async () => {
    const { repo, logs } = await setUp();
    github.replyOnce({ status: 502, body: { message: "Server Error" } });

    const result = await repo.proposeAndMerge(change);

    expect(github.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      "POST /repos/pantheon/kernel-config/pulls",
      "POST /repos/pantheon/kernel-config/pulls",
      "PUT /repos/pantheon/kernel-config/pulls/1/merge",
    ]);
    expect(result.steps.find((s) => s.step === "pull_request")?.status).toBe("success");
    expect(result.merged).toBe(true);
    expect(logs.some((l) => l.includes("retrying"))).toBe(true);
    expect(logs.join("\n")).not.toContain(TOKEN);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it("records GitHub's 422 message as the pull_request error and merges nothing", async () => {
    const { repo } = await setUp();
    github.replyOnce({
      status: 422,
      body: {
        message: "Validation Failed",
        errors: [
          {
            resource: "PullRequest",
            code: "custom",
            message: "A pull request already exists for pantheon:autonomic/patch-p-7.",
          },
        ],
        documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
      },
    });

    const result = await repo.proposeAndMerge(change);

    const step = result.steps.find((s) => s.step === "pull_request");
    expect(step?.status).toBe("error");
    expect(step?.detail).toBe(
      "GitHub 422: Validation Failed (A pull request already exists for pantheon:autonomic/patch-p-7.)",
    );
    expect(result.steps.find((s) => s.step === "merge")?.status).toBe("not_executed");
    expect(github.calls).toHaveLength(1);
    expect(result).toMatchObject({ pushed: true, merged: false, pullRequest: null });
    const refs = remoteRefs(repos.remote);
    expect(refs.get("refs/heads/autonomic/patch-p-7")).toBe(result.commit);
    expect(refs.get("refs/heads/main")).toBe(repos.initialCommit);
    expect(git(repos.work, "branch", "--show-current")).toBe("main");
  });

  it("leaves the pull request open and main untouched when GitHub refuses the merge", async () => {
    const { repo } = await setUp();
    github.replyOnce({
      status: 201,
      body: { number: 5, html_url: "https://github.test/pantheon/kernel-config/pull/5" },
    });
    github.replyOnce({ status: 405, body: { message: "Pull Request is not mergeable" } });

    const result = await repo.proposeAndMerge(change);

    expect(result.steps.find((s) => s.step === "merge")).toMatchObject({
      status: "error",
      detail: "GitHub 405: Pull Request is not mergeable",
    });
    expect(result).toMatchObject({ merged: false, mergeCommit: null, pullRequest: { number: 5 } });
    expect(github.calls.at(-1)?.path).toBe("/repos/pantheon/kernel-config/pulls/5/merge");
    expect(remoteRefs(repos.remote).get("refs/heads/main")).toBe(repos.initialCommit);
    expect(git(repos.work, "rev-parse", "main")).toBe(repos.initialCommit);
  });

  it.each([
    ["no token", { token: null }],
    ["no repository", { repository: null }],
  ])("makes no API call with %s, and merges locally", async (_name, options) => {
    const { repo } = await setUp(options);

    const result = await repo.proposeAndMerge(change);

    expect(github.calls).toEqual([]);
    expect(result.steps.find((s) => s.step === "pull_request")?.status).toBe("not_executed");
    expect(result).toMatchObject({ merged: true, pullRequest: null });
    expect(remoteRefs(repos.remote).get("refs/heads/main")).toBe(result.mergeCommit);
  });

  it("makes no API call when the test command fails", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    github = await startFakeGitHub();
    const repo = new GitPatchRepository({
      repositoryPath: repos.work,
      paramsFile: "params.yaml",
      testCommand: "exit 1",
      github: { apiUrl: github.url, repository: "pantheon/kernel-config", token: TOKEN },
    });

    const result = await repo.proposeAndMerge(change);

    expect(github.calls).toEqual([]);
    expect(result.merged).toBe(false);
  });
});
