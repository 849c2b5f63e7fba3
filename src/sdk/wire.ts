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
  /** At most 200 characters; shown with the snapshot in history and on the dashboard. */
  label?: string;
  /** A JSON object of at most 64 KiB and 32 levels, kept with the snapshot. */
  context?: Record<string, unknown>;
  /** This snapshot's basin becomes the kernel's baseline (needs basin_coords). */
  set_baseline?: boolean;
}

/** The sample behind a fatigue score (SPEC §3). */
export interface FatigueInput {
  phi: number;
  kappa: number;
  load?: number;
  error_rate?: number;
}
