/**
 * GET /api/events: server-sent events of every committed transition. Each event is sent
 * as `event: <type>` with its JSON, every instant in it as ISO 8601. Streams end when the server
 * closes, so shutdown never waits on an idle client.
 */
import type { FastifyInstance } from "fastify";
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

export function toWire(event: DomainEvent): Record<string, unknown> {
  return wireInstants(event) as Record<string, unknown>;
}

/** Streams every committed event of every service given, in the order they commit. */
export function eventStream(app: FastifyInstance, sources: readonly EventSource[]): void {
  const open = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const close of [...open]) close();
  });

  app.get("/api/events", (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.write(": autonomic event stream\n\n");
    const unsubscribes = sources.map((bus) =>
      bus.subscribe((event) => {
        res.write(`event: ${event.type}\ndata: ${JSON.stringify(toWire(event))}\n\n`);
      }),
    );
    const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), HEARTBEAT_MS);
    const close = () => {
      clearInterval(heartbeat);
      for (const unsubscribe of unsubscribes) unsubscribe();
      open.delete(close);
      res.end();
    };
    open.add(close);
    request.raw.on("close", close);
  });
}
