import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { KernelClient } from "./client.js";
import { ServerList } from "./server-list.js";
import { AutonomicRequestError } from "./transport.js";

/**
 * Replicas as real HTTP servers on loopback, each answering with what the test tells it
 * (the real cluster is exercised in test/e2e/ha-chaos.e2e.test.ts); each counts what it got.
 */
interface Replica {
  url: string;
  paths: string[];
  close(): Promise<void>;
}
type Answer = (path: string) => { status: number; body?: unknown; headers?: Record<string, string> } | "hang";

const open: Replica[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function replica(answer: Answer): Promise<Replica> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      paths.push(req.url ?? "");
      const a = answer(req.url ?? "");
      if (a === "hang") return;
      res.writeHead(a.status, { "content-type": "application/json", ...a.headers });
      res.end(JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const r: Replica = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  open.push(r);
  return r;
}

/** A URL nothing listens on: its connection is refused, so nothing was sent. */
async function deadUrl(): Promise<string> {
  const r = await replica(() => ({ status: 200 }));
  await r.close();
  open.splice(open.indexOf(r), 1);
  return r.url;
}

const ok = () => ({ status: 200, body: { ok: true } });
const transport = { timeoutMs: 1000, fetch };

describe("ServerList", () => {
  it("sends a write past a replica that refuses the connection, and starts at the one that answered next time", async () => {
    const dead = await deadUrl();
    const live = await replica(ok);
    const servers = new ServerList([dead, live.url]);
    const reply = await servers.request(
      transport,
      "POST",
      "/api/rest/end/apollo_1",
      {},
      { repeatable: false },
    );
    expect(reply).toEqual({ ok: true });
    expect(servers.order()).toEqual([live.url, dead]);
    await servers.request(transport, "POST", "/api/rest/end/apollo_1", {}, { repeatable: false });
    expect(live.paths).toEqual(["/api/rest/end/apollo_1", "/api/rest/end/apollo_1"]);
  });

  it("sends a write on when a replica answers 503 saying it was not applied (no leader yet, database lost)", async () => {
    const noLeader = await replica(() => ({
      status: 503,
      body: { error: "no leader is known; try again shortly", code: "no_leader" },
      headers: { "x-autonomic-retry": "leader" },
    }));
    const cutOff = await replica(() => ({
      status: 503,
      body: { error: "lost", code: "database_unreachable" },
    }));
    const live = await replica(ok);
    const servers = new ServerList([noLeader.url, cutOff.url, live.url]);
    await servers.request(transport, "POST", "/api/rest/request/apollo_1", {}, { repeatable: false });
    expect([noLeader.paths.length, cutOff.paths.length, live.paths.length]).toEqual([1, 1, 1]);
  });

  it("fails a write back to its caller when the leader died while applying it, rather than apply it twice", async () => {
    const lost = await replica(() => ({
      status: 503,
      body: { error: "the leader stopped while handling this POST", code: "leader_lost" },
    }));
    const live = await replica(ok);
    const servers = new ServerList([lost.url, live.url]);
    const failure = await servers
      .request(transport, "POST", "/api/rest/request/apollo_1", {}, { repeatable: false })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(AutonomicRequestError);
    expect(failure).toMatchObject({ status: 503, code: "leader_lost", notApplied: false, transient: true });
    expect(live.paths).toEqual([]);
  });

  it("fails a write back when the leader's own store failed its commit (its outcome is unknown)", async () => {
    const failed = await replica(() => ({
      status: 503,
      body: { error: "the store failed", code: "store_unavailable" },
    }));
    const live = await replica(ok);
    const servers = new ServerList([failed.url, live.url]);
    const failure = await servers
      .request(transport, "POST", "/api/rest/request/apollo_1", {}, { repeatable: false })
      .catch((err: unknown) => err);
    expect(failure).toMatchObject({ status: 503, code: "store_unavailable", notApplied: false });
    expect(live.paths).toEqual([]);
  });

  it("sends a write on after a 503 that carries the cluster's retry header, whatever its code", async () => {
    const starting = await replica(() => ({
      status: 503,
      body: { error: "taking over" },
      headers: { "x-autonomic-retry": "leader" },
    }));
    const live = await replica(ok);
    const servers = new ServerList([starting.url, live.url]);
    await servers.request(transport, "POST", "/api/rest/request/apollo_1", {}, { repeatable: false });
    expect(live.paths).toEqual(["/api/rest/request/apollo_1"]);
  });

  it("fails a write back after a timeout (its outcome is unknown), but sends a repeatable call on", async () => {
    const slow = await replica(() => "hang");
    const live = await replica(ok);
    const quick = { timeoutMs: 200, fetch };
    const servers = new ServerList([slow.url, live.url]);
    const failure = await servers
      .request(quick, "POST", "/api/rest/fatigue/apollo_1", { phi: 0.5 }, { repeatable: false })
      .catch((err: unknown) => err);
    expect(failure).toMatchObject({ status: null, notApplied: false });
    expect(live.paths).toEqual([]);
    await servers.request(
      quick,
      "POST",
      "/api/self-healing/snapshots",
      { snapshots: [] },
      { repeatable: true },
    );
    await servers.request(quick, "GET", "/api/rest/status", undefined, { repeatable: false });
    expect(live.paths).toEqual(["/api/self-healing/snapshots", "/api/rest/status"]);
  });

  it("does not ask the next replica when one refuses the request itself (a 4xx)", async () => {
    const refusing = await replica(() => ({
      status: 400,
      body: { error: "phi: too big", code: "invalid_input" },
    }));
    const live = await replica(ok);
    const servers = new ServerList([refusing.url, live.url]);
    const failure = await servers
      .request(transport, "GET", "/api/rest/status", undefined, { repeatable: true })
      .catch((err: unknown) => err);
    expect(failure).toMatchObject({ status: 400, transient: false });
    expect(live.paths).toEqual([]);
  });

  it("takes its URLs as a list or comma-separated, and names the url field when one is not HTTP", () => {
    expect(new ServerList("http://a:1, http://b:2").urls).toEqual(["http://a:1", "http://b:2"]);
    expect(() => new ServerList([])).toThrow(/^url: at least one/);
    expect(() => new ServerList(["http://a:1", "ftp://b"])).toThrow(/^url: "ftp:\/\/b" must start/);
  });
});

describe("KernelClient with several URLs", () => {
  it("sends its buffered snapshots to the replica that answers, with backoff while none does", async () => {
    const dead = await deadUrl();
    let up = false;
    const live = await replica(() =>
      up ? ok() : { status: 503, body: { error: "taking over", code: "no_leader" } },
    );
    const client = new KernelClient({
      url: [dead, live.url],
      kernelId: "apollo_1",
      flushIntervalMs: 0,
      retry: { initialDelayMs: 20, maxDelayMs: 40, jitter: 0 },
      requestTimeoutMs: 1000,
    });
    const retrying: number[] = [];
    client.on("retrying", ({ delayMs }) => retrying.push(delayMs));
    client.report({ phi: 0.7, kappa_eff: 64 });
    await client.flush();
    // Both replicas failed in one pass: the snapshot waits, and a retry is scheduled.
    expect(client.stats()).toMatchObject({ buffered: 1, sent: 0 });
    expect(retrying).toEqual([20]);
    up = true;
    await expect.poll(() => client.stats().sent, { timeout: 2000 }).toBe(1);
    expect(client.urls[0]).toBe(live.url);
    await client.close();
  });

  it("asks for a rest again, with backoff, while no replica applied it, and once only when one did", async () => {
    let answers = 0;
    const noLeaderThenOk = await replica(() =>
      ++answers <= 2
        ? { status: 503, body: { error: "no leader is known", code: "no_leader" } }
        : { status: 200, body: { approved: true, reason: "ok", reason_code: "approved" } },
    );
    const client = new KernelClient({
      url: [noLeaderThenOk.url],
      kernelId: "apollo_1",
      flushIntervalMs: 0,
      retry: { initialDelayMs: 10, maxDelayMs: 20, jitter: 0 },
    });
    await expect(client.requestRest()).resolves.toMatchObject({ approved: true });
    expect(noLeaderThenOk.paths).toHaveLength(3);
    await client.close();
  });

  it("does not ask for a rest again when the leader died applying it (its outcome is unknown)", async () => {
    const lost = await replica(() => ({ status: 503, body: { error: "stopped", code: "leader_lost" } }));
    const client = new KernelClient({
      url: [lost.url],
      kernelId: "apollo_1",
      flushIntervalMs: 0,
      retry: { initialDelayMs: 10, maxDelayMs: 20, jitter: 0 },
    });
    await expect(client.endRest()).rejects.toMatchObject({ code: "leader_lost" });
    expect(lost.paths).toHaveLength(1);
    await client.close();
  });
});
