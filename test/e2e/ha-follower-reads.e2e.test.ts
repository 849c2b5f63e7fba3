/**
 * A follower answers reads from its own state (SPEC §9, issue 16): state it restored from the
 * database and rebuilds as the leader's commit notifications arrive, never more than
 * `ha.maxReadLagMs` behind what it has heard. It answers them even while the leader is frozen,
 * reads its own forwarded writes back at once, answers every read route the leader does, and
 * sends reads to the leader once it can no longer hear the leader's commits.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READ_LAG_HEADER } from "../../src/cluster/cluster-server.js";
import {
  databaseProxy,
  register,
  startReplica,
  until,
  waitForLeader,
  writeHaConfig,
} from "../support/ha-cluster.js";
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";
import { type ServerProcess, stopAllServers } from "../support/server-process.js";

const LEASE_SECONDS = 3;
const MAX_READ_LAG_MS = 3000;
let db: TestDatabase;
let dir: string;
let config: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "autonomic-ha-reads-"));
  config = writeHaConfig(dir, LEASE_SECONDS);
});
afterAll(async () => {
  await stopAllServers();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

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
    leader = await startReplica(db.url, config);
    await waitForLeader([leader.url], 0);
    proxy = await databaseProxy(db.url);
    follower = await startReplica(proxy.url, config);
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
