/**
 * `autonomic demo` as a user meets it: its first line is the dashboard's URL, and that page,
 * with the simulated constellation living behind it, reads well on a laptop (1280×800) and a
 * phone (375×740): nothing scrolls sideways or spills out of its panel, the graph and charts
 * open the page, and over an hour of demo time (8 s at 600×) brings no console error and no failed request.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_ARGS, cleanEnv, REPO_ROOT } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";
import {
  type DashboardBrowser,
  DESKTOP,
  ensureDashboardBuilt,
  launchBrowser,
  layoutFaults,
  PHONE,
  screenshot,
} from "./support/dashboard-browser.js";

const TIMEOUT = 120_000;
/** Wall time the page is left to take live updates: at 600× about 80 demo minutes. */
const LIVE_MS = 8000;

const stores = storeLocations("autonomic-browser-demo-");
let demo: ChildProcess;
let firstLine: string;
let stderr = "";
let exited: Promise<number | null>;
let browser: DashboardBrowser;

beforeAll(async () => {
  await ensureDashboardBuilt();
  // --open on a machine with no browser to open: an empty PATH has no xdg-open (nor open).
  const noBrowser = join(stores.dir, "no-browser");
  mkdirSync(noBrowser);
  demo = spawn(
    process.execPath,
    [
      ...CLI_ARGS,
      "demo",
      "--port",
      "0",
      "--db",
      join(stores.dir, "demo.db"),
      "--log-file",
      join(stores.dir, "demo.log"),
      "--speed",
      "600",
      "--open",
    ],
    { cwd: REPO_ROOT, env: cleanEnv({ PATH: noBrowser }), stdio: ["ignore", "pipe", "pipe"] },
  );
  exited = new Promise((resolve) => demo.once("close", (code) => resolve(code)));
  demo.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  firstLine = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no output from the demo in 40 s\n${stderr}`)), 40_000);
    demo.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const newline = out.indexOf("\n");
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, newline));
      }
    });
  });
  browser = await launchBrowser();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    demo.kill("SIGINT");
    await exited;
  }
  await stores.cleanup();
});

/** The dashboard's URL from the demo's first line. */
function dashboardUrl(): string {
  const match = /^Autonomic dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(firstLine);
  if (!match) throw new Error(`first line is not the dashboard URL: ${firstLine}`);
  return match[1] as string;
}

async function waitForLife(page: Page) {
  await expect.poll(() => page.locator("[data-kernel-id]").count(), { timeout: 30_000 }).toBe(16);
  await expect
    .poll(async () => Number(await page.locator('[data-chart="phi"]').getAttribute("data-points")), {
      timeout: 30_000,
    })
    .toBeGreaterThan(0);
  await page.locator('[data-feed="live"]').waitFor();
  await page.waitForTimeout(LIVE_MS);
}

const box = async (page: Page, selector: string) => {
  const b = await page.locator(selector).boundingBox();
  if (!b) throw new Error(`${selector} is not laid out`);
  return b;
};

describe("autonomic demo's dashboard", () => {
  it("prints the dashboard's URL first, and serves the page there", async () => {
    const url = dashboardUrl();
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('<div id="app">');
    // The demo's 16 kernels keep both cores busy: a first page can take seconds.
  }, 30_000);

  it("with --open and no browser on the machine, says so and runs on", async () => {
    await expect.poll(() => stderr, { timeout: 10_000 }).toContain("--open: could not open a browser");
    expect(stderr).toContain(dashboardUrl());
    expect(demo.exitCode).toBeNull();
    expect((await fetch(`${dashboardUrl()}api/rest/health`)).status).toBe(200);
  }, 30_000);

  it(
    "reads well at 1280×800: graph and charts side by side in the first screen, nothing spilling, no error while it lives",
    async () => {
      const { page, problems } = await browser.open(dashboardUrl(), DESKTOP);
      await waitForLife(page);
      await screenshot(page, "demo-desktop");
      await screenshot(page, "demo-desktop-full", true);
      expect(await layoutFaults(page)).toEqual([]);
      const graph = await box(page, ".graph-panel");
      const charts = await box(page, ".charts-panel");
      expect(charts.x).toBeGreaterThan(graph.x + graph.width - 1);
      expect(Math.max(graph.y + graph.height, charts.y + charts.height)).toBeLessThanOrEqual(DESKTOP.height);
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    "reads well at 375×740: one column as wide as the screen, nothing spilling, no error while it lives",
    async () => {
      const { page, problems } = await browser.open(dashboardUrl(), PHONE);
      await waitForLife(page);
      await screenshot(page, "demo-phone");
      await screenshot(page, "demo-phone-full", true);
      expect(await layoutFaults(page)).toEqual([]);
      const graph = await box(page, ".graph-panel");
      const charts = await box(page, ".charts-panel");
      expect(graph.width).toBeLessThanOrEqual(PHONE.width);
      expect(charts.y).toBeGreaterThanOrEqual(graph.y + graph.height);
      // The graph opens the page: the constellation is on the first screen.
      expect(graph.y).toBeLessThan(PHONE.height / 2);
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it("stops on Ctrl-C with the page still open", async () => {
    const { page } = await browser.open(dashboardUrl(), DESKTOP);
    await page.locator('[data-feed="live"]').waitFor({ timeout: 20_000 });
    demo.kill("SIGINT");
    expect(await exited).toBe(0);
    await page.close();
  }, 60_000);
});
