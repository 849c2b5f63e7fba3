/**
 * /api/access: kernel-scoped tokens (SPEC §6 "Access"), minted, listed and revoked by an
 * operator, and `GET /me`, which tells a client (the dashboard) what its own token may do.
 * Replies follow the rest scheduler's shape ({status:"ok", …}; errors {status:"error", error,
 * code}). A minted secret is in the reply to POST and nowhere else; lists never hold one.
 */
import type { FastifyInstance } from "fastify";
import type { AccessTokenService, AccessTokenView } from "../../services/access-token-service.js";
import type { AccessControl } from "../access.js";
import { OPERATOR } from "../openapi.js";
import { accessReplies, restErrors } from "../replies/reply-schemas.js";
import { parseInput } from "../validation.js";
import { issueTokenBody, tokenIdParams } from "./access-schemas.js";
import { personActing } from "./actor.js";
import { actorHeaders, noOptionsBody } from "./healing-schemas.js";

/** A token's record as stored; its instants leave as ISO 8601 through the app's wire hook. */
const tokenWire = (t: AccessTokenView) => t;

export function accessRoutes(app: FastifyInstance, tokens: AccessTokenService, access: AccessControl): void {
  app.post(
    "/api/access/tokens",
    {
      schema: {
        tags: ["access"],
        summary:
          "Mint a token that may act for this kernel id alone (operator token); the secret is in this reply only",
        description: "409 when tokens are off on this server.",
        ...OPERATOR,
        body: issueTokenBody,
        headers: actorHeaders,
        response: { 201: accessReplies.issued, ...restErrors },
      },
    },
    async (request, reply) => {
      access.require(request, "operator");
      const actor = personActing(request);
      const { kernel_id } = parseInput(issueTokenBody, request.body, "body");
      const { token, record } = await tokens.issue(kernel_id, actor);
      return reply.code(201).send({ status: "ok", token, access_token: tokenWire(record) });
    },
  );

  app.get(
    "/api/access/tokens",
    {
      schema: {
        tags: ["access"],
        summary: "Every kernel-scoped token issued, revoked ones too, without secrets (operator token)",
        ...OPERATOR,
        response: { 200: accessReplies.list, ...restErrors },
      },
    },
    async (request) => {
      access.require(request, "operator");
      parseInput(noOptionsBody, request.query, "query");
      const list = await tokens.list();
      return { status: "ok", count: list.length, tokens: list.map(tokenWire) };
    },
  );

  app.delete(
    "/api/access/tokens/:token_id",
    {
      schema: {
        tags: ["access"],
        summary: "Revoke a kernel-scoped token: its next request is a 401 (operator token)",
        ...OPERATOR,
        params: tokenIdParams,
        headers: actorHeaders,
        response: { 200: accessReplies.revoked, ...restErrors },
      },
    },
    async (request) => {
      access.require(request, "operator");
      const actor = personActing(request);
      const { token_id } = parseInput(tokenIdParams, request.params, "params");
      return { status: "ok", access_token: tokenWire(await tokens.revoke(token_id, actor)) };
    },
  );

  // What the caller's own token may do: the dashboard asks, to say so before a button fails.
  app.get(
    "/api/access/me",
    {
      schema: {
        tags: ["access"],
        summary: "What the caller's token may do",
        response: { 200: accessReplies.me, ...restErrors },
      },
    },
    async (request) => {
      parseInput(noOptionsBody, request.query, "query");
      const who = access.enabled ? access.principalOf(request) : null;
      return {
        status: "ok",
        access: {
          tokens_required: access.enabled,
          role: access.enabled ? (who?.role ?? null) : "operator",
          kernel_id: who?.kernelId ?? null,
        },
      };
    },
  );
}
