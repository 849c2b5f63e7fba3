/**
 * SPEC §5's four phases of self-healing and the gates between them. Each phase allows
 * more than the last, and a gate is computed from the system's own records: advancing
 * refuses while a criterion is unmet, unless forced with a reason that is then recorded.
 * The phase 4 gate has no next phase: it is a standing check (> 80 % verified) that shows
 * on the status page and never blocks anything.
 */
import { ConflictError, InvalidInputError } from "../errors.js";
import { fmt } from "../health/issues.js";
import type { HealingGates } from "./healing-config.js";
import { STRATEGIES } from "./strategies.js";

export type HealingPhase = 1 | 2 | 3 | 4;

export const PHASE_NAMES: Record<HealingPhase, string> = {
  1: "monitoring",
  2: "fitness_evaluation",
  3: "healing_with_review",
  4: "autonomous",
};

/** What the healing loop and operators may do. */
export type HealingCapability =
  | "monitor"
  | "detect"
  | "alert"
  | "generate"
  | "sandbox"
  | "apply_after_approval"
  | "auto_apply";

const ADDED: Record<HealingPhase, readonly HealingCapability[]> = {
  1: ["monitor", "detect", "alert"],
  2: ["generate", "sandbox"],
  3: ["apply_after_approval"],
  4: ["auto_apply"],
};

/**
 * Counts the service computes from its store.
 * @example { snapshots: 1200, kernels_seen: 4, kernels_with_baseline: 4, server_crashes: 0, patches_generated: 0, … }
 */
export interface HealingRecordSummary {
  snapshots: number;
  kernels_seen: number;
  kernels_with_baseline: number;
  server_crashes: number;
  patches_generated: number;
  sandbox_runs: number;
  sandbox_successes: number;
  /** The fitness of every sandbox run that returned one; the gate takes their median. */
  sandbox_fitness_values: number[];
  strategies_exercised: string[];
  patches_applied: number;
  patches_verified: number;
  false_positives: number;
  rollbacks_needed: number;
  rollbacks_succeeded: number;
}

/** @example { name: "snapshots", description: "snapshots recorded", value: 1200, target: "≥ 1000", met: true } */
export interface GateCriterion {
  name: string;
  description: string;
  /** null when there is nothing yet to measure (a fraction of zero runs); such a criterion is unmet. */
  value: number | null;
  target: string;
  met: boolean;
}

/** @example { phase: 1, next: 2, met: false, criteria: [ … ] } */
export interface GateEvaluation {
  phase: HealingPhase;
  next: HealingPhase | null;
  met: boolean;
  criteria: GateCriterion[];
}

/** @example { from: 1, to: 2, forced: true, reason: "lab constellation, crashes were the test harness", unmet: ["no_crash"] } */
export interface PhaseAdvance {
  from: HealingPhase;
  to: HealingPhase;
  /** True when an unmet gate was overridden. */
  forced: boolean;
  reason: string;
  /** The criteria overridden; empty when the gate was met. */
  unmet: string[];
}

/**
 * Everything allowed in a phase: each phase adds to the last.
 * @example allowedActions(2) // ["monitor", "detect", "alert", "generate", "sandbox"]
 */
export function allowedActions(phase: HealingPhase): HealingCapability[] {
  const allowed: HealingCapability[] = [];
  for (let p = 1; p <= phase; p++) allowed.push(...ADDED[p as HealingPhase]);
  return allowed;
}

/** @example isAllowed(3, "auto_apply") // false */
export function isAllowed(phase: HealingPhase, capability: HealingCapability): boolean {
  return allowedActions(phase).includes(capability);
}

/**
 * The gate out of `phase`, criterion by criterion.
 * @example evaluateGate(1, summary, config.healing.gates).met // false until 1000 snapshots
 */
export function evaluateGate(phase: HealingPhase, s: HealingRecordSummary, g: HealingGates): GateEvaluation {
  const criteria = CRITERIA[phase](s, g);
  return {
    phase,
    next: phase < 4 ? ((phase + 1) as HealingPhase) : null,
    met: criteria.every((c) => c.met),
    criteria,
  };
}

/**
 * The next phase, when the gate is met or the move is forced with a reason. Throws a
 * ConflictError "gate_unmet" naming the unmet criteria, a ConflictError "final_phase" from
 * phase 4, and an InvalidInputError "reason" for a force without one.
 * @example advance(1, summary, gates, { force: true, reason: "lab run" }) // { from: 1, to: 2, forced: true, … }
 */
export function advance(
  current: HealingPhase,
  summary: HealingRecordSummary,
  gates: HealingGates,
  options: { force?: boolean; reason?: string } = {},
): PhaseAdvance {
  const reason = options.reason?.trim() ?? "";
  if (options.force && reason === "")
    throw new InvalidInputError("reason", "a forced advance must say why the gate is overridden");
  const gate = evaluateGate(current, summary, gates);
  if (gate.next === null)
    throw new ConflictError("final_phase", `phase ${current} (${PHASE_NAMES[current]}) is the last`);
  const unmet = gate.criteria.filter((c) => !c.met);
  if (unmet.length > 0 && !options.force)
    throw new ConflictError(
      "gate_unmet",
      `phase ${current} gate unmet: ${unmet.map((c) => `${c.name} ${gateValueText(c.value, c.target)} (needs ${c.target})`).join("; ")}`,
    );
  return {
    from: current,
    to: gate.next,
    forced: unmet.length > 0,
    reason: reason || "gate met",
    unmet: unmet.map((c) => c.name),
  };
}

/**
 * The median (of sandbox fitness values, of times in the impact report); null for none.
 * @example median([0.4, 0.9, 0.6]) // 0.6
 */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

type Criteria = (s: HealingRecordSummary, g: HealingGates) => GateCriterion[];

const CRITERIA: Record<HealingPhase, Criteria> = {
  1: (s, g) => [
    atLeast("snapshots", "health snapshots recorded", s.snapshots, g.phase1MinSnapshots),
    {
      name: "baselines",
      description: `kernels with a baseline basin, of ${s.kernels_seen} seen`,
      value: s.kernels_with_baseline,
      target: `= ${s.kernels_seen} (every kernel seen)`,
      met: s.kernels_with_baseline >= s.kernels_seen,
    },
    {
      name: "no_crash",
      description: "server crashes recorded",
      value: s.server_crashes,
      target: "= 0",
      met: s.server_crashes === 0,
    },
  ],
  2: (s, g) => {
    const m = median(s.sandbox_fitness_values);
    const lo = g.phase2SandboxFitnessMedianMin;
    const hi = g.phase2SandboxFitnessMedianMax;
    const missing = STRATEGIES.filter((x) => !s.strategies_exercised.includes(x));
    return [
      atLeast("patches", "patches generated", s.patches_generated, g.phase2MinPatches),
      {
        name: "sandbox_fitness_median",
        description: `median sandbox fitness over ${s.sandbox_fitness_values.length} runs`,
        value: m,
        target: `${lo}–${hi}`,
        met: m !== null && m >= lo && m <= hi,
      },
      {
        name: "strategies_exercised",
        description:
          missing.length === 0
            ? "strategies with a patch"
            : `strategies with a patch; missing ${missing.join(", ")}`,
        value: STRATEGIES.length - missing.length,
        target: `= ${STRATEGIES.length} (all strategies)`,
        met: missing.length === 0,
      },
      fraction("sandbox_success", "sandbox runs that succeeded", s.sandbox_successes, s.sandbox_runs, {
        at_least: g.phase2MinSandboxSuccessFraction,
      }),
    ];
  },
  3: (s, g) => [
    atLeast("applied", "patches applied", s.patches_applied, g.phase3MinApplied),
    fraction("verified", "applied patches verified", s.patches_verified, s.patches_applied, {
      above: g.phase3VerifiedFractionAbove,
    }),
    fraction(
      "false_positives",
      "generated patches that were false positives",
      s.false_positives,
      s.patches_generated,
      {
        below: g.phase3FalsePositiveFractionBelow,
      },
    ),
    {
      name: "rollbacks",
      description: `needed rollbacks that succeeded, of ${s.rollbacks_needed}`,
      value: s.rollbacks_succeeded,
      target: `= ${s.rollbacks_needed} (every needed rollback)`,
      met: s.rollbacks_succeeded >= s.rollbacks_needed,
    },
  ],
  4: (s, g) => [
    fraction("verified", "applied patches verified", s.patches_verified, s.patches_applied, {
      above: g.phase4VerifiedFractionAbove,
    }),
  ],
};

function atLeast(name: string, description: string, value: number, min: number): GateCriterion {
  return { name, description, value, target: `≥ ${min}`, met: value >= min };
}

/** A share of `of`, as a fraction; null (unmet) when there is nothing to take a share of. */
function fraction(
  name: string,
  description: string,
  count: number,
  of: number,
  bound: { at_least: number } | { above: number } | { below: number },
): GateCriterion {
  const value = of > 0 ? count / of : null;
  const [target, holds] =
    "at_least" in bound
      ? [`≥ ${share(bound.at_least)}`, (v: number) => v >= bound.at_least]
      : "above" in bound
        ? [`> ${share(bound.above)}`, (v: number) => v > bound.above]
        : [`< ${share(bound.below)}`, (v: number) => v < bound.below];
  return {
    name,
    description: `${description} (${count} of ${of})`,
    value,
    target,
    met: value !== null && holds(value),
  };
}

/** @example share(0.7) // "0.7 (70 %)" */
function share(f: number): string {
  return `${f} (${fmt(f * 100)} %)`;
}

/**
 * A gate criterion's value beside its target ("> 0.7 (70 %)", "0.5–0.8"), with the digits it
 * takes to show which side of each limit it is on: 0.69996 needing > 0.7 is not "0.7".
 * @example gateValueText(0.69996, "> 0.7 (70 %)") // "0.69996"
 */
export function gateValueText(value: number | null, target: string): string {
  if (value === null) return "none";
  const limits = [...target.matchAll(/-?\d+(?:\.\d+)?/g)]
    .map((m) => Number(m[0]))
    .filter((l) => !target.includes("%") || l <= 1);
  let digits = 4;
  let text = fmt(value);
  while (digits < 15 && !limits.every((l) => Math.sign(Number(text) - l) === Math.sign(value - l))) {
    digits += 1;
    text = String(Number(value.toPrecision(digits)));
  }
  return text;
}
