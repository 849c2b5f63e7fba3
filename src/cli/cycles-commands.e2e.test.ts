/**
 * `autonomic cycles [vote|end]` and `autonomic rest quality` as a user runs them, against a
 * real server whose own "consensus" job runs every 0.2 s: two cast votes start SLEEP without
 * the test touching the server, `cycles --json` shows it, `cycles end` ends it, and ending
 * again is a refusal (exit 3).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFile, eventually } from "../../test/support/healing-http.js";
import {
  runCli,
  type ServerProcess,
  startServerProcess,
  stopAllServers,
} from "../../test/support/server-process.js";
import { EXIT_REFUSED } from "./rest-commands.js";

const SLOW = 60_000;
const dir = mkdtempSync(join(tmpdir(), "autonomic-cycles-cli-"));
let server: ServerProcess;

/** Runs `autonomic ...args --url <server>`. */
const cli = (...args: string[]) => runCli([...args, "--url", server.url]);

function parseJson(stdout: string) {
  try {
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(`not JSON: ${stdout}`, { cause: error });
  }
}

beforeAll(async () => {
  const config = configFile(dir, "fast-consensus", { cycles: { consensusIntervalSeconds: 0.2 } });
  server = await startServerProcess({ db: join(dir, "cli.db"), args: ["--config", config] });
  for (const [kernel_id, kernel_name] of [
    ["apollo_1", "Apollo"],
    ["heart_1", "Heart"],
  ]) {
    const response = await fetch(`${server.url}/api/rest/kernels`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kernel_id, kernel_name }),
    });
    expect(response.status).toBe(201);
  }
}, SLOW);

afterAll(async () => {
  await stopAllServers();
  rmSync(dir, { recursive: true, force: true });
});

describe("autonomic cycles against a running server", () => {
  it(
    "casts both votes, sees the server's consensus start SLEEP in cycles --json, ends it, and refuses a second end with exit 3",
    async () => {
      const none = parseJson((await cli("cycles", "--json")).stdout);
      expect(none).toMatchObject({ status: "ok", active: null, votes: [] });

      const heart = await cli(
        "cycles",
        "vote",
        "--voter",
        "Heart",
        "--type",
        "sleep",
        "--yes",
        "--reason",
        "spent",
      );
      expect(heart.code, heart.stderr).toBe(0);
      expect(heart.stdout).toContain("Heart votes yes on SLEEP");
      const ocean = await cli(
        "cycles",
        "vote",
        "--voter",
        "ocean",
        "--type",
        "SLEEP",
        "--yes",
        "--reason",
        "scattered",
        "--json",
      );
      expect(ocean.code, ocean.stderr).toBe(0);
      expect(parseJson(ocean.stdout).vote).toMatchObject({ voter: "Ocean", cycle_type: "sleep", vote: true });

      // Waits over HTTP (a CLI run per poll would be slow), then reads it with the CLI.
      await eventually(
        async () =>
          ((await (await fetch(`${server.url}/api/rest/cycles`)).json()) as { active: unknown }).active,
        (active) => active !== null,
        "a SLEEP cycle started by the consensus job",
      );
      const running = parseJson((await cli("cycles", "--json", "--limit", "5")).stdout);
      expect(running.active).toMatchObject({ cycle_type: "sleep", kernels: ["apollo_1", "heart_1"] });
      expect(running.cycles.length).toBeLessThanOrEqual(5);
      expect(running.cycles[0]).toMatchObject({ kind: "cycle", cycle_type: "sleep", ended_at: null });
      const decisions = parseJson((await cli("cycles", "--json", "--kind", "decision")).stdout).cycles;
      expect(decisions.every((r: { kind: string }) => r.kind === "decision")).toBe(true);

      const table = await cli("cycles");
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/^active: SLEEP since /m);
      expect(table.stdout).toMatch(/^Heart\s+sleep\s+yes\s+/m);
      expect(table.stdout).toContain("Ocean (cast): Ocean cast yes on SLEEP: scattered");

      const ended = await cli("cycles", "end", "--reason", "enough");
      expect(ended.code, ended.stderr).toBe(0);
      expect(ended.stdout).toContain("SLEEP ends: enough");
      const again = await cli("cycles", "end");
      expect(again.code).toBe(EXIT_REFUSED);
      expect(again.stdout).toContain("refused: no constellation cycle is running");
    },
    SLOW,
  );

  it(
    "exits 1 naming the field for a bad vote, and asks for one of --yes or --no",
    async () => {
      const bad = await cli("cycles", "vote", "--voter", "Zeus", "--type", "sleep", "--no", "--reason", "x");
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("400");
      expect(bad.stderr).toContain("voter:");
      const neither = await cli("cycles", "vote", "--voter", "Heart", "--type", "sleep", "--reason", "x");
      expect(neither.code).toBe(1);
      expect(neither.stderr).toContain("give one of --yes or --no");
    },
    SLOW,
  );

  it(
    "prints rest quality as JSON, and a 404 for an unknown kernel",
    async () => {
      const run = await cli("rest", "quality", "--json");
      expect(run.code, run.stderr).toBe(0);
      // The cycle above was the only rest: both kernels rested once in it.
      expect(parseJson(run.stdout).quality).toMatchObject({
        overall: { kernel_id: null, rests: 2 },
        kernels: [
          { kernel_id: "apollo_1", rests: 1 },
          { kernel_id: "heart_1", rests: 1 },
        ],
      });
      const plain = await cli("rest", "quality", "--kernel", "apollo_1");
      expect(plain.stdout).toMatch(/^apollo_1\s+1\s+/m);
      const ghost = await cli("rest", "quality", "--kernel", "ghost_1");
      expect(ghost.code).toBe(1);
      expect(ghost.stderr).toContain("404");
    },
    SLOW,
  );

  it(
    "shows help for each command",
    async () => {
      const commands = [["cycles"], ["cycles", "vote"], ["cycles", "end"], ["rest", "quality"]];
      const runs = await Promise.all(commands.map((args) => runCli([...args, "--help"])));
      commands.forEach((args, i) => {
        const run = runs[i] as (typeof runs)[number];
        expect(run.code, args.join(" ")).toBe(0);
        expect(run.stdout).toContain(`Usage: autonomic ${args.join(" ")}`);
        expect(run.stdout).toContain("--url");
      });
      expect(runs[1]?.stdout).toContain("--voter");
      expect(runs[1]?.stdout).toContain("--yes");
      expect(runs[0]?.stdout).toContain("--kind");
    },
    SLOW,
  );
});
