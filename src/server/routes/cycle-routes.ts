/**
 * Constellation cycles under /api/rest (SPEC §3, §6): the consensus state and its record,
 * Heart's and Ocean's cast votes, and an operator's end of a running cycle. Replies follow
 * the rest scheduler's shape ({status:"ok", …}; errors {status:"error", error, code}).
 * Every instant in a reply, `detail` and `checks` included, leaves as ISO 8601 through the
 * app's wire-instants hook.
 *
 * Voting and ending need an operator token when tokens are configured (SPEC §6 Access);
 * reads any token. The operator is named by the optional X-Autonomic-Actor header and
 * recorded with the vote or the end as `user:<name>`.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { CycleService } from "../../services/cycle-service.js";
import type { ConstellationCycleRow } from "../../store/store-types.js";
import type { AccessControl } from "../access.js";
import { OPERATOR } from "../openapi.js";
import { restErrors, restReplies } from "../replies/reply-schemas.js";
import { parseInput } from "../validation.js";
import { personActing } from "./actor.js";
import { castVoteBody, cyclesQuery, endCycleBody } from "./cycle-schemas.js";
import { actorHeaders } from "./healing-schemas.js";
import { parseSince } from "./health-routes.js";

export function cycleRoutes(app: FastifyInstance, cycles: CycleService, access: AccessControl): void {
  /** Checks the operator token, then names the person acting. */
  const operator = (request: FastifyRequest): string => {
    access.require(request, "operator");
    return personActing(request);
  };

  app.get(
    "/api/rest/cycles",
    {
      schema: {
        tags: ["cycles"],
        summary:
          "Constellation cycles: the active cycle, live cast votes, the last decision, cooldowns per type, the current metrics, and the record newest first",
        querystring: cyclesQuery,
        response: { 200: restReplies.cycles, ...restErrors },
      },
    },
    async (request) => {
      const q = parseInput(cyclesQuery, request.query, "query");
      const sinceMs = q.since === undefined ? undefined : parseSince(q.since);
      const rows = await cycles.history({ kind: q.kind, limit: q.limit ?? 50, sinceMs });
      const s = cycles.status();
      return {
        status: "ok",
        active: s.active,
        votes: s.votes,
        last_decision: s.last_decision,
        cooldowns: s.cooldowns,
        metrics: s.metrics,
        cycles: rows.map(rowWire),
      };
    },
  );

  app.post(
    "/api/rest/cycles/vote",
    {
      schema: {
        tags: ["cycles"],
        summary: "Cast Heart's or Ocean's vote on a cycle type (operator token)",
        description:
          "The vote overrides that voter's telemetry vote for cycles.castVoteTtlSeconds. A bad field is a 400 naming it.",
        ...OPERATOR,
        body: castVoteBody,
        headers: actorHeaders,
        response: { 200: restReplies.vote, ...restErrors },
      },
    },
    async (request) => {
      const actor = operator(request);
      const vote = await cycles.castVote(request.body, actor);
      return { status: "ok", vote };
    },
  );

  app.post(
    "/api/rest/cycles/end",
    {
      schema: {
        tags: ["cycles"],
        summary:
          "End the running constellation cycle now, waking its kernels (operator token); 409 when none runs",
        ...OPERATOR,
        body: endCycleBody,
        headers: actorHeaders,
        response: { 200: restReplies.cycleEnded, ...restErrors },
      },
    },
    async (request) => {
      const actor = operator(request);
      const body = parseInput(endCycleBody, request.body, "body");
      return { status: "ok", ended: await cycles.endActive(body.reason ?? "", actor) };
    },
  );
}

function rowWire(r: ConstellationCycleRow) {
  return {
    id: r.id,
    kind: r.kind,
    cycle_type: r.cycle_type,
    started_at: r.started_at,
    ended_at: r.ended_at,
    reason: r.reason,
    detail: r.detail,
  };
}
