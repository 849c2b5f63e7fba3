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
 *   `readWindow(id, n, phi, kappa)` gives the constellation-cycle metrics a kernel's recent
 *   Φ and κ and its basins without copying the basins.
 * - Restart: persist each snapshot (with the outcome's timestamp), the baseline and
 *   `exportKernelState(id)`; on start call `restore(id, baseline, recentSnapshots,
 *   { driftReference, snapshots })`, which rebuilds the ring buffers, windows and alert
 *   hysteresis by replaying (the newest `ringCapacitySnapshots` are enough). A bad item
 *   throws naming "snapshots[i]…" and changes nothing.
 * - Snapshots are values: the monitor keeps a reference to a snapshot's `basin_coords` (as
 *   the kernel's last basin) instead of copying it, so do not mutate it after ingesting.
 * - Everything is synchronous and in memory; thresholds come from `config.health`, κ* from
 *   `config.rest.kappaStar`, drift units from `config.geometry.distance`.
 */
import type { Clock } from "../clock.js";
import { InvalidInputError, UnknownKernelError } from "../errors.js";
import { embeddingToSimplex, fisherRaoDistance, normalizeSimplex } from "../geometry.js";
import { DRIFT_RULES, RULES, refreshStatus, ruleHolds } from "./degradation.js";
import { type HealthStatus, INSUFFICIENT, KernelHealth, STATUS, WARNING } from "./kernel-health.js";
import {
  exportKernel,
  type KernelHealthExport,
  type RestoreOptions,
  rebuildKernel,
} from "./kernel-restore.js";
import {
  type IngestOutcome,
  installBaseline,
  type OutcomeSlot,
  recordSnapshot,
  reusableOutcome,
} from "./record-snapshot.js";
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
import { assertBasinFits, assertDimension, type HealthSnapshot } from "./snapshot.js";
import {
  type HealthMonitorConfig,
  type HealthThresholds,
  healthThresholds,
  kernelThresholdOverrides,
} from "./thresholds.js";

export type { KernelHealthExport, RestoreOptions } from "./kernel-restore.js";
export type { IngestOutcome } from "./record-snapshot.js";

/** @example { config: loadConfig(), clock: systemClock } */
export interface HealthMonitorOptions {
  config: HealthMonitorConfig;
  clock: Clock;
}

/**
 * What a batch changed, for the service to persist and announce.
 * @example monitor.ingestBatch(parseSnapshots(body)).status_changes // [{ kernel_id: "apollo_1", from: "healthy", to: "warning" }]
 */
export interface BatchOutcome {
  snapshots: number;
  /** Epoch seconds each item was recorded at, in order (the clock's for items without one). */
  timestamps: number[];
  baselines_set: string[];
  drift_references_completed: string[];
  resonance: ResonancePoint[];
  status_changes: { kernel_id: string; from: HealthStatus; to: HealthStatus }[];
}

/**
 * @example
 * const monitor = new HealthMonitor({ config: DEFAULT_CONFIG, clock: new ManualClock(0) });
 * const outcome = monitor.ingest(parseSnapshot({ kernel_id: "apollo_1", phi: 0.78, kappa_eff: 64, basin_coords }));
 * outcome.status; // "insufficient_data" until the 10th snapshot
 * monitor.health("apollo_1").findings; // [{ rule: "phi_low", severity: "warning", value: 0.7, … }]
 */
export class HealthMonitor {
  private readonly kernels = new Map<string, KernelHealth>();
  readonly thresholds: HealthThresholds;
  /** Thresholds of the kernels `health.kernelOverrides` names; every other kernel uses `thresholds`. */
  private readonly kernelThresholds: ReadonlyMap<string, HealthThresholds>;
  private readonly clock: Clock;
  private readonly slot: OutcomeSlot = reusableOutcome();
  private readonly maxDimension: number;

  constructor(options: HealthMonitorOptions) {
    this.thresholds = healthThresholds(options.config);
    this.kernelThresholds = kernelThresholdOverrides(options.config);
    this.clock = options.clock;
    this.maxDimension = this.thresholds.health.maxBasinDimension;
  }

  /**
   * Records one validated snapshot and re-evaluates the kernel. See the outcome's reuse note.
   * @example const { status, resonance } = monitor.ingest(parseSnapshot(body));
   */
  ingest(snapshot: HealthSnapshot): IngestOutcome {
    const existing = this.kernels.get(snapshot.kernel_id);
    assertBasinFits(snapshot, existing?.basinDimension ?? 0, this.maxDimension, "basin_coords");
    const k = existing ?? this.addKernel(snapshot.kernel_id);
    const before = k.status;
    const o = this.slot.outcome;
    recordSnapshot(k, snapshot, k.thresholds, this.clock, true, this.slot);
    o.resonance = trackResonance(k, k.thresholds, o.timestamp);
    o.previous_status = STATUS[before] as HealthStatus;
    return o;
  }

  /**
   * Checks a batch against the kernels' basin dimensions without changing anything.
   * @example monitor.check(batch) // throws InvalidInputError on "snapshots[2].basin_coords"
   */
  check(snapshots: readonly HealthSnapshot[], field = "snapshots"): void {
    const dims = new Map<string, number>();
    snapshots.forEach((s, i) => {
      const dim = dims.get(s.kernel_id) ?? this.kernels.get(s.kernel_id)?.basinDimension ?? 0;
      assertBasinFits(s, dim, this.maxDimension, `${field}[${i}].basin_coords`);
      if (s.basin_coords !== null) dims.set(s.kernel_id, s.basin_coords.length);
    });
  }

  /**
   * Ingests a batch all or nothing: every item is checked before the first is recorded.
   * @example monitor.ingestBatch(parseSnapshots(body.snapshots)).resonance // points to persist
   */
  ingestBatch(snapshots: readonly HealthSnapshot[]): BatchOutcome {
    this.check(snapshots);
    const result: BatchOutcome = {
      snapshots: snapshots.length,
      timestamps: [],
      baselines_set: [],
      drift_references_completed: [],
      resonance: [],
      status_changes: [],
    };
    for (const s of snapshots) {
      const o = this.ingest(s);
      result.timestamps.push(o.timestamp);
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
    assertDimension(basin.length, 0, this.maxDimension, "basin_coords");
    const p = encoding === "embedding" ? embeddingToSimplex(basin) : normalizeSimplex(basin);
    const existing = this.kernels.get(kernelId);
    assertDimension(p.length, existing?.basinDimension ?? 0, this.maxDimension, "basin_coords");
    const k = existing ?? this.addKernel(kernelId);
    const t = k.thresholds;
    installBaseline(k, p, t);
    k.clearRules(DRIFT_RULES);
    k.drift = k.lastBasin === null ? Number.NaN : fisherRaoDistance(p, k.lastBasin, t.drift.units);
    refreshStatus(k, t);
    return p.slice();
  }

  /**
   * A copy of the kernel's baseline, or null before its first basin.
   * @example if (outcome.baseline_set) store.saveBaseline(id, monitor.baseline(id))
   */
  baseline(kernelId: string): Float64Array | null {
    return this.get(kernelId).baseline?.slice() ?? null;
  }

  /**
   * A kernel's recent telemetry for the constellation-cycle metrics: its newest `n` Φ and κ
   * values written oldest first into `phi` and `kappa` (each at least `n` long), and its newest
   * basin and its baseline as the monitor holds them (not copies: read them, never write).
   * `count` is how many values were written, fewer than `n` while the kernel is young.
   * @example const w = monitor.readWindow("apollo_1", 10, phiScratch, kappaScratch); phiScratch.subarray(0, w.count)
   */
  readWindow(
    kernelId: string,
    n: number,
    phi: Float64Array,
    kappa: Float64Array,
  ): { count: number; basin: Float64Array | null; baseline: Float64Array | null } {
    const k = this.get(kernelId);
    const ring = k.ring;
    const count = Math.min(n, ring.length, phi.length, kappa.length);
    for (let i = 0; i < count; i++) {
      const age = count - 1 - i;
      phi[i] = ring.valueAt(Series.phi, age);
      kappa[i] = ring.valueAt(Series.kappa, age);
    }
    return { count, basin: k.lastBasin, baseline: k.baseline };
  }

  /** @example monitor.has("apollo_1") // true once it has reported or been given a baseline */
  has(kernelId: string): boolean {
    return this.kernels.has(kernelId);
  }

  /**
   * A copy of the kernel's newest basin, or null before it sent one.
   * @example monitor.setBaseline("apollo_1", monitor.latestBasin("apollo_1") ?? fallback)
   */
  latestBasin(kernelId: string): Float64Array | null {
    return this.get(kernelId).lastBasin?.slice() ?? null;
  }

  /** Whether the kernel has a baseline, without copying it. @example monitor.hasBaseline("apollo_1") // true */
  hasBaseline(kernelId: string): boolean {
    return this.get(kernelId).baseline !== null;
  }

  /**
   * Which rules fire on the kernel now, bit r for RULES[r]; 0 while it has too few snapshots
   * to be judged. For replays (calibration, reports) that must not build a report per snapshot.
   * @example (monitor.firingRules("apollo_1") >> RULE.latency) & 1 // 1 while latency fires
   */
  firingRules(kernelId: string): number {
    const k = this.get(kernelId);
    return k.status === INSUFFICIENT ? 0 : k.firingMask;
  }

  /**
   * Which rules' conditions hold on the newest snapshot, before any `for` wait (bit r for
   * RULES[r]): where a degradation began, for a report's time to detect.
   * @example monitor.holdingRules("apollo_1") // 512 once latency is over its threshold
   */
  holdingRules(kernelId: string): number {
    const k = this.get(kernelId);
    if (k.status === INSUFFICIENT) return 0;
    const t = k.thresholds;
    let mask = 0;
    for (let r = 0; r < RULES.length; r++) if (ruleHolds(k, t, r)) mask |= 1 << r;
    return mask;
  }

  /** @example monitor.kernelCount // 43 */
  get kernelCount(): number {
    return this.kernels.size;
  }

  /** @example monitor.kernelIds() // ["apollo_1", "athena_1"] */
  kernelIds(): string[] {
    return [...this.kernels.keys()];
  }

  /** Stops monitoring a kernel; true when it was known. @example monitor.forget("chaos_x_1") */
  forget(kernelId: string): boolean {
    return this.kernels.delete(kernelId);
  }

  /** @example monitor.health("apollo_1").status // "warning" */
  health(kernelId: string): KernelHealthReport {
    const k = this.get(kernelId);
    return kernelHealthReport(k, k.thresholds);
  }

  /** @example monitor.degradation("apollo_1").findings[0].message // "Φ 0.7 has been below 0.715 for 3 snapshots" */
  degradation(kernelId: string): DegradationReport {
    const k = this.get(kernelId);
    return degradationReport(k, k.thresholds);
  }

  /** Reports of every kernel now warning or critical, worst first. @example monitor.degradedKernels()[0].kernel_id */
  degradedKernels(): DegradationReport[] {
    const degraded: KernelHealth[] = [];
    for (const k of this.kernels.values()) if (k.status >= WARNING) degraded.push(k);
    degraded.sort((a, b) => b.status - a.status);
    return degraded.map((k) => degradationReport(k, k.thresholds));
  }

  /** @example monitor.trends("apollo_1").slopes_per_snapshot.memory_mb // 12.5 */
  trends(kernelId: string): TrendReport {
    return trendReport(this.get(kernelId));
  }

  /**
   * Counts, worst status, means and per-kernel summaries from each kernel's cached status.
   * @example monitor.constellationHealth().counts // { healthy: 40, warning: 2, critical: 0, insufficient_data: 1 }
   */
  constellationHealth(): ConstellationHealth {
    return constellationHealth(this.kernels.values());
  }

  /** @example store.saveHealthState(monitor.exportKernelState("apollo_1")) */
  exportKernelState(kernelId: string): KernelHealthExport {
    return exportKernel(this.get(kernelId));
  }

  /**
   * Rebuilds a kernel from stored state by replaying its recent snapshots (oldest first),
   * replacing whatever the monitor held for it. All or nothing.
   * @example monitor.restore("apollo_1", saved.baseline, recent, { driftReference: saved.drift_reference })
   */
  restore(
    kernelId: string,
    baseline: ArrayLike<number> | null,
    snapshots: readonly HealthSnapshot[],
    options: RestoreOptions = {},
  ): void {
    this.kernels.set(
      kernelId,
      rebuildKernel(kernelId, baseline, snapshots, options, this.thresholdsOf(kernelId), this.clock),
    );
  }

  /**
   * The thresholds one kernel is judged by: its `health.kernelOverrides` entry over the rest.
   * @example monitor.thresholdsOf("chaos_noisy_1").health.kappaDeviationWarning // 15, where overridden
   */
  thresholdsOf(kernelId: string): HealthThresholds {
    return this.kernelThresholds.get(kernelId) ?? this.thresholds;
  }

  private get(kernelId: string): KernelHealth {
    const k = this.kernels.get(kernelId);
    if (!k) throw new UnknownKernelError(kernelId);
    return k;
  }

  private addKernel(kernelId: string): KernelHealth {
    const k = new KernelHealth(kernelId, this.thresholdsOf(kernelId), RULES.length);
    this.kernels.set(kernelId, k);
    return k;
  }
}
