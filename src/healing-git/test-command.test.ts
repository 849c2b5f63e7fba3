import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runTestCommand } from "./test-command.js";

describe("runTestCommand", { timeout: 15_000 }, () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "autonomic-test-command-")));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (command: string, timeoutSeconds = 10, outputTailBytes = 4096) =>
    runTestCommand({ command, cwd: dir, timeoutSeconds, outputTailBytes });

  it("records the exit code and stdout and stderr as they came, run in the repository", async () => {
    const result = await run("pwd; echo out; echo err >&2; exit 7");

    expect(result).toMatchObject({
      exitCode: 7,
      timedOut: false,
      command: "pwd; echo out; echo err >&2; exit 7",
    });
    expect(result.output).toBe(`${dir}\nout\nerr\n`);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("keeps only the tail of a long output", async () => {
    const result = await run("head -c 10000 /dev/zero | tr '\\0' a; echo; echo THE-END", 10, 100);

    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(100);
    expect(result.output.endsWith("aaa\nTHE-END\n")).toBe(true);
  });

  it("kills the command and its children on timeout", async () => {
    const marker = join(dir, "child-survived");

    const result = await run(`(sleep 1.5; touch ${marker}) & sleep 30`, 0.3);

    expect(result).toMatchObject({ exitCode: null, timedOut: true });
    expect(result.output).toContain("killed after 0.3 s");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(existsSync(marker)).toBe(false);
  });

  it("reports a command that cannot start as a failure, not a crash", async () => {
    const result = await runTestCommand({
      command: "true",
      cwd: join(dir, "missing"),
      timeoutSeconds: 5,
      outputTailBytes: 4096,
    });

    expect(result.exitCode).toBeNull();
    expect(result.output).toContain("could not run the test command");
  });
});
