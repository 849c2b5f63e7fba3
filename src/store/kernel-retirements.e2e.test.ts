/**
 * The store's side of kernel retirement against every backend (SQLite file, PostgreSQL
 * database, in-memory fake): one commit removes the kernel's row, records the retirement and
 * moves the coverage it held, or, when it fails partway, stores none of it.
 */
import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods, T0 } from "../../test/support/rest-fixture.js";
import { freshStorePerTest, storeBackends } from "../../test/support/store-backends.js";
import type { RestEvent } from "../core/rest/events.js";
import type { RestScheduler } from "../core/rest/scheduler.js";
import type { RestChange, RestStore } from "./store-types.js";

const BACKENDS = storeBackends("autonomic-retirements-");

/** What RestService commits for one transition: every kernel's saved state, the removed ids and the events. */
function changeOf(rest: RestScheduler, events: RestEvent[], removedKernelIds: string[] = []): RestChange {
  const { kernels, chaosEverSpawned } = rest.exportState();
  return { kernels, removedKernelIds, chaosEverSpawned, events };
}

/** Apollo resting, covered by Athena, with Hermes free to take the coverage over. */
async function apolloCoveredByAthena(store: RestStore) {
  const made = makeScheduler();
  registerGods(made.rest, ["Apollo", "Athena", "Hermes"]);
  await store.commit(changeOf(made.rest, made.rest.requestRest("apollo_1").events));
  return made;
}

for (const backend of BACKENDS) {
  describe(`${backend.name} store: kernel retirements`, () => {
    const open = freshStorePerTest(backend);
    const contents = async (s: RestStore) =>
      Promise.all([s.loadRestState(), s.restEvents(), s.coverageEvents(), s.kernelRetirements()]);

    it("removes the kernel, records its retirement and moves its coverage in one commit, keeping its history", async () => {
      const store = await open();
      const { rest, clock } = await apolloCoveredByAthena(store);
      clock.advanceSeconds(30);
      const retired = rest.retire("athena_1", { reason: "replaced", actor: "user:ops" });
      await store.commit(changeOf(rest, retired.events, ["athena_1"]));

      const state = await store.loadRestState();
      expect(state.kernels.map((k) => k.kernelId).sort()).toEqual(["apollo_1", "hermes_1"]);
      expect(state.kernels.find((k) => k.kernelId === "apollo_1")).toMatchObject({
        status: "resting",
        coveredBy: "hermes_1",
      });
      expect(await store.kernelRetirements()).toEqual([
        {
          id: expect.any(Number),
          ...{ kernel_id: "athena_1", kernel_name: "Athena", tier: "specialized" },
          ...{ rest_policy: "coordinated_alternating", retired_at: T0 + 30_000, forced: false },
          ...{
            reason: "replaced",
            actor: "user:ops",
            woken_from: null,
            rest_count: 0,
            total_rest_seconds: 0,
          },
          handoffs: [{ covered: "apollo_1", handed_to: "hermes_1", outcome: "handed_off" }],
        },
      ]);
      // Athena's coverage stays in the history, closed by the handoff; Hermes's row says where it came from.
      expect(await store.coverageEvents({ kernelId: "athena_1" })).toEqual([
        expect.objectContaining({ covering_for: "apollo_1", ended_at: T0 + 30_000, end_cause: "handoff" }),
      ]);
      expect(await store.coverageEvents({ kernelId: "hermes_1" })).toEqual([
        expect.objectContaining({ covering_for: "apollo_1", ended_at: null, handoff_from: "athena_1" }),
      ]);
      // The rest itself never ended: one open row.
      expect(await store.restEvents({ kernelId: "apollo_1" })).toEqual([
        expect.objectContaining({ started_at: T0, ended_at: null }),
      ]);
      expect(await store.retiredKernelIds()).toEqual(["athena_1"]);
    });

    it("records the rest a retiring kernel was woken from as ended by its retirement", async () => {
      const store = await open();
      const { rest, clock } = await apolloCoveredByAthena(store);
      clock.advanceSeconds(45);
      await store.commit(changeOf(rest, rest.retire("apollo_1").events, ["apollo_1"]));
      expect(await store.restEvents({ kernelId: "apollo_1" })).toEqual([
        expect.objectContaining({ ended_at: T0 + 45_000, duration_seconds: 45, end_cause: "retired" }),
      ]);
      expect(await store.kernelRetirements({ kernelId: "apollo_1" })).toEqual([
        expect.objectContaining({
          woken_from: "resting",
          rest_count: 1,
          total_rest_seconds: 45,
          handoffs: [],
        }),
      ]);
      expect(
        (await store.loadRestState()).kernels.find((k) => k.kernelId === "athena_1")?.coveringFor,
      ).toBeNull();
    });

    it("stores nothing of a retirement whose commit fails after its first rows are written", async () => {
      const store = await open();
      const { rest } = await apolloCoveredByAthena(store);
      const before = await contents(store);
      const retired = rest.retire("athena_1");
      // The kernels, the removal and the handoff's coverage rows go in before this row breaks NOT NULL.
      const broken = retired.events.map((e) =>
        e.type === "kernel_retired" ? { ...e, kernel_name: null as unknown as string } : e,
      );
      await expect(store.commit(changeOf(rest, broken, ["athena_1"]))).rejects.toThrow(/kernel_name/);
      expect(await contents(store)).toEqual(before);
      expect(await store.retiredKernelIds()).toEqual([]);
    });

    it("keeps every retirement of an id that registered afresh, newest first, by kernel and since", async () => {
      const store = await open();
      const { rest, clock } = makeScheduler();
      registerGods(rest, ["Apollo", "Ares"]);
      await store.commit(changeOf(rest, []));
      for (const [id, name] of [
        ["apollo_1", "Apollo"],
        ["ares_1", "Ares"],
        ["apollo_1", "Apollo"],
      ] as const) {
        clock.advanceSeconds(60);
        if (!rest.has(id)) await store.commit(changeOf(rest, rest.register(id, name).events));
        await store.commit(changeOf(rest, rest.retire(id).events, [id]));
      }
      const at = (rows: { retired_at: number }[]) => rows.map((r) => (r.retired_at - T0) / 1000);
      expect(at(await store.kernelRetirements())).toEqual([180, 120, 60]);
      expect(at(await store.kernelRetirements({ kernelId: "apollo_1" }))).toEqual([180, 60]);
      expect(at(await store.kernelRetirements({ sinceMs: T0 + 120_000 }))).toEqual([180, 120]);
      expect(at(await store.kernelRetirements({ limit: 1 }))).toEqual([180]);
      expect(await store.retiredKernelIds()).toEqual(["apollo_1", "ares_1"]);
      expect((await store.loadRestState()).kernels).toEqual([]);
    });
  });
}
