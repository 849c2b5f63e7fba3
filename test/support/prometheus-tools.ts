/**
 * Prometheus's own tools for the monitoring tests: Debian's `prometheus` package puts
 * /usr/bin/promtool and /usr/bin/prometheus on the machine. A missing tool is a failure
 * that says what to install, never a skipped test.
 *
 * @example
 * const promtool = requireTool("promtool");
 * const { code, stdout } = await runTool(promtool, ["check", "rules", "deploy/prometheus-rules.yml"]);
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { REPO_ROOT } from "./server-process.js";

const RUN_TIMEOUT_MS = 60_000;

/** The absolute path of `name` on PATH (or in /usr/bin); throws saying which package provides it. */
export function requireTool(name: "promtool" | "prometheus"): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin"];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    `${name} not found on PATH or in /usr/bin: install Debian's prometheus package ` +
      "(apt-get install -y prometheus), which provides /usr/bin/prometheus and /usr/bin/promtool",
  );
}

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for failure messages. */
  output: string;
}

/** Runs a tool to completion from the repository root, feeding it `stdin` when given; killed after 60 s. */
export function runTool(path: string, args: string[], options: { stdin?: string } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, output: `${stdout}${stderr}` });
    });
    child.stdin.end(options.stdin ?? "");
  });
}
