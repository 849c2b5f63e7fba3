/**
 * One POST of an alert to a Slack-compatible webhook, and the wait before the next one.
 * An attempt never throws: it ends as a value saying whether it is worth trying again, so
 * the alert service's retry loop reads as policy, not as error handling.
 *
 * @example
 * const outcome = await postAlertText(fetch, "https://hooks.slack.com/services/T/B/X", "Φ collapse on apollo_1", 5000);
 * if (!outcome.delivered && outcome.retryable) await sleep(retryDelayMs(1, outcome, backoff));
 */

/** How an attempt ended. */
export type WebhookOutcome =
  | { delivered: true; status: number }
  | {
      delivered: false;
      /** Worth another attempt: a network error, a timeout, a 5xx, 408 or 429. */
      retryable: boolean;
      /** What went wrong, in words, as the stored alert keeps it. */
      error: string;
      /** The receiver's Retry-After in milliseconds, when it sent one we can read. */
      retryAfterMs: number | null;
    };

/**
 * Exponential backoff bounds, in milliseconds.
 * @example { initialBackoffMs: 500, maxBackoffMs: 30_000 }
 */
export interface BackoffConfig {
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/** Enough of a response body to explain a refusal ("invalid_payload", "no_service") without logging a page. */
const ERROR_BODY_CHARS = 200;

/**
 * POSTs `{"text": text}` as JSON and reports the outcome; gives up on the attempt after
 * `timeoutMs` (counted as a retryable failure).
 * @example await postAlertText(fetch, url, "drift on athena_2", 5000); // { delivered: true, status: 200 }
 */
export async function postAlertText(
  fetchFn: typeof fetch,
  url: string,
  text: string,
  timeoutMs: number,
): Promise<WebhookOutcome> {
  try {
    const response = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read the body either way: it frees the connection, and a refusal's body says why.
    const body = await response.text().catch(() => "");
    if (response.ok) return { delivered: true, status: response.status };
    const status = response.status;
    const retryable = status >= 500 || status === 429 || status === 408;
    const detail = body.trim().slice(0, ERROR_BODY_CHARS);
    return {
      delivered: false,
      retryable,
      error: `HTTP ${status}${detail === "" ? "" : `: ${detail}`}`,
      retryAfterMs: parseRetryAfterSeconds(response.headers.get("retry-after")),
    };
  } catch (err) {
    return {
      delivered: false,
      retryable: true,
      error: describeFetchError(err, timeoutMs),
      retryAfterMs: null,
    };
  }
}

/**
 * The wait after failed attempt number `attempt` (1-based): the receiver's Retry-After when
 * it gave one — sending sooner would only earn another 429 — else initial·2^(attempt-1),
 * capped at the maximum.
 * @example retryDelayMs(3, { retryAfterMs: null }, { initialBackoffMs: 500, maxBackoffMs: 30_000 }); // 2000
 */
export function retryDelayMs(
  attempt: number,
  outcome: { retryAfterMs: number | null },
  backoff: BackoffConfig,
): number {
  if (outcome.retryAfterMs !== null) return outcome.retryAfterMs;
  return Math.min(backoff.initialBackoffMs * 2 ** (attempt - 1), backoff.maxBackoffMs);
}

/**
 * Retry-After as delta-seconds; the HTTP-date form is ignored (the exponential backoff
 * applies instead) because reading it would tie delivery to the wall clock.
 * @example parseRetryAfterSeconds("7"); // 7000
 */
export function parseRetryAfterSeconds(header: string | null): number | null {
  if (header === null || !/^\s*\d+(\.\d+)?\s*$/.test(header)) return null;
  return Math.round(Number(header) * 1000);
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))
    return `timed out after ${timeoutMs} ms`;
  // undici hides the useful part ("ECONNREFUSED 127.0.0.1:9") behind "fetch failed".
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const detail = cause?.code ?? cause?.message;
  return detail === undefined ? message : `${message}: ${detail}`;
}
