import { afterEach, describe, expect, it } from "vitest";
import { type FakeGitHub, startFakeGitHub } from "../../test/support/git-fixtures.js";
import { GitHubApiError } from "./git-patch-errors.js";
import { GitHubClient, type GitHubClientOptions } from "./github-client.js";

const pr = { title: "Tune apollo", head: "autonomic/patch-p-1", base: "main", body: "why" };

describe("GitHubClient", () => {
  let github: FakeGitHub;
  afterEach(() => github?.close());

  async function client(options: Partial<GitHubClientOptions> = {}) {
    github = await startFakeGitHub();
    return new GitHubClient({
      apiUrl: `${github.url}/`,
      repository: "pantheon/kernel-config",
      token: "t0k3n",
      retryBaseDelayMs: 1,
      ...options,
    });
  }

  it("retries after a network error", async () => {
    let failures = 0;
    const flakyFetch: typeof fetch = (input, init) => {
      if (failures++ === 0) return Promise.reject(new TypeError("fetch failed"));
      return fetch(input, init);
    };
    const github = await client({ fetch: flakyFetch });

    await expect(github.openPullRequest(pr)).resolves.toEqual({
      number: 1,
      url: "https://github.test/pantheon/kernel-config/pull/1",
    });
    expect(failures).toBe(2);
  });

  it("gives up after maxAttempts on a GitHub that keeps failing, as an unavailable error", async () => {
    const api = await client({ maxAttempts: 3 });
    for (let i = 0; i < 3; i++) github.replyOnce({ status: 503, body: { message: "Service Unavailable" } });

    const error = await api.openPullRequest(pr).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error).toMatchObject({
      status: 503,
      attempts: 3,
      kind: "unavailable",
      githubMessage: "Service Unavailable",
    });
    expect(github.calls).toHaveLength(3);
  });

  it("waits as long as Retry-After says on a 429, not its own backoff", async () => {
    const delays: number[] = [];
    const api = await client({ retryBaseDelayMs: 60_000, onRetry: (info) => delays.push(info.delayMs) });
    github.replyOnce({ status: 429, headers: { "retry-after": "0" }, body: { message: "rate limited" } });

    await api.openPullRequest(pr);

    expect(delays).toEqual([0]);
  });

  it("does not retry a 4xx", async () => {
    const api = await client();
    github.replyOnce({ status: 403, body: { message: "Resource not accessible by integration" } });

    const error = await api.openPullRequest(pr).catch((e: unknown) => e);

    expect(error).toMatchObject({
      status: 403,
      kind: "conflict",
      message: "GitHub 403: Resource not accessible by integration",
    });
    expect(github.calls).toHaveLength(1);
  });

  it("returns the pull request a retried create already made instead of its 422", async () => {
    const api = await client();
    github.replyOnce({ status: 502, body: { message: "Bad Gateway" } });
    github.replyOnce({ status: 422, body: { message: "Validation Failed", errors: [{ code: "custom" }] } });
    github.pulls.push({ number: 9, head: pr.head, base: "main", html_url: "https://github.test/p/k/pull/9" });

    const opened = await api.openPullRequest(pr);

    expect(opened).toEqual({ number: 9, url: "https://github.test/p/k/pull/9" });
    expect(github.calls.at(-1)?.method).toBe("GET");
    expect(github.calls.at(-1)?.path).toBe(
      "/repos/pantheon/kernel-config/pulls?head=pantheon%3Aautonomic%2Fpatch-p-1&base=main&state=open",
    );
  });

  it("refuses a merge reply that says the pull request was not merged", async () => {
    const api = await client();
    github.replyOnce({ status: 200, body: { merged: false, message: "not merged" } });

    await expect(api.mergePullRequest(3, { commitTitle: "Merge" })).rejects.toThrow(/was not merged/);
    expect(github.calls[0]).toMatchObject({
      method: "PUT",
      path: "/repos/pantheon/kernel-config/pulls/3/merge",
      body: { commit_title: "Merge", merge_method: "merge" },
    });
  });
});
