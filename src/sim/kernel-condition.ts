/**
 * The physiology of a simulated kernel, as pure functions over a small mutable condition:
 * how load drains energy and rest restores it, how Φ, κ, errors and latency follow from
 * energy and faults, how the basin drifts and relaxes, and what each remediation action
 * changes. SimKernel (kernel-model.ts) wraps it with randomness and the wire format; a dry
 * run applies an action to a copy of the condition.
 */
import { DEFAULT_CONFIG } from "../core/config.js";
import { fisherRaoDistance, geodesicStep, normalizeSimplex } from "../core/geometry.js";
import {
  collapsedMetrics,
  EXHAUSTION_MODEL,
  farCorner,
  scatterBasin,
  updateExhaustion,
} from "./exhaustion.js";
import type { FaultType, Remediation } from "./faults.js";
import type { SeededRandom } from "./random.js";

const KAPPA_STAR = DEFAULT_CONFIG.rest.kappaStar;

/**
 * Every constant of the model, units in the names. Energy E is 0 (spent) … 1 (fresh).
 *
 * Why the tired curve is so steep: the SPEC §3 fatigue formula only passes the rest
 * thresholds (0.45 coordinated, 0.50 scheduled) when Φ is near 0 AND κ is far from κ*.
 * Below κ* the stability factor saturates at 0.5 (worth 0.10), so an exhausted kernel's κ
 * runs away upward, to 3κ* (worth 0.13): with Φ 0.08, load 0.5 and a full time factor
 * that is fatigue ≈ 0.54. Above the tired energy Φ and κ sit at their healthy values and
 * fatigue stays near 0.1–0.2.
 */
export const DEFAULT_SIM_MODEL = Object.freeze({
  /** Awake, dE/dt = −drain·(served load − sustainable load): 4 h from full to spent at load 0.5. */
  drainPerSecondPerLoad: 1 / 5760,
  sustainableLoad: 0.1,
  /**
   * Heart, Ocean and Hades never rest, so they are built for their work: below this load
   * they recover while awake (a heart rests between beats). Their days run at 0.2–0.8.
   */
  sustainableLoadNeverPolicy: 0.9,
  /**
   * Hermes and Artemis rotate through 10–60 s micro-pauses instead of resting: that only
   * sustains a kernel built to recover as it works, as a rotating relay is.
   */
  sustainableLoadRotating: 0.6,
  /** Resting or micro-pausing: spent to full in 25 min. */
  restRecoveryPerSecond: 1 / 1500,
  /** REDUCED: three times slower, while still serving `reducedLoadShare` of its own load. */
  reducedRecoveryPerSecond: 1 / 4500,
  reducedLoadShare: 0.3,
  /** Below this energy an awake kernel's Φ, κ, errors and latency degrade, linearly to E = 0. */
  tiredEnergy: 0.15,
  /**
   * While RESTING, Φ and κ show how far recovery has come (an idle kernel integrates
   * little) and are healthy only from this energy. Otherwise the scheduler's "fatigue below
   * half its threshold" wake would end a rest a minute in, at E ≈ 0.1.
   */
  restingFullPhiEnergy: 0.9,
  phiHealthyMin: 0.75,
  phiHealthyMax: 0.8,
  phiExhausted: 0.08,
  phiNoiseSd: 0.01,
  phiCollapsed: 0.45,
  phiOverloaded: 0.92,
  /** A wrong integration_boost raises Φ by this per unit of factor above 1 (0.03 at 1.5). */
  boostPhiPerFactorUnit: 0.06,
  /** A wrong decoherence lowers Φ by this per unit of noise (0.03 at 0.2). */
  decoherencePhiPerNoiseUnit: 0.15,
  phiOffsetLimit: 0.3,
  kappaOffsetMax: 1,
  kappaNoiseSd: 1,
  kappaExhausted: 3 * KAPPA_STAR,
  errorRateHealthy: 0.005,
  errorRateExhausted: 0.03,
  errorRateSpike: 0.15,
  errorRateNoiseSd: 0.001,
  latencyMsMin: 180,
  latencyMsMax: 220,
  latencyExhaustedFactor: 2,
  latencyRegressedMs: 3500,
  latencyNoiseSdMs: 10,
  cacheLatencyFactor: 0.9,
  memoryMbMin: 280,
  memoryMbMax: 320,
  memoryNoiseSdMb: 2,
  memoryLeakMbPerMinute: 20,
  cacheMbPerEntry: 0.005,
  cpuIdlePct: 5,
  cpuPctPerLoad: 80,
  cpuNoiseSdPct: 2,
  confidenceHealthy: 0.9,
  confidenceExhausted: 0.5,
  agencyHealthy: 0.85,
  agencyExhausted: 0.5,
  surpriseHealthy: 0.1,
  surpriseExhausted: 0.4,
  selfReportNoiseSd: 0.02,
  /** Log-normal noise on each basin entry; a noisy basin lies ≈ this far (Fisher–Rao) from the true one. */
  basinNoiseSigma: 0.1,
  /** basin_drift walks the basin this far per minute toward its target (1.4 in 7 min, 2.0 in 10). */
  basinDriftPerMinute: 0.2,
  /** A drift target is a vertex of the simplex with this much mass spread over the rest. */
  driftTargetResidualMass: 0.02,
  /** Undriven, the basin returns to its baseline with this time constant. */
  basinRelaxSeconds: 120,
  /**
   * Help the simulator no longer gives (issue 17): a faulty kernel whose outputs also wander
   * this far (Fisher–Rao) and that also fails this share of its requests, cleared with the
   * fault. A real kernel that is only slow or only leaking shows neither, so both are 0 by
   * default; HELPED_SYMPTOMS puts back the old values, for the study that compares the two.
   */
  symptomDrift: 0,
  symptomErrorRate: 0,
  /** Working on after energy is spent: collapse, for the SLEEP cycle (exhaustion.ts). */
  ...EXHAUSTION_MODEL,
});
/**
 * The symptoms the simulator used to add to every fault (drift 0.9, 2 % failed requests),
 * which let the original fitness formula pass 0.7 for cures of latency or memory alone.
 * Only the healing study's "with help" arm uses them now.
 */
export const HELPED_SYMPTOMS = Object.freeze({ symptomDrift: 0.9, symptomErrorRate: 0.02 });

/** Numbers, not the defaults' literal types, so a test or study may pass other values. */
export type SimModelConstants = { readonly [K in keyof typeof DEFAULT_SIM_MODEL]: number };

export type SimRestMode = "active" | "resting" | "reduced" | "micro_pause";

/** The lasting side effects of actions, kept as small fields so each can be undone. */
export interface SimAdjustments {
  /** Added to Φ by wrong integration_boost (+) and decoherence (−) actions. */
  phiOffset: number;
  /** enable_cache's entries; 0 while no cache is on. */
  cacheEntries: number;
  /** The running config; an error_spike is a bad config pushed on top of the good one. */
  configVersion: number;
  goodConfigVersion: number;
  restarts: number;
}

/** A kernel's own constants, drawn at creation. */
export interface KernelProfile {
  phiBase: number;
  kappaBase: number;
  latencyBaseMs: number;
  memoryBaseMb: number;
  sustainableLoad: number;
  baseline: Float64Array;
  /** Where a faulty kernel's outputs wander toward (symptomDrift of the way). */
  symptomTarget: Float64Array;
  /** Where a collapsing kernel's basin scatters to: the point farthest from its baseline. */
  farCorner: Float64Array;
}

/** Faults whose kernel also shows the wander and the failed requests of a sick kernel. */
const SYMPTOMATIC: ReadonlySet<FaultType> = new Set([
  "basin_drift",
  "phi_collapse",
  "phi_overload",
  "latency_regression",
  "memory_leak",
  "error_spike",
]);

export function hasSymptoms(c: KernelCondition): boolean {
  for (const f of c.faults) if (SYMPTOMATIC.has(f)) return true;
  return false;
}

/** Everything that changes: a dry run applies an action to a copy. */
export interface KernelCondition {
  energy: number;
  /** Debt of working on while spent, 0 … 1 (exhaustion.ts); no symptom until it is deep. */
  exhaustion: number;
  /** Whether a collapsing Φ is in the flash half of its flicker. */
  flashing: boolean;
  mode: SimRestMode;
  ownLoad: number;
  servedLoad: number;
  basin: Float64Array;
  /** False while the basin is exactly its baseline, so a still kernel skips the geometry. */
  basinDisplaced: boolean;
  driftTarget: Float64Array | null;
  /** Active faults in the order injected. */
  faults: FaultType[];
  leakMb: number;
  adjust: SimAdjustments;
}

/** A kernel's metrics, noise-free or (in a snapshot) noisy. */
export type TrueMetrics = Record<
  "phi" | "kappa" | "errorRate" | "latencyMs" | "memoryMb" | "cpuPct" | "confidence" | "surprise" | "agency",
  number
>;

export function createProfile(
  m: SimModelConstants,
  policyType: string,
  basinDimension: number,
  rng: SeededRandom,
): KernelProfile {
  // A uniform point on the simplex: normalised Exp(1) draws (Dirichlet(1, …, 1)).
  const raw = new Float64Array(basinDimension);
  for (let i = 0; i < basinDimension; i++) raw[i] = -Math.log(1 - rng.next());
  const baseline = normalizeSimplex(raw);
  return {
    phiBase: rng.uniform(m.phiHealthyMin, m.phiHealthyMax),
    kappaBase: KAPPA_STAR + rng.uniform(-m.kappaOffsetMax, m.kappaOffsetMax),
    latencyBaseMs: rng.uniform(m.latencyMsMin, m.latencyMsMax),
    memoryBaseMb: rng.uniform(m.memoryMbMin, m.memoryMbMax),
    sustainableLoad:
      policyType === "never"
        ? m.sustainableLoadNeverPolicy
        : policyType === "minimal_rotating"
          ? m.sustainableLoadRotating
          : m.sustainableLoad,
    baseline,
    symptomTarget: driftTarget(m, baseline, rng),
    farCorner: farCorner(baseline, m.scatterResidualMass),
  };
}

export function freshCondition(p: KernelProfile): KernelCondition {
  return {
    energy: 1,
    exhaustion: 0,
    flashing: false,
    mode: "active",
    ownLoad: 0,
    servedLoad: 0,
    basin: Float64Array.from(p.baseline),
    basinDisplaced: false,
    driftTarget: null,
    faults: [],
    leakMb: 0,
    adjust: { phiOffset: 0, cacheEntries: 0, configVersion: 1, goodConfigVersion: 1, restarts: 0 },
  };
}

export function cloneCondition(c: KernelCondition): KernelCondition {
  return { ...c, basin: Float64Array.from(c.basin), faults: [...c.faults], adjust: { ...c.adjust } };
}

/**
 * Energy, exhaustion, memory and basin over `dtSeconds` to simulated second `atSeconds`,
 * with `ownLoad` set; a crashed kernel stands still.
 */
export function advance(
  m: SimModelConstants,
  p: KernelProfile,
  c: KernelCondition,
  mode: SimRestMode,
  coverLoad: number,
  dtSeconds: number,
  atSeconds: number,
): void {
  c.mode = mode;
  if (c.faults.includes("crash")) {
    c.servedLoad = 0;
    return;
  }
  if (mode === "active") {
    c.servedLoad = Math.min(1, c.ownLoad + coverLoad);
    c.energy -= m.drainPerSecondPerLoad * (c.servedLoad - p.sustainableLoad) * dtSeconds;
  } else if (mode === "reduced") {
    c.servedLoad = Math.min(1, m.reducedLoadShare * c.ownLoad + coverLoad);
    c.energy += m.reducedRecoveryPerSecond * dtSeconds;
  } else {
    c.servedLoad = 0;
    c.energy += m.restRecoveryPerSecond * dtSeconds;
  }
  c.energy = c.energy > 1 ? 1 : c.energy < 0 ? 0 : c.energy;
  updateExhaustion(m, c, dtSeconds, atSeconds);
  if (c.faults.includes("memory_leak")) c.leakMb += (m.memoryLeakMbPerMinute * dtSeconds) / 60;
  if (c.driftTarget !== null) {
    const remaining = fisherRaoDistance(c.basin, c.driftTarget);
    const move = (m.basinDriftPerMinute * dtSeconds) / 60;
    if (remaining > 0) geodesicStep(c.basin, c.driftTarget, Math.min(1, move / remaining), c.basin);
    c.basinDisplaced = true;
  } else if (scatterBasin(m, c, c.basin, p.farCorner, dtSeconds)) {
    c.basinDisplaced = true;
  } else if (c.basinDisplaced) {
    geodesicStep(c.basin, p.baseline, 1 - Math.exp(-dtSeconds / m.basinRelaxSeconds), c.basin);
    if (fisherRaoDistance(c.basin, p.baseline) < 1e-6) {
      c.basin.set(p.baseline);
      c.basinDisplaced = false;
    }
  }
}

/** A far point for basin_drift: a vertex where the baseline holds less than average mass (≥ 2.6 away). */
export function driftTarget(m: SimModelConstants, baseline: Float64Array, rng: SeededRandom): Float64Array {
  const n = baseline.length;
  const light: number[] = [];
  for (let i = 0; i < n; i++) if ((baseline[i] as number) <= 1 / n) light.push(i);
  const target = new Float64Array(n).fill(m.driftTargetResidualMass / (n - 1));
  target[rng.pick(light)] = 1 - m.driftTargetResidualMass;
  return target;
}

/**
 * How rested the kernel is, 0 (spent) … 1: awake it holds at 1 down to the tired energy;
 * resting it climbs with energy up to `restingFullPhiEnergy`.
 */
function vitality(m: SimModelConstants, c: KernelCondition): number {
  const full = c.mode === "resting" ? m.restingFullPhiEnergy : m.tiredEnergy;
  return Math.min(1, c.energy / full);
}

/** The noise-free metrics of a condition. */
export function trueMetrics(m: SimModelConstants, p: KernelProfile, c: KernelCondition): TrueMetrics {
  const v = vitality(m, c);
  const spent = 1 - v;
  const tired = {
    phi: m.phiExhausted + (p.phiBase - m.phiExhausted) * v,
    kappa: p.kappaBase + (m.kappaExhausted - p.kappaBase) * spent,
    errorRate: c.faults.includes("error_spike")
      ? m.errorRateSpike
      : m.errorRateHealthy +
        (m.errorRateExhausted - m.errorRateHealthy) * spent +
        (hasSymptoms(c) ? m.symptomErrorRate : 0),
  };
  const collapsed = collapsedMetrics(m, c, KAPPA_STAR, tired);
  let phi = collapsed.phi;
  // A later Φ fault overrides an earlier one.
  for (const f of c.faults) {
    if (f === "phi_collapse") phi = Math.min(phi, m.phiCollapsed);
    else if (f === "phi_overload") phi = Math.max(phi, m.phiOverloaded);
  }
  let latencyMs = p.latencyBaseMs * (1 + (m.latencyExhaustedFactor - 1) * spent);
  if (c.faults.includes("latency_regression")) latencyMs = m.latencyRegressedMs;
  else if (c.adjust.cacheEntries > 0) latencyMs *= m.cacheLatencyFactor;
  return {
    phi: clip01(phi + c.adjust.phiOffset),
    kappa: collapsed.kappa,
    errorRate: collapsed.errorRate,
    latencyMs,
    memoryMb: p.memoryBaseMb + c.leakMb + c.adjust.cacheEntries * m.cacheMbPerEntry,
    cpuPct: m.cpuIdlePct + m.cpuPctPerLoad * c.servedLoad,
    confidence: m.confidenceExhausted + (m.confidenceHealthy - m.confidenceExhausted) * v,
    surprise: m.surpriseHealthy + (m.surpriseExhausted - m.surpriseHealthy) * spent,
    agency: m.agencyExhausted + (m.agencyHealthy - m.agencyExhausted) * v,
  };
}

/**
 * The basin the kernel shows: its state, pulled `symptomDrift` toward the symptom target
 * while a fault other than basin_drift (which moves the state itself) is active.
 */
export function observedBasin(m: SimModelConstants, p: KernelProfile, c: KernelCondition): Float64Array {
  const out = Float64Array.from(c.basin);
  if (m.symptomDrift <= 0) return out;
  if (!c.faults.some((f) => f !== "basin_drift" && SYMPTOMATIC.has(f))) return out;
  const distance = fisherRaoDistance(out, p.symptomTarget);
  if (distance > m.symptomDrift) geodesicStep(out, p.symptomTarget, m.symptomDrift / distance, out);
  return out;
}

/**
 * Applies an action to a condition and returns the fault it cured. Each action cures only
 * its own fault; where it finds none, the Φ actions still act (a wrong action's visible
 * side effect), recorded in `adjust` so an inverse can undo it.
 */
export function applyRemedy(
  m: SimModelConstants,
  p: KernelProfile,
  c: KernelCondition,
  r: Remediation,
): FaultType | null {
  const cure = (fault: FaultType): boolean => {
    const i = c.faults.indexOf(fault);
    if (i >= 0) c.faults.splice(i, 1);
    return i >= 0;
  };
  const a = c.adjust;
  switch (r.type) {
    case "basin_correction": {
      const cured = cure("basin_drift");
      c.driftTarget = null;
      geodesicStep(c.basin, p.baseline, r.step, c.basin);
      // From here the basin relaxes the rest of the way back over a few minutes.
      c.basinDisplaced = true;
      return cured ? "basin_drift" : null;
    }
    case "integration_boost":
      if (cure("phi_collapse")) return "phi_collapse";
      a.phiOffset = clamp(a.phiOffset + m.boostPhiPerFactorUnit * (r.factor - 1), m.phiOffsetLimit);
      return null;
    case "decoherence":
      if (cure("phi_overload")) return "phi_overload";
      a.phiOffset = clamp(a.phiOffset - m.decoherencePhiPerNoiseUnit * r.noise, m.phiOffsetLimit);
      return null;
    case "enable_cache":
      a.cacheEntries = r.entries;
      return cure("latency_regression") ? "latency_regression" : null;
    case "recycle": {
      // A restart: memory back to its base, reporting again, energy kept.
      const crashed = cure("crash");
      const leaking = cure("memory_leak");
      c.leakMb = 0;
      a.restarts += 1;
      return crashed ? "crash" : leaking ? "memory_leak" : null;
    }
    case "rollback_config":
      a.configVersion = a.goodConfigVersion;
      return cure("error_spike") ? "error_spike" : null;
    // The undos a rollback sends: they reverse the side effect and cure nothing.
    case "disable_cache":
      a.cacheEntries = 0;
      return null;
    case "restore_config":
      a.configVersion += 1;
      a.goodConfigVersion = a.configVersion;
      return null;
    case "basin_restore":
      // The correction's geodesic step relaxes away within minutes; there is nothing left to put back.
      return null;
  }
}

export function clip01(x: number): number {
  return x > 1 ? 1 : x >= 0 ? x : 0;
}

function clamp(x: number, limit: number): number {
  return x > limit ? limit : x < -limit ? -limit : x;
}
