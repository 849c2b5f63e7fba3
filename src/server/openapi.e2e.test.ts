/**
 * /openapi.json is built from the routes: every route a real server registers is in it
 * (but the dashboard's files and /docs itself), with its method; and real replies parse with
 * the reply schemas the document shows, so the document does not promise what is not sent.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { storeLocations } from "../../test/support/store-locations.js";
import { buildConfig } from "../core/config.js";
import { accessReplies, dashboardReplies, healingReplies, restReplies } from "./replies/reply-schemas.js";
import { type RunningServer, startServer } from "./serve.js";

/** Registered but not API: the dashboard's page and files, and the /docs viewer's own page and files. */
const notDocumented = (path: string) =>
  path === "/" || path === "/*" || path === "/docs" || path.startsWith("/docs/");

/**
 * Every route of the server as "METHOD /path/{param}", read from Fastify's own route tree
 * (printRoutes), not from the document: one line a node, four columns a level, the methods
 * in parentheses. HEAD, which Fastify adds beside each GET, is left out.
 */
function registeredRoutes(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^([│├└─\s]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] as string).length / 4;
    stack.length = depth;
    stack.push(match[2] as string);
    const path = stack.join("").replace(/\/+/g, "/");
    for (const method of (match[3] ?? "").split(", ").filter((m) => m !== "" && m !== "HEAD"))
      routes.push(`${method} ${path}`);
  }
  return routes;
}

const stores = storeLocations("autonomic-openapi-e2e-");
let server: RunningServer;

beforeAll(async () => {
  const config = buildConfig({
    server: { port: 0, logLevel: "silent" },
    store: { location: await stores.fresh("sqlite") },
  });
  server = await startServer(config, { logger: pino({ level: "silent" }) });
});

afterAll(async () => {
  await server?.close();
  await stores.cleanup();
});

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
};

describe("the OpenAPI document", () => {
  it("holds every registered route with its method, found from the server's own route tree", async () => {
    const doc = (await call("GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const registered = registeredRoutes(server.app.printRoutes({ commonPrefix: false }))
      .filter((route) => !notDocumented(route.split(" ")[1] as string))
      .map((route) => route.replace(/:([A-Za-z_]+)/g, "{$1}"));
    // The tree parse itself is checked: the routes it must find are there.
    expect(registered).toEqual(
      expect.arrayContaining([
        "GET /api/rest/health",
        "GET /api/self-healing/health",
        "POST /api/self-healing/actions/{action_id}/result",
        "DELETE /api/rest/kernels/{kernel_id}",
        "GET /metrics",
        "GET /openapi.json",
      ]),
    );
    expect(registered.length).toBeGreaterThan(40);
    expect([...documented].sort()).toEqual([...registered].sort());
  });

  it("describes each route's input and replies, errors included", async () => {
    const doc = (await call("GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const fatigue = doc.paths["/api/rest/fatigue/{kernel_id}"]?.post as {
      requestBody: { content: { "application/json": { schema: { required: string[] } } } };
      responses: Record<string, { description: string }>;
      parameters: { name: string; in: string }[];
    };
    expect(fatigue.requestBody.content["application/json"].schema.required).toEqual(["phi", "kappa"]);
    expect(fatigue.parameters).toEqual([expect.objectContaining({ name: "kernel_id", in: "path" })]);
    expect(Object.keys(fatigue.responses).sort()).toEqual(["200", "400", "401", "403", "404", "409"]);
    const approve = doc.paths["/api/self-healing/patches/{patch_id}/approve"]?.post as {
      parameters: { name: string; in: string }[];
      security: unknown[];
    };
    expect(approve.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(["path:patch_id", "header:x-autonomic-actor"]),
    );
    expect(approve.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/api/rest/health"]?.get?.security).toEqual([]);
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        expect(op.summary, `${method} ${path}`).toEqual(expect.any(String));
        expect(Object.keys(op.responses as object), `${method} ${path}`).not.toHaveLength(0);
      }
  });

  it("shows reply schemas that the real replies match", async () => {
    const expectShape = async (schema: z.ZodType, method: string, path: string, body?: unknown) => {
      const reply = await call(method, path, body);
      expect(reply.status, `${method} ${path}`).toBeLessThan(300);
      const parsed = schema.safeParse(reply.body);
      expect(parsed.error?.issues ?? [], `${method} ${path}`).toEqual([]);
    };
    await expectShape(restReplies.registered, "POST", "/api/rest/kernels", {
      kernel_id: "apollo_1",
      kernel_name: "Apollo",
    });
    await call("POST", "/api/rest/kernels", { kernel_id: "athena_1", kernel_name: "Athena" });
    await expectShape(restReplies.fatigue, "POST", "/api/rest/fatigue/apollo_1", { phi: 0.7, kappa: 64 });
    await expectShape(healingReplies.snapshot, "POST", "/api/self-healing/snapshot", {
      kernel_id: "apollo_1",
      phi: 0.72,
      kappa_eff: 64.2,
    });
    await expectShape(restReplies.health, "GET", "/api/rest/health");
    await expectShape(restReplies.constellation, "GET", "/api/rest/status");
    await expectShape(restReplies.kernel, "GET", "/api/rest/status/apollo_1");
    await expectShape(restReplies.kernels, "GET", "/api/rest/kernels");
    await expectShape(restReplies.partners, "GET", "/api/rest/partners/apollo_1");
    await expectShape(restReplies.restRequest, "POST", "/api/rest/request/apollo_1", {});
    await expectShape(restReplies.quality, "GET", "/api/rest/quality");
    await expectShape(restReplies.cycles, "GET", "/api/rest/cycles");
    await expectShape(healingReplies.health, "GET", "/api/self-healing/health");
    await expectShape(healingReplies.health, "GET", "/api/self-healing/health?kernel_id=apollo_1");
    await expectShape(healingReplies.degradation, "GET", "/api/self-healing/degradation");
    await expectShape(healingReplies.trends, "GET", "/api/self-healing/trends");
    await expectShape(healingReplies.snapshots, "GET", "/api/self-healing/snapshots");
    await expectShape(healingReplies.actions, "GET", "/api/self-healing/actions");
    await expectShape(healingReplies.status, "GET", "/api/self-healing/status");
    await expectShape(healingReplies.patches, "GET", "/api/self-healing/patches");
    await expectShape(healingReplies.history, "GET", "/api/self-healing/history");
    await expectShape(healingReplies.phase, "GET", "/api/self-healing/phase");
    await expectShape(healingReplies.alerts, "GET", "/api/self-healing/alerts");
    await expectShape(accessReplies.me, "GET", "/api/access/me");
    await expectShape(dashboardReplies.config, "GET", "/api/dashboard/config");
    await expectShape(dashboardReplies.fatigue, "GET", "/api/dashboard/fatigue?kernel_id=apollo_1");
    await expectShape(restReplies.retired, "DELETE", "/api/rest/kernels/athena_1");
    await expectShape(restReplies.retirements, "GET", "/api/rest/retirements");
  });

  it("keeps a refusal's message naming the field: the schemas document, the handlers validate", async () => {
    const reply = await call("POST", "/api/rest/fatigue/apollo_1", { phi: 2, kappa: 64 });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ status: "error", error: "phi: must be ≤ 1" });
  });
});
