/**
 * Status views with the original field names (SPEC §6), so the original clients read them.
 */
import type { RestConfig } from "../config.js";
import type { KernelPolicy, KernelRestState, KernelTier, RestStatus } from "./kernel-state.js";
import { restThreshold, secondsToThreshold } from "./policies.js";

export interface KernelStatus {
  kernel_id: string;
  kernel_name: string;
  tier: KernelTier;
  rest_policy: KernelPolicy;
  status: RestStatus;
  fatigue_score: number;
  is_resting: boolean;
  covered_by: string | null;
  /** The second coverer when two partners share the coverage (multi-partner coverage). */
  covered_also_by: string | null;
  covering_for: string | null;
  /** Share of the covered kernel's carried load this kernel takes while covering: 1 alone; 0 when not covering. */
  cover_share: number;
  /** The constellation cycle this kernel rests in, or null. */
  cycle: string | null;
  /** The fatigue threshold in force: the policy's, moved by adaptive thresholds. */
  rest_threshold: number;
  /** How far adaptation has moved it from the policy's own. */
  threshold_shift: number;
  /** Seconds until fatigue is predicted to cross rest_threshold at its current trend; null when not rising or not enough reports. */
  predicted_seconds_to_threshold: number | null;
  rest_count: number;
  /** Seconds. */
  total_rest_time: number;
  /** Seconds in the current status (the original reported this only while RESTING). */
  time_in_status: number;
}

export interface ConstellationStatus {
  total_kernels: number;
  active_kernels: number;
  /** Every rest mode counts: resting, reduced, micro_pause. */
  resting_kernels: number;
  covering_kernels: number;
  /** Essential kernels not fully stopped: always all of them. */
  essential_active: number;
  /** Mean fatigue of kernels that have reported telemetry. */
  avg_fatigue: number;
  /** True when any kernel is covering another. */
  coverage_active: boolean;
}

export interface PartnerStatus {
  kernel_id: string;
  kernel_name: string;
  status: RestStatus;
  fatigue_score: number;
  can_cover: boolean;
}

export function kernelStatus(cfg: RestConfig, k: KernelRestState, now: number): KernelStatus {
  const eta = secondsToThreshold(cfg, k);
  return {
    kernel_id: k.kernelId,
    kernel_name: k.kernelName,
    tier: k.tier,
    rest_policy: k.policy,
    status: k.status,
    fatigue_score: k.fatigue,
    is_resting: k.status !== "active",
    covered_by: k.coveredBy,
    covered_also_by: k.coveredAlsoBy,
    covering_for: k.coveringFor,
    cover_share: k.coverShare,
    cycle: k.restCycle,
    rest_threshold: restThreshold(cfg, k),
    threshold_shift: k.thresholdShift,
    predicted_seconds_to_threshold: eta < 0 ? null : eta,
    rest_count: k.restCount,
    total_rest_time: k.totalRestSeconds,
    time_in_status: Math.max(0, (now - k.statusSince) / 1000),
  };
}

export function constellationStatus(kernels: Iterable<KernelRestState>): ConstellationStatus {
  let total = 0;
  let resting = 0;
  let covering = 0;
  let essentialActive = 0;
  let fatigueSum = 0;
  let reporting = 0;
  for (const k of kernels) {
    total++;
    if (k.status !== "active") resting++;
    if (k.coveringFor !== null) covering++;
    if (k.tier === "essential" && k.status !== "resting") essentialActive++;
    if (k.hasTelemetry) {
      fatigueSum += k.fatigue;
      reporting++;
    }
  }
  return {
    total_kernels: total,
    active_kernels: total - resting,
    resting_kernels: resting,
    covering_kernels: covering,
    essential_active: essentialActive,
    avg_fatigue: reporting > 0 ? fatigueSum / reporting : 0,
    coverage_active: covering > 0,
  };
}
