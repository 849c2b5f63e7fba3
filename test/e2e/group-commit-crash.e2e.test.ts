/**
 * Group commit keeps its promise under kill -9 (issue 15): many concurrent writers, each
 * request answered only after the transaction holding it committed. After the server is
 * killed mid-stream and the store reopened, every 200 is in the store, and nothing that
 * was not acknowledged is half there: a batch is whole or absent, and each kernel's state as
 * a restart restores it (its row, a checkpoint, with the reports stored since folded in)
 * holds the fatigue of its newest stored report.
 */
import http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { buildConfig } from "../../src/core/config.js";
import { defaultRegistryPath } from "../../src/core/registry/default-registry.js";
import { requireRegistry } from "../../src/core/registry/registry.js";
import { RestScheduler } from "../../src/core/rest/scheduler.js";
import { openStore } from "../../src/store/open-store.js";
import { type ServerProcess, startServerProcess, stopAllServers } from "../support/server-process.js";
import { storeLocations } from "../support/store-locations.js";

const SLOW = 120_000;
const WRITERS = 24;
/** Acknowledged writes to wait for before the kill, so it lands mid-stream. */
const ACKS_BEFORE_KILL = 400;
const BATCH = 20;
const GODS = ["Apollo", "Athena", "Hermes", "Ares", "Artemis", "Hephaestus", "Demeter", "Dionysus"];

const stores = storeLocations("autonomic-group-commit-crash-");
afterAll(async () => {
  await stopAllServers();
  await stores.cleanup();
});

/** POST a JSON body; resolves with the status, or 0 when the connection broke. */
function post(agent: http.Agent, base: URL, path: string, body: unknown): Promise<number> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": payload.length },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      },
    );
    req.on("error", () => resolve(0));
    req.end(payload);
  });
}

interface Acked {
  /** kernel_id → kappa values of acknowledged fatigue reports (each unique). */
  fatigue: Map<string, Set<number>>;
  snapshots: Set<string>;
  batches: Set<string>;
}

/** Writers loop until the server dies: fatigue reports, single snapshots and batches, all unique. */
async function writeUntilKilled(server: ServerProcess): Promise<Acked & { sent: number }> {
  const base = new URL(server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: WRITERS });
  const acked: Acked = { fatigue: new Map(), snapshots: new Set(), batches: new Set() };
  let acks = 0;
  let sent = 0;
  let dead = false;
  const writer = async (w: number) => {
    for (let seq = 0; !dead; seq++) {
      const kernel = `${(GODS[(w + seq) % GODS.length] as string).toLowerCase()}_1`;
      const kind = seq % 3;
      sent++;
      let status: number;
      if (kind === 0) {
        const kappa = 40 + w + seq / 100_000;
        status = await post(agent, base, `/api/rest/fatigue/${kernel}`, { phi: 0.6, kappa, load: 0.3 });
        if (status === 200) {
          const set = acked.fatigue.get(kernel) ?? new Set<number>();
          set.add(kappa);
          acked.fatigue.set(kernel, set);
        }
      } else if (kind === 1) {
        const label = `s-${w}-${seq}`;
        status = await post(agent, base, "/api/self-healing/snapshot", {
          kernel_id: kernel,
          phi: 0.7,
          kappa_eff: 64,
          basin_coords: [1, 2, 3, 4],
          label,
        });
        if (status === 200) acked.snapshots.add(label);
      } else {
        const tag = `b-${w}-${seq}`;
        const snapshots = Array.from({ length: BATCH }, (_, i) => ({
          kernel_id: kernel,
          phi: 0.7,
          kappa_eff: 64,
          basin_coords: [1, 2, 3, 4],
          label: `${tag}-${i}`,
        }));
        status = await post(agent, base, "/api/self-healing/snapshots", { snapshots });
        if (status === 200) acked.batches.add(tag);
      }
      if (status === 200) {
        if (++acks === ACKS_BEFORE_KILL) server.kill("SIGKILL");
      } else if (status === 0) {
        dead = true;
      } else {
        throw new Error(`writer ${w}: HTTP ${status}`);
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  agent.destroy();
  return { ...acked, sent };
}

for (const backend of ["sqlite", "postgres"]) {
  describe(`group commit under kill -9 (${backend})`, () => {
    it(
      "keeps every acknowledged write of many concurrent writers, and half-applies none",
      async () => {
        const db = await stores.fresh(backend);
        const server = await startServerProcess({ db });
        const agent = new http.Agent({ keepAlive: true });
        for (const god of GODS)
          expect(
            await post(agent, new URL(server.url), "/api/rest/kernels", {
              kernel_id: `${god.toLowerCase()}_1`,
              kernel_name: god,
            }),
          ).toBe(201);
        agent.destroy();

        const acked = await writeUntilKilled(server);
        await server.waitForExit();
        expect(acked.sent).toBeGreaterThan(ACKS_BEFORE_KILL);

        const store = await openStore(db);
        try {
          const fatigue = await store.fatigueSnapshots({ limit: 1_000_000 });
          for (const [kernel, kappas] of acked.fatigue) {
            const stored = new Set(fatigue.filter((f) => f.kernel_id === kernel).map((f) => f.kappa));
            for (const kappa of kappas) expect(stored.has(kappa), `${kernel} κ ${kappa}`).toBe(true);
          }
          // Stored with its report or not at all: each kernel's state, restored as the server
          // restores it, holds its newest stored report.
          const restored = new RestScheduler({
            registry: requireRegistry(defaultRegistryPath()),
            config: buildConfig().rest,
            clock: new ManualClock(Date.now()),
          });
          restored.loadState(await store.loadRestState());
          const { kernels } = restored.exportState();
          expect(kernels).toHaveLength(GODS.length);
          for (const k of kernels) {
            const own = fatigue.filter((f) => f.kernel_id === k.kernelId);
            if (own.length === 0) continue;
            // Reports of one group may share a millisecond: the state is one of the newest.
            const newestAt = Math.max(...own.map((f) => f.at));
            const newest = own.filter((f) => f.at === newestAt).map((f) => f.fatigue);
            expect(newest, k.kernelId).toContain(k.fatigue);
          }

          const labels = new Set<string>();
          for (const god of GODS) {
            let before: { beforeMs: number; beforeId: number } | undefined;
            for (;;) {
              const page = await store.snapshots({
                kernelId: `${god.toLowerCase()}_1`,
                limit: 1000,
                ...before,
              });
              for (const row of page) if (row.label) labels.add(row.label);
              const last = page[page.length - 1];
              if (page.length < 1000 || !last) break;
              before = { beforeMs: last.at, beforeId: last.id };
            }
          }
          for (const label of acked.snapshots) expect(labels.has(label), label).toBe(true);
          for (const tag of acked.batches) expect(labels.has(`${tag}-0`), tag).toBe(true);
          // Every stored batch is whole, acknowledged or not.
          const batchTags = new Set(
            [...labels].filter((l) => l.startsWith("b-")).map((l) => l.replace(/-\d+$/, "")),
          );
          for (const tag of batchTags)
            for (let i = 0; i < BATCH; i++) expect(labels.has(`${tag}-${i}`), `${tag}-${i}`).toBe(true);
        } finally {
          await store.close();
        }

        // And the server starts on what it left, with every kernel back.
        const again = await startServerProcess({ db });
        const kernels = (await fetch(`${again.url}/api/rest/kernels`).then((r) => r.json())) as {
          count: number;
        };
        expect(kernels.count).toBe(GODS.length);
        again.kill("SIGKILL");
        await again.waitForExit();
      },
      SLOW,
    );
  });
}
