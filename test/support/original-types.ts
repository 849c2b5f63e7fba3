/**
 * The original system's reply types, written as zod schemas from SPEC §6's list and the
 * original's own `shared/self-healing-types.ts` (its field names and types; not its code).
 * Compatibility tests parse real replies with them: a field missing or of the wrong type
 * fails the parse, exactly as it would in the original's clients and pages.
 */
import { z } from "zod";

/** POST /snapshot → `snapshot`. */
export const OriginalSnapshotAck = z.object({
  timestamp: z.iso.datetime({ offset: true }),
  phi: z.number(),
  kappa_eff: z.number(),
  regime: z.string(),
  code_hash: z.string(),
});

/** GET /health → `health` (HealthSummary). */
export const OriginalHealthSummary = z.object({
  status: z.string(),
  snapshots_collected: z.number(),
  current_phi: z.number().optional(),
  current_kappa: z.number().optional(),
  current_regime: z.string().optional(),
  basin_drift: z.number().nullable().optional(),
  issues: z.array(z.string()).optional(),
  last_snapshot: z.iso.datetime({ offset: true }).optional(),
});

/** GET /degradation → `degradation` (HealthDegradation). */
export const OriginalHealthDegradation = z.object({
  degraded: z.boolean(),
  issues: z.array(z.string()),
  severity: z.enum(["normal", "warning", "critical"]),
  metrics: z.object({
    basin_distance: z.number().nullable(),
    phi_current: z.number(),
    phi_avg: z.number(),
    phi_trend: z.number(),
    kappa_current: z.number(),
    kappa_deviation: z.number(),
    regime: z.string(),
    breakdown_frequency: z.number(),
    error_rate: z.number(),
    latency_ms: z.number(),
    memory_mb: z.number(),
    memory_trend: z.number(),
  }),
  timestamp: z.iso.datetime({ offset: true }),
  message: z.string().optional(),
});

/** GET /status → `status` (SelfHealingStatus). */
export const OriginalSelfHealingStatus = z.object({
  monitor: z.object({ snapshots_collected: z.number(), baseline_set: z.boolean() }),
  evaluator: z.object({
    weights: z.object({
      phi_change: z.number(),
      basin_drift: z.number(),
      regime_stability: z.number(),
      performance: z.number(),
    }),
    thresholds: z.object({ apply: z.number(), test_more: z.number() }),
  }),
  engine: z.object({
    running: z.boolean(),
    auto_apply_enabled: z.boolean(),
    check_interval_sec: z.number(),
    healing_attempts: z.number(),
    strategies_available: z.number(),
  }),
});

/** GET /history: `{history: [...], count}`, each entry stamped with an ISO timestamp. */
export const OriginalHistory = z.object({
  success: z.literal(true),
  history: z.array(z.object({ timestamp: z.iso.datetime({ offset: true }) }).loose()),
  count: z.number(),
});

/** The wrapper of every self-healing reply. */
export function success<N extends string, T extends z.ZodType>(name: N, inner: T) {
  return z.object({ success: z.literal(true) }).extend({ [name]: inner } as { [K in N]: T });
}

/** The rest scheduler's replies (the original's api_rest_scheduler). */
export const OriginalKernelStatus = z.object({
  kernel_id: z.string(),
  kernel_name: z.string(),
  tier: z.string(),
  rest_policy: z.string(),
  status: z.enum(["active", "resting", "reduced", "micro_pause"]),
  fatigue_score: z.number(),
  is_resting: z.boolean(),
  covered_by: z.string().nullable(),
  covering_for: z.string().nullable(),
  rest_count: z.number(),
  total_rest_time: z.number(),
  time_in_status: z.number(),
});

export const OriginalConstellation = z.object({
  status: z.literal("ok"),
  constellation: z.object({
    total_kernels: z.number(),
    active_kernels: z.number(),
    resting_kernels: z.number(),
    covering_kernels: z.number(),
    essential_active: z.number(),
    avg_fatigue: z.number(),
    coverage_active: z.boolean(),
  }),
});

/** An ISO 8601 instant, for "every instant on the wire" checks. */
export const Instant = z.iso.datetime({ offset: true });
