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
    kappaStar: z.number().positive().finite().describe("κ*, the optimal coupling."),
    phiFatigueFloor: z
      .number()
      .positive()
      .max(1)
      .describe("Φ at and above which the fatigue formula's Φ factor is 0."),
    fatigueWeights: z
      .strictObject({
        phi: fraction.describe("Weight of the Φ factor: how far Φ is below rest.phiFatigueFloor."),
        trend: fraction.describe("Weight of the Φ trend factor: how fast Φ is falling."),
        stability: fraction.describe(
          "Weight of the stability factor: how far κ strays from κ* (rest.kappaStar).",
        ),
        load: fraction.describe("Weight of the load factor: the kernel's reported load."),
        time: fraction.describe(
          "Weight of the time factor: time since the last rest, saturating at rest.timeFactorSaturationSeconds.",
        ),
        error: fraction.describe("Weight of the error factor: the kernel's reported error rate."),
      })
      .describe(
        "Weights of the fatigue formula's factors; fatigue is their weighted sum, so they normally add up to 1.",
      ),
    timeFactorSaturationSeconds: positiveSeconds.describe(
      "time_since_rest at which the time factor saturates at 1.",
    ),
    thresholds: z
      .strictObject({
        neverEmergency: fraction.describe(
          "A `never` kernel (Heart, Ocean) rests only above this fatigue: an emergency.",
        ),
        minimalRotating: fraction.describe("Fatigue above which a minimal_rotating kernel pauses."),
        coordinatedAlternating: fraction.describe(
          "Fatigue above which a coordinated_alternating kernel rests while its partner covers.",
        ),
        scheduled: fraction.describe("Fatigue above which a scheduled kernel rests."),
        scheduledPostBurst: fraction.describe(
          "After a burst (load below scheduledPostBurstLoad), a scheduled kernel rests above this lower fatigue.",
        ),
        scheduledPostBurstLoad: fraction.describe(
          "Load below which a scheduled kernel counts as just past a burst.",
        ),
        seasonal: fraction.describe("Fatigue above which a seasonal kernel rests before its season ends."),
        chaos: fraction.describe("Fatigue above which a chaos kernel rests."),
        essentialReduce: fraction.describe(
          "Fatigue above which an essential kernel reduces activity (it never stops).",
        ),
      })
      .describe(
        "Fatigue thresholds of the rest policies: a kernel of the policy rests (or reduces) once its fatigue is above its threshold.",
      ),
    minimalRotatingMaxAwakeSeconds: positiveSeconds.describe(
      "A minimal_rotating kernel pauses at least this often.",
    ),
    partnerMaxFatigue: fraction.describe("A partner above this fatigue cannot cover."),
    microPauseMinSeconds: positiveSeconds.describe(
      "Shortest micro-pause; a micro-pause lasts longer the more fatigued the kernel.",
    ),
    microPauseMaxSeconds: positiveSeconds.describe("Longest micro-pause."),
    dutyCyclePeriodSeconds: positiveSeconds.describe(
      "The period duty cycles and rest lengths are measured over.",
    ),
    seasonLengthSeconds: positiveSeconds.describe("One full season (active + rest) of a seasonal kernel."),
    reducedRestSeconds: positiveSeconds.describe(
      "Planned length of a REDUCED rest for a kernel with no duty cycle (Heart, Ocean, Hades).",
    ),
    defaultRestSeconds: positiveSeconds.describe(
      "Planned length of a rest for a kernel with no duty cycle or rest_duration (chaos kernels).",
    ),
    wakeFatigueFraction: fraction.describe(
      "Auto-wake once fatigue is below this fraction of the policy threshold.",
    ),
    contextMaxBytes: z
      .number()
      .int()
      .positive()
      .describe("Largest context payload (JSON, bytes) a resting kernel may hand its coverer."),
    coverLoadFraction: fraction.describe(
      "Share of a resting kernel's load its coverers take on between them (the simulator's coverers carry it).",
    ),
    coverLoadMax: z
      .number()
      .positive()
      .max(2)
      .describe(
        "A partner carries a kernel alone only if its own load plus the carried load stays at or under this; when no single partner can, two partners share it in proportion to their room.",
      ),
    adaptiveThresholds: z
      .strictObject({
        enabled: z.boolean().describe("Move each kernel's rest threshold by how well its rests restored it."),
        maxShift: fraction.describe(
          "The threshold never moves further than this from the policy's own, either way.",
        ),
        step: fraction.describe("How far one rest moves it."),
        poorRecoveryBelow: fraction.describe(
          "A rest that removed less than this fraction of the fatigue it began with restored poorly: rest earlier.",
        ),
        goodRecoveryAbove: fraction.describe(
          "One that removed more than this restored well: the kernel may run a little longer.",
        ),
      })
      .describe("Each kernel's rest threshold moves by how well its rests restored it (WP5.4 next step 2)."),
    predictive: z
      .strictObject({
        enabled: z.boolean().describe("Request rest ahead of the threshold from the fatigue trend."),
        horizonSeconds: positiveSeconds.describe(
          "Rest is due when the threshold is predicted within this many seconds.",
        ),
        slopeSmoothing: z
          .number()
          .positive()
          .max(1)
          .describe("Weight of the newest fatigue slope in its exponential moving average, (0, 1]."),
        minReports: z.number().int().min(2).describe("Reports since the last rest before a trend counts."),
        minFatigueFraction: fraction.describe(
          "No prediction below this fraction of the threshold: a fresh kernel's noise is no trend.",
        ),
      })
      .describe(
        "Rest requested ahead of the threshold from the fatigue trend, when a partner is free (WP5.4 next step 4).",
      ),
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

/** kernel_id as SPEC §6 allows it on every route. */
const kernelIdKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, "must be a kernel_id");

/**
 * The rule thresholds one kernel may have of its own (`health.kernelOverrides`): a kernel
 * that is noisy by nature gets a looser rule without loosening it for everyone.
 */
const kernelThresholdOverride = z.strictObject({
  phiAvgLowCritical: fraction.optional(),
  phiLowWarning: fraction.optional(),
  phiAvgHighCritical: fraction.optional(),
  phiSlopeWarningPerSnapshot: z.number().max(0).finite().optional(),
  driftWarning: fullDrift.optional(),
  driftCritical: fullDrift.optional(),
  kappaDeviationWarning: z.number().positive().finite().optional(),
  breakdownMaxOfWindow: z.number().int().min(0).optional(),
  errorRateCritical: fraction.optional(),
  latencyWarningMs: z.number().positive().finite().optional(),
  memoryWarningMb: z.number().positive().finite().optional(),
  memorySlopeWarningMbPerSnapshot: z.number().positive().finite().optional(),
});

const healthSchema = z
  .strictObject({
    ringCapacitySnapshots: snapshotCount.describe(
      "Snapshots kept per kernel in its ring buffer (the window reads the newest of them).",
    ),
    windowSnapshots: z
      .number()
      .int()
      .min(2)
      .describe("The degradation window: averages, slopes and the breakdown count use the last this many."),
    minSnapshots: snapshotCount.describe(
      "Below this many snapshots a kernel is insufficient_data and no rule is reported.",
    ),
    phiAvgLowCritical: fraction.describe("Mean Φ over the window below this is critical."),
    phiLowWarning: fraction.describe("Current Φ below this warns."),
    phiAvgHighCritical: fraction.describe(
      "Mean Φ over the window above this is critical (toward breakdown).",
    ),
    phiSlopeWarningPerSnapshot: z
      .number()
      .max(0)
      .finite()
      .describe("Least-squares Φ slope per snapshot below which the kernel warns (negative: falling)."),
    driftWarning: fullDrift.describe(
      'Basin drift from baseline, in full Fisher–Rao units (halved in "half" mode).',
    ),
    driftCritical: fullDrift.describe(
      'Basin drift from baseline above this is critical (full Fisher–Rao units, halved in "half" mode); must be ≥ driftWarning.',
    ),
    driftThresholdMode: z
      .enum(["fixed", "reference"])
      .describe(
        '"reference": each kernel\'s drift thresholds come from its own first drifts after the baseline.',
      ),
    referenceSnapshots: z
      .number()
      .int()
      .min(2)
      .describe("How many drifts after the baseline make a kernel's reference."),
    referenceWarningSigmas: z
      .number()
      .positive()
      .finite()
      .describe(
        "In reference mode, drift warns this many standard deviations above the kernel's reference mean.",
      ),
    referenceCriticalSigmas: z
      .number()
      .positive()
      .finite()
      .describe(
        "In reference mode, drift is critical this many standard deviations above the kernel's reference mean.",
      ),
    referenceDriftFloor: fullDrift.describe(
      "Reference thresholds never fall below this (full units), so a still kernel does not warn on noise.",
    ),
    kappaDeviationWarning: z
      .number()
      .positive()
      .finite()
      .describe("|κ − κ*| above this warns; κ* is rest.kappaStar, the one optimum of the whole system."),
    breakdownMaxOfWindow: z
      .number()
      .int()
      .min(0)
      .describe("Breakdown-regime snapshots in the window above this count are critical."),
    errorRateCritical: fraction.describe("Reported error rate above this is critical."),
    latencyWarningMs: z
      .number()
      .positive()
      .finite()
      .describe("Reported latency above this many milliseconds warns."),
    memoryWarningMb: z
      .number()
      .positive()
      .finite()
      .describe("Reported memory above this many megabytes warns."),
    memorySlopeWarningMbPerSnapshot: z
      .number()
      .positive()
      .finite()
      .describe(
        "Memory growing faster than this many megabytes per snapshot (least squares over the window) warns: a leak.",
      ),
    forSnapshots: snapshotCount.describe(
      "A rule on a current value fires once it has held this many consecutive snapshots (Prometheus `for`).",
    ),
    keepFiringSnapshots: z
      .number()
      .int()
      .min(0)
      .describe(
        "…and keeps firing this many snapshots after it stops holding (Prometheus `keep_firing_for`).",
      ),
    regimeBounds: z
      .strictObject({
        linearBelowPhi: fraction.describe("Φ below this is the linear regime."),
        geometricBelowPhi: fraction.describe("Φ below this (and not linear) is the geometric regime."),
        hierarchicalBelowPhi: fraction.describe(
          "Φ below this (and not geometric) is hierarchical; at and above it, breakdown.",
        ),
      })
      .describe(
        "Φ below linearBelowPhi is linear, below geometricBelowPhi geometric, below hierarchicalBelowPhi hierarchical, else breakdown.",
      ),
    resonance: z
      .strictObject({
        kappaWithin: z.number().positive().finite().describe("κ within this of κ* counts toward resonance."),
        phiVarianceMax: nonNegative.describe("Φ's variance over the resonance window must be below this."),
        windowSnapshots: z.number().int().min(2).describe("Snapshots the resonance window reads."),
        clusterStrengthMin: fraction.describe(
          "Cluster strength 1/(1 + 100·var Φ + var κ) at least this makes a resonance point.",
        ),
      })
      .describe("Resonance points: moments a kernel settles at the optimal coupling."),
    defaultBasinDimension: snapshotCount.describe(
      "The basin dimension the simulator and SDK generate; the monitor takes whatever a kernel's first basin has.",
    ),
    maxBasinDimension: snapshotCount.describe(
      "Longest basin accepted, so one report cannot claim unbounded memory per kernel.",
    ),
    kernelOverrides: z
      .record(kernelIdKey, kernelThresholdOverride)
      .describe(
        "Per kernel_id, rule thresholds that replace the ones above for that kernel alone (any of phiAvgLowCritical, phiLowWarning, phiAvgHighCritical, phiSlopeWarningPerSnapshot, driftWarning, driftCritical, kappaDeviationWarning, breakdownMaxOfWindow, errorRateCritical, latencyWarningMs, memoryWarningMb, memorySlopeWarningMbPerSnapshot); `autonomic calibrate --write` emits them.",
      ),
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
    for (const [id, o] of Object.entries(h.kernelOverrides))
      if ((o.driftWarning ?? h.driftWarning) > (o.driftCritical ?? h.driftCritical))
        ctx.addIssue({
          code: "custom",
          path: ["kernelOverrides", id, "driftWarning"],
          message: "must be ≤ driftCritical",
        });
  });

/** One value per cycle type, named like the cycle types themselves. */
const perCycleType = (seconds: z.ZodNumber) =>
  z.strictObject({
    sleep: seconds.describe("For SLEEP."),
    dream: seconds.describe("For DREAM."),
    mushroom: seconds.describe("For MUSHROOM."),
  });

/**
 * Constellation cycles (SPEC §3): Heart's and Ocean's consensus. Fractions named …Above /
 * …Below are strict bounds. Drift is always measured in full Fisher–Rao units here, whatever
 * geometry.distance reports, so the seed's 3.0 keeps its meaning.
 */
const cyclesSchema = z
  .strictObject({
    windowSnapshots: z
      .number()
      .int()
      .min(2)
      .describe("Telemetry updates per kernel that the Φ slope, fatigue mean and κ std are taken over."),
    sleepCoherenceBelow: fraction.describe("SLEEP needs constellation coherence below this."),
    sleepFatigueAbove: fraction.describe("SLEEP needs average fatigue above this."),
    sleepDriftAbove: z
      .number()
      .min(0)
      .max(Math.PI, "must be ≤ π, the largest Fisher–Rao distance (cycles always measure in full units)")
      .describe("Mean basin drift from baselines, full Fisher–Rao units."),
    dreamStuckFractionAbove: fraction.describe("DREAM needs the fraction of stuck kernels above this."),
    dreamRigidityAbove: fraction.describe("DREAM needs rigidity above this."),
    mushroomRigidityAbove: fraction.describe("MUSHROOM needs rigidity above this."),
    mushroomSpreadBelow: fraction.describe("MUSHROOM needs the basins' spread below this."),
    stuckPhiSlopePerUpdate: z
      .number()
      .positive()
      .finite()
      .describe("A kernel whose |least-squares Φ slope| per update is below this is not moving…"),
    stuckFatigue: fraction.describe(
      "…and is stuck when its mean fatigue over the window is also above this.",
    ),
    rigidityKappaStdScale: z
      .number()
      .positive()
      .finite()
      .describe(
        "The std of κ over the window at and above which a kernel counts as fully flexible (rigidity 0).",
      ),
    cooldownSeconds: perCycleType(nonNegative).describe(
      "No new cycle of a type until this long after the last one of that type ended.",
    ),
    maxLengthSeconds: perCycleType(positiveSeconds).describe(
      "A cycle still running after this long ends by length.",
    ),
    sleepEndFatigueBelow: fraction.describe(
      "SLEEP ends by condition once average fatigue is below this (hysteresis under sleepFatigueAbove).",
    ),
    castVoteTtlSeconds: positiveSeconds.describe(
      "A vote cast by Heart or Ocean overrides its telemetry vote this long.",
    ),
    consensusIntervalSeconds: positiveSeconds.describe(
      "How often Heart's and Ocean's consensus is taken (and a running cycle checked for its end).",
    ),
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
  geometry: z
    .strictObject({
      distance: z
        .enum(["full", "half"])
        .describe('"full": Fisher–Rao distance in [0, π]; "half": the original code\'s half-angle.'),
    })
    .describe("How distances between basins are measured."),
  rest: restSchema.describe(
    "Rest scheduling: the fatigue formula, policy thresholds, rest lengths and coverage.",
  ),
  health: healthSchema.describe("Health monitoring: the degradation rules and their thresholds."),
  cycles: cyclesSchema.describe(
    "Constellation cycles (SPEC §3): Heart's and Ocean's consensus. Fractions named …Above / …Below are strict bounds; drift is in full Fisher–Rao units.",
  ),
  registryPath: z
    .string()
    .min(1)
    .nullable()
    .describe("The registry file; null for the one shipped with Autonomic."),
  server: z
    .strictObject({
      host: z.string().min(1).describe("Address to bind; beyond loopback, tokens are required."),
      port: z.number().int().min(0).max(65535).describe("Port to listen on; 0 picks a free one."),
      bodyLimitBytes: z.number().int().positive().describe("Large enough for a batch of 10,000 snapshots."),
      rateLimitPerMinute: z
        .number()
        .int()
        .positive()
        .describe("Requests per minute per token (per address when no token is sent)."),
      shutdownGraceSeconds: positiveSeconds.describe(
        "How long SIGTERM waits for in-flight requests before closing anyway.",
      ),
      logLevel: z
        .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
        .describe("Lowest level of log lines written (JSON, one per line, to stdout)."),
      maxEventStreams: z
        .number()
        .int()
        .positive()
        .describe("Concurrent GET /api/events streams; one more is a 503 until one closes."),
      eventStreamMaxQueueBytes: z
        .number()
        .int()
        .min(64 * 1024)
        .describe(
          "Bytes an event-stream client may leave unread in the server's buffers; past it the client is dropped (it reconnects and re-reads), so a stalled reader cannot grow memory.",
        ),
    })
    .describe("The HTTP server."),
  api: z
    .strictObject({
      strictFields: z
        .boolean()
        .describe(
          "Refuse a field nobody knows with a 400, instead of ignoring it and naming it in `warnings`.",
        ),
    })
    .describe("The wire: how strictly requests are read."),
  writes: z
    .strictObject({
      maxGroupWrites: z
        .number()
        .int()
        .positive()
        .max(100_000)
        .describe("Most writes committed in one transaction; the rest wait for the next."),
      maxGroupsInFlight: z
        .number()
        .int()
        .positive()
        .max(16)
        .describe(
          "PostgreSQL: groups of fatigue reports that may commit at once, on their own connections, when they touch different kernels. 1 commits one group at a time, and the writes that arrive meanwhile form the next: with the database beside the server, overlapping commits only split the writes into smaller groups that each cost a round trip. Raise it when a commit's round trip is long against the time the server takes to answer a group (a distant database). SQLite has one writer and commits one group at a time.",
        ),
      kernelCheckpointReports: z
        .number()
        .int()
        .positive()
        .max(100_000)
        .describe(
          "A fatigue report rewrites its kernel's row (a checkpoint of its rest state) when this many reports have come since the row was last written; the reports between are stored only as fatigue snapshots, and a restore folds them into the row again. 1 writes the row with every report.",
        ),
      kernelCheckpointSeconds: positiveSeconds.describe(
        "A fatigue report also rewrites its kernel's row when the row is this old; and a kernel that stops reporting gets its row written this long after its last report (by the periodic tick). Bounds what a restore has to fold in.",
      ),
    })
    .describe("Group commit: writes that arrive while a commit is in flight share the next transaction."),
  monitor: z
    .strictObject({
      maxKernels: z
        .number()
        .int()
        .positive()
        .describe("Kernels monitored at most; a snapshot from one more is a 409 naming this key."),
      maxBatchSnapshots: z.number().int().positive().describe("Snapshots in one batch at most."),
      contextMaxBytes: z.number().int().positive().describe("A snapshot's `context`, serialised."),
      contextMaxDepth: z
        .number()
        .int()
        .positive()
        .max(1000)
        .describe("A snapshot's `context` nesting (a flat object is 1)."),
    })
    .describe("Bounds on what kernels may make the health monitor hold (SPEC §6 Hardening)."),
  access: z
    .strictObject({
      kernelToken: token.describe(
        "May register, report and answer actions, for any kernel (see kernelScoped).",
      ),
      operatorToken: token.describe(
        "May also force rests, approve patches, vote, start/stop healing, advance phases, mint tokens.",
      ),
      viewerToken: token.describe("May only read (every GET), e.g. for the dashboard on a shared screen."),
      allowedOrigins: z
        .array(z.url({ protocol: /^https?$/ }).transform(normalOrigin))
        .describe(
          'Browser origins besides the server\'s own that may call the API (exact "scheme://host[:port]"), e.g. a dashboard served elsewhere.',
        ),
      allowedHosts: z
        .array(z.string().min(1).max(253).toLowerCase())
        .describe(
          'Host names (without port) besides loopback names and the bind address that requests may name, e.g. the name a reverse proxy forwards; "*" accepts any (behind a proxy that checks it).',
        ),
      metricsPublic: z
        .boolean()
        .describe(
          "Serve /metrics without a token although tokens are configured (a scraper on a trusted network).",
        ),
      kernelScoped: z
        .boolean()
        .describe(
          "Turn the shared kernel token off: kernels then act only through their kernel-scoped tokens.",
        ),
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
    })
    .describe("Bearer tokens and the browser guard (SPEC §6 Access)."),
  store: z
    .strictObject({
      location: z.string().min(1).describe("A SQLite file path, or a postgres:// URL."),
      fatigueRetentionSeconds: positiveSeconds.describe(
        "Fatigue snapshots older than this are deleted by the periodic sweep.",
      ),
      healthSnapshotRetentionSeconds: positiveSeconds.describe(
        "Health snapshots older than this are deleted by the periodic sweep.",
      ),
    })
    .describe("Where state is kept."),
  healing: z
    .strictObject({
      actionTimeoutSeconds: positiveSeconds.describe(
        "How long a kernel has to answer a remediation action before it counts as failed.",
      ),
      loopIntervalSeconds: positiveSeconds.describe("How often the healing loop looks at degraded kernels."),
      unhealedAlertSeconds: z
        .number()
        .min(0)
        .finite()
        .describe(
          "A critical degradation no strategy is healing raises an alert once it has lasted this long (a tired kernel's Φ sag usually ends in a rest well before).",
        ),
      silentAlertSeconds: positiveSeconds.describe(
        "A working kernel silent this long (no snapshot) raises an alert: it may have crashed.",
      ),
      recycleDrainSeconds: positiveSeconds.describe(
        "A recycle's covered drain is planned this long; it ends as soon as the kernel reports back restarted.",
      ),
      applyThreshold: fraction.describe(
        "Sandbox fitness at and above which a patch is recommended for applying.",
      ),
      testMoreThreshold: fraction.describe(
        "Sandbox fitness at and above which a patch is worth testing more; below it, rejected.",
      ),
      keepThreshold: fraction.describe(
        "Mean live fitness over the verification window at and above which an applied patch is kept.",
      ),
      verificationCount: z
        .number()
        .int()
        .positive()
        .describe("Live fitness measurements taken after applying, one per interval."),
      verificationIntervalSeconds: positiveSeconds.describe(
        "Time between the live fitness measurements of an applied patch.",
      ),
      cooldownSeconds: z
        .number()
        .min(0)
        .finite()
        .describe("No new patch for a kernel this long after one was applied or rolled back on it."),
      maxPatchesPerKernelPerHour: z
        .number()
        .int()
        .positive()
        .describe("Patches generated per kernel in any rolling hour."),
      circuitBreakerFailures: z
        .number()
        .int()
        .positive()
        .describe("Consecutive failed remediations on a kernel that open its circuit breaker."),
      driftFraction: z
        .number()
        .gt(0)
        .max(1)
        .describe("Basin drift above this fraction of the kernel's critical drift fires the basin strategy."),
      basinStep: z
        .number()
        .gt(0)
        .max(1)
        .describe("The geodesic step of a basin_correction, as a fraction of the way to the baseline."),
      integrationBoostFactor: z
        .number()
        .gt(1)
        .max(1.5)
        .describe("The factor an integration_boost multiplies integration by."),
      decoherenceNoise: z.number().gt(0).max(0.2).describe("The noise a decoherence action adds."),
      cacheEntries: z
        .number()
        .int()
        .positive()
        .max(1_000_000)
        .describe("Entries of the cache enable_cache asks for."),
      performanceRestWhenCovered: z
        .boolean()
        .describe("Answer high latency with a covered rest instead of a cache when a partner can cover."),
      fitness: z
        .enum(["targeted", "original"])
        .describe(
          'The fitness formula: "targeted" (SPEC §5\'s properties: the strategy\'s target symptom and the harm done elsewhere) or "original" (the original\'s 0.4/0.3/0.2/0.1 sum), for comparison.',
        ),
      gates: z
        .strictObject({
          phase1MinSnapshots: z
            .number()
            .int()
            .min(0)
            .describe("Phase 1's gate (to phase 2): snapshots monitored, at least."),
          phase2MinPatches: z
            .number()
            .int()
            .min(0)
            .describe("Phase 2's gate (to phase 3): patches generated, at least."),
          phase2SandboxFitnessMedianMin: fraction.describe(
            "Phase 2's gate: the median sandbox fitness at least this…",
          ),
          phase2SandboxFitnessMedianMax: fraction.describe("…and at most this."),
          phase2MinSandboxSuccessFraction: fraction.describe(
            "Phase 2's gate: fraction of sandbox runs that succeeded, at least.",
          ),
          phase3MinApplied: z
            .number()
            .int()
            .min(0)
            .describe("Phase 3's gate (to phase 4): patches applied, at least."),
          phase3VerifiedFractionAbove: fraction.describe(
            "Phase 3's gate: fraction of applied patches verified, above this.",
          ),
          phase3FalsePositiveFractionBelow: fraction.describe(
            "Phase 3's gate: fraction of generated patches that were false positives, below this.",
          ),
          phase4VerifiedFractionAbove: fraction.describe(
            "Phase 4's criterion: fraction of applied patches verified, above this.",
          ),
        })
        .describe("SPEC §5's phase gates. Fractions named …Above / …Below are strict bounds."),
    })
    .superRefine((h, ctx) => {
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: "custom", path, message });
      if (h.testMoreThreshold > h.applyThreshold) issue(["testMoreThreshold"], "must be ≤ applyThreshold");
      const g = h.gates;
      if (g.phase2SandboxFitnessMedianMin > g.phase2SandboxFitnessMedianMax)
        issue(["gates", "phase2SandboxFitnessMedianMin"], "must be ≤ phase2SandboxFitnessMedianMax");
    })
    .describe("Self-healing: the loop, patches, verification and the phase gates."),
  alerts: z
    .strictObject({
      webhookUrl: z
        .url({ protocol: /^https?$/ })
        .nullable()
        .describe(
          'Slack-compatible incoming webhook that alerts are POSTed to as {"text": …}; null to only store and log them.',
        ),
      dedupeWindowSeconds: z
        .number()
        .min(0)
        .finite()
        .describe(
          "The same alert (kind and kernel) raised again within this long is counted, not sent again.",
        ),
      maxAttempts: z
        .number()
        .int()
        .positive()
        .describe("Delivery attempts, with exponential backoff, before an alert is marked failed."),
    })
    .describe("Alerts and their webhook delivery."),
  healingGit: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      "Config patches as git commits and pull requests (SPEC §5): null for none, else { repositoryPath, paramsFile, baseBranch?, remote?, testCommand?, github?: { apiUrl?, repository?, token? } }, checked in full at start-up.",
    ),
  report: z
    .strictObject({
      minutesPerIncident: z
        .number()
        .positive()
        .finite()
        .nullable()
        .describe(
          "A person's minutes per incident, for the report's estimate of time saved; null (the default) for no estimate: the report then shows measured numbers only.",
        ),
      calibrationLookbackSeconds: positiveSeconds.describe(
        "Calibration counts an incident caught when its rule fired on the kernel from this long before the patch was generated until the cure was applied.",
      ),
    })
    .describe("The impact report and threshold calibration (`autonomic report`, `autonomic calibrate`)."),
  scheduler: z
    .strictObject({
      tickSeconds: positiveSeconds.describe("How often auto-wake and the action timeout sweep run."),
      retentionSweepSeconds: positiveSeconds.describe("How often old fatigue snapshots are swept."),
    })
    .describe("Periodic work."),
  ha: z
    .strictObject({
      leaseSeconds: positiveSeconds.describe(
        "A follower takes over within this long of the leader dying (its lock polled 5 times in it).",
      ),
      maxReadLagMs: z
        .number()
        .int()
        .positive()
        .describe(
          "How far behind the leader a follower's reads may be (a commit it heard of may be missing from its own state this long, then reads go to the leader); also the longest a replica answers from its view of the cluster without having reached the database, past which it answers 503 naming the reason.",
        ),
      advertiseUrl: z
        .url()
        .nullable()
        .describe(
          "This server's URL as the other replicas reach it; null: http://<host>:<port it listens on>.",
        ),
    })
    .describe("Several servers on one PostgreSQL database (SPEC §9); unused on SQLite."),
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
    kernelOverrides: {},
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
  writes: {
    maxGroupWrites: 1024,
    maxGroupsInFlight: 1,
    kernelCheckpointReports: 32,
    kernelCheckpointSeconds: 2,
  },
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
  report: { minutesPerIncident: null, calibrationLookbackSeconds: 3600 },
  scheduler: { tickSeconds: 1, retentionSweepSeconds: 3600 },
  ha: { leaseSeconds: 5, maxReadLagMs: 3000, advertiseUrl: null },
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
