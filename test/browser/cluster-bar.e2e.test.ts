/**
 * The cluster in the dashboard's top bar (SPEC §9, issue 16): two replicas on one PostgreSQL
 * database, the page opened on the follower. The bar names the leader, its generation and the
 * live replicas; after the leader is killed it follows the takeover without a reload.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReplica, waitForLeader, writeHaConfig } from "../support/ha-cluster.js";
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";
import { type ServerProcess, stopAllServers } from "../support/server-process.js";
import {
  type DashboardBrowser,
  DESKTOP,
  ensureDashboardBuilt,
  launchBrowser,
  screenshot,
} from "./support/dashboard-browser.js";

const TIMEOUT = 120_000;
let db: TestDatabase;
let dir: string;
let browser: DashboardBrowser;

beforeAll(async () => {
  await ensureDashboardBuilt();
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "autonomic-browser-cluster-"));
  browser = await launchBrowser();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await stopAllServers();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the dashboard on a cluster", () => {
  it(
    "shows who leads and how many replicas are live in its top bar, and follows a takeover",
    async () => {
      const config = writeHaConfig(dir, 2);
      const replicas: ServerProcess[] = [];
      for (let i = 0; i < 2; i++) replicas.push(await startReplica(db.url, config));
      const leader = await waitForLeader(
        replicas.map((r) => r.url),
        0,
      );
      const follower = replicas.find((r) => r.url !== leader.url) as ServerProcess;

      const { page, problems } = await browser.open(`${follower.url}/`, DESKTOP);
      const bar = page.locator("[data-cluster]");
      await expect
        .poll(() => bar.textContent(), { timeout: 20_000 })
        .toBe(`leader ${leader.replica_id} (gen 1) · 2/2 replicas`);
      expect(problems()).toEqual([]);
      await screenshot(page, "cluster-bar-desktop");

      (replicas.find((r) => r.url === leader.url) as ServerProcess).kill("SIGKILL");
      const next = await waitForLeader([follower.url], 1);
      expect(next.replica_id).toBe(new URL(follower.url).host);
      await expect
        .poll(() => bar.textContent(), { timeout: 20_000 })
        .toMatch(
          new RegExp(`^leader ${next.replica_id.replace(/\./g, "\\.")} \\(gen 2\\) · [12]/2 replicas$`),
        );
    },
    TIMEOUT,
  );
});
