/**
 * The ingest hot path: stage one validated snapshot's values in the kernel's ring, push
 * them, measure drift, evaluate every rule, and fill the reusable outcome. Allocation-free
 * once a kernel exists and has its baseline (the ring's doubling aside): numbers go into
 * typed arrays and double fields, never into fresh objects.
 */
import type { Clock } from "../clock.js";
import { fisherRaoDistanceFromRoots, rootsOf } from "../geometry.js";
import { DRIFT_RULES, evaluateRules } from "./degradation.js";
import { doubles } from "./heap-arrays.js";
import {
  type HealthStatus,
  type KernelHealth,
  type OPTIONAL_SERIES,
  optionalBit,
  STATUS,
} from "./kernel-health.js";
import type { ResonancePoint } from "./resonance.js";
import { Series } from "./ring-buffer.js";
import type { HealthSnapshot } from "./snapshot.js";
import { type HealthThresholds, REGIMES, type Regime, regimeCode } from "./thresholds.js";

/**
 * What one ingest changed. The monitor reuses this object: read it before the next ingest.
 * @example const { timestamp, baseline_set, resonance } = monitor.ingest(snapshot);
 */
export interface IngestOutcome {
  readonly kernel_id: string;
  /** Epoch seconds the snapshot was recorded at: its own, or the clock's when it had none. */
  readonly timestamp: number;
  /** Snapshots the kernel has reported, this one included. */
  readonly snapshots: number;
  readonly status: HealthStatus;
  readonly previous_status: HealthStatus;
  readonly regime: Regime;
  readonly basin_drift: number | null;
  /** This snapshot carried the kernel's first basin, which became its baseline. */
  readonly baseline_set: boolean;
  /** The kernel's drift reference (reference mode) completed with this snapshot. */
  readonly drift_reference_completed: boolean;
  /** Set when the kernel just entered resonance: persist it. */
  readonly resonance: ResonancePoint | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The outcome as the monitor writes it, and the typed cell its basin_drift getter reads. */
export interface OutcomeSlot {
  readonly outcome: Mutable<Omit<IngestOutcome, "basin_drift">> & { readonly basin_drift: number | null };
  readonly driftCell: Float64Array;
}

/**
 * One outcome object for every ingest. basin_drift is number | null, and a field holding
 * both boxes every number written to it; the getter reads a typed cell instead.
 * @example const { outcome, driftCell } = reusableOutcome();
 */
export function reusableOutcome(): OutcomeSlot {
  const driftCell = new Float64Array(1).fill(Number.NaN);
  const outcome = {
    kernel_id: "",
    timestamp: 0,
    snapshots: 0,
    status: "insufficient_data" as HealthStatus,
    previous_status: "insufficient_data" as HealthStatus,
    regime: "linear" as Regime,
    get basin_drift(): number | null {
      const d = driftCell[0] as number;
      return Number.isNaN(d) ? null : d;
    },
    baseline_set: false,
    drift_reference_completed: false,
    resonance: null as ResonancePoint | null,
  };
  return { outcome, driftCell };
}

/**
 * Records a snapshot the monitor has already checked (basin dimension) into the kernel.
 * `countReference` is false while a restore replays snapshots an exported reference has counted.
 * @example recordSnapshot(kernel, snapshot, thresholds, clock, true, slot)
 */
export function recordSnapshot(
  k: KernelHealth,
  s: HealthSnapshot,
  t: HealthThresholds,
  clock: Clock,
  countReference: boolean,
  slot: OutcomeSlot,
): void {
  const o = slot.outcome;
  const ring = k.ring;
  const staged = ring.staged;
  // The clock only when needed: Date.now() returns a fresh heap number each call.
  const time = s.timestamp ?? clock.now() / 1000;
  o.baseline_set = false;
  o.drift_reference_completed = false;
  const basin = s.basin_coords;
  if (basin !== null) {
    k.lastBasin = basin;
    if (k.baseline === null || s.set_baseline) {
      // The original's `set_baseline`: this basin becomes the baseline, so drift restarts at 0.
      if (k.baseline !== null) k.clearRules(DRIFT_RULES);
      installBaseline(k, basin.slice(), t);
      k.drift = 0;
      o.baseline_set = true;
    } else {
      measureDrift(k, k.baselineRoots as number[], basin, t);
      const needed = t.health.referenceSnapshots;
      if (countReference && k.reference.snapshots < needed) {
        k.reference.add(k.drift);
        o.drift_reference_completed = k.reference.snapshots === needed;
        if (o.drift_reference_completed) k.refreshDriftThresholds(t);
      }
    }
  }
  staged[Series.phi] = s.phi;
  staged[Series.kappa] = s.kappa_eff;
  staged[Series.drift] = k.drift;
  staged[Series.timeSeconds] = time;
  stageOptional(k, Series.errorRate, s.error_rate);
  stageOptional(k, Series.latencyMs, s.avg_latency_ms);
  stageOptional(k, Series.memoryMb, s.memory_mb);
  ring.stagedRegime = regimeCode(s.phi, t.health);
  ring.push();
  k.lastTimestamp = time;
  evaluateRules(k, t);
  o.kernel_id = k.kernelId;
  o.timestamp = time;
  o.snapshots = ring.total;
  o.status = STATUS[k.status] as HealthStatus;
  o.regime = REGIMES[ring.stagedRegime] as Regime;
  slot.driftCell[0] = k.drift;
}

/**
 * Makes `p` the kernel's baseline (fixing its dimension) and restarts its drift reference.
 * @example installBaseline(kernel, normalizeSimplex(basin), thresholds)
 */
export function installBaseline(k: KernelHealth, p: Float64Array, t: HealthThresholds): void {
  k.baseline = p;
  k.baselineRoots = doubles(p.length, rootsOf(p));
  k.basinDimension = p.length;
  k.reference.reset();
  k.refreshDriftThresholds(t);
}

/**
 * Its own small function so V8 can inline fisherRaoDistanceFromRoots here: a double returned into
 * `recordSnapshot`, whose inlining budget the ring push has spent, would be boxed per snapshot.
 */
function measureDrift(
  k: KernelHealth,
  baselineRoots: number[],
  basin: Float64Array,
  t: HealthThresholds,
): void {
  // fisherRaoDistance(baseline, basin), with the baseline's roots taken once (installBaseline).
  k.drift = fisherRaoDistanceFromRoots(baselineRoots, basin, t.drift.units);
}

/**
 * A metric the snapshot omits keeps its last value (a drifted or leaking kernel that stops
 * sending a field stays flagged); the first time it appears it is backfilled, so the
 * window does not read the snapshots before it as zeros.
 */
function stageOptional(
  k: KernelHealth,
  series: (typeof OPTIONAL_SERIES)[number],
  value: number | null,
): void {
  if (value === null) return;
  const bit = optionalBit(series);
  if ((k.seenOptional & bit) === 0) {
    k.seenOptional |= bit;
    k.ring.backfill(series, value);
  }
  k.ring.staged[series] = value;
}
