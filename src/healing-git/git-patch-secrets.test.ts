/**
 * The attacks on the git edge an access review found, against a real repository: the test
 * command ran with the server's whole environment (so its stored output held the operator
 * token), and a committed symlink as the params file made an approved patch write outside
 * the repository.
 */
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestRepos, git, remoteRefs, type TestRepos } from "../../test/support/git-fixtures.js";
import { GitPatchRepository } from "./git-patch-repository.js";
import type { ParamsChange } from "./params-change.js";

const OPERATOR_TOKEN = "operator-token-0123456789";
const KERNEL_TOKEN = "kernel-token-0123456789";
const DATABASE_URL = "postgres://autonomic:db-password-42@db.example/autonomic";
const author = { name: "Autonomic Bot", email: "autonomic@example.test" };

const change: ParamsChange = {
  patchId: "p-1",
  kernelId: "apollo",
  params: { step: 0.2 },
  title: "Tune apollo",
  body: "drift",
};

describe("a patch's test command and params file", { timeout: 30_000 }, () => {
  let repos: TestRepos;
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    // The server's own environment, as `AUTONOMIC_OPERATOR_TOKEN=… autonomic serve` has it.
    for (const [name, value] of Object.entries({ AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN, DATABASE_URL })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    repos?.cleanup();
  });

  it("runs the test command without the server's tokens or database URL, and stores its output with known secrets redacted", async () => {
    repos = createTestRepos({ "params.yaml": "apollo:\n  step: 0.3\n" });
    const dump = join(repos.root, "test-command-env.txt");
    const repo = new GitPatchRepository(
      {
        repositoryPath: repos.work,
        paramsFile: "params.yaml",
        testCommand: `env > ${dump}; echo "op=$AUTONOMIC_OPERATOR_TOKEN db=$DATABASE_URL"; echo "a test printed ${KERNEL_TOKEN}"`,
        author,
      },
      // The kernel token came from the config file, not the environment: the server passes it.
      { secrets: [KERNEL_TOKEN] },
    );

    const result = await repo.proposeAndMerge(change);

    expect(result.merged).toBe(true);
    const environment = readFileSync(dump, "utf8");
    for (const leaked of ["AUTONOMIC_OPERATOR_TOKEN", OPERATOR_TOKEN, "DATABASE_URL", "db-password-42"])
      expect(environment).not.toContain(leaked);
    expect(environment).toMatch(/^PATH=/m);
    const stored = JSON.stringify(result);
    for (const secret of [OPERATOR_TOKEN, KERNEL_TOKEN, "db-password-42"])
      expect(stored).not.toContain(secret);
    expect(result.test?.output).toBe("op= db=\na test printed [redacted]\n");
  });

  it("refuses a params file committed as a symlink out of the repository: nothing outside is written, nothing merged", async () => {
    repos = createTestRepos();
    const outside = join(repos.root, "outside.yaml");
    writeFileSync(outside, "precious: true\n");
    symlinkSync("../outside.yaml", join(repos.work, "params.yaml"));
    git(repos.work, "add", "params.yaml");
    git(repos.work, "commit", "--quiet", "-m", "a link as the params file");
    git(repos.work, "push", "--quiet", "origin", "main");
    const main = git(repos.work, "rev-parse", "main");
    const repo = new GitPatchRepository({ repositoryPath: repos.work, paramsFile: "params.yaml", author });

    const result = await repo.proposeAndMerge(change);

    expect(result.merged).toBe(false);
    expect(result.error).toMatch(/^commit: params\.yaml: params\.yaml is a symbolic link/);
    expect(readFileSync(outside, "utf8")).toBe("precious: true\n");
    expect(remoteRefs(repos.remote).get("refs/heads/main")).toBe(main);
    expect(git(repos.work, "status", "--porcelain")).toBe("");
  });
});
