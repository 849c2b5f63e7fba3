/**
 * The page's HTTP client: JSON reads and the operator's writes, with the server's own error
 * message kept, so a refused approval says why ("patch_not_pending: …") rather than "409".
 */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Who acts: recorded on the patch as `user:<actor>`; the token only when the server has tokens. */
export interface Operator {
  actor: string;
  token: string;
}

async function replyOf<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    // not JSON: the status line says enough
  }
  if (!response.ok) {
    const reply = (body ?? {}) as { error?: unknown; code?: unknown };
    const message =
      typeof reply.error === "string" ? reply.error : `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, typeof reply.code === "string" ? reply.code : null);
  }
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  return replyOf<T>(response);
}

export async function postJson<T>(path: string, body: unknown, operator: Operator): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (operator.actor !== "") headers["x-autonomic-actor"] = operator.actor;
  if (operator.token !== "") headers.authorization = `Bearer ${operator.token}`;
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  return replyOf<T>(response);
}
