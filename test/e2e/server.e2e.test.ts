/**
 * The real server, as `autonomic serve` runs it, over HTTP against each backend: the rest
 * scheduler's routes with the original reply shapes (SPEC §6), bad input that changes
 * nothing, restarts after kill -9 and SIGTERM on the same database (SPEC §7), the event
 * stream, metrics and OpenAPI; then access control and start-up refusals (SQLite only).
 */

import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  runServeToExit,
  type ServerProcess,
  startServerProcess,
  stopAllServers,
} from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 60_000;

const stores = storeLocations("autonomic-e2e-");
const freshStore = stores.fresh;
const dir = stores.dir;
let fileCount = 0;

afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

function configFile(yaml: string): string {
  fileCount++;
  const path = join(dir, `config-${fileCount}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  body: any;
}

interface CallOptions {
  token?: string;
  /** Sent as is, with a JSON content type (for malformed JSON). */
  rawBody?: string;
}

async function call(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (options.rawBody !== undefined) payload = options.rawBody;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${server.url}${path}`, { method, headers, body: payload });
  return { status: response.status, body: parseReply(await response.text()) };
}

/** JSON when it parses; otherwise the text (metrics, or a reply that is not JSON, which an assertion then shows). */
function parseReply(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface PendingRequest {
  /** Sends the body and resolves with the reply. */
  send(): Promise<Reply>;
  /** Closes the client's connections. */
  close(): void;
}

/**
 * Opens a request with `Expect: 100-continue` and resolves once the server has answered
 * 100 Continue, i.e. it holds the request and waits for its body: a request surely in
 * flight, without guessing at timing.
 */
function startRequestAwaitingBody(
  server: ServerProcess,
  path: string,
  body: unknown,
  { keepAlive }: { keepAlive: boolean },
): Promise<PendingRequest> {
  const payload = JSON.stringify(body);
  const agent = new http.Agent({ keepAlive });
  return new Promise((started, failedToStart) => {
    const request = http.request(`${server.url}${path}`, {
      method: "POST",
      agent,
      headers: {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(payload)),
        expect: "100-continue",
        connection: keepAlive ? "keep-alive" : "close",
      },
    });
    const replied = new Promise<Reply>((resolve, reject) => {
      request.on("response", (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: parseReply(text) }));
        response.on("error", reject);
      });
      request.on("error", (error) => {
        reject(error);
        failedToStart(error);
      });
    });
    replied.catch(() => {}); // surfaced by send() or by failedToStart
    request.on("continue", () =>
      started({
        send: () => {
          request.end(payload);
          return replied;
        },
        close: () => agent.destroy(),
      }),
    );
    request.flushHeaders();
  });
}

const get = (server: ServerProcess, path: string) => call(server, "GET", path);
const post = (server: ServerProcess, path: string, body?: unknown, options?: CallOptions) =>
  call(server, "POST", path, body, options);

const register = (server: ServerProcess, kernelId: string, kernelName: string, token?: string) =>
  post(server, "/api/rest/kernels", { kernel_id: kernelId, kernel_name: kernelName }, { token });

/** Low Φ, κ far from κ*, high load and errors: fatigue ≈ 0.51, above the 0.45 of coordinated_alternating. */
const TIRED = { phi: 0.1, kappa: 10, load: 0.9, error_rate: 0.5 };

/** Every kernel's state and the constellation, minus time_in_status (it grows by itself). */
/** The rest state a refusal must not change; `token` when the server needs one to read. */
async function stateOf(server: ServerProcess, token?: string): Promise<unknown> {
  const kernels = await call(server, "GET", "/api/rest/kernels", undefined, { token });
  const constellation = await call(server, "GET", "/api/rest/status", undefined, { token });
  expect(kernels.status).toBe(200);
  return {
    kernels: kernels.body.kernels.map(({ time_in_status: _, ...k }: Record<string, unknown>) => k),
    constellation: constellation.body.constellation,
  };
}

const keys = (value: object) => Object.keys(value).sort();

/** The original's kernel fields, and beside them (marked) the ones WP5.4's next steps added. */
const KERNEL_KEYS = [
  "cover_share", // added
  "covered_also_by", // added
  "covered_by",
  "covering_for",
  "cycle", // added
  "fatigue_score",
  "is_resting",
  "kernel_id",
  "kernel_name",
  "predicted_seconds_to_threshold", // added
  "rest_count",
  "rest_policy",
  "rest_threshold", // added
  "status",
  "threshold_shift", // added
  "tier",
  "time_in_status",
  "total_rest_time",
];

/** Apollo resting, covered by Athena: the state most tests start from. */
async function restApolloCoveredByAthena(server: ServerProcess): Promise<void> {
  expect((await register(server, "apollo_1", "Apollo")).status).toBe(201);
  expect((await register(server, "athena_1", "Athena")).status).toBe(201);
  expect((await post(server, "/api/rest/fatigue/apollo_1", TIRED)).status).toBe(200);
  const granted = await post(server, "/api/rest/request/apollo_1", {});
  expect(granted.body).toMatchObject({ status: "ok", approved: true, covering_partner: "athena_1" });
}

/** Apollo, Athena and Heart, idempotently: the flow test may have registered some already. */
async function registerTrio(server: ServerProcess): Promise<void> {
  for (const [id, name] of [
    ["apollo_1", "Apollo"],
    ["athena_1", "Athena"],
    ["heart_1", "Heart"],
  ] as const) {
    expect([200, 201]).toContain((await register(server, id, name)).status);
  }
}

for (const backend of ["sqlite", "postgres"]) {
  describe(`the server on ${backend}`, () => {
    let server: ServerProcess;

    beforeAll(async () => {
      server = await startServerProcess({ db: await freshStore(backend) });
    }, SLOW);

    afterAll(() => {
      server?.kill("SIGKILL");
    });

    it(
      "registers, reports fatigue, grants a covered rest and ends it, with the original reply shapes",
      async () => {
        const health = await get(server, "/api/rest/health");
        expect(health.status).toBe(200);
        expect(keys(health.body)).toEqual(["kernel_count", "scheduler_available", "status"]);
        expect(health.body).toEqual({ status: "ok", scheduler_available: true, kernel_count: 0 });

        const apollo = await register(server, "apollo_1", "Apollo");
        expect(apollo.status).toBe(201);
        expect(apollo.body).toMatchObject({
          status: "ok",
          created: true,
          kernel: { kernel_id: "apollo_1", status: "active" },
        });
        expect((await register(server, "athena_1", "Athena")).status).toBe(201);
        const again = await register(server, "apollo_1", "Apollo");
        expect(again.status).toBe(200);
        expect(again.body.created).toBe(false);

        const report = await post(server, "/api/rest/fatigue/apollo_1", TIRED);
        expect(report.status).toBe(200);
        expect(keys(report.body)).toEqual(
          expect.arrayContaining(["directive", "fatigue_score", "reason", "should_rest", "status"]),
        );
        expect(report.body.fatigue_score).toBeGreaterThan(0.45);
        expect(report.body.should_rest).toBe(true);
        expect(report.body.directive.rest).toMatchObject({ status: "active", should_rest: true });

        const granted = await post(server, "/api/rest/request/apollo_1", {});
        expect(granted.status).toBe(200);
        expect(keys(granted.body)).toEqual(
          expect.arrayContaining(["approved", "covering_partner", "reason", "reason_code", "status"]),
        );
        expect(granted.body).toMatchObject({
          status: "ok",
          approved: true,
          covering_partner: "athena_1",
          reason_code: "covered",
        });

        const status = await get(server, "/api/rest/status/apollo_1");
        expect(status.status).toBe(200);
        expect(keys(status.body)).toEqual(["kernel", "status"]);
        expect(keys(status.body.kernel)).toEqual(KERNEL_KEYS);
        expect(status.body.kernel).toMatchObject({
          kernel_id: "apollo_1",
          kernel_name: "Apollo",
          tier: "specialized",
          rest_policy: "coordinated_alternating",
          status: "resting",
          is_resting: true,
          covered_by: "athena_1",
          covering_for: null,
          rest_count: 0,
        });
        expect((await get(server, "/api/rest/status/athena_1")).body.kernel).toMatchObject({
          status: "active",
          covering_for: "apollo_1",
        });

        const constellation = await get(server, "/api/rest/status");
        expect(keys(constellation.body)).toEqual(["constellation", "status"]);
        expect(keys(constellation.body.constellation)).toEqual([
          "active_kernels",
          "avg_fatigue",
          "coverage_active",
          "covering_kernels",
          "essential_active",
          "resting_kernels",
          "total_kernels",
        ]);
        expect(constellation.body.constellation).toMatchObject({
          total_kernels: 2,
          active_kernels: 1,
          resting_kernels: 1,
          covering_kernels: 1,
          essential_active: 0,
          coverage_active: true,
          // Only Apollo has reported.
          avg_fatigue: report.body.fatigue_score,
        });

        const kernels = await get(server, "/api/rest/kernels");
        expect(keys(kernels.body)).toEqual(["count", "kernels", "status"]);
        expect(kernels.body.count).toBe(2);
        for (const k of kernels.body.kernels) expect(keys(k)).toEqual(KERNEL_KEYS);
        const byId = Object.fromEntries(
          kernels.body.kernels.map((k: { kernel_id: string }) => [k.kernel_id, k]),
        );
        expect(byId.apollo_1).toMatchObject({ status: "resting", covered_by: "athena_1" });
        expect(byId.athena_1).toMatchObject({ status: "active", covering_for: "apollo_1" });

        const partners = await get(server, "/api/rest/partners/apollo_1");
        expect(keys(partners.body)).toEqual(["kernel_id", "partner_count", "partners", "status"]);
        expect(partners.body).toMatchObject({ status: "ok", kernel_id: "apollo_1", partner_count: 1 });
        expect(keys(partners.body.partners[0])).toEqual([
          "can_cover",
          "fatigue_score",
          "kernel_id",
          "kernel_name",
          "status",
        ]);
        // Athena is busy covering Apollo, so she cannot cover anyone else.
        expect(partners.body.partners[0]).toMatchObject({
          kernel_id: "athena_1",
          status: "active",
          can_cover: false,
        });
        expect((await get(server, "/api/rest/partners/athena_1")).body.partners).toEqual([
          expect.objectContaining({ kernel_id: "apollo_1", status: "resting", can_cover: false }),
        ]);

        const ended = await post(server, "/api/rest/end/apollo_1");
        expect(ended.status).toBe(200);
        expect(keys(ended.body)).toEqual(["kernel", "status"]);
        expect(ended.body.kernel).toMatchObject({
          status: "active",
          is_resting: false,
          covered_by: null,
          rest_count: 1,
        });
        expect((await get(server, "/api/rest/status/athena_1")).body.kernel.covering_for).toBeNull();
        expect((await get(server, "/api/rest/status")).body.constellation).toMatchObject({
          resting_kernels: 0,
          covering_kernels: 0,
          coverage_active: false,
        });
      },
      SLOW,
    );

    describe("bad input is a 400 naming the field and changes nothing", () => {
      beforeAll(() => registerTrio(server), SLOW);

      const cases: { name: string; path: string; body?: unknown; rawBody?: string; field: RegExp }[] = [
        {
          name: "phi 1.5",
          path: "/api/rest/fatigue/apollo_1",
          body: { phi: 1.5, kappa: 60 },
          field: /\bphi\b/,
        },
        { name: "phi missing", path: "/api/rest/fatigue/apollo_1", body: { kappa: 60 }, field: /\bphi\b/ },
        {
          name: "kappa -1",
          path: "/api/rest/fatigue/apollo_1",
          body: { phi: 0.5, kappa: -1 },
          field: /\bkappa\b/,
        },
        {
          name: 'load "x"',
          path: "/api/rest/fatigue/apollo_1",
          body: { phi: 0.5, kappa: 60, load: "x" },
          field: /\bload\b/,
        },
        {
          name: "error_rate 2",
          path: "/api/rest/fatigue/apollo_1",
          body: { phi: 0.5, kappa: 60, error_rate: 2 },
          field: /\berror_rate\b/,
        },
        {
          name: "an unknown body field",
          path: "/api/rest/fatigue/apollo_1",
          body: { phi: 0.5, kappa: 60, mood: "grim" },
          field: /\bmood\b/,
        },
        {
          name: "malformed JSON",
          path: "/api/rest/fatigue/apollo_1",
          rawBody: '{"phi": 0.5,',
          field: /\bbody\b/,
        },
        {
          name: "a kernel_id with a space",
          path: "/api/rest/fatigue/apollo%201",
          body: { phi: 0.5, kappa: 60 },
          field: /\bkernel_id\b/,
        },
        {
          name: "register without kernel_name",
          path: "/api/rest/kernels",
          body: { kernel_id: "zeus_1" },
          field: /\bkernel_name\b/,
        },
        {
          name: "an unknown god name",
          path: "/api/rest/kernels",
          body: { kernel_id: "bob_1", kernel_name: "Bob" },
          field: /\bkernel_name\b/,
        },
        {
          name: "a mentor on a god",
          path: "/api/rest/kernels",
          body: { kernel_id: "zeus_1", kernel_name: "Zeus", mentor: "Athena" },
          field: /\bmentor\b/,
        },
        {
          name: "force on an essential kernel",
          path: "/api/rest/request/heart_1",
          body: { force: true },
          field: /\bforce\b/,
        },
      ];

      for (const c of cases) {
        it(
          `refuses ${c.name}`,
          async () => {
            const before = await stateOf(server);
            const reply = await post(server, c.path, c.body, { rawBody: c.rawBody });
            expect(reply.status).toBe(400);
            expect(reply.body.status).toBe("error");
            expect(reply.body.error).toMatch(c.field);
            expect(await stateOf(server)).toEqual(before);
          },
          SLOW,
        );
      }

      it("keeps Heart active after a refused forced rest", async () => {
        expect((await post(server, "/api/rest/request/heart_1", { force: true })).status).toBe(400);
        expect((await get(server, "/api/rest/status/heart_1")).body.kernel).toMatchObject({
          status: "active",
          rest_count: 0,
        });
      });

      it("refuses a kernel_id with a space in the status path", async () => {
        const reply = await get(server, "/api/rest/status/apollo%201");
        expect(reply.status).toBe(400);
        expect(reply.body.error).toMatch(/\bkernel_id\b/);
      });

      // Fastify's default maxParamLength (100) would answer with its own 414; ids up to 200 must route.
      it("refuses a 300-character kernel_id in the path as a 400 naming kernel_id", async () => {
        const before = await stateOf(server);
        const id = "k".repeat(300);
        for (const reply of [
          await get(server, `/api/rest/status/${id}`),
          await post(server, `/api/rest/fatigue/${id}`, { phi: 0.5, kappa: 60 }),
        ]) {
          expect(reply.status).toBe(400);
          expect(reply.body).toMatchObject({ status: "error" });
          expect(reply.body.error).toMatch(/\bkernel_id\b/);
        }
        expect(await stateOf(server)).toEqual(before);
      });

      const longId = `chaos_long_${"1".repeat(117)}`;
      it("registers a 128-character kernel_id, the longest SPEC allows", async () => {
        expect(longId).toHaveLength(128);
        const registered = await register(server, longId, longId);
        expect(registered.status).toBe(201);
        expect(
          (await get(server, "/api/rest/kernels")).body.kernels.map(
            (k: { kernel_id: string }) => k.kernel_id,
          ),
        ).toContain(longId);
      });

      it("refuses a 129-character kernel_id, and one that starts with a dash, naming kernel_id", async () => {
        const before = await stateOf(server);
        for (const id of [`${longId}1`, "-apollo"]) {
          const reply = await register(server, id, id);
          expect([reply.status, reply.body.error]).toEqual([
            400,
            "kernel_id: must be 1–128 characters: a letter or digit, then letters, digits and _ . : -",
          ]);
        }
        expect(await stateOf(server)).toEqual(before);
      });

      it("reaches the registered 128-character kernel_id through its status path", async () => {
        const reply = await get(server, `/api/rest/status/${longId}`);
        expect(reply.status).toBe(200);
        expect(reply.body.kernel.kernel_id).toBe(longId);
      });
    });

    describe("unknown kernels and conflicts", () => {
      beforeAll(() => registerTrio(server), SLOW);

      for (const [method, path, body] of [
        ["GET", "/api/rest/status/ghost_1", undefined],
        ["GET", "/api/rest/partners/ghost_1", undefined],
        ["POST", "/api/rest/request/ghost_1", {}],
        ["POST", "/api/rest/end/ghost_1", undefined],
        ["POST", "/api/rest/fatigue/ghost_1", { phi: 0.5, kappa: 60 }],
      ] as const) {
        it(`answers 404 to ${method} ${path}`, async () => {
          const before = await stateOf(server);
          const reply = await call(server, method, path, body);
          expect(reply.status).toBe(404);
          expect(reply.body).toMatchObject({ status: "error" });
          expect(reply.body.error).toContain("ghost_1");
          expect(await stateOf(server)).toEqual(before);
        });
      }

      it("answers 409 to Apollo under a second id, changing nothing", async () => {
        const before = await stateOf(server);
        const reply = await register(server, "apollo_2", "Apollo");
        expect(reply.status).toBe(409);
        expect(reply.body).toMatchObject({ status: "error" });
        expect(reply.body.error).toContain("apollo_1");
        expect(await stateOf(server)).toEqual(before);
      });

      it("answers 409 to ending the rest of a kernel that is not resting", async () => {
        expect((await get(server, "/api/rest/status/athena_1")).body.kernel.status).toBe("active");
        const before = await stateOf(server);
        const reply = await post(server, "/api/rest/end/athena_1");
        expect(reply.status).toBe(409);
        expect(reply.body).toMatchObject({ status: "error" });
        expect(await stateOf(server)).toEqual(before);
      });
    });

    it(
      "answers refused rest requests with 200, approved false and a reason_code",
      async () => {
        const own = await startServerProcess({ db: await freshStore(backend) });
        await restApolloCoveredByAthena(own);
        expect((await register(own, "zeus_1", "Zeus")).status).toBe(201);
        expect((await post(own, "/api/rest/fatigue/zeus_1", TIRED)).status).toBe(200);
        const before = await stateOf(own);

        const refusals = {
          apollo_1: "already_resting", // resting already
          athena_1: "partner_resting", // her alternating partner Apollo rests
          zeus_1: "no_coverage", // Hera and Hermes absent, Athena covering, Apollo resting
        };
        for (const [kernelId, code] of Object.entries(refusals)) {
          const reply = await post(own, `/api/rest/request/${kernelId}`, {});
          expect(reply.status, kernelId).toBe(200);
          expect(reply.body, kernelId).toMatchObject({
            status: "ok",
            approved: false,
            reason_code: code,
            covering_partner: null,
          });
          expect(reply.body.reason, kernelId).toEqual(expect.any(String));
          expect(reply.body.reason.length, kernelId).toBeGreaterThan(0);
        }
        expect(await stateOf(own)).toEqual(before);
        own.kill("SIGKILL");
      },
      SLOW,
    );

    it(
      "restores a covered rest after kill -9, and a god is still singular",
      async () => {
        const db = await freshStore(backend);
        const first = await startServerProcess({ db });
        await restApolloCoveredByAthena(first);
        first.kill("SIGKILL");
        expect((await first.waitForExit()).signal).toBe("SIGKILL");

        const second = await startServerProcess({ db });
        expect((await get(second, "/api/rest/status/apollo_1")).body.kernel).toMatchObject({
          status: "resting",
          is_resting: true,
          covered_by: "athena_1",
        });
        expect((await get(second, "/api/rest/status/athena_1")).body.kernel).toMatchObject({
          status: "active",
          covering_for: "apollo_1",
        });
        expect((await get(second, "/api/rest/status")).body.constellation).toMatchObject({
          total_kernels: 2,
          resting_kernels: 1,
          covering_kernels: 1,
        });
        const duplicate = await register(second, "apollo_2", "Apollo");
        expect(duplicate.status).toBe(409);
        // The restored rest is a real one: it can end, and counts.
        expect((await post(second, "/api/rest/end/apollo_1")).body.kernel).toMatchObject({
          status: "active",
          rest_count: 1,
        });
        second.kill("SIGKILL");
      },
      SLOW,
    );

    /**
     * SIGTERM while a registration is in flight: the server has read its headers (it sent
     * 100 Continue) but not yet its body. The request must still be answered, the process
     * exit 0, and a server restarted on the same database have the kernel.
     */
    async function sigtermDuringRequest(keepAlive: boolean) {
      const db = await freshStore(backend);
      // A short grace period, so a shutdown that hangs fails in seconds rather than ten.
      const first = await startServerProcess({
        db,
        args: ["--config", configFile("server: { shutdownGraceSeconds: 3 }\n")],
      });
      // An open event stream must not hold shutdown up.
      const stream = await fetch(`${first.url}/api/events`);
      expect(stream.status).toBe(200);
      const pending = await startRequestAwaitingBody(
        first,
        "/api/rest/kernels",
        { kernel_id: "apollo_1", kernel_name: "Apollo" },
        { keepAlive },
      );
      first.kill("SIGTERM");
      await first.waitForLog((entry) => entry.msg === "shutting down");
      const reply = await pending.send();
      const exit = await first.waitForExit();
      await stream.body?.cancel().catch(() => {});
      pending.close();
      return { db, first, reply, exit };
    }

    it(
      "answers a request in flight on SIGTERM, exits 0, and a restarted server has what it acknowledged",
      async () => {
        const { db, first, reply, exit } = await sigtermDuringRequest(false);
        expect(reply.status).toBe(201);
        expect(exit, first.logs().slice(-5).join("\n")).toEqual({ code: 0, signal: null });
        const second = await startServerProcess({ db });
        expect((await get(second, "/api/rest/status/apollo_1")).body.kernel).toMatchObject({
          kernel_name: "Apollo",
        });
        second.kill("SIGKILL");
      },
      SLOW,
    );

    // A keep-alive connection busy when SIGTERM arrives must not hold shutdown open.
    it(
      "exits 0 on SIGTERM when the request in flight came over a keep-alive connection",
      async () => {
        const { db, reply, exit } = await sigtermDuringRequest(true);
        expect(reply.status).toBe(201);
        const second = await startServerProcess({ db });
        expect((await get(second, "/api/rest/status/apollo_1")).status).toBe(200);
        second.kill("SIGKILL");
        expect(exit).toEqual({ code: 0, signal: null });
      },
      SLOW,
    );

    it(
      "streams rest_started and coverage_started as server-sent events when a rest is granted",
      async () => {
        const own = await startServerProcess({ db: await freshStore(backend) });
        const controller = new AbortController();
        const response = await fetch(`${own.url}/api/events`, { signal: controller.signal });
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let text = "";
        const readUntil = async (done: () => boolean) => {
          while (!done()) {
            const chunk = await reader.read();
            if (chunk.done) throw new Error(`event stream ended early:\n${text}`);
            text += decoder.decode(chunk.value, { stream: true });
          }
        };
        // The stream's opening comment is written once the subscription exists.
        await readUntil(() => text.includes(": autonomic event stream"));

        await restApolloCoveredByAthena(own);
        await readUntil(() => /event: rest_started\n/.test(text) && /event: coverage_started\n/.test(text));
        controller.abort();

        const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
          type: m[1],
          data: JSON.parse(m[2] as string),
        }));
        expect(events.find((e) => e.type === "rest_started")?.data).toMatchObject({
          type: "rest_started",
          kernel_id: "apollo_1",
          covered_by: "athena_1",
          rest_type: "resting",
        });
        expect(events.find((e) => e.type === "coverage_started")?.data).toMatchObject({
          type: "coverage_started",
          kernel_id: "athena_1",
          covering_for: "apollo_1",
        });

        const metrics = await get(own, "/metrics");
        expect(metrics.status).toBe(200);
        expect(metrics.body).toMatch(/^autonomic_rest_kernels\{status="resting"\} 1$/m);
        expect(metrics.body).toMatch(/^autonomic_rest_kernels\{status="active"\} 1$/m);
        const fatigue = (await get(own, "/api/rest/status/apollo_1")).body.kernel.fatigue_score;
        const line = (metrics.body as string).match(/^autonomic_rest_fatigue\{kernel="apollo_1"\} (\S+)$/m);
        expect(line).not.toBeNull();
        expect(Number(line?.[1])).toBeCloseTo(fatigue, 9);
        own.kill("SIGKILL");
      },
      SLOW,
    );

    it("serves an OpenAPI 3.1 document with the /api/rest paths", async () => {
      const reply = await get(server, "/openapi.json");
      expect(reply.status).toBe(200);
      expect(reply.body.openapi).toMatch(/^3\.1\./);
      expect(Object.keys(reply.body.paths)).toEqual(
        expect.arrayContaining([
          "/api/rest/health",
          "/api/rest/status",
          "/api/rest/status/{kernel_id}",
          "/api/rest/kernels",
          "/api/rest/partners/{kernel_id}",
          "/api/rest/request/{kernel_id}",
          "/api/rest/end/{kernel_id}",
          "/api/rest/fatigue/{kernel_id}",
          "/api/rest/quality",
          "/api/rest/cycles",
          "/api/rest/cycles/vote",
          "/api/rest/cycles/end",
        ]),
      );
      expect(reply.body.paths["/api/rest/request/{kernel_id}"].post).toBeDefined();
    });
  });
}

describe("access and limits (SQLite)", () => {
  const KERNEL_TOKEN = "kernel-token-0123456789";
  const OPERATOR_TOKEN = "operator-token-0123456789";

  it(
    "needs a token for writes, a kernel token to register and an operator token to force, and any token to read",
    async () => {
      const server = await startServerProcess({
        db: await freshStore("sqlite"),
        env: { AUTONOMIC_KERNEL_TOKEN: KERNEL_TOKEN, AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN },
      });
      const empty = await stateOf(server, KERNEL_TOKEN);

      for (const token of [undefined, "not-a-token-of-this-server"]) {
        const refused = await register(server, "apollo_1", "Apollo", token);
        expect(refused.status).toBe(401);
        expect(refused.body.status).toBe("error");
      }
      expect(await stateOf(server, KERNEL_TOKEN)).toEqual(empty);

      expect((await register(server, "apollo_1", "Apollo", KERNEL_TOKEN)).status).toBe(201);
      for (const [path, body] of [
        ["/api/rest/fatigue/apollo_1", TIRED],
        ["/api/rest/request/apollo_1", {}],
        ["/api/rest/end/apollo_1", undefined],
      ] as const) {
        expect((await post(server, path, body)).status, path).toBe(401);
      }
      const registered = await stateOf(server, KERNEL_TOKEN);

      // Apollo alone: no partner, so only a forced rest is possible.
      const kernelForce = await post(
        server,
        "/api/rest/request/apollo_1",
        { force: true },
        { token: KERNEL_TOKEN },
      );
      expect(kernelForce.status).toBe(403);
      expect(await stateOf(server, KERNEL_TOKEN)).toEqual(registered);

      const operatorForce = await post(
        server,
        "/api/rest/request/apollo_1",
        { force: true },
        { token: OPERATOR_TOKEN },
      );
      expect(operatorForce.status).toBe(200);
      expect(operatorForce.body).toMatchObject({ approved: true, covering_partner: null });

      // Scheduler health (a load balancer's probe) and the OpenAPI document stay open.
      for (const path of ["/api/rest/health", "/openapi.json"])
        expect((await get(server, path)).status, path).toBe(200);
      for (const path of [
        "/api/rest/status",
        "/api/rest/kernels",
        "/api/rest/status/apollo_1",
        "/api/rest/partners/apollo_1",
        "/metrics",
      ]) {
        const anonymous = await get(server, path);
        expect(anonymous.status, path).toBe(401);
        expect(JSON.stringify(anonymous.body), path).not.toContain("apollo_1");
        expect((await call(server, "GET", path, undefined, { token: KERNEL_TOKEN })).status, path).toBe(200);
      }
      const apollo = await call(server, "GET", "/api/rest/status/apollo_1", undefined, {
        token: OPERATOR_TOKEN,
      });
      expect(apollo.body.kernel.status).toBe("resting");
      server.kill("SIGKILL");
    },
    SLOW,
  );

  it(
    "refuses to bind 0.0.0.0 without tokens, naming them",
    async () => {
      const run = await runServeToExit(["--host", "0.0.0.0", "--port", "0", "--db", join(dir, "open.db")]);
      expect(run.code).not.toBe(0);
      expect(run.code).not.toBeNull();
      expect(run.stderr).toContain("AUTONOMIC_KERNEL_TOKEN");
      expect(run.stderr).toContain("AUTONOMIC_OPERATOR_TOKEN");
    },
    SLOW,
  );

  it(
    "stops start-up on AUTONOMIC_PORT=abc, naming server.port and AUTONOMIC_PORT",
    async () => {
      const run = await runServeToExit(["--db", join(dir, "port.db")], { AUTONOMIC_PORT: "abc" });
      expect(run.code).not.toBe(0);
      expect(run.code).not.toBeNull();
      expect(run.stderr).toContain("server.port");
      expect(run.stderr).toContain("AUTONOMIC_PORT");
    },
    SLOW,
  );

  it(
    "answers 413 to a body over the configured limit, changing nothing",
    async () => {
      const server = await startServerProcess({
        db: await freshStore("sqlite"),
        args: ["--config", configFile("server: { bodyLimitBytes: 1024 }\n")],
      });
      const before = await stateOf(server);
      const reply = await post(server, "/api/rest/kernels", {
        kernel_id: "apollo_1",
        kernel_name: "Apollo",
        padding: "x".repeat(2000),
      });
      expect(reply.status).toBe(413);
      expect(reply.body.status).toBe("error");
      expect(await stateOf(server)).toEqual(before);
      // Just under the limit is parsed (and refused for its unknown field, proving it was read).
      const small = await post(server, "/api/rest/kernels", {
        kernel_id: "apollo_1",
        kernel_name: "Apollo",
        padding: "x".repeat(900),
      });
      expect(small.status).toBe(400);
      expect(small.body.error).toMatch(/\bpadding\b/);
      server.kill("SIGKILL");
    },
    SLOW,
  );

  it(
    "answers 429 after 5 requests a minute from one token, and counts each token apart",
    async () => {
      const server = await startServerProcess({
        db: await freshStore("sqlite"),
        args: ["--config", configFile("server: { rateLimitPerMinute: 5 }\n")],
        env: { AUTONOMIC_KERNEL_TOKEN: KERNEL_TOKEN, AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN },
      });
      const health = (token: string) =>
        fetch(`${server.url}/api/rest/health`, { headers: { authorization: `Bearer ${token}` } }).then(
          (r) => r.status,
        );
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push(await health(KERNEL_TOKEN));
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect(await health(KERNEL_TOKEN)).toBe(429);
      expect(await health(OPERATOR_TOKEN)).toBe(200);
      server.kill("SIGKILL");
    },
    SLOW,
  );
  // Made-up tokens must not buy a fresh rate-limit budget.
  it(
    "rate-limits a client that sends a new made-up token with each request",
    async () => {
      const server = await startServerProcess({
        db: await freshStore("sqlite"),
        args: ["--config", configFile("server: { rateLimitPerMinute: 5 }\n")],
      });
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const response = await fetch(`${server.url}/api/rest/health`, {
          headers: { authorization: `Bearer made-up-${i}` },
        });
        statuses.push(response.status);
      }
      server.kill("SIGKILL");
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses).toContain(429);
    },
    SLOW,
  );
});
