/**
 * The dashboard's reads on the real app and an in-memory SQLite store: the config the charts
 * draw their threshold lines from, and a kernel's fatigue history.
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

let store: Store | undefined;
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  await store?.close();
  app = undefined;
  store = undefined;
});

async function dashboardApp(overrides: DeepPartial<AutonomicConfig> = {}) {
  const logger = pino({ level: "silent" });
  const clock = new ManualClock(T0);
  const config = buildConfig(overrides);
  store = await openStore(":memory:");
  const services = await openServices({ config, store, clock, logger, registry: usersRegistry() });
  app = await buildApp({ ...services, healingRecords: store, fatigueHistory: store, config, logger });
  const built = app;
  const get = async (url: string, token?: string) => {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    const reply = await built.inject({ method: "GET", url, headers });
    return { status: reply.statusCode, body: reply.json() };
  };
  return { ...services, clock, get };
}

describe("GET /api/dashboard/config", () => {
  it("gives the thresholds in the units the API reports, so half geometry halves the drift lines", async () => {
    const full = await dashboardApp();
    expect((await full.get("/api/dashboard/config")).body.config).toMatchObject({
      kappa_star: 64.21,
      kappa_deviation_warning: 10,
      phi: { avg_low_critical: 0.65, low_warning: 0.715, avg_high_critical: 0.85 },
      drift: { warning: 1.4, critical: 2, units: "full", mode: "fixed" },
      operator_token_required: false,
    });
    await app?.close();
    await store?.close();

    const half = await dashboardApp({ geometry: { distance: "half" }, health: { driftWarning: 1.2 } });
    expect((await half.get("/api/dashboard/config")).body.config.drift).toEqual({
      warning: 0.6,
      critical: 1,
      units: "half",
      mode: "fixed",
    });
  });

  it("says whether approving needs an operator token", async () => {
    const { get } = await dashboardApp({
      access: { kernelToken: "kernel-token-0123456789", operatorToken: "operator-token-0123456789" },
    });
    expect((await get("/api/dashboard/config")).status).toBe(401);
    expect(
      (await get("/api/dashboard/config", "kernel-token-0123456789")).body.config.operator_token_required,
    ).toBe(true);
  });

  it("refuses options it does not take, naming them", async () => {
    const { get } = await dashboardApp();
    const reply = await get("/api/dashboard/config?verbose=1");
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ status: "error", error: expect.stringMatching(/^verbose: /) });
  });
});

describe("GET /api/dashboard/fatigue", () => {
  it("lists a kernel's fatigue reports newest first with the rest threshold in force, and only that kernel's", async () => {
    const { rest, clock, get } = await dashboardApp();
    await rest.register("apollo_1", "Apollo");
    await rest.register("athena_1", "Athena");
    for (const phi of [0.7, 0.5, 0.3]) {
      await rest.reportFatigue("apollo_1", { phi, kappa: 64.21, load: 0.2 });
      clock.advanceSeconds(60);
    }
    await rest.reportFatigue("athena_1", { phi: 0.9, kappa: 64.21 });

    const reply = await get("/api/dashboard/fatigue?kernel_id=apollo_1");
    expect(reply.status).toBe(200);
    expect(reply.body.kernel_id).toBe("apollo_1");
    expect(reply.body.rest_threshold).toBe(rest.status("apollo_1").rest_threshold);
    expect(reply.body.fatigue.map((r: { phi: number }) => r.phi)).toEqual([0.3, 0.5, 0.7]);
    expect(reply.body.fatigue[0]).toEqual({
      timestamp: new Date(T0 + 120_000).toISOString(),
      fatigue: expect.any(Number),
      phi: 0.3,
      kappa: 64.21,
      load: 0.2,
      error_rate: 0,
    });
    // Lower Φ, more fatigue: the history is the scores the scheduler computed.
    const scores = reply.body.fatigue.map((r: { fatigue: number }) => r.fatigue);
    expect(scores[0]).toBeGreaterThan(scores[2]);

    const newest = await get("/api/dashboard/fatigue?kernel_id=apollo_1&limit=2");
    expect(newest.body.fatigue.map((r: { phi: number }) => r.phi)).toEqual([0.3, 0.5]);
  });

  it("gives an empty history for a registered kernel that has not reported", async () => {
    const { rest, get } = await dashboardApp();
    await rest.register("hermes_1", "Hermes");
    expect((await get("/api/dashboard/fatigue?kernel_id=hermes_1")).body.fatigue).toEqual([]);
  });

  it("is a 404 for a kernel the rest scheduler does not know", async () => {
    const { get } = await dashboardApp();
    const reply = await get("/api/dashboard/fatigue?kernel_id=nobody_1");
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ status: "error", code: "unknown_kernel" });
  });

  it.each([
    ["", "kernel_id"],
    ["?kernel_id=", "kernel_id"],
    ["?kernel_id=a%20b", "kernel_id"],
    ["?kernel_id=apollo_1&limit=0", "limit"],
    ["?kernel_id=apollo_1&limit=1001", "limit"],
    ["?kernel_id=apollo_1&limit=ten", "limit"],
    ["?kernel_id=apollo_1&since=0", "since"],
  ])("refuses the query %j with a 400 naming %s", async (query, field) => {
    const { rest, get } = await dashboardApp();
    await rest.register("apollo_1", "Apollo");
    const reply = await get(`/api/dashboard/fatigue${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      status: "error",
      error: expect.stringMatching(new RegExp(`^${field}: `)),
    });
  });
});
