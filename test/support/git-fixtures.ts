/**
 * Test support for the git edge (not imported by production code): throw-away repositories
 * made with the real git binary, and a stand-in for GitHub's REST API on 127.0.0.1 that
 * records every call and answers the way GitHub does.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Runs git with the inherited GIT_* variables dropped (a hook's GIT_DIR would hijack it). */
export function git(cwd: string, ...args: string[]): string {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.toUpperCase().startsWith("GIT_")),
  );
  return execFileSync("git", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export interface TestRepos {
  root: string;
  /** The bare repository standing in for GitHub's copy. */
  remote: string;
  /** A clone of it with an initial commit on main, for the module to work in. */
  work: string;
  initialCommit: string;
  cleanup(): void;
}

/**
 * A bare remote plus a clone whose first commit on main holds README.md and `files`.
 *
 * @example
 * const repos = createTestRepos({ "params.yaml": "apollo:\n  step: 0.3\n" });
 */
export function createTestRepos(files: Record<string, string> = {}): TestRepos {
  const root = mkdtempSync(join(tmpdir(), "autonomic-git-"));
  const remote = join(root, "remote.git");
  const work = join(root, "work");
  git(root, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  git(root, "clone", "--quiet", remote, work);
  configureIdentity(work);
  for (const [path, text] of Object.entries({ "README.md": "# kernel config\n", ...files })) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  git(work, "add", "--all");
  git(work, "commit", "--quiet", "-m", "initial");
  git(work, "push", "--quiet", "origin", "main");
  const initialCommit = git(work, "rev-parse", "HEAD");
  return { root, remote, work, initialCommit, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function configureIdentity(repo: string): void {
  git(repo, "config", "user.name", "Fixture Human");
  git(repo, "config", "user.email", "human@example.test");
  git(repo, "config", "commit.gpgsign", "false");
}

/** The refs the bare remote holds, name → commit (what `git ls-remote` prints). */
export function remoteRefs(remote: string): Map<string, string> {
  const lines = git(dirname(remote), "ls-remote", remote).split("\n").filter(Boolean);
  return new Map(lines.map((l) => l.split("\t") as [string, string]).map(([sha, ref]) => [ref, sha]));
}

/** A file's text at `rev` in any repository (bare or not). */
export function fileAt(repo: string, rev: string, path: string): string {
  return git(repo, "show", `${rev}:${path}`);
}

/**
 * What GitHub does on a merge, done for real: a merge commit of `head` into `base` pushed
 * to the bare remote. Returns its id, as GitHub's merge reply does.
 */
export function mergeOnRemote(repos: TestRepos, head: string, base: string, title: string): string {
  const scratch = mkdtempSync(join(repos.root, "github-merge-"));
  git(repos.root, "clone", "--quiet", "--branch", base, repos.remote, scratch);
  configureIdentity(scratch);
  git(scratch, "merge", "--quiet", "--no-ff", "-m", title, `origin/${head}`);
  git(scratch, "push", "--quiet", "origin", base);
  return git(scratch, "rev-parse", "HEAD");
}

export interface RecordedCall {
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakePull {
  number: number;
  head: string;
  base: string;
  html_url: string;
}

export interface FakeGitHub {
  /** The API base URL to configure, e.g. http://127.0.0.1:41234 */
  url: string;
  calls: RecordedCall[];
  /** Pull requests the fake knows of; GET …/pulls?head= lists from here. */
  pulls: FakePull[];
  /** The next call gets this reply instead of the GitHub-like default; queued in order. */
  replyOnce(reply: FakeReply): void;
  close(): Promise<void>;
}

/**
 * Starts the stand-in. `onMerge` makes the merge real (see mergeOnRemote); without it the
 * merge reply carries a made-up sha.
 *
 * @example
 * const github = await startFakeGitHub({ onMerge: (pr, title) => mergeOnRemote(repos, pr.head, pr.base, title) });
 */
export async function startFakeGitHub(
  options: { onMerge?: (pr: FakePull, commitTitle: string) => string } = {},
): Promise<FakeGitHub> {
  const calls: RecordedCall[] = [];
  const pulls: FakePull[] = [];
  const queued: FakeReply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const call = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: text ? JSON.parse(text) : null,
      };
      calls.push(call);
      let reply: FakeReply;
      try {
        reply = queued.shift() ?? answerLikeGitHub(call, pulls, options.onMerge);
      } catch (err) {
        reply = { status: 500, body: { message: (err as Error).message } };
      }
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    pulls,
    replyOnce: (reply) => queued.push(reply),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function answerLikeGitHub(
  call: RecordedCall,
  pulls: FakePull[],
  onMerge?: (pr: FakePull, title: string) => string,
): FakeReply {
  const url = new URL(call.path, "http://fake");
  const create = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/pulls$/);
  if (create && call.method === "POST") {
    const { head, base } = call.body as { head: string; base: string };
    const pr = {
      number: pulls.length + 1,
      head,
      base,
      html_url: `https://github.test/${create[1]}/${create[2]}/pull/${pulls.length + 1}`,
    };
    pulls.push(pr);
    return { status: 201, body: pr };
  }
  if (create && call.method === "GET") {
    const head = url.searchParams.get("head")?.split(":")[1];
    return { status: 200, body: pulls.filter((p) => p.head === head) };
  }
  const merge = url.pathname.match(/^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/merge$/);
  const pr = merge ? pulls.find((p) => p.number === Number(merge[1])) : undefined;
  if (merge && call.method === "PUT" && pr) {
    const title = (call.body as { commit_title: string }).commit_title;
    const sha = onMerge ? onMerge(pr, title) : "f".repeat(40);
    return { status: 200, body: { sha, merged: true, message: "Pull Request successfully merged" } };
  }
  return { status: 404, body: { message: "Not Found" } };
}
