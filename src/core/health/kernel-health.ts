/**
 * Everything the monitor knows about one kernel, held in preallocated typed arrays so an
 * ingest writes into it without allocating: the snapshot ring and its windows, the
 * baseline, the last basin, the rules' hysteresis counters and the cached status.
 */
import { Series, SnapshotRing } from "./ring-buffer.js";
import type { SlidingWindow } from "./sliding-window.js";
import type { HealthThresholds } from "./thresholds.js";

/** Status codes, worst last: the order `Math.max` picks the worst by. */
export const STATUS = ["insufficient_data", "healthy", "warning", "critical"] as const;
export type HealthStatus = (typeof STATUS)[number];
export const INSUFFICIENT = 0;
export const HEALTHY = 1;
export const WARNING = 2;
export const CRITICAL = 3;

/** Optional series: carried forward when a snapshot omits them, evaluated once first seen. */
export const OPTIONAL_SERIES = [Series.errorRate, Series.latencyMs, Series.memoryMb] as const;

/** The `seenOptional` bit of an optional series; 0 for a required one. */
export function optionalBit(series: number): number {
  switch (series) {
    case Series.errorRate:
      return 1;
    case Series.latencyMs:
      return 2;
    case Series.memoryMb:
      return 4;
    default:
      return 0;
  }
}

/** A kernel's drift reference in progress or complete: see `DriftReference`. */
export interface DriftReferenceState {
  /** Drifts counted so far (complete at config `referenceSnapshots`). */
  snapshots: number;
  mean: number;
  /** Σ(drift − mean)², Welford's running sum. */
  m2: number;
}

/**
 * Drift over the first N snapshots after the baseline (Welford's online mean and variance),
 * from which reference-mode thresholds follow: mean + kσ, between the floor and the fixed
 * thresholds, so a quiet kernel is watched more closely and none less than the fixed rule.
 */
export class DriftReference implements DriftReferenceState {
  snapshots = 0;
  mean = 0;
  m2 = 0;

  add(drift: number): void {
    this.snapshots++;
    const delta = drift - this.mean;
    this.mean += delta / this.snapshots;
    this.m2 += delta * (drift - this.mean);
  }

  reset(state?: DriftReferenceState): void {
    this.snapshots = state?.snapshots ?? 0;
    this.mean = state?.mean ?? 0;
    this.m2 = state?.m2 ?? 0;
  }

  /** Threshold at mean + `sigmas`·σ (population σ), clamped to [floor, fixed]. */
  threshold(sigmas: number, fixed: number, floor: number): number {
    const sigma = Math.sqrt(this.snapshots > 0 ? this.m2 / this.snapshots : 0);
    const own = this.mean + sigmas * sigma;
    return Math.min(fixed, own > floor ? own : floor);
  }
}

export class KernelHealth {
  readonly ring: SnapshotRing;
  /** The degradation window (last `windowSnapshots`). */
  readonly window: SlidingWindow;
  /** The resonance window (last `resonance.windowSnapshots`). */
  readonly resonanceWindow: SlidingWindow;
  /** Fixed by the kernel's first basin (or baseline); 0 until then. */
  basinDimension = 0;
  baseline: Float64Array | null = null;
  lastBasin: Float64Array | null = null;
  /** Last measured drift from the baseline, in the configured units; NaN before any. */
  drift = Number.NaN;
  /** Bit per entry of OPTIONAL_SERIES, set once the kernel has reported it. */
  seenOptional = 0;
  readonly reference = new DriftReference();
  /** Consecutive snapshots each rule's condition held. */
  readonly hold: Uint32Array;
  /** Snapshots since a firing rule stopped holding. */
  readonly release: Uint32Array;
  readonly firing: Uint8Array;
  /** The value and threshold each rule last compared. */
  readonly value: Float64Array;
  readonly threshold: Float64Array;
  /** Cached at every ingest, so constellation health reads it without evaluating. */
  status = INSUFFICIENT;
  inResonance = false;
  /** Epoch seconds of the newest snapshot. */
  lastTimestamp = Number.NaN;

  constructor(
    readonly kernelId: string,
    t: HealthThresholds,
    ruleCount: number,
  ) {
    const h = t.health;
    this.ring = new SnapshotRing(h.ringCapacitySnapshots, [
      {
        size: h.windowSnapshots,
        series: [
          Series.phi,
          Series.kappa,
          Series.errorRate,
          Series.latencyMs,
          Series.memoryMb,
          Series.breakdown,
        ],
      },
      { size: h.resonance.windowSnapshots, series: [Series.phi, Series.kappa] },
    ]);
    [this.window, this.resonanceWindow] = this.ring.windows as [SlidingWindow, SlidingWindow];
    this.hold = new Uint32Array(ruleCount);
    this.release = new Uint32Array(ruleCount);
    this.firing = new Uint8Array(ruleCount);
    this.value = new Float64Array(ruleCount).fill(Number.NaN);
    this.threshold = new Float64Array(ruleCount).fill(Number.NaN);
  }

  /** The newest value of a series. */
  current(series: number): number {
    return this.ring.staged[series] as number;
  }

  /** Whether the kernel has ever reported this series (always true for the required ones). */
  hasSeen(series: number): boolean {
    const bit = optionalBit(series);
    return bit === 0 || (this.seenOptional & bit) !== 0;
  }

  /** Drift thresholds in force: the kernel's own once its reference is complete in reference mode. */
  driftThreshold(t: HealthThresholds, level: "warning" | "critical"): number {
    const fixed = level === "warning" ? t.drift.warning : t.drift.critical;
    const h = t.health;
    if (h.driftThresholdMode !== "reference" || this.reference.snapshots < h.referenceSnapshots) return fixed;
    const sigmas = level === "warning" ? h.referenceWarningSigmas : h.referenceCriticalSigmas;
    return this.reference.threshold(sigmas, fixed, t.drift.referenceFloor);
  }

  /** Resets the drift rules' hysteresis: used when the baseline moves. */
  clearRules(rules: readonly number[]): void {
    for (const r of rules) {
      this.hold[r] = 0;
      this.release[r] = 0;
      this.firing[r] = 0;
    }
  }
}
