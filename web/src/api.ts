/**
 * The page's HTTP client: JSON reads and the operator's writes, with the server's own error
 * message kept, so a refused approval says why ("patch_not_pending: …") rather than "409".
 *
 * Reads carry the token the page was given for this tab (a server with tokens answers 401
 * to reads without one, and the page then asks for it); it is kept in sessionStorage, so it
 * goes when the tab does and is never written to disk by us.
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

const READ_TOKEN_KEY = "autonomic.token";

/** The token reads are sent with ("" for none). */
export function readToken(): string {
  return window.sessionStorage.getItem(READ_TOKEN_KEY) ?? "";
}

export function setReadToken(token: string): void {
  if (token === "") window.sessionStorage.removeItem(READ_TOKEN_KEY);
  else window.sessionStorage.setItem(READ_TOKEN_KEY, token);
}

/** Headers that authorise a request with `token`, when there is one. */
export function authorization(token: string): Record<string, string> {
  return token === "" ? {} : { authorization: `Bearer ${token}` };
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
  const response = await fetch(path, {
    headers: { accept: "application/json", ...authorization(readToken()) },
  });
  return replyOf<T>(response);
}

/** An operator's write: with the operator token given for review, else the token the page reads with. */
export async function postJson<T>(path: string, body: unknown, operator: Operator): Promise<T> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    ...authorization(operator.token !== "" ? operator.token : readToken()),
  };
  if (operator.actor !== "") headers["x-autonomic-actor"] = operator.actor;
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  return replyOf<T>(response);
}
