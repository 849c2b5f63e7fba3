/**
 * One simulated kernel (SPEC §8): an energy that load drains and rest restores, from which
 * Φ, κ, error rate and latency follow; a basin around a baseline of its own; injectable
 * faults; and every remediation action, with dry run. Pure: time is passed in, randomness
 * comes from the kernel's seeded stream, and `step` allocates nothing. The physiology
 * itself is in kernel-condition.ts.
 */
import { InvalidInputError } from "../core/errors.js";
import { collapseDepth } from "./exhaustion.js";
import type { FaultType } from "./faults.js";
import { parseRemediation, type Remediation } from "./faults.js";
import {
  advance,
  applyRemedy,
  clip01,
  cloneCondition,
  createProfile,
  DEFAULT_SIM_MODEL,
  driftTarget,
  freshCondition,
  HELPED_SYMPTOMS,
  type KernelCondition,
  type KernelProfile,
  observedBasin,
  type SimAdjustments,
  type SimModelConstants,
  type SimRestMode,
  type TrueMetrics,
  trueMetrics,
} from "./kernel-condition.js";
import { type LoadPattern, loadAt } from "./load.js";
import type { SeededRandom } from "./random.js";

export type { SimAdjustments, SimModelConstants, SimRestMode };
export { DEFAULT_SIM_MODEL, HELPED_SYMPTOMS };

/** @example { kernelId: "apollo_1", name: "Apollo", policyType: "coordinated_alternating", load, basinDimension: 64 } */
export interface SimKernelSpec {
  kernelId: string;
  /** God name, or the chaos kernel's name. */
  name: string;
  /** never | minimal_rotating | coordinated_alternating | scheduled | seasonal | chaos */
  policyType: string;
  load: LoadPattern;
  basinDimension: number;
  /** Energy at the start, 0 … 1 (default 1, fresh). */
  initialEnergy?: number;
  /** Exhaustion at the start, 0 … 1 (default 0): a constellation that has worked on spent (exhaustion.ts). */
  initialExhaustion?: number;
}

/** A snapshot as a kernel sends it (SPEC §4 wire form). */
export interface WireSnapshot {
  kernel_id: string;
  /** ISO 8601, UTC. */
  timestamp: string;
  phi: number;
  kappa_eff: number;
  basin_coords: number[];
  confidence: number;
  surprise: number;
  agency: number;
  error_rate: number;
  avg_latency_ms: number;
  memory_mb: number;
  cpu_pct: number;
  code_hash: string;
}

/** What the kernel reports to the rest scheduler. */
export interface FatigueSample {
  phi: number;
  kappa: number;
  /** Served load: its own plus what it covers (0 while resting). */
  load: number;
  error_rate: number;
}

/** Noise-free metrics right after an action: what a sandbox run predicts. */
export interface PredictedMetrics {
  phi: number;
  kappa_eff: number;
  basin_coords: number[];
  error_rate: number;
  avg_latency: number;
  memory_mb: number;
  /** MB per one-minute report once the action settles: 0 unless a leak is left running. */
  memory_mb_slope: number;
}

export interface ActionOutcome {
  ok: boolean;
  /** Why the action was refused (ok false), naming the bad parameter. */
  error?: string;
  predicted?: PredictedMetrics;
  /** The fault the action healed (a recycle that heals a crash and a leak reports the crash). */
  cured: FaultType | null;
}

/** Slots of the per-step measurement noise (standard normals), in TrueMetrics order. */
const NOISE_SLOTS = 9;

/**
 * @example
 * const k = new SimKernel(spec, rng.fork("apollo_1"));
 * k.step(t0 + 10_000, 10, "active", 0);
 * k.snapshot(t0 + 10_000).phi; // ≈ 0.77
 */
export class SimKernel {
  readonly kernelId: string;
  readonly name: string;
  private readonly m: SimModelConstants;
  private readonly profile: KernelProfile;
  private readonly c: KernelCondition;
  private readonly noise = new Float64Array(NOISE_SLOTS);
  /** Scalar noise is drawn once per step, so the snapshot and the fatigue sample agree. */
  private readonly noiseRng: SeededRandom;
  /** Basin noise has its own stream: how many snapshots are taken moves no other number. */
  private readonly basinNoiseRng: SeededRandom;
  private steps = 0;
  private noiseStep = -1;
  private readonly startedAt = new Map<FaultType, number>();

  constructor(
    private readonly spec: SimKernelSpec,
    private readonly rng: SeededRandom,
    model: Partial<SimModelConstants> = {},
  ) {
    const n = spec.basinDimension;
    if (!(Number.isInteger(n) && n >= 2))
      throw new InvalidInputError("basinDimension", "must be an integer ≥ 2");
    this.m = { ...DEFAULT_SIM_MODEL, ...model };
    this.kernelId = spec.kernelId;
    this.name = spec.name;
    this.noiseRng = rng.fork("measurement-noise");
    this.basinNoiseRng = rng.fork("basin-noise");
    this.profile = createProfile(this.m, spec.policyType, n, rng);
    this.c = freshCondition(this.profile);
    if (spec.initialEnergy !== undefined) this.c.energy = clip01(spec.initialEnergy);
    if (spec.initialExhaustion !== undefined) this.c.exhaustion = clip01(spec.initialExhaustion);
  }

  get energy(): number {
    return this.c.energy;
  }
  /** Debt of working on while spent, 0 … 1; it collapses past `exhaustionCollapseAbove`. */
  get exhaustion(): number {
    return this.c.exhaustion;
  }
  /** Its own load at the last step (what a coverer takes a share of). */
  get load(): number {
    return this.c.ownLoad;
  }
  /** Own plus covered load actually carried at the last step. */
  get servedLoad(): number {
    return this.c.servedLoad;
  }
  /** False while crashed: a crashed kernel sends nothing. */
  get reporting(): boolean {
    return !this.c.faults.includes("crash");
  }
  /** The actions' lasting side effects, for an inverse to undo. */
  get adjustments(): Readonly<SimAdjustments> {
    return this.c.adjust;
  }
  /** The basin the kernel returns to when nothing drives it away. Do not mutate. */
  get baseline(): Readonly<Float64Array> {
    return this.profile.baseline;
  }

  /**
   * Advances `dtSeconds` to `atMs` in rest mode `mode`, carrying `coverLoad` for a partner
   * it covers. A crashed kernel does nothing: its energy and faults stand still.
   */
  step(atMs: number, dtSeconds: number, mode: SimRestMode, coverLoad: number): void {
    this.steps += 1;
    this.c.ownLoad = loadAt(this.spec.load, atMs / 1000);
    advance(this.m, this.profile, this.c, mode, coverLoad, dtSeconds, atMs / 1000);
  }

  /** What the kernel reports: the truth plus measurement noise. */
  snapshot(atMs: number): WireSnapshot {
    const m = this.m;
    const z = this.measurementNoise();
    const t = trueMetrics(m, this.profile, this.c);
    const basin = observedBasin(m, this.profile, this.c);
    const coords = new Array<number>(basin.length);
    let sum = 0;
    for (let i = 0; i < basin.length; i++) {
      const w = (basin[i] as number) * Math.exp(m.basinNoiseSigma * this.basinNoiseRng.normal());
      coords[i] = w;
      sum += w;
    }
    for (let i = 0; i < coords.length; i++) coords[i] = (coords[i] as number) / sum;
    const noisy: TrueMetrics = {
      phi: clip01(t.phi + m.phiNoiseSd * (z[0] as number)),
      kappa: Math.max(0, t.kappa + m.kappaNoiseSd * (z[1] as number)),
      errorRate: clip01(t.errorRate + m.errorRateNoiseSd * (z[2] as number)),
      latencyMs: Math.max(0, t.latencyMs + m.latencyNoiseSdMs * (z[3] as number)),
      memoryMb: Math.max(0, t.memoryMb + m.memoryNoiseSdMb * (z[4] as number)),
      cpuPct: Math.max(0, t.cpuPct + m.cpuNoiseSdPct * (z[5] as number)),
      confidence: clip01(t.confidence + m.selfReportNoiseSd * (z[6] as number)),
      surprise: clip01(t.surprise + m.selfReportNoiseSd * (z[7] as number)),
      agency: clip01(t.agency + m.selfReportNoiseSd * (z[8] as number)),
    };
    return this.wire(atMs, noisy, coords);
  }

  /** The same snapshot without measurement noise: the ground truth. Draws no randomness. */
  trueSnapshot(atMs: number): WireSnapshot {
    return this.wire(
      atMs,
      trueMetrics(this.m, this.profile, this.c),
      Array.from(observedBasin(this.m, this.profile, this.c)),
    );
  }

  /** Noisy Φ, κ and error rate (the same values as this step's snapshot) and the served load. */
  fatigueSample(): FatigueSample {
    const m = this.m;
    const z = this.measurementNoise();
    const t = trueMetrics(m, this.profile, this.c);
    return {
      phi: clip01(t.phi + m.phiNoiseSd * (z[0] as number)),
      kappa: Math.max(0, t.kappa + m.kappaNoiseSd * (z[1] as number)),
      load: this.c.servedLoad,
      error_rate: clip01(t.errorRate + m.errorRateNoiseSd * (z[2] as number)),
    };
  }

  /** Starts a fault at `atMs`; it persists until its cure. Injecting an active fault again does nothing. */
  inject(type: FaultType, atMs: number): void {
    const c = this.c;
    if (c.faults.includes(type)) return;
    c.faults.push(type);
    this.startedAt.set(type, atMs);
    if (type === "basin_drift") c.driftTarget = driftTarget(this.m, this.profile.baseline, this.rng);
    if (type === "error_spike") c.adjust.configVersion += 1;
  }

  /** Active faults, in the order injected: a live view, so copy it to keep it. */
  activeFaults(): readonly FaultType[] {
    return this.c.faults;
  }

  /** When an active fault started (clock ms), or null. */
  faultStartedAt(type: FaultType): number | null {
    return this.c.faults.includes(type) ? (this.startedAt.get(type) ?? null) : null;
  }

  /**
   * Runs a remediation action, or with `dryRun` only predicts it on a copy, leaving the
   * kernel untouched. Bad parameters, an unknown action, or anything but recycle on a
   * crashed kernel are refused (ok false) and change nothing.
   * @example kernel.apply("basin_correction", { target: "baseline", step: 0.3 }, true).predicted
   */
  apply(type: string, params: Readonly<Record<string, unknown>>, dryRun: boolean): ActionOutcome {
    let remedy: Remediation;
    try {
      remedy = parseRemediation(type, params ?? {});
    } catch (err) {
      if (err instanceof InvalidInputError) return { ok: false, error: err.message, cured: null };
      throw err;
    }
    if (!this.reporting && remedy.type !== "recycle")
      return { ok: false, error: `${this.name} has crashed; only recycle can run on it`, cured: null };
    const target = dryRun ? cloneCondition(this.c) : this.c;
    const cured = applyRemedy(this.m, this.profile, target, remedy);
    const t = trueMetrics(this.m, this.profile, target);
    // The prediction is of the settled effect: with nothing driving it away any more, the
    // basin relaxes to its baseline within minutes (basinRelaxSeconds).
    const settled = cloneCondition(target);
    // A collapsing kernel's basin is still being driven (scattering): it does not settle.
    if (settled.driftTarget === null && collapseDepth(this.m, settled) === 0)
      settled.basin.set(this.profile.baseline);
    const predicted: PredictedMetrics = {
      phi: t.phi,
      kappa_eff: t.kappa,
      basin_coords: Array.from(observedBasin(this.m, this.profile, settled)),
      error_rate: t.errorRate,
      avg_latency: t.latencyMs,
      // Memory as well, as the SDK lets a kernel predict it (SPEC §5 judges a recycle by the
      // leak it stops): usage after the action, and growth per one-minute report from then on.
      memory_mb: t.memoryMb,
      memory_mb_slope: target.faults.includes("memory_leak") ? this.m.memoryLeakMbPerMinute : 0,
    };
    return { ok: true, predicted, cured };
  }

  /** Standard normals for this step's measurements, drawn on first use after a step. */
  private measurementNoise(): Float64Array {
    if (this.noiseStep !== this.steps) {
      for (let i = 0; i < NOISE_SLOTS; i++) this.noise[i] = this.noiseRng.normal();
      this.noiseStep = this.steps;
    }
    return this.noise;
  }

  private wire(atMs: number, t: TrueMetrics, basin: number[]): WireSnapshot {
    return {
      kernel_id: this.kernelId,
      timestamp: new Date(atMs).toISOString(),
      phi: t.phi,
      kappa_eff: t.kappa,
      basin_coords: basin,
      confidence: t.confidence,
      surprise: t.surprise,
      agency: t.agency,
      error_rate: t.errorRate,
      avg_latency_ms: t.latencyMs,
      memory_mb: t.memoryMb,
      cpu_pct: t.cpuPct,
      code_hash: `config-v${this.c.adjust.configVersion}`,
    };
  }
}
