/**
 * Kernel retirement (`DELETE /api/rest/kernels/:kernel_id`, SPEC §6) over real HTTP against
 * the real server, as `autonomic serve` runs it, on SQLite and on PostgreSQL: the coverage a
 * retiring coverer held is handed on in one transaction (the gap stays 0 and the covered
 * kernel keeps resting), the retirement is streamed and its metrics go, it survives kill -9,
 * its history stays queryable and its id registers afresh; essential kernels need force and
 * a reason; refusals change nothing. Then tokens (SQLite only).
 */
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 90_000;
const stores = storeLocations("autonomic-retirement-e2e-");

afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  body: any;
}

interface CallOptions {
  token?: string;
  actor?: string;
  /** Sent as a JSON body (a DELETE takes none; sent to check it is refused). */
  body?: unknown;
}

async function call(server: ServerProcess, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.actor) headers["x-autonomic-actor"] = options.actor;
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // metrics are text
  }
  return { status: response.status, body } as Reply;
}

const get = (server: ServerProcess, path: string, token?: string) => call(server, "GET", path, { token });
const post = (server: ServerProcess, path: string, body: unknown, token?: string) =>
  call(server, "POST", path, { body, token });
const retire = (server: ServerProcess, kernelId: string, query = "", options: CallOptions = {}) =>
  call(server, "DELETE", `/api/rest/kernels/${kernelId}${query}`, options);

async function register(server: ServerProcess, kernels: [string, string][], token?: string) {
  for (const [kernel_id, kernel_name] of kernels)
    expect((await post(server, "/api/rest/kernels", { kernel_id, kernel_name }, token)).status).toBe(201);
}

/** Low Φ, κ far from κ*, high load and errors: fatigue ≈ 0.51, above Apollo's 0.45. */
const TIRED = { phi: 0.1, kappa: 10, load: 0.9, error_rate: 0.5 };

/** Every kernel's state and the constellation, minus time_in_status (it grows by itself). */
async function stateOf(server: ServerProcess) {
  const kernels = await get(server, "/api/rest/kernels");
  return {
    kernels: kernels.body.kernels.map(({ time_in_status: _, ...k }: Record<string, unknown>) => k),
    constellation: (await get(server, "/api/rest/status")).body.constellation,
    retirements: (await get(server, "/api/rest/retirements")).body.retirements,
  };
}

/** Reads /api/events from now on; `until` resolves with the events once `done` holds. */
async function eventStream(server: ServerProcess) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/api/events`, { signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  const read = async (done: () => boolean) => {
    while (!done()) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`event stream ended early:\n${text}`);
      text += decoder.decode(chunk.value, { stream: true });
    }
  };
  await read(() => text.includes(": autonomic event stream"));
  return {
    async until(type: string) {
      await read(() => text.includes(`event: ${type}\n`));
      controller.abort();
      return [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
        type: m[1] as string,
        data: JSON.parse(m[2] as string),
      }));
    },
  };
}

/** The value of one series in a /metrics exposition, or undefined when there is none. */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const backend of ["sqlite", "postgres"]) {
  describe(`retiring kernels on ${backend}`, () => {
    it(
      "hands a retiring coverer's coverage on in one transaction: the coverage gap stays 0 and the covered kernel keeps resting",
      async () => {
        const db = await stores.fresh(backend);
        const server = await startServerProcess({ db });
        await register(server, [
          ["apollo_1", "Apollo"],
          ["athena_1", "Athena"],
          ["hermes_1", "Hermes"],
        ]);
        expect((await post(server, "/api/rest/fatigue/apollo_1", TIRED)).status).toBe(200);
        expect((await post(server, "/api/rest/fatigue/athena_1", { phi: 0.6, kappa: 64 })).status).toBe(200);
        const snapshot = { kernel_id: "athena_1", phi: 0.8, kappa_eff: 64, basin_coords: [1, 1, 1, 1] };
        for (let i = 0; i < 3; i++)
          expect((await post(server, "/api/self-healing/snapshot", snapshot)).status).toBe(200);
        const granted = await post(server, "/api/rest/request/apollo_1", {});
        expect(granted.body).toMatchObject({ approved: true, covering_partner: "athena_1" });
        const restCount = (await get(server, "/api/rest/status/apollo_1")).body.kernel.rest_count;

        const stream = await eventStream(server);
        const reply = await retire(server, "athena_1", "?reason=moved%20to%20another%20host");
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({
          status: "ok",
          retired: {
            kernel_id: "athena_1",
            kernel_name: "Athena",
            tier: "specialized",
            forced: false,
            reason: "moved to another host",
            actor: "user:operator",
            woken_from: null,
          },
          handoffs: [{ covered: "apollo_1", handed_to: "hermes_1", outcome: "handed_off" }],
        });
        expect(reply.body.retired.retired_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);

        // The covered kernel keeps the same rest, now covered by Hermes: no gap.
        expect((await get(server, "/api/rest/status/apollo_1")).body.kernel).toMatchObject({
          status: "resting",
          covered_by: "hermes_1",
          rest_count: restCount,
        });
        expect((await get(server, "/api/rest/status/hermes_1")).body.kernel.covering_for).toBe("apollo_1");
        expect((await get(server, "/api/rest/status")).body.constellation).toMatchObject({
          total_kernels: 2,
          resting_kernels: 1,
          covering_kernels: 1,
        });
        expect((await get(server, "/api/rest/status/athena_1")).status).toBe(404);

        const events = await stream.until("kernel_retired");
        expect(events.map((e) => e.type)).toEqual(["coverage_ended", "coverage_started", "kernel_retired"]);
        expect(events[2]?.data).toMatchObject({ kernel_id: "athena_1", reason: "moved to another host" });

        const metrics = (await get(server, "/metrics")).body as string;
        expect(sample(metrics, 'autonomic_rest_coverage_gap{kernel="apollo_1"}')).toBe(0);
        expect(metrics).not.toContain('kernel="athena_1"');
        expect(sample(metrics, 'autonomic_rest_events_total{type="kernel_retired"}')).toBe(1);
        const health = (await get(server, "/api/self-healing/health")).body.health;
        expect(health.kernels.map((k: { kernel_id: string }) => k.kernel_id)).not.toContain("athena_1");

        // Retired means gone: a second retirement is a 404.
        expect((await retire(server, "athena_1")).status).toBe(404);

        // kill -9: the retirement was acknowledged, so it must survive; nothing comes back.
        server.kill("SIGKILL");
        await server.waitForExit();
        const again = await startServerProcess({ db });
        const kernels = (await get(again, "/api/rest/kernels")).body.kernels;
        expect(kernels.map((k: { kernel_id: string }) => k.kernel_id).sort()).toEqual([
          "apollo_1",
          "hermes_1",
        ]);
        expect((await get(again, "/api/rest/status/apollo_1")).body.kernel).toMatchObject({
          status: "resting",
          covered_by: "hermes_1",
        });
        const healthAfter = (await get(again, "/api/self-healing/health")).body.health;
        expect(healthAfter.kernels.map((k: { kernel_id: string }) => k.kernel_id)).not.toContain("athena_1");
        expect((await get(again, "/metrics")).body).not.toContain('kernel="athena_1"');

        // Its history stays queryable: the retirement, its health snapshots…
        const record = await get(again, "/api/rest/retirements?kernel_id=athena_1");
        expect(record.body).toMatchObject({
          count: 1,
          retirements: [
            { kernel_id: "athena_1", reason: "moved to another host", handoffs: [{ covered: "apollo_1" }] },
          ],
        });
        const snapshots = await get(again, "/api/self-healing/snapshots?kernel_id=athena_1");
        expect(snapshots.body.snapshots).toHaveLength(3);

        // …and its id registers afresh, as a new registration.
        const fresh = await post(again, "/api/rest/kernels", {
          kernel_id: "athena_1",
          kernel_name: "Athena",
        });
        expect(fresh.status).toBe(201);
        expect(fresh.body).toMatchObject({ created: true, kernel: { rest_count: 0, covering_for: null } });
        again.kill("SIGKILL");
        await again.waitForExit();

        // …as are its rest, coverage and fatigue history in the store.
        const store = await openStore(db);
        try {
          expect(await store.coverageEvents({ kernelId: "athena_1" })).toEqual([
            expect.objectContaining({ covering_for: "apollo_1", end_cause: "handoff" }),
          ]);
          expect(await store.coverageEvents({ kernelId: "hermes_1" })).toEqual([
            expect.objectContaining({ covering_for: "apollo_1", handoff_from: "athena_1", ended_at: null }),
          ]);
          expect(await store.fatigueSnapshots({ kernelId: "athena_1" })).toHaveLength(1);
        } finally {
          await store.close();
        }
      },
      SLOW,
    );

    it(
      "wakes a resting kernel first, and ends the rest of a kernel whose only coverer retires",
      async () => {
        const server = await startServerProcess({ db: await stores.fresh(backend) });
        await register(server, [
          ["apollo_1", "Apollo"],
          ["athena_1", "Athena"],
          ["zeus_1", "Zeus"],
          ["hera_1", "Hera"],
        ]);
        await post(server, "/api/rest/fatigue/apollo_1", TIRED);
        await post(server, "/api/rest/fatigue/zeus_1", TIRED);
        expect((await post(server, "/api/rest/request/apollo_1", {})).body.covering_partner).toBe("athena_1");
        expect((await post(server, "/api/rest/request/zeus_1", {})).body.covering_partner).toBe("hera_1");

        // Zeus rests: woken first, his rest recorded, Hera free again.
        const woken = await retire(server, "zeus_1");
        expect(woken.status).toBe(200);
        expect(woken.body).toMatchObject({ retired: { woken_from: "resting", rest_count: 1 }, handoffs: [] });
        expect((await get(server, "/api/rest/status/hera_1")).body.kernel.covering_for).toBeNull();

        // Athena covers Apollo, whose other partners (Hermes, Artemis, Dionysus) are not
        // registered: his rest ends rather than go on uncovered.
        const ended = await retire(server, "athena_1");
        expect(ended.body.handoffs).toEqual([
          { covered: "apollo_1", handed_to: null, outcome: "rest_ended" },
        ]);
        expect((await get(server, "/api/rest/status/apollo_1")).body.kernel).toMatchObject({
          status: "active",
          covered_by: null,
          rest_count: 1,
        });
        server.kill("SIGKILL");
      },
      SLOW,
    );

    it(
      "refuses an essential kernel without force (409) or a reason (400), and bad input, changing nothing",
      async () => {
        const server = await startServerProcess({ db: await stores.fresh(backend) });
        await register(server, [
          ["heart_1", "Heart"],
          ["apollo_1", "Apollo"],
        ]);
        const before = await stateOf(server);
        const refusals: [string, string, CallOptions, number, RegExp][] = [
          ["heart_1", "", {}, 409, /force=true and a reason/],
          ["heart_1", "?reason=moving", {}, 409, /force=true/],
          ["heart_1", "?force=true", {}, 400, /\breason\b/],
          ["heart_1", "?force=true&reason=", {}, 400, /\breason\b/],
          ["heart_1", "?force=yes&reason=moving", {}, 400, /\bforce\b/],
          ["apollo_1", "?mood=grim", {}, 400, /\bmood\b/],
          ["apollo_1", "", { body: { reason: "in the body" } }, 400, /\bbody\b/],
          ["apollo%201", "", {}, 400, /\bkernel_id\b/],
          ["ghost_1", "", {}, 404, /ghost_1/],
        ];
        for (const [id, query, options, status, error] of refusals) {
          const reply = await retire(server, id, query, options);
          expect(reply.status, `${id}${query}`).toBe(status);
          expect(reply.body).toMatchObject({ status: "error" });
          expect(reply.body.error, `${id}${query}`).toMatch(error);
        }
        expect((await retire(server, "heart_1")).body.code).toBe("essential_needs_force");
        expect(await stateOf(server)).toEqual(before);

        const forced = await retire(server, "heart_1", "?force=true&reason=decommissioned", { actor: "ops" });
        expect(forced.status).toBe(200);
        expect(forced.body.retired).toMatchObject({
          kernel_id: "heart_1",
          tier: "essential",
          forced: true,
          reason: "decommissioned",
          actor: "user:ops",
        });
        expect((await get(server, "/api/rest/retirements")).body.retirements).toEqual([
          expect.objectContaining({ kernel_id: "heart_1", forced: true, reason: "decommissioned" }),
        ]);
        const openapi = (await get(server, "/openapi.json")).body;
        expect(openapi.paths["/api/rest/kernels/{kernel_id}"].delete.description).toMatch(/force=true/);
        expect(openapi.paths["/api/rest/retirements"].get).toBeDefined();
        server.kill("SIGKILL");
      },
      SLOW,
    );
  });
}

describe("who may retire a kernel (SQLite)", () => {
  const KERNEL_TOKEN = "kernel-token-0123456789";
  const OPERATOR_TOKEN = "operator-token-0123456789";

  it(
    "needs a token; a kernel token retires, only an operator forces; each is recorded as who it was",
    async () => {
      const server = await startServerProcess({
        db: await stores.fresh("sqlite"),
        env: { AUTONOMIC_KERNEL_TOKEN: KERNEL_TOKEN, AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN },
      });
      await register(
        server,
        [
          ["apollo_1", "Apollo"],
          ["athena_1", "Athena"],
          ["heart_1", "Heart"],
        ],
        KERNEL_TOKEN,
      );
      expect((await retire(server, "apollo_1")).status).toBe(401);
      expect((await retire(server, "apollo_1", "", { token: "not-a-token" })).status).toBe(401);
      const forcedByKernel = await retire(server, "heart_1", "?force=true&reason=x", { token: KERNEL_TOKEN });
      expect(forcedByKernel.status).toBe(403);
      // Reads need a token too once tokens are configured.
      expect((await get(server, "/api/rest/kernels")).status).toBe(401);
      expect((await get(server, "/api/rest/kernels", KERNEL_TOKEN)).body.count).toBe(3);

      // A kernel-scoped token retires its own kernel alone.
      const minted = await post(server, "/api/access/tokens", { kernel_id: "athena_1" }, OPERATOR_TOKEN);
      expect(minted.status).toBe(201);
      const other = await retire(server, "apollo_1", "", { token: minted.body.token });
      expect([other.status, other.body.code]).toEqual([403, "forbidden_kernel"]);
      expect((await get(server, "/api/rest/kernels", KERNEL_TOKEN)).body.count).toBe(3);

      const byKernel = await retire(server, "apollo_1", "", { token: KERNEL_TOKEN });
      expect(byKernel.status).toBe(200);
      expect(byKernel.body.retired.actor).toBe("kernel");
      const byOperator = await retire(server, "heart_1", "?force=true&reason=replaced", {
        token: OPERATOR_TOKEN,
        actor: "alice",
      });
      expect(byOperator.status).toBe(200);
      expect(byOperator.body.retired).toMatchObject({ forced: true, actor: "user:alice" });
      const operatorPlain = await retire(server, "athena_1", "", { token: OPERATOR_TOKEN });
      expect(operatorPlain.body.retired.actor).toBe("user:operator");
      expect((await get(server, "/api/rest/kernels", OPERATOR_TOKEN)).body.count).toBe(0);
      server.kill("SIGKILL");
    },
    SLOW,
  );
});
