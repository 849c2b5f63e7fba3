/**
 * The coupling graph in a real browser against the real server process: every registered
 * kernel on it, rests and coverage arriving live from the event stream, and the page
 * catching up by itself after the server restarts.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, healingHttp } from "../support/healing-http.js";
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

const SLOW = 90_000;
const GODS: [string, string][] = [
  ["heart_1", "Heart"],
  ["ocean_1", "Ocean"],
  ["apollo_1", "Apollo"],
  ["athena_1", "Athena"],
  ["zeus_1", "Zeus"],
  ["hera_1", "Hera"],
  ["ares_1", "Ares"],
  ["hades_1", "Hades"],
];
const TIRED = { phi: 0.3, kappa: 50, load: 0.7 };

const stores = storeLocations("autonomic-browser-constellation-");
let db: string;
let server: ServerProcess;
let browser: DashboardBrowser;

beforeAll(async () => {
  await ensureDashboardBuilt();
  db = await stores.fresh("sqlite");
  server = await startServerProcess({ db });
  const http = healingHttp(server.url);
  for (const [kernel_id, kernel_name] of GODS) {
    const reply = await http.post("/api/rest/kernels", { kernel_id, kernel_name });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  }
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await stopAllServers();
  await stores.cleanup();
});

const node = (page: Page, id: string) => page.locator(`[data-kernel-id="${id}"]`);
/** The colour the browser paints a kernel's disc (the tests' tsconfig has no DOM types, hence the string). */
const discFill = (page: Page, id: string) =>
  page.evaluate(
    `getComputedStyle(document.querySelector('[data-kernel-id="${id}"] circle.disc')).fill`,
  ) as Promise<string>;

describe("the coupling graph", () => {
  it(
    "shows every registered kernel as a node with its rest status, essential kernels marked",
    async () => {
      const { page, problems } = await browser.open(`${server.url}/`, DESKTOP);
      await expect
        .poll(() => page.locator("[data-kernel-id]").count(), { timeout: 20_000 })
        .toBe(GODS.length);
      const { kernels } = (await healingHttp(server.url).get("/api/rest/kernels")).body;
      for (const k of kernels as { kernel_id: string; tier: string; status: string }[]) {
        const n = node(page, k.kernel_id);
        expect(await n.getAttribute("data-status"), k.kernel_id).toBe(k.status);
        expect(await n.getAttribute("data-essential"), k.kernel_id).toBe(String(k.tier === "essential"));
        expect(await n.locator(".essential-ring").count(), k.kernel_id).toBe(k.tier === "essential" ? 1 : 0);
      }
      expect(await page.locator("[data-edge]").count()).toBe(0);
      await screenshot(page, "constellation-desktop");
      expect(problems()).toEqual([]);
      await page.close();
    },
    SLOW,
  );

  it(
    "draws a rest requested through the API, with its coverage arrow, without a reload; and takes it away when the rest ends",
    async () => {
      const http = healingHttp(server.url);
      const { page, problems } = await browser.open(`${server.url}/`, DESKTOP);
      await expect
        .poll(() => page.locator("[data-kernel-id]").count(), { timeout: 20_000 })
        .toBe(GODS.length);
      await page.locator('[data-feed="live"]').waitFor();
      // A reload would start a fresh window without this mark.
      await page.evaluate("window.__sameDocument = true");
      const activeFill = await discFill(page, "apollo_1");

      expect((await http.post("/api/rest/fatigue/apollo_1", TIRED)).status).toBe(200);
      const rest = await http.post("/api/rest/request/apollo_1", {});
      expect(rest.body).toMatchObject({ approved: true, covering_partner: "athena_1" });

      await page.locator('[data-edge="athena_1->apollo_1"]').waitFor({ state: "attached", timeout: 10_000 });
      await expect.poll(() => node(page, "apollo_1").getAttribute("data-status")).toBe("resting");
      expect(await discFill(page, "apollo_1")).not.toBe(activeFill);
      expect(await discFill(page, "athena_1")).toBe(activeFill);
      expect(await page.evaluate("window.__sameDocument")).toBe(true);
      await screenshot(page, "coverage-desktop");
      await page.setViewportSize(PHONE);
      await screenshot(page, "coverage-phone");

      expect((await http.post("/api/rest/end/apollo_1")).status).toBe(200);
      await expect.poll(() => page.locator("[data-edge]").count(), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => node(page, "apollo_1").getAttribute("data-status")).toBe("active");
      expect(await page.evaluate("window.__sameDocument")).toBe(true);
      expect(problems()).toEqual([]);
      await page.close();
    },
    SLOW,
  );

  // Last in this file: it replaces the server the others use.
  it(
    "says it is reconnecting while the server is down, and once it is back reconnects and reads everything again",
    async () => {
      const { page } = await browser.open(`${server.url}/`, DESKTOP);
      await page.locator('[data-feed="live"]').waitFor({ timeout: 20_000 });
      // The page reads its config at start and on every (re)connection, never otherwise.
      let configReads = 0;
      page.on("request", (request) => {
        if (new URL(request.url()).pathname === "/api/dashboard/config") configReads++;
      });
      const port = new URL(server.url).port;
      server.kill("SIGTERM");
      await server.waitForExit();
      await page.locator('[data-feed="reconnecting"]').waitFor({ timeout: 20_000 });

      server = await startServerProcess({ db, args: ["--port", port] });
      expect(server.url).toContain(`:${port}`);
      const hermes = await healingHttp(server.url).post("/api/rest/kernels", {
        kernel_id: "hermes_1",
        kernel_name: "Hermes",
      });
      expect(hermes.status).toBe(201);
      await page.locator('[data-feed="live"]').waitFor({ timeout: 30_000 });
      await expect.poll(() => configReads, { timeout: 10_000 }).toBeGreaterThan(0);
      await node(page, "hermes_1").waitFor({ state: "attached", timeout: 20_000 });
      await eventually(
        () => page.locator("[data-kernel-id]").count(),
        (count) => count === GODS.length + 1,
        "every kernel back on the graph",
      );
      await page.close();
    },
    SLOW,
  );
});
