/**
 * /openapi.json, built from the same zod schemas that validate requests.
 */
import { z } from "zod";
import { actionResultSchema } from "../core/healing/remediation-action.js";
import { issueTokenBody, tokenIdParams } from "./routes/access-schemas.js";
import { actionIdParams } from "./routes/action-routes.js";
import { castVoteBody, cyclesQuery, endCycleBody, restQualityQuery } from "./routes/cycle-schemas.js";
import { fatigueQuery } from "./routes/dashboard-routes.js";
import {
  ACTOR_HEADER,
  actorHeaders,
  advancePhaseBody,
  alertsQuery,
  approveBody,
  evaluatePatchBody,
  historyQuery,
  kernelQuery,
  patchesQuery,
  patchIdParams,
  rejectBody,
} from "./routes/healing-schemas.js";
import { calibrationQuery, spanQuery } from "./routes/impact-routes.js";
import {
  fatigueBody,
  kernelIdParams,
  registerBody,
  requestRestBody,
  retirementsQuery,
  retireQuery,
} from "./routes/rest-schemas.js";

const json = (schema: z.ZodType) => ({
  "application/json": { schema: z.toJSONSchema(schema, { io: "input" }) },
});
const kernelParam = [
  { name: "kernel_id", in: "path", required: true, schema: z.toJSONSchema(kernelIdParams.shape.kernel_id) },
];
const actionParam = [
  { name: "action_id", in: "path", required: true, schema: z.toJSONSchema(actionIdParams.shape.action_id) },
];
const patchParam = [
  { name: "patch_id", in: "path", required: true, schema: z.toJSONSchema(patchIdParams.shape.patch_id) },
];
/** Every operator action takes the optional actor header. */
const actorParam = {
  name: ACTOR_HEADER,
  in: "header",
  required: false,
  description:
    'The operator acting, recorded on every move as "user:<name>" (default "operator"): 1–64 of A–Z a–z 0–9 _ . @ -',
  schema: z.toJSONSchema(actorHeaders.shape[ACTOR_HEADER], { io: "input" }),
};
/** Query parameters from a zod object schema. */
const queryParams = (schema: z.ZodObject) =>
  Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: "query",
    required: false,
    schema: z.toJSONSchema(field as z.ZodType, { io: "input" }),
  }));
const operatorAction = (summary: string, reply: string, body?: z.ZodType, parameters: object[] = []) => ({
  summary: `${summary} (operator token)`,
  security: [{ bearer: [] }],
  parameters: [...parameters, actorParam],
  ...(body ? { requestBody: { required: false, content: json(body) } } : {}),
  responses: ok(reply),
});
const errors = {
  "400": { description: "Bad input; `error` names the field" },
  "401": { description: "Missing, unknown or revoked bearer token" },
  "403": {
    description:
      "The token's role or kernel may not do this, or a browser request from another origin or to a foreign Host",
  },
  "404": { description: "Unknown kernel, action or patch" },
  "409": { description: "Conflict with the current state" },
};
const ok = (description: string) => ({ "200": { description }, ...errors });

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Autonomic",
      version,
      description:
        "Rest scheduling, health and healing for an agent constellation. With tokens configured every route needs a bearer token but GET /api/rest/health, /openapi.json and (with access.metricsPublic) /metrics: a viewer token reads, a kernel token (shared, or scoped to one kernel id) also registers, reports and answers actions, an operator token does everything. Browser requests from another origin or to a foreign Host are refused (403) with or without tokens.",
    },
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "viewer, kernel, kernel-scoped (akt_…) or operator token; the scheme in any case",
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/api/rest/health": {
        get: {
          summary: "Scheduler health (open: no token needed)",
          security: [],
          responses: ok("{status, scheduler_available, kernel_count}"),
        },
      },
      "/api/rest/status": {
        get: { summary: "Constellation rest status", responses: ok("{status, constellation}") },
      },
      "/api/rest/status/{kernel_id}": {
        get: {
          summary: "One kernel's rest status",
          parameters: kernelParam,
          responses: ok("{status, kernel}"),
        },
      },
      "/api/rest/kernels": {
        get: { summary: "Every kernel's rest status", responses: ok("{status, count, kernels}") },
        post: {
          summary: "Register a kernel (idempotent for the same id and name)",
          security: [{ bearer: [] }],
          requestBody: { content: json(registerBody) },
          responses: { "201": { description: "registered" }, ...ok("already registered") },
        },
      },
      "/api/rest/kernels/{kernel_id}": {
        delete: {
          summary:
            "Retire a kernel (kernel or operator token). In one transaction: a resting kernel is woken (its rest ends, cause retired); what it covers is handed to another partner of the covered kernel that can cover (the rest-handoff rule) or, when none can, that rest ends (cause coverer_retired); its row is removed and the retirement recorded. Its history stays and its id may register afresh; its god name or chaos place is free. An essential kernel needs ?force=true (operator token) and a reason, else a 409 (code essential_needs_force) or a 400 naming reason. Options go in the query; a non-empty body is a 400. 404 for an unknown kernel",
          security: [{ bearer: [] }],
          parameters: [
            ...kernelParam,
            ...queryParams(retireQuery),
            {
              ...actorParam,
              description:
                'Who retires it, recorded as "user:<name>" (default "operator"); a kernel token is recorded as "kernel"',
            },
          ],
          responses: ok(
            "{status, retired:{kernel_id, kernel_name, tier, rest_policy, retired_at, forced, reason, actor, woken_from, rest_count, total_rest_seconds}, handoffs:[{covered, handed_to, outcome: handed_off|rest_ended}]}",
          ),
        },
      },
      "/api/rest/retirements": {
        get: {
          summary: "Recorded retirements, newest first (?kernel_id, limit ≤ 1000, default 100)",
          parameters: queryParams(retirementsQuery),
          responses: ok(
            "{status, count, retirements:[{id, kernel_id, kernel_name, tier, rest_policy, retired_at, forced, reason, actor, woken_from, rest_count, total_rest_seconds, handoffs}]}",
          ),
        },
      },
      "/api/rest/partners/{kernel_id}": {
        get: {
          summary: "Coupling partners in preference order",
          parameters: kernelParam,
          responses: ok("{status, kernel_id, partner_count, partners}"),
        },
      },
      "/api/rest/fatigue/{kernel_id}": {
        post: {
          summary: "Report telemetry; returns fatigue and the kernel's directive",
          security: [{ bearer: [] }],
          parameters: kernelParam,
          requestBody: { content: json(fatigueBody) },
          responses: ok("{status, fatigue_score, should_rest, reason, reason_code, directive}"),
        },
      },
      "/api/rest/request/{kernel_id}": {
        post: {
          summary:
            "Request rest; 200 whether approved or not. force needs an operator token and is a 400 on an essential kernel; context (any JSON, at most rest.contextMaxBytes) goes to the coverer, else a 400 on context",
          security: [{ bearer: [] }],
          parameters: kernelParam,
          requestBody: { content: json(requestRestBody) },
          responses: ok(
            "{status, approved, reason, reason_code, covering_partner, sharing_partner, rest_type, planned_until}",
          ),
        },
      },
      "/api/rest/quality": {
        get: {
          summary:
            "Rest quality over finished rests: means of fatigue, Φ and κ at rest and after, duration and fatigue removed per minute, per kernel and overall (?kernel_id: that kernel; 404 when unknown)",
          parameters: queryParams(restQualityQuery),
          responses: ok("{status, quality:{overall, kernels:[{kernel_id, rests, mean_…}]}}"),
        },
      },
      "/api/rest/cycles": {
        get: {
          summary:
            "Constellation cycles: the active cycle, live cast votes, the last decision, cooldowns per type, the current metrics, and the record newest first (?kind decision|vote|cycle, limit, since)",
          parameters: queryParams(cyclesQuery),
          responses: ok(
            "{status, active, votes, last_decision, cooldowns, metrics, cycles:[{id, kind, cycle_type, started_at, ended_at, reason, detail}]}",
          ),
        },
      },
      "/api/rest/cycles/vote": {
        post: {
          ...operatorAction(
            "Cast Heart's or Ocean's vote on a cycle type; it overrides that voter's telemetry vote for cycles.castVoteTtlSeconds. A bad field is a 400 naming it",
            "{status, vote:{voter, cycle_type, vote, reasoning, at, expires_at}}",
          ),
          requestBody: { required: true, content: json(castVoteBody) },
        },
      },
      "/api/rest/cycles/end": {
        post: operatorAction(
          "End the running constellation cycle now (by operator), waking its kernels; 409 when none runs",
          "{status, ended:{cycle_type, by, reason, duration_seconds, woken}}",
          endCycleBody,
        ),
      },
      "/api/rest/end/{kernel_id}": {
        post: {
          summary: "End a rest",
          security: [{ bearer: [] }],
          parameters: kernelParam,
          responses: ok("{status, kernel}"),
        },
      },
      "/api/self-healing/snapshot": {
        post: {
          summary:
            "Report one health snapshot (phi and kappa_eff required); the reply carries the kernel's directive",
          security: [{ bearer: [] }],
          responses: ok("{success, snapshot, directive}"),
        },
      },
      "/api/self-healing/snapshots": {
        post: {
          summary: "Report a batch {snapshots:[…]}, all or nothing; a bad item is named snapshots[i].field",
          security: [{ bearer: [] }],
          responses: ok("{success, snapshots:{count, items}, directives}"),
        },
        get: {
          summary: "Stored snapshots, newest first (?kernel_id, since, before, limit)",
          responses: ok("{success, snapshots, next_cursor}"),
        },
      },
      "/api/self-healing/health": {
        get: {
          summary: "Health of one kernel (?kernel_id) or of the constellation",
          responses: ok("{success, health}"),
        },
      },
      "/api/self-healing/degradation": {
        get: {
          summary: "Degradation issues with their measured values",
          responses: ok("{success, degradation}"),
        },
      },
      "/api/self-healing/trends": {
        get: {
          summary: "Least-squares slopes per snapshot over the window",
          responses: ok("{success, trends}"),
        },
      },
      "/api/self-healing/baseline": {
        post: {
          summary: "Set a kernel's baseline basin {kernel_id, basin_coords, basin_encoding?}",
          security: [{ bearer: [] }],
          responses: ok("{success, baseline}"),
        },
      },
      "/api/self-healing/actions": {
        get: {
          summary: "Remediation actions sent, newest first (?kernel_id, limit)",
          responses: ok("{success, actions}"),
        },
      },
      "/api/self-healing/actions/{action_id}": {
        get: {
          summary: "One remediation action with its answer; 404 for an id never sent",
          parameters: actionParam,
          responses: ok("{success, action}"),
        },
      },
      "/api/self-healing/actions/{action_id}/result": {
        post: {
          summary:
            "Answer an action a directive carried {ok, error?, predicted?}; 404 for an id never sent, 409 when already answered or timed out",
          security: [{ bearer: [] }],
          parameters: actionParam,
          requestBody: { content: json(actionResultSchema) },
          responses: ok("{success, action}"),
        },
      },
      "/api/self-healing/heal": {
        post: operatorAction(
          "Run one healing pass now: due verifications, then a patch for each degraded kernel that may have one",
          "{success, heal:{at, phase, examined, patches_started, skipped}}",
        ),
      },
      "/api/self-healing/start": {
        post: operatorAction("Start the periodic healing loop", "{success, status:{running, phase}}"),
      },
      "/api/self-healing/stop": {
        post: operatorAction("Stop the periodic healing loop", "{success, status:{running, phase}}"),
      },
      "/api/self-healing/status": {
        get: {
          summary: "The healing loop: running, phase and open patches (?kernel_id for one kernel's)",
          parameters: queryParams(kernelQuery),
          responses: ok(
            "{success, status:{running, phase, phase_name, open_patches, open_by_state, pending_review}}",
          ),
        },
      },
      "/api/self-healing/patches": {
        get: {
          summary:
            "Patches newest first (?kernel_id, state (comma-separated), limit), each with its fitness breakdown and step-by-step record",
          parameters: queryParams(patchesQuery),
          responses: ok("{success, patches:[{…patch, record}]}"),
        },
      },
      "/api/self-healing/history": {
        get: {
          summary:
            "The healing history: every patch move (time, patch, kernel, from, to, actor, reason), newest first",
          parameters: queryParams(historyQuery),
          responses: ok(
            "{success, history:[{at, patch_id, kernel_id, strategy, action, from, to, actor, reason}]}",
          ),
        },
      },
      "/api/self-healing/patches/{patch_id}": {
        get: {
          summary: "One patch with its step-by-step record; 404 for an unknown id",
          parameters: patchParam,
          responses: ok("{success, patch}"),
        },
      },
      "/api/self-healing/patches/{patch_id}/approve": {
        post: operatorAction(
          "Approve a patch waiting for review (phase 3+): its live action is sent; 409 when not pending",
          "{success, patch}",
          approveBody,
          patchParam,
        ),
      },
      "/api/self-healing/patches/{patch_id}/reject": {
        post: operatorAction(
          "Reject a patch waiting for review; not_needed counts it as a false positive; 409 when not pending",
          "{success, patch}",
          rejectBody,
          patchParam,
        ),
      },
      "/api/self-healing/evaluate-patch": {
        post: operatorAction(
          "Sandbox an action on a kernel and return its fitness; waits for the kernel's dry-run answer",
          "{success, patch, fitness, recommendation}",
          evaluatePatchBody,
        ),
      },
      "/api/self-healing/phase": {
        get: {
          summary: "The healing phase, its gate criterion by criterion (value, target, met) and its history",
          responses: ok("{success, phase:{phase, name, next, met, criteria, allowed, running, history}}"),
        },
      },
      "/api/self-healing/phase/advance": {
        post: operatorAction(
          "Advance to the next phase; 409 listing the unmet criteria (`unmet`) unless forced, and a force needs a reason",
          "{success, change:{from, to, forced, reason, unmet}, phase}",
          advancePhaseBody,
        ),
      },
      "/api/self-healing/alerts": {
        get: {
          summary: "Alerts newest first (?limit), with their webhook delivery",
          parameters: queryParams(alertsQuery),
          responses: ok("{success, alerts}"),
        },
      },
      "/api/self-healing/calibration": {
        get: {
          summary:
            "Threshold calibration (reads only): stored snapshots replayed under a grid of thresholds per rule; per candidate alerts/day, incidents caught, false positives; the suggestion per rule and per kernel, and the config layer applying them (?since default 7d, ?until, ?kernel_id; 404 for an unknown kernel)",
          parameters: queryParams(calibrationQuery),
          responses: ok(
            "{success, calibration:{from_at, to_at, days, kernels, snapshots, incidents, rules, config}}",
          ),
        },
      },
      "/api/report": {
        get: {
          summary:
            "The impact report (reads only): incidents detected, healed, escalated; time to detect and heal; reviews; critical kernel-time; rests; week by week; an estimate only when report.minutesPerIncident is set (?since default 30d, ?until)",
          parameters: queryParams(spanQuery),
          responses: ok(
            "{success, report:{from_at, to_at, incidents, patches, time_to_detect_seconds, time_to_heal_seconds, reviews, critical_share, rests, estimate, weeks, incident_list}}",
          ),
        },
      },
      "/api/dashboard/config": {
        get: {
          summary: "The thresholds the dashboard's charts draw, and whether tokens and cycles are in force",
          responses: ok("{status, config:{kappa_star, kappa_deviation_warning, phi, drift, …}}"),
        },
      },
      "/api/dashboard/fatigue": {
        get: {
          summary: "A registered kernel's stored fatigue reports, newest first (?kernel_id, ?limit ≤ 1000)",
          parameters: queryParams(fatigueQuery),
          responses: ok(
            "{status, kernel_id, rest_threshold, fatigue:[{timestamp, fatigue, phi, kappa, load, error_rate}]}",
          ),
        },
      },
      "/api/events": {
        get: {
          summary:
            "Server-sent events of every committed transition; a client that leaves server.eventStreamMaxQueueBytes unread is dropped",
          responses: {
            "200": { description: "text/event-stream" },
            "503": { description: "server.maxEventStreams streams are open already" },
          },
        },
      },
      "/api/cluster": {
        get: {
          summary:
            "Who leads the cluster (SPEC §9), since when, at which generation, and each replica's heartbeat; answered by the replica asked, also the load balancer's health check",
          responses: {
            "200": {
              description:
                "{backend, replica_id, url, role, ready, reason, leader:{replica_id, url, since, generation}, lease_seconds, replicas:[{replica_id, url, role, live, heartbeat_at, …}]}",
            },
            "503": {
              description:
                "the same body with ready false and the reason: this replica lost its database, knows no leader, or is taking over",
            },
          },
        },
      },
      "/api/access/tokens": {
        get: {
          summary: "Every kernel-scoped token issued, revoked ones too, without secrets (operator token)",
          responses: ok(
            "{status, count, tokens:[{token_id, kernel_id, created_at, created_by, revoked_at, revoked_by}]}",
          ),
        },
        post: {
          summary:
            "Mint a token that may act for this kernel id alone; the secret is in this reply only (operator token)",
          parameters: [actorParam],
          requestBody: { required: true, content: json(issueTokenBody) },
          responses: {
            "201": { description: "{status, token, access_token}" },
            ...errors,
            "409": { description: "tokens are off on this server" },
          },
        },
      },
      "/api/access/tokens/{token_id}": {
        delete: {
          summary: "Revoke a kernel-scoped token: its next request is a 401 (operator token)",
          parameters: [
            {
              name: "token_id",
              in: "path",
              required: true,
              schema: z.toJSONSchema(tokenIdParams.shape.token_id),
            },
            actorParam,
          ],
          responses: ok("{status, access_token}"),
        },
      },
      "/api/access/me": {
        get: {
          summary: "What the caller's token may do: {tokens_required, role, kernel_id}",
          responses: ok("{status, access:{tokens_required, role, kernel_id}}"),
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics (needs a token unless access.metricsPublic)",
          responses: { "200": { description: "text/plain exposition format" } },
        },
      },
    },
  };
}
