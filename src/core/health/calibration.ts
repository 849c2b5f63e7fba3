/**
 * Threshold calibration (the seed's "calibrate thresholds" step): stored snapshots are
 * replayed through the real detector under a grid of thresholds, and each rule's candidates
 * are judged by the alerts they would have raised, the incidents they would still have caught
 * and the false positives they would have let through.
 *
 * The rules are independent of one another (each reads its own threshold and its own
 * hysteresis counters, never another rule's verdict), so one replay per grid step judges every
 * rule at once: step i puts every rule at its i-th candidate. The grid is a list of
 * "looseness" factors: a rule that fires above its threshold is loosened by raising it
 * (×factor), one that fires below by lowering it (÷factor, or ×factor for a negative slope).
 * Factor 1 is the configuration in force.
 *
 * Pure and synchronous: history in, report out. Time comes from the snapshots.
 */
import { ManualClock } from "../clock.js";
import type { AutonomicConfig, HealthConfig } from "../config.js";
import { RULES, type RuleId } from "./degradation.js";
import { HealthMonitor } from "./monitor.js";
import type { HealthSnapshot } from "./snapshot.js";

/** The config key under `health` (and `health.kernelOverrides.<id>`) each rule compares against. */
export const RULE_THRESHOLD_KEY = {
  phi_avg_low: "phiAvgLowCritical",
  phi_low: "phiLowWarning",
  phi_avg_high: "phiAvgHighCritical",
  phi_slope: "phiSlopeWarningPerSnapshot",
  basin_drift_critical: "driftCritical",
  basin_drift_warning: "driftWarning",
  kappa_deviation: "kappaDeviationWarning",
  regime_breakdown: "breakdownMaxOfWindow",
  error_rate: "errorRateCritical",
  latency: "latencyWarningMs",
  memory: "memoryWarningMb",
  memory_slope: "memorySlopeWarningMbPerSnapshot",
} as const satisfies Record<RuleId, keyof HealthConfig>;

type ThresholdKey = (typeof RULE_THRESHOLD_KEY)[RuleId];
type ThresholdOverride = Partial<Record<ThresholdKey, number>>;

/** Tighter, as configured, then looser. */
export const DEFAULT_CALIBRATION_FACTORS: readonly number[] = [0.8, 0.9, 1, 1.25, 1.5, 2, 3];

/** One kernel's stored history, oldest snapshot first. */
export interface KernelHistory {
  kernel_id: string;
  /** The stored baseline, installed before the replay; null: the first basin becomes it. */
  baseline: ArrayLike<number> | null;
  snapshots: readonly HealthSnapshot[];
}

/**
 * Something a rule should (incident) or should not (false positive) have fired for: on this
 * kernel, at some time in [from_ms, to_ms], one of `rules` firing counts as catching it.
 * @example { kind: "incident", source: "verified_patch", ref: "pat_7", kernel_id: "apollo_1", rules: ["latency"], from_ms, to_ms }
 */
export interface CalibrationEvidence {
  kind: "incident" | "false_positive";
  source: string;
  ref: string;
  kernel_id: string;
  rules: readonly RuleId[];
  from_ms: number;
  to_ms: number;
}

export interface CalibrationInput {
  config: Pick<AutonomicConfig, "health" | "geometry" | "rest">;
  histories: readonly KernelHistory[];
  evidence: readonly CalibrationEvidence[];
  /** The span the history covers (clock ms), for alerts per day. */
  since_ms: number;
  until_ms: number;
  factors?: readonly number[];
}

/** One grid step of one rule (or of one rule on one kernel). */
export interface CalibrationCandidate {
  factor: number;
  threshold: number;
  /** Firing episodes (the rule starting to fire) over the span. */
  alerts: number;
  alerts_per_day: number;
  incidents_caught: number;
  false_positives: number;
}

/** A kernel whose own best candidate differs from the rule's: a `kernelOverrides` entry. */
export interface KernelSuggestion {
  kernel_id: string;
  current: number;
  suggested: CalibrationCandidate;
  alerts_now: number;
  incidents: number;
}

export interface RuleCalibration {
  rule: RuleId;
  severity: "warning" | "critical";
  config_key: ThresholdKey;
  fires: "above" | "below";
  current: number;
  incidents: number;
  candidates: CalibrationCandidate[];
  suggested: CalibrationCandidate;
  kernel_overrides: KernelSuggestion[];
}

export interface CalibrationReport {
  from_at: number;
  to_at: number;
  days: number;
  kernels: number;
  snapshots: number;
  incidents: number;
  false_positive_evidence: number;
  factors: number[];
  rules: RuleCalibration[];
  /** The config layer that applies every suggestion (empty when nothing should change). */
  config: { health: Record<string, unknown> };
}

/** Firing episodes of one rule on one kernel, as [start, end] clock ms pairs. */
type Episodes = number[];

/**
 * @example
 * const report = calibrate({ config, histories, evidence, since_ms, until_ms });
 * report.rules.find((r) => r.rule === "kappa_deviation")?.kernel_overrides[0]?.suggested.threshold // 15
 */
export function calibrate(input: CalibrationInput): CalibrationReport {
  const factors = [...new Set([...(input.factors ?? DEFAULT_CALIBRATION_FACTORS), 1])].sort((a, b) => a - b);
  const days = Math.max(input.until_ms - input.since_ms, 1) / 86_400_000;
  // replays[f][kernel][rule] = episodes
  const healths = factors.map((f) => scaledHealth(input.config.health, f));
  const replays = healths.map((health) => replay(input, health));
  const kernels = input.histories.map((h) => h.kernel_id);
  const rules = RULES.map((spec, r) => {
    const key = RULE_THRESHOLD_KEY[spec.id];
    const evidence = input.evidence.filter((e) => e.rules.includes(spec.id));
    const perKernel = (kernelId: string | null): CalibrationCandidate[] =>
      factors.map((f, i) => {
        const health = healths[i] as HealthConfig;
        const ids = kernelId === null ? kernels : [kernelId];
        let alerts = 0;
        for (const id of ids) alerts += (replays[i]?.get(id)?.[r]?.length ?? 0) / 2;
        const caught = (kind: CalibrationEvidence["kind"]) =>
          evidence.filter(
            (e) =>
              e.kind === kind &&
              (kernelId === null || e.kernel_id === kernelId) &&
              overlaps(replays[i]?.get(e.kernel_id)?.[r], e.from_ms, e.to_ms),
          ).length;
        return {
          factor: f,
          threshold: thresholdFor(health, kernelId, key),
          alerts,
          alerts_per_day: round(alerts / days),
          incidents_caught: caught("incident"),
          false_positives: caught("false_positive"),
        };
      });
    const candidates = perKernel(null);
    const keep = new Set(caughtAtCurrent(evidence, replays[factors.indexOf(1)], r));
    // Each kernel's own best; the rule's suggestion is the one most kernels choose.
    const bestByKernel = new Map<string, CalibrationCandidate>();
    const candidatesByKernel = new Map<string, CalibrationCandidate[]>();
    for (const id of kernels) {
      const own = perKernel(id);
      candidatesByKernel.set(id, own);
      const mustKeep = evidence.filter((e) => e.kernel_id === id && keep.has(e));
      bestByKernel.set(
        id,
        best(own, (i) => mustKeep.every((e) => overlaps(replays[i]?.get(id)?.[r], e.from_ms, e.to_ms))),
      );
    }
    const votes = new Map<number, number>();
    for (const c of bestByKernel.values()) votes.set(c.factor, (votes.get(c.factor) ?? 0) + 1);
    const chosenFactor =
      [...votes.entries()].sort(
        (a, b) => b[1] - a[1] || Math.abs(Math.log(a[0])) - Math.abs(Math.log(b[0])),
      )[0]?.[0] ?? 1;
    const suggested = candidates[factors.indexOf(chosenFactor)] as CalibrationCandidate;
    const overrides: KernelSuggestion[] = [];
    for (const id of kernels) {
      const own = bestByKernel.get(id) as CalibrationCandidate;
      if (own.factor === chosenFactor) continue;
      const ownCandidates = candidatesByKernel.get(id) as CalibrationCandidate[];
      const atChosen = ownCandidates[factors.indexOf(chosenFactor)] as CalibrationCandidate;
      if (own.alerts >= atChosen.alerts && own.incidents_caught <= atChosen.incidents_caught) continue;
      overrides.push({
        kernel_id: id,
        current: thresholdFor(input.config.health, id, key),
        suggested: own,
        alerts_now: (ownCandidates[factors.indexOf(1)] as CalibrationCandidate).alerts,
        incidents: evidence.filter((e) => e.kind === "incident" && e.kernel_id === id).length,
      });
    }
    return {
      rule: spec.id,
      severity: spec.severity,
      config_key: key,
      fires: spec.fires,
      current: input.config.health[key] as number,
      incidents: evidence.filter((e) => e.kind === "incident").length,
      candidates,
      suggested,
      kernel_overrides: overrides,
    } satisfies RuleCalibration;
  });
  return {
    from_at: input.since_ms,
    to_at: input.until_ms,
    days: round(days),
    kernels: kernels.length,
    snapshots: input.histories.reduce((n, h) => n + h.snapshots.length, 0),
    incidents: input.evidence.filter((e) => e.kind === "incident").length,
    false_positive_evidence: input.evidence.filter((e) => e.kind === "false_positive").length,
    factors,
    rules,
    config: { health: suggestedLayer(input.config.health, rules) },
  };
}

/**
 * The candidate with the fewest alerts among those `allowed`; ties go to the one nearest
 * factor 1. Only candidates at least as loose as the configured one are suggested: a tighter
 * threshold can show fewer alert *episodes* only by firing for longer (one that never stops
 * firing raises a single alert), so tighter candidates are reported for information only.
 */
function best(candidates: CalibrationCandidate[], allowed: (index: number) => boolean): CalibrationCandidate {
  let chosen: CalibrationCandidate | null = null;
  candidates.forEach((c, i) => {
    if (c.factor < 1 || !allowed(i)) return;
    if (
      chosen === null ||
      c.alerts < chosen.alerts ||
      (c.alerts === chosen.alerts && Math.abs(Math.log(c.factor)) < Math.abs(Math.log(chosen.factor)))
    )
      chosen = c;
  });
  // Factor 1 always keeps what factor 1 caught, so something is always allowed.
  return chosen ?? (candidates.find((c) => c.factor === 1) as CalibrationCandidate);
}

function caughtAtCurrent(
  evidence: readonly CalibrationEvidence[],
  current: Map<string, Episodes[]> | undefined,
  rule: number,
): CalibrationEvidence[] {
  return evidence.filter(
    (e) => e.kind === "incident" && overlaps(current?.get(e.kernel_id)?.[rule], e.from_ms, e.to_ms),
  );
}

function overlaps(episodes: Episodes | undefined, from: number, to: number): boolean {
  if (!episodes) return false;
  for (let i = 0; i < episodes.length; i += 2)
    if ((episodes[i] as number) <= to && (episodes[i + 1] as number) >= from) return true;
  return false;
}

/** Replays every kernel's history through a fresh monitor; per kernel, per rule, its firing episodes. */
function replay(input: CalibrationInput, health: HealthConfig): Map<string, Episodes[]> {
  const monitor = new HealthMonitor({
    config: { ...input.config, health },
    clock: new ManualClock(input.since_ms),
  });
  const out = new Map<string, Episodes[]>();
  for (const h of input.histories) {
    const episodes: Episodes[] = RULES.map(() => []);
    if (h.baseline) monitor.setBaseline(h.kernel_id, h.baseline);
    let previous = 0;
    let lastAt = 0;
    for (const s of h.snapshots) {
      monitor.ingest(s);
      const at = (s.timestamp ?? 0) * 1000;
      const mask = monitor.firingRules(h.kernel_id);
      if (mask !== previous)
        for (let r = 0; r < RULES.length; r++) {
          const bit = 1 << r;
          if (mask & bit && !(previous & bit)) episodes[r]?.push(at);
          else if (!(mask & bit) && previous & bit) episodes[r]?.push(lastAt);
        }
      previous = mask;
      lastAt = at;
    }
    for (let r = 0; r < RULES.length; r++) if (previous & (1 << r)) episodes[r]?.push(lastAt);
    out.set(h.kernel_id, episodes);
  }
  return out;
}

/** `health` with every rule threshold (and every kernel override) loosened by `factor`. */
export function scaledHealth(health: HealthConfig, factor: number): HealthConfig {
  const scale = (o: ThresholdOverride, base: HealthConfig): ThresholdOverride => {
    const out: ThresholdOverride = {};
    for (const spec of RULES) {
      const key = RULE_THRESHOLD_KEY[spec.id];
      const value = o[key] ?? (base[key] as number);
      out[key] = loosen(spec.id, value, factor, base.windowSnapshots);
    }
    return out;
  };
  const overrides: HealthConfig["kernelOverrides"] = {};
  for (const [id, o] of Object.entries(health.kernelOverrides)) overrides[id] = scale(o, health);
  return { ...health, ...scale({}, health), kernelOverrides: overrides };
}

/** A threshold moved by a looseness factor, kept inside what its config key accepts. */
function loosen(rule: RuleId, value: number, factor: number, windowSnapshots: number): number {
  const spec = RULES.find((r) => r.id === rule) as (typeof RULES)[number];
  let next: number;
  if (spec.fires === "above" || value < 0) next = value * factor;
  else next = value / factor;
  switch (rule) {
    case "regime_breakdown":
      return Math.min(windowSnapshots, Math.max(0, Math.round(next)));
    case "basin_drift_critical":
    case "basin_drift_warning":
      return round(Math.min(Math.PI, next));
    case "phi_avg_low":
    case "phi_low":
    case "phi_avg_high":
    case "error_rate":
      return round(Math.min(1, next));
    default:
      return round(next);
  }
}

function thresholdFor(health: HealthConfig, kernelId: string | null, key: ThresholdKey): number {
  const own = kernelId === null ? undefined : health.kernelOverrides[kernelId]?.[key];
  return own ?? (health[key] as number);
}

/** The `health` config layer applying each rule's suggestion and its kernel overrides. */
function suggestedLayer(health: HealthConfig, rules: readonly RuleCalibration[]): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  const overrides: Record<string, ThresholdOverride> = {};
  for (const r of rules) {
    if (r.suggested.factor !== 1) layer[r.config_key] = r.suggested.threshold;
    for (const k of r.kernel_overrides) {
      const entry = overrides[k.kernel_id] ?? {};
      entry[r.config_key] = k.suggested.threshold;
      overrides[k.kernel_id] = entry;
    }
  }
  // A warning above its critical would be refused at start-up: hold it at the critical.
  const critical = (layer.driftCritical as number | undefined) ?? health.driftCritical;
  if (((layer.driftWarning as number | undefined) ?? health.driftWarning) > critical)
    layer.driftWarning = critical;
  for (const o of Object.values(overrides)) {
    const c = o.driftCritical ?? critical;
    if ((o.driftWarning ?? (layer.driftWarning as number | undefined) ?? health.driftWarning) > c)
      o.driftWarning = c;
  }
  if (Object.keys(overrides).length > 0)
    layer.kernelOverrides = {
      ...structuredClone(health.kernelOverrides),
      ...mergeOverrides(health, overrides),
    };
  return layer;
}

function mergeOverrides(
  health: HealthConfig,
  overrides: Record<string, ThresholdOverride>,
): Record<string, ThresholdOverride> {
  const out: Record<string, ThresholdOverride> = {};
  for (const [id, o] of Object.entries(overrides)) out[id] = { ...(health.kernelOverrides[id] ?? {}), ...o };
  return out;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
