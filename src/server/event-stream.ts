/**
 * GET /api/events: server-sent events of every committed transition. Each event is sent
 * as `event: <type>` with its JSON, every instant in it as ISO 8601. Streams end when the server
 * closes, so shutdown never waits on an idle client.
 *
 * Bounded (SPEC §6 "Access", hardening): a client that does not read would make the server
 * buffer every event for it, without end. Once what it left unread passes `maxQueueBytes`
 * it is dropped (an EventSource reconnects and the dashboard re-reads everything on
 * reconnecting, so a slow reader loses nothing it cannot get back), and at most `maxStreams`
 * streams are open at once (one more is a 503 until one closes).
 */

import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { AutonomicError } from "../core/errors.js";
import { wireInstants } from "./wire-instants.js";

/** Any committed domain event: rest, health, actions, healing, alerts, cycles. */
interface DomainEvent {
  type: string;
  at: number;
}

/** A service's event bus (method syntax: a bus of any event type fits). */
interface EventSource {
  subscribe(listener: (event: DomainEvent) => void): () => void;
}

const HEARTBEAT_MS = 15_000;

export interface EventStreamLimits {
  maxStreams: number;
  maxQueueBytes: number;
}

export class TooManyStreamsError extends AutonomicError {
  readonly kind = "unavailable";
  readonly code = "too_many_streams";
  constructor(max: number) {
    super(`${max} event streams are open, the most server.maxEventStreams allows; retry when one closes`);
    this.name = "TooManyStreamsError";
  }
}

export function toWire(event: DomainEvent): Record<string, unknown> {
  return wireInstants(event) as Record<string, unknown>;
}

/** Streams every committed event of every service given, in the order they commit. */
export function eventStream(
  app: FastifyInstance,
  sources: readonly EventSource[],
  limits: EventStreamLimits,
): void {
  const open = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const close of [...open]) close();
  });

  app.get(
    "/api/events",
    {
      schema: {
        tags: ["server"],
        summary: "Server-sent events of every committed transition",
        description:
          "Each event is `event: <type>` with its JSON as `data`. A client that leaves server.eventStreamMaxQueueBytes unread is dropped; a 503 when server.maxEventStreams streams are open already.",
        response: {
          200: {
            description: "text/event-stream, one event per committed transition",
            content: { "text/event-stream": { schema: z.string() } },
          },
        },
      },
    },
    async (request, reply) => {
      if (open.size >= limits.maxStreams) throw new TooManyStreamsError(limits.maxStreams);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      let closed = false;
      const send = (text: string) => {
        if (closed) return;
        res.write(text);
        // writableLength counts what waits in the response and its socket: what this client left unread.
        if (res.writableLength > limits.maxQueueBytes) {
          request.log.warn(
            { queued_bytes: res.writableLength, limit_bytes: limits.maxQueueBytes },
            "event stream client dropped: it is not reading",
          );
          close();
          res.destroy();
        }
      };
      const unsubscribes = sources.map((bus) =>
        bus.subscribe((event) => send(`event: ${event.type}\ndata: ${JSON.stringify(toWire(event))}\n\n`)),
      );
      const heartbeat = setInterval(() => send(": heartbeat\n\n"), HEARTBEAT_MS);
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        for (const unsubscribe of unsubscribes) unsubscribe();
        open.delete(close);
        res.end();
      };
      open.add(close);
      request.raw.on("close", close);
      send(": autonomic event stream\n\n");
    },
  );
}
