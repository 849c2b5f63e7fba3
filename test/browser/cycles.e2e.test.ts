/**
 * Constellation cycles in the page, against the real server process: none on a fresh
 * constellation, then one Heart and Ocean vote for, shown live with both votes and the
 * kernels it rests, and in the record once an operator ends it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFile, healingHttp } from "../support/healing-http.js";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";
import {
  type DashboardBrowser,
  DESKTOP,
  ensureDashboardBuilt,
  launchBrowser,
  screenshot,
} from "./support/dashboard-browser.js";

const TIMEOUT = 90_000;
const GODS: [string, string][] = [
  ["heart_1", "Heart"],
  ["ocean_1", "Ocean"],
  ["apollo_1", "Apollo"],
  ["athena_1", "Athena"],
  ["ares_1", "Ares"],
];

const stores = storeLocations("autonomic-browser-cycles-");
let server: ServerProcess;
let http: ReturnType<typeof healingHttp>;
let browser: DashboardBrowser;

beforeAll(async () => {
  await ensureDashboardBuilt();
  // Consensus every second, so cast votes start a cycle within the test.
  server = await startServerProcess({
    db: await stores.fresh("sqlite"),
    args: ["--config", configFile(stores.dir, "cycles", { cycles: { consensusIntervalSeconds: 1 } })],
  });
  http = healingHttp(server.url, { actor: "ada" });
  for (const [kernel_id, kernel_name] of GODS)
    expect((await http.post("/api/rest/kernels", { kernel_id, kernel_name })).status).toBe(201);
  browser = await launchBrowser();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await stopAllServers();
  await stores.cleanup();
});

describe("constellation cycles in the page", () => {
  it(
    "shows a SLEEP Heart and Ocean vote for while it runs, with both votes and the kernels it rests, then in the record once ended",
    async () => {
      const { page, problems } = await browser.open(`${server.url}/`, DESKTOP);
      await page.locator('[data-cycles="none"]').waitFor({ timeout: 20_000 });
      await page.locator('[data-feed="live"]').waitFor();

      for (const voter of ["Heart", "Ocean"]) {
        const vote = await http.post("/api/rest/cycles/vote", {
          voter,
          cycle_type: "sleep",
          vote: true,
          reasoning: `${voter} feels the constellation is worn out`,
        });
        expect(vote.status, JSON.stringify(vote.body)).toBe(200);
      }
      await page.locator('[data-cycle-active="sleep"]').waitFor({ timeout: 20_000 });
      for (const voter of ["Heart", "Ocean"])
        expect(await page.locator(`[data-voter="${voter}"]`).getAttribute("data-vote")).toBe("yes");
      // Essential kernels reduce, the others rest: the graph shows it.
      const statuses = (await http.get("/api/rest/kernels")).body.kernels as {
        kernel_id: string;
        status: string;
      }[];
      expect(statuses.find((k) => k.kernel_id === "apollo_1")?.status).toBe("resting");
      for (const k of statuses)
        await expect
          .poll(() => page.locator(`[data-kernel-id="${k.kernel_id}"]`).getAttribute("data-status"), {
            timeout: 10_000,
          })
          .toBe(k.status);
      await page.locator(".panel", { hasText: "Constellation cycles" }).scrollIntoViewIfNeeded();
      await screenshot(page, "cycles-desktop");

      const ended = await http.post("/api/rest/cycles/end", { reason: "the test has seen enough" });
      expect(ended.status, JSON.stringify(ended.body)).toBe(200);
      await expect.poll(() => page.locator("[data-cycle-active]").count(), { timeout: 10_000 }).toBe(0);
      await page.locator('[data-cycle-row="sleep"]').waitFor({ timeout: 10_000 });
      expect(await page.locator('[data-cycles="none"]').count()).toBe(0);
      await expect
        .poll(() => page.locator('[data-kernel-id="apollo_1"]').getAttribute("data-status"), {
          timeout: 10_000,
        })
        .toBe("active");
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );
});
