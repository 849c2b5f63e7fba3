/**
 * What a replica does when its database goes away (SPEC §9, issue 16): a follower cut off
 * from PostgreSQL refuses writes with a 503 naming the reason instead of guessing, and comes
 * back when the database does; a leader whose lock session is ended stops leading, another
 * replica takes over at the next generation, and the old leader serves on as a follower.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clusterOf,
  databaseProxy,
  queryDatabase,
  register,
  startReplica,
  until,
  waitForLeader,
  writeHaConfig,
} from "../support/ha-cluster.js";
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";
import { stopAllServers } from "../support/server-process.js";

const LEASE_SECONDS = 2;
let db: TestDatabase;
let dir: string;
let config: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "autonomic-ha-failures-"));
  config = writeHaConfig(dir, LEASE_SECONDS);
});
afterAll(async () => {
  await stopAllServers();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a replica that loses its database", () => {
  it("answers writes with a 503 naming the lost connection while it follows cut off, and recovers", async () => {
    const leader = await startReplica(db.url, config);
    const proxy = await databaseProxy(db.url);
    try {
      await waitForLeader([leader.url], 0);
      const follower = await startReplica(proxy.url, config);
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
      const rows = await queryDatabase(db.url, "SELECT kernel_id FROM kernels WHERE kernel_id = 'athena_1'");
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
    await db.reset();
    const first = await startReplica(db.url, config);
    const firstView = await waitForLeader([first.url], 0);
    const second = await startReplica(db.url, config);
    const [{ backend_pid }] = await queryDatabase<{ backend_pid: number }>(
      db.url,
      "SELECT backend_pid FROM cluster_replicas WHERE role = 'leader'",
    );
    await queryDatabase(db.url, "SELECT pg_terminate_backend($1)", [backend_pid]);
    await first.waitForLog((e) => e.msg === "leadership lost");
    const next = await waitForLeader([first.url, second.url], firstView.leader.generation);
    // Either may win the race for the lock; the old one may lead again, but only at a new generation.
    expect(next.leader.generation).toBe(firstView.leader.generation + 1);
    // Both still answer writes, through whichever leads.
    expect((await register(first.url, "hermes_1", "Hermes")).status).toBe(201);
    expect((await register(second.url, "ares_1", "Ares")).status).toBe(201);
  }, 90_000);
});
