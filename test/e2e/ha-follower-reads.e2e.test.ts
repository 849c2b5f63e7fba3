import { describe, expect, it } from "vitest";
import { READ_LAG_HEADER } from "../../src/cluster/cluster-server.js";
import {
  databaseProxy,
  haTestBed,
  register,
  startReplica,
  until,
  waitForLeader,
} from "../support/ha-cluster.js";
import type { ServerProcess } from "../support/server-process.js";

const LEASE_SECONDS = 3;
const MAX_READ_LAG_MS = 3000;
const bed = haTestBed("ha-reads", LEASE_SECONDS);

/** A GET, and whether the replica asked answered it from its own state (with how far behind). */
async function read(url: string, path: string, timeoutMs = 5000) {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  const lag = res.headers.get(READ_LAG_HEADER);
  return { status: res.status, body, ownState: lag !== null, lagMs: lag === null ? null : Number(lag) };
}

describe("a follower's reads", () => {
  let leader: ServerProcess;
  let follower: ServerProcess;
  let proxy: Awaited<ReturnType<typeof databaseProxy>>;

  it("come from its own state once a commit is heard, even while the leader is frozen", async () => {
    leader = await startReplica(bed.db.url, bed.config);
    await waitForLeader([leader.url], 0);
    proxy = await databaseProxy(bed.db.url);
    follower = await startReplica(proxy.url, bed.config);
    expect((await register(leader.url, "apollo_1", "Apollo")).status).toBe(201);

    const seen = await until(async () => {
      const r = await read(follower.url, "/api/rest/status/apollo_1").catch(() => null);
      return r?.status === 200 && r.ownState ? r : null;
    });
    expect(JSON.parse(seen.body)).toMatchObject({ kernel: { kernel_id: "apollo_1" } });
    expect(seen.lagMs).toBeLessThanOrEqual(MAX_READ_LAG_MS);

    // A frozen leader answers nothing: a read forwarded to it would time out.
    leader.kill("SIGSTOP");
    try {
      const frozen = await read(follower.url, "/api/rest/status/apollo_1", 2000);
      expect(frozen.status).toBe(200);
      expect(frozen.ownState).toBe(true);
      expect(JSON.parse(frozen.body)).toMatchObject({ kernel: { kernel_id: "apollo_1" } });
    } finally {
      leader.kill("SIGCONT");
    }
  }, 90_000);

  it("show a write made through the follower at once", async () => {
    expect((await register(follower.url, "athena_1", "Athena")).status).toBe(201);
    const after = await read(follower.url, "/api/rest/status/athena_1");
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toMatchObject({ kernel: { kernel_id: "athena_1" } });
  }, 60_000);

  it("answer every read route the leader answers, from the follower's own state", async () => {
    const spec = JSON.parse((await read(leader.url, "/openapi.json")).body) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const paths = Object.entries(spec.paths)
      .filter(([path, methods]) => "get" in methods && !path.includes("{"))
      // Each replica answers these itself (its own metrics and view), and the stream is relayed.
      .filter(([path]) => !["/metrics", "/api/cluster", "/api/events"].includes(path))
      .map(([path]) => path);
    expect(paths.length).toBeGreaterThan(15);
    // Heard, and built: nothing pending from the writes above.
    await until(async () =>
      (await read(follower.url, "/api/rest/status/athena_1").catch(() => null))?.ownState ? true : null,
    );
    for (const path of paths) {
      const [fromLeader, fromFollower] = [await read(leader.url, path), await read(follower.url, path)];
      expect({ path, status: fromFollower.status }).toEqual({ path, status: fromLeader.status });
      expect({ path, ownState: fromFollower.ownState }).toEqual({ path, ownState: true });
    }
  }, 120_000);

  it("go to the leader once the follower cannot hear its commits, and come back when it can", async () => {
    await proxy.cut();
    const forwarded = await until(async () => {
      const r = await read(follower.url, "/api/rest/status/apollo_1").catch(() => null);
      return r?.status === 200 && !r.ownState ? r : null;
    });
    expect(JSON.parse(forwarded.body)).toMatchObject({ kernel: { kernel_id: "apollo_1" } });
    await proxy.restore();
    await until(async () => {
      const r = await read(follower.url, "/api/rest/status/apollo_1").catch(() => null);
      return r?.status === 200 && r.ownState ? r : null;
    });
    await proxy.close();
    leader.kill("SIGKILL");
    follower.kill("SIGKILL");
    await Promise.all([leader.waitForExit(), follower.waitForExit()]);
  }, 90_000);
});
