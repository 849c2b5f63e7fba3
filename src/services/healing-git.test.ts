/**
 * Approving a persistent patch with a config repository configured: a real git repository
 * with a bare remote on disk (no network), the branch, commit, test command, push and merge,
 * and the revert when verification rolls the patch back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTestRepos, fileAt, remoteRefs, type TestRepos } from "../../test/support/git-fixtures.js";
import { openHealing } from "../../test/support/healing-service-fixture.js";
import { GitPatchRepository } from "../healing-git/index.js";

const ERRORING = { error_rate: 0.2 } as const;
const repos: TestRepos[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

async function healingWithRepository(testCommand: string) {
  const r = createTestRepos({ "kernels.yaml": "athena_1:\n  cache_entries: 10\n" });
  repos.push(r);
  const git = new GitPatchRepository({
    repositoryPath: r.work,
    paramsFile: "kernels.yaml",
    testCommand,
    author: { name: "Autonomic", email: "autonomic@example.test" },
  });
  const h = await openHealing({ git });
  await h.forcePhase(3);
  // An error spike: rollback_config, a persistent change, waits for review once sandboxed.
  await h.report("apollo_1", 12, ERRORING);
  await h.healing.healPass();
  await h.answer("apollo_1", { ok: true, predicted: { phi: 0.78, kappa_eff: 64.21, error_rate: 0.01 } });
  expect((await h.patch("pat_1")).state).toBe("pending_review");
  return { h, r };
}

/** Real git in a temp repository: a clone, commits, a test command and a push take seconds on a busy machine. */
const GIT_TIMEOUT = 30_000;

describe("config patches as git commits", () => {
  it(
    "commits the params on autonomic/patch-<id>, tests, pushes and merges on approval, then applies",
    async () => {
      const { h, r } = await healingWithRepository("grep -q rollback_config kernels.yaml");
      await h.healing.approve("pat_1", "ops");

      const refs = remoteRefs(r.remote);
      expect(refs.has("refs/heads/autonomic/patch-pat_1")).toBe(true);
      const onMain = fileAt(r.remote, "main", "kernels.yaml");
      expect(onMain).toMatch(/apollo_1:\n\s+rollback_config: true/);
      expect(onMain).toMatch(/athena_1:\n\s+cache_entries: 10/);
      const git = (await h.patch("pat_1")).git as { merged: boolean; test: { exitCode: number } };
      expect(git).toMatchObject({ merged: true, test: { exitCode: 0 } });
      // Only then is the live action sent.
      expect(h.pendingAction("apollo_1")).toMatchObject({ type: "rollback_config", dry_run: false });
    },
    GIT_TIMEOUT,
  );

  it(
    "rejects the patch when the test command fails: nothing merged, nothing sent to the kernel",
    async () => {
      const { h, r } = await healingWithRepository("exit 3");
      await h.healing.approve("pat_1", "ops");

      const patch = await h.patch("pat_1");
      expect(patch.state).toBe("rejected");
      expect(patch.transitions.at(-1)?.reason).toMatch(/config change not merged/);
      expect((patch.git as { test: { exitCode: number } }).test.exitCode).toBe(3);
      expect(fileAt(r.remote, "main", "kernels.yaml")).not.toMatch(/apollo_1/);
      expect(h.actions.pendingFor("apollo_1")).toEqual([]);
    },
    GIT_TIMEOUT,
  );

  it(
    "reverts the merge in a new commit when verification rolls the patch back",
    async () => {
      const { h, r } = await healingWithRepository("true");
      await h.healing.approve("pat_1", "ops");
      await h.answer("apollo_1", { ok: true });
      expect((await h.patch("pat_1")).state).toBe("applied");
      // The errors go on: live fitness stays low over the verification window.
      const start = h.clock.now();
      for (let k = 1; k <= 3; k++) {
        h.clock.set(start + k * 60_000 - 5_000);
        await h.report("apollo_1", 1, ERRORING);
        await h.healing.tick();
      }
      h.clock.set(start + 181_000);
      await h.healing.tick();
      await h.answer("apollo_1", { ok: true }); // restore_config, the inverse

      const patch = await h.patch("pat_1");
      expect(patch.state).toBe("rolled_back");
      expect(patch.rollback).toMatchObject({ type: "restore_config", ok: true });
      expect(fileAt(r.remote, "main", "kernels.yaml")).not.toMatch(/rollback_config/);
    },
    GIT_TIMEOUT,
  );
});
