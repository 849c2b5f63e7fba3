/**
 * Restart support: what a service stores beside a kernel's recent snapshots, and the
 * rebuild that replays them. Replaying through the same hot path as live ingest rebuilds
 * the ring buffer, the windows and every alert's hysteresis exactly as they were, so no
 * second serialisation of that state has to be kept in step with the code.
 */
import type { Clock } from "../clock.js";
import { InvalidInputError } from "../errors.js";
import { normalizeSimplex } from "../geometry.js";
import { RULES, refreshStatus } from "./degradation.js";
import { type DriftReferenceState, KernelHealth } from "./kernel-health.js";
import { installBaseline, recordSnapshot, reusableOutcome } from "./record-snapshot.js";
import { trackResonance } from "./resonance.js";
import { assertBasinFits, assertDimension, type HealthSnapshot } from "./snapshot.js";
import type { HealthThresholds } from "./thresholds.js";

/**
 * What a service stores to rebuild a kernel beside its recent snapshots.
 * @example
 * const saved = monitor.exportKernelState("apollo_1");
 * // later: monitor.restore("apollo_1", saved.baseline, recent, { driftReference: saved.drift_reference, snapshots: saved.snapshots })
 */
export interface KernelHealthExport {
  kernel_id: string;
  basin_dimension: number | null;
  baseline: number[] | null;
  /** Progress of the drift reference; null before the first drift after the baseline. */
  drift_reference: DriftReferenceState | null;
  snapshots: number;
}

/** @example { driftReference: saved.drift_reference, snapshots: saved.snapshots } */
export interface RestoreOptions {
  /** The exported reference; the replay then does not count its drifts into it again. */
  driftReference?: DriftReferenceState | null;
  /** The kernel's snapshot count before the restart, when more than those replayed. */
  snapshots?: number;
}

/**
 * @example exportKernel(kernel).baseline // number[] on the simplex, or null
 */
export function exportKernel(k: KernelHealth): KernelHealthExport {
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
 * A kernel rebuilt from its baseline and recent snapshots (oldest first); checks everything
 * before building, so a bad item throws (naming "snapshots[i]…") and nothing changes.
 * @example rebuildKernel("apollo_1", saved.baseline, recent, { driftReference }, thresholds, clock)
 */
export function rebuildKernel(
  kernelId: string,
  baseline: ArrayLike<number> | null,
  snapshots: readonly HealthSnapshot[],
  options: RestoreOptions,
  t: HealthThresholds,
  clock: Clock,
): KernelHealth {
  const max = t.health.maxBasinDimension;
  if (baseline !== null) assertDimension(baseline.length, 0, max, "baseline");
  const p = baseline === null ? null : normalizeSimplex(baseline, "baseline");
  let dimension = p?.length ?? 0;
  snapshots.forEach((s, i) => {
    if (s.kernel_id !== kernelId)
      throw new InvalidInputError(`snapshots[${i}].kernel_id`, `is ${s.kernel_id}, restoring ${kernelId}`);
    assertBasinFits(s, dimension, max, `snapshots[${i}].basin_coords`);
    if (dimension === 0 && s.basin_coords !== null) dimension = s.basin_coords.length;
  });
  const k = new KernelHealth(kernelId, t, RULES.length);
  if (p !== null) installBaseline(k, p, t);
  if (options.driftReference) {
    k.reference.reset(options.driftReference);
    k.refreshDriftThresholds(t);
  }
  const countReference = !options.driftReference;
  const scratch = reusableOutcome();
  for (const s of snapshots) {
    recordSnapshot(k, s, t, clock, countReference, scratch);
    trackResonance(k, t, scratch.outcome.timestamp);
  }
  if (options.snapshots !== undefined && options.snapshots > k.ring.total) {
    k.ring.total = options.snapshots;
    refreshStatus(k, t);
  }
  return k;
}
