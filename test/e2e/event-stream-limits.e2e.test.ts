/**
 * The event stream under clients that do not read, against the real server process: a
 * review found 8 stalled readers of /api/events over 600 rest cycles grew the server by
 * 237 MB, because it buffered every event for each of them without end. Stalled readers are
 * sockets that send the request and never read again; each cycle hands a 60 KB context to
 * the coverer (carried by its coverage_started event), so the kernel's own socket buffers
 * (a few MB a connection) fill early and the rest would pile up in the server.
 *
 * Memory is the server's own, measured from outside: a probe preloaded into the process
 * collects garbage and reports process.memoryUsage() on SIGUSR2.
 */
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { configFile } from "../support/healing-http.js";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 180_000;
const MB = 2 ** 20;
const MEMORY_PROBE = fileURLToPath(new URL("../support/memory-probe.mjs", import.meta.url));

const stores = storeLocations("autonomic-event-stream-limits-");
afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

interface Memory {
  rss: number;
  heap_used: number;
  external: number;
}

/** The server's memory after a garbage collection, as its preloaded probe reports it. */
async function memoryOf(server: ServerProcess): Promise<Memory> {
  const reports = () => server.logs().filter((line) => line.includes('"msg":"memory"'));
  const seen = reports().length;
  server.kill("SIGUSR2");
  await server.waitForLog(() => reports().length > seen, 10_000);
  return JSON.parse(reports().at(-1) as string) as Memory;
}

async function post(server: ServerProcess, path: string, body?: unknown): Promise<number> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

/** A client that asks for the event stream and never reads a byte of it. */
async function stalledReader(server: ServerProcess): Promise<Socket> {
  const { hostname, port } = new URL(server.url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(`GET /api/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
  socket.pause();
  return socket;
}

/** Reads a fresh stream until `text` arrives (or the time is up). */
async function streamUntil(
  server: ServerProcess,
  text: string,
  act: () => Promise<unknown>,
): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 15_000);
  try {
    // A stream closed a moment ago may still hold its place: ask again until one is free.
    let response = await fetch(`${server.url}/api/events`, { signal: controller.signal });
    for (let i = 0; i < 50 && response.status === 503; i++) {
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 50));
      response = await fetch(`${server.url}/api/events`, { signal: controller.signal });
    }
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await act();
    let seen = "";
    const decoder = new TextDecoder();
    while (!seen.includes(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value);
    }
    return seen;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

describe("event-stream clients that do not read", () => {
  it(
    "cost the server under 20 MB: 8 stalled readers over 600 rest cycles are dropped once their queue passes the bound",
    async () => {
      const server = await startServerProcess({
        db: await stores.fresh("sqlite"),
        env: { NODE_OPTIONS: `--import=${MEMORY_PROBE}` },
      });
      await post(server, "/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" });
      await post(server, "/api/rest/kernels", { kernel_id: "athena_1", kernel_name: "Athena" });
      // Tired, so each request is approved and Athena covers, taking the context.
      await post(server, "/api/rest/fatigue/apollo_1", { phi: 0.1, kappa: 10, load: 0.9, error_rate: 0.5 });
      const context = { notes: "x".repeat(60_000) };
      const restCycle = async () => {
        expect(await post(server, "/api/rest/request/apollo_1", { context })).toBe(200);
        expect(await post(server, "/api/rest/end/apollo_1")).toBe(200);
      };
      // Warm up first, so what is measured is the readers, not the first cycles' caches and code.
      for (let i = 0; i < 100; i++) await restCycle();
      const before = await memoryOf(server);

      const readers = await Promise.all(Array.from({ length: 8 }, () => stalledReader(server)));
      for (let i = 0; i < 600; i++) await restCycle();
      const after = await memoryOf(server);

      const grewMb = (after.heap_used + after.external - before.heap_used - before.external) / MB;
      const rssMb = (after.rss - before.rss) / MB;
      expect(grewMb, `heap and external memory after gc grew ${grewMb} MB (RSS ${rssMb} MB)`).toBeLessThan(
        20,
      );
      const dropped = server.logs().filter((line) => line.includes("event stream client dropped"));
      expect(dropped).toHaveLength(8);
      // The stream still works for a client that reads.
      const seen = await streamUntil(server, "event: rest_started", restCycle);
      expect(seen).toContain("event: coverage_started");
      for (const reader of readers) reader.destroy();
      server.kill("SIGKILL");
    },
    SLOW,
  );

  it(
    "are capped in number: one stream over server.maxEventStreams is a 503 in the error shape, until one closes",
    async () => {
      const server = await startServerProcess({
        db: await stores.fresh("sqlite"),
        args: ["--config", configFile(stores.dir, "two-streams", { server: { maxEventStreams: 2 } })],
      });
      const open = [await stalledReader(server), await stalledReader(server)];
      // The second request has been read once the server counts it: ask until it refuses.
      let refused: Response | undefined;
      for (let i = 0; i < 50 && refused === undefined; i++) {
        const response = await fetch(`${server.url}/api/events`);
        if (response.status === 503) refused = response;
        else {
          await response.body?.cancel();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      expect(refused?.status).toBe(503);
      expect(await refused?.json()).toMatchObject({ status: "error", code: "too_many_streams" });

      (open.pop() as Socket).destroy();
      const seen = await streamUntil(server, "event: kernel_registered", () =>
        post(server, "/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" }),
      );
      expect(seen).toContain('"kernel_id":"apollo_1"');
      for (const socket of open) socket.destroy();
      server.kill("SIGKILL");
    },
    SLOW,
  );
});
