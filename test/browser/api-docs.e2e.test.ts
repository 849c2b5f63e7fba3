/**
 * /docs, the API reference a reader opens: in Chromium it draws every path and method of
 * /openapi.json, fetching nothing from anywhere but the server (it works offline), with no
 * console error.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";
import { type DashboardBrowser, DESKTOP, launchBrowser, screenshot } from "./support/dashboard-browser.js";

const TIMEOUT = 120_000;
const stores = storeLocations("autonomic-browser-docs-");
let server: ServerProcess;
let browser: DashboardBrowser;

beforeAll(async () => {
  server = await startServerProcess({ db: await stores.fresh("sqlite") });
  browser = await launchBrowser();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await stopAllServers();
  await stores.cleanup();
});

/** Every operation the page draws, as "METHOD /path". */
const drawnOperations = (page: Page): Promise<string[]> =>
  page.$$eval(".opblock", (blocks) =>
    blocks.map((block) => {
      const method = block.querySelector(".opblock-summary-method")?.textContent ?? "?";
      const path = block.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "?";
      return `${method.trim().toUpperCase()} ${path}`;
    }),
  );

describe("/docs", () => {
  it(
    "shows every route of /openapi.json, offline, without errors",
    async () => {
      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const expected = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      );
      const origin = new URL(server.url).origin;
      // Opened on the document first, so the listener is on before /docs loads.
      const { page, problems } = await browser.open(`${server.url}/openapi.json`, DESKTOP);
      const elsewhere: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith(origin) && !request.url().startsWith("data:"))
          elsewhere.push(request.url());
      });
      await page.goto(`${server.url}/docs`);
      await page.waitForSelector(".opblock", { timeout: 30_000 });
      await expect
        .poll(async () => (await drawnOperations(page)).length, { timeout: 30_000 })
        .toBe(expected.length);
      expect((await drawnOperations(page)).sort()).toEqual(expected.sort());
      expect(await page.locator(".info .title").textContent()).toContain("Autonomic");
      await screenshot(page, "api-docs");
      expect(elsewhere.join(" ")).toBe("");
      expect(problems()).toEqual([]);
    },
    TIMEOUT,
  );
});
