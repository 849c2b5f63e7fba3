/**
 * A follower's half of every route it cannot answer itself (SPEC §9): the request goes to
 * the leader over HTTP, and the leader's reply (status, headers, body, or an endless event
 * stream) comes back as it is. A write is answered only by the leader, after its commit.
 *
 * What may be sent again, and what may not: a request the leader never received (connection
 * refused, no leader yet, a leader that says it no longer leads) waits and goes to the next
 * leader, up to the deadline. A write whose connection broke after it was sent may have been
 * committed, so it is never sent twice: its client gets a 503 saying the outcome is unknown.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
// The SDK's own reading of these, so a replica and a client agree on what "not applied" is.
import { NOT_SENT, RETRY_HEADER } from "../sdk/transport.js";

/** Set on a forwarded request, so a replica that does not lead answers it rather than forward again. */
export const FORWARDED_HEADER = "x-autonomic-forwarded-by";
/** Set on a 503 that a replica that does not lead (or not yet) sends: the request was not applied. */
export { RETRY_HEADER };

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

/** Where a request should go now: this replica, a leader's URL, or nowhere yet (with why). */
export type Route =
  | { to: "local" }
  | { to: "leader"; url: string }
  | { to: "none"; reason: string; code: string };

export interface ForwardOptions {
  /** Asked again before each attempt, so a takeover is followed. */
  route: () => Route;
  /** Serves the request here (the leader's own app). */
  local: (req: IncomingMessage, res: ServerResponse) => void;
  replicaId: string;
  /** Gives up waiting for a leader after this long (ms). */
  waitMs: number;
  retryDelayMs: number;
  /** For reads: kept-alive connections. */
  agent: http.Agent;
  /**
   * For writes: a fresh connection each, so a refused connection proves the write was not
   * delivered (a kept-alive socket the dead leader left behind fails with ECONNRESET, which
   * could also mean "delivered, then died").
   */
  writeAgent: http.Agent;
  /** Called when the leader's answer begins, before it is passed on. */
  onAnswer?: () => void;
  /** Answers a refusal in the API's error shape. */
  refuse: (res: ServerResponse, status: number, code: string, message: string, retryable: boolean) => void;
}

type Attempt = { outcome: "answered" } | { outcome: "not_delivered" } | { outcome: "lost"; error: string };

/** Forwards `req` (its body already read) per `route`, retrying what was not delivered. */
export async function forwardRequest(
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  o: ForwardOptions,
): Promise<void> {
  const deadline = Date.now() + o.waitMs;
  const safe = safeMethod(req.method);
  let why = { code: "no_leader", reason: "no leader is known" };
  for (;;) {
    const route = o.route();
    if (route.to === "local") return o.local(req, res);
    if (route.to === "leader" && req.headers[FORWARDED_HEADER] === undefined) {
      const attempt = await send(req, body, res, route.url, o);
      if (attempt.outcome === "answered") return;
      if (attempt.outcome === "lost" && !safe) {
        o.refuse(
          res,
          503,
          "leader_lost",
          `the leader stopped while handling this ${req.method} (${attempt.error}); it may or may not have been applied`,
          false,
        );
        return;
      }
      why = { code: "leader_unreachable", reason: `the leader at ${route.url} did not take the request` };
    } else if (route.to === "none") {
      why = { code: route.code, reason: route.reason };
    } else {
      why = { code: "not_leader", reason: "this replica does not lead" };
    }
    // A request another replica forwarded here goes back to it at once: it knows to retry.
    if (req.headers[FORWARDED_HEADER] !== undefined || Date.now() >= deadline || res.destroyed) break;
    await new Promise((resolve) => setTimeout(resolve, o.retryDelayMs));
  }
  o.refuse(res, 503, why.code, `${why.reason}; try again shortly`, true);
}

function send(
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  leaderUrl: string,
  o: ForwardOptions,
): Promise<Attempt> {
  const target = new URL(req.url ?? "/", leaderUrl);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers))
    if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  headers[FORWARDED_HEADER] = o.replicaId;
  headers["content-length"] = String(body.length);
  const forwardedFor = req.headers["x-forwarded-for"];
  headers["x-forwarded-for"] = [forwardedFor, req.socket.remoteAddress].filter(Boolean).join(", ");
  if (body.length === 0 && safeMethod(req.method)) delete headers["content-length"];
  return new Promise<Attempt>((resolve_) => {
    let answered = false;
    // The client went away before an answer came: stop waiting for one. Removed when this
    // attempt ends, so retries while no leader answers do not pile listeners on `res`.
    const onClientGone = () => {
      if (!answered) upstream.destroy();
    };
    const resolve = (attempt: Attempt) => {
      res.off("close", onClientGone);
      resolve_(attempt);
    };
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers,
        agent: o.agent,
      },
      (reply) => {
        // A replica that does not lead (yet) says so; nothing was applied, so try again.
        if (reply.statusCode === 503 && reply.headers[RETRY_HEADER] !== undefined) {
          reply.resume();
          resolve({ outcome: "not_delivered" });
          return;
        }
        answered = true;
        o.onAnswer?.();
        const out: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(reply.headers))
          if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
        res.writeHead(reply.statusCode ?? 502, out);
        res.flushHeaders();
        reply.pipe(res);
        reply.on("error", () => res.destroy());
        reply.on("end", () => resolve({ outcome: "answered" }));
        reply.on("aborted", () => res.destroy());
        res.on("close", () => {
          reply.destroy();
          resolve({ outcome: "answered" });
        });
      },
    );
    upstream.on("error", (err: NodeJS.ErrnoException) => {
      if (answered) {
        res.destroy();
        return resolve({ outcome: "answered" });
      }
      const never = err.code !== undefined && NOT_SENT.has(err.code);
      resolve(never ? { outcome: "not_delivered" } : { outcome: "lost", error: err.code ?? err.message });
    });
    res.on("close", onClientGone);
    upstream.end(body);
  });
}

function safeMethod(method: string | undefined): boolean {
  return method === "GET" || method === "HEAD";
}
