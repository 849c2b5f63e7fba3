/**
 * /api/rest: the original rest-scheduler routes with their reply shapes, plus register,
 * fatigue and rest quality. Routes only parse, call the service and shape the reply. A
 * kernel-scoped token acts for its own kernel id alone (checked here, from the parsed input).
 */
import type { FastifyInstance } from "fastify";
import { UnknownKernelError } from "../../core/errors.js";
import type { RestService } from "../../services/rest-service.js";
import type { AccessControl } from "../access.js";
import { parseInput } from "../validation.js";
import { restQualityQuery } from "./cycle-schemas.js";
import { fatigueBody, kernelIdParams, registerBody, requestRestBody } from "./rest-schemas.js";

export function restRoutes(app: FastifyInstance, rest: RestService, access: AccessControl): void {
  app.get("/api/rest/health", async () => ({
    status: "ok",
    scheduler_available: true,
    kernel_count: rest.constellation().total_kernels,
  }));

  app.get("/api/rest/status", async () => ({ status: "ok", constellation: rest.constellation() }));

  app.get("/api/rest/status/:kernel_id", async (request) => {
    const { kernel_id } = parseInput(kernelIdParams, request.params, "params");
    return { status: "ok", kernel: rest.status(kernel_id) };
  });

  app.get("/api/rest/kernels", async () => {
    const kernels = rest.kernels();
    return { status: "ok", count: kernels.length, kernels };
  });

  app.get("/api/rest/partners/:kernel_id", async (request) => {
    const { kernel_id } = parseInput(kernelIdParams, request.params, "params");
    const partners = rest.partners(kernel_id);
    return { status: "ok", kernel_id, partner_count: partners.length, partners };
  });

  app.post("/api/rest/kernels", async (request, reply) => {
    access.require(request, "kernel");
    const body = parseInput(registerBody, request.body, "body");
    access.requireKernel(request, [body.kernel_id]);
    const { kernel, created } = await rest.register(body.kernel_id, body.kernel_name, body.mentor);
    return reply.code(created ? 201 : 200).send({ status: "ok", created, kernel });
  });

  app.post("/api/rest/fatigue/:kernel_id", async (request) => {
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
  });

  app.post("/api/rest/request/:kernel_id", async (request) => {
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
  });

  // Rest quality over finished rests: what each rest removed of the fatigue it began with.
  app.get("/api/rest/quality", async (request) => {
    const { kernel_id } = parseInput(restQualityQuery, request.query, "query");
    if (kernel_id !== undefined && !rest.scheduler.has(kernel_id)) throw new UnknownKernelError(kernel_id);
    const rows = await rest.restQuality({ kernelId: kernel_id });
    const overall = rows.find((r) => r.kernel_id === null) ?? null;
    return {
      status: "ok",
      quality: { overall, kernels: rows.filter((r) => r.kernel_id !== null) },
    };
  });

  app.post("/api/rest/end/:kernel_id", async (request) => {
    access.require(request, "kernel");
    const { kernel_id } = parseInput(kernelIdParams, request.params, "params");
    access.requireKernel(request, [kernel_id]);
    return { status: "ok", kernel: await rest.endRest(kernel_id) };
  });
}
