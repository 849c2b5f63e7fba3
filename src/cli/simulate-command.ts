/**
 * `autonomic simulate`: run a simulated constellation through the real control loop in
 * virtual time and print what happened (SPEC §8). Progress goes to stderr on a terminal,
 * so `--json` output on stdout stays clean for pipes.
 */
import type { Command } from "commander";
import { loadConfig } from "../config/load-config.js";
import { defaultRegistryPath } from "../core/registry/default-registry.js";
import { requireRegistry } from "../core/registry/registry.js";
import { parseFaultSpec } from "../sim/faults.js";
import { type SimulationReport, simulate } from "../sim/simulate.js";
import { flagInteger, flagNumber } from "./flag-numbers.js";
import { fixed, printJson, table } from "./output.js";

interface SimulateFlags {
  registry?: string;
  hours: string;
  seed: string;
  kernels?: string;
  phase: string;
  fault: string[];
  randomFaults?: string;
  db?: string;
  config?: string;
  json?: boolean;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description("run a seeded, simulated constellation through the real control loop in virtual time")
    .option("--registry <file>", "pantheon registry YAML (default: the shipped one)")
    .option("--hours <n>", "simulated hours", "24")
    .option("--seed <s>", "random seed: the same seed gives the same report", "1")
    .option("--kernels <n>", "total kernels: the registry's gods first, then chaos workers")
    .option("--phase <p>", "self-healing phase 1–4", "1")
    .option(
      "--fault <spec>",
      "inject a fault, NAME:type@TIME, e.g. Apollo:basin_drift@2h (repeatable)",
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option("--random-faults <n>", "also inject n faults at random kernels, types and times")
    .option("--db <location>", "SQLite file or postgres:// URL to record into (default: in memory)")
    .option("--config <file>", "config file, YAML or JSON")
    .option("--json", "print the report as JSON")
    .action(async (flags: SimulateFlags) => {
      const config = loadConfig({ file: flags.config, env: {}, flags: {} });
      const registry = requireRegistry(flags.registry ?? config.registryPath ?? defaultRegistryPath());
      const hours = flagNumber(flags.hours, "--hours");
      const showProgress = process.stderr.isTTY === true;
      const report = await simulate({
        registry,
        config,
        hours,
        seed: flagInteger(flags.seed, "--seed"),
        kernels: flags.kernels === undefined ? undefined : flagInteger(flags.kernels, "--kernels"),
        phase: flagInteger(flags.phase, "--phase"),
        faults: flags.fault.map(parseFaultSpec),
        randomFaults:
          flags.randomFaults === undefined ? undefined : flagInteger(flags.randomFaults, "--random-faults"),
        store: flags.db,
        onProgress: ({ simulatedSeconds, totalSeconds }) => {
          if (!showProgress) return;
          const done = simulatedSeconds / totalSeconds;
          const bar = "#".repeat(Math.round(done * 30)).padEnd(30, ".");
          process.stderr.write(`\r[${bar}] ${(simulatedSeconds / 3600).toFixed(0)}/${hours} h`);
          if (simulatedSeconds >= totalSeconds) process.stderr.write("\n");
        },
      });
      if (flags.json) printJson(report);
      else process.stdout.write(`${render(report)}\n`);
    });
}

function render(r: SimulationReport): string {
  const lines = [
    `${r.kernels} kernels, ${r.hours} h, seed ${r.seed}, phase ${r.phase}: ${r.snapshots} snapshots`,
    `rests granted ${r.rests_granted}, refused ${r.rests_refused}, micro-pauses ${r.micro_pauses}`,
    `coverage gap ${r.coverage_gap_seconds} s, essential full stop ${r.essential_full_stop_seconds} s, coordinated-pair overlap ${r.coordinated_pair_overlap_seconds} s`,
    "",
    table(
      ["god", "uptime"],
      Object.entries(r.duty_cycle).map(([god, up]) => [god, `${fixed(up * 100, 1)} %`]),
    ),
  ];
  if (r.faults.length > 0) {
    lines.push(
      "",
      table(
        ["kernel", "fault", "at (s)", "detected (s)", "healed (s)", "strategy", "outcome"],
        r.faults.map((f) => [f.kernel, f.type, f.at, f.detected_at, f.healed_at, f.strategy, f.outcome]),
      ),
    );
  }
  const d = r.detection;
  lines.push(
    "",
    `faults detected ${d.faults_detected}/${d.faults_injected}; degradation onsets ${d.degradation_onsets}, false positives ${d.false_positives}`,
  );
  return lines.join("\n");
}
