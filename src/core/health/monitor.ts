/**
 * The geometric health monitor (SPEC §4): pure and synchronous, time from an injected clock.
 *
 * API summary — what the service, HTTP and CLI layers can rely on:
 * - `parseSnapshot(json)` / `parseSnapshots(json)` (snapshot.ts) validate wire input and
 *   throw InvalidInputError naming the field ("phi", "basin_coords[3]", "snapshots[2].phi").
 *   Pass `{ maxBasinDimension: config.health.maxBasinDimension }` for a non-default config.
 * - `ingest(snapshot)` → IngestOutcome. Throws InvalidInputError("basin_coords") when the
 *   basin's length differs from the kernel's (fixed by its first basin), before changing
 *   anything. The outcome object is REUSED by the next ingest: copy what you keep. It says
 *   which timestamp was used (persist the snapshot with it), whether this snapshot set the
 *   baseline (persist `baseline(id)`), whether the drift reference just completed (persist
 *   `exportKernelState(id)`), the status before and after, and any resonance point entered.
 * - `ingestBatch(snapshots)`: all or nothing; checks every item first ("snapshots[i].basin_coords").
 * - `setBaseline(id, basin, encoding?)`, `baseline(id)`; a new baseline restarts the drift
 *   reference and clears the drift alerts.
 * - Reads (UnknownKernelError for an id never seen): `health(id)`, `degradation(id)`,
 *   `trends(id)`; whole constellation: `constellationHealth()`, `degradedKernels()`, `kernelIds()`.
 * - Restart: persist each snapshot (with the outcome's timestamp), the baseline and the
 *   exported drift reference; on start call `restore(id, baseline, recentSnapshots,
 *   { driftReference })`, which rebuilds the ring buffers, windows and alert hysteresis by
 *   replaying (the newest `ringCapacitySnapshots` are enough).
 */
import type { Clock } from "../clock.js";
import { InvalidInputError, UnknownKernelError } from "../errors.js";
import { embeddingToSimplex, fisherRaoDistance, normalizeSimplex } from "../geometry.js";
import { DRIFT_RULES, evaluateRules, RULES, refreshStatus } from "./degradation.js";
import {
  type DriftReferenceState,
  type HealthStatus,
  KernelHealth,
  type OPTIONAL_SERIES,
  optionalBit,
  STATUS,
  WARNING,
} from "./kernel-health.js";
import {
  type ConstellationHealth,
  constellationHealth,
  type DegradationReport,
  degradationReport,
  type KernelHealthReport,
  kernelHealthReport,
  type TrendReport,
  trendReport,
} from "./reports.js";
import { type ResonancePoint, trackResonance } from "./resonance.js";
import { Series } from "./ring-buffer.js";
import type { HealthSnapshot } from "./snapshot.js";
import {
  type HealthMonitorConfig,
  type HealthThresholds,
  healthThresholds,
  REGIMES,
  type Regime,
  regimeCode,
} from "./thresholds.js";

export interface HealthMonitorOptions {
  config: HealthMonitorConfig;
  clock: Clock;
}

/** What one ingest changed. The monitor reuses this object: read it before the next ingest. */
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

export interface BatchOutcome {
  snapshots: number;
  baselines_set: string[];
  drift_references_completed: string[];
  resonance: ResonancePoint[];
  status_changes: { kernel_id: string; from: HealthStatus; to: HealthStatus }[];
}

/** What a service stores to rebuild a kernel beside its recent snapshots. */
export interface KernelHealthExport {
  kernel_id: string;
  basin_dimension: number | null;
  baseline: number[] | null;
  /** Progress of the drift reference; null before the first drift after the baseline. */
  drift_reference: DriftReferenceState | null;
  snapshots: number;
}

export interface RestoreOptions {
  /** The exported reference; the replay then does not count its drifts into it again. */
  driftReference?: DriftReferenceState | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * @example
 * const monitor = new HealthMonitor({ config: DEFAULT_CONFIG, clock: new ManualClock(0) });
 * const outcome = monitor.ingest(parseSnapshot({ kernel_id: "apollo_1", phi: 0.78, kappa_eff: 64, basin_coords }));
 * outcome.status; // "insufficient_data" until the 10th snapshot
 * monitor.health("apollo_1").issues; // [{ rule: "phi_low", severity: "warning", value: 0.7, … }]
 */
export class HealthMonitor {
  private readonly kernels = new Map<string, KernelHealth>();
  readonly thresholds: HealthThresholds;
  private readonly clock: Clock;
  private readonly outcome: Mutable<IngestOutcome> = {
    kernel_id: "",
    timestamp: 0,
    snapshots: 0,
    status: "insufficient_data",
    previous_status: "insufficient_data",
    regime: "linear",
    basin_drift: null,
    baseline_set: false,
    drift_reference_completed: false,
    resonance: null,
  };

  constructor(options: HealthMonitorOptions) {
    this.thresholds = healthThresholds(options.config);
    this.clock = options.clock;
  }

  /** Records one validated snapshot and re-evaluates the kernel. See the outcome's reuse note. */
  ingest(snapshot: HealthSnapshot): IngestOutcome {
    const existing = this.kernels.get(snapshot.kernel_id);
    this.assertBasinFits(snapshot, existing?.basinDimension ?? 0, "basin_coords");
    const k = existing ?? this.addKernel(snapshot.kernel_id);
    const before = k.status;
    const o = this.outcome;
    this.apply(k, snapshot, true, o);
    o.resonance = trackResonance(k, this.thresholds, o.timestamp);
    o.kernel_id = k.kernelId;
    o.previous_status = STATUS[before] as HealthStatus;
    return o;
  }

  /** Checks a batch against the kernels' basin dimensions without changing anything. */
  check(snapshots: readonly HealthSnapshot[], field = "snapshots"): void {
    const dims = new Map<string, number>();
    snapshots.forEach((s, i) => {
      const dim = dims.get(s.kernel_id) ?? this.kernels.get(s.kernel_id)?.basinDimension ?? 0;
      this.assertBasinFits(s, dim, `${field}[${i}].basin_coords`);
      if (s.basin_coords !== null) dims.set(s.kernel_id, s.basin_coords.length);
    });
  }

  /** Ingests a batch all or nothing: every item is checked before the first is recorded. */
  ingestBatch(snapshots: readonly HealthSnapshot[]): BatchOutcome {
    this.check(snapshots);
    const result: BatchOutcome = {
      snapshots: snapshots.length,
      baselines_set: [],
      drift_references_completed: [],
      resonance: [],
      status_changes: [],
    };
    for (const s of snapshots) {
      const o = this.ingest(s);
      if (o.baseline_set) result.baselines_set.push(o.kernel_id);
      if (o.drift_reference_completed) result.drift_references_completed.push(o.kernel_id);
      if (o.resonance) result.resonance.push(o.resonance);
      if (o.status !== o.previous_status)
        result.status_changes.push({ kernel_id: o.kernel_id, from: o.previous_status, to: o.status });
    }
    return result;
  }

  /**
   * Sets a kernel's baseline explicitly (a kernel not seen yet is created, its dimension
   * fixed by this basin). Restarts its drift reference and clears its drift alerts.
   * @example monitor.setBaseline("apollo_1", uniform64) // Float64Array on the simplex
   */
  setBaseline(
    kernelId: string,
    basin: ArrayLike<number>,
    encoding: "simplex" | "embedding" = "simplex",
  ): Float64Array {
    if (typeof kernelId !== "string" || kernelId.trim() === "")
      throw new InvalidInputError("kernel_id", "is required");
    const max = this.thresholds.health.maxBasinDimension;
    if (basin.length > max)
      throw new InvalidInputError("basin_coords", `has ${basin.length} entries; at most ${max}`);
    const p = encoding === "embedding" ? embeddingToSimplex(basin) : normalizeSimplex(basin);
    const existing = this.kernels.get(kernelId);
    this.assertDimension(p.length, existing?.basinDimension ?? 0, "basin_coords");
    const k = existing ?? this.addKernel(kernelId);
    this.installBaseline(k, p);
    k.clearRules(DRIFT_RULES);
    k.drift =
      k.lastBasin === null ? Number.NaN : fisherRaoDistance(p, k.lastBasin, this.thresholds.drift.units);
    refreshStatus(k, this.thresholds);
    return p.slice();
  }

  /** A copy of the kernel's baseline, or null before its first basin. */
  baseline(kernelId: string): Float64Array | null {
    return this.get(kernelId).baseline?.slice() ?? null;
  }

  has(kernelId: string): boolean {
    return this.kernels.has(kernelId);
  }

  kernelIds(): string[] {
    return [...this.kernels.keys()];
  }

  /** Stops monitoring a kernel; true when it was known. */
  forget(kernelId: string): boolean {
    return this.kernels.delete(kernelId);
  }

  health(kernelId: string): KernelHealthReport {
    return kernelHealthReport(this.get(kernelId), this.thresholds);
  }

  degradation(kernelId: string): DegradationReport {
    return degradationReport(this.get(kernelId), this.thresholds);
  }

  /** Reports of every kernel now warning or critical, worst first. */
  degradedKernels(): DegradationReport[] {
    const degraded: KernelHealth[] = [];
    for (const k of this.kernels.values()) if (k.status >= WARNING) degraded.push(k);
    degraded.sort((a, b) => b.status - a.status);
    return degraded.map((k) => degradationReport(k, this.thresholds));
  }

  trends(kernelId: string): TrendReport {
    return trendReport(this.get(kernelId));
  }

  /** Counts, worst status, means and per-kernel summaries from each kernel's cached status. */
  constellationHealth(): ConstellationHealth {
    return constellationHealth(this.kernels.values());
  }

  exportKernelState(kernelId: string): KernelHealthExport {
    const k = this.get(kernelId);
    const r = k.reference;
    return {
      kernel_id: k.kernelId,
      basin_dimension: k.basinDimension || null,
      baseline: k.baseline === null ? null : Array.from(k.baseline),
      drift_reference: r.snapshots === 0 ? null : { snapshots: r.snapshots, mean: r.mean, m2: r.m2 },
      snapshots: k.ring.total,
    };
  }

  /**
   * Rebuilds a kernel from stored state by replaying its recent snapshots (oldest first),
   * replacing whatever the monitor held for it. All or nothing.
   * @example monitor.restore("apollo_1", storedBaseline, storedSnapshots, { driftReference })
   */
  restore(
    kernelId: string,
    baseline: ArrayLike<number> | null,
    snapshots: readonly HealthSnapshot[],
    options: RestoreOptions = {},
  ): void {
    const p = baseline === null ? null : normalizeSimplex(baseline, "baseline");
    const max = this.thresholds.health.maxBasinDimension;
    if (p !== null && p.length > max)
      throw new InvalidInputError("baseline", `has ${p.length} entries; at most ${max}`);
    let dimension = p?.length ?? 0;
    snapshots.forEach((s, i) => {
      if (s.kernel_id !== kernelId)
        throw new InvalidInputError(`snapshots[${i}].kernel_id`, `is ${s.kernel_id}, restoring ${kernelId}`);
      this.assertBasinFits(s, dimension, `snapshots[${i}].basin_coords`);
      if (dimension === 0 && s.basin_coords !== null) dimension = s.basin_coords.length;
    });
    const k = new KernelHealth(kernelId, this.thresholds, RULES.length);
    if (p !== null) this.installBaseline(k, p);
    if (options.driftReference) k.reference.reset(options.driftReference);
    const countReference = !options.driftReference;
    const scratch = { ...this.outcome };
    for (const s of snapshots) {
      this.apply(k, s, countReference, scratch);
      trackResonance(k, this.thresholds, scratch.timestamp);
    }
    this.kernels.set(kernelId, k);
  }

  private get(kernelId: string): KernelHealth {
    const k = this.kernels.get(kernelId);
    if (!k) throw new UnknownKernelError(kernelId);
    return k;
  }

  private addKernel(kernelId: string): KernelHealth {
    const k = new KernelHealth(kernelId, this.thresholds, RULES.length);
    this.kernels.set(kernelId, k);
    return k;
  }

  private installBaseline(k: KernelHealth, p: Float64Array): void {
    k.baseline = p;
    k.basinDimension = p.length;
    k.reference.reset();
  }

  private assertBasinFits(s: HealthSnapshot, dimension: number, field: string): void {
    const basin = s.basin_coords;
    if (basin === null) return;
    const max = this.thresholds.health.maxBasinDimension;
    if (basin.length > max) throw new InvalidInputError(field, `has ${basin.length} entries; at most ${max}`);
    this.assertDimension(basin.length, dimension, field);
  }

  private assertDimension(length: number, dimension: number, field: string): void {
    if (dimension !== 0 && length !== dimension)
      throw new InvalidInputError(field, `has ${length} entries; this kernel's basins have ${dimension}`);
  }

  /** The hot path: stage the snapshot's values, push them, evaluate. Allocation-free after a kernel's first basin. */
  private apply(
    k: KernelHealth,
    s: HealthSnapshot,
    countReference: boolean,
    o: Mutable<IngestOutcome>,
  ): void {
    const t = this.thresholds;
    const ring = k.ring;
    const staged = ring.staged;
    const time = s.timestamp ?? this.clock.now() / 1000;
    o.baseline_set = false;
    o.drift_reference_completed = false;
    const basin = s.basin_coords;
    if (basin !== null) {
      if (k.lastBasin === null) k.lastBasin = new Float64Array(basin.length);
      k.lastBasin.set(basin);
      if (k.baseline === null) {
        this.installBaseline(k, basin.slice());
        k.drift = 0;
        o.baseline_set = true;
      } else {
        k.drift = fisherRaoDistance(k.baseline, basin, t.drift.units);
        const needed = t.health.referenceSnapshots;
        if (countReference && k.reference.snapshots < needed) {
          k.reference.add(k.drift);
          o.drift_reference_completed = k.reference.snapshots === needed;
        }
      }
    }
    staged[Series.phi] = s.phi;
    staged[Series.kappa] = s.kappa_eff;
    staged[Series.drift] = k.drift;
    staged[Series.timeSeconds] = time;
    this.stageOptional(k, Series.errorRate, s.error_rate);
    this.stageOptional(k, Series.latencyMs, s.avg_latency_ms);
    this.stageOptional(k, Series.memoryMb, s.memory_mb);
    ring.stagedRegime = regimeCode(s.phi, t.health);
    ring.push();
    k.lastTimestamp = time;
    evaluateRules(k, t);
    o.timestamp = time;
    o.snapshots = ring.total;
    o.status = STATUS[k.status] as HealthStatus;
    o.regime = REGIMES[ring.stagedRegime] as Regime;
    o.basin_drift = Number.isNaN(k.drift) ? null : k.drift;
  }

  /**
   * A metric the snapshot omits keeps its last value (a drifted or leaking kernel that stops
   * sending a field stays flagged); the first time it appears it is backfilled, so the
   * window does not read the snapshots before it as zeros.
   */
  private stageOptional(
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
}
