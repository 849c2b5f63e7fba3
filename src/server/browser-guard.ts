/**
 * Browsers may not drive this server from another site (SPEC §6 "Access", hardening). A
 * loopback server without tokens trusts whoever reaches it, and a web page the operator
 * opens reaches it too: a cross-site POST needs no CORS permission to *act*, and a DNS
 * rebinding page (evil.example resolving to 127.0.0.1) is same-origin with its own name, so
 * it may read and write. Both are refused here, tokens or not, before any route runs:
 * - `Host` must be a loopback name, the bind address (any IP literal when binding a wildcard:
 *   rebinding needs a name), or one of `access.allowedHosts`;
 * - `Origin`, when sent, must be the server's own (the origin of the Host it was sent to) or
 *   one of `access.allowedOrigins`;
 * - without `Origin`, a request the browser marks as from another site (`Sec-Fetch-Site`)
 *   is refused unless it is a navigation (a link to the dashboard still opens it).
 * Clients that are not browsers send no Origin and keep working.
 *
 * Allowed foreign origins get CORS replies (preflight and Access-Control-Allow-Origin), so
 * a dashboard served elsewhere can read with its token.
 */
import { isIP } from "node:net";
import type { FastifyInstance } from "fastify";
import { ForbiddenError } from "./access.js";

export interface BrowserGuardOptions {
  /** The address the server binds (config server.host). */
  bindHost: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

export interface BrowserHeaders {
  host?: string;
  origin?: string;
  "sec-fetch-site"?: string;
  "sec-fetch-mode"?: string;
}

const WILDCARD_BINDS = new Set(["0.0.0.0", "::", "[::]"]);

/** The host name of a Host header, lowercase, without port, brackets or a trailing dot; null if malformed. */
export function hostName(host: string): string | null {
  try {
    const name = new URL(`http://${host}`).hostname.toLowerCase();
    return name.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  } catch {
    return null;
  }
}

function isLoopback(name: string): boolean {
  if (name === "localhost" || name.endsWith(".localhost")) return true; // RFC 6761: never leaves the machine
  if (isIP(name) === 4) return name.startsWith("127.");
  return name === "::1";
}

/** Why a request's Host may not be served, or null when it may. */
function hostRefusal(host: string | undefined, o: BrowserGuardOptions): string | null {
  // HTTP/1.0 clients may omit it; a browser never does.
  if (host === undefined) return null;
  const name = hostName(host);
  if (name === null) return `Host ${JSON.stringify(host)} is malformed`;
  if (isLoopback(name)) return null;
  const bind = hostName(o.bindHost);
  if (name === bind) return null;
  if (bind !== null && WILDCARD_BINDS.has(o.bindHost) && isIP(name) !== 0) return null;
  if (o.allowedHosts.includes("*") || o.allowedHosts.includes(name)) return null;
  return `Host ${name} is not this server's (a loopback name, ${o.bindHost}, or access.allowedHosts)`;
}

/**
 * Why a browser request may not be served, or null when it may (pure: headers in, verdict
 * out). `refuseHost` judges the Host header; the guard passes a memo of hostRefusal.
 */
export function browserRefusal(
  headers: BrowserHeaders,
  o: BrowserGuardOptions,
  refuseHost: (host: string | undefined) => string | null = (host) => hostRefusal(host, o),
): ForbiddenError | null {
  const badHost = refuseHost(headers.host);
  if (badHost !== null) return new ForbiddenError(badHost, "forbidden_host");
  const origin = headers.origin;
  if (origin !== undefined) {
    if (isOwnOrigin(origin, headers.host) || o.allowedOrigins.includes(origin.toLowerCase())) return null;
    return new ForbiddenError(
      `Origin ${origin} may not call this server (only its own origin or access.allowedOrigins)`,
      "forbidden_origin",
    );
  }
  const site = headers["sec-fetch-site"];
  if ((site === "cross-site" || site === "same-site") && headers["sec-fetch-mode"] !== "navigate")
    return new ForbiddenError(`a ${site} browser request may not call this server`, "forbidden_origin");
  return null;
}

function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    return (
      (url.protocol === "http:" || url.protocol === "https:") && url.host === new URL(`http://${host}`).host
    );
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything unparseable
  }
}

/** Registers the guard as the first onRequest hook, with CORS answers for allowed foreign origins. */
export function browserGuard(app: FastifyInstance, options: BrowserGuardOptions): void {
  const foreign = new Set(options.allowedOrigins.map((o) => o.toLowerCase()));
  const refuseHost = memoized((host: string | undefined) => hostRefusal(host, options));
  // A callback, not a promise: the first hook of every request (see app.ts's hooks).
  app.addHook("onRequest", (request, reply, done) => {
    const refusal = browserRefusal(request.headers as BrowserHeaders, options, refuseHost);
    if (refusal) return done(refusal);
    const origin = request.headers.origin?.toLowerCase();
    if (origin === undefined || !foreign.has(origin)) return done();
    reply.header("access-control-allow-origin", origin).header("vary", "Origin");
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) {
      // Answered here: the request goes no further, so done is not called.
      reply
        .code(204)
        .header("access-control-allow-methods", "GET, POST, DELETE")
        .header("access-control-allow-headers", "authorization, content-type, x-autonomic-actor")
        .header("access-control-max-age", "600")
        .send();
      return;
    }
    done();
  });
}

/** Most Host values whose verdicts are kept; a client that sends more only empties the memo. */
const MEMO_HOSTS = 64;

/**
 * A verdict per Host value, kept: every request carries one, nearly always the same few, and
 * judging one parses it as a URL twice (a measurable share of a request's time on the write
 * path). The verdict depends only on the value and the options, so a kept one stays true.
 */
function memoized(
  judge: (host: string | undefined) => string | null,
): (host: string | undefined) => string | null {
  const verdicts = new Map<string | undefined, string | null>();
  return (host) => {
    let verdict = verdicts.get(host);
    if (verdict === undefined) {
      verdict = judge(host);
      if (verdicts.size >= MEMO_HOSTS) verdicts.clear();
      verdicts.set(host, verdict);
    }
    return verdict;
  };
}
