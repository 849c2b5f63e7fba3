/**
 * Everything the monitor knows about one kernel, held in preallocated arrays so an
 * ingest writes into it without allocating: the snapshot ring and its windows, the
 * baseline, the last basin, the rules' hysteresis counters and the cached status.
 */
import { counters } from "./heap-arrays.js";
import { Series, SnapshotRing } from "./ring-buffer.js";
import { type SlidingWindow, type WindowLayout, windowLayout } from "./sliding-window.js";
import type { HealthThresholds } from "./thresholds.js";

/** Status codes, worst last: the order `Math.max` picks the worst by. */
export const STATUS = ["insufficient_data", "healthy", "warning", "critical"] as const;
/** A kernel's verdict: insufficient_data below minSnapshots, else its worst firing rule. */
export type HealthStatus = (typeof STATUS)[number];
/** Status codes, indices into STATUS. */
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
 * @example const r = new DriftReference(); r.add(0.2); r.threshold(3, 1.4, 0.1) // 0.2 (σ = 0)
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

const layouts = new WeakMap<HealthThresholds, readonly WindowLayout[]>();

/** The degradation and resonance windows, built once per config and shared by every kernel. */
function windowLayouts(t: HealthThresholds): readonly WindowLayout[] {
  let found = layouts.get(t);
  if (!found) {
    const h = t.health;
    found = [
      // Only what the rules read: κ's, latency's and error rate's trends are reported, never
      // judged, and trendReport computes them from the ring when asked. Each series a
      // window tracks costs every ingest a slide and a refresh (measured: the windows were
      // over a third of ingest at 10,000 kernels with six series here).
      windowLayout(h.windowSnapshots, [Series.phi, Series.memoryMb, Series.breakdown]),
      windowLayout(h.resonance.windowSnapshots, [Series.phi, Series.kappa]),
    ];
    layouts.set(t, found);
  }
  return found;
}

/**
 * @example const k = new KernelHealth("apollo_1", healthThresholds(config), RULES.length);
 */
export class KernelHealth {
  readonly ring: SnapshotRing;
  /** The degradation window (last `windowSnapshots`). */
  readonly window: SlidingWindow;
  /** The resonance window (last `resonance.windowSnapshots`). */
  readonly resonanceWindow: SlidingWindow;
  /** Fixed by the kernel's first basin (or baseline); 0 until then. */
  basinDimension = 0;
  baseline: Float64Array | null = null;
  /** rootsOf(baseline), set with it (installBaseline): drift reads it for every basin. A plain array (heap-arrays.ts). */
  baselineRoots: number[] | null = null;
  /**
   * The newest basin reported: the snapshot's own array, which snapshots never change (from
   * the wire, a view on a shared 8 KB buffer that this keeps alive: see float-slab.ts).
   */
  lastBasin: Float64Array | null = null;
  /** Last measured drift from the baseline, in the configured units; NaN before any. */
  drift = Number.NaN;
  /** Bit per entry of OPTIONAL_SERIES, set once the kernel has reported it. */
  seenOptional = 0;
  readonly reference = new DriftReference();
  /**
   * Per rule r: at r, the consecutive snapshots its condition held; at ruleCount + r, the
   * snapshots since it stopped holding while still firing. A plain array (heap-arrays.ts).
   */
  readonly hysteresis: number[];
  /** Bit r set while rule r fires. */
  firingMask = 0;
  /** Cached at every ingest, so constellation health reads it without evaluating. */
  status = INSUFFICIENT;
  inResonance = false;
  /** Epoch seconds of the newest snapshot. */
  lastTimestamp = Number.NaN;
  /** Drift thresholds in force, in the configured units: see `refreshDriftThresholds`. */
  driftWarning: number;
  driftCritical: number;

  /**
   * `thresholds` are the ones the kernel is judged by (its override, or the monitor's). Ingest
   * reads them from here rather than looking the id up among the overrides: at 10,000 kernels,
   * hashing the id reads its string, one more cold cache line per snapshot.
   */
  constructor(
    readonly kernelId: string,
    readonly thresholds: HealthThresholds,
    ruleCount: number,
  ) {
    const t = thresholds;
    this.ring = new SnapshotRing(t.health.ringCapacitySnapshots, windowLayouts(t));
    [this.window, this.resonanceWindow] = this.ring.windows as [SlidingWindow, SlidingWindow];
    this.hysteresis = counters(2 * ruleCount);
    this.driftWarning = t.drift.warning;
    this.driftCritical = t.drift.critical;
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

  /** Whether the kernel's own reference thresholds are in force (reference mode, reference complete). */
  referenceInForce(t: HealthThresholds): boolean {
    return (
      t.health.driftThresholdMode === "reference" && this.reference.snapshots >= t.health.referenceSnapshots
    );
  }

  /**
   * Recomputes the drift thresholds in force; call whenever the reference changes. Cached in
   * fields so the hot path reads two numbers instead of calling out for them.
   */
  refreshDriftThresholds(t: HealthThresholds): void {
    const h = t.health;
    const own = this.referenceInForce(t);
    const floor = t.drift.referenceFloor;
    this.driftWarning = own
      ? this.reference.threshold(h.referenceWarningSigmas, t.drift.warning, floor)
      : t.drift.warning;
    this.driftCritical = own
      ? this.reference.threshold(h.referenceCriticalSigmas, t.drift.critical, floor)
      : t.drift.critical;
  }

  isFiring(rule: number): boolean {
    return (this.firingMask & (1 << rule)) !== 0;
  }

  /** Consecutive snapshots the rule's condition has held. */
  heldFor(rule: number): number {
    return this.hysteresis[rule] as number;
  }

  /** Snapshots since a firing rule stopped holding. */
  releasedFor(rule: number): number {
    return this.hysteresis[this.hysteresis.length / 2 + rule] as number;
  }

  /** Resets some rules' hysteresis: used for the drift rules when the baseline moves. */
  clearRules(rules: readonly number[]): void {
    const half = this.hysteresis.length / 2;
    for (const r of rules) {
      this.hysteresis[r] = 0;
      this.hysteresis[half + r] = 0;
      this.firingMask &= ~(1 << r);
    }
  }
}
