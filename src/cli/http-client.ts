/**
 * The CLI's client for a running server: JSON over HTTP, with errors that say what to do.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A reply the server refused (4xx/5xx): its status and parsed body, for commands that branch on them. */
export class HttpReplyError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly reply: Record<string, unknown>,
  ) {
    super(message);
    this.name = "HttpReplyError";
  }
}

export interface ClientOptions {
  url: string;
  token?: string;
  /** The operator acting, sent as X-Autonomic-Actor (the server defaults to "operator"). */
  actor?: string;
}

export async function apiRequest<T = Record<string, unknown>>(
  options: ClientOptions,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.actor) headers["x-autonomic-actor"] = options.actor;
  const target = new URL(path, options.url);
  let response: Response;
  try {
    response = await fetch(target, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new CliError(
      `cannot reach Autonomic at ${options.url} (${cause}); is \`autonomic serve\` running?`,
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    throw new CliError(
      `${method} ${target.pathname}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`,
    );
  }
  if (!response.ok) {
    const error = (parsed as { error?: string }).error ?? text;
    throw new HttpReplyError(
      `${method} ${target.pathname}: HTTP ${response.status}: ${error}`,
      response.status,
      typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {},
    );
  }
  return parsed as T;
}
