/**
 * The person acting on an operator route, named by the optional `X-Autonomic-Actor` header
 * (default "operator") and always recorded as `user:<name>` (SPEC §6 "Access"): a header is
 * a person speaking, so no header can produce the autonomous system's own actor name,
 * `system` — "X-Autonomic-Actor: system" is recorded as `user:system`.
 */
import type { FastifyRequest } from "fastify";
import { parseInput } from "../validation.js";
import { ACTOR_HEADER, actorHeaders, DEFAULT_ACTOR } from "./healing-schemas.js";

/** `user:<name>` of the request's actor header; a malformed header is a 400 naming it. */
export function personActing(request: FastifyRequest): `user:${string}` {
  const headers = parseInput(actorHeaders, { [ACTOR_HEADER]: request.headers[ACTOR_HEADER] }, "headers");
  return `user:${headers[ACTOR_HEADER] ?? DEFAULT_ACTOR}`;
}
