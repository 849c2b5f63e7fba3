import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import Fastify from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CallStats } from "./call-stats.js";
import { type ExpressLike, type FastifyLike, setupSelfHealing } from "./plugin.js";

type App = FastifyLike | ExpressLike;
type Plug = (app: App) => void;

interface Running {
  url: string;
  close(): Promise<void>;
}

/**
 * The same small kernel app in each framework: a route that succeeds, one that throws,
 * one that answers 503, one that throws a client error, and one inside a nested router
 * or encapsulated plugin. `plug` runs before or after the routes are declared.
 */
interface Framework {
  name: string;
  start(plug?: Plug, when?: "before routes" | "after routes"): Promise<Running>;
}

const clientError = (): Error => Object.assign(new Error("bad question"), { statusCode: 400 });

const FRAMEWORKS: Framework[] = [
  {
    name: "Fastify",
    async start(plug, when = "before routes") {
      const app = Fastify({ logger: false });
      if (plug && when === "before routes") plug(app);
      app.get("/ok", async () => ({ answer: 42 }));
      app.get("/boom", async () => {
        throw new Error("boom");
      });
      app.get("/unavailable", async (_request, reply) => reply.code(503).send({ retry_after_s: 5 }));
      app.get("/bad", async () => {
        throw clientError();
      });
      app.register(async (child) => {
        child.get("/nested/ok", async () => "nested");
      });
      if (plug && when === "after routes") plug(app);
      await app.listen({ port: 0, host: "127.0.0.1" });
      const { port } = app.server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
    },
  },
  {
    name: "Express 5",
    async start(plug, when = "before routes") {
      const app = express();
      if (plug && when === "before routes") plug(app);
      app.get("/ok", (_req, res) => {
        res.json({ answer: 42 });
      });
      app.get("/boom", () => {
        throw new Error("boom");
      });
      app.get("/unavailable", (_req, res) => {
        res.status(503).json({ retry_after_s: 5 });
      });
      app.get("/bad", () => {
        throw clientError();
      });
      const nested = express.Router();
      nested.get("/ok", (_req, res) => {
        res.send("nested");
      });
      app.use("/nested", nested);
      // The app's own error handler, as a kernel's would be (and quieter than Express's default).
      app.use((error: Error & { statusCode?: number }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(error.statusCode ?? 500).json({ error: error.message });
      });
      if (plug && when === "after routes") plug(app);
      const server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(0, "127.0.0.1", (error) => (error ? reject(error) : resolve(s)));
      });
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
  },
];

/** A clock moving 10 ms each read: each request, timed by two reads, lasts exactly 10 ms. */
function tickingClock(): () => number {
  let now = 0;
  return () => (now += 10);
}

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(framework: Framework, plug?: Plug, when?: "before routes" | "after routes") {
  const server = await framework.start(plug, when);
  running.push(server);
  return server;
}

/**
 * GETs a path and, when the request is counted, waits for the count to move: the server
 * records on the reply's 'finish', which may come just after the client has the reply.
 */
async function get(server: Running, path: string, stats?: CallStats) {
  const before = stats?.calls ?? 0;
  const res = await fetch(server.url + path);
  const reply = { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
  if (stats) await vi.waitFor(() => expect(stats.calls).toBe(before + 1));
  return reply;
}

for (const framework of FRAMEWORKS) {
  describe(`setupSelfHealing on a real ${framework.name} server`, () => {
    it("counts every request and counts 5xx replies and thrown errors as failures", async () => {
      const stats = new CallStats();
      const server = await start(framework, (app) => setupSelfHealing(app, { stats, clock: tickingClock() }));
      expect((await get(server, "/ok", stats)).status).toBe(200);
      expect((await get(server, "/boom", stats)).status).toBe(500);
      expect((await get(server, "/unavailable", stats)).status).toBe(503);
      expect((await get(server, "/nested/ok", stats)).status).toBe(200);
      expect(stats.summary()).toEqual({ calls: 4, errors: 2, error_rate: 0.5, avg_latency_ms: 10 });
    });

    it("counts a client error or an unknown path as a call but not as the kernel's failure", async () => {
      const stats = new CallStats();
      const server = await start(framework, (app) => setupSelfHealing(app, { stats }));
      expect((await get(server, "/bad", stats)).status).toBe(400);
      expect((await get(server, "/no/such/route", stats)).status).toBe(404);
      expect(stats.summary()).toMatchObject({ calls: 2, errors: 0 });
    });

    it("leaves the app's own replies exactly as they were", async () => {
      const plain = await start(framework);
      const plugged = await start(framework, (app) => setupSelfHealing(app));
      for (const path of ["/ok", "/boom", "/unavailable", "/bad", "/nested/ok", "/no/such/route"]) {
        expect(await get(plugged, path), path).toEqual(await get(plain, path));
      }
    });

    it("counts the routes declared before it was set up as well as after", async () => {
      const stats = new CallStats();
      const server = await start(framework, (app) => setupSelfHealing(app, { stats }), "after routes");
      await get(server, "/ok", stats);
      await get(server, "/boom", stats);
      await get(server, "/nested/ok", stats);
      expect(stats.summary()).toMatchObject({ calls: 3, errors: 1 });
    });

    it("counts into a client's calls when given the client", async () => {
      const client = { calls: new CallStats() };
      const server = await start(framework, (app) => setupSelfHealing(app, { client }));
      await get(server, "/unavailable", client.calls);
      expect(client.calls.summary()).toMatchObject({ calls: 1, errors: 1, error_rate: 1 });
    });

    it("serves the live summary on the status route without draining it or counting itself", async () => {
      const stats = new CallStats();
      const server = await start(framework, (app) => setupSelfHealing(app, { stats, clock: tickingClock() }));
      await get(server, "/ok", stats);
      await get(server, "/boom", stats);
      const first = await get(server, "/self-healing/status");
      expect(first.status).toBe(200);
      expect(first.type).toMatch(/^application\/json/);
      expect(JSON.parse(first.body)).toEqual({ calls: 2, errors: 1, error_rate: 0.5, avg_latency_ms: 10 });
      const second = await get(server, "/self-healing/status?fresh=1");
      expect(JSON.parse(second.body)).toEqual(JSON.parse(first.body));
      expect(stats.calls).toBe(2);
    });

    it("serves the status on a chosen path, or not at all when disabled", async () => {
      const custom = await start(framework, (app) =>
        setupSelfHealing(app, { statusRoute: "/healthz/calls" }),
      );
      expect(JSON.parse((await get(custom, "/healthz/calls")).body)).toMatchObject({ calls: 0, errors: 0 });
      expect((await get(custom, "/self-healing/status")).status).toBe(404);
      const stats = new CallStats();
      const none = await start(framework, (app) => setupSelfHealing(app, { stats, statusRoute: false }));
      expect((await get(none, "/self-healing/status", stats)).status).toBe(404);
    });
  });
}

describe("setupSelfHealing", () => {
  it("returns the stats it counts into, a fresh one when given none", () => {
    const stats = new CallStats();
    expect(setupSelfHealing(Fastify(), { stats }).stats).toBe(stats);
    expect(setupSelfHealing(Fastify(), { statusRoute: false }).stats).toBeInstanceOf(CallStats);
  });

  it("refuses something that is neither a Fastify instance nor an Express app", () => {
    expect(() => setupSelfHealing({} as never)).toThrow(/Fastify instance .* or an Express app/);
  });

  it("refuses a status route that is not a path", () => {
    expect(() => setupSelfHealing(express(), { statusRoute: "status" })).toThrow(/must start with "\/"/);
  });
});
