/**
 * Random bodies, paths and queries against every route of the real app on a real
 * (in-memory SQLite) store: nothing is ever a 500, and a refused request changes nothing.
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { buildConfig } from "../../src/core/config.js";
import { buildApp } from "../../src/server/app.js";
import { ActionService } from "../../src/services/action-service.js";
import { HealthService } from "../../src/services/health-service.js";
import { RestService } from "../../src/services/rest-service.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store-types.js";
import { T0, usersRegistry } from "../support/rest-fixture.js";

const ROUTES: ["GET" | "POST", string][] = [
  ["POST", "/api/rest/kernels"],
  ["POST", "/api/rest/fatigue/apollo_1"],
  ["POST", "/api/rest/request/apollo_1"],
  ["POST", "/api/rest/end/apollo_1"],
  ["GET", "/api/rest/status/apollo_1"],
  ["GET", "/api/rest/partners/apollo_1"],
  ["POST", "/api/self-healing/snapshot"],
  ["POST", "/api/self-healing/snapshots"],
  ["POST", "/api/self-healing/baseline"],
  ["GET", "/api/self-healing/health"],
  ["GET", "/api/self-healing/degradation"],
  ["GET", "/api/self-healing/trends"],
  ["GET", "/api/self-healing/snapshots"],
  ["POST", "/api/self-healing/actions/act_fuzz/result"],
  ["POST", "/api/self-healing/actions/act_unknown/result"],
  ["GET", "/api/self-healing/actions"],
  ["GET", "/api/self-healing/actions/act_fuzz"],
];

let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  const logger = pino({ level: "silent" });
  const clock = new ManualClock(T0);
  const config = buildConfig();
  store = await openStore(":memory:");
  const actions = await ActionService.open({ store, clock, logger, config, newActionId: () => "act_fuzz" });
  const rest = await RestService.open({
    registry: usersRegistry(),
    config,
    store,
    clock,
    logger,
    pendingActions: (id) => actions.pendingFor(id),
  });
  const health = await HealthService.open({
    config,
    store,
    clock,
    logger,
    directiveFor: (id) => rest.directive(id),
  });
  app = await buildApp({ rest, health, actions, config, logger });
  await actions.dispatch({ kernel_id: "apollo_1", type: "enable_cache", params: { entries: 100 } });
  for (const [id, name] of [
    ["apollo_1", "Apollo"],
    ["athena_1", "Athena"],
  ]) {
    await app.inject({
      method: "POST",
      url: "/api/rest/kernels",
      payload: { kernel_id: id, kernel_name: name },
    });
  }
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

/** Everything a refused request must leave as it was. */
async function snapshotOfState() {
  const kernels = await app.inject({ method: "GET", url: "/api/rest/kernels" });
  const history = await app.inject({ method: "GET", url: "/api/self-healing/snapshots?limit=1000" });
  const actions = await app.inject({ method: "GET", url: "/api/self-healing/actions" });
  return {
    kernels: kernels.json().kernels,
    history: history.json().snapshots.length,
    actions: actions.json().actions,
  };
}

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const fieldy = fc.dictionary(
  fc.constantFrom(
    "kernel_id",
    "kernel_name",
    "phi",
    "kappa",
    "kappa_eff",
    "load",
    "error_rate",
    "force",
    "snapshots",
    "basin_coords",
    "mentor",
    "timestamp",
    "ok",
    "error",
    "predicted",
  ),
  jsonValue,
);
const body = fc.oneof(
  jsonValue,
  fieldy,
  fc.string().map((s) => ({ raw: s })),
);

describe("HTTP input fuzzing", () => {
  it("never answers 500, and a 4xx changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        body,
        fc.string({ maxLength: 20 }),
        async ([method, url], payload, query) => {
          const before = await snapshotOfState();
          const raw = typeof payload === "object" && payload !== null && "raw" in payload;
          const response = await app.inject({
            method,
            url: method === "GET" ? `${url}?${encodeURI(query)}` : url,
            headers: { "content-type": "application/json" },
            payload:
              method === "POST"
                ? raw
                  ? String((payload as { raw: string }).raw)
                  : JSON.stringify(payload)
                : undefined,
          });
          expect(response.statusCode, `${method} ${url} ${response.body}`).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.json().error, response.body).toEqual(expect.any(String));
            expect(await snapshotOfState()).toEqual(before);
          }
        },
      ),
      { numRuns: 500 },
    );
  }, 120_000);
});
