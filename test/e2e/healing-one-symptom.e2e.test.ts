/**
 * Issue 17's done criterion over HTTP, with the test acting as the kernel: a kernel that is
 * only slow, and one that only leaks memory, are each healed in phase 4 and verified. Each
 * kernel shows its one symptom and nothing else (no drift, no failed requests), and its dry
 * run and live run change only that symptom: under SPEC §5's targeted fitness, that alone
 * must carry the patch past 0.7 to apply and past 0.6 to keep.
 */
import { afterAll, describe, expect, it } from "vitest";
import { configFile, eventually, HEALTHY, healingHttp } from "../support/healing-http.js";
import { startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW_TEST = 120_000;
const API = "/api/self-healing";
const stores = storeLocations("autonomic-healing-one-symptom-");

afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

/** Every dimension the monitor watches, healthy: Φ in its band, κ at κ*, few errors, fast, small. */
const WELL = { ...HEALTHY, error_rate: 0.005, avg_latency_ms: 200, memory_mb: 400 };

/** The dry run's prediction for a cured kernel: every dimension as WELL has it, memory flat. */
const CURED_PREDICTION = {
  phi: WELL.phi,
  kappa_eff: WELL.kappa_eff,
  error_rate: WELL.error_rate,
  avg_latency: WELL.avg_latency_ms,
  memory_mb: WELL.memory_mb,
  memory_mb_slope: 0,
};

interface Judgement {
  dimension: string;
  before: number | null;
  after: number | null;
  score: number;
  pushed_past: boolean;
}

/**
 * Phase 4 with the loop stopped (the test starts each pass), verification every second, three
 * measurements: a patch is applied without review and judged within seconds.
 */
async function serve(name: string) {
  const server = await startServerProcess({
    db: await stores.fresh("sqlite"),
    args: [
      "--config",
      configFile(stores.dir, name, { healing: { verificationIntervalSeconds: 1, verificationCount: 3 } }),
    ],
  });
  const http = healingHttp(server.url);
  await http.forcePhase(4);
  await http.post(`${API}/stop`);
  return { server, http };
}

/**
 * Heals `kernelId` after it reported `sick` (by index): the test answers the dry run with
 * CURED_PREDICTION and the live run with ok, then reports `WELL` until the patch is judged.
 */
async function healOneSymptom(
  http: ReturnType<typeof healingHttp>,
  kernelId: string,
  sick: (i: number) => object,
  expected: { strategy: string; action: string; target: string; symptom: string[] },
) {
  for (let i = 0; i < 12; i++) await http.report(kernelId, sick(i));
  const pass = await http.post(`${API}/heal`);
  expect(pass.status, JSON.stringify(pass.body)).toBe(200);
  const [patchId] = pass.body.heal.patches_started;
  expect(patchId, JSON.stringify(pass.body)).toEqual(expect.any(String));
  const stillSick = sick(11);

  const dry = await http.nextAction(kernelId, stillSick, { patch_id: patchId, dry_run: true });
  expect(dry.type).toBe(expected.action);
  await http.answer(dry.action_id, { ok: true, predicted: CURED_PREDICTION });
  // Phase 4 applies a patch at or above 0.7 itself: the live action follows the dry run.
  const live = await http.nextAction(kernelId, stillSick, { patch_id: patchId, dry_run: false });
  expect(live.type).toBe(expected.action);
  await http.answer(live.action_id, { ok: true });

  // The action worked: the kernel is back to WELL, which differs from `sick` in one symptom.
  const verified = await eventually(
    async () => {
      await http.report(kernelId, WELL);
      return http.patch(patchId);
    },
    (p) => p.state !== "applied" && p.state !== "sandboxed",
    `patch ${patchId} judged`,
    { everyMs: 250, timeoutMs: 60_000 },
  );
  expect(verified.strategy).toBe(expected.strategy);
  expect(verified.transitions.map((t: { to: string; actor: string }) => [t.to, t.actor])).toEqual([
    ["generated", "system"],
    ["sandboxed", "system"],
    ["applied", "system"],
    ["verified", "system"],
  ]);

  const sandbox = verified.sandbox.fitness;
  expect(sandbox).toMatchObject({
    formula: "targeted",
    fitness: 1,
    components: { target: 1, sparing: 1, validity: 1, harm_cap: 1 },
    inputs: { target: expected.target },
  });
  // Only the symptom moved in the dry run: every other dimension is judged harmless and
  // unchanged wherever the kernel reported it.
  const others = (sandbox.inputs.dimensions as Judgement[]).filter(
    (d) => !expected.symptom.includes(d.dimension),
  );
  expect(others.length).toBeGreaterThan(0);
  for (const d of others) {
    expect(d, d.dimension).toMatchObject({ score: 0, pushed_past: false });
    if (d.before !== null) expect(d.after, d.dimension).toBeCloseTo(d.before, 9);
  }
  const target = (sandbox.inputs.dimensions as Judgement[]).find((d) => d.dimension === expected.target);
  expect(target?.score).toBe(1);

  const measured = verified.verification.measurements.map((m: { fitness: number | null }) => m.fitness);
  expect(measured).toHaveLength(3);
  for (const f of measured) expect(f).toBeGreaterThanOrEqual(0.6);
  expect(verified.verification.outcome).toBe("kept");
  return verified;
}

describe("healing one symptom in phase 4 over HTTP", () => {
  it(
    "heals and verifies a kernel with only a latency regression: enable_cache, whose dry run and live run change latency alone",
    async () => {
      const { server, http } = await serve("latency-only");
      const patch = await healOneSymptom(http, "apollo_1", () => ({ ...WELL, avg_latency_ms: 3500 }), {
        strategy: "performance",
        action: "enable_cache",
        target: "avg_latency_ms",
        symptom: ["avg_latency_ms"],
      });
      expect(patch.before).toMatchObject({ avg_latency_ms: 3500, error_rate: WELL.error_rate });
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );

  it(
    "heals and verifies a kernel with only a memory leak: recycle, whose dry run and live run change memory alone",
    async () => {
      const { server, http } = await serve("leak-only");
      // 20 MB more each snapshot, twice the 10 MB warning slope; nothing else moves.
      const patch = await healOneSymptom(
        http,
        "athena_1",
        (i) => ({ ...WELL, memory_mb: WELL.memory_mb + 20 * i }),
        // Memory is one dimension in SPEC §5, by usage and by slope: a recycle lowers both.
        {
          strategy: "memory_leak",
          action: "recycle",
          target: "memory_mb_slope",
          symptom: ["memory_mb_slope", "memory_mb"],
        },
      );
      expect(patch.before).toMatchObject({
        avg_latency_ms: WELL.avg_latency_ms,
        error_rate: WELL.error_rate,
      });
      server.kill("SIGKILL");
    },
    SLOW_TEST,
  );
});
