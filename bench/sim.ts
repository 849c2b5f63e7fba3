/**
 * Simulator benchmarks: simulated kernel-hours per wall second, with the real services on
 * in-memory SQLite, for the users' 16 gods and for 1,000 kernels (the gods plus 984 chaos
 * workers; the users' registry allows 200 live chaos kernels, so this run lifts that one
 * limit in a copy of it). Then the detection and healing studies of the closing notes:
 * 20 seeds × 24 h each, with random faults; the exhausted scenario's SLEEP over seeds; and the
 * rest studies of WP5.4's next steps (predictive vs reactive, adaptive vs fixed thresholds) on
 * the same 20 seeds × 24 h. One JSON object per line; tests never assert on these. Name
 * entries to run only those.
 *
 *   node --expose-gc --import tsx bench/sim.ts
 *   node --expose-gc --import tsx bench/sim.ts rest_study exhausted_scenario
 *   node --expose-gc --import tsx bench/sim.ts healing_study --seeds 5
 */
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { buildConfig } from "../src/core/config.js";
import { parseRegistry, requireRegistry } from "../src/core/registry/registry.js";
import { HELPED_SYMPTOMS } from "../src/sim/kernel-model.js";
import { type RestStudyKind, restStudy } from "../src/sim/rest-study.js";
import { simulate } from "../src/sim/simulate.js";
import { print } from "./measure.js";

const USERS_REGISTRY = "../shared/pantheon-registry.yaml";

async function kernelHoursPerSecond(
  label: string,
  registry: ReturnType<typeof requireRegistry>,
  kernels: number,
  hours: number,
) {
  const started = performance.now();
  const report = await simulate({ registry, hours, seed: 1, kernels });
  const seconds = (performance.now() - started) / 1000;
  print({
    bench: "simulate",
    registry: label,
    kernels: report.kernels,
    simulated_hours: hours,
    wall_seconds: round(seconds, 2),
    kernel_hours_per_sec: round((report.kernels * hours) / seconds, 1),
    snapshots_per_sec: Math.round(report.snapshots / seconds),
  });
}

function registryWithChaosRoom(kernels: number) {
  const file = parse(readFileSync(USERS_REGISTRY, "utf8"));
  file.chaos_kernel_rules.spawning_limits = {
    max_chaos_kernels: kernels,
    per_domain_limit: kernels,
    total_active_limit: kernels,
  };
  const result = parseRegistry(stringify(file), "users' registry, chaos limits lifted");
  if (!result.registry) throw new Error(JSON.stringify(result.errors));
  return result.registry;
}

/** One arm of the detection study: phase 1, random faults, with or without the old help. */
async function detectionArm(seeds: number, hours: number, faultsPerRun: number, help: boolean) {
  const registry = requireRegistry(USERS_REGISTRY);
  const delays: number[] = [];
  let injected = 0;
  let detected = 0;
  let onsets = 0;
  let falsePositives = 0;
  const byType: Record<string, { injected: number; detected: number }> = {};
  for (let seed = 1; seed <= seeds; seed++) {
    const report = await simulate({
      registry,
      hours,
      seed,
      randomFaults: faultsPerRun,
      model: help ? HELPED_SYMPTOMS : {},
    });
    onsets += report.detection.degradation_onsets;
    falsePositives += report.detection.false_positives;
    for (const f of report.faults) {
      injected++;
      byType[f.type] ??= { injected: 0, detected: 0 };
      const t = byType[f.type] as { injected: number; detected: number };
      t.injected++;
      if (f.detected_at === null) continue;
      detected++;
      t.detected++;
      delays.push(f.detected_at - f.at);
    }
  }
  delays.sort((a, b) => a - b);
  const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))] ?? null;
  return {
    faults_injected: injected,
    detection_rate: round(detected / injected, 4),
    degradation_onsets: onsets,
    false_positives: falsePositives,
    false_positive_rate: onsets > 0 ? round(falsePositives / onsets, 4) : 0,
    seconds_to_detect: { median: pct(0.5), p95: pct(0.95), max: delays.at(-1) ?? null },
    by_type: byType,
  };
}

/**
 * The detection study on the same seeds and faults, twice: the simulator as it is (each fault
 * shows only its own symptoms) and with the old help (sick kernels also drift and fail
 * requests), so the figures per fault type read side by side.
 */
async function detectionStudy(seeds: number, hours: number, faultsPerRun: number) {
  const without = await detectionArm(seeds, hours, faultsPerRun, false);
  const withHelp = await detectionArm(seeds, hours, faultsPerRun, true);
  print({
    bench: "detection_study",
    seeds,
    hours_per_seed: hours,
    without_help: without,
    with_help: withHelp,
    by_type: Object.fromEntries(
      Object.entries(without.by_type).map(([type, t]) => [
        type,
        { injected: t.injected, without_help: t.detected, with_help: withHelp.by_type[type]?.detected ?? 0 },
      ]),
    ),
  });
}

interface HealingArm {
  healable_faults: number;
  healing_success_rate: number;
  patches_generated: number;
  rollbacks: number;
  alerts: number;
  coverage_gap_seconds: number;
  seconds_to_heal: { median: number | null; p95: number | null; max: number | null };
  by_type: Record<string, { injected: number; verified: number }>;
}

/**
 * One arm of the healing study: phase 4 (autonomous), random faults, with or without the
 * help the simulator used to give (every fault also drifting 0.9 and failing 2 % of
 * requests: HELPED_SYMPTOMS). A crash has no strategy in SPEC §5 (a silent kernel sends
 * nothing to heal), so crashes are counted apart.
 */
async function healingArm(
  seeds: number,
  hours: number,
  faultsPerRun: number,
  help: boolean,
  fitness: "targeted" | "original" = "targeted",
) {
  const registry = requireRegistry(USERS_REGISTRY);
  const toHeal: number[] = [];
  let healable = 0;
  let verified = 0;
  let rolledBack = 0;
  let patches = 0;
  let alerts = 0;
  let gap = 0;
  const byType: Record<string, { injected: number; verified: number }> = {};
  for (let seed = 1; seed <= seeds; seed++) {
    const report = await simulate({
      registry,
      hours,
      seed,
      phase: 4,
      randomFaults: faultsPerRun,
      model: help ? HELPED_SYMPTOMS : {},
      config: buildConfig({ healing: { fitness } }),
    });
    rolledBack += report.patches.rolled_back;
    patches += report.patches.generated;
    alerts += report.alerts;
    gap += report.coverage_gap_seconds;
    for (const f of report.faults) {
      byType[f.type] ??= { injected: 0, verified: 0 };
      const t = byType[f.type] as { injected: number; verified: number };
      t.injected++;
      if (f.type === "crash") continue;
      healable++;
      if (f.outcome !== "verified" || f.healed_at === null) continue;
      verified++;
      t.verified++;
      toHeal.push(f.healed_at - f.at);
    }
  }
  toHeal.sort((a, b) => a - b);
  const pct = (p: number) => toHeal[Math.min(toHeal.length - 1, Math.floor(p * toHeal.length))] ?? null;
  return {
    healable_faults: healable,
    healing_success_rate: round(verified / healable, 4),
    patches_generated: patches,
    rollbacks: rolledBack,
    alerts,
    coverage_gap_seconds: gap,
    seconds_to_heal: { median: pct(0.5), p95: pct(0.95), max: toHeal.at(-1) ?? null },
    by_type: byType,
  } satisfies HealingArm;
}

/**
 * The healing study, three arms on the same seeds and faults: the simulator as it is (each
 * fault shows only its own symptoms) and with the old help, both under the fitness formula
 * in force; and, as the study stood before issue 17, the old help under the original
 * formula. `per_type_success` sets verified / injected of each fault type side by side.
 */
async function healingStudy(seeds: number, hours: number, faultsPerRun: number) {
  const started = performance.now();
  const without = await healingArm(seeds, hours, faultsPerRun, false);
  const withHelp = await healingArm(seeds, hours, faultsPerRun, true);
  const before = await healingArm(seeds, hours, faultsPerRun, true, "original");
  const types = [...new Set([...Object.keys(without.by_type), ...Object.keys(withHelp.by_type)])].sort();
  const rate = (t?: { injected: number; verified: number }) =>
    t && t.injected > 0 ? round(t.verified / t.injected, 4) : null;
  print({
    bench: "healing_study",
    seeds,
    hours_per_seed: hours,
    phase: 4,
    wall_seconds: round((performance.now() - started) / 1000, 1),
    per_type_success: Object.fromEntries(
      types.map((type) => [
        type,
        {
          injected: without.by_type[type]?.injected ?? 0,
          without_help: rate(without.by_type[type]),
          with_help: rate(withHelp.by_type[type]),
          with_help_original_formula: rate(before.by_type[type]),
        },
      ]),
    ),
    without_help: without,
    with_help: withHelp,
    with_help_original_formula: before,
  });
}

/**
 * The exhausted scenario over seeds: when SLEEP starts and ends, how, and whether a withheld
 * Ocean vote keeps it from starting.
 */
async function exhaustedScenario(seeds: number, hours: number) {
  const registry = requireRegistry(USERS_REGISTRY);
  const started = performance.now();
  const sleeps: { seed: number; started_at: number; ended_at: number | null; by: string | null }[] = [];
  let withheldStarts = 0;
  let gap = 0;
  let contextsLost = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const report = await simulate({ registry, hours, seed, scenario: "exhausted" });
    const withheld = await simulate({ registry, hours, seed, scenario: "exhausted", withholdVote: "Ocean" });
    for (const c of report.cycles)
      sleeps.push({ seed, started_at: c.started_at, ended_at: c.ended_at, by: c.by });
    withheldStarts += withheld.cycles.length;
    gap += report.coverage_gap_seconds + withheld.coverage_gap_seconds;
    contextsLost += report.contexts.lost;
  }
  print({
    bench: "exhausted_scenario",
    seeds,
    hours_per_seed: hours,
    wall_seconds: round((performance.now() - started) / 1000, 1),
    seeds_with_sleep: new Set(sleeps.map((s) => s.seed)).size,
    sleeps: sleeps.length,
    first_sleep_started_at: sleeps[0]?.started_at ?? null,
    ended_by: countBy(sleeps.map((s) => s.by ?? "running")),
    sleep_seconds: { min: Math.min(...sleeps.map(length)), max: Math.max(...sleeps.map(length)) },
    cycles_with_ocean_withholding: withheldStarts,
    coverage_gap_seconds: gap,
    contexts_lost: contextsLost,
  });
}

function length(s: { started_at: number; ended_at: number | null }): number {
  return (s.ended_at ?? Number.NaN) - s.started_at;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** A rest study (rest-study.ts): the overall figures of each arm, the paired tally, and the figures per seed. */
async function restStudyBench(study: RestStudyKind, seeds: number, hours: number) {
  const started = performance.now();
  const result = await restStudy({ study, registry: requireRegistry(USERS_REGISTRY), seeds, hours });
  const perSeed = Object.fromEntries(
    Object.entries(result.arms).map(([name, arm]) => [
      name,
      arm.per_seed.map((s) => [
        s.seed,
        s.peak_fatigue_max,
        s.peak_fatigue_mean_of_kernel_peaks,
        s.coverage_refusals,
        s.rest_quality.mean_recovery_per_minute,
      ]),
    ]),
  );
  print({
    bench: "rest_study",
    study,
    switch: result.switch,
    seeds,
    hours_per_seed: hours,
    wall_seconds: round((performance.now() - started) / 1000, 1),
    arms: Object.fromEntries(Object.entries(result.arms).map(([name, arm]) => [name, arm.overall])),
    paired: result.paired,
    per_seed_columns: [
      "seed",
      "peak_fatigue_max",
      "mean_of_kernel_peaks",
      "coverage_refusals",
      "recovery_per_minute",
    ],
    per_seed: perSeed,
  });
}

function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}

// `--seeds N` runs the studies on fewer seeds than 20, for a machine too loaded to wait.
const args = process.argv.slice(2);
const seedsAt = args.indexOf("--seeds");
const SEEDS = seedsAt >= 0 ? Number(args.splice(seedsAt, 2)[1]) : 20;
if (!(Number.isInteger(SEEDS) && SEEDS >= 1)) throw new Error("--seeds: must be a positive integer");
const only = new Set(args);
const wanted = (name: string) => only.size === 0 || only.has(name);

if (wanted("simulate")) {
  await kernelHoursPerSecond("users", requireRegistry(USERS_REGISTRY), 16, 24);
  await kernelHoursPerSecond("users, chaos limits lifted", registryWithChaosRoom(1000), 1000, 1);
}
if (wanted("detection_study")) await detectionStudy(SEEDS, 24, 6);
if (wanted("healing_study")) await healingStudy(SEEDS, 24, 6);
if (wanted("exhausted_scenario")) await exhaustedScenario(20, 2);
if (wanted("rest_study")) {
  await restStudyBench("predictive", 20, 24);
  await restStudyBench("adaptive", 20, 24);
}
