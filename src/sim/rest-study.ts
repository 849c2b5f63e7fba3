/**
 * Studies of WP5.4's next steps over seeds: `simulate` on the same seeds under two configs
 * that differ in one switch, summarised per seed and overall.
 * - "predictive": rest.predictive.enabled true (predictive) vs false (reactive); peak fatigue
 *   and coverage refusals (rests refused for no_coverage).
 * - "adaptive": rest.adaptiveThresholds.enabled true (adaptive) vs false (fixed); rest quality
 *   from the rest_ended events (recovery per minute, fatigue before and after, rests).
 * Everything else is the base config (by default both switches on), so each study moves
 * exactly one thing. Same seed, same constellation, same loads: the arms differ only by what
 * the switch changes.
 *
 * @example
 * const study = await restStudy({ study: "predictive", registry, seeds: 20, hours: 24 });
 * study.arms.predictive.overall.peak_fatigue_max_mean; // vs study.arms.reactive.overall…
 */
import { type AutonomicConfig, buildConfig, DEFAULT_CONFIG } from "../core/config.js";
import { InvalidInputError } from "../core/errors.js";
import type { Registry } from "../core/registry/registry.js";
import { type RestQualityFigures, round } from "./rest-accounting.js";
import { type SimulationReport, simulate } from "./simulate.js";

export type RestStudyKind = "predictive" | "adaptive";
export const REST_STUDIES: readonly RestStudyKind[] = ["predictive", "adaptive"];

export interface RestStudyOptions {
  study: RestStudyKind;
  registry: Registry;
  /** Seeds 1 … seeds. */
  seeds: number;
  hours: number;
  /** The base config both arms start from; default the built-in one. */
  config?: AutonomicConfig;
  /** Called after each run. */
  onProgress?: (progress: { arm: string; seed: number; done: number; total: number }) => void;
}

/** One run's figures, as the study reads them. */
export interface StudySeedFigures {
  seed: number;
  peak_fatigue_max: number;
  peak_fatigue_mean_of_kernel_peaks: number;
  coverage_refusals: number;
  rests_granted: number;
  rests_refused: number;
  predicted_rests: number;
  threshold_adaptations: number;
  rest_quality: RestQualityFigures;
  rest_quality_resting: RestQualityFigures;
}

export interface StudyArmSummary {
  /** Means over seeds of each seed's figure. */
  peak_fatigue_max_mean: number;
  peak_fatigue_mean_of_kernel_peaks_mean: number;
  /** The highest fatigue of any kernel in any seed. */
  peak_fatigue_max: number;
  coverage_refusals_total: number;
  coverage_refusals_per_seed: number;
  rests_granted_total: number;
  predicted_rests_total: number;
  threshold_adaptations_total: number;
  /** Pooled over every finished rest of every seed (not a mean of per-seed means). */
  rest_quality: RestQualityFigures;
  /** The same, RESTING rests only: micro-pauses and REDUCED rests recover by other rules. */
  rest_quality_resting: RestQualityFigures;
}

export interface StudyArm {
  /** The switch's value in this arm. */
  enabled: boolean;
  per_seed: StudySeedFigures[];
  overall: StudyArmSummary;
}

export interface RestStudy {
  study: RestStudyKind;
  /** The config key the arms differ in. */
  switch: string;
  seeds: number;
  hours_per_seed: number;
  /** Arm names: for "predictive" predictive/reactive, for "adaptive" adaptive/fixed. */
  arms: Record<string, StudyArm>;
  /** Seeds on which the switched-on arm came out better, worse or level, per figure. */
  paired: Record<string, { better: number; worse: number; level: number }>;
}

const ARMS: Record<RestStudyKind, { on: string; off: string; key: string }> = {
  predictive: { on: "predictive", off: "reactive", key: "rest.predictive.enabled" },
  adaptive: { on: "adaptive", off: "fixed", key: "rest.adaptiveThresholds.enabled" },
};

export async function restStudy(options: RestStudyOptions): Promise<RestStudy> {
  if (!REST_STUDIES.includes(options.study))
    throw new InvalidInputError("study", `must be one of ${REST_STUDIES.join(", ")}`);
  if (!(Number.isInteger(options.seeds) && options.seeds >= 1))
    throw new InvalidInputError("seeds", "must be a positive integer");
  const base = options.config ?? DEFAULT_CONFIG;
  const names = ARMS[options.study];
  const total = options.seeds * 2;
  let done = 0;
  const arms: Record<string, StudyArm> = {};
  for (const enabled of [true, false]) {
    const name = enabled ? names.on : names.off;
    const config = armConfig(base, options.study, enabled);
    const perSeed: StudySeedFigures[] = [];
    for (let seed = 1; seed <= options.seeds; seed++) {
      const report = await simulate({ registry: options.registry, hours: options.hours, seed, config });
      perSeed.push(seedFigures(report));
      done += 1;
      options.onProgress?.({ arm: name, seed, done, total });
    }
    arms[name] = { enabled, per_seed: perSeed, overall: summarise(perSeed) };
  }
  const on = arms[names.on] as StudyArm;
  const off = arms[names.off] as StudyArm;
  return {
    study: options.study,
    switch: names.key,
    seeds: options.seeds,
    hours_per_seed: options.hours,
    arms,
    paired: paired(on.per_seed, off.per_seed),
  };
}

function armConfig(base: AutonomicConfig, study: RestStudyKind, enabled: boolean): AutonomicConfig {
  return study === "predictive"
    ? buildConfig(base, { rest: { predictive: { enabled } } })
    : buildConfig(base, { rest: { adaptiveThresholds: { enabled } } });
}

function seedFigures(r: SimulationReport): StudySeedFigures {
  return {
    seed: r.seed,
    peak_fatigue_max: r.peak_fatigue.max,
    peak_fatigue_mean_of_kernel_peaks: r.peak_fatigue.mean_of_kernel_peaks,
    coverage_refusals: r.coverage_refusals,
    rests_granted: r.rests_granted,
    rests_refused: r.rests_refused,
    predicted_rests: r.predicted_rests,
    threshold_adaptations: r.threshold_adaptations,
    rest_quality: withoutModes(r.rest_quality),
    rest_quality_resting: r.rest_quality.by_mode.resting ?? emptyQuality(),
  };
}

function withoutModes(q: SimulationReport["rest_quality"]): RestQualityFigures {
  const { by_mode: _byMode, ...overall } = q;
  return overall;
}

function emptyQuality(): RestQualityFigures {
  return {
    rests: 0,
    mean_duration_seconds: 0,
    mean_fatigue_at_rest: 0,
    mean_fatigue_after: 0,
    mean_recovery_per_minute: 0,
    mean_recovery_fraction: 0,
  };
}

function summarise(seeds: StudySeedFigures[]): StudyArmSummary {
  const mean = (f: (s: StudySeedFigures) => number) =>
    round(seeds.reduce((a, s) => a + f(s), 0) / seeds.length, 4);
  const sum = (f: (s: StudySeedFigures) => number) => seeds.reduce((a, s) => a + f(s), 0);
  return {
    peak_fatigue_max_mean: mean((s) => s.peak_fatigue_max),
    peak_fatigue_mean_of_kernel_peaks_mean: mean((s) => s.peak_fatigue_mean_of_kernel_peaks),
    peak_fatigue_max: Math.max(...seeds.map((s) => s.peak_fatigue_max)),
    coverage_refusals_total: sum((s) => s.coverage_refusals),
    coverage_refusals_per_seed: mean((s) => s.coverage_refusals),
    rests_granted_total: sum((s) => s.rests_granted),
    predicted_rests_total: sum((s) => s.predicted_rests),
    threshold_adaptations_total: sum((s) => s.threshold_adaptations),
    rest_quality: pooled(seeds.map((s) => s.rest_quality)),
    rest_quality_resting: pooled(seeds.map((s) => s.rest_quality_resting)),
  };
}

/** Means over every rest of every run, weighting each run's means by its rests. */
function pooled(qs: RestQualityFigures[]): RestQualityFigures {
  const rests = qs.reduce((a, q) => a + q.rests, 0);
  const w = (f: (q: RestQualityFigures) => number) =>
    rests > 0 ? round(qs.reduce((a, q) => a + f(q) * q.rests, 0) / rests, 4) : 0;
  return {
    rests,
    mean_duration_seconds: w((q) => q.mean_duration_seconds),
    mean_fatigue_at_rest: w((q) => q.mean_fatigue_at_rest),
    mean_fatigue_after: w((q) => q.mean_fatigue_after),
    mean_recovery_per_minute: w((q) => q.mean_recovery_per_minute),
    mean_recovery_fraction: w((q) => q.mean_recovery_fraction),
  };
}

/** Lower is better for these; higher for recovery per minute. */
const PAIRED: Record<string, { of: (s: StudySeedFigures) => number; higherIsBetter: boolean }> = {
  peak_fatigue_max: { of: (s) => s.peak_fatigue_max, higherIsBetter: false },
  peak_fatigue_mean_of_kernel_peaks: {
    of: (s) => s.peak_fatigue_mean_of_kernel_peaks,
    higherIsBetter: false,
  },
  coverage_refusals: { of: (s) => s.coverage_refusals, higherIsBetter: false },
  mean_recovery_per_minute: { of: (s) => s.rest_quality.mean_recovery_per_minute, higherIsBetter: true },
};

function paired(on: StudySeedFigures[], off: StudySeedFigures[]): RestStudy["paired"] {
  const out: RestStudy["paired"] = {};
  for (const [name, { of, higherIsBetter }] of Object.entries(PAIRED)) {
    const tally = { better: 0, worse: 0, level: 0 };
    on.forEach((s, i) => {
      const d = of(s) - of(off[i] as StudySeedFigures);
      if (Math.abs(d) < 1e-9) tally.level += 1;
      else if (d > 0 === higherIsBetter) tally.better += 1;
      else tally.worse += 1;
    });
    out[name] = tally;
  }
  return out;
}
