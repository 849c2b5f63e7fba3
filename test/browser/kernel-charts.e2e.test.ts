/**
 * A kernel's live charts in a real browser against the real server process: they grow as the
 * kernel's snapshots and fatigue reports arrive, draw the thresholds the server's config and
 * the kernel's rest state give, and follow the kernel chosen in the graph.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEALTHY, healingHttp } from "../support/healing-http.js";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";
import {
  type DashboardBrowser,
  DESKTOP,
  ensureDashboardBuilt,
  launchBrowser,
  PHONE,
  screenshot,
} from "./support/dashboard-browser.js";

const TIMEOUT = 90_000;
const BASIN = [4, 3, 2, 1];

const stores = storeLocations("autonomic-browser-charts-");
let server: ServerProcess;
let http: ReturnType<typeof healingHttp>;
let browser: DashboardBrowser;

/** One report of each kind, as a kernel sends them: a snapshot and a fatigue sample. */
async function report(kernelId: string, phi: number) {
  await http.report(kernelId, { ...HEALTHY, phi, basin_coords: BASIN });
  const fatigue = await http.post(`/api/rest/fatigue/${kernelId}`, { phi, kappa: 64.21, load: 0.4 });
  expect(fatigue.status, JSON.stringify(fatigue.body)).toBe(200);
}

beforeAll(async () => {
  await ensureDashboardBuilt();
  server = await startServerProcess({ db: await stores.fresh("sqlite") });
  http = healingHttp(server.url);
  for (const [kernel_id, kernel_name] of [
    ["apollo_1", "Apollo"],
    ["athena_1", "Athena"],
  ])
    expect((await http.post("/api/rest/kernels", { kernel_id, kernel_name })).status).toBe(201);
  browser = await launchBrowser();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await stopAllServers();
  await stores.cleanup();
});

const chart = (page: Page, id: string) => page.locator(`[data-chart="${id}"]`);
const points = async (page: Page, id: string) => Number(await chart(page, id).getAttribute("data-points"));
const thresholds = (page: Page, id: string) =>
  chart(page, id)
    .locator("[data-threshold]")
    .evaluateAll((items) => items.map((item) => Number(item.getAttribute("data-threshold"))));

describe("a kernel's charts", () => {
  it(
    "show the newest report's label and context as the kernel sent them",
    async () => {
      // A kernel of its own: the other tests count athena_1's and apollo_1's points.
      await http.report("hermes_1", {
        ...HEALTHY,
        basin_coords: BASIN,
        label: "after-cycle",
        context: { cycle: 7, goal: "map the basin" },
      });
      const { page, problems } = await browser.open(`${server.url}/#kernel=hermes_1`, DESKTOP);
      const latest = page.getByTestId("latest-report");
      await expect
        .poll(() => latest.locator(".report-label").textContent(), { timeout: 20_000 })
        .toBe("after-cycle");
      expect(await latest.locator(".report-context").textContent()).toBe(
        '{"cycle":7,"goal":"map the basin"}',
      );
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    "grow as the kernel's snapshots and fatigue reports arrive, without a reload",
    async () => {
      for (const phi of [0.8, 0.78, 0.76]) await report("apollo_1", phi);
      const { page, problems } = await browser.open(`${server.url}/#kernel=apollo_1`, DESKTOP);
      for (const id of ["phi", "kappa", "drift", "fatigue"])
        await expect.poll(() => points(page, id), { timeout: 20_000, message: id }).toBe(3);
      expect(await page.locator("[data-chart] canvas").count()).toBeGreaterThanOrEqual(4);

      for (const phi of [0.74, 0.72, 0.7, 0.68, 0.66]) await report("apollo_1", phi);
      for (const id of ["phi", "kappa", "drift", "fatigue"])
        await expect.poll(() => points(page, id), { timeout: 20_000, message: id }).toBe(8);
      await expect.poll(() => chart(page, "phi").locator(".latest").textContent()).toBe("0.660");
      expect(await page.evaluate("location.hash")).toBe("#kernel=apollo_1");
      await screenshot(page, "charts-desktop");
      await page.setViewportSize(PHONE);
      await chart(page, "phi").scrollIntoViewIfNeeded();
      await screenshot(page, "charts-phone");
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    "draw the thresholds the server gives: the Φ band, κ* ± 10, the drift lines and the kernel's own rest threshold",
    async () => {
      const config = (await http.get("/api/dashboard/config")).body.config;
      const apollo = (await http.get("/api/rest/status/apollo_1")).body.kernel;
      const { page, problems } = await browser.open(`${server.url}/#kernel=apollo_1`, DESKTOP);
      await expect
        .poll(() => thresholds(page, "fatigue"), { timeout: 20_000 })
        .toEqual([apollo.rest_threshold]);
      expect(await thresholds(page, "phi")).toEqual([
        config.phi.avg_low_critical,
        config.phi.low_warning,
        config.phi.avg_high_critical,
      ]);
      expect(await thresholds(page, "kappa")).toEqual([
        config.kappa_star,
        config.kappa_star + config.kappa_deviation_warning,
        config.kappa_star - config.kappa_deviation_warning,
      ]);
      expect(await thresholds(page, "drift")).toEqual([config.drift.warning, config.drift.critical]);
      expect([config.phi.low_warning, config.kappa_star, config.drift.critical]).toEqual([0.715, 64.21, 2]);
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    "show the kernel chosen in the graph",
    async () => {
      for (const phi of [0.8, 0.79]) await report("athena_1", phi);
      const { page, problems } = await browser.open(`${server.url}/#kernel=apollo_1`, DESKTOP);
      await expect.poll(() => points(page, "phi"), { timeout: 20_000 }).toBe(8);
      await page.locator('[data-kernel-id="athena_1"]').click();
      await expect.poll(() => points(page, "phi"), { timeout: 20_000 }).toBe(2);
      expect(await page.locator('select[aria-label^="Kernel shown"]').inputValue()).toBe("athena_1");
      expect(await page.evaluate("location.hash")).toBe("#kernel=athena_1");
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );
});
