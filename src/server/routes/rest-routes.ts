/**
 * /api/rest: the original rest-scheduler routes with their reply shapes, plus register,
 * retire, fatigue and rest quality. Routes only parse, call the service and shape the reply. A
 * kernel-scoped token acts for its own kernel id alone (checked here, from the parsed input).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { InvalidInputError, UnknownKernelError } from "../../core/errors.js";
import type { RestService } from "../../services/rest-service.js";
import type { KernelRetirementRow } from "../../store/store-types.js";
import type { AccessControl } from "../access.js";
import { OPEN } from "../openapi.js";
import { restErrors, restReplies } from "../replies/reply-schemas.js";
import { parseInput } from "../validation.js";
import { restQualityQuery } from "./cycle-schemas.js";
import { ACTOR_HEADER, actorHeaders, DEFAULT_ACTOR } from "./healing-schemas.js";
import {
  fatigueBody,
  kernelIdParams,
  registerBody,
  requestRestBody,
  retirementsQuery,
  retireQuery,
} from "./rest-schemas.js";

export function restRoutes(app: FastifyInstance, rest: RestService, access: AccessControl): void {
  const tags = ["rest"];
  const errors = restErrors;
  app.get(
    "/api/rest/health",
    {
      schema: {
        tags,
        summary: "Scheduler health (open: no token needed)",
        ...OPEN,
        response: { 200: restReplies.health },
      },
    },
    async () => ({
      status: "ok",
      scheduler_available: true,
      kernel_count: rest.constellation().total_kernels,
    }),
  );

  app.get(
    "/api/rest/status",
    {
      schema: {
        tags,
        summary: "Constellation rest status",
        response: { 200: restReplies.constellation, 401: errors[401], 403: errors[403] },
      },
    },
    async () => ({ status: "ok", constellation: rest.constellation() }),
  );

  app.get(
    "/api/rest/status/:kernel_id",
    {
      schema: {
        tags,
        summary: "One kernel's rest status",
        params: kernelIdParams,
        response: { 200: restReplies.kernel, ...errors },
      },
    },
    async (request) => {
      const { kernel_id } = parseInput(kernelIdParams, request.params, "params");
      return { status: "ok", kernel: rest.status(kernel_id) };
    },
  );

  app.get(
    "/api/rest/kernels",
    {
      schema: {
        tags,
        summary: "Every kernel's rest status",
        response: { 200: restReplies.kernels, 401: errors[401], 403: errors[403] },
      },
    },
    async () => {
      const kernels = rest.kernels();
      return { status: "ok", count: kernels.length, kernels };
    },
  );

  app.get(
    "/api/rest/partners/:kernel_id",
    {
      schema: {
        tags,
        summary: "Coupling partners in preference order",
        params: kernelIdParams,
        response: { 200: restReplies.partners, ...errors },
      },
    },
    async (request) => {
      const { kernel_id } = parseInput(kernelIdParams, request.params, "params");
      const partners = rest.partners(kernel_id);
      return { status: "ok", kernel_id, partner_count: partners.length, partners };
    },
  );

  app.post(
    "/api/rest/kernels",
    {
      schema: {
        tags,
        summary: "Register a kernel (kernel token; idempotent for the same id and name)",
        body: registerBody,
        response: { 200: restReplies.registered, 201: restReplies.registered, ...errors },
      },
    },
    async (request, reply) => {
      access.require(request, "kernel");
      const body = parseInput(registerBody, request.body, "body");
      access.requireKernel(request, [body.kernel_id]);
      const { kernel, created } = await rest.register(body.kernel_id, body.kernel_name, body.mentor);
      return reply.code(created ? 201 : 200).send({ status: "ok", created, kernel });
    },
  );

  /** Who retires: a kernel token acts as "kernel"; anyone else (an operator, or anyone when no tokens are set) as user:<X-Autonomic-Actor>. */
  const retiringActor = (request: FastifyRequest): string => {
    if (access.principalOf(request)?.role === "kernel") return "kernel";
    const headers = parseInput(actorHeaders, { [ACTOR_HEADER]: request.headers[ACTOR_HEADER] }, "headers");
    return `user:${headers[ACTOR_HEADER] ?? DEFAULT_ACTOR}`;
  };

  // SPEC §6: the operator, or the kernel's own token (a kernel-scoped token for another
  // kernel is a 403 that changes nothing).
  app.delete(
    "/api/rest/kernels/:kernel_id",
    {
      schema: {
        tags,
        summary: "Retire a kernel (kernel or operator token)",
        description:
          'In one transaction: a resting kernel is woken (its rest ends, cause retired); what it covers is handed to another partner of the covered kernel that can cover (the rest-handoff rule) or, when none can, that rest ends (cause coverer_retired); its row is removed and the retirement recorded. Its history stays and its id may register afresh; its god name or chaos place is free. An essential kernel needs ?force=true (operator token) and a reason, else a 409 (code essential_needs_force) or a 400 naming reason. Options go in the query; a non-empty body is a 400. X-Autonomic-Actor names who retires it (a kernel token is recorded as "kernel").',
        params: kernelIdParams,
        querystring: retireQuery,
        headers: actorHeaders,
        response: { 200: restReplies.retired, ...errors },
      },
    },
    async (request) => {
      access.require(request, "kernel");
      const { kernel_id } = parseInput(kernelIdParams, request.params, "params");
      access.requireKernel(request, [kernel_id]);
      const query = parseInput(retireQuery, request.query, "query");
      if (request.body !== undefined && !isEmptyObject(request.body))
        throw new InvalidInputError("body", "is not read here: give force and reason in the query");
      const force = query.force === "true";
      // As a forced rest does: forcing past the essential tier's protection is an operator's call.
      if (force) access.require(request, "operator");
      const retired = await rest.retire(kernel_id, {
        force,
        reason: query.reason ?? null,
        actor: retiringActor(request),
      });
      return {
        status: "ok",
        retired: retirementWire({ ...retired, retired_at: retired.at }),
        handoffs: retired.handoffs,
      };
    },
  );

  app.get(
    "/api/rest/retirements",
    {
      schema: {
        tags,
        summary: "Recorded retirements, newest first (limit ≤ 1000, default 100)",
        querystring: retirementsQuery,
        response: { 200: restReplies.retirements, ...errors },
      },
    },
    async (request) => {
      const q = parseInput(retirementsQuery, request.query, "query");
      const rows = await rest.retirements({ kernelId: q.kernel_id, limit: q.limit ?? 100 });
      return {
        status: "ok",
        count: rows.length,
        retirements: rows.map((r) => ({ id: r.id, ...retirementWire(r), handoffs: r.handoffs })),
      };
    },
  );

  app.post(
    "/api/rest/fatigue/:kernel_id",
    {
      schema: {
        tags,
        summary: "Report telemetry (kernel token); returns fatigue and the kernel's directive",
        params: kernelIdParams,
        body: fatigueBody,
        response: { 200: restReplies.fatigue, ...errors },
      },
    },
    async (request) => {
      access.require(request, "kernel");
      const { kernel_id } = parseInput(kernelIdParams, request.params, "params");
      access.requireKernel(request, [kernel_id]);
      const body = parseInput(fatigueBody, request.body, "body");
      const result = await rest.reportFatigue(kernel_id, body);
      return {
        status: "ok",
        fatigue_score: result.fatigue_score,
        should_rest: result.should_rest,
        reason: result.reason,
        reason_code: result.reason_code,
        directive: result.directive,
      };
    },
  );

  app.post(
    "/api/rest/request/:kernel_id",
    {
      schema: {
        tags,
        summary: "Request rest (kernel token); 200 whether approved or not",
        description:
          "force needs an operator token and is a 400 on an essential kernel; context (any JSON, at most rest.contextMaxBytes) goes to the coverer, else a 400 on context",
        params: kernelIdParams,
        body: requestRestBody,
        response: { 200: restReplies.restRequest, ...errors },
      },
    },
    async (request) => {
      access.require(request, "kernel");
      const { kernel_id } = parseInput(kernelIdParams, request.params, "params");
      access.requireKernel(request, [kernel_id]);
      const body = parseInput(requestRestBody, request.body, "body");
      if (body.force) access.require(request, "operator");
      const result = await rest.requestRest(
        kernel_id,
        body.force === true,
        body.context === undefined ? {} : { context: body.context },
      );
      return {
        status: "ok",
        approved: result.approved,
        reason: result.reason,
        reason_code: result.reason_code,
        covering_partner: result.covering_partner,
        sharing_partner: result.sharing_partner,
        rest_type: result.rest_type,
        planned_until: result.planned_until === null ? null : new Date(result.planned_until).toISOString(),
      };
    },
  );

  // Rest quality over finished rests: what each rest removed of the fatigue it began with.
  app.get(
    "/api/rest/quality",
    {
      schema: {
        tags,
        summary: "Rest quality over finished rests, per kernel and overall (404 for an unknown ?kernel_id)",
        description: "Means of fatigue, Φ and κ at rest and after, duration and fatigue removed per minute.",
        querystring: restQualityQuery,
        response: { 200: restReplies.quality, ...errors },
      },
    },
    async (request) => {
      const { kernel_id } = parseInput(restQualityQuery, request.query, "query");
      if (kernel_id !== undefined && !rest.scheduler.has(kernel_id)) throw new UnknownKernelError(kernel_id);
      const rows = await rest.restQuality({ kernelId: kernel_id });
      const overall = rows.find((r) => r.kernel_id === null) ?? null;
      return {
        status: "ok",
        quality: { overall, kernels: rows.filter((r) => r.kernel_id !== null) },
      };
    },
  );

  app.post(
    "/api/rest/end/:kernel_id",
    {
      schema: {
        tags,
        summary: "End a rest (kernel token)",
        params: kernelIdParams,
        response: { 200: restReplies.kernel, ...errors },
      },
    },
    async (request) => {
      access.require(request, "kernel");
      const { kernel_id } = parseInput(kernelIdParams, request.params, "params");
      access.requireKernel(request, [kernel_id]);
      return { status: "ok", kernel: await rest.endRest(kernel_id) };
    },
  );
}

/** A retirement on the wire: the fields it was recorded with (retired_at leaves as ISO 8601 through the wire hook). */
function retirementWire(r: Omit<KernelRetirementRow, "id">) {
  return {
    kernel_id: r.kernel_id,
    kernel_name: r.kernel_name,
    tier: r.tier,
    rest_policy: r.rest_policy,
    retired_at: r.retired_at,
    forced: r.forced,
    reason: r.reason,
    actor: r.actor,
    woken_from: r.woken_from,
    rest_count: r.rest_count,
    total_rest_seconds: r.total_rest_seconds,
  };
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}
