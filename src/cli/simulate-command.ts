/**
 * `autonomic simulate`: run a simulated constellation through the real control loop in
 * virtual time and print what happened (SPEC §8); with `--study`, run it over seeds under
 * two configs and compare them (rest-study.ts). Progress goes to stderr (a bar on a
 * terminal, a line per study run otherwise), so `--json` output on stdout stays clean.
 *
 *   autonomic simulate --scenario exhausted --hours 2 --withhold-vote Ocean
 *   autonomic simulate --study predictive --seeds 20 --hours 24 --json
 */
import type { Command } from "commander";
import { loadConfig } from "../config/load-config.js";
import type { AutonomicConfig } from "../core/config.js";
import { VOTERS, type Voter } from "../core/cycles/cycle-types.js";
import { defaultRegistryPath } from "../core/registry/default-registry.js";
import { type Registry, requireRegistry } from "../core/registry/registry.js";
import { SIM_SCENARIOS } from "../sim/constellation.js";
import { parseFaultSpec } from "../sim/faults.js";
import { REST_STUDIES, type RestStudy, type RestStudyKind, restStudy } from "../sim/rest-study.js";
import { type SimulationReport, simulate } from "../sim/simulate.js";
import { flagInteger, flagNumber } from "./flag-numbers.js";
import { CliError } from "./http-client.js";
import { fixed, printJson, table } from "./output.js";

interface SimulateFlags {
  registry?: string;
  hours: string;
  seed: string;
  kernels?: string;
  phase: string;
  fault: string[];
  randomFaults?: string;
  scenario: string;
  withholdVote?: string;
  study?: string;
  seeds: string;
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
    .option(
      "--scenario <name>",
      `what the constellation has been through: ${SIM_SCENARIOS.join(", ")}`,
      "normal",
    )
    .option("--withhold-vote <voter>", `this voter casts no on SLEEP all run: ${VOTERS.join(" or ")}`)
    .option("--study <name>", `compare two configs over seeds: ${REST_STUDIES.join(" or ")}`)
    .option("--seeds <n>", "with --study: run seeds 1 … n under each config", "20")
    .option("--db <location>", "SQLite file or postgres:// URL to record into (default: in memory)")
    .option("--config <file>", "config file, YAML or JSON")
    .option("--json", "print the report as JSON")
    .action(async (flags: SimulateFlags) => {
      const config = loadConfig({ file: flags.config, env: {}, flags: {} });
      const registry = requireRegistry(flags.registry ?? config.registryPath ?? defaultRegistryPath());
      const hours = flagNumber(flags.hours, "--hours");
      if (flags.study !== undefined) {
        const study = await runStudy(flags, registry, config, hours);
        if (flags.json) printJson(study);
        else process.stdout.write(`${renderStudy(study)}\n`);
        return;
      }
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
        scenario: oneOf(flags.scenario, SIM_SCENARIOS, "--scenario"),
        withholdVote:
          flags.withholdVote === undefined ? undefined : voter(flags.withholdVote, "--withhold-vote"),
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

function runStudy(
  flags: SimulateFlags,
  registry: Registry,
  config: AutonomicConfig,
  hours: number,
): Promise<RestStudy> {
  const study: RestStudyKind = oneOf(flags.study ?? "", REST_STUDIES, "--study");
  for (const [given, flag] of [
    [flags.scenario !== "normal", "--scenario"],
    [flags.withholdVote !== undefined, "--withhold-vote"],
    [flags.fault.length > 0 || flags.randomFaults !== undefined, "--fault/--random-faults"],
    [flags.db !== undefined, "--db"],
  ] as const)
    if (given)
      throw new CliError(`${flag}: not taken with --study (a study runs the normal scenario in memory)`, 2);
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  return restStudy({
    study,
    registry,
    config,
    hours,
    seeds: flagInteger(flags.seeds, "--seeds", 1),
    onProgress: ({ arm, seed, done, total }) => {
      const line = `${study} study: ${done}/${total} runs (${arm}, seed ${seed}), ${Math.round((Date.now() - started) / 1000)} s`;
      process.stderr.write(tty ? `\r${line}${done === total ? "\n" : ""}` : `${line}\n`);
    },
  });
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  const found = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (found === undefined)
    throw new CliError(`${flag}: must be one of ${allowed.join(", ")}, got "${value}"`, 2);
  return found;
}

function voter(value: string, flag: string): Voter {
  return oneOf(value, VOTERS, flag);
}

function render(r: SimulationReport): string {
  const q = r.rest_quality;
  const lines = [
    `${r.kernels} kernels, ${r.hours} h, seed ${r.seed}, ${r.scenario} scenario, phase ${r.phase}: ${r.snapshots} snapshots`,
    `rests granted ${r.rests_granted} (${r.predicted_rests} predicted), refused ${r.rests_refused} (${r.coverage_refusals} for no coverage), micro-pauses ${r.micro_pauses}, cycle rests ${r.cycle_rests}`,
    `coverage gap ${r.coverage_gap_seconds} s, essential full stop ${r.essential_full_stop_seconds} s, coordinated-pair overlap ${r.coordinated_pair_overlap_seconds} s`,
    `peak fatigue ${fixed(r.peak_fatigue.max, 3)} (mean of kernel peaks ${fixed(r.peak_fatigue.mean_of_kernel_peaks, 3)}); rest quality over ${q.rests} rests: fatigue ${fixed(q.mean_fatigue_at_rest, 3)} → ${fixed(q.mean_fatigue_after, 3)}, ${fixed(q.mean_recovery_per_minute, 4)} per minute; thresholds adapted ${r.threshold_adaptations} times`,
    `contexts handed over ${r.contexts.handed}, returned on waking ${r.contexts.returned}, lost ${r.contexts.lost}`,
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
  const c = r.cycle_decisions;
  lines.push(
    "",
    `consensus: ${c.count} decisions recorded, ${c.started} started a cycle; SLEEP yes from Heart in ${c.yes_votes.heart.sleep}, from Ocean in ${c.yes_votes.ocean.sleep}${r.withheld_vote ? ` (${r.withheld_vote} withheld its vote)` : ""}`,
  );
  if (r.cycles.length > 0) {
    const vote = (v: { vote: boolean; source: string }) => `${v.vote ? "yes" : "no"} (${v.source})`;
    lines.push(
      table(
        ["cycle", "started (s)", "ended (s)", "by", "Heart", "Ocean", "end"],
        r.cycles.map((x) => [
          x.type,
          x.started_at,
          x.ended_at,
          x.by,
          vote(x.votes.heart),
          vote(x.votes.ocean),
          x.end_reason,
        ]),
      ),
    );
  }
  return lines.join("\n");
}

function renderStudy(s: RestStudy): string {
  const arms = Object.entries(s.arms);
  const rows = arms.map(([name, a]) => {
    const o = a.overall;
    return [
      name,
      fixed(o.peak_fatigue_max_mean, 3),
      fixed(o.peak_fatigue_mean_of_kernel_peaks_mean, 3),
      o.coverage_refusals_total,
      o.rest_quality.rests,
      fixed(o.rest_quality.mean_recovery_per_minute, 4),
      `${fixed(o.rest_quality.mean_fatigue_at_rest, 3)} → ${fixed(o.rest_quality.mean_fatigue_after, 3)}`,
      fixed(o.rest_quality_resting.mean_recovery_per_minute, 4),
      o.predicted_rests_total,
      o.threshold_adaptations_total,
    ];
  });
  const paired = Object.entries(s.paired).map(
    ([figure, t]) => `${figure}: better on ${t.better}, worse on ${t.worse}, level on ${t.level}`,
  );
  return [
    `${s.study} study: ${s.switch} on and off, seeds 1–${s.seeds}, ${s.hours_per_seed} h each`,
    "",
    table(
      [
        "arm",
        "peak (mean of max)",
        "mean kernel peak",
        "no-coverage refusals",
        "rests",
        "recovery/min",
        "fatigue at rest → after",
        "recovery/min (resting)",
        "predicted",
        "adaptations",
      ],
      rows,
    ),
    "",
    `seeds where ${arms[0]?.[0] ?? "the first arm"} did better than ${arms[1]?.[0] ?? "the second"}:`,
    ...paired.map((p) => `  ${p}`),
  ].join("\n");
}
