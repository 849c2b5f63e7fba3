/**
 * The real server as a child process, for end-to-end tests and HTTP benchmarks: exactly what
 * `autonomic serve` runs (`node --import tsx src/cli/main.ts serve --port 0 …`), so signals,
 * start-up checks and restarts on the same database are the production ones. Free of vitest,
 * so benchmarks can use it too; tests call `stopAllServers()` in afterAll.
 *
 * @example
 * const server = await startServerProcess({ db: "/tmp/x/autonomic.db" });
 * await fetch(`${server.url}/api/rest/health`);
 * server.kill("SIGKILL");
 * await server.waitForExit();
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root (this file sits at test/support/). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const START_TIMEOUT_MS = 30_000;

export interface ServerProcessOptions {
  /** SQLite file or postgres:// URL, passed as --db. */
  db: string;
  /** More arguments after `serve`, e.g. ["--config", file]. */
  args?: string[];
  /** Environment added to the cleaned one (AUTONOMIC_* and DATABASE_URL removed first). */
  env?: Record<string, string>;
  /** Default "info": the "listening" line is logged at info. */
  logLevel?: string;
  /** Node flags before the script, e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/p"]. */
  nodeArgs?: string[];
  /** Run the build (dist/cli/main.js, after `npm run build`) rather than the source through tsx. */
  built?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  /** http://127.0.0.1:PORT, from the "listening" log line. */
  url: string;
  child: ChildProcess;
  /** Every stdout line so far (pino JSON, one per event). */
  logs(): string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves with the first log entry (parsed pino line) that `match` accepts, waiting up to `timeoutMs`. */
  waitForLog(
    match: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves once the process has exited (at once if it already has). */
  waitForExit(timeoutMs?: number): Promise<ExitStatus>;
}

const live = new Set<ChildProcess>();

/**
 * The environment for a child: ours without Autonomic's own variables, so a developer's
 * AUTONOMIC_TOKEN or DATABASE_URL never leaks into a test, plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("AUTONOMIC_") || name === "DATABASE_URL") continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** Arguments that run the CLI from source: `node <these> …`. */
export const CLI_ARGS = ["--import", "tsx", "src/cli/main.ts"];

/** Arguments that run the built CLI, as the `autonomic` bin does. */
export const BUILT_CLI_ARGS = ["dist/cli/main.js"];

interface Spawned {
  child: ChildProcess;
  stdoutLines: string[];
  stderr: () => string;
  exited: Promise<ExitStatus>;
  /** Calls `listener` with each complete stdout line from now on; returns the unsubscribe. */
  onLine: (listener: (line: string) => void) => () => void;
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv, cli: string[] = CLI_ARGS): Spawned {
  const child = spawn(process.execPath, [...cli, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  const stdoutLines: string[] = [];
  const lineListeners = new Set<(line: string) => void>();
  const addLine = (line: string) => {
    stdoutLines.push(line);
    for (const listener of [...lineListeners]) listener(line);
  };
  let partial = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) if (line !== "") addLine(line);
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    // "close", not "exit": the pipes are drained by then, so logs() and stderr() are complete.
    child.once("close", (code, signal) => {
      live.delete(child);
      if (partial !== "") addLine(partial);
      partial = "";
      resolve({ code, signal });
    });
    child.once("error", (error) => {
      live.delete(child);
      stderr += `spawn failed: ${error.message}\n`;
      resolve({ code: null, signal: null });
    });
  });
  return {
    child,
    stdoutLines,
    stderr: () => stderr,
    exited,
    onLine: (listener) => {
      lineListeners.add(listener);
      return () => lineListeners.delete(listener);
    },
  };
}

function serveArgs(options: ServerProcessOptions): string[] {
  return [
    "serve",
    "--port",
    "0",
    "--db",
    options.db,
    "--log-level",
    options.logLevel ?? "info",
    ...(options.args ?? []),
  ];
}

/** Starts a server and resolves once it logs "listening"; rejects (with its stderr) if it exits or takes over 30 s. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const cli = [...(options.nodeArgs ?? []), ...(options.built ? BUILT_CLI_ARGS : CLI_ARGS)];
  const { child, stdoutLines, stderr, exited, onLine } = spawnCli(
    serveArgs(options),
    cleanEnv(options.env),
    cli,
  );
  const describe = () =>
    `stderr:\n${stderr() || "(empty)"}\nstdout:\n${stdoutLines.slice(-20).join("\n") || "(empty)"}`;

  const url = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopListening();
      outcome();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      settle(() =>
        reject(
          new Error(`server did not log "listening" within ${START_TIMEOUT_MS / 1000} s\n${describe()}`),
        ),
      );
    }, START_TIMEOUT_MS);
    const stopListening = onLine((line) => {
      const entry = parseJsonLine(line);
      if (entry?.msg === "listening" && typeof entry.url === "string") {
        const listening = entry.url;
        settle(() => resolve(listening));
      }
    });
    void exited.then((status) =>
      settle(() =>
        reject(
          new Error(
            `server exited (code ${status.code}, signal ${status.signal}) before listening\n${describe()}`,
          ),
        ),
      ),
    );
  });

  return {
    url,
    child,
    logs: () => [...stdoutLines],
    stderr,
    kill: (signal: NodeJS.Signals = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitForLog: (match, timeoutMs = START_TIMEOUT_MS) =>
      withTimeout(
        new Promise<Record<string, unknown>>((resolve) => {
          const matching = (line: string) => {
            const entry = parseJsonLine(line);
            return entry && match(entry) ? entry : undefined;
          };
          for (const line of stdoutLines) {
            const entry = matching(line);
            if (entry) return resolve(entry);
          }
          const stop = onLine((line) => {
            const entry = matching(line);
            if (entry) {
              stop();
              resolve(entry);
            }
          });
        }),
        timeoutMs,
        () => `no matching log line within ${timeoutMs} ms\n${describe()}`,
      ),
    waitForExit: (timeoutMs = START_TIMEOUT_MS) =>
      withTimeout(exited, timeoutMs, () => `server did not exit within ${timeoutMs} ms\n${describe()}`),
  };
}

export interface CompletedRun extends ExitStatus {
  stdout: string;
  stderr: string;
}

/**
 * Runs `autonomic serve` expecting it to stop by itself (a start-up refusal). `args` are
 * complete (no --port 0 is added, so environment ports can be tested). Killed after 30 s.
 */
export async function runServeToExit(
  args: string[],
  env: Record<string, string> = {},
): Promise<CompletedRun> {
  return runCli(["serve", ...args], env);
}

/** Runs any CLI command to completion (killed after 30 s) and returns its exit and output. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CompletedRun> {
  const { child, stdoutLines, stderr, exited } = spawnCli(args, cleanEnv(env));
  const timer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MS);
  const status = await exited;
  clearTimeout(timer);
  return { ...status, stdout: stdoutLines.join("\n"), stderr: stderr() };
}

/** SIGKILLs every child this module started that is still running, and waits for them. */
export async function stopAllServers(): Promise<void> {
  const children = [...live];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("close", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

// A crashed or interrupted test run must not leave servers holding ports and databases.
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Parsed pino lines of a server's stdout (non-JSON lines skipped). */
export function logEntries(server: ServerProcess): Record<string, unknown>[] {
  return server.logs().flatMap((line) => {
    const entry = parseJsonLine(line);
    return entry ? [entry] : [];
  });
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
