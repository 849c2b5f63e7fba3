/**
 * Resonance points (SPEC §4): moments a kernel settles at the optimal coupling, with κ
 * within `kappaWithin` of κ*, Φ steady (variance below `phiVarianceMax` over the
 * resonance window) and a cluster strength 1/(1 + 100·var Φ + var κ) of at least
 * `clusterStrengthMin`.
 *
 * A point is recorded when a kernel enters resonance, not at every snapshot it stays
 * there: a kernel resting at κ* for an hour is one event, not 3,600 rows.
 */
import type { KernelHealth } from "./kernel-health.js";
import { Series } from "./ring-buffer.js";
import { type HealthThresholds, REGIMES, type Regime } from "./thresholds.js";

/**
 * What a service persists for one resonance point.
 * @example { kernel_id: "apollo_1", timestamp: 1767225600, phi: 0.78, kappa_eff: 64.3, cluster_strength: 0.93, … }
 */
export interface ResonancePoint {
  kernel_id: string;
  /** Epoch seconds of the snapshot that entered resonance. */
  timestamp: number;
  phi: number;
  kappa_eff: number;
  regime: Regime;
  phi_variance: number;
  kappa_variance: number;
  cluster_strength: number;
  /** The kernel's basin at that moment (a copy), or null if it has sent none. */
  basin_coords: Float64Array | null;
  /** How many snapshots the kernel had reported, this one included. */
  snapshot_index: number;
}

/**
 * 1/(1 + 100·var Φ + var κ): 1 for a perfectly steady kernel, falling as either wanders.
 * @example clusterStrength(0, 0) // 1
 */
export function clusterStrength(phiVariance: number, kappaVariance: number): number {
  return 1 / (1 + 100 * phiVariance + kappaVariance);
}

/**
 * Whether the kernel's newest snapshot is in resonance. Reads the window's stats array
 * directly: doubles returned from calls V8 does not inline would be boxed per snapshot.
 * @example isResonant(kernel, t) // true while κ ≈ κ* and Φ is steady
 */
export function isResonant(k: KernelHealth, t: HealthThresholds): boolean {
  const r = t.health.resonance;
  const w = k.resonanceWindow;
  if (w.n < w.size) return false;
  if (Math.abs((k.ring.staged[Series.kappa] as number) - t.kappaStar) > r.kappaWithin) return false;
  const phiVariance = w.stats[w.offsetOf(Series.phi) + 1] as number;
  if (!(phiVariance < r.phiVarianceMax)) return false;
  const kappaVariance = w.stats[w.offsetOf(Series.kappa) + 1] as number;
  return 1 / (1 + 100 * phiVariance + kappaVariance) >= r.clusterStrengthMin;
}

/**
 * Updates the kernel's resonance state; returns a record only when it has just entered.
 * @example const point = trackResonance(kernel, t, snapshotSeconds); if (point) store.save(point);
 */
export function trackResonance(
  k: KernelHealth,
  t: HealthThresholds,
  timestamp: number,
): ResonancePoint | null {
  const resonant = isResonant(k, t);
  const entered = resonant && !k.inResonance;
  k.inResonance = resonant;
  if (!entered) return null;
  const w = k.resonanceWindow;
  const phiVariance = w.variance(Series.phi);
  const kappaVariance = w.variance(Series.kappa);
  return {
    kernel_id: k.kernelId,
    timestamp,
    phi: k.current(Series.phi),
    kappa_eff: k.current(Series.kappa),
    regime: REGIMES[k.ring.regimeAt(0)] as Regime,
    phi_variance: phiVariance,
    kappa_variance: kappaVariance,
    cluster_strength: clusterStrength(phiVariance, kappaVariance),
    basin_coords: k.lastBasin === null ? null : k.lastBasin.slice(),
    snapshot_index: k.ring.total,
  };
}
