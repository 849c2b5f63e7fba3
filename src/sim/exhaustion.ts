/**
 * Exhaustion: what happens to a kernel that keeps working hard after its energy is spent
 * (the state SPEC §3's SLEEP cycle is for). Energy stops at 0, but the debt does not: a
 * kernel overdriven while spent accumulates exhaustion, and past a point it collapses —
 * Φ flickers (flashes back and falls again), κ runs away, most requests fail, and its
 * basin scatters toward the far corner of the simplex. Rest heals exhaustion; work that
 * does not overdrive a spent kernel heals it slowly.
 *
 * Why it has to look like this: with SPEC's fatigue weights the formula tops out at
 * 0.35 + 0.20 + 0.10 + 0.05 + 0.05 = 0.75 (Φ 0, κ → ∞, full load, time and errors), so the
 * SLEEP criterion "average fatigue > 0.8" can only hold on a report whose Φ has *fallen*
 * since the last one (the 0.25·max(0, −ΔΦ) trend term), by about 0.2 or more, to near 0. A
 * Φ that falls on every report must come back up in between: a flickering, collapsing Φ.
 * And a mean basin drift above 3.0 (of at most π) needs basins with nearly disjoint
 * support from their baselines: the farthest point of the simplex from a basin p is the
 * vertex of p's smallest entry, at 2·arccos(√p_min), which is where a scattering basin goes.
 *
 * A normal day seldom gets here: a spent kernel is rarely saturated for more than a few
 * minutes, well under `exhaustionCollapseAbove`, so nothing shows. The exception is a
 * coverer left carrying a partner's load while spent (in 2 of 20 seeded days): it collapses
 * until the rest it covers ends, which is what working on spent does.
 */
import { fisherRaoDistance, geodesicStep } from "../core/geometry.js";

/** Constants of exhaustion (part of DEFAULT_SIM_MODEL), units in the names. */
export const EXHAUSTION_MODEL = Object.freeze({
  /** Served load at and above which a spent kernel is overdriven: saturated, it works on what it does not have. */
  overdriveLoad: 0.95,
  /** Overdriven while spent, exhaustion climbs from 0 to 1 in this long. */
  exhaustionOnsetSeconds: 900,
  /** No symptom below this exhaustion; collapse deepens linearly from here to 1. */
  exhaustionCollapseAbove: 0.3,
  /** Resting or micro-pausing, exhaustion falls from 1 to 0 in this long. */
  exhaustionRestRecoverySeconds: 900,
  /** Working without being overdriven while spent (REDUCED, or with energy left), it falls this slowly. */
  exhaustionWorkRecoverySeconds: 3600,
  /**
   * A collapsing kernel's Φ falls for the first half of each period and flashes back for the
   * second. The kernels of a constellation are coupled, so their collapse is phase-locked:
   * one clock for all. The period is twice the simulator's 60 s report interval, so
   * consecutive reports see a flash and a fall; a fall between two reports is what the trend
   * term sees. A fall lands on every even minute: the exhausted scenario's kernels report
   * once as they join (second 0, a fall), then flash at minute 1 and fall at minute 2.
   */
  collapseFlickerSeconds: 120,
  collapsePhiFlash: 0.7,
  collapsePhiFallen: 0,
  collapseKappaPerKappaStar: 30,
  collapseErrorRate: 0.5,
  /** A collapsing kernel's basin runs toward its far corner this fast (Fisher–Rao per minute, at full collapse). */
  basinScatterPerMinute: 0.5,
  /** Mass the far corner leaves on the other entries: small, or the distance stops short of π. */
  scatterResidualMass: 1e-6,
});
export type ExhaustionConstants = { readonly [K in keyof typeof EXHAUSTION_MODEL]: number };

/** What exhaustion reads and writes of a kernel's condition. */
export interface ExhaustionState {
  energy: number;
  mode: "active" | "resting" | "reduced" | "micro_pause";
  servedLoad: number;
  /** 0 … 1. */
  exhaustion: number;
  /** Whether a collapsing Φ is in the flash half of its flicker at the last step. */
  flashing: boolean;
}

/** Exhaustion over `dtSeconds` ending at simulated second `atSeconds`, after energy was updated. */
export function updateExhaustion(
  m: ExhaustionConstants,
  c: ExhaustionState,
  dtSeconds: number,
  atSeconds: number,
): void {
  const overdriven = c.mode === "active" && c.energy === 0 && c.servedLoad >= m.overdriveLoad;
  let x = c.exhaustion;
  if (overdriven) x += dtSeconds / m.exhaustionOnsetSeconds;
  else if (c.mode === "resting" || c.mode === "micro_pause") x -= dtSeconds / m.exhaustionRestRecoverySeconds;
  else x -= dtSeconds / m.exhaustionWorkRecoverySeconds;
  c.exhaustion = x > 1 ? 1 : x < 0 ? 0 : x;
  c.flashing = Math.floor(atSeconds / (m.collapseFlickerSeconds / 2)) % 2 === 1;
}

/** How far the kernel has collapsed, 0 (not at all) … 1. */
export function collapseDepth(m: ExhaustionConstants, c: Pick<ExhaustionState, "exhaustion">): number {
  const over = c.exhaustion - m.exhaustionCollapseAbove;
  return over > 0 ? over / (1 - m.exhaustionCollapseAbove) : 0;
}

/** Φ, κ and error rate of a collapsing kernel, blended from its tired values by depth. */
export function collapsedMetrics(
  m: ExhaustionConstants,
  c: ExhaustionState,
  kappaStar: number,
  tired: { phi: number; kappa: number; errorRate: number },
): { phi: number; kappa: number; errorRate: number } {
  const d = collapseDepth(m, c);
  if (d === 0) return tired;
  // Only integration under work flickers; at rest the debt holds Φ down until it is paid.
  const flash = c.servedLoad > 0 && c.flashing;
  const phiTarget = flash ? m.collapsePhiFlash : m.collapsePhiFallen;
  return {
    phi: tired.phi + (phiTarget - tired.phi) * d,
    kappa: tired.kappa + (m.collapseKappaPerKappaStar * kappaStar - tired.kappa) * d,
    errorRate: tired.errorRate + (m.collapseErrorRate - tired.errorRate) * d,
  };
}

/**
 * Moves a working, collapsing kernel's basin toward its far corner; returns false (moving
 * nothing) when it is not scattering, so the caller lets it relax home instead.
 */
export function scatterBasin(
  m: ExhaustionConstants,
  c: ExhaustionState,
  basin: Float64Array,
  corner: Float64Array,
  dtSeconds: number,
): boolean {
  const d = collapseDepth(m, c);
  if (d === 0 || c.servedLoad === 0) return false;
  const move = (m.basinScatterPerMinute * d * dtSeconds) / 60;
  const remaining = fisherRaoDistance(basin, corner);
  if (remaining > 0) geodesicStep(basin, corner, Math.min(1, move / remaining), basin);
  return true;
}

/**
 * The point of the simplex farthest from `baseline` (Fisher–Rao): the vertex of its
 * smallest entry, with `residualMass` spread over the others. Deterministic: no draw.
 * @example fisherRaoDistance(baseline, farCorner(baseline, 1e-6)) // ≈ 2·arccos(√min(baseline))
 */
export function farCorner(baseline: ArrayLike<number>, residualMass: number): Float64Array {
  const n = baseline.length;
  let lightest = 0;
  for (let i = 1; i < n; i++) if ((baseline[i] as number) < (baseline[lightest] as number)) lightest = i;
  const out = new Float64Array(n).fill(residualMass / (n - 1));
  out[lightest] = 1 - residualMass;
  return out;
}
