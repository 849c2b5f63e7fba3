/**
 * The HTTP edge: Fastify with the routes, access control, rate limit, body cap, metrics,
 * event stream and OpenAPI document. Built separately from listening, so tests can
 * inject requests or listen on a random port.
 */
import { readFileSync } from "node:fs";
import rateLimit from "@fastify/rate-limit";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import type { Registry as PromRegistry } from "prom-client";
import { z } from "zod";
import { type Clock, systemClock } from "../core/clock.js";
import type { AutonomicConfig } from "../core/config.js";
import type { AccessTokenService } from "../services/access-token-service.js";
import type { ActionService } from "../services/action-service.js";
import type { AlertService } from "../services/alert-service.js";
import type { CycleService } from "../services/cycle-service.js";
import type { HealingService } from "../services/healing-service.js";
import type { HealthService } from "../services/health-service.js";
import type { ImpactService } from "../services/impact-service.js";
import type { RestService } from "../services/rest-service.js";
import { AccessControl } from "./access.js";
import { alertingMetrics } from "./alerting-metrics.js";
import { browserGuard } from "./browser-guard.js";
import { cycleMetrics } from "./cycle-metrics.js";
import { dashboardStatic } from "./dashboard-static.js";
import { dropRedundantDefaultTotals } from "./default-metrics-lint.js";
import { eventStream } from "./event-stream.js";
import { healingMetrics } from "./healing-metrics.js";
import { errorBody, handleError, routerRefusal } from "./http-errors.js";
import { createMetrics } from "./metrics.js";
import { apiDocs, OPEN } from "./openapi.js";
import { guardReads } from "./read-guard.js";
import { accessRoutes } from "./routes/access-routes.js";
import { actionRoutes } from "./routes/action-routes.js";
import { cycleRoutes } from "./routes/cycle-routes.js";
import { dashboardRoutes, type FatigueHistoryReads } from "./routes/dashboard-routes.js";
import { type HealingRecordReads, healingRoutes } from "./routes/healing-routes.js";
import { healthRoutes } from "./routes/health-routes.js";
import { impactRoutes } from "./routes/impact-routes.js";
import { restRoutes } from "./routes/rest-routes.js";
import { wireInstants } from "./wire-instants.js";

export const VERSION: string = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version;

export interface AppDependencies {
  rest: RestService;
  health: HealthService;
  actions: ActionService;
  healing: HealingService;
  alerts: AlertService;
  cycles: CycleService;
  accessTokens: AccessTokenService;
  /** Stored patches and phase history, for the healing reads (the store itself). */
  healingRecords: HealingRecordReads;
  /** Stored fatigue reports, for the dashboard's fatigue chart (the store itself). */
  fatigueHistory: FatigueHistoryReads;
  config: AutonomicConfig;
  logger: Logger;
  /** Adds more metrics to the registry /metrics serves (the cluster's gauges). */
  extraMetrics?: (registry: PromRegistry) => void;
  /** Calibration and the impact report (read-only over the store); their routes exist only with it. */
  impact?: ImpactService;
  /** The clock the impact routes count `since` back from; the system clock by default. */
  clock?: Clock;
  /**
   * The process's own metrics (CPU, memory, event-loop lag) on /metrics; default true. A
   * follower's read plane, rebuilt as the leader commits, leaves them out: each set starts an
   * event-loop monitor that is never stopped.
   */
  processMetrics?: boolean;
}

const NON_BLANK = /\S/;

export async function buildApp({
  rest,
  health,
  actions,
  healing,
  alerts,
  cycles,
  accessTokens,
  healingRecords,
  fatigueHistory,
  config,
  logger,
  extraMetrics,
  impact,
  clock = systemClock,
  processMetrics = true,
}: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    // One log line per domain event (from the services), not two per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.server.bodyLimitBytes,
    return503OnClosing: true,
    // Above the 200 characters a kernel_id may have, so the schema (not the router) answers.
    routerOptions: { maxParamLength: 1000 },
    // The router's own refusals (a path parameter over that length, bad percent-encoding)
    // answer in the route family's error shape too.
    frameworkErrors: (error, request, reply) =>
      routerRefusal(error, request as FastifyRequest, reply as FastifyReply),
  });
  const access = new AccessControl(config.access, accessTokens);
  // First of all hooks: a refused browser request reaches nothing else.
  browserGuard(app, {
    bindHost: config.server.host,
    allowedHosts: config.access.allowedHosts,
    allowedOrigins: config.access.allowedOrigins,
  });

  // A keep-alive connection busy when close began would otherwise stay open after its
  // reply and hold shutdown until the grace period ends: tell such clients to hang up.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
    app.server.closeIdleConnections();
  });
  // The hooks every request passes take a callback, not a promise: two fewer promises and
  // turns of the microtask queue per request, on the write path's hot loop.
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });
  app.addHook("onResponse", (_request, _reply, done) => {
    if (closing) app.server.closeIdleConnections();
    done();
  });

  // Instants leave as ISO 8601 whichever route sent them (SPEC §6).
  app.addHook("preSerialization", (request, _reply, payload, done) => {
    done(null, request.url.startsWith("/api/") ? wireInstants(payload) : payload);
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody(request.url, `no route ${request.method} ${request.url.split("?")[0]}`, "no_route")),
  );
  // An empty JSON body means "no options" (curl -X POST with a JSON content type), not an error.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    // A search that stops at the first non-blank character, rather than a trimmed copy of
    // every body.
    if (!NON_BLANK.test(text)) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      const error = err as Error & { statusCode?: number; code?: string };
      error.statusCode = 400;
      error.code = "FST_ERR_CTP_INVALID_JSON_BODY";
      done(error, undefined);
    }
  });

  await app.register(rateLimit, {
    max: config.server.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per valid token (one per role, one per kernel-scoped token), else per address: made-up
    // tokens buy no extra budget.
    keyGenerator: (request) => access.rateKey(request) ?? `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: "rate_limited",
      message: `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`,
    }),
  });

  guardReads(app, access, config.access.metricsPublic);
  // Before every route: the document collects routes as they are added.
  await apiDocs(app, VERSION);

  restRoutes(app, rest, access);
  cycleRoutes(app, cycles, access);
  healthRoutes(app, health, access);
  actionRoutes(app, actions, access);
  accessRoutes(app, accessTokens, access);
  eventStream(
    app,
    [
      rest.events,
      health.events,
      actions.events,
      healing.events,
      alerts.events,
      cycles.events,
      accessTokens.events,
    ],
    { maxStreams: config.server.maxEventStreams, maxQueueBytes: config.server.eventStreamMaxQueueBytes },
  );

  healingRoutes(app, {
    healing,
    health,
    alerts,
    records: healingRecords,
    access,
    config,
    ...(impact ? { phase4Evidence: () => impact.phase4Evidence() } : {}),
  });
  if (impact) impactRoutes(app, impact, clock);

  const metrics = createMetrics(rest, health, { processMetrics });
  healingMetrics(metrics, healing);
  cycleMetrics(metrics, cycles);
  alertingMetrics(metrics, { rest, health, healing });
  extraMetrics?.(metrics);
  dropRedundantDefaultTotals(metrics);
  app.get(
    "/metrics",
    {
      schema: {
        tags: ["server"],
        summary: "Prometheus metrics (needs a token unless access.metricsPublic)",
        ...(config.access.metricsPublic ? OPEN : {}),
        response: {
          200: {
            description: "Prometheus text exposition format",
            content: { "text/plain": { schema: z.string() } },
          },
        },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );

  dashboardRoutes(app, { rest, fatigueHistory, config, access });
  dashboardStatic(app);

  return app;
}
