/**
 * The self-healing routes under /api/self-healing (SPEC §6): the loop, review, sandbox
 * runs on demand, phases and alerts. Written next; see the routes helper.
 */
import type { FastifyInstance } from "fastify";
import type { AlertService } from "../../services/alert-service.js";
import type { HealingService } from "../../services/healing-service.js";
import type { AccessControl } from "../access.js";

export function healingRoutes(
  _app: FastifyInstance,
  _healing: HealingService,
  _alerts: AlertService,
  _access: AccessControl,
): void {}
