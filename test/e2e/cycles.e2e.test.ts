/**
 * Constellation cycles over HTTP on a real server and store, SQLite and PostgreSQL: Heart and
 * Ocean cast their votes through the API, one consensus run (the server's "consensus" job,
 * fired by the test) starts SLEEP only when both say yes, every essential kernel goes REDUCED
 * and the others RESTING, and the cycle is recorded with both votes and their reasons and
 * streamed on /api/events. Bad input is a 400 naming the field, votes and ends need the
 * operator token, and refused writes change nothing. Also rest quality and rest context.
 * The server runs on a manual clock, so every time below is exact.
 */
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { buildConfig } from "../../src/core/config.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { storeLocations } from "../support/store-locations.js";

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const KERNEL_TOKEN = "kernel-token-0123456789";
const OPERATOR_TOKEN = "operator-token-0123456789";
/** Reads need a token when tokens are configured: the viewer's, unless a test says otherwise. */
const VIEWER_TOKEN = "viewer-token-0123456789";
/** Three essential gods (Heart, Ocean, Hermes) and two specialised ones. */
const KERNELS = [
  ["apollo_1", "Apollo"],
  ["athena_1", "Athena"],
  ["heart_1", "Heart"],
  ["hermes_1", "Hermes"],
  ["ocean_1", "Ocean"],
] as const;

const stores = storeLocations("autonomic-cycles-e2e-");
afterAll(() => stores.cleanup());

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  body: any;
}

async function serve(backend: string) {
  const clock = new ManualClock(T0);
  const config = buildConfig({
    server: { port: 0, logLevel: "silent" },
    store: { location: await stores.fresh(backend) },
    access: { kernelToken: KERNEL_TOKEN, operatorToken: OPERATOR_TOKEN, viewerToken: VIEWER_TOKEN },
    // The test fires each consensus run itself.
    cycles: { consensusIntervalSeconds: 3600 },
  });
  const server = await startServer(config, { clock, logger: pino({ level: "silent" }) });
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token = method === "GET" ? VIEWER_TOKEN : undefined,
  ): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text.startsWith("{") ? JSON.parse(text) : text };
  };
  for (const [kernel_id, kernel_name] of KERNELS)
    expect((await call("POST", "/api/rest/kernels", { kernel_id, kernel_name }, KERNEL_TOKEN)).status).toBe(
      201,
    );
  const vote = (voter: string, yes: boolean, reasoning: string) =>
    call(
      "POST",
      "/api/rest/cycles/vote",
      { voter, cycle_type: "sleep", vote: yes, reasoning },
      OPERATOR_TOKEN,
    );
  const consensus = () => server.runner.fire("consensus");
  const statuses = async () =>
    Object.fromEntries(
      (await call("GET", "/api/rest/kernels")).body.kernels.map(
        (k: { kernel_id: string; status: string }) => [k.kernel_id, k.status],
      ),
    );
  return { server, clock, call, vote, consensus, statuses };
}

/** Reads the event stream until an event of `last` type arrives; returns the events' types and data. */
async function eventsUntil(server: RunningServer, last: string, act: () => Promise<void>) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/api/events`, {
    signal: controller.signal,
    headers: { authorization: `Bearer ${VIEWER_TOKEN}` },
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  await act();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (!text.includes(`event: ${last}\n`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
  } finally {
    controller.abort();
  }
  return [...text.matchAll(/^event: (\S+)\ndata: (.*)$/gm)].map((m) => ({
    type: m[1] as string,
    data: JSON.parse(m[2] as string),
  }));
}

for (const backend of ["sqlite", "postgres"]) {
  describe(`constellation cycles over HTTP (${backend})`, () => {
    it("starts SLEEP on Heart's and Ocean's cast yes: essential kernels REDUCED, the others RESTING, recorded and streamed", async () => {
      const { server, clock, vote, consensus, call, statuses } = await serve(backend);
      try {
        const events = await eventsUntil(server, "cycle_started", async () => {
          const heart = await vote("heart", true, "the rhythm is exhausted");
          expect(heart.status).toBe(200);
          expect(heart.body.vote).toMatchObject({
            voter: "Heart",
            cycle_type: "sleep",
            vote: true,
            at: new Date(T0).toISOString(),
            expires_at: new Date(T0 + 600_000).toISOString(),
          });
          clock.advanceSeconds(1);
          expect((await vote("Ocean", true, "the shape has scattered")).status).toBe(200);
          clock.advanceSeconds(1);
          await consensus();
        });
        const types = events.map((e) => e.type);
        expect(types.slice(0, 2)).toEqual(["cycle_vote_cast", "cycle_vote_cast"]);
        expect(types.filter((t) => t === "rest_started")).toHaveLength(5);
        expect(types.slice(-2)).toEqual(["cycle_decision", "cycle_started"]);
        const started = events.at(-1)?.data;
        expect(started).toMatchObject({
          cycle_type: "sleep",
          planned_until: new Date(T0 + 2000 + 1800_000).toISOString(),
        });
        expect(started.votes.ocean).toMatchObject({ vote: true, source: "cast" });

        expect(await statuses()).toEqual({
          apollo_1: "resting",
          athena_1: "resting",
          heart_1: "reduced",
          hermes_1: "reduced",
          ocean_1: "reduced",
        });

        const cycles = (await call("GET", "/api/rest/cycles")).body;
        expect(cycles.active).toMatchObject({
          cycle_type: "sleep",
          started_at: new Date(T0 + 2000).toISOString(),
          kernels: KERNELS.map(([id]) => id),
        });
        expect(cycles.votes.map((v: { voter: string; reasoning: string }) => [v.voter, v.reasoning])).toEqual(
          [
            ["Heart", "the rhythm is exhausted"],
            ["Ocean", "the shape has scattered"],
          ],
        );
        expect(cycles.last_decision).toMatchObject({ cycle_type: "sleep", started: true });
        expect(cycles.cycles.map((r: { kind: string }) => r.kind)).toEqual([
          "cycle",
          "decision",
          "vote",
          "vote",
        ]);
        const [cycle] = cycles.cycles;
        expect(cycle).toMatchObject({
          cycle_type: "sleep",
          ended_at: null,
          reason: "SLEEP starts: Heart and Ocean both vote yes",
        });
        expect(cycle.detail.start.votes.heart.reasoning).toContain("the rhythm is exhausted");
        expect(cycle.detail.start.votes.ocean.reasoning).toContain("the shape has scattered");
        const onlyVotes = (await call("GET", "/api/rest/cycles?kind=vote&limit=1")).body.cycles;
        expect(onlyVotes).toMatchObject([{ kind: "vote", reason: "the shape has scattered" }]);

        const metrics = (await call("GET", "/metrics")).body as string;
        expect(metrics).toMatch(/^constellation_cycle_active\{cycle_type="sleep"\} 1$/m);
        expect(metrics).toMatch(/^constellation_cycle_active\{cycle_type="dream"\} 0$/m);

        clock.advanceSeconds(60);
        const ended = await call(
          "POST",
          "/api/rest/cycles/end",
          { reason: "the test is over" },
          OPERATOR_TOKEN,
        );
        expect(ended.status).toBe(200);
        expect(ended.body.ended).toMatchObject({
          by: "operator",
          duration_seconds: 60,
          woken: KERNELS.map(([id]) => id),
        });
        expect(Object.values(await statuses())).toEqual(["active", "active", "active", "active", "active"]);
        const again = await call("POST", "/api/rest/cycles/end", {}, OPERATOR_TOKEN);
        expect(again.status).toBe(409);
        expect(again.body).toMatchObject({ status: "error", code: "no_cycle" });
        const closed = (await call("GET", "/api/rest/cycles?kind=cycle")).body;
        expect(closed.active).toBeNull();
        expect(closed.cycles[0]).toMatchObject({ ended_at: new Date(T0 + 62_000).toISOString() });
        expect(closed.cycles[0].detail.end).toMatchObject({
          by: "operator",
          actor: "user:operator",
          reason: "SLEEP ends: the test is over",
        });
        expect(closed.cooldowns.sleep).toMatchObject({ remaining_seconds: 300 });
      } finally {
        await server.close();
      }
    });

    it("does not start a cycle on one yes: both must vote yes", async () => {
      const { server, vote, consensus, call, statuses } = await serve(backend);
      try {
        await vote("Heart", true, "tired");
        await consensus();
        expect(Object.values(await statuses())).toEqual(["active", "active", "active", "active", "active"]);
        const cycles = (await call("GET", "/api/rest/cycles")).body;
        expect(cycles.active).toBeNull();
        expect(cycles.last_decision).toMatchObject({ cycle_type: "sleep", started: false });
        expect(cycles.last_decision.reason).toContain("Ocean (telemetry) votes no");
        expect(cycles.cycles.map((r: { kind: string }) => r.kind)).toEqual(["decision", "vote"]);
      } finally {
        await server.close();
      }
    });

    it("answers bad input with a 400 naming the field, and writes nothing", async () => {
      const { server, call } = await serve(backend);
      try {
        const good = { voter: "Heart", cycle_type: "sleep", vote: true, reasoning: "why" };
        const bad: [string, unknown, string][] = [
          ["POST /api/rest/cycles/vote", { ...good, voter: "Zeus" }, "voter"],
          ["POST /api/rest/cycles/vote", { ...good, cycle_type: "nap" }, "cycle_type"],
          ["POST /api/rest/cycles/vote", { ...good, vote: "yes" }, "vote"],
          ["POST /api/rest/cycles/vote", { ...good, reasoning: " " }, "reasoning"],
          ["POST /api/rest/cycles/vote", { ...good, weight: 2 }, "weight"],
          ["POST /api/rest/cycles/end", { reason: 5 }, "reason"],
          ["GET /api/rest/cycles?kind=everything", undefined, "kind"],
          ["GET /api/rest/cycles?limit=0", undefined, "limit"],
          ["GET /api/rest/cycles?since=yesterday", undefined, "since"],
          ["GET /api/rest/quality?kernel_id=a%20b", undefined, "kernel_id"],
          ["POST /api/rest/request/apollo_1", { context: "x".repeat(64 * 1024) }, "context"],
        ];
        for (const [route, body, field] of bad) {
          const [method, path] = route.split(" ") as [string, string];
          const reply = await call(method, path, body, OPERATOR_TOKEN);
          expect(reply.status, `${route} ${JSON.stringify(reply.body)}`).toBe(400);
          expect(reply.body.error, route).toMatch(new RegExp(`^${field}: `));
        }
        const unknown = await call("GET", "/api/rest/quality?kernel_id=ghost_1");
        expect(unknown.status).toBe(404);
        const after = (await call("GET", "/api/rest/cycles")).body;
        expect(after.cycles).toEqual([]);
        expect(after.votes).toEqual([]);
        expect((await call("GET", "/api/rest/status/apollo_1")).body.kernel.status).toBe("active");
      } finally {
        await server.close();
      }
    });

    it("needs the operator token to vote or end a cycle: 401 without a token, 403 with a kernel's", async () => {
      const { server, call } = await serve(backend);
      try {
        const body = { voter: "Ocean", cycle_type: "sleep", vote: true, reasoning: "why" };
        for (const path of ["/api/rest/cycles/vote", "/api/rest/cycles/end"]) {
          expect((await call("POST", path, body)).status, path).toBe(401);
          expect((await call("POST", path, body, "not-a-token-at-all")).status, path).toBe(401);
          expect((await call("POST", path, body, KERNEL_TOKEN)).status, path).toBe(403);
        }
        expect((await call("GET", "/api/rest/cycles")).body.cycles).toEqual([]);
      } finally {
        await server.close();
      }
    });

    it("hands a rest's context to its coverer and reports rest quality per kernel and overall", async () => {
      const { server, clock, call } = await serve(backend);
      try {
        // Tired (≈ 0.51 > 0.45), so the rest is due and Athena covers.
        await call(
          "POST",
          "/api/rest/fatigue/apollo_1",
          { phi: 0.1, kappa: 10, load: 0.9, error_rate: 0.5 },
          KERNEL_TOKEN,
        );
        const requested = await call(
          "POST",
          "/api/rest/request/apollo_1",
          { context: { task: "ode", line: 12 } },
          KERNEL_TOKEN,
        );
        expect(requested.body).toMatchObject({
          approved: true,
          covering_partner: "athena_1",
          sharing_partner: null,
        });
        const coverer = await call(
          "POST",
          "/api/rest/fatigue/athena_1",
          { phi: 0.7, kappa: 64.21 },
          KERNEL_TOKEN,
        );
        expect(coverer.body.directive.rest).toMatchObject({
          covering_for: "apollo_1",
          covering_context: { task: "ode", line: 12 },
        });
        clock.advanceSeconds(120);
        await call("POST", "/api/rest/fatigue/apollo_1", { phi: 0.7, kappa: 64.21 }, KERNEL_TOKEN);
        expect((await call("POST", "/api/rest/end/apollo_1", undefined, KERNEL_TOKEN)).status).toBe(200);

        const all = (await call("GET", "/api/rest/quality")).body.quality;
        expect(all.overall).toMatchObject({ kernel_id: null, rests: 1, mean_duration_seconds: 120 });
        expect(all.kernels).toMatchObject([{ kernel_id: "apollo_1", rests: 1 }]);
        expect(all.overall.mean_fatigue_after).toBeLessThan(all.overall.mean_fatigue_at_rest);
        const one = (await call("GET", "/api/rest/quality?kernel_id=athena_1")).body.quality;
        expect(one.overall).toMatchObject({ rests: 0 });
      } finally {
        await server.close();
      }
    });
  });
}
