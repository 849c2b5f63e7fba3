/**
 * Access on the real app and an in-memory SQLite store, with kernel, operator and viewer
 * tokens configured: kernel-scoped tokens minted, used, refused for other kernels and
 * revoked; reads that need a token; the actor header. Every refusal is checked to change
 * nothing.
 */
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { T0, usersRegistry } from "../../../test/support/rest-fixture.js";
import { ManualClock } from "../../core/clock.js";
import { type AutonomicConfig, buildConfig, type DeepPartial } from "../../core/config.js";
import { openServices } from "../../services/open-services.js";
import { openStore } from "../../store/open-store.js";
import type { Store } from "../../store/store-types.js";
import { buildApp } from "../app.js";

const KERNEL = "kernel-token-0123456789";
const OPERATOR = "operator-token-0123456789";
const VIEWER = "viewer-token-0123456789";
/** Tired enough (≈ 0.51 > 0.45) that Apollo's rest is due and Athena covers. */
const TIRED = { phi: 0.1, kappa: 10, load: 0.9, error_rate: 0.5 };

let store: Store | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  await store?.close();
  app = undefined;
  store = undefined;
});

interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

async function accessApp(overrides: DeepPartial<AutonomicConfig> = {}) {
  const logger = pino({ level: "silent" });
  const clock = new ManualClock(T0);
  const config = buildConfig(
    { access: { kernelToken: KERNEL, operatorToken: OPERATOR, viewerToken: VIEWER } },
    overrides,
  );
  store = await openStore(":memory:");
  const services = await openServices({ config, store, clock, logger, registry: usersRegistry() });
  app = await buildApp({ ...services, healingRecords: store, fatigueHistory: store, config, logger });
  const built = app;
  const call = async (method: string, url: string, o: CallOptions = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers["content-type"] = "application/json";
    const reply = await built.inject({
      method: method as "GET",
      url,
      headers,
      payload: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
    let body: any;
    try {
      body = reply.json();
    } catch {
      body = reply.body;
    }
    return { status: reply.statusCode, body };
  };
  /** Mints a kernel-scoped token as the operator. */
  const issue = async (kernel_id: string) => {
    const reply = await call("POST", "/api/access/tokens", { token: OPERATOR, body: { kernel_id } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body as { token: string; access_token: { token_id: string } };
  };
  /** What a refusal must not change: kernels, snapshots, actions, tokens. */
  const state = async () => ({
    kernels: services.rest.kernels().map(({ time_in_status: _, ...k }) => k),
    snapshots: await services.health.snapshots({ limit: 1000 }),
    actions: await services.actions.list({ limit: 1000 }),
    tokens: await services.accessTokens.list(),
  });
  return { ...services, call, issue, state };
}

describe("kernel-scoped tokens", () => {
  it("are minted by an operator alone, listed without their secret, and revoked into a 401", async () => {
    const { call, issue } = await accessApp();
    for (const token of [undefined, VIEWER, KERNEL]) {
      const refused = await call("POST", "/api/access/tokens", { token, body: { kernel_id: "apollo_1" } });
      expect(refused.status, String(token)).toBe(token ? 403 : 401);
      expect(refused.body).toMatchObject({ status: "error", code: token ? "forbidden" : "unauthorized" });
    }
    expect((await call("GET", "/api/access/tokens", { token: KERNEL })).status).toBe(403);

    const { token, access_token } = await call("POST", "/api/access/tokens", {
      token: OPERATOR,
      body: { kernel_id: "apollo_1" },
      headers: { "x-autonomic-actor": "ada" },
    }).then((r) => r.body);
    const listed = await call("GET", "/api/access/tokens", { token: OPERATOR });
    expect(listed.body).toMatchObject({
      status: "ok",
      count: 1,
      tokens: [
        { token_id: access_token.token_id, kernel_id: "apollo_1", created_by: "user:ada", revoked_at: null },
      ],
    });
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect(JSON.stringify(listed.body)).not.toContain("token_hash");

    const registered = { kernel_id: "apollo_1", kernel_name: "Apollo" };
    expect((await call("POST", "/api/rest/kernels", { token, body: registered })).status).toBe(201);
    const revoked = await call("DELETE", `/api/access/tokens/${access_token.token_id}`, { token: OPERATOR });
    expect(revoked.body.access_token).toMatchObject({
      revoked_by: "user:operator",
      revoked_at: expect.any(String),
    });
    const after = await call("POST", "/api/rest/fatigue/apollo_1", { token, body: TIRED });
    expect(after.status).toBe(401);
    expect((await call("GET", "/api/rest/kernels", { token })).status).toBe(401);

    const other = await issue("athena_1");
    expect(other.access_token.token_id).not.toBe(access_token.token_id);
    expect(
      (await call("DELETE", "/api/access/tokens/tok_0000000000000000", { token: OPERATOR })).status,
    ).toBe(404);
    const bad = await call("POST", "/api/access/tokens", { token: OPERATOR, body: { kernel_id: "a b" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^kernel_id: /);
  });

  it("act for their own kernel: register it, report, ask for and end its rest, answer its actions", async () => {
    const { call, issue, actions } = await accessApp();
    const apollo = (await issue("apollo_1")).token;
    const athena = (await issue("athena_1")).token;
    for (const [kernel_id, kernel_name, token] of [
      ["apollo_1", "Apollo", apollo],
      ["athena_1", "Athena", athena],
    ] as const)
      expect(
        (await call("POST", "/api/rest/kernels", { token, body: { kernel_id, kernel_name } })).status,
      ).toBe(201);

    const snapshot = { kernel_id: "apollo_1", phi: 0.75, kappa_eff: 64.21 };
    expect((await call("POST", "/api/self-healing/snapshot", { token: apollo, body: snapshot })).status).toBe(
      200,
    );
    const batch = { snapshots: [snapshot, snapshot] };
    expect((await call("POST", "/api/self-healing/snapshots", { token: apollo, body: batch })).status).toBe(
      200,
    );
    expect((await call("POST", "/api/rest/fatigue/apollo_1", { token: apollo, body: TIRED })).status).toBe(
      200,
    );
    const rest = await call("POST", "/api/rest/request/apollo_1", { token: apollo, body: {} });
    expect(rest.body).toMatchObject({ approved: true, covering_partner: "athena_1" });
    expect((await call("POST", "/api/rest/end/apollo_1", { token: apollo })).status).toBe(200);
    const action = await actions.dispatch({ kernel_id: "apollo_1", type: "disable_cache" });
    const answered = await call("POST", `/api/self-healing/actions/${action.action_id}/result`, {
      token: apollo,
      body: { ok: true },
    });
    expect(answered.body.action.status).toBe("succeeded");
  });

  it("cannot act for another kernel: every kernel write is a 403 that changes nothing", async () => {
    const { call, issue, actions, state } = await accessApp();
    const operator = { token: OPERATOR };
    for (const [kernel_id, kernel_name] of [
      ["apollo_1", "Apollo"],
      ["athena_1", "Athena"],
    ])
      await call("POST", "/api/rest/kernels", { ...operator, body: { kernel_id, kernel_name } });
    await call("POST", "/api/rest/fatigue/athena_1", { ...operator, body: TIRED });
    await call("POST", "/api/rest/request/athena_1", { ...operator, body: {} });
    const athenasAction = await actions.dispatch({ kernel_id: "athena_1", type: "disable_cache" });
    const apollo = (await issue("apollo_1")).token;
    const before = await state();

    const mine = { kernel_id: "apollo_1", phi: 0.75, kappa_eff: 64.21 };
    const attempts: [string, string, unknown][] = [
      ["POST", "/api/rest/kernels", { kernel_id: "hermes_1", kernel_name: "Hermes" }],
      ["POST", "/api/rest/fatigue/athena_1", TIRED],
      ["POST", "/api/rest/request/athena_1", {}],
      ["POST", "/api/rest/end/athena_1", undefined],
      ["POST", "/api/self-healing/snapshot", { ...mine, kernel_id: "athena_1" }],
      // Without kernel_id a snapshot is the "default" kernel's.
      ["POST", "/api/self-healing/snapshot", { phi: 0.75, kappa_eff: 64.21 }],
      ["POST", "/api/self-healing/snapshots", { snapshots: [mine, { ...mine, kernel_id: "athena_1" }] }],
      ["POST", "/api/self-healing/baseline", { kernel_id: "athena_1", basin_coords: [1, 1, 1, 1] }],
      ["POST", `/api/self-healing/actions/${athenasAction.action_id}/result`, { ok: true }],
    ];
    for (const [method, path, body] of attempts) {
      const reply = await call(method, path, { token: apollo, body });
      expect(reply.status, `${path} ${JSON.stringify(body)}`).toBe(403);
      expect(reply.body.code, path).toBe("forbidden_kernel");
      expect(reply.body.error, path).toMatch(/kernel apollo_1 only/);
    }
    expect(await state()).toEqual(before);
  });

  it("leave the shared kernel token off when access.kernelScoped says so", async () => {
    const { call, issue } = await accessApp({ access: { kernelScoped: true } });
    const register = (token: string) =>
      call("POST", "/api/rest/kernels", { token, body: { kernel_id: "apollo_1", kernel_name: "Apollo" } });

    const shared = await register(KERNEL);
    expect(shared.status).toBe(401);
    expect(shared.body.error).toMatch(/access\.kernelScoped/);
    expect((await register((await issue("apollo_1")).token)).status).toBe(201);
  });
});

describe("reads with tokens configured", () => {
  it("need a token (viewer, kernel-scoped, kernel or operator), but scheduler health, the OpenAPI document and the page stay open", async () => {
    const { call, issue } = await accessApp();
    const scoped = (await issue("apollo_1")).token;
    const reads = [
      "/api/rest/kernels",
      "/api/rest/status",
      "/api/self-healing/patches",
      "/api/self-healing/actions",
      "/api/self-healing/snapshots",
      "/api/dashboard/config",
      "/api/access/me",
      "/%61pi/rest/kernels",
      "/metrics",
    ];
    for (const path of reads) {
      const refused = await call("GET", path);
      expect(refused.status, path).toBe(401);
      expect((await call("GET", path, { token: "made-up-token-0123456789" })).status, path).toBe(401);
      for (const token of [VIEWER, scoped, KERNEL, OPERATOR])
        expect((await call("GET", path, { token })).status, `${path} ${token}`).toBe(200);
    }
    expect((await call("HEAD", "/api/rest/kernels")).status).toBe(401);
    for (const open of ["/api/rest/health", "/openapi.json", "/"])
      expect((await call("GET", open)).status, open).not.toBe(401);
  });

  it("leave /metrics open when access.metricsPublic says so", async () => {
    const { call } = await accessApp({ access: { metricsPublic: true } });
    expect((await call("GET", "/metrics")).status).toBe(200);
    expect((await call("GET", "/api/rest/kernels")).status).toBe(401);
  });

  it("are all a viewer token may do", async () => {
    const { call, state } = await accessApp();
    const before = await state();
    for (const [path, body] of [
      ["/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" }],
      ["/api/self-healing/snapshot", { kernel_id: "apollo_1", phi: 0.75, kappa_eff: 64.21 }],
      ["/api/self-healing/stop", {}],
    ] as const) {
      const reply = await call("POST", path, { token: VIEWER, body });
      expect(reply.status, path).toBe(403);
      expect(reply.body.error, path).toMatch(/viewer token may only read/);
    }
    expect(await state()).toEqual(before);
    expect((await call("GET", "/api/access/me", { token: VIEWER })).body.access).toEqual({
      tokens_required: true,
      role: "viewer",
      kernel_id: null,
    });
  });
});

describe("the person acting", () => {
  it("is recorded as user:<name> whatever the header says, so no header can act as the system", async () => {
    const { call, healing } = await accessApp();
    const operator = (actor: string) => ({ token: OPERATOR, headers: { "x-autonomic-actor": actor } });
    const events: unknown[] = [];
    healing.events.subscribe((e) => events.push(e));

    await call("POST", "/api/self-healing/stop", { ...operator("system"), body: {} });
    await call("POST", "/api/self-healing/phase/advance", {
      ...operator("system"),
      body: { force: true, reason: "r" },
    });

    const history = (await call("GET", "/api/self-healing/phase", { token: OPERATOR })).body.phase.history;
    expect(history.map((h: { actor: string }) => h.actor)).toEqual(["user:system"]);
    expect(events).toEqual([
      expect.objectContaining({ type: "healing_loop", actor: "user:system" }),
      expect.objectContaining({ type: "phase_changed", actor: "user:system" }),
    ]);
  });
});

describe("browsers from an allowed origin", () => {
  it("get CORS answers, a preflight included, while other origins are refused before any route runs", async () => {
    const { call, state } = await accessApp({ access: { allowedOrigins: ["https://ops.example"] } });
    const before = await state();

    const preflight = await app?.inject({
      method: "OPTIONS",
      url: "/api/rest/kernels",
      headers: {
        origin: "https://ops.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight?.statusCode).toBe(204);
    expect(preflight?.headers["access-control-allow-origin"]).toBe("https://ops.example");
    expect(preflight?.headers["access-control-allow-headers"]).toContain("authorization");
    const read = await app?.inject({
      method: "GET",
      url: "/api/rest/kernels",
      headers: { origin: "https://ops.example", authorization: `Bearer ${VIEWER}` },
    });
    expect(read?.statusCode).toBe(200);
    expect(read?.headers["access-control-allow-origin"]).toBe("https://ops.example");

    const foreign = await call("POST", "/api/rest/kernels", {
      token: OPERATOR,
      body: { kernel_id: "apollo_1", kernel_name: "Apollo" },
      headers: { origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ status: "error", code: "forbidden_origin" });
    expect(await state()).toEqual(before);
  });
});
