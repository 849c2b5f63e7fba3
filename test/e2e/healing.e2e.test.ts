/**
 * Self-healing over HTTP against the real server process (issue 6's done criteria that need
 * HTTP): phase gates that refuse a fresh database and allow a simulated run that meets them,
 * human review in phase 3, the rollback of a wrong action, alerts delivered to a real webhook
 * receiver on loopback, metrics, and who may do what. Kernels are driven over HTTP: they
 * report snapshots and answer the actions their directives carry.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultRegistryPath } from "../../src/core/registry/default-registry.js";
import { requireRegistry } from "../../src/core/registry/registry.js";
import { simulate } from "../../src/sim/simulate.js";
import { configFile, ERRORS, eventually, healingHttp, SLOW } from "../support/healing-http.js";
import { startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

const SLOW_TEST = 90_000;
const KERNEL_TOKEN = "kernel-token-0123456789";
const OPERATOR_TOKEN = "operator-token-0123456789";
const API = "/api/self-healing";

const stores = storeLocations("autonomic-healing-e2e-");

afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

/** A server on a fresh SQLite file, with `config` as its --config file. */
async function serve(name: string, config: object = {}, env: Record<string, string> = {}) {
  const db = await stores.fresh("sqlite");
  const server = await startServerProcess({
    db,
    args: ["--config", configFile(stores.dir, name, config)],
    env,
  });
  return { server, db, http: healingHttp(server.url) };
}

describe("phase gates over HTTP", () => {
  it(
    "refuses to leave phase 1 on a fresh database, naming the unmet criteria, and records a forced advance with its reason across a restart",
    async () => {
      const { server, db, http } = await serve("fresh");
      const fresh = (await http.get(`${API}/phase`)).body.phase;
      expect(fresh).toMatchObject({ phase: 1, name: "monitoring", next: 2, met: false, history: [] });
      expect(fresh.criteria.map((c: { name: string }) => c.name)).toEqual([
        "snapshots",
        "baselines",
        "no_crash",
      ]);
      expect(fresh.criteria[0]).toEqual({
        name: "snapshots",
        description: "health snapshots recorded",
        value: 0,
        target: "≥ 1000",
        met: false,
      });

      for (const body of [undefined, {}, { force: false }]) {
        const refused = await http.post(`${API}/phase/advance`, body);
        expect(refused.status, JSON.stringify(body)).toBe(409);
        expect(refused.body).toEqual({
          success: false,
          code: "gate_unmet",
          error: expect.stringContaining("snapshots 0 (needs ≥ 1000)"),
          unmet: [fresh.criteria[0]],
        });
      }
      const withoutReason = await http.post(`${API}/phase/advance`, { force: true });
      expect(withoutReason.status).toBe(400);
      expect(withoutReason.body).toMatchObject({ success: false, error: expect.stringMatching(/^reason:/) });
      expect((await http.get(`${API}/phase`)).body.phase).toEqual(fresh);

      const reason = "lab constellation: the gate was proven in staging";
      const forced = await http.post(`${API}/phase/advance`, { force: true, reason }, { actor: "ada" });
      expect(forced.status).toBe(200);
      expect(forced.body.change).toEqual({
        from: 1,
        to: 2,
        from_name: "monitoring",
        to_name: "fitness_evaluation",
        forced: true,
        reason,
        unmet: ["snapshots"],
      });
      expect(forced.body.phase).toMatchObject({ phase: 2, name: "fitness_evaluation", next: 3 });

      server.kill("SIGTERM");
      expect((await server.waitForExit()).code).toBe(0);
      const again = await startServerProcess({ db });
      const restored = (await healingHttp(again.url).get(`${API}/phase`)).body.phase;
      expect(restored).toMatchObject({ phase: 2, name: "fitness_evaluation" });
      expect(restored.history).toEqual([
        { from_phase: 1, to_phase: 2, at: expect.any(String), actor: "user:ada", forced: true, reason },
      ]);
      again.kill("SIGKILL");
    },
    SLOW_TEST,
  );

  it(
    "allows leaving phase 1 without force after a simulated run that meets its gate",
    async () => {
      const db = join(stores.dir, "simulated.db");
      // Phase 1 only monitors: three hours of 16 kernels reporting each minute, no patch.
      const run = await simulate({
        registry: requireRegistry(defaultRegistryPath()),
        hours: 3,
        seed: 7,
        phase: 1,
        store: db,
      });
      expect(run.snapshots).toBeGreaterThanOrEqual(1000);
      const server = await startServerProcess({ db });
      const http = healingHttp(server.url);

      const gate = (await http.get(`${API}/phase`)).body.phase;
      expect(gate).toMatchObject({ phase: 1, met: true });
      expect(gate.criteria).toEqual([
        expect.objectContaining({ name: "snapshots", value: run.snapshots, met: true }),
        expect.objectContaining({ name: "baselines", value: run.kernels, met: true }),
        expect.objectContaining({ name: "no_crash", value: 0, met: true }),
      ]);

      const advanced = await http.post(`${API}/phase/advance`);
      expect(advanced.status, JSON.stringify(advanced.body)).toBe(200);
      expect(advanced.body.change).toMatchObject({ from: 1, to: 2, forced: false, unmet: [] });
      expect((await http.get(`${API}/phase`)).body.phase.history).toEqual([
        expect.objectContaining({ from_phase: 1, to_phase: 2, forced: false, actor: "user:operator" }),
      ]);
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );
});

describe("healing with review over HTTP", () => {
  it(
    "in phase 3 holds a patch for approval after its sandbox run: approving sends the live action and applies it; rejecting one as not needed leaves its kernel alone and counts a false positive",
    async () => {
      // Verification an hour away, so the applied patch stays applied while the test looks.
      const { server, http } = await serve("review", { healing: { verificationIntervalSeconds: 3600 } });
      await http.forcePhase(3);
      expect((await http.post(`${API}/stop`)).body).toEqual({
        success: true,
        message: "Healing engine stopped",
        status: { running: false, phase: 3 },
      });
      await http.reportMany("apollo_1", SLOW, 12);
      await http.reportMany("athena_1", ERRORS, 12);

      const heal = await http.post(`${API}/heal`);
      expect(heal.status).toBe(200);
      expect(heal.body.heal).toMatchObject({ phase: 3, examined: 2, skipped: [] });
      const started = await Promise.all(heal.body.heal.patches_started.map((id: string) => http.patch(id)));
      const cache = started.find((p) => p.kernel_id === "apollo_1");
      const configRollback = started.find((p) => p.kernel_id === "athena_1");
      expect(cache).toMatchObject({
        strategy: "performance",
        action: { type: "enable_cache" },
        state: "generated",
      });
      expect(configRollback).toMatchObject({ strategy: "error_spike", action: { type: "rollback_config" } });

      // Each kernel tries its action in its sandbox and predicts the outcome.
      const cacheDry = await http.nextAction("apollo_1", SLOW, { patch_id: cache.patch_id, dry_run: true });
      await http.answer(cacheDry.action_id, {
        ok: true,
        predicted: { phi: 0.75, kappa_eff: 64.21, avg_latency: 180 },
      });
      const rollbackDry = await http.nextAction("athena_1", ERRORS, {
        patch_id: configRollback.patch_id,
        dry_run: true,
      });
      await http.answer(rollbackDry.action_id, {
        ok: true,
        predicted: { phi: 0.75, kappa_eff: 64.21, error_rate: 0.01 },
      });
      const pending = await eventually(
        async () => (await http.get(`${API}/patches?state=pending_review`)).body.patches,
        (list) => list.length === 2,
        "two patches waiting for review",
      );
      const waiting = Object.fromEntries(pending.map((p: { kernel_id: string }) => [p.kernel_id, p]));
      // Each cures its target and harms nothing else: fitness 1, and phase 3 still asks a human.
      expect(waiting.apollo_1.sandbox).toMatchObject({
        recommendation: "apply",
        fitness: {
          formula: "targeted",
          fitness: 1,
          components: { target: 1, sparing: 1, validity: 1, harm_cap: 1 },
          weights: { target: 0.55, sparing: 0.45 },
          inputs: { target: "avg_latency_ms", after: { avg_latency_ms: 180 } },
        },
      });
      expect(waiting.athena_1.sandbox.fitness.inputs).toMatchObject({
        target: "error_rate",
        after: { error_rate: 0.01 },
      });
      expect(
        waiting.athena_1.record.sandbox.terms.map((t: { name: string; weight: number | null }) => [
          t.name,
          t.weight,
        ]),
      ).toEqual([
        ["target", 0.55],
        ["sparing", 0.45],
        ["validity", null],
        ["harm_cap", null],
      ]);
      // One patch reads the same from the list and on its own.
      expect((await http.get(`${API}/patches/${cache.patch_id}`)).body.patch).toEqual(waiting.apollo_1);
      const absent = await http.get(`${API}/patches/pat_never_made`);
      expect(absent.status).toBe(404);
      expect(absent.body).toMatchObject({ success: false, error: expect.stringContaining("pat_never_made") });
      expect(waiting.apollo_1.record.steps.map((s: { to: string }) => s.to)).toEqual([
        "generated",
        "sandboxed",
        "pending_review",
      ]);
      expect((await http.get(`${API}/status`)).body.status).toMatchObject({
        running: false,
        phase: 3,
        phase_name: "healing_with_review",
        open_patches: 2,
        pending_review: 2,
      });

      // Approving sends the live action; the patch applies once the kernel has run it.
      const reason = "a cache is cheap to undo";
      const approved = await http.post(
        `${API}/patches/${cache.patch_id}/approve`,
        { reason },
        { actor: "ada" },
      );
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      // Approval moves the patch on at once (SPEC §5): the reply shows it approved, not still pending.
      expect(approved.body.patch).toMatchObject({ patch_id: cache.patch_id, state: "approved" });
      expect(approved.body.patch.transitions.at(-1)).toMatchObject({
        from: "pending_review",
        to: "approved",
        actor: "user:ada",
        reason,
      });
      expect(approved.body.patch.record.state).toBe("approved");
      const live = await http.nextAction("apollo_1", SLOW, { patch_id: cache.patch_id, dry_run: false });
      expect(live).toMatchObject({ type: "enable_cache", params: { entries: 1000 } });
      // While the kernel runs it, a second decision is refused and sends nothing more.
      for (const decision of ["approve", "reject"])
        expect((await http.post(`${API}/patches/${cache.patch_id}/${decision}`, {})).status, decision).toBe(
          409,
        );
      expect((await http.report("apollo_1", SLOW)).map((a) => a.action_id)).toEqual([live.action_id]);
      await http.answer(live.action_id, { ok: true });
      const applied = await http.patchIn(cache.patch_id, "applied");
      expect(applied.transitions.at(-1)).toMatchObject({
        from: "approved",
        to: "applied",
        actor: "user:ada",
        reason,
      });
      expect(applied.record.steps.at(-1)).toMatchObject({
        kind: "transition",
        to: "applied",
        actor: "user:ada",
        reason,
      });

      // Rejecting as not needed: no live action ever goes to athena_1.
      const rejected = await http.post(
        `${API}/patches/${configRollback.patch_id}/reject`,
        { reason: "the spike was a load test", not_needed: true },
        { actor: "bob" },
      );
      expect(rejected.status).toBe(200);
      expect(rejected.body.patch).toMatchObject({ state: "rejected", false_positive: true });
      expect(rejected.body.patch.transitions.at(-1)).toMatchObject({
        from: "pending_review",
        to: "rejected",
        actor: "user:bob",
        reason: "the spike was a load test",
      });
      expect(await http.report("athena_1", ERRORS)).toEqual([]);
      const sentToAthena = (await http.get(`${API}/actions?kernel_id=athena_1`)).body.actions;
      expect(sentToAthena.map((a: { type: string; dry_run: boolean }) => [a.type, a.dry_run])).toEqual([
        ["rollback_config", true],
      ]);
      const gate = (await http.get(`${API}/phase`)).body.phase;
      expect(gate.criteria.find((c: { name: string }) => c.name === "false_positives")).toMatchObject({
        value: 0.5,
        description: expect.stringContaining("(1 of 2)"),
        met: false,
      });

      // The healing history lists every move, newest first, with who and why.
      const history = (await http.get(`${API}/history?kernel_id=athena_1`)).body.history;
      expect(history[0]).toMatchObject({ kernel_id: "athena_1", to: "rejected", actor: "user:bob" });
      expect(history.map((h: { to: string }) => h.to)).toEqual([
        "rejected",
        "pending_review",
        "sandboxed",
        "generated",
      ]);

      // What review cannot do: twice, a patch never made, a patch already applied.
      const twice = await http.post(`${API}/patches/${configRollback.patch_id}/approve`);
      expect(twice.status).toBe(409);
      expect(twice.body).toMatchObject({ success: false, code: "patch_not_pending" });
      const unknown = await http.post(`${API}/patches/pat_never_made/approve`, {});
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ success: false, code: "unknown_patch" });
      expect((await http.get(`${API}/patches/pat_never_made`)).status).toBe(404);
      expect((await http.post(`${API}/patches/${cache.patch_id}/reject`, {})).status).toBe(409);

      const athena = (await http.get(`${API}/patches?kernel_id=athena_1`)).body.patches;
      expect(athena.map((p: { patch_id: string; state: string }) => [p.patch_id, p.state])).toEqual([
        [configRollback.patch_id, "rejected"],
      ]);
      expect((await http.get(`${API}/status`)).body.status).toMatchObject({
        open_patches: 1,
        open_by_state: { applied: 1 },
        pending_review: 0,
      });
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );

  it(
    "refuses any approval before phase 3: phase 2 runs patches in the sandbox only, and nothing live reaches the kernel",
    async () => {
      const { server, http } = await serve("phase-2");
      await http.forcePhase(2);
      await http.reportMany("apollo_1", SLOW, 12);
      const evaluating = http.post(`${API}/evaluate-patch`, {
        kernel_id: "apollo_1",
        type: "enable_cache",
        params: { entries: 500 },
      });
      const dry = await http.nextAction("apollo_1", SLOW, { dry_run: true });
      await http.answer(dry.action_id, {
        ok: true,
        predicted: { phi: 0.75, kappa_eff: 64.21, avg_latency: 150 },
      });
      const evaluated = await evaluating;
      expect(evaluated.status).toBe(200);
      // The cache cures the latency it targets: fitness 1, yet phase 2 applies nothing.
      expect(evaluated.body).toMatchObject({ fitness: 1, recommendation: "apply" });
      expect(evaluated.body.patch.state).not.toBe("pending_review");

      const refused = await http.post(`${API}/patches/${evaluated.body.patch.patch_id}/approve`, {});
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ success: false, code: "phase_forbids_apply" });
      const sent = (await http.get(`${API}/actions?kernel_id=apollo_1`)).body.actions;
      expect(sent.map((a: { type: string; dry_run: boolean }) => [a.type, a.dry_run])).toEqual([
        ["enable_cache", true],
      ]);
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );

  it(
    "rolls back a wrong action forced through evaluate-patch and approved: live fitness stays below 0.6, so the inverse is sent and the reason recorded; the healing metrics count it",
    async () => {
      // Three measurements a second apart, taken by the scheduler's one-second tick.
      const { server, http } = await serve("rollback", {
        healing: { verificationIntervalSeconds: 1, verificationCount: 3 },
      });
      await http.forcePhase(3);
      // The loop stays out of it: this kernel's only patch is the one the operator forces.
      await http.post(`${API}/stop`);
      await http.reportMany("hermes_1", SLOW, 12);

      // Boosting integration does nothing for latency, and the dry run says so.
      const evaluating = http.post(
        `${API}/evaluate-patch`,
        { kernel_id: "hermes_1", type: "integration_boost", params: { factor: 1.3 } },
        { actor: "ada" },
      );
      const dry = await http.nextAction("hermes_1", SLOW, { type: "integration_boost", dry_run: true });
      await http.answer(dry.action_id, {
        ok: true,
        predicted: { phi: 0.92, kappa_eff: 64.21, avg_latency: 3500 },
      });
      const evaluated = await evaluating;
      expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200);
      // A boost targets Φ, which was healthy: nothing to make up (target 0), nothing else moved: 0.45.
      expect(evaluated.body.fitness).toBeCloseTo(0.45, 9);
      expect(evaluated.body).toMatchObject({
        recommendation: "reject",
        patch: {
          state: "pending_review",
          strategy: "phi_degradation",
          action: { type: "integration_boost" },
        },
      });
      const patchId = evaluated.body.patch.patch_id;
      expect(evaluated.body.patch.transitions[0]).toMatchObject({ to: "generated", actor: "user:ada" });
      const pass = await http.post(`${API}/heal`);
      expect(pass.body.heal.skipped).toEqual([
        { kernel_id: "hermes_1", reason_code: "under_patch", reason: "a patch is already in progress" },
      ]);

      await http.post(
        `${API}/patches/${patchId}/approve`,
        { reason: "overriding the sandbox" },
        { actor: "ada" },
      );
      const live = await http.nextAction("hermes_1", SLOW, { patch_id: patchId, dry_run: false });
      expect(live).toMatchObject({ type: "integration_boost", params: { factor: 1.3 } });
      await http.answer(live.action_id, { ok: true });

      // The kernel keeps reporting the same degradation through the verification window.
      const inverse = await http.nextAction(
        "hermes_1",
        SLOW,
        { patch_id: patchId, type: "decoherence" },
        { everyMs: 250, timeoutMs: 30_000 },
      );
      expect(inverse).toMatchObject({ dry_run: false, params: { noise: 0.12 } });
      await http.answer(inverse.action_id, { ok: true });
      const rolledBack = await http.patchIn(patchId, "rolled_back");
      expect(rolledBack.rollback).toEqual({ action_id: inverse.action_id, type: "decoherence", ok: true });
      expect(rolledBack.verification).toMatchObject({
        outcome: "rolled_back",
        reason: "mean live fitness 0.45 over 3 measurements < 0.6",
      });
      expect(rolledBack.verification.measurements.map((m: { fitness: number }) => m.fitness)).toEqual([
        0.45, 0.45, 0.45,
      ]);
      expect(rolledBack.transitions.at(-1)).toMatchObject({
        from: "applied",
        to: "rolled_back",
        reason: "mean live fitness 0.45 over 3 measurements < 0.6",
      });
      const steps = rolledBack.record.steps;
      expect(steps.filter((s: { kind: string }) => s.kind === "measurement")).toHaveLength(3);
      expect(steps.at(-1)).toMatchObject({
        to: "rolled_back",
        detail: `sent decoherence (${inverse.action_id}): ok`,
      });

      const metrics = (await http.get("/metrics")).body as string;
      expect(metrics).toMatch(/^healing_attempts_total\{strategy="phi_degradation"\} 1$/m);
      expect(metrics).toMatch(/^healing_failures_total\{strategy="phi_degradation"\} 1$/m);
      expect(metrics).toMatch(/^# TYPE healing_success_total counter$/m);
      expect(metrics).not.toMatch(/^healing_success_total\{/m);
      expect(metrics).toMatch(/^healing_fitness_score_bucket\{le="0.5"\} 1$/m);
      expect(metrics).toMatch(/^healing_fitness_score_count 1$/m);
      expect(metrics).toMatch(/^healing_patch_generation_duration_seconds_count 1$/m);
      expect(metrics).toMatch(/^healing_patch_testing_duration_seconds_count 1$/m);
      expect(metrics).toMatch(/^healing_patch_application_duration_seconds_count 1$/m);
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );
});

describe("alerts over HTTP", () => {
  it(
    "raises one alert for a critical degradation nothing heals, delivers it to the webhook once as {text}, and lists it",
    async () => {
      const receiver = await startWebhookReceiver();
      try {
        // Phase 1 heals nothing; the loop runs every second and alerts at once.
        const { server, http } = await serve("alerts", {
          alerts: { webhookUrl: receiver.url },
          healing: { unhealedAlertSeconds: 0, loopIntervalSeconds: 1 },
        });
        await http.reportMany("zeus_1", { phi: 0.3, kappa_eff: 64.21 }, 12);
        await receiver.waitForRequests(1);
        // Several more passes find it still critical: counted, not sent again.
        const alerts = await eventually(
          async () => (await http.get(`${API}/alerts`)).body.alerts,
          (list) => list[0]?.occurrences >= 3,
          "the alert seen on three passes",
        );
        expect(alerts).toEqual([
          expect.objectContaining({
            kind: "critical_unhealed",
            kernel_id: "zeus_1",
            severity: "critical",
            delivery_status: "delivered",
            delivery_attempts: 1,
          }),
        ]);
        expect(receiver.requests).toHaveLength(1);
        const [request] = receiver.requests;
        expect(request?.method).toBe("POST");
        expect(request?.headers["content-type"]).toMatch(/^application\/json/);
        expect(JSON.parse(request?.body ?? "")).toEqual({ text: alerts[0].text });
        expect(alerts[0].text).toContain("zeus_1");
        expect((await http.get(`${API}/alerts?limit=0`)).status).toBe(400);
        server.kill("SIGKILL");
      } finally {
        await receiver.close();
      }
    },
    SLOW_TEST,
  );
});

describe("healing access over HTTP", () => {
  it(
    "needs the operator token for every healing write, changing nothing without it, any token to read, and records the actor header",
    async () => {
      const { server, http } = await serve(
        "access",
        {},
        { AUTONOMIC_KERNEL_TOKEN: KERNEL_TOKEN, AUTONOMIC_OPERATOR_TOKEN: OPERATOR_TOKEN },
      );
      const reader = { token: KERNEL_TOKEN };
      const state = async () => ({
        status: (await http.get(`${API}/status`, reader)).body.status,
        phase: (await http.get(`${API}/phase`, reader)).body.phase,
      });
      const before = await state();
      const writes: [string, unknown][] = [
        [`${API}/heal`, undefined],
        [`${API}/start`, undefined],
        [`${API}/stop`, {}],
        [`${API}/patches/pat_1/approve`, {}],
        [`${API}/patches/pat_1/reject`, { not_needed: true }],
        [`${API}/evaluate-patch`, { kernel_id: "apollo_1", type: "recycle" }],
        [`${API}/phase/advance`, { force: true, reason: "no" }],
      ];
      for (const [path, body] of writes) {
        expect((await http.post(path, body)).status, path).toBe(401);
        const kernel = await http.post(path, body, { token: KERNEL_TOKEN });
        expect(kernel.status, path).toBe(403);
        expect(kernel.body).toMatchObject({ success: false, code: "forbidden" });
      }
      expect(await state()).toEqual(before);
      for (const path of ["status", "patches", "phase", "alerts", "history"]) {
        expect((await http.get(`${API}/${path}`)).status, path).toBe(401);
        expect((await http.get(`${API}/${path}`, reader)).status, path).toBe(200);
      }

      const badActor = await http.post(`${API}/stop`, {}, { token: OPERATOR_TOKEN, actor: "Ada Lovelace" });
      expect(badActor.status).toBe(400);
      expect(badActor.body.error).toMatch(/^x-autonomic-actor:/);
      expect(await state()).toEqual(before);

      const stopped = await http.post(`${API}/stop`, undefined, { token: OPERATOR_TOKEN });
      expect(stopped.body.status).toEqual({ running: false, phase: 1 });
      const operator = { token: OPERATOR_TOKEN };
      await http.post(`${API}/phase/advance`, { force: true, reason: "one" }, operator);
      await http.post(
        `${API}/phase/advance`,
        { force: true, reason: "two" },
        { ...operator, actor: "ops.bot@example.org" },
      );
      expect(
        (await http.get(`${API}/phase`, reader)).body.phase.history.map((h: { actor: string }) => h.actor),
      ).toEqual(["user:operator", "user:ops.bot@example.org"]);
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );
});
