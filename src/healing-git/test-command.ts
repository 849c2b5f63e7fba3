/**
 * Runs the configured test command on a patch branch. The command is an operator-written
 * shell string (`npm test`, `make check && ./validate params.yaml`), so it runs through
 * the shell, in its own process group: on timeout the whole group is killed, not only the
 * shell, or a test runner's children would outlive it and hold the repository. It runs
 * without the server's secrets in its environment, and its kept output is redacted.
 */
import { spawn } from "node:child_process";
import { childEnvironment, redactSecrets } from "./child-environment.js";

/**
 * What a test run left behind. `exitCode` is null when the command was killed (timeout or
 * signal) or could not start; `output` is the tail of stdout and stderr interleaved as
 * they arrived.
 *
 * @example
 * { command: "npm test", exitCode: 1, durationMs: 5312, output: "…1 failed", timedOut: false }
 */
export interface TestRun {
  command: string;
  exitCode: number | null;
  durationMs: number;
  output: string;
  timedOut: boolean;
}

export interface TestCommandOptions {
  command: string;
  cwd: string;
  timeoutSeconds: number;
  /** Only the last this-many bytes of output are kept: the end is where failures are. */
  outputTailBytes: number;
  /**
   * Secrets the command must not see and its kept output must not show: variables holding
   * them (and any secret-looking variable) are left out of its environment, and each one
   * in the output becomes [redacted].
   */
  secrets?: readonly string[];
}

/**
 * Runs `command` and resolves when it has exited (never rejects).
 *
 * @example
 * const run = await runTestCommand({ command: "npm test", cwd: repo, timeoutSeconds: 600, outputTailBytes: 4096 });
 * if (run.exitCode !== 0) console.log(run.output);
 */
export function runTestCommand(options: TestCommandOptions): Promise<TestRun> {
  const started = performance.now();
  const tail = new OutputTail(options.outputTailBytes);
  const secrets = options.secrets ?? [];
  return new Promise((resolve) => {
    const child = spawn(options.command, {
      cwd: options.cwd,
      env: childEnvironment(process.env, secrets),
      shell: true,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutSeconds * 1000);
    const finish = (exitCode: number | null, note?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (note) tail.push(Buffer.from(`\n${note}\n`));
      resolve({
        command: redactSecrets(options.command, secrets),
        exitCode: timedOut ? null : exitCode,
        durationMs: Math.round(performance.now() - started),
        output: redactSecrets(tail.text(), secrets),
        timedOut,
      });
    };
    child.stdout.on("data", (chunk: Buffer) => tail.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => tail.push(chunk));
    child.on("error", (err) => finish(null, `autonomic: could not run the test command: ${err.message}`));
    child.on("close", (code, signal) =>
      finish(
        code,
        timedOut
          ? `autonomic: killed after ${options.timeoutSeconds} s (test timeout)`
          : signal
            ? `autonomic: killed by ${signal}`
            : undefined,
      ),
    );
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone: the timer raced the exit.
  }
}

/** Keeps the last `limit` bytes written, without holding the whole output in memory. */
class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.chunks.length > 1 && this.bytes - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.bytes -= this.chunks.shift()?.length ?? 0;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const start = Math.max(0, all.length - this.limit);
    // Skip UTF-8 continuation bytes so the cut never shows a broken character.
    let from = start;
    while (from > 0 && from < all.length && ((all[from] ?? 0) & 0xc0) === 0x80) from++;
    return all.subarray(from).toString("utf8");
  }
}
