import { afterAll, describe, expect, it } from "vitest";
import { invariantViolations } from "../../src/core/rest/invariants.js";
import type { KernelRestState } from "../../src/core/rest/kernel-state.js";
import { KernelClient } from "../../src/sdk/client.js";
import { AutonomicRequestError } from "../../src/sdk/transport.js";
import type { FatigueInput } from "../../src/sdk/wire.js";
import { openStore } from "../../src/store/open-store.js";
import {
  clusterOf,
  freePort,
  haTestBed,
  queryDatabase,
  startHaproxy,
  startReplica,
  waitForLeader,
} from "../support/ha-cluster.js";
import { logEntries, runCli, type ServerProcess } from "../support/server-process.js";

const LEASE_SECONDS = 3;
const KILLS = 3;
const GODS = ["Apollo", "Athena", "Hermes", "Ares", "Artemis", "Hephaestus", "Demeter", "Dionysus"];
const KERNELS = GODS.map((g) => `${g.toLowerCase()}_1`);

const bed = haTestBed("ha-chaos", LEASE_SECONDS);
let haproxy: { url: string; stop(): Promise<void> } | null = null;
afterAll(async () => {
  await haproxy?.stop();
});

interface Acks {
  /** kernel_id → kappa of each fatigue report answered 200. */
  fatigue: Map<string, Set<number>>;
  rests: number;
  ends: number;
  failures: number;
}

async function post(
  url: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  try {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  } catch {
    return { status: 0, json: {} };
  }
}

type Reply = { status: number; json: Record<string, unknown> };
/** One of a kernel's rest calls: a fatigue report, a rest request, or the end of its rest. */
type Call = (action: "fatigue" | "request" | "end", body: Record<string, unknown>) => Promise<Reply>;

/** Plain HTTP to one URL (the load balancer). */
const viaHttp =
  (kernel: string, url: string): Call =>
  (action, body) =>
    post(url, `/api/rest/${action}/${kernel}`, body);

/** The SDK's KernelClient, given every replica's URL, failing over between them. */
const viaSdk =
  (client: KernelClient): Call =>
  async (action, body) => {
    try {
      const json =
        action === "fatigue"
          ? await client.reportFatigue(body as unknown as FatigueInput)
          : action === "request"
            ? await client.requestRest()
            : await client.endRest();
      return { status: 200, json: json as Record<string, unknown> };
    } catch (err) {
      return { status: err instanceof AutonomicRequestError ? (err.status ?? 0) : 0, json: {} };
    }
  };

/** A kernel that reports fatigue, rests now and then, and wakes itself. */
async function kernelLoop(kernel: string, index: number, call: Call, acks: Acks, stop: () => boolean) {
  let resting = false;
  for (let seq = 0; !stop(); seq++) {
    const kappa = 40 + index + seq / 100_000;
    const reply = await call("fatigue", { phi: 0.6, kappa, load: 0.3 });
    if (reply.status === 200) {
      const set = acks.fatigue.get(kernel) ?? new Set<number>();
      set.add(kappa);
      acks.fatigue.set(kernel, set);
    } else acks.failures++;
    if (seq % 8 === index % 8) {
      const answer = await call(resting ? "end" : "request", {});
      if (answer.status === 200 && resting) {
        acks.ends++;
        resting = false;
      } else if (answer.status === 200 && answer.json.approved === true) {
        acks.rests++;
        resting = true;
      }
    }
    // Let the machine breathe.
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

/** How many reports of `kernels` were acknowledged so far. */
function ackedOf(acks: Acks, kernels: string[]): number {
  return kernels.reduce((n, k) => n + (acks.fatigue.get(k)?.size ?? 0), 0);
}

/** Resolves once `kernels` have more acknowledged reports than `before`. */
async function writesResume(acks: Acks, kernels: string[], before: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (ackedOf(acks, kernels) <= before) {
    if (Date.now() - started > timeoutMs) throw new Error(`no write acknowledged in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The stored rest state's invariant violations, and any acknowledged report not stored. */
async function checkStore(url: string, acks: Acks): Promise<{ violations: string[]; missing: string[] }> {
  // Taken before the store is read: reports acknowledged while it is read are not in that read.
  const acked = [...acks.fatigue].map(([kernel, kappas]) => [kernel, [...kappas]] as const);
  const store = await openStore(url);
  try {
    const state = await store.loadRestState();
    const violations = invariantViolations(state.kernels as KernelRestState[]);
    const rows = await queryDatabase<{ kernel_id: string; kappa: number }>(
      url,
      "SELECT kernel_id, kappa FROM fatigue_snapshots",
    );
    const stored = new Set(rows.map((r) => `${r.kernel_id}:${r.kappa}`));
    const missing: string[] = [];
    for (const [kernel, kappas] of acked)
      for (const kappa of kappas) if (!stored.has(`${kernel}:${kappa}`)) missing.push(`${kernel}:${kappa}`);
    // A partner covering two kernels at once would leave two open coverage rows.
    const doubled = await queryDatabase<{ kernel_id: string; n: number }>(
      url,
      "SELECT kernel_id, count(*)::int AS n FROM coverage_events WHERE ended_at IS NULL GROUP BY kernel_id HAVING count(*) > 1",
    );
    for (const d of doubled) violations.push(`${d.kernel_id} has ${d.n} open coverages`);
    return { violations, missing };
  } finally {
    await store.close();
  }
}

describe("three replicas on one PostgreSQL database", () => {
  it("survive three kill -9s of the leader with no acknowledged write lost and no rest invariant broken", async () => {
    const { config } = bed;
    // Fixed ports, so a restarted replica comes back where HAProxy's config points.
    const ports = [await freePort(), await freePort(), await freePort()];
    const replicas: ServerProcess[] = [];
    const dead: ServerProcess[] = [];
    for (const port of ports) replicas.push(await startReplica(bed.db.url, config, port));
    const urls = () => replicas.map((r) => r.url);
    haproxy = await startHaproxy(ports);
    const balanced = haproxy.url;
    let leader = await waitForLeader(urls(), 0);
    expect(leader.leader.generation).toBe(1);

    // Registered through a follower: the write goes to the leader.
    const follower = replicas.find((r) => r.url !== leader.url) as ServerProcess;
    for (const [i, kernel] of KERNELS.entries()) {
      const reply = await post(follower.url, "/api/rest/kernels", {
        kernel_id: kernel,
        kernel_name: GODS[i],
      });
      expect(reply.status, JSON.stringify(reply.json)).toBe(201);
    }

    const acks: Acks = { fatigue: new Map(), rests: 0, ends: 0, failures: 0 };
    let stopping = false;
    // Even kernels go through the load balancer, odd ones through the SDK given all three replicas.
    const replicaUrls = ports.map((p) => `http://127.0.0.1:${p}`);
    const clients = KERNELS.map(
      (kernel) => new KernelClient({ url: replicaUrls, kernelId: kernel, requestTimeoutMs: 15_000 }),
    );
    const loops = KERNELS.map((k, i) =>
      kernelLoop(
        k,
        i,
        i % 2 === 0 ? viaHttp(k, balanced) : viaSdk(clients[i] as KernelClient),
        acks,
        () => stopping,
      ),
    );
    const takeovers: number[] = [];
    const balancedKernels = KERNELS.filter((_, i) => i % 2 === 0);
    const sdkKernels = KERNELS.filter((_, i) => i % 2 === 1);
    /** From each kill to the first report acknowledged after it, through HAProxy and through the SDK. */
    const balancedResumed: number[] = [];
    const sdkResumed: number[] = [];
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        await new Promise((resolve) => setTimeout(resolve, 2500));
        const victim = replicas.find((r) => r.url === leader.url) as ServerProcess;
        const before = leader.leader.generation;
        const acksBefore = ackedOf(acks, KERNELS);
        const killedAt = Date.now();
        const balancedBefore = ackedOf(acks, balancedKernels);
        const sdkBefore = ackedOf(acks, sdkKernels);
        victim.kill("SIGKILL");
        await victim.waitForExit();
        replicas.splice(replicas.indexOf(victim), 1);
        dead.push(victim);
        leader = await waitForLeader(urls(), before);
        takeovers.push(Date.now() - killedAt);
        expect(leader.leader.generation).toBe(before + 1);
        // HAProxy has taken the dead replica out (or retried past it), and the SDK has moved
        // past the dead URL: writes through both go on.
        await Promise.all([
          writesResume(acks, balancedKernels, balancedBefore, 10_000).then(() =>
            balancedResumed.push(Date.now() - killedAt),
          ),
          writesResume(acks, sdkKernels, sdkBefore, 10_000).then(() =>
            sdkResumed.push(Date.now() - killedAt),
          ),
        ]);

        const { violations, missing } = await checkStore(bed.db.url, acks);
        expect(violations).toEqual([]);
        expect(missing).toEqual([]);
        expect(acksBefore).toBeGreaterThan(0);
        // Back to three on the same port, as an orchestrator would restart it.
        replicas.push(await startReplica(bed.db.url, config, Number(new URL(victim.url).port)));
      }
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      stopping = true;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.close()));
    }

    const { violations, missing } = await checkStore(bed.db.url, acks);
    expect(violations).toEqual([]);
    expect(missing).toEqual([]);
    expect(acks.rests).toBeGreaterThan(0);
    for (const kernel of KERNELS) expect(acks.fatigue.get(kernel)?.size ?? 0, kernel).toBeGreaterThan(0);
    for (const ms of takeovers) expect(ms).toBeLessThanOrEqual((LEASE_SECONDS + 2) * 1000);

    // Every pass of the healing loop and consensus ran once per tick, whichever replica ran it.
    const passes = [...dead, ...replicas]
      .flatMap((r) => logEntries(r))
      .filter((e) => e.msg === "periodic pass")
      .map((e) => `${e.job}:${e.tick}`);
    expect(passes.filter((p) => p.startsWith("healing-loop:")).length).toBeGreaterThan(3);
    expect(passes.length).toBe(new Set(passes).size);

    const final = await clusterOf(leader.url);
    expect(final?.body.replicas.filter((r) => r.live).length).toBe(3);

    // Where to see it: the gauges on every replica, one alert per takeover, autonomic status.
    const metrics = await Promise.all(replicas.map((r) => fetch(`${r.url}/metrics`).then((m) => m.text())));
    expect(metrics.map((m) => /^autonomic_leader (\d+)$/m.exec(m)?.[1]).sort()).toEqual(["0", "0", "1"]);
    for (const m of metrics) expect(m).toMatch(/^autonomic_replicas 3$/m);
    const alerts = await queryDatabase<{ dedupe_key: string }>(
      bed.db.url,
      "SELECT dedupe_key FROM alerts WHERE kind = 'leadership_changed' ORDER BY created_at",
    );
    expect(alerts.map((a) => a.dedupe_key)).toEqual(
      [2, 3, 4].map((generation) => `leadership_changed:${generation}`),
    );
    const status = await runCli(["status", "--url", balanced]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`cluster: leader ${leader.leader.replica_id} since `);
    expect(status.stdout).toContain(`(generation ${KILLS + 1}); 3 of 3 replicas live`);
    console.log(
      JSON.stringify({
        takeovers_ms: takeovers,
        balanced_resumed_ms: balancedResumed,
        sdk_resumed_ms: sdkResumed,
        acked: ackedOf(acks, KERNELS),
        ...acks,
        fatigue: undefined,
      }),
    );
  }, 150_000);
});
