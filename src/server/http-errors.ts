/**
 * The one place errors become HTTP replies. Each route family keeps the original error
 * shape: the rest scheduler answers {status:"error", error}, self-healing
 * {success:false, error}. Bad input is a 400, never a 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AutonomicError, type ErrorKind } from "../core/errors.js";

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  config: 500,
  unavailable: 503,
};

/**
 * The error reply of a route family. `details` (an error's machine-readable context, such as
 * the unmet criteria of a refused phase advance) is added beside `error` and `code`.
 */
export function errorBody(
  url: string,
  message: string,
  code: string,
  details: Record<string, unknown> = {},
): Record<string, unknown> {
  return url.startsWith("/api/self-healing")
    ? { ...details, success: false, error: message, code }
    : { ...details, status: "error", error: message, code };
}

/** The `details` object an error carries, if any. */
function detailsOf(error: AutonomicError): Record<string, unknown> {
  const details = (error as { details?: unknown }).details;
  return typeof details === "object" && details !== null && !Array.isArray(details)
    ? (details as Record<string, unknown>)
    : {};
}

export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const url = request.url;
  if (error instanceof AutonomicError) {
    const status = STATUS[error.kind];
    if (status >= 500) request.log.error({ err: error }, error.message);
    void reply.code(status).send(errorBody(url, error.message, error.code, detailsOf(error)));
    return;
  }
  const fastifyError = error as FastifyError;
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    // Fastify's own refusals: malformed JSON, body too large, wrong content type, rate limit.
    const message =
      fastifyError.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError
        ? `body: is not valid JSON (${error.message})`
        : fastifyError.code === "FST_ERR_CTP_BODY_TOO_LARGE"
          ? "body: is larger than the configured limit"
          : error.message;
    void reply.code(status).send(errorBody(url, message, fastifyError.code ?? "bad_request"));
    return;
  }
  request.log.error({ err: error }, "unexpected error");
  void reply.code(500).send(errorBody(url, "internal error", "internal"));
}

/**
 * The router's own refusals, before any route or hook runs: a path parameter over the
 * router's maxParamLength (414) and a URL with bad percent-encoding (400).
 */
export function routerRefusal(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === "FST_ERR_MAX_PARAM_LENGTH";
  const message = tooLong
    ? "url: a path parameter is longer than the router accepts"
    : "url: is not a valid URL (bad percent-encoding)";
  void reply
    .code(tooLong ? 414 : 400)
    .send(errorBody(request.url, message, tooLong ? "uri_too_long" : "bad_url"));
}
