/**
 * What the SDK sends and receives, in the server's snake_case wire form (SPEC §4, §6).
 * The directive types are the server's own, so both sides cannot drift apart.
 */

export type { ActionResult, DirectiveAction, PredictedMetrics } from "../core/healing/remediation-action.js";
export type { Directive, RestDirective } from "../core/rest/directive.js";

/**
 * One telemetry sample as a kernel reports it; phi and kappa_eff are required.
 * @example { phi: 0.78, kappa_eff: 63.9, basin_coords: basinFromText(reply), error_rate: 0.01 }
 */
export interface SnapshotInput {
  kernel_id?: string;
  /** Epoch seconds or ISO 8601 with a zone; the client stamps it when absent. */
  timestamp?: number | string;
  phi: number;
  kappa_eff: number;
  basin_coords?: number[];
  basin_encoding?: "simplex" | "embedding";
  confidence?: number;
  surprise?: number;
  agency?: number;
  error_rate?: number;
  avg_latency_ms?: number;
  memory_mb?: number;
  cpu_pct?: number;
  code_hash?: string;
  label?: string;
  context?: Record<string, unknown>;
}

/** The sample behind a fatigue score (SPEC §3). */
export interface FatigueInput {
  phi: number;
  kappa: number;
  load?: number;
  error_rate?: number;
}
