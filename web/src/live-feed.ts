/**
 * The page's subscription to /api/events, read with fetch rather than EventSource because
 * EventSource cannot send a token, and a server with tokens needs one for every read. A
 * dropped stream (a restart, or the server dropping a client that fell behind) is opened
 * again after a pause; a 401 stops it until the page has a token. Events may be missed while
 * disconnected: every (re)connection tells the page to re-read everything.
 */
import { authorization } from "./api.js";
import { EVENT_TOPICS, type Topic, topicsOf } from "./event-topics.js";

export type FeedState = "connecting" | "live" | "reconnecting";

export interface LiveFeedHandlers {
  /** Views an event made stale. */
  onStale(topics: readonly Topic[]): void;
  /** Connected (first time or again): whatever happened meanwhile is unknown. */
  onConnected(): void;
  onState(state: FeedState): void;
  /** The server wants a (better) token: the feed stays closed until it is opened again. */
  onUnauthorized(): void;
}

/** Pause before opening a dropped stream again. */
const RECONNECT_MS = 2000;

/** The event types of one chunk of server-sent events text (`event: <type>` lines). */
export function eventTypes(block: string): string[] {
  return block
    .split("\n")
    .filter((line) => line.startsWith("event:"))
    .map((line) => line.slice(6).trim());
}

/** Opens the feed with `token()` (read at each connection); returns the function that closes it. */
export function openLiveFeed(url: string, token: () => string, handlers: LiveFeedHandlers): () => void {
  let closed = false;
  let retry: number | undefined;
  let controller: AbortController | null = null;

  const dispatch = (block: string) => {
    for (const type of eventTypes(block)) {
      if (!(type in EVENT_TOPICS)) continue;
      const topics = topicsOf(type);
      if (topics.length > 0) handlers.onStale(topics);
    }
  };

  const connect = async () => {
    if (closed) return;
    controller = new AbortController();
    try {
      const response = await fetch(url, {
        headers: { accept: "text/event-stream", ...authorization(token()) },
        signal: controller.signal,
      });
      if (response.status === 401 || response.status === 403) {
        handlers.onUnauthorized();
        return;
      }
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
      handlers.onState("live");
      handlers.onConnected();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let pending = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        pending += value;
        const blocks = pending.split("\n\n");
        pending = blocks.pop() ?? "";
        for (const block of blocks) dispatch(block);
      }
    } catch {
      // dropped or refused: opened again below
    }
    if (closed) return;
    handlers.onState("reconnecting");
    retry = window.setTimeout(() => void connect(), RECONNECT_MS);
  };

  handlers.onState("connecting");
  void connect();
  return () => {
    closed = true;
    window.clearTimeout(retry);
    controller?.abort();
  };
}
