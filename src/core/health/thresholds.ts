/**
 * The numbers health rules compare against, read once from the config. Drift thresholds are
 * written in full Fisher–Rao units (SPEC §2); in "half" mode the monitor reports half-angle
 * distances, so every drift threshold is halved here, in the one place thresholds are read.
 */
import type { AutonomicConfig, HealthConfig } from "../config.js";
import type { DistanceUnits } from "../geometry.js";

/** Where a kernel's Φ puts it (SPEC §4). */
export type Regime = "linear" | "geometric" | "hierarchical" | "breakdown";

/** Regimes by their code in the ring buffer (a Uint8Array). */
export const REGIMES: readonly Regime[] = ["linear", "geometric", "hierarchical", "breakdown"];
/** The regime code of "breakdown", counted by the breakdown rule. */
export const BREAKDOWN_CODE = 3;

/** The part of the config the health monitor reads. */
export type HealthMonitorConfig = Pick<AutonomicConfig, "health" | "geometry" | "rest">;

/** Drift thresholds in the units distances are reported in. */
export interface DriftThresholds {
  units: DistanceUnits;
  warning: number;
  critical: number;
  /** Reference-mode thresholds never fall below this. */
  referenceFloor: number;
}

/** Everything a rule compares against, resolved for this config. */
export interface HealthThresholds {
  health: HealthConfig;
  /** κ*: the config's `rest.kappaStar`, so rest fatigue and health agree on one optimum. */
  kappaStar: number;
  drift: DriftThresholds;
}

/**
 * Drift thresholds in the configured distance units: halved in "half" mode.
 * @example driftThresholds(DEFAULT_CONFIG.health, "half") // { warning: 0.7, critical: 1, … }
 */
export function driftThresholds(health: HealthConfig, units: DistanceUnits): DriftThresholds {
  const scale = units === "half" ? 0.5 : 1;
  return {
    units,
    warning: health.driftWarning * scale,
    critical: health.driftCritical * scale,
    referenceFloor: health.referenceDriftFloor * scale,
  };
}

/**
 * @example healthThresholds(DEFAULT_CONFIG).drift.critical // 2
 */
export function healthThresholds(config: HealthMonitorConfig): HealthThresholds {
  return {
    health: config.health,
    kappaStar: config.rest.kappaStar,
    drift: driftThresholds(config.health, config.geometry.distance),
  };
}

/**
 * Regime code of a Φ value: an index into REGIMES.
 * @example REGIMES[regimeCode(0.9, DEFAULT_CONFIG.health)] // "breakdown"
 */
export function regimeCode(phi: number, health: HealthConfig): number {
  const b = health.regimeBounds;
  if (phi < b.linearBelowPhi) return 0;
  if (phi < b.geometricBelowPhi) return 1;
  if (phi < b.hierarchicalBelowPhi) return 2;
  return BREAKDOWN_CODE;
}

/**
 * Each kernel named in `health.kernelOverrides` gets thresholds of its own: its entry laid
 * over `health`, so a naturally noisy kernel can be given a looser rule than the rest
 * (what `autonomic calibrate --write` suggests).
 * @example kernelThresholdOverrides(config).get("apollo_1")?.health.latencyWarningMs // 3000
 */
export function kernelThresholdOverrides(config: HealthMonitorConfig): Map<string, HealthThresholds> {
  const out = new Map<string, HealthThresholds>();
  for (const [kernelId, override] of Object.entries(config.health.kernelOverrides ?? {}))
    out.set(kernelId, healthThresholds({ ...config, health: { ...config.health, ...override } }));
  return out;
}
