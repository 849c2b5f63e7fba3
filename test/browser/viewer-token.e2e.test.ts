/**
 * The dashboard on a server with tokens, where every read needs one: the page loads, asks
 * for a token on the first 401, says when one is refused, and with a viewer token shows
 * everything, live from the event stream (read with the token), keeping the token for the
 * tab only. Review stays the operator's: the page says so.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healingHttp } from "../support/healing-http.js";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";
import {
  type DashboardBrowser,
  DESKTOP,
  ensureDashboardBuilt,
  launchBrowser,
  screenshot,
} from "./support/dashboard-browser.js";

const TIMEOUT = 120_000;
const KERNEL_TOKEN = "kernel-token-0123456789";
const OPERATOR_TOKEN = "operator-token-0123456789";
const VIEWER_TOKEN = "viewer-token-0123456789";

const stores = storeLocations("autonomic-browser-viewer-");
let server: ServerProcess;
let kernel: ReturnType<typeof healingHttp>;
let browser: DashboardBrowser;

beforeAll(async () => {
  await ensureDashboardBuilt();
  server = await startServerProcess({
    db: await stores.fresh("sqlite"),
    env: {
      AUTONOMIC_KERNEL_TOKEN: KERNEL_TOKEN,
      AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN,
      AUTONOMIC_VIEWER_TOKEN: VIEWER_TOKEN,
    },
  });
  kernel = healingHttp(server.url, { token: KERNEL_TOKEN });
  for (const [kernel_id, kernel_name] of [
    ["apollo_1", "Apollo"],
    ["athena_1", "Athena"],
  ]) {
    expect((await kernel.post("/api/rest/kernels", { kernel_id, kernel_name })).status).toBe(201);
    await kernel.reportMany(kernel_id, { phi: 0.75, kappa_eff: 64.21 }, 3);
  }
  browser = await launchBrowser();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await stopAllServers();
  await stores.cleanup();
});

const prompt = (page: Page) => page.locator("[data-token-prompt]");
const kernels = (page: Page) => page.locator("[data-kernel-id]");

async function giveToken(page: Page, token: string) {
  await prompt(page).locator('input[name="token"]').fill(token);
  await prompt(page).locator('button[type="submit"]').click();
}

describe("the dashboard with a viewer token", () => {
  it(
    "asks for a token on a 401, says when one is refused, then shows the constellation live with a viewer token kept for the tab",
    async () => {
      const { page, problems } = await browser.open(`${server.url}/`, DESKTOP);
      await prompt(page).waitFor({ timeout: 20_000 });
      expect(await prompt(page).getAttribute("data-token-prompt")).toBe("needed");
      expect(await kernels(page).count()).toBe(0);
      expect(await page.content()).not.toContain("apollo_1");
      // Nothing but refused reads so far.
      expect(problems().length).toBeGreaterThan(0);
      expect(problems().filter((p) => !p.includes("401"))).toEqual([]);

      await giveToken(page, "not-a-token-of-this-server");
      await expect
        .poll(() => prompt(page).getAttribute("data-token-prompt"), { timeout: 10_000 })
        .toBe("refused");
      expect(await prompt(page).locator('[role="alert"]').textContent()).toContain("refused");
      await screenshot(page, "token-prompt-desktop");

      const refusedSoFar = problems().length;
      await giveToken(page, VIEWER_TOKEN);
      await expect.poll(() => kernels(page).count(), { timeout: 20_000 }).toBe(2);
      await expect
        .poll(() => page.locator("[data-feed]").getAttribute("data-feed"), { timeout: 10_000 })
        .toBe("live");
      await expect.poll(() => page.locator("[data-chart]").count(), { timeout: 20_000 }).toBeGreaterThan(0);
      await page.locator("[data-phase]").waitFor();
      // Review is the operator's: the page says so instead of offering buttons that will fail.
      await page.locator("[data-read-only]").waitFor();
      expect(await page.locator("[data-read-only]").textContent()).toContain("viewer token");
      await screenshot(page, "viewer-token-desktop");

      // Live: a kernel registered now arrives through the event stream, read with the token.
      expect(
        (await kernel.post("/api/rest/kernels", { kernel_id: "hermes_1", kernel_name: "Hermes" })).status,
      ).toBe(201);
      await expect.poll(() => kernels(page).count(), { timeout: 15_000 }).toBe(3);

      // Kept for this tab: a reload reads at once, without asking.
      await page.reload();
      await expect.poll(() => kernels(page).count(), { timeout: 20_000 }).toBe(3);
      expect(await prompt(page).count()).toBe(0);
      // The reload cuts what the page was reading (its stream, a chart's reads): aborted, not failed.
      const cut = (p: string) => p.endsWith("net::ERR_ABORTED");
      expect(
        problems()
          .slice(refusedSoFar)
          .filter((p) => !cut(p)),
      ).toEqual([]);
      await page.close();

      // Another tab has its own session: it asks again.
      const other = await browser.open(`${server.url}/`, DESKTOP);
      await prompt(other.page).waitFor({ timeout: 20_000 });
      expect(await kernels(other.page).count()).toBe(0);
      await other.page.close();
    },
    TIMEOUT,
  );
});
