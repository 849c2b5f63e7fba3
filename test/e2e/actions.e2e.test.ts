/**
 * Remediation actions over HTTP against the in-process server (real HTTP on loopback, a
 * fresh store on each backend, a manual clock): an action dispatched by the control plane
 * rides in every directive to its kernel until answered (SPEC §6 "Directives"), an answer is
 * stored once, refusals are 400/404/409 that change nothing, and an unanswered action times out.
 */
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { type AutonomicConfig, buildConfig, type DeepPartial } from "../../src/core/config.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 60_000;
const T0 = Date.UTC(2026, 10, 22);
const KERNEL_TOKEN = "kernel-token-0123456789";
const OPERATOR_TOKEN = "operator-token-0123456789";

const stores = storeLocations("autonomic-actions-e2e-");
const running = new Set<RunningServer>();

afterEach(async () => {
  await Promise.all([...running].map((s) => s.close()));
  running.clear();
});
afterAll(() => stores.cleanup());

async function serve(backend: string, overrides: DeepPartial<AutonomicConfig> = {}) {
  const clock = new ManualClock(T0);
  const config = buildConfig(
    { server: { port: 0, logLevel: "silent" }, store: { location: await stores.fresh(backend) } },
    overrides,
  );
  const server = await startServer(config, { clock, logger: pino({ level: "silent" }) });
  running.add(server);
  return { server, clock };
}

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  body: any;
}

async function post(server: RunningServer, path: string, body?: unknown, token?: string): Promise<Reply> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function get(server: RunningServer, path: string): Promise<Reply> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: await response.json() };
}

const answer = (server: RunningServer, id: string, body: unknown, token?: string) =>
  post(server, `/api/self-healing/actions/${id}/result`, body, token);

/** The actions of apollo_1's directives in a snapshot reply and a fatigue reply. */
async function directiveActions(server: RunningServer) {
  const snapshot = await post(server, "/api/self-healing/snapshot", {
    kernel_id: "apollo_1",
    phi: 0.78,
    kappa_eff: 64,
  });
  const fatigue = await post(server, "/api/rest/fatigue/apollo_1", { phi: 0.78, kappa: 64 });
  expect(snapshot.status, JSON.stringify(snapshot.body)).toBe(200);
  expect(fatigue.status, JSON.stringify(fatigue.body)).toBe(200);
  return { snapshot: snapshot.body.directive.actions, fatigue: fatigue.body.directive.actions };
}

for (const backend of ["sqlite", "postgres"]) {
  describe(`remediation actions on ${backend}`, () => {
    it(
      "delivers an action in every directive until answered, then refuses a second answer",
      async () => {
        const { server } = await serve(backend);
        expect(
          (await post(server, "/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" })).status,
        ).toBe(201);
        const action = await server.actions.dispatch({
          kernel_id: "apollo_1",
          type: "integration_boost",
          params: { factor: 1.2 },
          dry_run: true,
          patch_id: "patch_1",
        });
        const wire = {
          action_id: action.action_id,
          patch_id: "patch_1",
          type: "integration_boost",
          params: { factor: 1.2 },
          dry_run: true,
        };
        expect(action.action_id).toMatch(/^act_[0-9a-f-]{36}$/);
        // Delivered at least once: both report routes, again and again, and in a batch's directives.
        expect(await directiveActions(server)).toEqual({ snapshot: [wire], fatigue: [wire] });
        expect(await directiveActions(server)).toEqual({ snapshot: [wire], fatigue: [wire] });
        const batch = await post(server, "/api/self-healing/snapshots", {
          snapshots: [
            { kernel_id: "apollo_1", phi: 0.78, kappa_eff: 64 },
            { kernel_id: "athena_1", phi: 0.78, kappa_eff: 64 },
          ],
        });
        expect(batch.body.directives.apollo_1.actions).toEqual([wire]);
        expect(batch.body.directives.athena_1.actions).toEqual([]);

        // Bad bodies are 400s naming the field, and change nothing.
        const path = `/api/self-healing/actions/${action.action_id}`;
        const stored = (await get(server, path)).body;
        for (const [body, field] of [
          [{ ok: "yes" }, "ok"],
          [{ ok: true, predicted: { phi: 1.5, kappa_eff: 64 } }, "predicted.phi"],
          [{ ok: true, detail: "x" }, "detail"],
          [undefined, "body"],
        ] as const) {
          const refused = await answer(server, action.action_id, body);
          expect(refused.status, JSON.stringify(body)).toBe(400);
          expect(refused.body).toEqual({
            success: false,
            error: expect.stringMatching(new RegExp(`^${field.replace(".", "\\.")}:`)),
            code: "invalid_input",
          });
        }
        expect((await get(server, path)).body).toEqual(stored);
        expect(stored.action.status).toBe("pending");

        const predicted = {
          phi: 0.8,
          kappa_eff: 64,
          basin_coords: [0.5, 0.5],
          error_rate: 0.01,
          avg_latency: 90,
        };
        const ok = await answer(server, action.action_id, { ok: true, predicted });
        expect(ok.status).toBe(200);
        const iso = (ms: number) => new Date(ms).toISOString();
        expect(ok.body).toEqual({
          success: true,
          action: {
            ...action,
            // Instants leave the server as ISO 8601.
            created_at: iso(action.created_at),
            deadline_at: iso(action.deadline_at),
            status: "succeeded",
            answered_at: iso(T0),
            result: { ok: true, predicted },
          },
          warnings: [],
        });
        expect(await directiveActions(server)).toEqual({ snapshot: [], fatigue: [] });
        expect((await get(server, path)).body).toEqual({ success: true, action: ok.body.action });
        expect((await server.store.getAction(action.action_id))?.status).toBe("succeeded");

        const again = await answer(server, action.action_id, { ok: false, error: "second thoughts" });
        expect(again.status).toBe(409);
        expect(again.body).toEqual({
          success: false,
          error: expect.any(String),
          code: "action_already_answered",
        });
        expect((await get(server, path)).body).toEqual({ success: true, action: ok.body.action });

        const unknown = await answer(server, "act_never_sent", { ok: true });
        expect(unknown.status).toBe(404);
        expect(unknown.body).toEqual({
          success: false,
          error: expect.stringContaining("act_never_sent"),
          code: "unknown_action",
        });
        expect((await get(server, "/api/self-healing/actions?kernel_id=apollo_1")).body.actions).toEqual([
          ok.body.action,
        ]);
      },
      SLOW,
    );

    it(
      "times out an action nobody answers: out of the directives, failed, and a late answer is a 409",
      async () => {
        const { server, clock } = await serve(backend, { healing: { actionTimeoutSeconds: 30 } });
        const action = await server.actions.dispatch({ kernel_id: "apollo_1", type: "recycle" });
        const outcome = server.actions.waitForOutcome(action.action_id);
        expect(action.deadline_at).toBe(T0 + 30_000);
        const snapshot = () =>
          post(server, "/api/self-healing/snapshot", { kernel_id: "apollo_1", phi: 0.78, kappa_eff: 64 });
        expect(
          (await snapshot()).body.directive.actions.map((a: { action_id: string }) => a.action_id),
        ).toEqual([action.action_id]);

        clock.advanceSeconds(30);
        expect((await snapshot()).body.directive.actions).toEqual([]);
        await server.runner.fire("action-timeouts");
        expect(await outcome).toMatchObject({
          action_id: action.action_id,
          status: "timed_out",
          answered_at: T0 + 30_000,
          result: { ok: false, error: "no answer within 30 s" },
        });
        const late = await answer(server, action.action_id, { ok: true });
        expect(late.status).toBe(409);
        expect(late.body.code).toBe("action_timed_out");
        expect((await get(server, `/api/self-healing/actions/${action.action_id}`)).body.action.status).toBe(
          "timed_out",
        );
      },
      SLOW,
    );
  });
}

describe("remediation actions with tokens", () => {
  it("takes an answer with a kernel token and refuses one without, changing nothing", async () => {
    const { server } = await serve("sqlite", {
      access: { kernelToken: KERNEL_TOKEN, operatorToken: OPERATOR_TOKEN },
    });
    const action = await server.actions.dispatch({ kernel_id: "apollo_1", type: "disable_cache" });
    const anonymous = await answer(server, action.action_id, { ok: true });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.success).toBe(false);
    expect(server.actions.get(action.action_id)?.status).toBe("pending");
    const kernel = await answer(server, action.action_id, { ok: true }, KERNEL_TOKEN);
    expect(kernel.status).toBe(200);
    expect(kernel.body.action.status).toBe("succeeded");
  });
});
