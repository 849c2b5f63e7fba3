/**
 * `autonomic simulate` as a user runs it, in-process: the flags reach the simulator, JSON on
 * stdout parses, bad values are usage errors naming the flag.
 */
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerSimulateCommand } from "./simulate-command.js";

const REGISTRY = ["--registry", "../shared/pantheon-registry.yaml"];
const SLOW = 120_000;

async function run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const program = new Command().exitOverride();
  registerSimulateCommand(program);
  await program.parseAsync(["simulate", ...REGISTRY, ...args], { from: "user" });
  return { stdout, stderr };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("autonomic simulate", () => {
  it(
    "runs the exhausted scenario with a withheld vote and prints the report as JSON",
    async () => {
      const { stdout } = await run(
        "--scenario",
        "exhausted",
        "--hours",
        "0.5",
        "--withhold-vote",
        "ocean",
        "--json",
      );
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({ scenario: "exhausted", withheld_vote: "Ocean", cycles: [] });
      expect(report.cycle_decisions.yes_votes.heart.sleep).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    "shows the SLEEP cycle with both votes in its table",
    async () => {
      const { stdout } = await run("--scenario", "exhausted", "--hours", "0.5");
      expect(stdout).toMatch(/exhausted scenario/);
      expect(stdout).toMatch(/sleep\s+\d+\s+\d+\s+condition\s+yes \(telemetry\)\s+yes \(telemetry\)/);
    },
    SLOW,
  );

  it(
    "runs a study over seeds with progress on stderr and the comparison as JSON on stdout",
    async () => {
      const { stdout, stderr } = await run("--study", "predictive", "--seeds", "1", "--hours", "1", "--json");
      const study = JSON.parse(stdout);
      expect(study).toMatchObject({ study: "predictive", switch: "rest.predictive.enabled", seeds: 1 });
      expect(Object.keys(study.arms)).toEqual(["predictive", "reactive"]);
      expect(study.arms.reactive.overall.predicted_rests_total).toBe(0);
      expect(stderr).toMatch(/predictive study: 2\/2 runs/);
    },
    SLOW,
  );

  it("refuses an unknown scenario, voter or study as a usage error naming the flag", async () => {
    for (const [args, message] of [
      [["--scenario", "doom"], /--scenario: must be one of normal, exhausted/],
      [["--withhold-vote", "Zeus"], /--withhold-vote: must be one of Heart, Ocean/],
      [["--study", "psychic"], /--study: must be one of predictive, adaptive/],
      [["--study", "adaptive", "--scenario", "exhausted"], /--scenario: not taken with --study/],
    ] as const) {
      await expect(run(...args, "--hours", "0.1")).rejects.toThrow(expect.objectContaining({ exitCode: 2 }));
      await expect(run(...args, "--hours", "0.1")).rejects.toThrow(message);
    }
  });
});
