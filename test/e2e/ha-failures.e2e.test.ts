import { describe, expect, it } from "vitest";
import {
  clusterOf,
  databaseProxy,
  haTestBed,
  queryDatabase,
  register,
  startReplica,
  until,
  waitForLeader,
} from "../support/ha-cluster.js";
import { stopAllServers } from "../support/server-process.js";

const LEASE_SECONDS = 2;
const bed = haTestBed("ha-failures", LEASE_SECONDS);

describe("a replica that loses its database", () => {
  it("answers writes with a 503 naming the lost connection while it follows cut off, and recovers", async () => {
    const leader = await startReplica(bed.db.url, bed.config);
    const proxy = await databaseProxy(bed.db.url);
    try {
      await waitForLeader([leader.url], 0);
      const follower = await startReplica(proxy.url, bed.config);
      expect((await register(follower.url, "apollo_1", "Apollo")).status).toBe(201);

      await proxy.cut();
      // Until the follower has noticed the cut, it still forwards writes to the leader, which
      // applies them: that is right, and not what this test is about. Once it says so on
      // /api/cluster, it must refuse them.
      const view = await until(async () => {
        const reply = await clusterOf(follower.url);
        return reply?.status === 503 ? reply : null;
      });
      expect(view.body.reason).toMatch(/database unreachable/);
      const refused = await register(follower.url, "athena_1", "Athena");
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe("database_unreachable");
      expect(String(refused.body.error)).toMatch(/lost its database connection/);
      // Nothing was applied behind the refusal.
      const rows = await queryDatabase(
        bed.db.url,
        "SELECT kernel_id FROM kernels WHERE kernel_id = 'athena_1'",
      );
      expect(rows).toEqual([]);

      await proxy.restore();
      const accepted = await until(async () => {
        const reply = await register(follower.url, "athena_1", "Athena");
        return reply.status === 201 ? reply : null;
      });
      expect(accepted.body).toMatchObject({ status: "ok" });
    } finally {
      // Whatever failed, the next test starts with none of these replicas leading its database.
      await proxy.close();
      await stopAllServers();
    }
  }, 90_000);

  it("stops leading when its lock session is ended, and another replica leads at the next generation", async () => {
    await bed.db.reset();
    const first = await startReplica(bed.db.url, bed.config);
    const firstView = await waitForLeader([first.url], 0);
    const second = await startReplica(bed.db.url, bed.config);
    const [{ backend_pid }] = await queryDatabase<{ backend_pid: number }>(
      bed.db.url,
      "SELECT backend_pid FROM cluster_replicas WHERE role = 'leader'",
    );
    await queryDatabase(bed.db.url, "SELECT pg_terminate_backend($1)", [backend_pid]);
    await first.waitForLog((e) => e.msg === "leadership lost");
    const next = await waitForLeader([first.url, second.url], firstView.leader.generation);
    // Either may win the race for the lock; the old one may lead again, but only at a new generation.
    expect(next.leader.generation).toBe(firstView.leader.generation + 1);
    // Both still answer writes, through whichever leads.
    expect((await register(first.url, "hermes_1", "Hermes")).status).toBe(201);
    expect((await register(second.url, "ares_1", "Ares")).status).toBe(201);
  }, 90_000);
});
