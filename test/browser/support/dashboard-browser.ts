/**
 * Driving the dashboard in Debian's Chromium through playwright-core (never a downloaded
 * browser): the build checked fresh against web/'s sources, a headless browser on a fresh
 * profile, and a page whose console errors and failed requests are collected, so a test can
 * say "nothing went wrong" as an assertion.
 *
 * @example
 * await ensureDashboardBuilt();
 * const browser = await launchBrowser();
 * const { page, problems } = await browser.open(`${server.url}/`, { width: 1280, height: 800 });
 * expect(problems()).toEqual([]);
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { REPO_ROOT } from "../../support/server-process.js";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = join(REPO_ROOT, "reports", "screenshots");
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

const WEB = join(REPO_ROOT, "web");
const BUILT_INDEX = join(REPO_ROOT, "dist", "web", "index.html");
const BUILD_LOCK = join(REPO_ROOT, "dist", ".web-build-lock");

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * Builds dist/web when it is missing or older than a file under web/, so the browser tests
 * always test the sources as they are. Test files run in parallel: one builds, the others
 * wait for its lock.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  const fresh = () => existsSync(BUILT_INDEX) && statSync(BUILT_INDEX).mtimeMs >= newestMtime(WEB);
  if (fresh()) return;
  mkdirSync(join(REPO_ROOT, "dist"), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      if (waited > 120_000) throw new Error(`${BUILD_LOCK} held for 2 minutes: remove it if no build runs`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    const { build } = await import("vite");
    await build({ configFile: join(WEB, "vite.config.ts"), logLevel: "warn" });
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export interface WatchedPage {
  page: Page;
  /** Console errors, page errors, failed requests and HTTP errors seen so far, one line each. */
  problems(): string[];
}

export interface DashboardBrowser {
  open(url: string, viewport: { width: number; height: number }): Promise<WatchedPage>;
  close(): Promise<void>;
}

/** Headless Chromium on a fresh profile, which `close` removes. */
export async function launchBrowser(): Promise<DashboardBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const profile = mkdtempSync(join(tmpdir(), "autonomic-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: DESKTOP,
  });
  const blank = context.pages();
  return {
    async open(url, viewport) {
      const page = await context.newPage();
      for (const stray of blank.splice(0)) await stray.close();
      await page.setViewportSize(viewport);
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console: ${message.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("requestfailed", (request) =>
        problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ""}`),
      );
      page.on("response", (response) => {
        if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
      });
      await page.goto(url);
      return { page, problems: () => [...problems] };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of the page as reports/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * The page's layout faults: content wider than the viewport (a sideways scroll), and any
 * panel whose content spills out of it.
 */
export async function layoutFaults(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const faults = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1)
      faults.push("page scrolls sideways: " + doc.scrollWidth + " > " + doc.clientWidth);
    for (const panel of document.querySelectorAll(".panel")) {
      if (panel.scrollWidth > panel.clientWidth + 1)
        faults.push((panel.querySelector("h2")?.textContent ?? "a panel") + " overflows: " + panel.scrollWidth + " > " + panel.clientWidth);
    }
    return faults;
  })()`) as Promise<string[]>;
}
