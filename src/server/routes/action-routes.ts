/**
 * /api/self-healing/actions: a kernel's answers to the remediation actions its directives
 * carried (SPEC §6 "Directives"), and reads of the actions sent. Replies are
 * {success:true, <name>: …}; failures {success:false, error, code} through the error handler:
 * 404 for an id never sent, 409 for a second answer or one after the timeout.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { UnknownActionError } from "../../core/errors.js";
import { actionResultSchema } from "../../core/healing/remediation-action.js";
import { kernelIdSchema } from "../../core/wire/kernel-id.js";
import type { ActionService } from "../../services/action-service.js";
import type { AccessControl } from "../access.js";
import { healingErrors, healingReplies } from "../replies/reply-schemas.js";
import { parseInput } from "../validation.js";

export const actionIdParams = z.object({
  action_id: z.string().min(1, "is required").max(200, "must be at most 200 characters"),
});
const actionsQuery = z.strictObject({
  kernel_id: kernelIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export function actionRoutes(app: FastifyInstance, actions: ActionService, access: AccessControl): void {
  app.post(
    "/api/self-healing/actions/:action_id/result",
    {
      schema: {
        tags: ["actions"],
        summary: "Answer an action a directive carried (kernel token)",
        description: "404 for an id never sent, 409 when already answered or timed out.",
        params: actionIdParams,
        body: actionResultSchema,
        response: { 200: healingReplies.actionAnswered, ...healingErrors },
      },
    },
    async (request) => {
      // Answering is part of a kernel's reporting: a kernel token suffices.
      access.require(request, "kernel");
      const { action_id } = parseInput(actionIdParams, request.params, "params");
      // A kernel-scoped token answers only its own kernel's actions; an unknown id is the service's 404.
      const sent = await actions.find(action_id);
      if (sent !== null) access.requireKernel(request, [sent.kernel_id]);
      const warnings: string[] = [];
      return {
        success: true,
        action: await actions.recordResult(action_id, request.body, warnings),
        warnings,
      };
    },
  );

  app.get(
    "/api/self-healing/actions",
    {
      schema: {
        tags: ["actions"],
        summary: "Remediation actions sent, newest first",
        querystring: actionsQuery,
        response: { 200: healingReplies.actions, ...healingErrors },
      },
    },
    async (request) => {
      const q = parseInput(actionsQuery, request.query, "query");
      return { success: true, actions: await actions.list({ kernelId: q.kernel_id, limit: q.limit ?? 100 }) };
    },
  );

  app.get(
    "/api/self-healing/actions/:action_id",
    {
      schema: {
        tags: ["actions"],
        summary: "One remediation action with its answer; 404 for an id never sent",
        params: actionIdParams,
        response: { 200: healingReplies.action, ...healingErrors },
      },
    },
    async (request) => {
      const { action_id } = parseInput(actionIdParams, request.params, "params");
      const action = await actions.find(action_id);
      if (action === null) throw new UnknownActionError(action_id);
      return { success: true, action };
    },
  );
}
