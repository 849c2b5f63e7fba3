/**
 * `autonomic demo` as a user runs it (a child process, real HTTP): the server comes up, the
 * simulated constellation registers through the SDK and reports live, the status updates
 * move, and SIGINT (Ctrl-C) stops everything and exits 0. It stays quiet: the server's log
 * lines go to the log file, never between the status lines, and an injected fault shows up by
 * name in the status.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_ARGS, cleanEnv, REPO_ROOT } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const stores = storeLocations("autonomic-demo-e2e-");
afterAll(() => stores.cleanup());

interface DemoLine {
  url: string;
  elapsedSeconds: number;
  constellation: { total_kernels: number };
  byStatus: Record<string, number>;
  events: { kind: string; kernel_id: string; text: string }[];
}

describe("autonomic demo", () => {
  it("brings a living constellation up over HTTP and stops cleanly on Ctrl-C", async () => {
    const db = join(stores.dir, "demo.db");
    const log = join(stores.dir, "demo.log");
    const child = spawn(
      process.execPath,
      [
        ...CLI_ARGS,
        "demo",
        "--port",
        "0",
        "--db",
        db,
        "--speed",
        "600",
        "--json",
        "--registry",
        "../shared/pantheon-registry.yaml",
        "--log-file",
        log,
        "--random-faults",
        "0",
        "--fault",
        "Apollo:latency_regression@2m",
      ],
      { cwd: REPO_ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    const lines: DemoLine[] = [];
    let stderr = "";
    let partial = "";
    const stdout: string[] = [];
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      stdout.push(...parts);
      for (const line of parts) if (line.startsWith("{")) lines.push(JSON.parse(line));
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    try {
      // Updates come every 5 s when stdout is not a terminal; wait for two.
      const deadline = Date.now() + 40_000;
      while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(lines.length, stderr).toBeGreaterThanOrEqual(2);
      const last = lines.at(-1) as DemoLine;
      expect(last.constellation.total_kernels).toBe(16);
      expect(last.elapsedSeconds).toBeGreaterThan((lines[0] as DemoLine).elapsedSeconds);

      const health = (await (await fetch(`${last.url}/api/self-healing/health`)).json()) as {
        success: boolean;
      };
      expect(health.success).toBe(true);
      const kernels = (await (await fetch(`${last.url}/api/rest/kernels`)).json()) as { count: number };
      expect(kernels.count).toBe(16);
      const snapshots = (await (
        await fetch(`${last.url}/api/self-healing/snapshots?kernel_id=hermes_1`)
      ).json()) as {
        snapshots: unknown[];
      };
      expect(snapshots.snapshots.length, JSON.stringify(snapshots).slice(0, 300)).toBeGreaterThan(0);

      // The fault, by name, as it started; and not one log line among the status lines.
      expect(last.events.map((e) => e.text)).toContain("Apollo latency_regression injected");
      expect(stdout.filter((line) => line !== "" && !("constellation" in JSON.parse(line)))).toEqual([]);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/stopped/);
    expect(stderr).toContain(`logs: ${log}`);
    expect(stderr).not.toMatch(/"level":/);
    expect(readFileSync(log, "utf8")).toMatch(/"msg":"listening"/);
  }, 60_000);
});
