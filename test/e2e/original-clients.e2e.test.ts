/**
 * The original's clients, unchanged, against the real server (`autonomic serve` as a child
 * process) on each backend (SPEC §4, §6). The users' own TypeScript server posts snapshots
 * with the original's vocabulary and no kernel_id; its pages parse our replies with the
 * original's types. Replies are parsed with zod schemas written from those types
 * (test/support/original-types.ts), never compared with hand-built objects.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  Instant,
  OriginalConstellation,
  OriginalHealthDegradation,
  OriginalHealthSummary,
  OriginalHistory,
  OriginalKernelStatus,
  OriginalSelfHealingStatus,
  OriginalSnapshotAck,
  success,
} from "../support/original-types.js";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 90_000;
const stores = storeLocations("autonomic-original-clients-");

afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

// biome-ignore lint/suspicious/noExplicitAny: replies are parsed with schemas
type Body = any;

async function call(server: ServerProcess, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

/** A 64-entry basin leaning on entry `k`, as the users' kernels send them. */
function basin(k: number): number[] {
  return Array.from({ length: 64 }, (_, i) => (i === k ? 10 : 1) + (i % 7) / 10);
}

/** The users' TypeScript server's snapshot body: the original's names, no kernel_id. */
const usersSnapshot = (i: number) => ({
  phi: 0.62 - i * 0.002,
  kappa_eff: 63.5,
  basin_coords: basin(i % 3),
  confidence: 0.8,
  surprise: 0.3,
  agency: 0.7,
  error_rate: 0.01,
  avg_latency: 240 + i,
  label: `after-cycle-${i}`,
});

/** Every key named as an instant (at, …_at, …_until) anywhere in `value`, with its value. */
function instants(value: unknown, path = ""): Array<[string, unknown]> {
  if (typeof value !== "object" || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => instants(v, `${path}[${i}]`));
  return Object.entries(value).flatMap(([k, v]) => [
    ...(k === "at" || k.endsWith("_at") || k.endsWith("_until")
      ? ([[`${path}.${k}`, v]] as [string, unknown][])
      : []),
    ...instants(v, `${path}.${k}`),
  ]);
}

for (const backend of ["sqlite", "postgres"]) {
  describe(`the original's clients (${backend})`, () => {
    it(
      "stores the users' snapshot body under default, detects on it, and answers in the original's types",
      async () => {
        const server = await startServerProcess({ db: await stores.fresh(backend) });
        for (let i = 0; i < 12; i++) {
          const reply = await call(server, "POST", "/api/self-healing/snapshot", usersSnapshot(i));
          expect(reply.status, JSON.stringify(reply.body)).toBe(200);
          const ack = success("snapshot", OriginalSnapshotAck).parse(reply.body);
          expect(ack.snapshot.kappa_eff).toBe(63.5);
          expect(reply.body.snapshot.kernel_id).toBe("default");
          expect(reply.body.warnings).toEqual([]);
        }

        const stored = await call(server, "GET", "/api/self-healing/snapshots?kernel_id=default&limit=100");
        expect(stored.body.snapshots).toHaveLength(12);
        const newest = stored.body.snapshots[0];
        expect([newest.avg_latency_ms, newest.label, newest.confidence]).toEqual([
          251,
          "after-cycle-11",
          0.8,
        ]);

        // Detected: average Φ under 0.65 is critical on the default kernel.
        const degradation = await call(server, "GET", "/api/self-healing/degradation");
        const d = success("degradation", OriginalHealthDegradation).parse(degradation.body).degradation;
        expect([d.degraded, d.severity]).toEqual([true, "critical"]);
        expect(d.issues.some((m) => m.startsWith("default: average Φ"))).toBe(true);
        expect(d.metrics.latency_ms).toBe(251);
        // The window is the last 10 of 12: i = 2…11, mean Φ = 0.62 − 0.002·6.5.
        expect(d.metrics.phi_avg).toBeCloseTo(0.607, 9);
        const one = await call(server, "GET", "/api/self-healing/degradation?kernel_id=default");
        const k = success("degradation", OriginalHealthDegradation).parse(one.body).degradation;
        expect(one.body.degradation.findings[0]).toMatchObject({ rule: "phi_avg_low", severity: "critical" });
        expect(k.issues).toEqual(one.body.degradation.findings.map((f: { message: string }) => f.message));

        const health = await call(server, "GET", "/api/self-healing/health");
        const h = success("health", OriginalHealthSummary).parse(health.body).health;
        expect([h.status, h.snapshots_collected]).toEqual(["critical", 12]);
        const kernelHealth = await call(server, "GET", "/api/self-healing/health?kernel_id=default");
        const kh = success("health", OriginalHealthSummary).parse(kernelHealth.body).health;
        expect([kh.current_regime, kh.current_kappa, kh.last_snapshot]).toEqual([
          "geometric",
          63.5,
          newest.timestamp,
        ]);

        const status = await call(server, "GET", "/api/self-healing/status");
        const s = success("status", OriginalSelfHealingStatus).parse(status.body).status;
        expect(s.monitor).toEqual({ snapshots_collected: 12, baseline_set: true });
        expect(s.engine.strategies_available).toBe(5);
        const weights = Object.values(s.evaluator.weights).reduce((a, b) => a + b, 0);
        expect(weights).toBeCloseTo(1, 12);

        const history = await call(server, "GET", "/api/self-healing/history");
        expect(OriginalHistory.parse(history.body).count).toBe(history.body.history.length);

        // The rest scheduler's replies keep the original's shapes too.
        await call(server, "POST", "/api/rest/kernels", { kernel_id: "apollo_1", kernel_name: "Apollo" });
        OriginalConstellation.parse((await call(server, "GET", "/api/rest/status")).body);
        OriginalKernelStatus.parse((await call(server, "GET", "/api/rest/status/apollo_1")).body.kernel);
      },
      SLOW,
    );

    it(
      "sends every instant as ISO 8601: snapshots, patches, actions, history and phase",
      async () => {
        const server = await startServerProcess({ db: await stores.fresh(backend) });
        for (let i = 0; i < 12; i++)
          await call(server, "POST", "/api/self-healing/snapshot", usersSnapshot(i));
        const advanced = await call(server, "POST", "/api/self-healing/phase/advance", {
          force: true,
          reason: "compatibility test",
        });
        expect(advanced.status, JSON.stringify(advanced.body)).toBe(200);
        // A sandbox run sends the kernel an action; it answers with the original's predicted names.
        const evaluation = call(server, "POST", "/api/self-healing/evaluate-patch", {
          kernel_id: "default",
          type: "integration_boost",
          params: { factor: 1.2 },
        });
        let actionId: string | undefined;
        for (let tries = 0; tries < 100 && actionId === undefined; tries++) {
          const report = await call(server, "POST", "/api/self-healing/snapshot", usersSnapshot(12));
          actionId = report.body.directive.actions[0]?.action_id;
        }
        expect(actionId).toBeDefined();
        const answer = await call(server, "POST", `/api/self-healing/actions/${actionId}/result`, {
          ok: true,
          predicted: { phi: 0.74, kappa_eff: 64, avg_latency_ms: 200, basin_coordinates: basin(0), bogus: 1 },
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body.warnings).toEqual(['unknown field "predicted.bogus" was ignored']);
        expect(answer.body.action.result.predicted.avg_latency).toBe(200);
        expect((await evaluation).status).toBe(200);

        const reads = await Promise.all(
          [
            "/api/self-healing/snapshots?kernel_id=default",
            "/api/self-healing/patches",
            "/api/self-healing/actions",
            `/api/self-healing/actions/${actionId}`,
            "/api/self-healing/history",
            "/api/self-healing/phase",
            "/api/self-healing/alerts",
            "/api/self-healing/degradation",
            "/api/rest/cycles",
          ].map((path) => call(server, "GET", path)),
        );
        const seen = reads.flatMap((r) => instants(r.body));
        expect(seen.length).toBeGreaterThan(20);
        for (const [path, value] of seen) {
          if (value === null) continue;
          expect([path, Instant.safeParse(value).success]).toEqual([path, true]);
        }
        const patch = reads[1]?.body.patches[0];
        expect(Instant.parse(patch.created_at)).toBe(patch.transitions[0].at);
      },
      SLOW,
    );

    it(
      "ignores an unknown field with a warning, refuses two spellings that disagree, and sets a baseline on request",
      async () => {
        const server = await startServerProcess({ db: await stores.fresh(backend) });
        const odd = await call(server, "POST", "/api/self-healing/snapshot", {
          ...usersSnapshot(0),
          active_modules: ["qig"],
        });
        expect([odd.status, odd.body.warnings]).toEqual([
          200,
          ['unknown field "active_modules" was ignored'],
        ]);
        const clash = await call(server, "POST", "/api/self-healing/snapshot", {
          ...usersSnapshot(1),
          avg_latency_ms: 1,
        });
        expect([clash.status, clash.body.success, clash.body.error]).toEqual([
          400,
          false,
          "avg_latency, avg_latency_ms: are two names of one field and were sent with different values; send one",
        ]);
        const { basin_coords: _, ...withoutBasin } = usersSnapshot(1);
        const moved = await call(server, "POST", "/api/self-healing/snapshot", {
          ...withoutBasin,
          basin_coordinates: basin(40),
          set_baseline: true,
        });
        expect([moved.status, moved.body.snapshot.baseline_set, moved.body.snapshot.basin_drift]).toEqual([
          200,
          true,
          0,
        ]);
        const stored = await call(server, "GET", "/api/self-healing/snapshots?kernel_id=default");
        expect(stored.body.snapshots).toHaveLength(2);
        const baseline = await call(server, "POST", "/api/self-healing/baseline", {});
        expect([baseline.status, baseline.body.message, baseline.body.baseline.kernel_id]).toEqual([
          200,
          "Baseline updated",
          "default",
        ]);
      },
      SLOW,
    );

    it(
      "refuses the original's code evaluation body and auto_apply before phase 4, saying why",
      async () => {
        const server = await startServerProcess({ db: await stores.fresh(backend) });
        const code = await call(server, "POST", "/api/self-healing/evaluate-patch", {
          module_name: "qig_core",
          new_code: "def f(): pass",
        });
        expect([code.status, code.body.success]).toEqual([400, false]);
        expect(code.body.error).toMatch(/code is not evaluated here.*kernel_id, type, params/);
        expect((await call(server, "POST", "/api/self-healing/stop")).status).toBe(200);
        const start = await call(server, "POST", "/api/self-healing/start", { auto_apply: true });
        expect([start.status, start.body.code]).toEqual([409, "phase_forbids_auto_apply"]);
        expect((await call(server, "GET", "/api/self-healing/status")).body.status.running).toBe(false);
        const plain = await call(server, "POST", "/api/self-healing/start", { auto_apply: false });
        expect([plain.status, plain.body.message, plain.body.auto_apply]).toEqual([
          200,
          "Healing engine started",
          false,
        ]);
        const status = await call(server, "GET", "/api/self-healing/status");
        expect([status.body.status.running, status.body.status.engine.running]).toEqual([true, true]);
      },
      SLOW,
    );
  });
}
