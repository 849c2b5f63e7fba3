/**
 * The store contract against every backend (SQLite file, PostgreSQL database, in-memory fake),
 * with events and saved kernels from real RestScheduler transitions.
 */
import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods, setFatigue, T0 } from "../../test/support/rest-fixture.js";
import { freshStorePerTest, storeBackends } from "../../test/support/store-backends.js";
import type { RestEvent } from "../core/rest/events.js";
import type { RestScheduler } from "../core/rest/scheduler.js";
import type { FatigueSnapshot, RestChange, RestStore } from "./store-types.js";

const BACKENDS = storeBackends("autonomic-store-");

/** A service's commit of one transition: every kernel's saved state and the events. */
function changeOf(rest: RestScheduler, events: RestEvent[], removedKernelIds: string[] = []): RestChange {
  const { kernels, chaosEverSpawned } = rest.exportState();
  return { kernels, removedKernelIds, chaosEverSpawned, events };
}

type EventOf<T extends RestEvent["type"]> = Extract<RestEvent, { type: T }>;
const eventOf = <T extends RestEvent["type"]>(events: RestEvent[], type: T) =>
  events.find((e): e is EventOf<T> => e.type === type) as EventOf<T>;

function snapshot(kernel_id: string, at: number, fatigue = 0.25): FatigueSnapshot {
  return { kernel_id, at, phi: 0.6, kappa: 64.2, load: 0.3, error_rate: 0.01, fatigue };
}

function fatigueOnly(fatigue: FatigueSnapshot): RestChange {
  return { kernels: [], removedKernelIds: [], events: [], fatigue: [fatigue] };
}

for (const backend of BACKENDS) {
  describe(`${backend.name} store`, () => {
    const open = freshStorePerTest(backend);
    const contents = async (s: RestStore) =>
      Promise.all([s.loadRestState(), s.restEvents(), s.coverageEvents(), s.fatigueSnapshots()]);

    it("loads an empty state and no history from a new database", async () => {
      const store = await open();
      expect(store.backend).toBe(backend.name);
      expect(await contents(store)).toEqual([
        { kernels: [], chaosEverSpawned: [], reportSeq: 0 },
        [],
        [],
        [],
      ]);
      expect(await store.constellationCycles()).toEqual([]);
    });

    it("migrates again harmlessly, keeping what was committed", async () => {
      const { rest } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      const store = await open();
      await store.commit(changeOf(rest, []));
      await store.migrate();
      await store.migrate();
      const again = await open();
      expect(await again.loadRestState()).toEqual(rest.exportState());
    });

    it("restores after close and reopen exactly the committed state, which a scheduler loads", async () => {
      const { rest, clock } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena", "Hermes"]);
      clock.advanceSeconds(1);
      rest.register("c1", "chaos_focus_1", "Apollo");
      setFatigue(rest, "apollo_1", 0.5);
      const store = await open();
      // c1 first: the restored order must come from registration, not from the writes.
      await store.commit({ ...changeOf(rest, []), kernels: rest.exportState().kernels.slice(-1) });
      await store.commit(changeOf(rest, rest.requestRest("apollo_1").events));
      await store.commit(changeOf(rest, rest.requestRest("hermes_1").events));
      await store.close();
      const loaded = await (await open()).loadRestState();
      expect(loaded).toEqual(rest.exportState());
      expect(loaded.chaosEverSpawned).toEqual(["chaos_focus_1"]);
      const restored = makeScheduler();
      restored.clock.set(clock.now());
      restored.rest.loadState(loaded);
      expect(restored.rest.kernelStatuses()).toEqual(rest.kernelStatuses());
    });

    it("opens rest and coverage rows when a rest starts and closes them when it ends", async () => {
      const { rest, clock } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      setFatigue(rest, "apollo_1", 0.5);
      setFatigue(rest, "athena_1", 0.2);
      const store = await open();
      const started = rest.requestRest("apollo_1");
      await store.commit(changeOf(rest, started.events));
      const begin = eventOf(started.events, "rest_started");
      expect(await store.restEvents()).toEqual([
        {
          id: expect.any(Number),
          ...{ kernel_id: "apollo_1", kernel_name: "Apollo", rest_type: "resting", started_at: T0 },
          ...{ planned_until: started.planned_until, ended_at: null, duration_seconds: null, forced: false },
          ...{ reason: started.reason, reason_code: begin.reason_code, covered_by: "athena_1" },
          ...{ phi_at_rest: begin.phi, kappa_at_rest: begin.kappa, fatigue_at_rest: begin.fatigue },
          ...{ phi_after: null, kappa_after: null, fatigue_after: null, end_cause: null },
          ...{ recovery_per_minute: null, cycle: null, covered_also_by: null },
        },
      ]);
      expect(await store.coverageEvents()).toEqual([
        {
          id: expect.any(Number),
          ...{ kernel_id: "athena_1", covering_for: "apollo_1", started_at: T0, ended_at: null },
          ...{ coverer_fatigue: rest.fatigueScore("athena_1"), handoff_from: null, end_cause: null },
          ...{ share: 1, context: null },
        },
      ]);
      clock.advanceSeconds(90);
      setFatigue(rest, "apollo_1", 0.1);
      const ended = rest.endRest("apollo_1");
      await store.commit(changeOf(rest, ended.events));
      const { phi_after, kappa_after, fatigue_after } = eventOf(ended.events, "rest_ended");
      const [restRow] = await store.restEvents();
      expect(restRow).toMatchObject({
        phi_after,
        kappa_after,
        fatigue_after,
        fatigue_at_rest: begin.fatigue,
      });
      expect(restRow).toMatchObject({ ended_at: T0 + 90_000, duration_seconds: 90, end_cause: "requested" });
      const coverage = await store.coverageEvents();
      expect(coverage).toEqual([expect.objectContaining({ ended_at: T0 + 90_000, end_cause: "rest_ended" })]);
    });

    it("closes a handed-over coverage with cause handoff and opens the new coverer's row", async () => {
      const { rest } = makeScheduler();
      registerGods(rest, ["Ares", "Athena", "Apollo", "Artemis"]);
      const store = await open();
      await store.commit(changeOf(rest, rest.requestRest("ares_1").events));
      await store.commit(changeOf(rest, rest.requestRest("athena_1").events));
      const byCoverer = (id: string) => store.coverageEvents({ kernelId: id });
      expect(await byCoverer("athena_1")).toEqual([
        expect.objectContaining({ covering_for: "ares_1", ended_at: T0, end_cause: "handoff" }),
      ]);
      expect(await byCoverer("artemis_1")).toEqual([
        expect.objectContaining({ covering_for: "ares_1", handoff_from: "athena_1", ended_at: null }),
      ]);
      expect(await byCoverer("apollo_1")).toEqual([
        expect.objectContaining({ covering_for: "athena_1", handoff_from: null, ended_at: null }),
      ]);
    });

    it("keeps a cycle rest's cycle and second coverer, each coverer's share and context, and the recovery rate", async () => {
      const { rest, clock } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      setFatigue(rest, "apollo_1", 0.5);
      const store = await open();
      const started = rest.requestRest("apollo_1");
      const begin = { ...eventOf(started.events, "rest_started"), cycle: "sleep" as const };
      const context = { task: "summarise", tokens: [1, 2, 3], nested: { done: false } };
      const athena = { ...eventOf(started.events, "coverage_started"), share: 0.625, context };
      const hermes = { ...athena, kernel_id: "hermes_1", share: 0.375, context: null };
      await store.commit(changeOf(rest, [{ ...begin, covered_also_by: "hermes_1" }, athena, hermes]));
      context.tokens.push(4); // the caller's object, changed after the commit: nothing stored changes
      expect(await store.restEvents()).toEqual([
        expect.objectContaining({ cycle: "sleep", covered_also_by: "hermes_1", recovery_per_minute: null }),
      ]);
      const byCoverer = async (id: string) => (await store.coverageEvents({ kernelId: id }))[0];
      expect(await byCoverer(athena.kernel_id)).toMatchObject({
        share: 0.625,
        context: { task: "summarise", tokens: [1, 2, 3], nested: { done: false } },
      });
      expect(await byCoverer("hermes_1")).toMatchObject({ share: 0.375, context: null });

      clock.advanceSeconds(120);
      setFatigue(rest, "apollo_1", 0.25);
      const ended = rest.endRest("apollo_1");
      const end = {
        ...eventOf(ended.events, "rest_ended"),
        cycle: "sleep" as const,
        recovery_per_minute: 0.125,
      };
      const hermesEnd = {
        type: "coverage_ended",
        at: end.at,
        kernel_id: "hermes_1",
        covering_for: "apollo_1",
      } as const;
      const events = ended.events.map((e) => (e.type === "rest_ended" ? end : e));
      await store.commit(changeOf(rest, [...events, { ...hermesEnd, cause: "cycle_started" }]));
      expect(await store.restEvents()).toEqual([
        expect.objectContaining({ ended_at: T0 + 120_000, recovery_per_minute: 0.125, cycle: "sleep" }),
      ]);
      expect(await byCoverer("hermes_1")).toMatchObject({
        ended_at: T0 + 120_000,
        end_cause: "cycle_started",
      });
      expect(await byCoverer(athena.kernel_id)).toMatchObject({
        ended_at: T0 + 120_000,
        end_cause: "rest_ended",
      });
    });

    it("keeps through a group of reports a kernel state whose context holds any text", async () => {
      const { rest } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      // Escaped by JSON.stringify as \u…: a NUL and a lone surrogate (which PostgreSQL refuses
      // in a JSON value it converts to text) and a control character; and text that needs no
      // such escape.
      const escaped = { note: "a\u0000b \ud800", nested: ["\u001f", { deep: "\t" }] };
      const plain = { note: '"quoted" \\ Φ κ 🜂', n: [1.5e-7, 1e21] };
      const store = await open();
      for (const [id, context] of [
        ["apollo_1", escaped],
        ["athena_1", plain],
      ] as const) {
        setFatigue(rest, id, 0.5);
        await store.commit(changeOf(rest, rest.requestRest(id, { context }).events));
        await store.commit(changeOf(rest, rest.endRest(id).events)); // handed back: kept in the state
      }
      // Reports for both, then for one alone.
      for (const ids of [["apollo_1", "athena_1"], ["athena_1"]]) {
        for (const id of ids) setFatigue(rest, id, 0.2);
        const kernels = rest.exportState().kernels.filter((k) => ids.includes(k.kernelId));
        await store.commit({
          kernels,
          removedKernelIds: [],
          events: [],
          fatigue: kernels.map((k) => snapshot(k.kernelId, T0, k.fatigue)),
        });
        expect(await store.loadRestState()).toEqual(rest.exportState());
      }
      const returned = (await store.loadRestState()).kernels.map((k) => k.returnedContext);
      expect(returned).toEqual([escaped, plain]);
    });

    it("keeps a context that is not an object, and stores no row for an adapted threshold", async () => {
      const { rest } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      setFatigue(rest, "apollo_1", 0.5);
      const store = await open();
      const started = rest.requestRest("apollo_1");
      const coverage = {
        ...eventOf(started.events, "coverage_started"),
        share: 1,
        context: "draft: section 2",
      };
      const adapted: RestEvent = {
        ...{ type: "threshold_adapted", at: T0, kernel_id: "apollo_1", kernel_name: "Apollo" },
        ...{
          from_shift: 0,
          to_shift: 0.02,
          threshold: 0.47,
          recovery_fraction: 0.1,
          reason: "recovered little",
        },
      };
      await store.commit(changeOf(rest, [coverage, adapted]));
      expect(await store.coverageEvents()).toEqual([
        expect.objectContaining({ context: "draft: section 2" }),
      ]);
      expect(await store.restEvents()).toEqual([]);
    });

    it("stores nothing of a commit whose last statement fails", async () => {
      const { rest } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      const store = await open();
      await store.commit(changeOf(rest, []));
      const before = await contents(store);
      setFatigue(rest, "apollo_1", 0.5);
      const started = rest.requestRest("apollo_1");
      // Kernels, the rest and its coverage are written before this row breaks NOT NULL.
      const broken = { ...eventOf(started.events, "rest_started"), reason: null as unknown as string };
      const change = { ...changeOf(rest, [...started.events, broken]), fatigue: [snapshot("apollo_1", T0)] };
      await expect(store.commit(change)).rejects.toThrow(/reason/);
      expect(await contents(store)).toEqual(before);
      await store.commit(changeOf(rest, started.events));
      expect(await store.restEvents()).toHaveLength(1);
    });

    it("commits a group of reports (kernels and fatigue rows, nothing else) whole, or nothing of it", async () => {
      const { rest } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      const store = await open();
      await store.commit(changeOf(rest, []));
      const before = await contents(store);
      setFatigue(rest, "apollo_1", 0.4);
      setFatigue(rest, "athena_1", 0.3);
      const { kernels } = rest.exportState();
      const group: RestChange = {
        kernels,
        removedKernelIds: [],
        events: [],
        fatigue: [
          snapshot("apollo_1", T0, 0.4),
          { ...snapshot("athena_1", T0, 0.3), load: null as unknown as number },
        ],
      };
      // The second report breaks NOT NULL after the kernels were saved: none of it may stay.
      await expect(store.commit(group)).rejects.toThrow(/load/);
      expect(await contents(store)).toEqual(before);
      await store.commit({
        ...group,
        fatigue: [snapshot("apollo_1", T0, 0.4), snapshot("athena_1", T0, 0.3)],
      });
      const saved = (await store.loadRestState()).kernels.map((k) => [k.kernelId, k.fatigue]);
      expect(saved).toEqual([
        ["apollo_1", 0.4],
        ["athena_1", 0.3],
      ]);
      expect(await store.fatigueSnapshots()).toHaveLength(2);
    });

    it("forgets removed kernels but keeps their history", async () => {
      const { rest, clock } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      setFatigue(rest, "apollo_1", 0.5);
      const store = await open();
      await store.commit(changeOf(rest, rest.requestRest("apollo_1").events));
      clock.advanceSeconds(30);
      await store.commit(changeOf(rest, rest.deregister("apollo_1").events, ["apollo_1"]));
      const state = await store.loadRestState();
      expect(state.kernels.map((k) => k.kernelId)).toEqual(["athena_1"]);
      expect(state.kernels[0]?.coveringFor).toBeNull();
      expect(await store.restEvents({ kernelId: "apollo_1" })).toEqual([
        expect.objectContaining({ ended_at: T0 + 30_000, end_cause: "deregistered" }),
      ]);
      expect(await store.coverageEvents({ kernelId: "athena_1" })).toEqual([
        expect.objectContaining({ covering_for: "apollo_1", end_cause: "rest_ended" }),
      ]);
    });

    it("filters rest and coverage history by kernel and since, newest first, up to the limit", async () => {
      const { rest, clock } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      const store = await open();
      for (const id of ["apollo_1", "athena_1", "apollo_1"]) {
        setFatigue(rest, id, 0.5);
        setFatigue(rest, id === "apollo_1" ? "athena_1" : "apollo_1", 0.1);
        await store.commit(changeOf(rest, rest.requestRest(id).events));
        clock.advanceSeconds(60);
        await store.commit(changeOf(rest, rest.endRest(id).events));
        clock.advanceSeconds(60);
      }
      const starts = (rows: { started_at: number }[]) => rows.map((r) => r.started_at - T0);
      expect(starts(await store.restEvents())).toEqual([240_000, 120_000, 0]);
      const lengths = (await store.restEvents()).map((r) => (r.ended_at ?? 0) - r.started_at);
      expect(lengths).toEqual([60_000, 60_000, 60_000]);
      expect(starts(await store.restEvents({ kernelId: "apollo_1" }))).toEqual([240_000, 0]);
      expect(starts(await store.restEvents({ sinceMs: T0 + 120_000 }))).toEqual([240_000, 120_000]);
      expect(starts(await store.restEvents({ limit: 1 }))).toEqual([240_000]);
      expect(starts(await store.coverageEvents({ kernelId: "apollo_1" }))).toEqual([120_000]);
      expect(await store.coverageEvents({ sinceMs: T0 + 240_000 })).toEqual([
        expect.objectContaining({ kernel_id: "athena_1", covering_for: "apollo_1" }),
      ]);
    });

    it("returns fatigue snapshots by kernel and since, newest first, up to the limit", async () => {
      const store = await open();
      for (let i = 0; i < 5; i++) {
        await store.commit(fatigueOnly(snapshot("apollo_1", T0 + i * 1000, i / 10)));
        await store.commit(fatigueOnly(snapshot("athena_1", T0 + i * 1000 + 500)));
      }
      const ats = (rows: FatigueSnapshot[]) => rows.map((r) => r.at - T0);
      const apollo = await store.fatigueSnapshots({ kernelId: "apollo_1" });
      expect(ats(apollo)).toEqual([4000, 3000, 2000, 1000, 0]);
      expect(apollo[0]).toEqual(snapshot("apollo_1", T0 + 4000, 0.4));
      const recent = await store.fatigueSnapshots({ kernelId: "apollo_1", sinceMs: T0 + 2000 });
      expect(ats(recent)).toEqual([4000, 3000, 2000]);
      expect(ats(await store.fatigueSnapshots({ limit: 3 }))).toEqual([4500, 4000, 3500]);
    });

    it("reads fatigue history newest first, ties in commit order, across every group a commit held back", async () => {
      // SQLite stages reports and moves them into the table 512 at a time (migration 010):
      // 1,300 reports cross two moves, and the last 276 stay staged.
      const { rest } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      const kernels = rest.exportState().kernels;
      const store = await open();
      const ids = ["apollo_1", "athena_1", "hermes_1"];
      const committed: FatigueSnapshot[] = [];
      for (let g = 0; g < 260; g++) {
        // Two groups a second: every second holds ten reports, three or four per kernel.
        const fatigue = Array.from({ length: 5 }, (_, j) =>
          snapshot(ids[(g * 5 + j) % 3] as string, T0 + Math.floor(g / 2) * 1000, ((g * 5 + j) % 97) / 100),
        );
        committed.push(...fatigue);
        // A group of reports, or (every tenth) a change without kernel rows: the other write path.
        await store.commit({
          kernels: g % 10 === 0 ? [] : kernels,
          removedKernelIds: [],
          events: [],
          fatigue,
        });
      }
      const newestFirst = (rows: FatigueSnapshot[]) =>
        rows
          .map((row, order) => ({ row, order }))
          .sort((a, b) => b.row.at - a.row.at || b.order - a.order)
          .map(({ row }) => row);
      for (const id of ids) {
        const own = newestFirst(committed.filter((r) => r.kernel_id === id));
        expect(await store.fatigueSnapshots({ kernelId: id, limit: 1000 })).toEqual(own);
        const since = T0 + 100_000;
        expect(await store.fatigueSnapshots({ kernelId: id, sinceMs: since, limit: 1000 })).toEqual(
          own.filter((r) => r.at >= since),
        );
      }
      expect(await store.fatigueSnapshots({ limit: 7 })).toEqual(newestFirst(committed).slice(0, 7));
      const cut = T0 + 65_000;
      expect(await store.pruneFatigueSnapshots(cut)).toBe(committed.filter((r) => r.at < cut).length);
      expect(await store.fatigueSnapshots({ limit: 2000 })).toEqual(
        newestFirst(committed.filter((r) => r.at >= cut)),
      );
    });

    it("returns at most 100 history rows when no limit is given", async () => {
      const store = await open();
      for (let i = 0; i < 101; i++) await store.commit(fatigueOnly(snapshot("apollo_1", T0 + i)));
      const rows = await store.fatigueSnapshots();
      expect(rows).toHaveLength(100);
      expect(rows[0]?.at).toBe(T0 + 100);
    });

    it("prunes only snapshots older than the cut and says how many", async () => {
      const store = await open();
      for (let i = 0; i < 4; i++) await store.commit(fatigueOnly(snapshot("apollo_1", T0 + i * 1000)));
      expect(await store.pruneFatigueSnapshots(T0 + 2000)).toBe(2);
      expect((await store.fatigueSnapshots()).map((s) => s.at - T0)).toEqual([3000, 2000]);
      expect(await store.pruneFatigueSnapshots(T0 + 2000)).toBe(0);
    });

    it("gives back booleans as booleans and ids and times as numbers", async () => {
      const { rest } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena", "Ares"]);
      const store = await open();
      await store.commit(changeOf(rest, rest.requestRest("apollo_1").events));
      const forced = rest.requestRest("ares_1", { force: true });
      await store.commit({ ...changeOf(rest, forced.events), fatigue: [snapshot("ares_1", T0, 0.1 + 0.2)] });
      const rows = await store.restEvents();
      expect(rows.find((r) => r.kernel_id === "ares_1")?.forced).toBe(true);
      expect(rows.find((r) => r.kernel_id === "apollo_1")?.forced).toBe(false);
      for (const row of [...rows, ...(await store.coverageEvents())]) {
        expect(Number.isInteger(row.id)).toBe(true);
        expect(row.started_at).toBe(T0);
      }
      expect(rows[0]?.planned_until).toBe(forced.planned_until);
      const [snap] = await store.fatigueSnapshots();
      expect(snap?.at).toBe(T0);
      expect(snap?.fatigue).toBe(0.1 + 0.2); // a double round-trips exactly
    });
  });
}
