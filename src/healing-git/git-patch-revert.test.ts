import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTestRepos, fileAt, git, remoteRefs, type TestRepos } from "../../test/support/git-fixtures.js";
import { GitPatchRepository } from "./git-patch-repository.js";

const PARAMS_YAML = "apollo:\n  step: 0.3\n  window: 10\nathena:\n  step: 0.5\n";
const author = { name: "Autonomic Bot", email: "autonomic@example.test" };
const change = {
  patchId: "p-1",
  kernelId: "apollo",
  params: { step: 0.2 },
  title: "Tune apollo",
  body: "drift",
};

describe("GitPatchRepository.revert", { timeout: 30_000 }, () => {
  let repos: TestRepos;
  afterEach(() => repos?.cleanup());

  it("reverts a merged patch with a new commit on main, pushed, whose tree no longer has the change", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    const repo = new GitPatchRepository({ repositoryPath: repos.work, paramsFile: "params.yaml", author });
    const merged = await repo.proposeAndMerge(change);

    const reverted = await repo.revert("p-1", merged.mergeCommit as string, "live fitness 0.41 < 0.6");

    expect(reverted).toMatchObject({ step: "revert", status: "success" });
    expect(reverted.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(reverted.commit).not.toBe(merged.mergeCommit);
    expect(remoteRefs(repos.remote).get("refs/heads/main")).toBe(reverted.commit);
    expect(git(repos.work, "rev-parse", `${reverted.commit}^`)).toBe(merged.mergeCommit);
    expect(fileAt(repos.remote, "main", "params.yaml")).toBe(PARAMS_YAML.trimEnd());
    expect(git(repos.work, "log", "-1", "--format=%B", reverted.commit as string)).toContain(
      "live fitness 0.41 < 0.6",
    );
    expect(git(repos.work, "branch", "--show-current")).toBe("main");
    expect(git(repos.work, "status", "--porcelain")).toBe("");
  });

  it("reverts a commit that has a single parent without a mainline", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    writeFileSync(join(repos.work, "params.yaml"), PARAMS_YAML.replace("step: 0.5", "step: 0.9"));
    git(repos.work, "commit", "--quiet", "-am", "fast-forwarded patch");
    git(repos.work, "push", "--quiet", "origin", "main");
    const target = git(repos.work, "rev-parse", "HEAD");
    const repo = new GitPatchRepository({ repositoryPath: repos.work, paramsFile: "params.yaml", author });

    const reverted = await repo.revert("p-9", target, "rolled back by operator");

    expect(reverted.status).toBe("success");
    expect(fileAt(repos.remote, "main", "params.yaml")).toBe(PARAMS_YAML.trimEnd());
  });

  it("refuses to revert a commit that is not on main", async () => {
    repos = createTestRepos({ "params.yaml": PARAMS_YAML });
    const repo = new GitPatchRepository({ repositoryPath: repos.work, paramsFile: "params.yaml", author });

    const reverted = await repo.revert("p-1", "0123456789abcdef0123456789abcdef01234567", "rollback");

    expect(reverted).toMatchObject({ step: "revert", status: "error", commit: null });
    expect(reverted.detail).toContain("is not a commit on main");
    expect(remoteRefs(repos.remote).get("refs/heads/main")).toBe(repos.initialCommit);
  });
});
