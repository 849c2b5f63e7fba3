/**
 * The one typed configuration object. Every number with meaning lives here, with its
 * unit in its name; later layers (file, environment, flags) only override it. It is
 * validated once, and a bad value stops start-up with a ConfigError naming the key.
 */
import { z } from "zod";
import { ConfigError } from "./errors.js";

const fraction = z.number().min(0).max(1);
const positiveSeconds = z.number().positive().finite();

const restSchema = z
  .object({
    /** κ*, the optimal coupling. */
    kappaStar: z.number().positive().finite(),
    /** Φ at and above which the fatigue formula's Φ factor is 0. */
    phiFatigueFloor: z.number().positive().max(1),
    fatigueWeights: z.strictObject({
      phi: fraction,
      trend: fraction,
      stability: fraction,
      load: fraction,
      time: fraction,
      error: fraction,
    }),
    /** time_since_rest at which the time factor saturates at 1. */
    timeFactorSaturationSeconds: positiveSeconds,
    thresholds: z.strictObject({
      neverEmergency: fraction,
      minimalRotating: fraction,
      coordinatedAlternating: fraction,
      scheduled: fraction,
      scheduledPostBurst: fraction,
      scheduledPostBurstLoad: fraction,
      seasonal: fraction,
      chaos: fraction,
      essentialReduce: fraction,
    }),
    /** A minimal_rotating kernel pauses at least this often. */
    minimalRotatingMaxAwakeSeconds: positiveSeconds,
    /** A partner above this fatigue cannot cover. */
    partnerMaxFatigue: fraction,
    microPauseMinSeconds: positiveSeconds,
    microPauseMaxSeconds: positiveSeconds,
    /** The period duty cycles and rest lengths are measured over. */
    dutyCyclePeriodSeconds: positiveSeconds,
    /** One full season (active + rest) of a seasonal kernel. */
    seasonLengthSeconds: positiveSeconds,
    /** Planned length of a REDUCED rest for a kernel with no duty cycle (Heart, Ocean, Hades). */
    reducedRestSeconds: positiveSeconds,
    /** Planned length of a rest for a kernel with no duty cycle or rest_duration (chaos kernels). */
    defaultRestSeconds: positiveSeconds,
    /** Auto-wake once fatigue is below this fraction of the policy threshold. */
    wakeFatigueFraction: fraction,
  })
  .refine((r) => r.microPauseMinSeconds <= r.microPauseMaxSeconds, {
    path: ["microPauseMaxSeconds"],
    message: "must be ≥ microPauseMinSeconds",
  });

const token = z.string().min(16, "must be at least 16 characters").nullable();

export const configSchema = z.strictObject({
  geometry: z.strictObject({
    /** "full": Fisher–Rao distance in [0, π]; "half": the original code's half-angle. */
    distance: z.enum(["full", "half"]),
  }),
  rest: restSchema,
  /** The registry file; null for the one shipped with Autonomic. */
  registryPath: z.string().min(1).nullable(),
  server: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    /** Large enough for a batch of 10,000 snapshots. */
    bodyLimitBytes: z.number().int().positive(),
    /** Requests per minute per token (per address when no token is sent). */
    rateLimitPerMinute: z.number().int().positive(),
    /** How long SIGTERM waits for in-flight requests before closing anyway. */
    shutdownGraceSeconds: positiveSeconds,
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  }),
  access: z.strictObject({
    /** May register, report and answer actions. */
    kernelToken: token,
    /** May also force rests, approve patches, vote, start/stop healing, advance phases. */
    operatorToken: token,
  }),
  store: z.strictObject({
    /** A SQLite file path, or a postgres:// URL. */
    location: z.string().min(1),
    /** Fatigue snapshots older than this are deleted by the periodic sweep. */
    fatigueRetentionSeconds: positiveSeconds,
  }),
  scheduler: z.strictObject({
    /** How often auto-wake runs. */
    tickSeconds: positiveSeconds,
    /** How often old fatigue snapshots are swept. */
    retentionSweepSeconds: positiveSeconds,
  }),
});

export type AutonomicConfig = z.infer<typeof configSchema>;
export type RestConfig = AutonomicConfig["rest"];

export const DEFAULT_CONFIG: AutonomicConfig = {
  geometry: { distance: "full" },
  rest: {
    kappaStar: 64.21,
    phiFatigueFloor: 0.7,
    fatigueWeights: { phi: 0.35, trend: 0.25, stability: 0.2, load: 0.1, time: 0.05, error: 0.05 },
    timeFactorSaturationSeconds: 3600,
    thresholds: {
      neverEmergency: 0.95,
      minimalRotating: 0.4,
      coordinatedAlternating: 0.45,
      scheduled: 0.5,
      scheduledPostBurst: 0.35,
      scheduledPostBurstLoad: 0.1,
      seasonal: 0.65,
      chaos: 0.7,
      essentialReduce: 0.4,
    },
    minimalRotatingMaxAwakeSeconds: 600,
    partnerMaxFatigue: 0.7,
    microPauseMinSeconds: 10,
    microPauseMaxSeconds: 60,
    dutyCyclePeriodSeconds: 3600,
    seasonLengthSeconds: 6 * 3600,
    reducedRestSeconds: 300,
    defaultRestSeconds: 600,
    wakeFatigueFraction: 0.5,
  },
  registryPath: null,
  server: {
    host: "127.0.0.1",
    port: 7070,
    bodyLimitBytes: 16 * 1024 * 1024,
    rateLimitPerMinute: 60_000,
    shutdownGraceSeconds: 10,
    logLevel: "info",
  },
  access: { kernelToken: null, operatorToken: null },
  store: { location: "./autonomic.db", fatigueRetentionSeconds: 7 * 24 * 3600 },
  scheduler: { tickSeconds: 1, retentionSweepSeconds: 3600 },
};

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object | null ? DeepPartial<T[K]> | null : T[K];
};

/**
 * Builds a validated config from the defaults and any number of override layers, the
 * later winning.
 * @example buildConfig({ rest: { seasonLengthSeconds: 3600 } })
 */
export function buildConfig(...layers: DeepPartial<AutonomicConfig>[]): AutonomicConfig {
  let merged: unknown = DEFAULT_CONFIG;
  for (const layer of layers) merged = deepMerge(merged, layer);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue?.path.join(".") || "(root)", issue?.message ?? "invalid");
  }
  return parsed.data;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
