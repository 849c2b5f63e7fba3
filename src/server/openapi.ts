/**
 * /openapi.json, built from the same zod schemas that validate requests.
 */
import { z } from "zod";
import { actionResultSchema } from "../core/healing/remediation-action.js";
import { actionIdParams } from "./routes/action-routes.js";
import { fatigueBody, kernelIdParams, registerBody, requestRestBody } from "./routes/rest-schemas.js";

const json = (schema: z.ZodType) => ({
  "application/json": { schema: z.toJSONSchema(schema, { io: "input" }) },
});
const kernelParam = [
  { name: "kernel_id", in: "path", required: true, schema: z.toJSONSchema(kernelIdParams.shape.kernel_id) },
];
const actionParam = [
  { name: "action_id", in: "path", required: true, schema: z.toJSONSchema(actionIdParams.shape.action_id) },
];
const errors = {
  "400": { description: "Bad input; `error` names the field" },
  "401": { description: "Missing or unknown bearer token" },
  "403": { description: "The token's role may not do this" },
  "404": { description: "Unknown kernel" },
  "409": { description: "Conflict with the current state" },
};
const ok = (description: string) => ({ "200": { description }, ...errors });

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Autonomic",
      version,
      description: "Rest scheduling, health and healing for an agent constellation",
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "kernel or operator token" },
      },
    },
    paths: {
      "/api/rest/health": {
        get: { summary: "Scheduler health", responses: ok("{status, scheduler_available, kernel_count}") },
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
            "Request rest; 200 whether approved or not. force needs an operator token and is a 400 on an essential kernel",
          security: [{ bearer: [] }],
          parameters: kernelParam,
          requestBody: { content: json(requestRestBody) },
          responses: ok(
            "{status, approved, reason, reason_code, covering_partner, rest_type, planned_until}",
          ),
        },
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
      "/api/events": {
        get: {
          summary: "Server-sent events of every committed transition",
          responses: { "200": { description: "text/event-stream" } },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics",
          responses: { "200": { description: "text/plain exposition format" } },
        },
      },
    },
  };
}
