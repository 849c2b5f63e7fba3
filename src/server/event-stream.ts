/**
 * GET /api/events: server-sent events of every committed transition. Each event is sent
 * as `event: <type>` with its JSON (times as ISO 8601). Streams end when the server
 * closes, so shutdown never waits on an idle client.
 */
import type { FastifyInstance } from "fastify";
import type { RestEvent } from "../core/rest/events.js";
import type { RestService } from "../services/rest-service.js";

const HEARTBEAT_MS = 15_000;

export function toWire(event: RestEvent): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...event, at: new Date(event.at).toISOString() };
  if (event.type === "rest_started") wire.planned_until = new Date(event.planned_until).toISOString();
  return wire;
}

export function eventStream(app: FastifyInstance, rest: RestService): void {
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
    const unsubscribe = rest.events.subscribe((event) => {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(toWire(event))}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), HEARTBEAT_MS);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(close);
      res.end();
    };
    open.add(close);
    request.raw.on("close", close);
  });
}
