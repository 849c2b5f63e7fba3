/**
 * What the routes answer, for /openapi.json and /docs. Documentation only: replies are sent
 * as the handlers build them (the app's serializer is plain JSON.stringify), so these schemas
 * are loose (`looseObject`): they name the fields a client reads, and a field added to a
 * reply is not stripped. A test parses real replies with them, so they cannot drift silently.
 */
import { z } from "zod";

/** An object reply part: the fields a client reads, more allowed. */
const loose = (description: string, shape: z.ZodRawShape = {}) => z.looseObject(shape).describe(description);
const instant = z.string().describe("ISO 8601 instant");
const nullableString = z.string().nullable();

// ── Errors: each route family keeps the original's error shape (src/server/http-errors.ts).

const restError = (description: string) =>
  z.looseObject({ status: z.literal("error"), error: z.string(), code: z.string() }).describe(description);
const healingError = (description: string) =>
  z.looseObject({ success: z.literal(false), error: z.string(), code: z.string() }).describe(description);

const ERROR_MEANINGS = {
  400: "Bad input: `error` names the field",
  401: "Missing, unknown or revoked bearer token",
  403: "The token's role or kernel may not do this, or a browser request from another origin or to a foreign Host",
  404: "Unknown kernel, action, patch or token",
  409: "Conflict with the current state",
} as const;

const errorsOf = (shape: (meaning: string) => z.ZodType) => ({
  400: shape(ERROR_MEANINGS[400]),
  401: shape(ERROR_MEANINGS[401]),
  403: shape(ERROR_MEANINGS[403]),
  404: shape(ERROR_MEANINGS[404]),
  409: shape(ERROR_MEANINGS[409]),
});

/** The error replies of the /api/rest, /api/access and /api/dashboard routes. */
export const restErrors = errorsOf(restError);

/** The error replies of the /api/self-healing routes. */
export const healingErrors = errorsOf(healingError);

// ── Shared parts.

const restOk = <S extends z.ZodRawShape>(description: string, shape: S) =>
  z.looseObject({ status: z.literal("ok"), ...shape }).describe(description);
const healingOk = <S extends z.ZodRawShape>(description: string, shape: S) =>
  z.looseObject({ success: z.literal(true), ...shape }).describe(description);

export const kernelStatusSchema = loose("One kernel's rest status, with the original's field names", {
  kernel_id: z.string(),
  kernel_name: z.string(),
  tier: z.string(),
  rest_policy: z.string(),
  status: z.string(),
  fatigue_score: z.number(),
  is_resting: z.boolean(),
  covered_by: nullableString,
  covering_for: nullableString,
  rest_threshold: z.number(),
  rest_count: z.number(),
  total_rest_time: z.number().describe("seconds"),
  time_in_status: z.number().describe("seconds"),
});

const constellationSchema = loose("Counts over the constellation", {
  total_kernels: z.number(),
  active_kernels: z.number(),
  resting_kernels: z.number(),
  covering_kernels: z.number(),
  essential_active: z.number(),
  avg_fatigue: z.number(),
  coverage_active: z.boolean(),
});

const directiveSchema = loose("What the kernel should do next: its rest, and remediation actions to run", {
  rest: loose("status, should_rest, reason, and until/covered_by/covering_for when they apply"),
  actions: z.array(loose("A remediation action: action_id, type, params, dry_run, expires_at")),
});

const retirementSchema = loose("A recorded retirement", {
  kernel_id: z.string(),
  kernel_name: z.string(),
  tier: z.string(),
  rest_policy: z.string(),
  retired_at: instant,
  forced: z.boolean(),
  reason: nullableString,
  actor: z.string(),
  woken_from: nullableString,
  rest_count: z.number(),
  total_rest_seconds: z.number(),
});
const handoffSchema = loose("What a retired kernel covered, and who took it", {
  covered: z.string(),
  handed_to: nullableString,
  outcome: z.enum(["handed_off", "rest_ended"]),
});

const patchSchema = loose("A patch as stored, with its fitness breakdown and step-by-step `record`", {
  patch_id: z.string(),
  kernel_id: z.string(),
  state: z.string(),
  record: z.array(z.unknown()),
});
const loopStatusSchema = loose("The healing loop", { running: z.boolean(), phase: z.number() });
const phaseViewSchema = loose(
  "The healing phase, its gate criterion by criterion (value, target, met) and its history",
  {
    phase: z.number(),
    name: z.string(),
    next: z.number().nullable(),
    met: z.boolean(),
    criteria: z.array(loose("A gate criterion: name, value, target, met")),
    running: z.boolean(),
    history: z.array(loose("A phase change: from_phase, to_phase, at, actor, forced, reason")),
  },
);
const accessTokenSchema = loose("A kernel-scoped token's record, never its secret", {
  token_id: z.string(),
  kernel_id: z.string(),
  created_at: instant,
  created_by: z.string(),
  revoked_at: instant.nullable(),
  revoked_by: nullableString,
});
const actionSchema = loose("A remediation action sent, with its answer once given", {
  action_id: z.string(),
  kernel_id: z.string(),
  type: z.string(),
});

// ── /api/rest

export const restReplies = {
  health: restOk("Scheduler health", {
    status: z.literal("ok"),
    scheduler_available: z.boolean(),
    kernel_count: z.number(),
  }),
  constellation: restOk("Constellation rest status", { constellation: constellationSchema }),
  kernel: restOk("One kernel's rest status", { kernel: kernelStatusSchema }),
  kernels: restOk("Every kernel's rest status", { count: z.number(), kernels: z.array(kernelStatusSchema) }),
  partners: restOk("Coupling partners in preference order", {
    kernel_id: z.string(),
    partner_count: z.number(),
    partners: z.array(
      loose("A partner", {
        kernel_id: z.string(),
        status: z.string(),
        fatigue_score: z.number(),
        can_cover: z.boolean(),
      }),
    ),
  }),
  registered: restOk("The kernel, and whether this call created it (201) or it was there (200)", {
    created: z.boolean(),
    kernel: kernelStatusSchema,
  }),
  retired: restOk("The retirement and what the kernel's coverage became", {
    retired: retirementSchema,
    handoffs: z.array(handoffSchema),
  }),
  retirements: restOk("Recorded retirements, newest first", {
    count: z.number(),
    retirements: z.array(retirementSchema.extend({ id: z.number(), handoffs: z.array(handoffSchema) })),
  }),
  fatigue: restOk("The fatigue computed and the kernel's directive", {
    fatigue_score: z.number(),
    should_rest: z.boolean(),
    reason: z.string(),
    reason_code: z.string(),
    directive: directiveSchema,
  }),
  restRequest: restOk("The decision (200 whether approved or not)", {
    approved: z.boolean(),
    reason: z.string(),
    reason_code: z.string(),
    covering_partner: nullableString,
    sharing_partner: nullableString,
    rest_type: nullableString,
    planned_until: instant.nullable(),
  }),
  quality: restOk("Rest quality over finished rests", {
    quality: loose("Per kernel and overall", {
      overall: loose("Means over every kernel's finished rests").nullable(),
      kernels: z.array(loose("One kernel's means: rests, fatigue, Φ and κ at rest and after, …")),
    }),
  }),
  cycles: restOk("Constellation cycles: state and record", {
    active: loose("The running cycle").nullable(),
    votes: z.array(loose("A live cast vote")),
    last_decision: loose("The last consensus decision").nullable(),
    cooldowns: loose("Seconds of cooldown left per cycle type"),
    metrics: loose("The metrics the consensus reads"),
    cycles: z.array(
      loose("A decision, vote or cycle", {
        id: z.number(),
        kind: z.string(),
        cycle_type: z.string(),
        started_at: instant,
        ended_at: instant.nullable(),
        reason: nullableString,
        detail: z.unknown(),
      }),
    ),
  }),
  vote: restOk("The vote cast", {
    vote: loose("voter, cycle_type, vote, reasoning, at, expires_at", {
      voter: z.string(),
      cycle_type: z.string(),
      vote: z.boolean(),
      expires_at: instant,
    }),
  }),
  cycleEnded: restOk("The cycle ended", {
    ended: loose("cycle_type, by, reason, duration_seconds, woken", {
      cycle_type: z.string(),
      duration_seconds: z.number(),
      woken: z.array(z.string()),
    }),
  }),
};

// ── /api/self-healing

export const healingReplies = {
  snapshot: healingOk("The snapshot stored and the kernel's directive", {
    snapshot: loose("The snapshot as stored"),
    directive: directiveSchema,
    warnings: z.array(z.string()),
  }),
  snapshotBatch: healingOk("The batch stored (all or nothing) and each kernel's directive", {
    snapshots: loose("count and items", { count: z.number(), items: z.array(z.unknown()) }),
    directive: directiveSchema.optional().describe("When the batch held one kernel"),
    directives: z.record(z.string(), directiveSchema),
    warnings: z.array(z.string()),
  }),
  snapshots: healingOk("Stored snapshots, newest first", {
    snapshots: z.array(loose("A stored snapshot", { kernel_id: z.string(), timestamp: instant })),
    next_cursor: nullableString.describe("Pass as ?before for the next page; null on the last"),
  }),
  health: healingOk("Health of one kernel, or of the constellation", {
    health: loose("The original's HealthSummary fields beside ours (status, issues, findings, …)", {
      status: z.string(),
      issues: z.array(z.string()),
    }),
  }),
  degradation: healingOk("Degradation with the measured values", {
    degradation: loose("The original's HealthDegradation fields beside ours"),
  }),
  trends: healingOk("Least-squares slopes per snapshot over the window", {
    trends: loose("One kernel's trends, or {kernels:[…]}"),
  }),
  baseline: healingOk("The baseline set", { message: z.string(), baseline: loose("The baseline basin") }),
  actions: healingOk("Remediation actions sent, newest first", { actions: z.array(actionSchema) }),
  action: healingOk("One remediation action", { action: actionSchema }),
  actionAnswered: healingOk("The action with its answer", {
    action: actionSchema,
    warnings: z.array(z.string()),
  }),
  heal: healingOk("What one healing pass did", {
    heal: loose("at, phase, examined, patches_started, skipped"),
  }),
  started: healingOk("The loop runs", {
    message: z.string(),
    auto_apply: z.boolean(),
    status: loopStatusSchema,
  }),
  stopped: healingOk("The loop is stopped", { message: z.string(), status: loopStatusSchema }),
  status: healingOk("The healing loop, and the original's status fields", {
    status: loose("running, phase, phase_name, open_patches, open_by_state, pending_review, …", {
      running: z.boolean(),
      phase: z.number(),
      phase_name: z.string(),
      open_patches: z.number(),
      open_by_state: z.record(z.string(), z.number()),
      pending_review: z.number(),
    }),
  }),
  patches: healingOk("Patches, newest first", { patches: z.array(patchSchema) }),
  patch: healingOk("One patch", { patch: patchSchema }),
  history: healingOk("Every patch move, newest first", {
    history: z.array(loose("at, patch_id, kernel_id, strategy, action, from, to, actor, reason")),
    count: z.number(),
  }),
  evaluated: healingOk("The sandboxed patch and its fitness", {
    patch: patchSchema,
    fitness: z.number().nullable(),
    recommendation: nullableString,
  }),
  phase: healingOk("The healing phase", { phase: phaseViewSchema }),
  advanced: healingOk("The phase change and the phase now", {
    change: loose("from, to, their names, forced, reason, unmet", {
      from: z.number(),
      to: z.number(),
      forced: z.boolean(),
    }),
    phase: phaseViewSchema,
  }),
  alerts: healingOk("Alerts newest first, with their webhook delivery", {
    alerts: z.array(loose("An alert")),
  }),
};

// ── /api/access, /api/dashboard

export const accessReplies = {
  issued: restOk("The token: its secret is in this reply only", {
    token: z.string().describe("The bearer secret (akt_…)"),
    access_token: accessTokenSchema,
  }),
  list: restOk("Every kernel-scoped token issued, revoked ones too", {
    count: z.number(),
    tokens: z.array(accessTokenSchema),
  }),
  revoked: restOk("The token, now revoked", { access_token: accessTokenSchema }),
  me: restOk("What the caller's token may do", {
    access: loose("tokens_required, role, kernel_id", {
      tokens_required: z.boolean(),
      role: z.enum(["viewer", "kernel", "operator"]).nullable(),
      kernel_id: nullableString,
    }),
  }),
};

export const dashboardReplies = {
  config: restOk("The thresholds the dashboard draws, and what this server serves", {
    config: loose(
      "kappa_star, phi, drift, partner_max_fatigue, operator_token_required, cycles_available, …",
    ),
  }),
  fatigue: restOk("A kernel's stored fatigue reports, newest first", {
    kernel_id: z.string(),
    rest_threshold: z.number(),
    fatigue: z.array(
      loose("One report", {
        timestamp: instant,
        fatigue: z.number(),
        phi: z.number(),
        kappa: z.number(),
      }),
    ),
  }),
};
