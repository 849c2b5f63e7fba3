/**
 * The parts of the one config object that self-healing reads, named once so every healing
 * module agrees on them. The healthy Φ band is the health monitor's own critical bounds
 * (SPEC §5's "Φ min" and "Φ max"), so healing never heals toward a band the monitor would
 * still call critical, and a change to one moves the other.
 */
import type { AutonomicConfig, HealthConfig } from "../config.js";

/** `config.healing`: loop, thresholds, verification, guard, strategy params and gates. */
export type HealingConfig = AutonomicConfig["healing"];

/** `config.healing.gates`: the numbers of SPEC §5's phase gates. */
export type HealingGates = HealingConfig["gates"];

/**
 * The healthy Φ band [min, max]: a Φ inside it is as good as any other for fitness.
 * @example { min: 0.65, max: 0.85 }
 */
export interface PhiBand {
  min: number;
  max: number;
}

/**
 * The healthy Φ band of this config: the monitor's critical average-Φ bounds.
 * @example phiBand(DEFAULT_CONFIG.health) // { min: 0.65, max: 0.85 }
 */
export function phiBand(health: Pick<HealthConfig, "phiAvgLowCritical" | "phiAvgHighCritical">): PhiBand {
  return { min: health.phiAvgLowCritical, max: health.phiAvgHighCritical };
}

/**
 * How far Φ lies outside the band: 0 inside it, else the distance to its nearer edge.
 * @example distanceOutsideBand(0.6, { min: 0.65, max: 0.85 }) // 0.05 (to float precision)
 */
export function distanceOutsideBand(phi: number, band: PhiBand): number {
  if (phi < band.min) return band.min - phi;
  if (phi > band.max) return phi - band.max;
  return 0;
}
