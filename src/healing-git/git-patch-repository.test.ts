import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createTestRepos, fileAt, git, remoteRefs, type TestRepos } from "../../test/support/git-fixtures.js";
import { GitPatchRepository } from "./git-patch-repository.js";
import type { ParamsChange } from "./params-change.js";

const PARAMS_YAML = `# Persistent kernel params; humans edit this too.
apollo:
  step: 0.3 # tuned in March
  window: 10
athena:
  step: 0.5
`;

const author = { name: "Autonomic Bot", email: "autonomic@example.test" };

function change(overrides: Partial<ParamsChange> = {}): ParamsChange {
  return {
    patchId: "p-1",
    kernelId: "apollo",
    params: { step: 0.2, cache_entries: 256 },
    title: "Tune apollo's basin step",
    body: "basin drift 1.6 > 1.4 for 10 snapshots",
    ...overrides,
  };
}

function statusOf(result: { steps: { step: string; status: string }[] }) {
  return Object.fromEntries(result.steps.map((s) => [s.step, s.status]));
}

function cleanOnMain(work: string) {
  return { branch: git(work, "branch", "--show-current"), porcelain: git(work, "status", "--porcelain") };
}

describe("GitPatchRepository, merging locally", { timeout: 30_000 }, () => {
  let repos: TestRepos;
  afterEach(() => repos?.cleanup());

  it("commits the new params to the patch branch and leaves other kernels' params and the comments alone", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    const repo = new GitPatchRepository({ repositoryPath: repos.work, paramsFile: "params.yaml", author });

    const result = await repo.proposeAndMerge(change());

    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    const text = fileAt(repos.work, result.commit as string, "params.yaml");
    expect(parse(text)).toEqual({
      apollo: { step: 0.2, window: 10, cache_entries: 256 },
      athena: { step: 0.5 },
    });
    expect(text).toContain("# Persistent kernel params; humans edit this too.");
    expect(text).toContain("# tuned in March");
    expect(git(repos.work, "rev-parse", `${result.commit}^`)).toBe(repos.initialCommit);
    expect(git(repos.work, "show", "--name-only", "--format=", result.commit as string)).toBe("params.yaml");
    expect(git(repos.work, "log", "-1", "--format=%an <%ae>|%s", result.commit as string)).toBe(
      "Autonomic Bot <autonomic@example.test>|Tune apollo's basin step",
    );
    expect(git(repos.work, "log", "-1", "--format=%B", result.commit as string)).toContain(
      "Autonomic-Patch: p-1",
    );
  });

  it("keeps a JSON params file as two-space JSON with only the patched kernel changed", async () => {
    const initial = { athena: { step: 0.5 }, apollo: { step: 0.3, window: 10 } };
    repos = createTestRepos({ "config/params.json": `${JSON.stringify(initial, null, 2)}\n` });
    const repo = new GitPatchRepository({
      repositoryPath: repos.work,
      paramsFile: "config/params.json",
      author,
    });

    const result = await repo.proposeAndMerge(change({ params: { step: 0.25 } }));

    const expected = { athena: { step: 0.5 }, apollo: { step: 0.25, window: 10 } };
    expect(fileAt(repos.work, result.commit as string, "config/params.json")).toBe(
      JSON.stringify(expected, null, 2),
    );
  });

  it("creates the params file, and its folder, when it does not exist yet", async () => {
    repos = createTestRepos();
    const repo = new GitPatchRepository({
      repositoryPath: repos.work,
      paramsFile: "kernels/params.yml",
      author,
    });

    const result = await repo.proposeAndMerge(
      change({ kernelId: "hermes", params: { micro_pause_seconds: 20 } }),
    );

    expect(result.error).toBeUndefined();
    expect(parse(fileAt(repos.work, result.commit as string, "kernels/params.yml"))).toEqual({
      hermes: { micro_pause_seconds: 20 },
    });
  });

  it("pushes the branch, merges it with a merge commit and pushes the base when the tests pass", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    // The test sees the branch's params, so it runs on the patch, not on main.
    const testCommand = "grep -q 'step: 0.2' params.yaml && echo params-ok";
    const repo = new GitPatchRepository({
      repositoryPath: repos.work,
      paramsFile: "params.yaml",
      testCommand,
      author,
    });

    const result = await repo.proposeAndMerge(change());

    expect(statusOf(result)).toEqual({
      branch: "success",
      commit: "success",
      test: "success",
      push: "success",
      pull_request: "not_executed",
      merge: "success",
    });
    expect(result.test).toMatchObject({ command: testCommand, exitCode: 0, timedOut: false });
    expect(result.test?.output).toContain("params-ok");
    expect(result).toMatchObject({ pushed: true, merged: true, pullRequest: null });
    const refs = remoteRefs(repos.remote);
    expect(refs.get("refs/heads/autonomic/patch-p-1")).toBe(result.commit);
    expect(refs.get("refs/heads/main")).toBe(result.mergeCommit);
    const parents = git(repos.work, "rev-list", "--parents", "-n", "1", result.mergeCommit as string).split(
      " ",
    );
    expect(parents.slice(1)).toEqual([repos.initialCommit, result.commit]);
    expect(parse(fileAt(repos.remote, "main", "params.yaml")).apollo.step).toBe(0.2);
    expect(cleanOnMain(repos.work)).toEqual({ branch: "main", porcelain: "" });
  });

  it("records a failing test command and merges nothing, pushes nothing and leaves main clean", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    const testCommand = "echo compiling; touch leftover.txt; echo 'params rejected' >&2; exit 3";
    const repo = new GitPatchRepository({
      repositoryPath: repos.work,
      paramsFile: "params.yaml",
      testCommand,
      author,
    });

    const result = await repo.proposeAndMerge(change());

    expect(result.test).toMatchObject({ exitCode: 3, timedOut: false });
    expect(result.test?.output).toContain("compiling");
    expect(result.test?.output).toContain("params rejected");
    expect(statusOf(result)).toEqual({
      branch: "success",
      commit: "success",
      test: "error",
      push: "not_executed",
      pull_request: "not_executed",
      merge: "not_executed",
    });
    expect(result.steps.find((s) => s.step === "merge")?.detail).toBe("not executed: test failed");
    expect(result.error).toMatch(/^test: `.*` exited with 3/);
    expect(result).toMatchObject({ pushed: false, merged: false, mergeCommit: null });
    const refs = remoteRefs(repos.remote);
    expect(refs.get("refs/heads/main")).toBe(repos.initialCommit);
    expect(refs.has("refs/heads/autonomic/patch-p-1")).toBe(false);
    expect(git(repos.work, "rev-parse", "main")).toBe(repos.initialCommit);
    expect(git(repos.work, "branch", "--list", "autonomic/*")).toBe("");
    expect(cleanOnMain(repos.work)).toEqual({ branch: "main", porcelain: "" });
  });

  it("refuses a patch whose branch already exists and keeps that branch", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    const repo = new GitPatchRepository({ repositoryPath: repos.work, paramsFile: "params.yaml", author });
    const first = await repo.proposeAndMerge(change());

    const again = await repo.proposeAndMerge(change({ params: { step: 0.1 } }));

    expect(again.steps[0]).toMatchObject({
      step: "branch",
      status: "error",
      detail: "branch autonomic/patch-p-1 already exists",
    });
    expect(git(repos.work, "rev-parse", "autonomic/patch-p-1")).toBe(first.commit);
    expect(git(repos.work, "rev-parse", "main")).toBe(first.mergeCommit);
  });

  it("refuses a clone with uncommitted changes and touches none of them", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    writeFileSync(join(repos.work, "README.md"), "someone is editing this\n");
    const repo = new GitPatchRepository({ repositoryPath: repos.work, paramsFile: "params.yaml", author });

    const result = await repo.proposeAndMerge(change());

    expect(statusOf(result)).toMatchObject({
      branch: "error",
      commit: "not_executed",
      merge: "not_executed",
    });
    expect(result.error).toContain("uncommitted changes (README.md)");
    expect(readFileSync(join(repos.work, "README.md"), "utf8")).toBe("someone is editing this\n");
    expect(git(repos.work, "rev-parse", "HEAD")).toBe(repos.initialCommit);
  });

  it("leaves main where it was when the remote refuses the merged base", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    const hook = join(repos.remote, "hooks", "pre-receive");
    writeFileSync(
      hook,
      '#!/bin/sh\nwhile read old new ref; do [ "$ref" = refs/heads/main ] && exit 1; done\nexit 0\n',
    );
    chmodSync(hook, 0o755);
    const repo = new GitPatchRepository({ repositoryPath: repos.work, paramsFile: "params.yaml", author });

    const result = await repo.proposeAndMerge(change());

    expect(statusOf(result)).toMatchObject({ push: "success", merge: "error" });
    expect(result).toMatchObject({ pushed: true, merged: false, mergeCommit: null });
    expect(git(repos.work, "rev-parse", "main")).toBe(repos.initialCommit);
    expect(cleanOnMain(repos.work)).toEqual({ branch: "main", porcelain: "" });
  });

  it("merges locally and pushes nothing when no remote is configured", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    const repo = new GitPatchRepository({
      repositoryPath: repos.work,
      paramsFile: "params.yaml",
      remote: null,
      author,
    });

    const result = await repo.proposeAndMerge(change());

    expect(result.steps.find((s) => s.step === "push")).toMatchObject({
      status: "not_executed",
      detail: "not executed: no remote configured",
    });
    expect(result.merged).toBe(true);
    expect(git(repos.work, "rev-parse", "main")).toBe(result.mergeCommit);
    expect(remoteRefs(repos.remote).get("refs/heads/main")).toBe(repos.initialCommit);
  });

  it("serializes two approvals on the same clone so both land on main", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    const config = {
      repositoryPath: repos.work,
      paramsFile: "params.yaml",
      testCommand: "sleep 0.2",
      author,
    };
    const first = new GitPatchRepository(config);
    const second = new GitPatchRepository(config);

    const results = await Promise.all([
      first.proposeAndMerge(change({ patchId: "p-1", kernelId: "apollo", params: { step: 0.2 } })),
      second.proposeAndMerge(change({ patchId: "p-2", kernelId: "athena", params: { step: 0.1 } })),
    ]);

    expect(results.map((r) => r.error)).toEqual([undefined, undefined]);
    expect(results.map((r) => r.merged)).toEqual([true, true]);
    const params = parse(fileAt(repos.remote, "main", "params.yaml"));
    expect(params).toEqual({ apollo: { step: 0.2, window: 10 }, athena: { step: 0.1 } });
  });
});
