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

export interface ClientOptions {
  url: string;
  token?: string;
}

export async function apiRequest<T = Record<string, unknown>>(
  options: ClientOptions,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
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
    throw new CliError(`${method} ${target.pathname}: HTTP ${response.status}: ${error}`);
  }
  return parsed as T;
}
