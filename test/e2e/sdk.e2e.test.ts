/**
 * The Kernel SDK against the real server (in-process, real HTTP on loopback, a SQLite
 * file): telemetry buffered across a server restart arrives whole, a full buffer counts
 * what it drops, a directive's action is run and answered, and autoRest asks for the rest
 * a directive calls for.
 */
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { KernelClient } from "../../src/sdk/client.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { storeLocations } from "../support/store-locations.js";

const stores = storeLocations("autonomic-sdk-e2e-");
const running = new Set<RunningServer>();
const clients = new Set<KernelClient>();

afterEach(async () => {
  await Promise.all([...clients].map((c) => c.close(100)));
  clients.clear();
  await Promise.all([...running].map((s) => s.close()));
  running.clear();
});
afterAll(() => stores.cleanup());

async function serve(db: string, port = 0, access: { operatorToken?: string } = {}): Promise<RunningServer> {
  const config = buildConfig({
    server: { port, logLevel: "silent" },
    store: { location: db },
    registryPath: "../shared/pantheon-registry.yaml",
    access,
  });
  const server = await startServer(config, { logger: pino({ level: "silent" }) });
  running.add(server);
  return server;
}

async function stop(server: RunningServer): Promise<void> {
  running.delete(server);
  await server.close();
}

function client(
  url: string,
  extra: Partial<ConstructorParameters<typeof KernelClient>[0]> = {},
): KernelClient {
  const c = new KernelClient({
    url,
    kernelId: "apollo_1",
    kernelName: "Apollo",
    flushIntervalMs: 20,
    retry: { initialDelayMs: 20, maxDelayMs: 200 },
    ...extra,
  });
  clients.add(c);
  return c;
}

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const snapshot = (i: number) => ({ phi: 0.75 + (i % 5) * 0.01, kappa_eff: 64, label: `s${i}` });

describe("KernelClient", () => {
  it("keeps telemetry while the server restarts and delivers every snapshot once it is back", async () => {
    const db = await stores.fresh("sqlite");
    let server = await serve(db);
    const port = Number(new URL(server.url).port);
    const kernel = client(server.url);
    let retries = 0;
    kernel.on("retrying", () => retries++);
    for (let i = 0; i < 30; i++) kernel.report(snapshot(i));
    await kernel.flush();
    expect(kernel.stats()).toMatchObject({ sent: 30, buffered: 0 });

    await stop(server);
    for (let i = 30; i < 80; i++) kernel.report(snapshot(i));
    await kernel.flush();
    expect(kernel.stats().buffered).toBe(50);
    await until(() => retries >= 2, "retries while the server is down");

    server = await serve(db, port);
    await until(() => kernel.stats().buffered === 0, "the buffer to drain");
    const stored = await server.store.snapshotCount({ kernelId: "apollo_1" });
    expect(stored).toBe(80);
    expect(kernel.stats()).toMatchObject({ sent: 80, overflowed: 0, rejected: 0 });
  });

  it("counts and reports the snapshots a full buffer drops, oldest first", async () => {
    const server = await serve(await stores.fresh("sqlite"));
    const url = server.url;
    await stop(server);
    const kernel = client(url, { bufferLimit: 10, flushIntervalMs: 0 });
    const overflows: number[] = [];
    kernel.on("overflow", ({ total }) => overflows.push(total));
    for (let i = 0; i < 15; i++) kernel.report(snapshot(i));
    expect(kernel.stats()).toMatchObject({ buffered: 10, overflowed: 5 });
    expect(overflows).toEqual([1, 2, 3, 4, 5]);
  });

  it("rejects only the bad snapshot of a refused batch and delivers the others", async () => {
    const server = await serve(await stores.fresh("sqlite"));
    const kernel = client(server.url, { flushIntervalMs: 0 });
    const rejected: string[] = [];
    kernel.on("rejected", ({ error }) => rejected.push(error));
    kernel.report(snapshot(0));
    kernel.report({ phi: 1.5, kappa_eff: 64 });
    kernel.report(snapshot(2));
    await kernel.flush();
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/snapshots\[1\]\.phi/);
    expect(kernel.stats()).toMatchObject({ sent: 2, rejected: 1, buffered: 0 });
    expect(await server.store.snapshotCount({ kernelId: "apollo_1" })).toBe(2);
  });

  it("sends set_baseline, and passes on the server's warnings about fields it ignored", async () => {
    const server = await serve(await stores.fresh("sqlite"));
    const kernel = client(server.url, { flushIntervalMs: 0 });
    const warnings: string[][] = [];
    kernel.on("warning", (w) => warnings.push(w.warnings));
    kernel.report(snapshot(0));
    // A field a newer kernel sends that this server does not know.
    kernel.report({ ...snapshot(1), basin_coords: [1, 2, 3], set_baseline: true, mood: "calm" } as never);
    await kernel.flush();
    expect(warnings).toEqual([['unknown field "snapshots[1].mood" was ignored']]);
    expect(kernel.stats()).toMatchObject({ sent: 2, rejected: 0 });
    expect((await server.store.loadBaselines()).find((b) => b.kernel_id === "apollo_1")?.source).toBe(
      "explicit",
    );
  });

  it("runs a directive's dry-run action through its handler and answers it", async () => {
    const server = await serve(await stores.fresh("sqlite"));
    const kernel = client(server.url, { flushIntervalMs: 0 });
    const seen: { params: Record<string, unknown>; dryRun: boolean }[] = [];
    kernel.handle("enable_cache", (params, { dryRun }) => {
      seen.push({ params, dryRun });
      return { phi: 0.8, kappa_eff: 64, avg_latency: 120 };
    });
    await kernel.register();
    const action = await server.actions.dispatch({
      kernel_id: "apollo_1",
      type: "enable_cache",
      params: { entries: 500 },
      dry_run: true,
    });
    kernel.report(snapshot(0));
    await kernel.flush();
    await until(() => server.actions.get(action.action_id)?.status !== "pending", "the action's answer");
    const answered = server.actions.get(action.action_id);
    expect(answered?.status).toBe("succeeded");
    expect(answered?.result).toMatchObject({ ok: true, predicted: { phi: 0.8, avg_latency: 120 } });
    expect(seen).toEqual([{ params: { entries: 500 }, dryRun: true }]);
    // Answered actions leave the directive, so the next report does not run it again.
    kernel.report(snapshot(1));
    await kernel.flush();
    expect(kernel.directive?.actions).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it("answers an action it has no handler for as failed, naming the type", async () => {
    const server = await serve(await stores.fresh("sqlite"));
    const kernel = client(server.url, { flushIntervalMs: 0 });
    const action = await server.actions.dispatch({ kernel_id: "apollo_1", type: "recycle", dry_run: false });
    kernel.report(snapshot(0));
    await kernel.flush();
    await until(() => server.actions.get(action.action_id)?.status !== "pending", "the action's answer");
    expect(server.actions.get(action.action_id)?.result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/recycle/),
    });
  });

  it("with autoRest asks for the rest its directive calls for", async () => {
    const server = await serve(await stores.fresh("sqlite"));
    const kernel = client(server.url, { kernelId: "artemis_1", kernelName: "Artemis", autoRest: true });
    const partner = client(server.url, { kernelId: "hermes_1", kernelName: "Hermes" });
    await partner.register();
    await kernel.register();
    await partner.reportFatigue({ phi: 0.8, kappa: 64.21 });
    // Φ near zero and κ far from κ*: fatigue above Artemis's minimal_rotating threshold of 0.40.
    const reply = await kernel.reportFatigue({ phi: 0.02, kappa: 10, load: 1, error_rate: 1 });
    expect(reply.should_rest).toBe(true);
    await until(() => server.rest.status("artemis_1").status !== "active", "the automatic rest request");
    expect(server.rest.status("artemis_1")).toMatchObject({ status: "micro_pause", covered_by: "hermes_1" });
  });

  it("sends a kernel-scoped token as its bearer token: its own kernel is served, another's refused and not retried", async () => {
    const server = await serve(await stores.fresh("sqlite"), 0, {
      operatorToken: "operator-token-0123456789",
    });
    const { token } = await server.accessTokens.issue("apollo_1", "user:ada");
    const own = client(server.url, { token, flushIntervalMs: 0 });
    await own.register();
    own.report(snapshot(0));
    await own.flush();
    expect(await server.store.snapshotCount({ kernelId: "apollo_1" })).toBe(1);

    const other = client(server.url, {
      token,
      kernelId: "athena_1",
      kernelName: "Athena",
      flushIntervalMs: 0,
    });
    await expect(other.register()).rejects.toMatchObject({
      status: 403,
      transient: false,
      code: "forbidden_kernel",
    });
    const anonymous = client(server.url, { flushIntervalMs: 0 });
    await expect(anonymous.register()).rejects.toMatchObject({ status: 401, transient: false });
    expect(server.rest.kernels().map((k) => k.kernel_id)).toEqual(["apollo_1"]);
  });
});
