/**
 * The constellation cycles half of the store contract against every backend (SQLite file,
 * PostgreSQL database, in-memory fake): decisions, votes and cycles kept by kind, the one open
 * cycle, and closing it in the same transaction as the rest of a change.
 */
import { describe, expect, it } from "vitest";
import { makeScheduler, registerGods, setFatigue, T0 } from "../../test/support/rest-fixture.js";
import { freshStorePerTest, storeBackends } from "../../test/support/store-backends.js";
import type { CycleRecordKind, NewCycleRecord, RestChange } from "./store-types.js";

const BACKENDS = storeBackends("autonomic-cycles-store-");

function record(kind: CycleRecordKind, at: number, extra: Partial<NewCycleRecord> = {}): NewCycleRecord {
  return {
    ...{ kind, cycle_type: "sleep", started_at: at, ended_at: null, reason: `${kind} at +${at - T0} ms` },
    detail: { kind, votes: { heart: { vote: true, reason: "fatigue 0.84 > 0.8" } }, coherence: 0.1 + 0.2 },
    ...extra,
  };
}

function cycleChange(records: NewCycleRecord[], closeCycle?: RestChange["closeCycle"]): RestChange {
  return { kernels: [], removedKernelIds: [], events: [], cycleRecords: records, closeCycle };
}

for (const backend of BACKENDS) {
  describe(`${backend.name} store: constellation cycles`, () => {
    const open = freshStorePerTest(backend);

    it("keeps decisions, votes and cycles with reason and detail, newest first, by kind and since", async () => {
      const store = await open();
      const decision = record("decision", T0, { cycle_type: "none" });
      await store.commit(cycleChange([decision]));
      await store.commit(
        cycleChange([record("vote", T0 + 1000, { detail: { voter: "Heart", vote: true } })]),
      );
      // A cycle starts with the decision that started it, in the same ms: the later row is newer.
      await store.commit(cycleChange([record("cycle", T0 + 2000), record("decision", T0 + 2000)]));
      const all = await store.constellationCycles();
      expect(all.map((r) => [r.kind, r.started_at - T0])).toEqual([
        ["decision", 2000],
        ["cycle", 2000],
        ["vote", 1000],
        ["decision", 0],
      ]);
      expect(all[3]).toEqual({ id: expect.any(Number), ...decision });
      expect(all[2]?.detail).toEqual({ voter: "Heart", vote: true });
      const at = (rows: { started_at: number }[]) => rows.map((r) => r.started_at - T0);
      expect(at(await store.constellationCycles({ kind: "decision" }))).toEqual([2000, 0]);
      expect(await store.constellationCycles({ kind: "vote" })).toEqual([all[2]]);
      expect(await store.constellationCycles({ kind: "cycle" })).toEqual([all[1]]);
      expect(at(await store.constellationCycles({ sinceMs: T0 + 1000 }))).toEqual([2000, 2000, 1000]);
      expect(at(await store.constellationCycles({ kind: "decision", sinceMs: T0 + 1 }))).toEqual([2000]);
      expect(await store.constellationCycles({ limit: 2 })).toEqual(all.slice(0, 2));
      // Cycles concern the whole constellation: a kernel does not filter them.
      expect(await store.constellationCycles({ kernelId: "apollo_1" })).toEqual(all);
    });

    it("has no open cycle until one starts, and none once closeCycle ends it with the end's detail", async () => {
      const store = await open();
      expect(await store.openCycle()).toBeNull();
      // A decision's ended_at stays null too, but it is no cycle.
      await store.commit(cycleChange([record("decision", T0)]));
      expect(await store.openCycle()).toBeNull();
      await store.commit(cycleChange([record("cycle", T0)]));
      const running = await store.openCycle();
      expect(running).toMatchObject({ kind: "cycle", cycle_type: "sleep", started_at: T0, ended_at: null });
      expect(running).toEqual((await store.constellationCycles({ kind: "cycle" }))[0]);

      const ending = {
        ended_at: T0 + 300_000,
        detail: { start: { reason: "sleep" }, end: { by: "length" } },
      };
      await store.commit(cycleChange([], ending));
      expect(await store.openCycle()).toBeNull();
      expect(await store.constellationCycles({ kind: "cycle" })).toEqual([
        { ...running, ended_at: T0 + 300_000, detail: ending.detail },
      ]);
      const [decision] = await store.constellationCycles({ kind: "decision" });
      expect(decision).toMatchObject({ ended_at: null, detail: record("decision", T0).detail });
    });

    it("ends one cycle and starts the next in one change", async () => {
      const store = await open();
      await store.commit(cycleChange([record("cycle", T0)]));
      const next = record("cycle", T0 + 300_000, { cycle_type: "dream" });
      await store.commit(cycleChange([next], { ended_at: T0 + 300_000, detail: { ended: true } }));
      expect(await store.openCycle()).toEqual({ id: expect.any(Number), ...next });
      const cycles = await store.constellationCycles({ kind: "cycle" });
      expect(cycles.map((r) => [r.cycle_type, r.ended_at])).toEqual([
        ["dream", null],
        ["sleep", T0 + 300_000],
      ]);
    });

    it("changes no finished cycle when closeCycle finds none open", async () => {
      const store = await open();
      await store.commit(cycleChange([record("cycle", T0, { ended_at: T0 + 1000 })]));
      const before = await store.constellationCycles();
      await store.commit(cycleChange([], { ended_at: T0 + 5000, detail: { ended: "again" } }));
      expect(await store.constellationCycles()).toEqual(before);
    });

    it("stores nothing of a change that closes the cycle when a later write of it fails", async () => {
      const { rest, clock } = makeScheduler();
      registerGods(rest, ["Apollo", "Athena"]);
      const store = await open();
      await store.commit({ ...cycleChange([record("cycle", T0)]), kernels: rest.exportState().kernels });
      const before = await Promise.all([
        store.loadRestState(),
        store.restEvents(),
        store.constellationCycles(),
      ]);
      clock.advanceSeconds(60);
      setFatigue(rest, "apollo_1", 0.5);
      const change: RestChange = {
        ...{
          kernels: rest.exportState().kernels,
          removedKernelIds: [],
          events: rest.requestRest("apollo_1").events,
        },
        closeCycle: { ended_at: T0 + 60_000, detail: { end: "condition" } },
      };
      // Kernels, the rest and the closing are written before this record breaks NOT NULL.
      const broken = { ...record("decision", T0 + 60_000), reason: null as unknown as string };
      await expect(store.commit({ ...change, cycleRecords: [broken] })).rejects.toThrow(/reason/);
      expect(
        await Promise.all([store.loadRestState(), store.restEvents(), store.constellationCycles()]),
      ).toEqual(before);
      expect(await store.openCycle()).toMatchObject({ started_at: T0, ended_at: null });

      // A detail JSON cannot hold fails the same way, before anything is written.
      const unserialisable = { ...record("decision", T0 + 60_000), detail: undefined };
      await expect(store.commit({ ...change, cycleRecords: [unserialisable] })).rejects.toThrow(TypeError);
      expect(await store.openCycle()).toMatchObject({ started_at: T0, ended_at: null });

      await store.commit(change);
      expect(await store.openCycle()).toBeNull();
      expect(await store.restEvents()).toEqual([
        expect.objectContaining({ kernel_id: "apollo_1", ended_at: null }),
      ]);
    });
  });
}
