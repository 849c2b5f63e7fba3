/**
 * The simulator's faults and the remediation actions that cure them (SPEC §5, §8): what
 * can go wrong with a kernel, which health issues reveal it, which single action heals it,
 * and how faults are written on the command line (`Apollo:basin_drift@2h`).
 */
import { InvalidInputError } from "../core/errors.js";
import { REMEDIATION_TYPES, type RemediationType } from "../core/healing/remediation-action.js";
import type { RuleId } from "../core/health/degradation.js";
import type { SeededRandom } from "./random.js";

export const FAULT_TYPES = [
  "basin_drift",
  "phi_collapse",
  "phi_overload",
  "latency_regression",
  "memory_leak",
  "error_spike",
  "crash",
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

// The actions are the control plane's own list: the six cures and the three undos.
export { REMEDIATION_TYPES, type RemediationType } from "../core/healing/remediation-action.js";

/** The one action that heals each fault; every other action leaves the fault in place. */
export const CURE: Readonly<Record<FaultType, RemediationType>> = {
  basin_drift: "basin_correction",
  phi_collapse: "integration_boost",
  phi_overload: "decoherence",
  latency_regression: "enable_cache",
  memory_leak: "recycle",
  error_spike: "rollback_config",
  crash: "recycle",
};

/**
 * The degradation rules (src/core/health/degradation.ts) whose firing reveals each fault.
 * A crash has none: a crashed kernel says nothing, so it is detected by its silence.
 */
export const SIGNATURE: Readonly<Record<FaultType, readonly RuleId[]>> = {
  basin_drift: ["basin_drift_warning", "basin_drift_critical"],
  phi_collapse: ["phi_avg_low", "phi_low"],
  // Φ above 0.85 is also the breakdown regime, so both rules see an overload.
  phi_overload: ["phi_avg_high", "regime_breakdown"],
  latency_regression: ["latency"],
  memory_leak: ["memory_slope", "memory"],
  error_spike: ["error_rate"],
  crash: [],
};

/** A fault to inject: into which kernel (kernel id or god name), what, and when. */
export interface FaultSpec {
  kernel: string;
  type: FaultType;
  /** Simulated seconds after the start of the run. */
  atSeconds: number;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, "": 3600 };
const FAULT_SYNTAX = /^([^:@\s]+):([^@\s]*)@(\S*)$/;
const TIME_SYNTAX = /^(\d+(?:\.\d+)?|\.\d+)([smh]?)$/;

/**
 * Parses the CLI form NAME:type@TIME, TIME in s, m or h (a bare number is hours).
 * @example parseFaultSpec("hermes_1:crash@90m") // { kernel: "hermes_1", type: "crash", atSeconds: 5400 }
 */
export function parseFaultSpec(text: string): FaultSpec {
  const usage = `write NAME:type@TIME, e.g. Apollo:basin_drift@2h, with TIME in s, m or h (a bare number is hours) and type one of ${FAULT_TYPES.join(", ")}`;
  const match = FAULT_SYNTAX.exec(text.trim());
  if (!match) throw new InvalidInputError("fault", `cannot read "${text}"; ${usage}`);
  const [, kernel, type, time] = match as unknown as [string, string, string, string];
  if (!isFaultType(type)) throw new InvalidInputError("fault", `unknown fault type "${type}"; ${usage}`);
  const at = TIME_SYNTAX.exec(time);
  if (!at) throw new InvalidInputError("fault", `cannot read the time "${time}"; ${usage}`);
  const [, amount, unit] = at as unknown as [string, string, string];
  return { kernel, type, atSeconds: Number(amount) * (UNIT_SECONDS[unit] as number) };
}

export function isFaultType(value: string): value is FaultType {
  return (FAULT_TYPES as readonly string[]).includes(value);
}

/** Faults never start in the first hour, nor in the last two (time to detect and heal). */
const RANDOM_START_SECONDS = 3600;
const RANDOM_END_MARGIN_SECONDS = 2 * 3600;
/** Two faults on one kernel are at least this far apart, so each can be told from the other. */
const RANDOM_MIN_GAP_SECONDS = 3600;
const RANDOM_TRIES_PER_FAULT = 1000;

/**
 * `count` faults at uniformly chosen kernels, types and whole-second times in
 * [1 h, hours − 2 h], at least 1 h apart on any one kernel, sorted by time.
 * @example randomFaults(rng.fork("faults"), ["Apollo", "Ares"], 3, 24)
 */
export function randomFaults(
  rng: SeededRandom,
  kernelNames: readonly string[],
  count: number,
  hours: number,
): FaultSpec[] {
  if (!(Number.isInteger(count) && count >= 0))
    throw new InvalidInputError("randomFaults", "must be a non-negative integer");
  if (count === 0) return [];
  if (kernelNames.length === 0) throw new InvalidInputError("randomFaults", "there are no kernels to fault");
  const first = RANDOM_START_SECONDS;
  const last = Math.floor(hours * 3600) - RANDOM_END_MARGIN_SECONDS;
  if (!(last >= first))
    throw new InvalidInputError("randomFaults", "random faults need a run of at least 3 hours");
  const faults: FaultSpec[] = [];
  for (let n = 0; n < count; n++) {
    let placed = false;
    for (let attempt = 0; attempt < RANDOM_TRIES_PER_FAULT && !placed; attempt++) {
      const kernel = rng.pick(kernelNames);
      const type = rng.pick(FAULT_TYPES);
      const atSeconds = rng.int(first, last);
      const clash = faults.some(
        (f) => f.kernel === kernel && Math.abs(f.atSeconds - atSeconds) < RANDOM_MIN_GAP_SECONDS,
      );
      if (!clash) {
        faults.push({ kernel, type, atSeconds });
        placed = true;
      }
    }
    if (!placed)
      throw new InvalidInputError(
        "randomFaults",
        `cannot place ${count} faults 1 h apart per kernel on ${kernelNames.length} kernels in ${hours} h`,
      );
  }
  return faults.sort((a, b) => a.atSeconds - b.atSeconds);
}

/** Protocol bounds of the actions' parameters (SPEC §5). */
export const REMEDIATION_LIMITS = {
  boostFactorMax: 1.5,
  decoherenceNoiseMax: 0.2,
  correctionStepDefault: 0.3,
} as const;

/** A validated remediation action. */
export type Remediation =
  | { type: "basin_correction"; step: number }
  | { type: "integration_boost"; factor: number }
  | { type: "decoherence"; noise: number }
  | { type: "enable_cache"; entries: number }
  | { type: "recycle" }
  | { type: "rollback_config" }
  | { type: "disable_cache" }
  | { type: "restore_config" }
  | { type: "basin_restore" };

/**
 * Validates an action and its parameters; an InvalidInputError names the bad one.
 * Parameters an action does not use are ignored.
 * @example parseRemediation("integration_boost", { factor: 1.2 }) // { type: "integration_boost", factor: 1.2 }
 */
export function parseRemediation(type: string, params: Readonly<Record<string, unknown>>): Remediation {
  const L = REMEDIATION_LIMITS;
  switch (type) {
    case "basin_correction": {
      if (params.target !== undefined && params.target !== "baseline")
        throw new InvalidInputError("target", `must be "baseline", got ${JSON.stringify(params.target)}`);
      const step = params.step === undefined ? L.correctionStepDefault : params.step;
      if (!(typeof step === "number" && step > 0 && step <= 1))
        throw new InvalidInputError("step", `must be a number in (0, 1], got ${JSON.stringify(step)}`);
      return { type, step };
    }
    case "integration_boost": {
      const factor = params.factor;
      if (!(typeof factor === "number" && factor > 1 && factor <= L.boostFactorMax))
        throw new InvalidInputError(
          "factor",
          `must be a number in (1, ${L.boostFactorMax}], got ${JSON.stringify(factor)}`,
        );
      return { type, factor };
    }
    case "decoherence": {
      const noise = params.noise;
      if (!(typeof noise === "number" && noise > 0 && noise <= L.decoherenceNoiseMax))
        throw new InvalidInputError(
          "noise",
          `must be a number in (0, ${L.decoherenceNoiseMax}], got ${JSON.stringify(noise)}`,
        );
      return { type, noise };
    }
    case "enable_cache": {
      const entries = params.entries;
      if (!(typeof entries === "number" && Number.isSafeInteger(entries) && entries > 0))
        throw new InvalidInputError("entries", `must be a positive integer, got ${JSON.stringify(entries)}`);
      return { type, entries };
    }
    case "recycle":
    case "rollback_config":
    case "disable_cache":
    case "restore_config":
    case "basin_restore":
      return { type };
    default:
      throw new InvalidInputError(
        "type",
        `unknown action "${type}"; expected one of ${REMEDIATION_TYPES.join(", ")}`,
      );
  }
}
