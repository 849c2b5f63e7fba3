/**
 * A kernel's row is a checkpoint (migration 011): a fatigue report rewrites it only every
 * `writes.kernelCheckpointReports` reports or `writes.kernelCheckpointSeconds`, and a restore
 * folds the reports stored since into it again. On every store backend: whatever the service
 * acknowledged, a service opened afresh on the same database holds exactly.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { makeScheduler } from "../../test/support/rest-fixture.js";
import { freshStorePerTest, storeBackends } from "../../test/support/store-backends.js";
import { type AutonomicConfig, buildConfig, type DeepPartial } from "../core/config.js";
import { createFakeStore, FakeDatabase } from "../store/fake-store.js";
import type { RestChange, Store } from "../store/store-types.js";
import { RestService } from "./rest-service.js";

const BACKENDS = storeBackends("autonomic-checkpoints-");
const logger = pino({ level: "silent" });
const GODS = [
  ["apollo_1", "Apollo"],
  ["athena_1", "Athena"],
  ["ares_1", "Ares"],
] as const;

for (const backend of BACKENDS) {
  describe(`kernel checkpoints on the ${backend.name} store`, () => {
    const open = freshStorePerTest(backend);

    async function start(store: Store, writes: DeepPartial<AutonomicConfig["writes"]> = {}) {
      const { clock, registry } = makeScheduler();
      const config = buildConfig({
        writes: { kernelCheckpointReports: 5, kernelCheckpointSeconds: 30, ...writes },
      });
      const rest = await RestService.open({ registry, config, store, clock, logger });
      return { rest, clock, registry, config };
    }

    /** The kernels' rows as stored: which report each holds. */
    async function rowSeqs(store: Store): Promise<Record<string, number>> {
      const { kernels } = await store.loadRestState();
      return Object.fromEntries(kernels.map((k) => [k.kernelId, k.reportSeq]));
    }

    /** A service opened afresh on the same database: what a restart restores. */
    async function restarted(live: Awaited<ReturnType<typeof start>>) {
      const store = await open();
      const again = await RestService.open({ ...live, store, logger });
      return again.scheduler.exportState();
    }

    /** Registered a second apart: a restore lists kernels by registration time. */
    async function registerAll(rest: RestService, clock: { advanceSeconds(s: number): void }) {
      for (const [id, name] of GODS) {
        clock.advanceSeconds(1);
        await rest.register(id, name);
      }
    }

    async function report(rest: RestService, clock: { advanceSeconds(s: number): void }, i: number) {
      const [id] = GODS[i % GODS.length] as readonly [string, string];
      clock.advanceSeconds(1);
      return rest.reportFatigue(id, {
        phi: 0.3 + (i % 7) / 10,
        kappa: 40 + i,
        load: (i % 5) / 5,
        error_rate: 0.01,
      });
    }

    it("writes a kernel's row only every so many reports, and restores every report all the same", async () => {
      const live = await start(await open());
      const { rest, clock } = live;
      await registerAll(rest, clock);
      for (let i = 0; i < 3 * 7; i++) await report(rest, clock, i);
      // 7 reports each: the row was written with the 1st (none known since start) and 6th.
      const stored = await rowSeqs(await open());
      const current = Object.fromEntries(
        rest.scheduler.exportState().kernels.map((k) => [k.kernelId, k.reportSeq]),
      );
      for (const [id] of GODS) expect(stored[id]).toBeLessThan(current[id] as number);
      expect(await restarted(live)).toEqual(rest.scheduler.exportState());
    });

    it("writes the row with every report when kernelCheckpointReports is 1", async () => {
      const live = await start(await open(), { kernelCheckpointReports: 1 });
      await registerAll(live.rest, live.clock);
      for (let i = 0; i < 9; i++) await report(live.rest, live.clock, i);
      const { kernels } = live.rest.scheduler.exportState();
      expect(await rowSeqs(await open())).toEqual(
        Object.fromEntries(kernels.map((k) => [k.kernelId, k.reportSeq])),
      );
    });

    it("writes the row of a kernel that stopped reporting once its checkpoint is old, at the tick", async () => {
      const live = await start(await open(), { kernelCheckpointSeconds: 10 });
      const { rest, clock } = live;
      await rest.register("apollo_1", "Apollo");
      await report(rest, clock, 0); // saved: the first since start
      await report(rest, clock, 3);
      const seq = rest.scheduler.lastReportSeq("apollo_1");
      await rest.tick();
      expect((await rowSeqs(await open())).apollo_1).toBeLessThan(seq);
      clock.advanceSeconds(10);
      await rest.tick();
      expect((await rowSeqs(await open())).apollo_1).toBe(seq);
    });

    it("brings every row up to date before it prunes reports, so a restore after the prune loses none", async () => {
      const live = await start(await open());
      const { rest, clock } = live;
      await registerAll(rest, clock);
      for (let i = 0; i < 3 * 4; i++) await report(rest, clock, i);
      clock.advanceSeconds(3600);
      expect(await rest.pruneFatigueSnapshots(60)).toBe(12);
      expect(await (await open()).fatigueSnapshots()).toEqual([]);
      expect(await restarted(live)).toEqual(rest.scheduler.exportState());
    });

    it("never folds an earlier kernel's reports into a kernel registered again under its id", async () => {
      const live = await start(await open());
      const { rest, clock } = live;
      await registerAll(rest, clock);
      // Ares reports last and most; the others' rows are then brought up to date by a prune.
      for (let i = 0; i < 3; i++) await report(rest, clock, i);
      for (let i = 0; i < 4; i++) await report(rest, clock, 2);
      await rest.retire("ares_1");
      await rest.pruneFatigueSnapshots(3600);
      // A restart, then Ares again under the same id, in the same clock ms as nothing else.
      const second = await start(await open());
      second.clock.set(live.clock.now());
      await second.rest.register("ares_1", "Ares");
      expect(second.rest.scheduler.savedKernel("ares_1")).toMatchObject({
        hasTelemetry: false,
        reportSeq: 7,
      });
      const third = await RestService.open({ ...second, store: await open(), logger });
      expect(third.scheduler.exportState()).toEqual(second.rest.scheduler.exportState());
      expect(third.scheduler.savedKernel("ares_1")).toMatchObject({ hasTelemetry: false, fatigue: 0 });
    });
  });
}

describe("kernel checkpoints with commits side by side", () => {
  it("deletes no report for the retention before a checkpoint still in flight has landed or failed", async () => {
    const { clock, registry } = makeScheduler();
    const database = new FakeDatabase();
    const fake = createFakeStore(database);
    let hold: { release: () => void; fail: boolean } | null = null;
    const store: Store = Object.assign(Object.create(fake), {
      backend: "postgres",
      commit: async (change: RestChange) => {
        const held = hold;
        if (held && change.kernels.some((k) => k.kernelId === "athena_1")) {
          await new Promise<void>((resolve) => (held.release = resolve));
          if (held.fail) throw new Error("connection lost");
        }
        return fake.commit(change);
      },
    });
    const config = buildConfig({ writes: { maxGroupsInFlight: 2, kernelCheckpointReports: 3 } });
    const rest = await RestService.open({ registry, config, store, clock, logger });
    await rest.register("athena_1", "Athena");
    await rest.register("apollo_1", "Apollo");
    clock.advanceSeconds(1);
    await rest.reportFatigue("athena_1", { phi: 0.5, kappa: 50 });
    await rest.reportFatigue("athena_1", { phi: 0.5, kappa: 51 });
    // Apollo's row lacks a report: the sweep's flush has a kernel of its own to write.
    await rest.reportFatigue("apollo_1", { phi: 0.5, kappa: 60 });
    // Athena's third report carries her row; its commit is held, then fails.
    hold = { release: () => {}, fail: true };
    const third = rest.reportFatigue("athena_1", { phi: 0.5, kappa: 52 });
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    clock.advanceSeconds(7200);
    const pruned = rest.pruneFatigueSnapshots(3600);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    hold.release();
    await expect(third).rejects.toThrow();
    // The sweep's flush waited for that commit, so it failed with it, and deleted nothing.
    await expect(pruned).rejects.toThrow();
    expect(await fake.fatigueSnapshots({ kernelId: "athena_1" })).toHaveLength(2);
    // The two acknowledged reports are in Athena's row or still stored: a restore has them.
    const again = await RestService.open({ registry, config, store: fake, clock, logger });
    expect(again.scheduler.savedKernel("athena_1")).toMatchObject({ kappa: 51, hasTelemetry: true });
  });
});
