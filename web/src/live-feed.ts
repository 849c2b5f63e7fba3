/**
 * The page's subscription to /api/events. EventSource reconnects by itself after a dropped
 * connection, but gives up for good when a reply is not an event stream (a server shutting
 * down answers 503), so a closed source is replaced after a pause. Events may be missed while
 * disconnected: every (re)connection tells the page to re-read everything.
 */
import { EVENT_TOPICS, type Topic, topicsOf } from "./event-topics.js";

export type FeedState = "connecting" | "live" | "reconnecting";

export interface LiveFeedHandlers {
  /** Views an event made stale. */
  onStale(topics: readonly Topic[]): void;
  /** Connected (first time or again): whatever happened meanwhile is unknown. */
  onConnected(): void;
  onState(state: FeedState): void;
}

/** Pause before replacing a source that gave up. */
const RECONNECT_MS = 2000;

/** Opens the feed; returns the function that closes it. */
export function openLiveFeed(url: string, handlers: LiveFeedHandlers): () => void {
  let source: EventSource | null = null;
  let retry: number | undefined;
  let closed = false;

  const connect = () => {
    if (closed) return;
    const es = new EventSource(url);
    source = es;
    es.onopen = () => {
      handlers.onState("live");
      handlers.onConnected();
    };
    es.onerror = () => {
      handlers.onState("reconnecting");
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        retry = window.setTimeout(connect, RECONNECT_MS);
      }
    };
    for (const type of Object.keys(EVENT_TOPICS)) {
      es.addEventListener(type, () => {
        const topics = topicsOf(type);
        if (topics.length > 0) handlers.onStale(topics);
      });
    }
  };

  handlers.onState("connecting");
  connect();
  return () => {
    closed = true;
    window.clearTimeout(retry);
    source?.close();
  };
}
