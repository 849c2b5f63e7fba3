/**
 * Reads need a token whenever tokens are configured (SPEC §6 "Access"): events, patches,
 * rest contexts and git output are not for whoever reaches the port. Decided by the
 * route that matched, not the raw URL, so no spelling of a path (`/%61pi/…`) slips past.
 *
 * Open: GET /api/rest/health and /api/cluster (a load balancer's probes), /openapi.json (no state), the
 * dashboard's own files (the page must load to ask for a token), and /metrics when
 * `access.metricsPublic` says so.
 */
import type { FastifyInstance } from "fastify";
import type { AccessControl } from "./access.js";

const OPEN_API_ROUTES = new Set(["/api/rest/health", "/api/cluster"]);

/** Whether a GET of the route `routeUrl` (its pattern, e.g. "/api/rest/status/:kernel_id") needs a token. */
export function readNeedsToken(routeUrl: string | undefined, metricsPublic: boolean): boolean {
  if (routeUrl === undefined) return false; // no route: the 404 reply tells nothing
  if (routeUrl === "/metrics") return !metricsPublic;
  return routeUrl.startsWith("/api/") && !OPEN_API_ROUTES.has(routeUrl);
}

export function guardReads(app: FastifyInstance, access: AccessControl, metricsPublic: boolean): void {
  app.addHook("onRequest", async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return;
    if (readNeedsToken(request.routeOptions.url, metricsPublic)) access.require(request, "viewer");
  });
}
