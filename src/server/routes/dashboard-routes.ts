/**
 * /api/dashboard: the two reads the web dashboard needs that the other families do not give.
 * Replies follow the rest scheduler's shape ({status:"ok", …}; errors {status:"error", error,
 * code}: 400 naming the field, 404 for a kernel the rest scheduler does not know).
 *
 * - `GET /config`: the thresholds the charts draw, read from the one config object so a
 *   changed threshold moves its line too, and what this server offers (tokens, cycles).
 * - `GET /fatigue?kernel_id&limit`: a kernel's stored fatigue reports, newest first, with
 *   the rest threshold in force, for its fatigue chart.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AutonomicConfig } from "../../core/config.js";
import { healthThresholds } from "../../core/health/thresholds.js";
import { kernelIdSchema } from "../../core/wire/kernel-id.js";
import type { RestService } from "../../services/rest-service.js";
import type { RestStore } from "../../store/store-types.js";
import type { AccessControl } from "../access.js";
import { dashboardReplies, restErrors } from "../replies/reply-schemas.js";
import { parseInput } from "../validation.js";

/** The stored fatigue reports the dashboard reads (the store itself). */
export type FatigueHistoryReads = Pick<RestStore, "fatigueSnapshots">;

export interface DashboardDependencies {
  rest: RestService;
  fatigueHistory: FatigueHistoryReads;
  config: AutonomicConfig;
  access: AccessControl;
}

/** Rows a chart asks for when it gives no limit: about four hours of reports a minute. */
const DEFAULT_FATIGUE_ROWS = 240;

export const fatigueQuery = z.strictObject({
  kernel_id: kernelIdSchema,
  limit: z.coerce
    .number("must be a whole number from 1 to 1000")
    .int("must be a whole number from 1 to 1000")
    .min(1, "must be a whole number from 1 to 1000")
    .max(1000, "must be a whole number from 1 to 1000")
    .optional(),
});

export const noQuery = z.strictObject({});

/**
 * The config values the dashboard shows, in the units the API reports: drift thresholds are
 * halved in "half" geometry, as the monitor halves them.
 * @example dashboardConfig(DEFAULT_CONFIG, false).drift // { warning: 1.4, critical: 2, units: "full", mode: "fixed" }
 */
export function dashboardConfig(config: AutonomicConfig, cyclesAvailable: boolean, tokens: boolean) {
  const t = healthThresholds(config);
  return {
    kappa_star: t.kappaStar,
    kappa_deviation_warning: config.health.kappaDeviationWarning,
    phi: {
      avg_low_critical: config.health.phiAvgLowCritical,
      low_warning: config.health.phiLowWarning,
      avg_high_critical: config.health.phiAvgHighCritical,
    },
    drift: {
      warning: t.drift.warning,
      critical: t.drift.critical,
      units: t.drift.units,
      mode: config.health.driftThresholdMode,
    },
    partner_max_fatigue: config.rest.partnerMaxFatigue,
    /** Approve and reject need an operator token: the page asks for one. */
    operator_token_required: tokens,
    /** Constellation cycles are served (GET /api/rest/cycles), so the page may ask for them. */
    cycles_available: cyclesAvailable,
  };
}

export function dashboardRoutes(app: FastifyInstance, deps: DashboardDependencies): void {
  const { rest, fatigueHistory, config, access } = deps;

  app.get(
    "/api/dashboard/config",
    {
      schema: {
        tags: ["dashboard"],
        summary: "The thresholds the dashboard's charts draw, and whether tokens and cycles are in force",
        response: { 200: dashboardReplies.config, ...restErrors },
      },
    },
    async (request) => {
      parseInput(noQuery, request.query, "query");
      // Asked at request time: the cycle routes may be registered after these.
      const cycles = app.hasRoute({ method: "GET", url: "/api/rest/cycles" });
      return { status: "ok", config: dashboardConfig(config, cycles, access.enabled) };
    },
  );

  app.get(
    "/api/dashboard/fatigue",
    {
      schema: {
        tags: ["dashboard"],
        summary: "A registered kernel's stored fatigue reports, newest first",
        querystring: fatigueQuery,
        response: { 200: dashboardReplies.fatigue, ...restErrors },
      },
    },
    async (request) => {
      const q = parseInput(fatigueQuery, request.query, "query");
      // Throws UnknownKernelError (404) for a kernel the rest scheduler does not know.
      const kernel = rest.status(q.kernel_id);
      const rows = await fatigueHistory.fatigueSnapshots({
        kernelId: q.kernel_id,
        limit: q.limit ?? DEFAULT_FATIGUE_ROWS,
      });
      return {
        status: "ok",
        kernel_id: q.kernel_id,
        rest_threshold: kernel.rest_threshold,
        fatigue: rows.map((r) => ({
          timestamp: new Date(r.at).toISOString(),
          fatigue: r.fatigue,
          phi: r.phi,
          kappa: r.kappa,
          load: r.load,
          error_rate: r.error_rate,
        })),
      };
    },
  );
}
