/**
 * JSON over HTTP for the SDK, with each failure sorted into what the caller should do:
 * a transient one (the server is down, restarting, overloaded: HTTP 5xx, 429, a network
 * error or a timeout) is worth retrying; a refusal (any other 4xx) is not, because the
 * same request would be refused again. A transient failure is also sorted by whether the
 * request surely did not take effect (`notApplied`), which is what lets a write be sent to
 * another replica (SPEC §9) without ever being applied twice.
 */

/** A failed call to the control plane. `transient` says whether retrying can help. */
export class AutonomicRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status, or null when no reply came (network error, timeout). */
    readonly status: number | null,
    readonly transient: boolean,
    /** The server's machine-readable code (e.g. "invalid_input"), when it sent one. */
    readonly code: string | null = null,
    /**
     * True when the request surely took no effect: the connection was refused (nothing was
     * sent), or the server said so: a 429, a 503 carrying the cluster's retry header, or a 503
     * whose code says it was refused before anything was applied (NOT_APPLIED_CODES). Every
     * other failure is unknown: a timeout, a reset, "leader_lost", and a leader's own
     * "store_unavailable" (a commit whose outcome its database did not report).
     */
    readonly notApplied = false,
  ) {
    super(message);
    this.name = "AutonomicRequestError";
  }
}

/**
 * The 503 codes a replica sends before it applies anything: no leader (yet, or reachable),
 * not the leader (its fence refused the commit), or no database to vouch for it.
 */
const NOT_APPLIED_CODES: ReadonlySet<string> = new Set([
  "no_leader",
  "leader_starting",
  "leader_unreachable",
  "not_leader",
  "database_unreachable",
]);

/** Set by a replica on a 503 for a request it did not apply (src/cluster/request-forwarder.ts). */
export const RETRY_HEADER = "x-autonomic-retry";

/** Connection errors raised before a single byte of the request left. */
export const NOT_SENT: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

export interface TransportOptions {
  url: string;
  token?: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

/**
 * One request; resolves with the parsed JSON body of a 2xx reply, otherwise throws an
 * AutonomicRequestError.
 * @example await postJson(options, "POST", "/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" })
 */
export async function postJson<T>(
  options: TransportOptions,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  let text: string;
  try {
    response = await options.fetch(new URL(path, options.url), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    text = await response.text();
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const cause = code ?? (err as Error).message;
    throw new AutonomicRequestError(
      `${method} ${path}: no reply from ${options.url} (${cause})`,
      null,
      true,
      null,
      code !== undefined && NOT_SENT.has(code),
    );
  }
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    // A proxy's HTML error page: keep the status, report the start of the text.
    parsed = { error: text.slice(0, 200) };
  }
  if (!response.ok) {
    const status = response.status;
    const transient = status >= 500 || status === 429;
    const error = typeof parsed.error === "string" ? parsed.error : `HTTP ${status}`;
    const code = typeof parsed.code === "string" ? parsed.code : null;
    const notApplied =
      status === 429 ||
      (status === 503 &&
        (response.headers.has(RETRY_HEADER) || (code !== null && NOT_APPLIED_CODES.has(code))));
    throw new AutonomicRequestError(
      `${method} ${path}: HTTP ${status}: ${error}`,
      status,
      transient,
      code,
      notApplied,
    );
  }
  return parsed as T;
}

/**
 * Exponential backoff with jitter: `initial·2^attempt`, capped, then scaled into
 * [1 − jitter, 1] so a fleet of kernels does not retry in lockstep after a restart.
 * @example backoffDelayMs(3, { initialDelayMs: 250, maxDelayMs: 30_000, jitter: 0.2 }, 0.5) // 1800
 */
export function backoffDelayMs(
  attempt: number,
  retry: { initialDelayMs: number; maxDelayMs: number; jitter: number },
  random: number = Math.random(),
): number {
  const base = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** attempt);
  return base * (1 - retry.jitter * random);
}
