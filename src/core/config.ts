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
    /** Largest context payload (JSON, bytes) a resting kernel may hand its coverer. */
    contextMaxBytes: z.number().int().positive(),
    /** Share of a resting kernel's load its coverers take on between them (the simulator's coverers carry it). */
    coverLoadFraction: fraction,
    /**
     * A partner carries a kernel alone only if its own load plus the carried load stays at or
     * under this; when no single partner can, two partners share it in proportion to their room.
     */
    coverLoadMax: z.number().positive().max(2),
    /** Each kernel's rest threshold moves by how well its rests restored it (WP5.4 next step 2). */
    adaptiveThresholds: z.strictObject({
      enabled: z.boolean(),
      /** The threshold never moves further than this from the policy's own, either way. */
      maxShift: fraction,
      /** How far one rest moves it. */
      step: fraction,
      /** A rest that removed less than this fraction of the fatigue it began with restored poorly: rest earlier. */
      poorRecoveryBelow: fraction,
      /** One that removed more than this restored well: the kernel may run a little longer. */
      goodRecoveryAbove: fraction,
    }),
    /** Rest requested ahead of the threshold from the fatigue trend, when a partner is free (WP5.4 next step 4). */
    predictive: z.strictObject({
      enabled: z.boolean(),
      /** Rest is due when the threshold is predicted within this many seconds. */
      horizonSeconds: positiveSeconds,
      /** Weight of the newest fatigue slope in its exponential moving average, (0, 1]. */
      slopeSmoothing: z.number().positive().max(1),
      /** Reports since the last rest before a trend counts. */
      minReports: z.number().int().min(2),
      /** No prediction below this fraction of the threshold: a fresh kernel's noise is no trend. */
      minFatigueFraction: fraction,
    }),
  })
  .refine((r) => r.microPauseMinSeconds <= r.microPauseMaxSeconds, {
    path: ["microPauseMaxSeconds"],
    message: "must be ≥ microPauseMinSeconds",
  })
  .refine((r) => r.adaptiveThresholds.poorRecoveryBelow <= r.adaptiveThresholds.goodRecoveryAbove, {
    path: ["adaptiveThresholds", "goodRecoveryAbove"],
    message: "must be ≥ poorRecoveryBelow",
  });

const nonNegative = z.number().min(0).finite();
const snapshotCount = z.number().int().positive();
/**
 * Drift thresholds are written in full Fisher–Rao units, whose distances stop at π: a larger
 * threshold could never fire. "half" mode halves thresholds and distances alike, so this one
 * bound is also the π/2 bound of half units.
 */
const fullDrift = z
  .number()
  .positive()
  .max(Math.PI, "must be ≤ π, the largest Fisher–Rao distance (π/2 in half units, where it is halved)");

const healthSchema = z
  .strictObject({
    /** Snapshots kept per kernel in its ring buffer (the window reads the newest of them). */
    ringCapacitySnapshots: snapshotCount,
    /** The degradation window: averages, slopes and the breakdown count use the last this many. */
    windowSnapshots: z.number().int().min(2),
    /** Below this many snapshots a kernel is insufficient_data and no rule is reported. */
    minSnapshots: snapshotCount,
    phiAvgLowCritical: fraction,
    phiLowWarning: fraction,
    phiAvgHighCritical: fraction,
    /** Least-squares Φ slope per snapshot below which the kernel warns (negative: falling). */
    phiSlopeWarningPerSnapshot: z.number().max(0).finite(),
    /** Basin drift from baseline, in full Fisher–Rao units (halved in "half" mode). */
    driftWarning: fullDrift,
    driftCritical: fullDrift,
    /** "reference": each kernel's drift thresholds come from its own first drifts after the baseline. */
    driftThresholdMode: z.enum(["fixed", "reference"]),
    /** How many drifts after the baseline make a kernel's reference. */
    referenceSnapshots: z.number().int().min(2),
    referenceWarningSigmas: z.number().positive().finite(),
    referenceCriticalSigmas: z.number().positive().finite(),
    /** Reference thresholds never fall below this (full units), so a still kernel does not warn on noise. */
    referenceDriftFloor: fullDrift,
    /** |κ − κ*| above this warns; κ* is rest.kappaStar, the one optimum of the whole system. */
    kappaDeviationWarning: z.number().positive().finite(),
    /** Breakdown-regime snapshots in the window above this count are critical. */
    breakdownMaxOfWindow: z.number().int().min(0),
    errorRateCritical: fraction,
    latencyWarningMs: z.number().positive().finite(),
    memoryWarningMb: z.number().positive().finite(),
    memorySlopeWarningMbPerSnapshot: z.number().positive().finite(),
    /** A rule on a current value fires once it has held this many consecutive snapshots (Prometheus `for`). */
    forSnapshots: snapshotCount,
    /** …and keeps firing this many snapshots after it stops holding (Prometheus `keep_firing_for`). */
    keepFiringSnapshots: z.number().int().min(0),
    /** Φ below linearBelowPhi is linear, below geometricBelowPhi geometric, below hierarchicalBelowPhi hierarchical, else breakdown. */
    regimeBounds: z.strictObject({
      linearBelowPhi: fraction,
      geometricBelowPhi: fraction,
      hierarchicalBelowPhi: fraction,
    }),
    resonance: z.strictObject({
      kappaWithin: z.number().positive().finite(),
      phiVarianceMax: nonNegative,
      windowSnapshots: z.number().int().min(2),
      clusterStrengthMin: fraction,
    }),
    /** The basin dimension the simulator and SDK generate; the monitor takes whatever a kernel's first basin has. */
    defaultBasinDimension: snapshotCount,
    /** Longest basin accepted, so one report cannot claim unbounded memory per kernel. */
    maxBasinDimension: snapshotCount,
  })
  .superRefine((h, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (h.driftWarning > h.driftCritical) issue("driftWarning", "must be ≤ driftCritical");
    if (h.referenceWarningSigmas > h.referenceCriticalSigmas)
      issue("referenceWarningSigmas", "must be ≤ referenceCriticalSigmas");
    const r = h.regimeBounds;
    if (!(r.linearBelowPhi <= r.geometricBelowPhi && r.geometricBelowPhi <= r.hierarchicalBelowPhi))
      issue("regimeBounds", "bounds must rise: linear ≤ geometric ≤ hierarchical");
    // The ring must still hold the value leaving each window when the next arrives.
    if (h.ringCapacitySnapshots < Math.max(h.windowSnapshots, h.resonance.windowSnapshots))
      issue("ringCapacitySnapshots", "must be ≥ windowSnapshots and resonance.windowSnapshots");
    if (h.defaultBasinDimension > h.maxBasinDimension)
      issue("defaultBasinDimension", "must be ≤ maxBasinDimension");
  });

/** One value per cycle type, named like the cycle types themselves. */
const perCycleType = (seconds: z.ZodNumber) =>
  z.strictObject({ sleep: seconds, dream: seconds, mushroom: seconds });

/**
 * Constellation cycles (SPEC §3): Heart's and Ocean's consensus. Fractions named …Above /
 * …Below are strict bounds. Drift is always measured in full Fisher–Rao units here, whatever
 * geometry.distance reports, so the seed's 3.0 keeps its meaning.
 */
const cyclesSchema = z
  .strictObject({
    /** Telemetry updates per kernel that the Φ slope, fatigue mean and κ std are taken over. */
    windowSnapshots: z.number().int().min(2),
    sleepCoherenceBelow: fraction,
    sleepFatigueAbove: fraction,
    /** Mean basin drift from baselines, full Fisher–Rao units. */
    sleepDriftAbove: z
      .number()
      .min(0)
      .max(Math.PI, "must be ≤ π, the largest Fisher–Rao distance (cycles always measure in full units)"),
    dreamStuckFractionAbove: fraction,
    dreamRigidityAbove: fraction,
    mushroomRigidityAbove: fraction,
    mushroomSpreadBelow: fraction,
    /** A kernel whose |least-squares Φ slope| per update is below this is not moving… */
    stuckPhiSlopePerUpdate: z.number().positive().finite(),
    /** …and is stuck when its mean fatigue over the window is also above this. */
    stuckFatigue: fraction,
    /** The std of κ over the window at and above which a kernel counts as fully flexible (rigidity 0). */
    rigidityKappaStdScale: z.number().positive().finite(),
    /** No new cycle of a type until this long after the last one of that type ended. */
    cooldownSeconds: perCycleType(nonNegative),
    /** A cycle still running after this long ends by length. */
    maxLengthSeconds: perCycleType(positiveSeconds),
    /** SLEEP ends by condition once average fatigue is below this (hysteresis under sleepFatigueAbove). */
    sleepEndFatigueBelow: fraction,
    /** A vote cast by Heart or Ocean overrides its telemetry vote this long. */
    castVoteTtlSeconds: positiveSeconds,
    /** How often Heart's and Ocean's consensus is taken (and a running cycle checked for its end). */
    consensusIntervalSeconds: positiveSeconds,
  })
  .refine((c) => c.sleepEndFatigueBelow <= c.sleepFatigueAbove, {
    path: ["sleepEndFatigueBelow"],
    message: "must be ≤ sleepFatigueAbove, or a SLEEP could end the moment it starts",
  });

const token = z.string().min(16, "must be at least 16 characters").nullable();

/** "HTTP://Example.org:80/" and "http://example.org" are one origin, as a browser sends it. */
function normalOrigin(url: string): string {
  return new URL(url).origin;
}

export const configSchema = z.strictObject({
  geometry: z.strictObject({
    /** "full": Fisher–Rao distance in [0, π]; "half": the original code's half-angle. */
    distance: z.enum(["full", "half"]),
  }),
  rest: restSchema,
  health: healthSchema,
  cycles: cyclesSchema,
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
    /** Concurrent GET /api/events streams; one more is a 503 until one closes. */
    maxEventStreams: z.number().int().positive(),
    /**
     * Bytes an event-stream client may leave unread in the server's buffers; past it the
     * client is dropped (it reconnects and re-reads), so a stalled reader cannot grow memory.
     */
    eventStreamMaxQueueBytes: z
      .number()
      .int()
      .min(64 * 1024),
  }),
  /** The wire: how strictly requests are read. */
  api: z.strictObject({
    /** Refuse a field nobody knows with a 400, instead of ignoring it and naming it in `warnings`. */
    strictFields: z.boolean(),
  }),
  /** Group commit: writes that arrive while a commit is in flight share the next transaction. */
  writes: z.strictObject({
    /** Most writes committed in one transaction; the rest wait for the next. */
    maxGroupWrites: z.number().int().positive().max(100_000),
  }),
  /** Bounds on what kernels may make the health monitor hold (SPEC §6 Hardening). */
  monitor: z.strictObject({
    /** Kernels monitored at most; a snapshot from one more is a 409 naming this key. */
    maxKernels: z.number().int().positive(),
    /** Snapshots in one batch at most. */
    maxBatchSnapshots: z.number().int().positive(),
    /** A snapshot's `context`, serialised. */
    contextMaxBytes: z.number().int().positive(),
    /** A snapshot's `context` nesting (a flat object is 1). */
    contextMaxDepth: z.number().int().positive().max(1000),
  }),
  access: z
    .strictObject({
      /** May register, report and answer actions, for any kernel (see kernelScoped). */
      kernelToken: token,
      /** May also force rests, approve patches, vote, start/stop healing, advance phases, mint tokens. */
      operatorToken: token,
      /** May only read (every GET), e.g. for the dashboard on a shared screen. */
      viewerToken: token,
      /**
       * Browser origins besides the server's own that may call the API (exact
       * "scheme://host[:port]"), e.g. a dashboard served elsewhere.
       */
      allowedOrigins: z.array(z.url({ protocol: /^https?$/ }).transform(normalOrigin)),
      /**
       * Host names (without port) besides loopback names and the bind address that requests
       * may name, e.g. the name a reverse proxy forwards; "*" accepts any (behind a proxy that checks it).
       */
      allowedHosts: z.array(z.string().min(1).max(253).toLowerCase()),
      /** Serve /metrics without a token although tokens are configured (a scraper on a trusted network). */
      metricsPublic: z.boolean(),
      /** Turn the shared kernel token off: kernels then act only through their kernel-scoped tokens. */
      kernelScoped: z.boolean(),
    })
    .superRefine((a, ctx) => {
      // One secret in two roles would make the weaker role's holder an operator.
      const roles = [
        ["kernelToken", a.kernelToken],
        ["operatorToken", a.operatorToken],
        ["viewerToken", a.viewerToken],
      ] as const;
      for (const [i, [name, value]] of roles.entries())
        for (const [other, otherValue] of roles.slice(0, i))
          if (value !== null && value === otherValue)
            ctx.addIssue({
              code: "custom",
              path: [name],
              message: `must differ from access.${other}: access.${other} and access.${name} are the same token`,
            });
    }),
  store: z.strictObject({
    /** A SQLite file path, or a postgres:// URL. */
    location: z.string().min(1),
    /** Fatigue snapshots older than this are deleted by the periodic sweep. */
    fatigueRetentionSeconds: positiveSeconds,
    /** Health snapshots older than this are deleted by the periodic sweep. */
    healthSnapshotRetentionSeconds: positiveSeconds,
  }),
  healing: z
    .strictObject({
      /** How long a kernel has to answer a remediation action before it counts as failed. */
      actionTimeoutSeconds: positiveSeconds,
      /** How often the healing loop looks at degraded kernels. */
      loopIntervalSeconds: positiveSeconds,
      /**
       * A critical degradation no strategy is healing raises an alert once it has lasted this
       * long (a tired kernel's Φ sag usually ends in a rest well before).
       */
      unhealedAlertSeconds: z.number().min(0).finite(),
      /** A working kernel silent this long (no snapshot) raises an alert: it may have crashed. */
      silentAlertSeconds: positiveSeconds,
      /** A recycle's covered drain is planned this long; it ends as soon as the kernel reports back restarted. */
      recycleDrainSeconds: positiveSeconds,
      /** Sandbox fitness at and above which a patch is recommended for applying. */
      applyThreshold: fraction,
      /** Sandbox fitness at and above which a patch is worth testing more; below it, rejected. */
      testMoreThreshold: fraction,
      /** Mean live fitness over the verification window at and above which an applied patch is kept. */
      keepThreshold: fraction,
      /** Live fitness measurements taken after applying, one per interval. */
      verificationCount: z.number().int().positive(),
      verificationIntervalSeconds: positiveSeconds,
      /** No new patch for a kernel this long after one was applied or rolled back on it. */
      cooldownSeconds: z.number().min(0).finite(),
      /** Patches generated per kernel in any rolling hour. */
      maxPatchesPerKernelPerHour: z.number().int().positive(),
      /** Consecutive failed remediations on a kernel that open its circuit breaker. */
      circuitBreakerFailures: z.number().int().positive(),
      /** Basin drift above this fraction of the kernel's critical drift fires the basin strategy. */
      driftFraction: z.number().gt(0).max(1),
      /** The geodesic step of a basin_correction, as a fraction of the way to the baseline. */
      basinStep: z.number().gt(0).max(1),
      integrationBoostFactor: z.number().gt(1).max(1.5),
      decoherenceNoise: z.number().gt(0).max(0.2),
      /** Entries of the cache enable_cache asks for. */
      cacheEntries: z.number().int().positive().max(1_000_000),
      /** Answer high latency with a covered rest instead of a cache when a partner can cover. */
      performanceRestWhenCovered: z.boolean(),
      /**
       * The fitness formula: "targeted" (SPEC §5's properties: the strategy's target symptom
       * and the harm done elsewhere) or "original" (the original's 0.4/0.3/0.2/0.1 sum), for comparison.
       */
      fitness: z.enum(["targeted", "original"]),
      /** SPEC §5's phase gates. Fractions named …Above / …Below are strict bounds. */
      gates: z.strictObject({
        phase1MinSnapshots: z.number().int().min(0),
        phase2MinPatches: z.number().int().min(0),
        phase2SandboxFitnessMedianMin: fraction,
        phase2SandboxFitnessMedianMax: fraction,
        phase2MinSandboxSuccessFraction: fraction,
        phase3MinApplied: z.number().int().min(0),
        phase3VerifiedFractionAbove: fraction,
        phase3FalsePositiveFractionBelow: fraction,
        phase4VerifiedFractionAbove: fraction,
      }),
    })
    .superRefine((h, ctx) => {
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: "custom", path, message });
      if (h.testMoreThreshold > h.applyThreshold) issue(["testMoreThreshold"], "must be ≤ applyThreshold");
      const g = h.gates;
      if (g.phase2SandboxFitnessMedianMin > g.phase2SandboxFitnessMedianMax)
        issue(["gates", "phase2SandboxFitnessMedianMin"], "must be ≤ phase2SandboxFitnessMedianMax");
    }),
  alerts: z.strictObject({
    /** Slack-compatible incoming webhook that alerts are POSTed to as {"text": …}; null to only store and log them. */
    webhookUrl: z.url({ protocol: /^https?$/ }).nullable(),
    /** The same alert (kind and kernel) raised again within this long is counted, not sent again. */
    dedupeWindowSeconds: z.number().min(0).finite(),
    /** Delivery attempts, with exponential backoff, before an alert is marked failed. */
    maxAttempts: z.number().int().positive(),
  }),
  /**
   * Config patches as git commits and pull requests (SPEC §5): null for none, else
   * { repositoryPath, paramsFile, baseBranch?, remote?, testCommand?, github?: { apiUrl?,
   * repository?, token? } }, checked in full at start-up.
   */
  healingGit: z.record(z.string(), z.unknown()).nullable(),
  scheduler: z.strictObject({
    /** How often auto-wake and the action timeout sweep run. */
    tickSeconds: positiveSeconds,
    /** How often old fatigue snapshots are swept. */
    retentionSweepSeconds: positiveSeconds,
  }),
});

export type AutonomicConfig = z.infer<typeof configSchema>;
export type RestConfig = AutonomicConfig["rest"];
export type HealthConfig = AutonomicConfig["health"];
export type CyclesConfig = AutonomicConfig["cycles"];

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
    contextMaxBytes: 64 * 1024,
    coverLoadFraction: 0.5,
    coverLoadMax: 1,
    adaptiveThresholds: {
      enabled: true,
      maxShift: 0.1,
      step: 0.02,
      poorRecoveryBelow: 0.3,
      goodRecoveryAbove: 0.6,
    },
    predictive: {
      enabled: true,
      horizonSeconds: 300,
      slopeSmoothing: 0.3,
      minReports: 3,
      minFatigueFraction: 0.6,
    },
  },
  health: {
    ringCapacitySnapshots: 1000,
    windowSnapshots: 10,
    minSnapshots: 10,
    phiAvgLowCritical: 0.65,
    phiLowWarning: 0.715,
    phiAvgHighCritical: 0.85,
    phiSlopeWarningPerSnapshot: -0.05,
    driftWarning: 1.4,
    driftCritical: 2.0,
    driftThresholdMode: "fixed",
    referenceSnapshots: 50,
    referenceWarningSigmas: 3,
    referenceCriticalSigmas: 5,
    referenceDriftFloor: 0.1,
    kappaDeviationWarning: 10,
    breakdownMaxOfWindow: 3,
    errorRateCritical: 0.05,
    latencyWarningMs: 2000,
    memoryWarningMb: 1000,
    memorySlopeWarningMbPerSnapshot: 10,
    forSnapshots: 3,
    keepFiringSnapshots: 2,
    regimeBounds: { linearBelowPhi: 0.3, geometricBelowPhi: 0.7, hierarchicalBelowPhi: 0.85 },
    resonance: { kappaWithin: 5, phiVarianceMax: 0.01, windowSnapshots: 5, clusterStrengthMin: 0.5 },
    defaultBasinDimension: 64,
    maxBasinDimension: 4096,
  },
  cycles: {
    windowSnapshots: 10,
    sleepCoherenceBelow: 0.5,
    sleepFatigueAbove: 0.8,
    sleepDriftAbove: 3.0,
    dreamStuckFractionAbove: 0.5,
    dreamRigidityAbove: 0.7,
    mushroomRigidityAbove: 0.9,
    mushroomSpreadBelow: 0.5,
    stuckPhiSlopePerUpdate: 0.005,
    stuckFatigue: 0.5,
    rigidityKappaStdScale: 5,
    cooldownSeconds: { sleep: 300, dream: 600, mushroom: 1800 },
    // SLEEP gets the longest: fatigue has to fall from above 0.8 to 0.4, several rest lengths;
    // MUSHROOM the shortest, as the most disruptive (its long cooldown keeps it rare too).
    maxLengthSeconds: { sleep: 1800, dream: 1200, mushroom: 900 },
    sleepEndFatigueBelow: 0.4,
    castVoteTtlSeconds: 600,
    consensusIntervalSeconds: 60,
  },
  registryPath: null,
  server: {
    host: "127.0.0.1",
    port: 7070,
    bodyLimitBytes: 16 * 1024 * 1024,
    rateLimitPerMinute: 60_000,
    shutdownGraceSeconds: 10,
    logLevel: "info",
    maxEventStreams: 64,
    eventStreamMaxQueueBytes: 1024 * 1024,
  },
  access: {
    kernelToken: null,
    operatorToken: null,
    viewerToken: null,
    allowedOrigins: [],
    allowedHosts: [],
    metricsPublic: false,
    kernelScoped: false,
  },
  api: { strictFields: false },
  writes: { maxGroupWrites: 1024 },
  monitor: { maxKernels: 10_000, maxBatchSnapshots: 10_000, contextMaxBytes: 64 * 1024, contextMaxDepth: 32 },
  store: {
    location: "./autonomic.db",
    fatigueRetentionSeconds: 7 * 24 * 3600,
    healthSnapshotRetentionSeconds: 30 * 24 * 3600,
  },
  healing: {
    actionTimeoutSeconds: 120,
    loopIntervalSeconds: 300,
    unhealedAlertSeconds: 900,
    silentAlertSeconds: 300,
    recycleDrainSeconds: 300,
    applyThreshold: 0.7,
    testMoreThreshold: 0.5,
    keepThreshold: 0.6,
    verificationCount: 3,
    verificationIntervalSeconds: 60,
    cooldownSeconds: 900,
    maxPatchesPerKernelPerHour: 3,
    circuitBreakerFailures: 3,
    driftFraction: 0.7,
    basinStep: 0.3,
    integrationBoostFactor: 1.3,
    decoherenceNoise: 0.1,
    cacheEntries: 1000,
    performanceRestWhenCovered: false,
    fitness: "targeted",
    gates: {
      phase1MinSnapshots: 1000,
      phase2MinPatches: 10,
      phase2SandboxFitnessMedianMin: 0.5,
      phase2SandboxFitnessMedianMax: 0.8,
      phase2MinSandboxSuccessFraction: 0.95,
      phase3MinApplied: 5,
      phase3VerifiedFractionAbove: 0.7,
      phase3FalsePositiveFractionBelow: 0.1,
      phase4VerifiedFractionAbove: 0.8,
    },
  },
  alerts: { webhookUrl: null, dedupeWindowSeconds: 3600, maxAttempts: 5 },
  healingGit: null,
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
