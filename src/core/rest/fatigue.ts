/**
 * The WP5.4 fatigue formula (SPEC §3). Positional numbers in, one number out: it runs
 * on every telemetry report, so it must not allocate.
 */
import type { RestConfig } from "../config.js";

/** 1 at κ = κ*, falling as κ moves away from it in either direction. */
export function kappaStability(kappa: number, kappaStar: number): number {
  return 1 / (1 + Math.abs(kappa - kappaStar) / kappaStar);
}

/**
 * fatigue = 0.35·phi + 0.25·trend + 0.20·stability + 0.10·load + 0.05·time + 0.05·error,
 * clipped to [0, 1], with the weights and constants from config.
 *
 * @example computeFatigue(cfg, 0.35, -0.1, 64.21, 0.5, 1800, 0) // 0.35·0.5 + 0.25·0.1 + 0 + 0.05 + 0.025 = 0.275
 */
export function computeFatigue(
  cfg: RestConfig,
  phi: number,
  phiTrend: number,
  kappa: number,
  load: number,
  timeSinceRestSeconds: number,
  errorRate: number,
): number {
  const w = cfg.fatigueWeights;
  const phiFactor = Math.max(0, 1 - phi / cfg.phiFatigueFloor);
  const trendFactor = Math.max(0, -phiTrend);
  const stabilityFactor = Math.max(0, 1 - kappaStability(kappa, cfg.kappaStar));
  const timeFactor = Math.min(1, timeSinceRestSeconds / cfg.timeFactorSaturationSeconds);
  const fatigue =
    w.phi * phiFactor +
    w.trend * trendFactor +
    w.stability * stabilityFactor +
    w.load * load +
    w.time * timeFactor +
    w.error * errorRate;
  return fatigue < 0 ? 0 : fatigue > 1 ? 1 : fatigue;
}
