/**
 * Random bodies, paths and queries against every route of the real app on a real
 * (in-memory SQLite) store: nothing is ever a 500, and a refused request changes nothing.
 * The healing routes are fuzzed with a patch waiting for review in place, so approve and
 * reject see a real one as well as unknown ids; the cycle routes with votes that are mostly
 * well-typed, and with no cycle running, so an end is a 409 that must change nothing.
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { buildConfig } from "../../src/core/config.js";
import { buildApp } from "../../src/server/app.js";
import { ImpactService } from "../../src/services/impact-service.js";
import { openServices, type Services } from "../../src/services/open-services.js";
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
  ["GET", "/api/rest/quality"],
  ["GET", "/api/rest/cycles"],
  ["POST", "/api/rest/cycles/vote"],
  ["POST", "/api/rest/cycles/end"],
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
  ["POST", "/api/self-healing/heal"],
  ["POST", "/api/self-healing/start"],
  ["POST", "/api/self-healing/stop"],
  ["GET", "/api/self-healing/status"],
  ["GET", "/api/self-healing/patches"],
  ["GET", "/api/self-healing/patches/pat_fuzz"],
  ["POST", "/api/self-healing/patches/pat_fuzz/approve"],
  ["POST", "/api/self-healing/patches/pat_fuzz/reject"],
  ["POST", "/api/self-healing/patches/pat_unknown/approve"],
  ["POST", "/api/self-healing/patches/pat_unknown/reject"],
  ["POST", "/api/self-healing/evaluate-patch"],
  ["GET", "/api/self-healing/phase"],
  ["POST", "/api/self-healing/phase/advance"],
  ["GET", "/api/self-healing/alerts"],
  ["GET", "/api/dashboard/config"],
  ["GET", "/api/dashboard/fatigue"],
  ["GET", "/api/self-healing/calibration"],
  ["GET", "/api/report"],
];

let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  const logger = pino({ level: "silent" });
  const clock = new ManualClock(T0);
  const config = buildConfig();
  store = await openStore(":memory:");
  // act_fuzz first (the action the fuzzed answers aim at), then fresh ids for healing's own.
  let actionCount = 0;
  const services = await openServices({
    config,
    store,
    clock,
    logger,
    registry: usersRegistry(),
    runId: await store.recordServerStart(clock.now()),
    ids: {
      action: () => (++actionCount === 1 ? "act_fuzz" : `act_fuzz_${actionCount}`),
      patch: () => "pat_fuzz",
    },
  });
  const impact = new ImpactService({ store, config, clock, restEvents: services.rest.events });
  app = await buildApp({
    ...services,
    healingRecords: store,
    fatigueHistory: store,
    config,
    logger,
    impact,
    clock,
  });
  const { actions, health, healing } = services;
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
  await pendingReviewPatch({ healing, actions, health });
});

/** Phase 3 (forced), and pat_fuzz on athena_1 waiting for review after its sandbox run. */
async function pendingReviewPatch({
  healing,
  actions,
  health,
}: Pick<Services, "healing" | "actions" | "health">) {
  for (let i = 0; i < 12; i++)
    await health.ingest({ kernel_id: "athena_1", phi: 0.75, kappa_eff: 64.21, avg_latency_ms: 3500 });
  await healing.advancePhase({ force: true, reason: "fuzzing", actor: "fuzz" });
  await healing.advancePhase({ force: true, reason: "fuzzing", actor: "fuzz" });
  const evaluated = healing.evaluatePatch(
    { kernel_id: "athena_1", type: "enable_cache", params: { entries: 100 } },
    "fuzz",
  );
  const [sandbox] = await waitFor(() => actions.pendingFor("athena_1"));
  await actions.recordResult(sandbox?.action_id as string, {
    ok: true,
    predicted: { phi: 0.75, kappa_eff: 64.21, avg_latency: 200 },
  });
  expect((await evaluated).state).toBe("pending_review");
}

async function waitFor<T>(read: () => T[]): Promise<T[]> {
  for (let i = 0; i < 200; i++) {
    const found = read();
    if (found.length > 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("nothing appeared");
}

afterAll(async () => {
  await app?.close();
  await store?.close();
});

/** Everything a refused request must leave as it was. */
async function snapshotOfState() {
  const read = async (url: string) => (await app.inject({ method: "GET", url })).json();
  return {
    kernels: (await read("/api/rest/kernels")).kernels,
    history: (await read("/api/self-healing/snapshots?limit=1000")).snapshots.length,
    actions: (await read("/api/self-healing/actions")).actions,
    status: (await read("/api/self-healing/status")).status,
    phase: (await read("/api/self-healing/phase")).phase,
    patches: (await read("/api/self-healing/patches")).patches,
    alerts: (await read("/api/self-healing/alerts")).alerts,
    cycles: (await read("/api/rest/cycles?limit=1000")).cycles,
    votes: (await read("/api/rest/cycles")).votes,
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
    "reason",
    "not_needed",
    "type",
    "params",
    "voter",
    "cycle_type",
    "vote",
    "reasoning",
    "context",
  ),
  jsonValue,
);
/** Votes that are mostly well-typed, so the vote route reaches the service and its checks. */
const voteBodies = fc.record(
  {
    voter: fc.constantFrom("Heart", "ocean", "Zeus", ""),
    cycle_type: fc.constantFrom("sleep", "DREAM", "mushroom", "nap"),
    vote: fc.oneof(fc.boolean(), fc.constant("yes")),
    reasoning: fc.oneof(fc.string({ maxLength: 30 }), fc.constant("   ")),
  },
  { requiredKeys: [] },
);
/**
 * Well-typed healing options, so approve, reject, advance and evaluate-patch reach the
 * service. No evaluate-patch body here is valid (its sandbox run would wait for an answer
 * the manual clock never times out), but each fails deeper than the schema.
 */
const healingOptions = fc.oneof(
  fc.record(
    {
      reason: fc.oneof(fc.string({ maxLength: 30 }), fc.constant("   ")),
      not_needed: fc.boolean(),
      force: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      kernel_id: fc.constantFrom("athena_1", "nobody"),
      type: fc.constantFrom("enable_cache", "toString", "reboot"),
      params: fc.constantFrom({}, { entries: -1 }, { entries: "many" }, { factor: 2 }),
    },
    { requiredKeys: [] },
  ),
);
/** Mostly a valid operator name, sometimes anything. */
const actorHeader = fc.option(
  fc.oneof(
    { arbitrary: fc.constantFrom("ada", "ops.bot@example.org"), weight: 3 },
    { arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 70 }), weight: 1 },
  ),
  { nil: undefined },
);
const body = fc.oneof(
  jsonValue,
  fieldy,
  { arbitrary: healingOptions, weight: 2 },
  voteBodies,
  fc.string().map((s) => ({ raw: s })),
);

describe("HTTP input fuzzing", () => {
  it("never answers 500, and a 4xx changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        body,
        fc.string({ maxLength: 20 }),
        actorHeader,
        async ([method, url], payload, query, actor) => {
          const before = await snapshotOfState();
          const raw = typeof payload === "object" && payload !== null && "raw" in payload;
          const response = await app.inject({
            method,
            url: method === "GET" ? `${url}?${encodeURI(query)}` : url,
            headers: {
              "content-type": "application/json",
              ...(actor === undefined ? {} : { "x-autonomic-actor": actor }),
            },
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
