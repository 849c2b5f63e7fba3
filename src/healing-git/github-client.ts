/**
 * The two GitHub REST calls a config patch needs: open a pull request, merge it. The API
 * base URL is configurable (GitHub Enterprise, or a local stand-in in tests); nothing else
 * in this module talks to the network.
 *
 * Transient failures (no answer, 5xx, 429) are retried with exponential backoff, honouring
 * Retry-After; a 4xx is final and surfaces GitHub's own message. The token lives in a
 * private field and is only ever written into the Authorization header.
 */
import { GitHubApiError } from "./git-patch-errors.js";

export interface GitHubClientOptions {
  /** e.g. https://api.github.com (trailing slash optional). */
  apiUrl: string;
  /** "owner/name". */
  repository: string;
  token: string;
  fetch?: typeof fetch;
  /** Attempts per call, counting the first. */
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  requestTimeoutMs?: number;
  /** Told about each retry; never given the token or headers. */
  onRetry?: (info: {
    method: string;
    path: string;
    attempt: number;
    reason: string;
    delayMs: number;
  }) => void;
}

export interface PullRequestRef {
  number: number;
  url: string;
}

/** GitHub caps Retry-After at minutes; we would rather fail the step than hold the lock that long. */
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * A small GitHub REST client.
 *
 * @example
 * const github = new GitHubClient({ apiUrl: "https://api.github.com", repository: "pantheon/kernel-config", token });
 * const pr = await github.openPullRequest({ title, head: "autonomic/patch-p-42", base: "main", body });
 * const { sha } = await github.mergePullRequest(pr.number, { commitTitle: "Merge autonomic patch p-42" });
 */
export class GitHubClient {
  readonly #token: string;
  private readonly apiUrl: string;
  private readonly repository: string;
  private readonly fetchFn: typeof fetch;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly requestTimeoutMs: number;
  private readonly onRetry: GitHubClientOptions["onRetry"];

  constructor(options: GitHubClientOptions) {
    this.#token = options.token;
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.repository = options.repository;
    this.fetchFn = options.fetch ?? fetch;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.onRetry = options.onRetry;
  }

  /**
   * POST /repos/{owner}/{repo}/pulls. Creating a pull request is not idempotent: when a
   * retried request meets "already exists", the first attempt did create it, so the open
   * pull request for `head` is looked up and returned instead of failing.
   */
  async openPullRequest(pr: {
    title: string;
    head: string;
    base: string;
    body: string;
  }): Promise<PullRequestRef> {
    try {
      const created = await this.request("POST", `/repos/${this.repository}/pulls`, pr);
      return toPullRequestRef(created);
    } catch (err) {
      if (!(err instanceof GitHubApiError && err.status === 422 && err.attempts > 1)) throw err;
      const owner = this.repository.split("/")[0];
      const query = `head=${encodeURIComponent(`${owner}:${pr.head}`)}&base=${encodeURIComponent(pr.base)}&state=open`;
      const open = await this.request("GET", `/repos/${this.repository}/pulls?${query}`);
      if (Array.isArray(open) && open.length > 0) return toPullRequestRef(open[0]);
      throw err;
    }
  }

  /**
   * PUT /repos/{owner}/{repo}/pulls/{number}/merge as a merge commit. `sha`, when given,
   * makes GitHub refuse (409) if the branch moved since it was tested.
   */
  async mergePullRequest(
    number: number,
    options: { commitTitle: string; commitMessage?: string; sha?: string },
  ): Promise<{ sha: string }> {
    const reply = await this.request("PUT", `/repos/${this.repository}/pulls/${number}/merge`, {
      commit_title: options.commitTitle,
      ...(options.commitMessage === undefined ? {} : { commit_message: options.commitMessage }),
      ...(options.sha === undefined ? {} : { sha: options.sha }),
      merge_method: "merge",
    });
    const { sha, merged } = (reply ?? {}) as { sha?: unknown; merged?: unknown };
    if (merged === false || typeof sha !== "string") {
      throw new GitHubApiError(200, `pull request #${number} was not merged`, 1);
    }
    return { sha };
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      let retryReason: string;
      let retryAfterMs: number | null = null;
      try {
        const response = await this.fetchFn(`${this.apiUrl}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${this.#token}`,
            Accept: "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "autonomic-healing-git",
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
        const text = await response.text();
        const json = parseJson(text);
        if (response.ok) return json;
        const transient = response.status >= 500 || response.status === 429;
        if (!transient || attempt >= this.maxAttempts) {
          throw new GitHubApiError(response.status, githubMessage(json, text, response.statusText), attempt);
        }
        retryReason = `HTTP ${response.status}`;
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      } catch (err) {
        if (err instanceof GitHubApiError) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        if (attempt >= this.maxAttempts) throw new GitHubApiError(null, reason, attempt);
        retryReason = reason;
      }
      const delayMs = Math.min(
        MAX_RETRY_DELAY_MS,
        retryAfterMs ?? this.retryBaseDelayMs * 2 ** (attempt - 1),
      );
      this.onRetry?.({ method, path, attempt, reason: retryReason, delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function toPullRequestRef(reply: unknown): PullRequestRef {
  const { number, html_url } = (reply ?? {}) as { number?: unknown; html_url?: unknown };
  if (typeof number !== "number" || typeof html_url !== "string") {
    throw new GitHubApiError(200, "pull request reply has no number or html_url", 1);
  }
  return { number, url: html_url };
}

function parseJson(text: string): unknown {
  try {
    return text === "" ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/** GitHub's `message`, plus the specific reasons it lists under `errors` (422s). */
function githubMessage(json: unknown, text: string, statusText: string): string {
  const { message, errors } = (json ?? {}) as { message?: unknown; errors?: unknown };
  if (typeof message !== "string") return text.slice(0, 200) || statusText || "no message";
  const reasons = Array.isArray(errors)
    ? errors
        .map((e) =>
          typeof e === "string"
            ? e
            : ((e as { message?: string; code?: string }).message ?? (e as { code?: string }).code),
        )
        .filter((r): r is string => typeof r === "string")
    : [];
  return reasons.length > 0 ? `${message} (${reasons.join("; ")})` : message;
}

function parseRetryAfter(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}
