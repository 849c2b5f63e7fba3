/**
 * Reviewing patches in the page, against the real server process in phase 3: a decision
 * taken with the page's buttons is the server's decision, recorded under the operator's name,
 * and the queue follows without a reload. The kernels are driven over HTTP as the SDK would:
 * they report, and answer the sandbox and live actions their directives carry.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERRORS, healingHttp, SLOW } from "../support/healing-http.js";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
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
const API = "/api/self-healing";
const KERNEL_TOKEN = "kernel-token-0123456789";
const OPERATOR_TOKEN = "operator-token-0123456789";
const VIEWER_TOKEN = "viewer-token-0123456789";

const stores = storeLocations("autonomic-browser-review-");
let server: ServerProcess;
let http: ReturnType<typeof healingHttp>;
let browser: DashboardBrowser;

/**
 * Sandboxes an action on the kernel through `client` (answering the dry run as the kernel),
 * leaving the patch in review.
 */
async function patchInReview(
  client: ReturnType<typeof healingHttp>,
  kernelId: string,
  metrics: object,
  action: { type: string; params?: object },
  predicted: object,
) {
  await client.reportMany(kernelId, metrics, 12);
  const evaluating = client.post(`${API}/evaluate-patch`, { kernel_id: kernelId, ...action });
  const dry = await client.nextAction(kernelId, metrics, { dry_run: true });
  await client.answer(dry.action_id, { ok: true, predicted });
  const evaluated = await evaluating;
  expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200);
  expect(evaluated.body.patch.state).toBe("pending_review");
  return evaluated.body.patch as { patch_id: string };
}

beforeAll(async () => {
  await ensureDashboardBuilt();
  server = await startServerProcess({ db: await stores.fresh("sqlite") });
  http = healingHttp(server.url);
  // Phase 3 (two recorded, forced advances), with the loop out of the way: only our patches.
  await http.forcePhase(3);
  await http.post(`${API}/stop`);
  browser = await launchBrowser();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await stopAllServers();
  await stores.cleanup();
});

const card = (page: Page, patchId: string) => page.locator(`[data-patch-id="${patchId}"]`);

describe("patch review in the page", () => {
  it(
    "approves a waiting patch with the page's button: the server applies it, recorded under the operator's name, and the queue empties",
    async () => {
      const patch = await patchInReview(
        http,
        "apollo_1",
        SLOW,
        { type: "enable_cache", params: { entries: 500 } },
        {
          phi: 0.75,
          kappa_eff: 64.21,
          avg_latency: 150,
        },
      );
      const { page, problems } = await browser.open(`${server.url}/`, DESKTOP);
      const waiting = card(page, patch.patch_id);
      await waiting.waitFor({ timeout: 20_000 });
      // The fitness breakdown term by term as the server stored it: the cache cures the
      // latency it targets and spares the rest, so 1.
      const total = await waiting.locator(".fitness-total").textContent();
      expect(total).toContain("fitness 1.00");
      expect(total).toContain("target avg latency ms");
      expect(
        await waiting
          .locator(".terms li")
          .evaluateAll((items) => items.map((li) => li.getAttribute("data-term"))),
      ).toEqual(["target", "sparing", "validity", "harm_cap"]);
      expect(await waiting.locator('[data-term="target"]').getAttribute("title")).toBe(
        "0.55 × 1.000 = 0.550",
      );
      await waiting.scrollIntoViewIfNeeded();
      await screenshot(page, "review-desktop");
      await page.setViewportSize(PHONE);
      await waiting.scrollIntoViewIfNeeded();
      await screenshot(page, "review-phone");
      await page.setViewportSize(DESKTOP);

      await page.locator(".operator input").first().fill("ada");
      await waiting.locator(".decide input[placeholder]").fill("a cache is cheap to undo");
      await waiting.locator("button.approve").click();

      // Approval sends the live action; the kernel runs it and the patch is applied.
      const live = await http.nextAction("apollo_1", SLOW, { patch_id: patch.patch_id, dry_run: false });
      expect(live.type).toBe("enable_cache");
      await http.answer(live.action_id, { ok: true });
      const applied = await http.patchIn(patch.patch_id, "applied");
      expect(applied.transitions.at(-1)).toMatchObject({
        from: "approved",
        to: "applied",
        actor: "user:ada",
        reason: "a cache is cheap to undo",
      });
      await expect.poll(() => waiting.count(), { timeout: 10_000 }).toBe(0);
      await expect
        .poll(() => page.locator(".recent tr", { hasText: "enable cache" }).textContent(), {
          timeout: 10_000,
        })
        .toContain("applied");
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    "rejects a waiting patch as not needed: the server rejects it as a false positive, which the gate counts",
    async () => {
      const patch = await patchInReview(
        http,
        "athena_1",
        ERRORS,
        { type: "rollback_config" },
        {
          phi: 0.75,
          kappa_eff: 64.21,
          error_rate: 0.01,
        },
      );
      const { page, problems } = await browser.open(`${server.url}/`, DESKTOP);
      const waiting = card(page, patch.patch_id);
      await waiting.waitFor({ timeout: 20_000 });
      await waiting.locator(".check input").check();
      await waiting.locator("button.reject").click();

      const rejected = await http.patchIn(patch.patch_id, "rejected");
      expect(rejected.false_positive).toBe(true);
      expect(rejected.transitions.at(-1)).toMatchObject({ from: "pending_review", to: "rejected" });
      expect((await http.get(`${API}/actions?kernel_id=athena_1`)).body.actions).toHaveLength(1);
      await expect.poll(() => waiting.count(), { timeout: 10_000 }).toBe(0);
      // The gate's false-positive criterion counts it, as the server computes it.
      const gate = (await http.get(`${API}/phase`)).body.phase;
      const counted = gate.criteria.find((c: { name: string }) => c.name === "false_positives");
      expect(counted.description).toMatch(/\(1 of \d+\)/);
      const criterion = page.locator('[data-criterion="false_positives"]');
      await expect.poll(() => criterion.textContent(), { timeout: 10_000 }).toContain(counted.description);
      expect(await criterion.getAttribute("class")).toBe(counted.met ? "met" : "unmet");
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );

  it(
    "shows the impact report of these reviews week by week, and calibration when asked, as the server computes them",
    async () => {
      const { report } = (await http.get("/api/report?since=30d")).body;
      const { page, problems } = await browser.open(`${server.url}/`, DESKTOP);
      const panel = page.locator('[data-panel="report"]');
      const reviews = panel.locator('[data-figure="reviews"]');
      await reviews.waitFor({ timeout: 20_000 });
      expect(report.reviews.decided).toBe(2);
      expect(await reviews.textContent()).toContain("2 human reviews (1 approved, 1 rejected)");
      expect(await panel.locator('[data-figure="incidents"]').textContent()).toContain(
        `${report.incidents.false_positives} false positives`,
      );
      expect(await panel.locator("tr[data-week]").count()).toBe(report.weeks.length);
      expect(await panel.locator('[data-chart="report-weeks"] canvas').count()).toBe(1);
      // No report.minutesPerIncident: no estimate.
      expect(await panel.locator('[data-figure="estimate"]').count()).toBe(0);

      const calibration = page.locator('[data-panel="calibration"]');
      await calibration.locator("button.calibrate").click();
      await calibration.locator("[data-calibration-summary]").waitFor({ timeout: 20_000 });
      const served = (await http.get("/api/self-healing/calibration?since=7d")).body.calibration;
      expect(await calibration.locator("tr[data-rule]").count()).toBe(served.rules.length);
      for (const r of served.rules)
        expect(await calibration.locator(`tr[data-rule="${r.rule}"] [data-suggested]`).textContent()).toBe(
          String(r.suggested.threshold),
        );
      await calibration.scrollIntoViewIfNeeded();
      await screenshot(page, "impact-desktop");
      // On a phone the wide tables scroll inside their panels.
      await page.setViewportSize(PHONE);
      await calibration.scrollIntoViewIfNeeded();
      await screenshot(page, "impact-phone");
      expect(await layoutFaults(page)).toEqual([]);
      expect(problems()).toEqual([]);
      await page.close();
    },
    TIMEOUT,
  );
});

describe("patch review on a server with tokens", () => {
  it(
    "reads with a viewer token, says why an approval with it is refused, and approves once the operator token is given",
    async () => {
      const guarded = await startServerProcess({
        db: await stores.fresh("sqlite"),
        env: {
          AUTONOMIC_KERNEL_TOKEN: KERNEL_TOKEN,
          AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN,
          AUTONOMIC_VIEWER_TOKEN: VIEWER_TOKEN,
        },
      });
      const operator = healingHttp(guarded.url, { token: OPERATOR_TOKEN });
      await operator.forcePhase(3);
      await operator.post(`${API}/stop`);
      const patch = await patchInReview(
        operator,
        "hermes_1",
        SLOW,
        {
          type: "enable_cache",
          params: { entries: 500 },
        },
        { phi: 0.75, kappa_eff: 64.21, avg_latency: 150 },
      );

      // Reads need a token: the page asks for one first.
      const { page, problems } = await browser.open(`${guarded.url}/`, DESKTOP);
      const prompt = page.locator("[data-token-prompt]");
      await prompt.waitFor({ timeout: 20_000 });
      await prompt.locator('input[name="token"]').fill(VIEWER_TOKEN);
      await prompt.locator('button[type="submit"]').click();
      const waiting = card(page, patch.patch_id);
      await waiting.waitFor({ timeout: 20_000 });
      const token = page.locator('.operator input[type="password"]');
      await token.waitFor();

      await waiting.locator("button.approve").click();
      await expect
        .poll(() => waiting.locator('[role="alert"]').textContent())
        .toContain("viewer token may only read");
      expect((await operator.patch(patch.patch_id)).transitions.at(-1).to).toBe("pending_review");
      // The reads before the token and the refused approval are the only requests that failed.
      expect(problems().filter((p) => !/\b40[13]\b/.test(p))).toEqual([]);
      expect(problems().some((p) => /\b403\b/.test(p))).toBe(true);

      await token.fill(OPERATOR_TOKEN);
      await waiting.locator("button.approve").click();
      const live = await operator.nextAction("hermes_1", SLOW, { patch_id: patch.patch_id, dry_run: false });
      await operator.answer(live.action_id, { ok: true });
      expect((await operator.patchIn(patch.patch_id, "applied")).transitions.at(-1).actor).toBe(
        "user:dashboard",
      );
      await expect.poll(() => waiting.count(), { timeout: 10_000 }).toBe(0);
      expect(problems().filter((p) => !/\b40[13]\b/.test(p))).toEqual([]);
      await page.close();
      guarded.kill("SIGTERM");
    },
    TIMEOUT,
  );
});
