/**
 * Constellation cycles under /api/rest (SPEC §3, §6): the consensus state and its record,
 * Heart's and Ocean's cast votes, and an operator's end of a running cycle. Replies follow
 * the rest scheduler's shape ({status:"ok", …}; errors {status:"error", error, code}).
 * Every instant in a reply, `detail` and `checks` included, leaves as ISO 8601 (the app's
 * wire-instants hook); the top-level ones are converted here too, so the shapes read alone.
 *
 * Voting and ending need an operator token when tokens are configured (SPEC §6 Access);
 * reads any token. The operator is named by the optional X-Autonomic-Actor header and
 * recorded with the vote or the end as `user:<name>`.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { CycleDecision } from "../../core/cycles/cycle-decider.js";
import type { CycleService } from "../../services/cycle-service.js";
import type { ConstellationCycleRow } from "../../store/store-types.js";
import type { AccessControl } from "../access.js";
import { parseInput } from "../validation.js";
import { personActing } from "./actor.js";
import { cyclesQuery, endCycleBody } from "./cycle-schemas.js";
import { parseSince } from "./health-routes.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function cycleRoutes(app: FastifyInstance, cycles: CycleService, access: AccessControl): void {
  /** Checks the operator token, then names the person acting. */
  const operator = (request: FastifyRequest): string => {
    access.require(request, "operator");
    return personActing(request);
  };

  app.get("/api/rest/cycles", async (request) => {
    const q = parseInput(cyclesQuery, request.query, "query");
    const sinceMs = q.since === undefined ? undefined : parseSince(q.since);
    const rows = await cycles.history({ kind: q.kind, limit: q.limit ?? 50, sinceMs });
    const s = cycles.status();
    const cooldowns = Object.fromEntries(
      Object.entries(s.cooldowns).map(([type, c]) => [type, { ...c, last_ended_at: iso(c.last_ended_at) }]),
    );
    return {
      status: "ok",
      active: s.active && {
        ...s.active,
        started_at: iso(s.active.started_at),
        planned_until: iso(s.active.planned_until),
      },
      votes: s.votes.map((v) => ({ ...v, at: iso(v.at), expires_at: iso(v.expires_at) })),
      last_decision: s.last_decision && decisionWire(s.last_decision),
      cooldowns,
      metrics: s.metrics,
      cycles: rows.map(rowWire),
    };
  });

  app.post("/api/rest/cycles/vote", async (request) => {
    const actor = operator(request);
    const vote = await cycles.castVote(request.body, actor);
    return { status: "ok", vote: { ...vote, at: iso(vote.at), expires_at: iso(vote.expires_at) } };
  });

  app.post("/api/rest/cycles/end", async (request) => {
    const actor = operator(request);
    const body = parseInput(endCycleBody, request.body, "body");
    return { status: "ok", ended: await cycles.endActive(body.reason ?? "", actor) };
  });
}

function decisionWire(d: CycleDecision) {
  return { ...d, at: iso(d.at) };
}

function rowWire(r: ConstellationCycleRow) {
  return {
    id: r.id,
    kind: r.kind,
    cycle_type: r.cycle_type,
    started_at: iso(r.started_at),
    ended_at: iso(r.ended_at),
    reason: r.reason,
    detail: r.detail,
  };
}
